/*
 * bench_webauthn.c - WebAuthn assertion verifications per second through
 * the full path (mfa_webauthn_login_finish: JSON parsing, the credential's
 * key (read, unsealed and imported through libfido2 on first use, then
 * kept by the context), OpenSSL's signature check, the challenge taken and
 * the signature counter written in one SQLite transaction, audit)
 * beside OpenSSL verifying the same signatures with a key made once, as
 * `openssl speed` does, in one run on one core. Assertions come from the
 * test suite's software authenticator and are made before the clock starts.
 *
 *   build/bench_webauthn [--count N] [--dir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bench.h"
#include "internal.h"
#include "webauthn_codec.h"
#include "softauthn.h"

#define ORIGIN "https://bench.example"
#define BENCH_SLICE 100

static void die(const char *what, mfa_ctx *ctx)
{
	fprintf(stderr, "bench_webauthn: %s%s%s\n", what, ctx ? ": " : "", ctx ? mfa_ctx_error(ctx) : "");
	exit(2);
}

static mfa_ctx *bench_setup(const char *dir)
{
	char path[512];
	mfa_ctx *ctx = NULL;
	unsigned created;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mfa.conf", dir);
	if (!(f = fopen(path, "w")))
		die("cannot write the config", NULL);
	fprintf(f, "store = sqlite:%s/mfa.db\nkey_file = %s/mfa.key\naudit_syslog = no\n"
	           "webauthn_rp_id = bench.example\nwebauthn_origins = " ORIGIN "\n", dir, dir);
	fclose(f);
	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_setup(ctx, path, &created) != MFA_OK)
		die("setup", ctx);
	mfa_ctx_set_clock(ctx, bench_clock, NULL);
	return ctx;
}

static struct sa_cred *bench_register(mfa_ctx *ctx, const char *user, enum sa_alg alg)
{
	struct sa_opts o = { .origin = ORIGIN };
	struct mfa_request req = { .user = user, .source = "bench" };
	struct mfa_webauthn_result res;
	struct sa_cred *cred = NULL;
	char *options = NULL, *response = NULL;

	if (mfa_webauthn_register_begin(ctx, user, &options) != MFA_OK)
		die("register-begin", ctx);
	if (sa_create(options, alg, SA_FMT_NONE, &o, &cred, &response) != 0)
		die("softauthn create", NULL);
	if (mfa_webauthn_register_finish(ctx, &req, response, NULL, &res) != MFA_OK)
		die("register-finish", ctx);
	free(options);
	free(response);
	return cred;
}

/* The signed message and signature of an assertion, for the OpenSSL run. */
static void signed_parts(const char *response, unsigned char **msg, size_t *msg_len,
                         unsigned char **sig, size_t *sig_len)
{
	json_t *j = json_loads(response, 0, NULL), *r = json_object_get(j, "response");
	unsigned char *ad = NULL, *cd = NULL;
	size_t ad_len = 0, cd_len = 0;

	if (!r || sa_b64url_decode(json_string_value(json_object_get(r, "authenticatorData")), &ad,
	                           &ad_len) != 0 ||
	    sa_b64url_decode(json_string_value(json_object_get(r, "clientDataJSON")), &cd, &cd_len) !=
	            0 ||
	    sa_b64url_decode(json_string_value(json_object_get(r, "signature")), sig, sig_len) != 0 ||
	    !(*msg = malloc(ad_len + SHA256_DIGEST_LENGTH)))
		die("cannot take the assertion apart", NULL);
	memcpy(*msg, ad, ad_len);
	SHA256(cd, cd_len, *msg + ad_len);
	*msg_len = ad_len + SHA256_DIGEST_LENGTH;
	free(ad);
	free(cd);
	json_decref(j);
}

/* The credential's public key from the registered COSE key, via the store. */
static EVP_PKEY *public_key(mfa_ctx *ctx, const char *user, enum sa_alg alg)
{
	struct store_factor *list = NULL;
	size_t n = 0;
	unsigned char cose[STORE_COSE_KEY_MAX];
	size_t cose_len = 0;
	EVP_PKEY *pk = NULL;
	struct wa_cose_key key;
	char err[256];

	/* The bench reads the store the way the core does: through its ops. */
	if (ctx->store->ops->factors_get(ctx->store, user, &list, &n) != MFA_OK || n != 1 ||
	    vault_open(ctx->key, user, list[0].id, list[0].sealed, list[0].sealed_len, cose,
	               sizeof(cose), &cose_len) != MFA_OK)
		die("cannot read the credential back", ctx);
	store_factors_free(&list, n);
	if (wa_cose_key_parse(cose, cose_len, &key, err, sizeof(err)) != 0 || key.alg != (int)alg)
		die("the stored COSE key does not parse", NULL);
	if (alg == SA_EDDSA) {
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key.raw, 32);
	} else {
		unsigned char point[65] = { 0x04 };
		EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		OSSL_PARAM params[3];

		memcpy(point + 1, key.raw, 64);
		params[0] = OSSL_PARAM_construct_utf8_string("group", (char *)"P-256", 0);
		params[1] = OSSL_PARAM_construct_octet_string("pub", point, sizeof(point));
		params[2] = OSSL_PARAM_construct_end();
		if (!pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
		    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
			pk = NULL;
		EVP_PKEY_CTX_free(pctx);
	}
	if (!pk)
		die("cannot make the OpenSSL key", NULL);
	return pk;
}

