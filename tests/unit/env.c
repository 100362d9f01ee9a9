/* env.c - test installations and helpers shared by the unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"
#include <liboath/oath.h>

#include "otp.h"

time_t test_now = 1700000000;

static time_t test_clock(void *arg)
{
	(void)arg;
	return test_now;
}

mfa_ctx *env_new(struct test_env *env, const char *extra)
{
	mfa_ctx *ctx = NULL;
	unsigned created = 0;
	FILE *f;

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "%s", test_tmpdir());
	snprintf(env->config, sizeof(env->config), "%s/mfa.conf", env->dir);
	snprintf(env->store, sizeof(env->store), "%s/mfa.db", env->dir);
	snprintf(env->key, sizeof(env->key), "%s/mfa.key", env->dir);
	snprintf(env->audit, sizeof(env->audit), "%s/audit.json", env->dir);
	f = fopen(env->config, "w");
	if (!f)
		abort();
	fprintf(f, "store = sqlite:%s\nkey_file = %s\naudit_syslog = no\naudit_file = %s\n%s\n",
	        env->store, env->key, env->audit, extra ? extra : "");
	fclose(f);
	if (mfa_ctx_new(&ctx) != MFA_OK)
		abort();
	mfa_ctx_set_clock(ctx, test_clock, NULL);
	if (mfa_setup(ctx, env->config, &created) != MFA_OK) {
		fprintf(stderr, "setup: %s\n", mfa_ctx_error(ctx));
		abort();
	}
	return ctx;
}

mfa_ctx *env_open(const struct test_env *env)
{
	mfa_ctx *ctx = NULL;

	if (mfa_ctx_new(&ctx) != MFA_OK)
		abort();
	mfa_ctx_set_clock(ctx, test_clock, NULL);
	if (mfa_config_load(ctx, env->config) != MFA_OK || mfa_open(ctx) != MFA_OK) {
		fprintf(stderr, "open: %s\n", mfa_ctx_error(ctx));
		abort();
	}
	return ctx;
}

int env_enroll(mfa_ctx *ctx, const char *user, mfa_factor_type type, const char *alg,
               unsigned digits, const char *secret_b32, char id[MFA_ID_LEN + 1])
{
	struct mfa_otp_params p = { .type = type, .algorithm = -1, .digits = digits,
		                    .secret_base32 = secret_b32, .label = "test" };
	mfa_enrollment *e = NULL;
	mfa_algorithm a;
	int r;

	if (alg && mfa_algorithm_parse(alg, &a) == MFA_OK)
		p.algorithm = (int)a;
	if ((r = mfa_enroll_begin(ctx, user, &p, &e)) != MFA_OK)
		return r;
	if (id)
		snprintf(id, MFA_ID_LEN + 1, "%s", mfa_enrollment_factor_id(e));
	r = mfa_enroll_activate(ctx, e);
	mfa_enrollment_free(&e);
	return r;
}

void env_code(const char *secret_b32, const char *alg, unsigned digits, uint64_t factor,
              char out[9])
{
	char *raw = NULL;
	size_t raw_len = 0;
	mfa_algorithm a = MFA_ALG_SHA1;

	if (alg)
		mfa_algorithm_parse(alg, &a);
	if (oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &raw_len) != OATH_OK ||
	    otp_code((unsigned char *)raw, raw_len, a, digits, factor, out) != MFA_OK)
		abort();
	free(raw);
}

int env_verify(mfa_ctx *ctx, const char *user, const char *code, struct mfa_verdict *v)
{
	struct mfa_request req = { .user = user, .code = code, .source = "test" };
	struct mfa_verdict local;

	return mfa_verify(ctx, &req, v ? v : &local);
}

int env_audit_count(const struct test_env *env, const char *needle)
{
	FILE *f = fopen(env->audit, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}
