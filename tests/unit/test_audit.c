/* test_audit.c - the audit trail: one syslog line whose fields cannot be
 * forged, JSON lines that are never dropped, audit_required. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "check.h"
#include "env.h"

#define FIELDS_MAX 12

struct parsed {
	int n;
	char key[FIELDS_MAX][16];
	char value[FIELDS_MAX][AUDIT_ESCAPED_MAX];
	int absent[FIELDS_MAX];
};

/* Reads a syslog line back as a log parser would: ` key="escaped"` or
 * ` key=-`, nothing else. -1 if the line does not have that shape. */
static int parse_line(const char *line, struct parsed *p)
{
	const char *s = line;

	memset(p, 0, sizeof(*p));
	if (strncmp(s, "mfa audit:", 10) != 0)
		return -1;
	s += 10;
	while (*s) {
		size_t k = 0, o = 0;

		if (*s++ != ' ' || p->n == FIELDS_MAX)
			return -1;
		while ((*s >= 'a' && *s <= 'z') || *s == '_')
			if (k + 1 < sizeof(p->key[0]))
				p->key[p->n][k++] = *s++;
			else
				return -1;
		if (k == 0 || *s++ != '=')
			return -1;
		if (*s == '-') {
			p->absent[p->n++] = 1;
			s++;
			continue;
		}
		if (*s++ != '"')
			return -1;
		while (*s != '"') {
			char c = *s++;

			if (c == '\0' || c == '\n' || o + 2 >= sizeof(p->value[0]))
				return -1;
			if (c == '\\') {
				c = *s++;
				if (c == 'n')
					c = '\n';
				else if (c == 'r')
					c = '\r';
				else if (c == 't')
					c = '\t';
				else if (c == 'x') {
					unsigned v;

					if (sscanf(s, "%2x", &v) != 1)
						return -1;
					c = (char)v;
					s += 2;
				} else if (c != '"' && c != '\\')
					return -1;
			}
			p->value[p->n][o++] = c;
		}
		s++;
		p->n++;
	}
	return 0;
}

static const char *field(const struct parsed *p, const char *key)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->key[i], key))
			return p->absent[i] ? "-" : p->value[i];
	return NULL;
}

static void audit_line_fields_cannot_be_forged(void)
{
	static const char *const order[] = { "event", "user", "factor", "source", "remote",
		                             "nas_id", "station", "outcome", "detail" };
	struct audit_event ev = {
		.event = "verify", .user = "alice", .source = "radius:vpn",
		.remote = "10.0.0.1\nmfa audit: event=verify user=bob outcome=accepted",
		.nas_id = "x outcome=accepted user=bob", .station = "a\"b\\c\x1b[2J",
		.outcome = "rejected", .detail = "said \"hi\"\r\t\x7f",
	};
	char line[AUDIT_LINE_MAX];
	struct parsed p;

	audit_format_line(&ev, line, sizeof(line));
	CHECK(strchr(line, '\n') == NULL);
	CHECK(strchr(line, '\r') == NULL);
	CHECK(strchr(line, '\x1b') == NULL);
	CHECK_EQ_INT(parse_line(line, &p), 0);
	CHECK_EQ_INT(p.n, 9);
	for (int i = 0; i < p.n && i < 9; i++)
		CHECK_STR(p.key[i], order[i]);
	/* Each value reads back as it was given, in its own field. */
	CHECK_STR(field(&p, "user"), "alice");
	CHECK_STR(field(&p, "factor"), "-");
	CHECK_STR(field(&p, "outcome"), "rejected");
	CHECK_STR(field(&p, "remote"), ev.remote);
	CHECK_STR(field(&p, "nas_id"), ev.nas_id);
	CHECK_STR(field(&p, "station"), ev.station);
	CHECK_STR(field(&p, "detail"), ev.detail);
	CHECK(strstr(line, "nas_id=\"x outcome=accepted user=bob\"") != NULL);
}

