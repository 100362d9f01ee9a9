/*
 * fuzz_web.c - mfa-web's API (api_handle) on any request, without HTTP:
 * a store in a temporary directory with alice enrolled (a TOTP factor of a
 * known secret), a password-stage and a signed-in session of hers, and
 * mfad's socket where nothing listens (a password check fails with 503).
 *
 * An input is a first line "METHOD PATH SESSION HEADERS" and the body after
 * it. SESSION: 'n' none, 'p' password stage, 's' signed in; then 'c' the
 * right CSRF token, 'w' a wrong one, else none. HEADERS: 'j' Content-Type
 * application/json, 't' text/plain, else none; then 'o' Origin this host,
 * 'x' another, else none. In the body @CODE@ becomes alice's current code
 * and @FACTOR@ her factor's id, so that the fuzzer reaches past them.
 *
 * Every answer: a status in 200..599 and valid JSON; a request without a
 * session, with a half-done sign-in or without the CSRF token changes
 * nothing and reads nothing (no 200 but where the API allows it); the store
 * works, so no 503 but from the password check.
 */
#include <jansson.h>
#include <liboath/oath.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web.h"

#define USER "alice"
#define SECRET "12345678901234567890"
#define SECRET_BASE32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define HOST "localhost"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* mfa-web.c (which has main) logs; here the log is quiet. */
void web_log(int priority, const char *fmt, ...)
{
	(void)priority;
	(void)fmt;
}

static struct web web;
static mfa_ctx *admin;                 /* the harness's own, to reset the store */
static char dir[] = "/tmp/mfa-fuzz-web-XXXXXX";
static char config[256];
static char factor_id[MFA_ID_LEN + 1];
static bool dirty = true;              /* the store may differ from the start */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_web: %s%s%s\n", what, admin ? ": " : "",
	        admin ? mfa_ctx_error(admin) : "");
	abort();
}

static void cleanup(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_web: cannot remove %s\n", dir);
}

/* alice as at the start: one active TOTP factor, no recovery codes, no
 * failures. */
static void reset_store(void)
{
	struct mfa_otp_params p = { .type = MFA_FACTOR_TOTP, .algorithm = -1,
	                            .secret_base32 = SECRET_BASE32, .label = "alice phone" };
	mfa_enrollment *e = NULL;
	int r = mfa_user_delete(admin, USER, "fuzz");

	if (r != MFA_OK && r != MFA_ERR_NOT_FOUND)
		die("cannot delete alice");
	if (mfa_enroll_begin(admin, USER, &p, &e) != MFA_OK || mfa_enroll_activate(admin, e) != MFA_OK)
		die("cannot enroll alice");
	snprintf(factor_id, sizeof(factor_id), "%s", mfa_enrollment_factor_id(e));
	mfa_enrollment_free(&e);
	dirty = false;
}

/* Once, at the first input (corpus_main.c calls no initializer). */
static void setup(void)
{
	char path[512], why[512];
	unsigned created;
	FILE *f;

	if (!mkdtemp(dir))
		die("mkdtemp");
	atexit(cleanup);
	snprintf(config, sizeof(config), "%s/mfa.conf", dir);
	if (!(f = fopen(config, "w")))
		die("cannot write the config");
	fprintf(f, "store = sqlite:%s/mfa.db\nkey_file = %s/mfa.key\naudit_syslog = no\n"
	           "audit_file = %s/audit.json\nwebauthn_rp_id = " HOST "\n"
	           "webauthn_origins = http://" HOST "\n", dir, dir, dir);
	fclose(f);
	if (mfa_ctx_new(&admin) != MFA_OK || mfa_setup(admin, config, &created) != MFA_OK)
		die("mfa_setup");
	reset_store();

	snprintf(web.cfg.listen, sizeof(web.cfg.listen), "127.0.0.1:1");
	web.cfg.session_idle = web.cfg.session_max = 1u << 30;
	snprintf(path, sizeof(path), "%s/mfad.sock", dir);   /* nothing listens */
	snprintf(web.cfg.mfad_socket, sizeof(web.cfg.mfad_socket), "%s", path);
	web.cfg.mfad_timeout_ms = 1000;
	pthread_mutex_init(&web.pool_mutex, NULL);
	if (!(web.pool = pool_new(config, why, sizeof(why))))
		die(why);
	if (!(web.sessions = sessions_new(web.cfg.session_idle, web.cfg.session_max)) ||
	    !(web.limits = limits_new()))
		die("out of memory");
}

