/* test_config.c - the config parser: values, errors naming file and line. */
#include <string.h>

#include "check.h"
#include "config.h"
#include "mfa.h"

static int parse(struct mfa_config *cfg, const char *text, char *err, size_t errlen)
{
	config_defaults(cfg);
	return config_parse(cfg, text, strlen(text), "mfa.conf", err, errlen);
}

static void config_values(void)
{
	struct mfa_config cfg;
	char err[512] = "";
	const char *text = "# comment\n\n store = sqlite:/srv/mfa.db \nkey_file=/k\n"
	                   "digits = 8\nalgorithm = sha256\naudit_syslog = no\n"
	                   "totp_window_behind = 2\r\nlockout_threshold = 0\n";

	CHECK_EQ_INT(parse(&cfg, text, err, sizeof(err)), MFA_OK);
	CHECK_STR(cfg.store, "sqlite:/srv/mfa.db");
	CHECK_STR(cfg.key_file, "/k");
	CHECK_EQ_INT(cfg.default_digits, 8);
	CHECK_EQ_INT(cfg.default_algorithm, MFA_ALG_SHA256);
	CHECK(!cfg.audit_syslog);
	CHECK_EQ_INT(cfg.totp_window_behind, 2);
	CHECK_EQ_INT(cfg.totp_window_ahead, 1);
	CHECK_EQ_INT(cfg.lockout_threshold, 0);
	/* The text mfactl init writes parses to the defaults. */
	{
		struct mfa_config def;
		const char *t = config_default_text();

		config_defaults(&def);
		CHECK_EQ_INT(parse(&cfg, t, err, sizeof(err)), MFA_OK);
		CHECK(memcmp(&cfg, &def, sizeof(cfg)) == 0);
	}
}

static void config_errors(void)
{
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{ "digits = 6\nfoo = 1\n", "mfa.conf:2: unknown setting 'foo'" },
		{ "digits = 9\n", "mfa.conf:1: digits: '9' is not a number from 6 to 8" },
		{ "digits = 6x\n", "mfa.conf:1: digits" },
		{ "digits = -6\n", "mfa.conf:1: digits" },
		{ "digits = 99999999999999999999\n", "mfa.conf:1: digits" },
		{ "\n\nno equals sign\n", "mfa.conf:3: expected 'key = value'" },
		{ "store = mysql://x\n", "mfa.conf:1: store" },
		{ "key_file = relative\n", "mfa.conf:1: key_file" },
		{ "audit_syslog = maybe\n", "mfa.conf:1: audit_syslog" },
		{ "algorithm = MD5\n", "mfa.conf:1: algorithm" },
		{ "lockout_delay = 100\nlockout_max_delay = 10\n", "lockout_max_delay (10) is below" },
		{ "issuer = a\001b\n", "mfa.conf:1: issuer" },
	};
	struct mfa_config cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ_INT(parse(&cfg, bad[i].text, err, sizeof(err)), MFA_ERR_CONFIG);
		if (!strstr(err, bad[i].expect))
			fprintf(stderr, "  got: %s\n", err);
		CHECK(strstr(err, bad[i].expect) != NULL);
	}
	/* A NUL byte inside a line. */
	config_defaults(&cfg);
	CHECK_EQ_INT(config_parse(&cfg, "digits = 6\0x\n", 13, "f", err, sizeof(err)), MFA_ERR_CONFIG);
}

static void config_load_missing(void)
{
	mfa_ctx *ctx = NULL;

	CHECK_EQ_INT(mfa_ctx_new(&ctx), MFA_OK);
	CHECK_EQ_INT(mfa_config_load(ctx, "/nonexistent/mfa.conf"), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "/nonexistent/mfa.conf") != NULL);
	CHECK(strstr(mfa_ctx_error(ctx), "mfactl init") != NULL);
	/* Front-end options go through the same setter. */
	CHECK_EQ_INT(mfa_config_set(ctx, "digits", "7"), MFA_OK);
	CHECK_EQ_INT(mfa_config_set(ctx, "bogus", "7"), MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "bogus") != NULL);
	mfa_ctx_free(&ctx);
	CHECK(ctx == NULL);
}

static void config_webauthn_origins(void)
{
	static const char *const good[] = {
		"webauthn_rp_id = example.com\nwebauthn_origins = https://example.com  https://login.example.com:8443\n",
		"webauthn_rp_id = localhost\nwebauthn_origins = http://localhost:8080\n",
		"webauthn_rp_id = example.com\n",
	};
	static const char *const bad[] = {
		"webauthn_rp_id = example.com\nwebauthn_origins = https://example.com https://evil.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://example.com/login\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = http://example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://notexample.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://example.com:99999\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://example.com:0\n",
		"webauthn_rp_id = Example.com\n",
		"webauthn_origins = https://example.com\n",
		/* Hosts that only look as if they end in the rp id. */
		"webauthn_rp_id = example.com\nwebauthn_origins = https://evil.com#.example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://evil.com?.example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://evil.com\\.example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://evil.com%2f.example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://login..example.com\n",
		"webauthn_rp_id = example.com\nwebauthn_origins = https://.example.com:8443\n",
	};
	struct mfa_config cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_EQ_INT(parse(&cfg, good[i], err, sizeof(err)), MFA_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ_INT(parse(&cfg, bad[i], err, sizeof(err)), MFA_ERR_CONFIG);
		CHECK(strstr(err, "webauthn") != NULL);
	}
	/* The message names the offending origin, not its neighbours. */
	parse(&cfg, bad[0], err, sizeof(err));
	CHECK(strstr(err, "'https://evil.com'") != NULL);
}

const struct test_case config_tests[] = {
	{ "config_webauthn_origins", config_webauthn_origins },
	{ "config_values", config_values },
	{ "config_errors_name_line", config_errors },
	{ "config_load_missing", config_load_missing },
	{ NULL, NULL },
};