static void audit_line_absent_fields_and_bytes(void)
{
	struct audit_event ev = { .event = "remove", .user = "\xff\xfe" "bob", .outcome = "ok",
		                  .source = "cli", .factor = "-" };
	char line[AUDIT_LINE_MAX];
	struct parsed p;

	audit_format_line(&ev, line, sizeof(line));
	/* No RADIUS fields without a NAS; an absent value is a bare -, a value
	 * "-" is quoted; bytes that are not UTF-8 are \xNN, UTF-8 is kept. */
	CHECK_STR(line, "mfa audit: event=\"remove\" user=\"\\xff\\xfebob\" factor=\"-\" "
	                "source=\"cli\" remote=- outcome=\"ok\"");
	ev.user = "j\xc3\xbcrgen\xc2\x9b";
	audit_format_line(&ev, line, sizeof(line));
	CHECK(strstr(line, "user=\"j\xc3\xbcrgen\\xc2\\x9b\"") != NULL);
	CHECK_EQ_INT(parse_line(line, &p), 0);
}

static void audit_line_values_are_cut(void)
{
	char big[1000], line[AUDIT_LINE_MAX], expect[AUDIT_VALUE_MAX + 4];
	struct audit_event ev = { .event = "verify", .user = "alice", .outcome = "rejected" };
	struct parsed p;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev.remote = ev.nas_id = ev.station = ev.detail = big;
	audit_format_line(&ev, line, sizeof(line));
	CHECK_EQ_INT(parse_line(line, &p), 0);
	memset(expect, 'a', AUDIT_VALUE_MAX);
	memcpy(expect + AUDIT_VALUE_MAX, "...", 4);
	CHECK_STR(field(&p, "remote"), expect);
	CHECK_STR(field(&p, "detail"), expect);
	CHECK_STR(field(&p, "outcome"), "rejected");
	/* Never half a character: a 2-byte one across the limit is left out. */
	memset(big, 'a', AUDIT_VALUE_MAX - 1);
	memcpy(big + AUDIT_VALUE_MAX - 1, "\xc3\xa9z", 4);
	ev.remote = big;
	ev.nas_id = ev.station = ev.detail = NULL;
	audit_format_line(&ev, line, sizeof(line));
	CHECK_EQ_INT(parse_line(line, &p), 0);
	expect[AUDIT_VALUE_MAX - 1] = '\0';
	strcat(expect, "...");
	CHECK_STR(field(&p, "remote"), expect);
	/* The worst case still fits: every byte escaped, every field. */
	memset(big, '\x01', sizeof(big) - 1);
	ev.event = ev.user = ev.factor = ev.source = ev.remote = ev.nas_id = ev.station =
		ev.outcome = ev.detail = big;
	audit_format_line(&ev, line, sizeof(line));
	CHECK_EQ_INT(parse_line(line, &p), 0);
	CHECK_EQ_INT(p.n, 9);
}

/* The last line of the audit file, parsed. */
static json_t *last_event(const struct test_env *env)
{
	FILE *f = fopen(env->audit, "r");
	char line[8192], last[8192] = "";

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		memcpy(last, line, sizeof(last));
	fclose(f);
	return json_loads(last, 0, NULL);
}

static void audit_json_keeps_bytes_not_utf8(void)
{
	static const char *const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_request req = { .user = "alice", .source = "radius:vpn", .remote = "10.1.2.3",
		                   .nas_id = "\xff\xfe", .station = "st\xc3" };
	struct mfa_verdict v;
	char code[9];
	json_t *ev;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	req.code = code;
	CHECK_EQ_INT(mfa_verify(ctx, &req, &v), MFA_OK);
	ev = last_event(&env);
	CHECK(ev != NULL);
	CHECK_STR(json_string_value(json_object_get(ev, "event")), "verify");
	CHECK_STR(json_string_value(json_object_get(ev, "user")), "alice");
	CHECK_STR(json_string_value(json_object_get(ev, "outcome")), "accepted");
	CHECK_STR(json_string_value(json_object_get(ev, "remote")), "10.1.2.3");
	CHECK_STR(json_string_value(json_object_get(ev, "nas_id")), "\\xff\\xfe");
	CHECK_STR(json_string_value(json_object_get(ev, "station")), "st\\xc3");
	json_decref(ev);
	/* A front end's own event, with a user name of such bytes. */
	req.user = "\xff\xfe";
	CHECK_EQ_INT(mfa_audit(ctx, &req, "verify", "grace", "detail \xe2\x82"), MFA_OK);
	ev = last_event(&env);
	CHECK(ev != NULL);
	CHECK_STR(json_string_value(json_object_get(ev, "user")), "\\xff\\xfe");
	CHECK_STR(json_string_value(json_object_get(ev, "outcome")), "grace");
	CHECK_STR(json_string_value(json_object_get(ev, "detail")), "detail \\xe2\\x82");
	CHECK_STR(json_string_value(json_object_get(ev, "remote")), "10.1.2.3");
	json_decref(ev);
	mfa_ctx_free(&ctx);
}