/* The body with @CODE@ and @FACTOR@ filled in (malloc'ed, NUL-terminated). */
static char *fill_body(const char *in, size_t n, size_t *len)
{
	char code[16] = "000000", *out = malloc(n * 8 + 1), *o = out;

	if (!out)
		abort();
	if (oath_totp_generate(SECRET, strlen(SECRET), time(NULL), 30, 0, 6, code) != OATH_OK)
		abort();
	for (size_t i = 0; i < n;) {
		if (n - i >= 6 && !memcmp(in + i, "@CODE@", 6)) {
			o = stpcpy(o, code);
			i += 6;
		} else if (n - i >= 8 && !memcmp(in + i, "@FACTOR@", 8)) {
			o = stpcpy(o, factor_id);
			i += 8;
		} else {
			*o++ = in[i++];
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

/* The next space-separated word of the first line (malloc'ed). */
static char *word(const char **p, const char *end)
{
	const char *s = *p;
	char *w;

	while (*p < end && **p != ' ' && **p != '\n')
		(*p)++;
	if (!(w = strndup(s, (size_t)(*p - s))))
		abort();
	if (*p < end && **p == ' ')
		(*p)++;
	return w;
}

static bool json_ok(const struct web_reply *rp)
{
	json_error_t err;
	json_t *v = json_loadb(rp->body, rp->len, 0, &err);
	bool ok = v != NULL;

	json_decref(v);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl = memchr(p, '\n', size);
	struct web_request rq = { .web = &web, .host = HOST, .client = "192.0.2.7" };
	struct web_reply rp = { 0 };
	struct web_session password, signed_in;
	char *method, *path, *sess, *hdr, *body;
	enum web_stage stage;
	bool post, allowed;

	if (!nl)
		nl = end;
	method = word(&p, nl);
	path = word(&p, nl);
	sess = word(&p, nl);
	hdr = word(&p, nl);
	if (!admin)
		setup();
	if (dirty)
		reset_store();
	body = fill_body(nl < end ? nl + 1 : end, nl < end ? (size_t)(end - nl - 1) : 0, &rq.body_len);
	rq.method = method;
	rq.path = path;
	rq.body = body;
	if (session_create(web.sessions, USER, WEB_STAGE_PASSWORD, &password) != MFA_OK ||
	    session_create(web.sessions, USER, WEB_STAGE_SIGNED_IN, &signed_in) != MFA_OK)
		abort();
	if (sess[0] == 'p' || sess[0] == 's') {
		rq.has_session = true;
		rq.session = sess[0] == 'p' ? password : signed_in;
		if (sess[1] == 'c')
			rq.csrf = rq.session.csrf;
		else if (sess[1] == 'w')   /* the other session's */
			rq.csrf = sess[0] == 'p' ? signed_in.csrf : password.csrf;
	}
	stage = rq.has_session ? rq.session.stage : 0;
	rq.content_type = hdr[0] == 'j' ? "application/json; charset=utf-8"
	                  : hdr[0] == 't' ? "text/plain" : NULL;
	if (hdr[0])
		rq.origin = hdr[1] == 'o' ? "http://" HOST : hdr[1] == 'x' ? "https://evil.example" : NULL;

	api_handle(&rq, &rp);

	post = !strcmp(method, "POST");
	if (rp.status < 200 || rp.status > 599 || !rp.body || strlen(rp.body) != rp.len ||
	    !rp.content_type || strcmp(rp.content_type, "application/json") != 0 || !json_ok(&rp)) {
		fprintf(stderr, "fuzz_web: %s %s: status %u, body '%s'\n", method, path, rp.status,
		        rp.body ? rp.body : "(null)");
		abort();
	}
	if (getenv("FUZZ_WEB_VERBOSE"))   /* to see where the seeds go */
		fprintf(stderr, "%s %s %s: %u %.200s\n", method, path, sess, rp.status, rp.body);
	/* What may succeed: the session's state and the sign-in for anyone; the
	 * rest of the sign-in at the password stage; all with the token. */
	allowed = !strcmp(path, "/api/session") || (post && !strcmp(path, "/api/signin"));
	if (rq.has_session && (!post || rq.csrf == rq.session.csrf)) {
		if (stage == WEB_STAGE_SIGNED_IN || !strncmp(path, "/api/sign", 9))
			allowed = true;
	}
	/* The store works: "unavailable" is only mfad's, which is not there. */
	if ((rp.status == 200 && !allowed) || (rp.status == 503 && strcmp(path, "/api/signin"))) {
		fprintf(stderr, "fuzz_web: %s %s (session %s) answered %u: %s\n", method, path, sess,
		        rp.status, rp.body);
		abort();
	}
	/* A POST that reached a handler may have changed alice's records
	 * (factors, codes, failures, a challenge). */
	if (post)
		dirty = true;
	/* A sign-in by code counts against alice's limit: start each input
	 * afresh. */
	if (!strncmp(path, "/api/signin", 11)) {
		limits_free(web.limits);
		if (!(web.limits = limits_new()))
			abort();
	}
	sessions_end_user(web.sessions, USER);
	free(rp.body);
	free(body);
	free(method);
	free(path);
	free(sess);
	free(hdr);
	return 0;
}