/* Seconds OpenSSL takes for count verifications with a key made once. */
static double bench_openssl(EVP_PKEY *pk, enum sa_alg alg, const unsigned char *msg,
                            size_t msg_len, const unsigned char *sig, size_t sig_len, int count)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < count; i++) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		if (!md ||
		    EVP_DigestVerifyInit(md, NULL, alg == SA_EDDSA ? NULL : EVP_sha256(), NULL, pk) != 1 ||
		    EVP_DigestVerify(md, sig, sig_len, msg, msg_len) != 1)
			die("OpenSSL refused the signature", NULL);
		EVP_MD_CTX_free(md);
	}
	return seconds_since(&t0);
}

/* Challenges for n logins of user, answered by cred (not timed). */
static void make_responses(mfa_ctx *ctx, const char *user, struct sa_cred *cred, char **responses,
                           int n)
{
	struct sa_opts o = { .origin = ORIGIN };

	for (int i = 0; i < n; i++) {
		char *options = NULL;

		if (mfa_webauthn_login_begin(ctx, user, &options) != MFA_OK ||
		    sa_get(cred, options, &o, &responses[i]) != 0)
			die("login-begin", ctx);
		free(options);
	}
}

static void bench_alg(mfa_ctx *ctx, enum sa_alg alg, const char *name, int count)
{
	struct sa_cred *cred;
	char user[32], *responses[BENCH_SLICE];
	unsigned char *msg = NULL, *sig = NULL;
	size_t msg_len = 0, sig_len = 0;
	struct timespec t0;
	double full_s = 0, raw_s = 0;
	EVP_PKEY *pk;

	snprintf(user, sizeof(user), "bench-%s", name);
	cred = bench_register(ctx, user, alg);
	make_responses(ctx, user, cred, responses, 1);
	signed_parts(responses[0], &msg, &msg_len, &sig, &sig_len);
	free(responses[0]);
	pk = public_key(ctx, user, alg);
	/* Slices: a slice's challenges are issued and answered first (as a
	 * browser would, a few pending at a time), then its logins finished
	 * against the clock, then as many OpenSSL verifications, so that a busy
	 * neighbour on the machine slows both alike. */
	for (int done = 0; done < count; done += BENCH_SLICE) {
		int n = count - done < BENCH_SLICE ? count - done : BENCH_SLICE;

		make_responses(ctx, user, cred, responses, n);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < n; i++) {
			struct mfa_request req = { .user = user, .source = "bench" };
			struct mfa_webauthn_result res;

			if (mfa_webauthn_login_finish(ctx, &req, responses[i], &res) != MFA_OK)
				die("login-finish refused", ctx);
		}
		full_s += seconds_since(&t0);
		for (int i = 0; i < n; i++)
			free(responses[i]);
		raw_s += bench_openssl(pk, alg, msg, msg_len, sig, sig_len, n);
	}
	printf("%-6s full path %8.0f assertions/s   OpenSSL verify alone %8.0f/s   ratio %.2f\n",
	       name, count / full_s, count / raw_s, raw_s / full_s);
	free(msg);
	free(sig);
	EVP_PKEY_free(pk);
	sa_cred_free(&cred);
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/mfa-bench-webauthn-XXXXXX", cmd[600];
	const char *dir = NULL;
	int count = 3000;
	mfa_ctx *ctx;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_webauthn [--count N] [--dir DIR]\n");
			return 2;
		}
	}
	if (count < 1 || count > 1000000)
		die("--count is 1 to 1000000", NULL);
	if (!dir && !(dir = mkdtemp(tmpl)))
		die("cannot make a temporary directory", NULL);
	ctx = bench_setup(dir);
	printf("WebAuthn assertions, %d per algorithm, one core\n", count);
	bench_alg(ctx, SA_ES256, "ES256", count);
	bench_alg(ctx, SA_EDDSA, "EdDSA", count);
	mfa_ctx_free(&ctx);
	if (dir == tmpl) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_webauthn: could not remove %s\n", tmpl);
	}
	return 0;
}