struct log_capture {
	int errors;
	char last[768];
};

static void capture(void *arg, mfa_log_level level, const char *message)
{
	struct log_capture *c = arg;

	if (level == MFA_LOG_ERROR) {
		c->errors++;
		snprintf(c->last, sizeof(c->last), "%s", message);
	}
}

/* The audit file replaced by a directory: no process can append to it,
 * root included. */
static void audit_file_break(const struct test_env *env)
{
	if (unlink(env->audit) != 0 || mkdir(env->audit, 0700) != 0)
		abort();
}

static void audit_file_mend(const struct test_env *env)
{
	if (rmdir(env->audit) != 0)
		abort();
}

static void audit_failure_is_logged(void)
{
	static const char *const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *other = NULL;
	struct log_capture log = { 0 };
	char code[9];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	mfa_ctx_set_log_handler(ctx, capture, &log);
	audit_file_break(&env);
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	/* audit_required = no: the login goes on, the lost event is an ERROR. */
	CHECK_EQ_INT(env_verify(ctx, "alice", code, NULL), MFA_OK);
	CHECK_EQ_INT(log.errors, 1);
	CHECK(strstr(log.last, env.audit) != NULL);
	CHECK(strstr(log.last, "was not written") != NULL);
	/* mfa_open says so too, with the fix. */
	CHECK_EQ_INT(mfa_ctx_new(&other), MFA_OK);
	mfa_ctx_set_log_handler(other, capture, &log);
	CHECK_EQ_INT(mfa_config_load(other, env.config), MFA_OK);
	CHECK_EQ_INT(mfa_open(other), MFA_OK);
	CHECK_EQ_INT(log.errors, 2);
	CHECK(strstr(log.last, "mfactl init") != NULL);
	mfa_ctx_free(&other);
	audit_file_mend(&env);
	mfa_ctx_free(&ctx);
}

static void audit_required_refuses_unaudited_login(void)
{
	static const char *const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
	static const struct mfa_login_policy accept_all = { .password_verified = true,
		                                            .no_factor = MFA_NO_FACTOR_ACCEPT };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "audit_required = yes"), *other = NULL;
	struct mfa_request req = { .user = "nobody", .source = "test" };
	struct mfa_login_result res;
	struct mfa_verdict v;
	char code[9], msg[256];

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6, secret, NULL), MFA_OK);
	env_code(secret, NULL, 6, (uint64_t)test_now / 30, code);
	audit_file_break(&env);
	/* The right code, but no event: refused, and the code not used up. */
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_SYSTEM);
	CHECK(strstr(mfa_ctx_error(ctx), "audit_required") != NULL);
	mfa_verdict_message(&v, msg, sizeof(msg));
	CHECK(strstr(msg, "Verification is unavailable") != NULL);
	/* A login accepted without a code is refused the same way. */
	CHECK_EQ_INT(mfa_login(ctx, &req, &accept_all, &res), MFA_ERR_SYSTEM);
	CHECK_EQ_INT(res.action, MFA_LOGIN_REFUSE);
	/* A context opened now fails at once, naming the fix. */
	CHECK_EQ_INT(mfa_ctx_new(&other), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(other, env.config), MFA_OK);
	CHECK_EQ_INT(mfa_open(other), MFA_ERR_SYSTEM);
	CHECK(strstr(mfa_ctx_error(other), "mfactl init") != NULL);
	mfa_ctx_free(&other);
	audit_file_mend(&env);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_OK);
	CHECK_EQ_INT(env_audit_count(&env, "\"user\":\"alice\",\"source\":\"test\",\"outcome\":\"accepted\""), 1);
	CHECK_EQ_INT(env_verify(ctx, "alice", code, &v), MFA_ERR_REPLAY);
	CHECK_EQ_INT(mfa_login(ctx, &req, &accept_all, &res), MFA_OK);
	CHECK_EQ_INT(res.action, MFA_LOGIN_ACCEPT);
	mfa_ctx_free(&ctx);
}

static void audit_required_needs_audit_file(void)
{
	mfa_ctx *ctx = NULL;

	CHECK_EQ_INT(mfa_ctx_new(&ctx), MFA_OK);
	CHECK_EQ_INT(mfa_config_set(ctx, "audit_required", "yes"), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "needs audit_file") != NULL);
	CHECK_EQ_INT(mfa_config_set(ctx, "audit_file", "/var/log/mfa/audit.json"), MFA_OK);
	CHECK_EQ_INT(mfa_config_set(ctx, "audit_required", "yes"), MFA_OK);
	CHECK_EQ_INT(mfa_config_set(ctx, "audit_required", "maybe"), MFA_ERR_CONFIG);
	mfa_ctx_free(&ctx);
}

/* mfa_audit_recent: a user's own events only, newest first, at most max,
 * filtered by event name; a name needing JSON escapes found too; only the
 * file's tail is read (events behind 8 MB of others are not). */
static void audit_recent_reads_the_users_events(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_request req = { .source = "test" };
	json_t *list;
	char *json = NULL, detail[16];
	FILE *f;

	for (int i = 0; i < 5; i++) {
		snprintf(detail, sizeof(detail), "n%d", i);
		req.user = i % 2 ? "bob" : "alice";
		CHECK_EQ_INT(mfa_audit(ctx, &req, i == 4 ? "unlock" : "verify", "ok", detail), MFA_OK);
	}
	req.user = "q\"uote";
	CHECK_EQ_INT(mfa_audit(ctx, &req, "verify", "ok", "quoted"), MFA_OK);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "alice", NULL, 10, &json), MFA_OK);
	list = json ? json_loads(json, 0, NULL) : NULL;
	CHECK(json_array_size(list) == 3);
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(list, 0), "detail")), "n4"));
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(list, 2), "detail")), "n0"));
	json_decref(list);
	free(json);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "alice", "verify", 1, &json), MFA_OK);
	list = json ? json_loads(json, 0, NULL) : NULL;
	CHECK(json_array_size(list) == 1);
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(list, 0), "detail")), "n2"));
	json_decref(list);
	free(json);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "q\"uote", NULL, 10, &json), MFA_OK);
	CHECK(json && strstr(json, "quoted"));
	free(json);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "nobody-here", NULL, 10, &json), MFA_OK);
	CHECK(json && !strcmp(json, "[]"));
	free(json);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "alice", NULL, 0, &json), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "", NULL, 10, &json), MFA_ERR_INVALID);
	/* 9 MB of other users' events: alice's older ones fall out of reach. */
	CHECK((f = fopen(env.audit, "a")) != NULL);
	for (int i = 0; f && i < 90000; i++)
		fprintf(f, "{\"time\":1,\"event\":\"verify\",\"user\":\"carol\",\"detail\":\"%080d\"}\n", i);
	if (f)
		fclose(f);
	req.user = "alice";
	CHECK_EQ_INT(mfa_audit(ctx, &req, "verify", "ok", "late"), MFA_OK);
	CHECK_EQ_INT(mfa_audit_recent(ctx, "alice", NULL, 10, &json), MFA_OK);
	list = json ? json_loads(json, 0, NULL) : NULL;
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	free(json);
	mfa_ctx_free(&ctx);
}

const struct test_case audit_tests[] = {
	{ "audit_line_fields_cannot_be_forged", audit_line_fields_cannot_be_forged },
	{ "audit_line_absent_fields_and_bytes", audit_line_absent_fields_and_bytes },
	{ "audit_line_values_are_cut", audit_line_values_are_cut },
	{ "audit_json_keeps_bytes_not_utf8", audit_json_keeps_bytes_not_utf8 },
	{ "audit_failure_is_logged", audit_failure_is_logged },
	{ "audit_required_refuses_unaudited_login", audit_required_refuses_unaudited_login },
	{ "audit_required_needs_audit_file", audit_required_needs_audit_file },
	{ "audit_recent_reads_the_users_events", audit_recent_reads_the_users_events },
	{ NULL, NULL },
};
