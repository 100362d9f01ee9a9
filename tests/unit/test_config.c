/* test_config.c - the config parser: values, errors naming file and line. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	/* mfa-web's password checks: nobody's by default, through mfa-web. */
	CHECK_STR(cfg.web_user, "");
	CHECK_STR(cfg.web_pam_service, "mfa-web");
	CHECK_STR(config_text(&cfg, "web_pam_service"), "mfa-web");
	CHECK(config_text(&cfg, "digits") == NULL && config_text(&cfg, "nonesuch") == NULL);
	CHECK_EQ_INT(parse(&cfg, "web_user = _mfa-web\nweb_pam_service = mfa-portal\n", err,
	                   sizeof(err)), MFA_OK);
	CHECK_STR(config_text(&cfg, "web_user"), "_mfa-web");
	CHECK_STR(cfg.web_pam_service, "mfa-portal");
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
		{ "web_user = www data\n", "web_user: 'www data' is not a user name" },
		{ "web_pam_service = ../shadow\n", "web_pam_service: '../shadow' is not a PAM service" },
		{ "web_pam_service =\n", "web_pam_service: '' is not a PAM service" },
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

static void config_duplicate_key(void)
{
	struct mfa_config cfg;
	char err[512] = "", text[4096];

	/* The later line must not quietly win (nor the earlier one). */
	CHECK_EQ_INT(parse(&cfg, "digits = 6\n\nkey_file = /k\n  digits=8\n", err, sizeof(err)),
	             MFA_ERR_CONFIG);
	CHECK(strstr(err, "mfa.conf:4: digits is already set on line 1") != NULL);
	/* The file mfactl init writes, with a store appended by someone else. */
	snprintf(text, sizeof(text), "%sstore = sqlite:/tmp/empty.db\n", config_default_text());
	CHECK_EQ_INT(parse(&cfg, text, err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "store is already set on line 5") != NULL);
	/* Commented-out lines do not count. */
	CHECK_EQ_INT(parse(&cfg, "#digits = 6\ndigits = 8\n", err, sizeof(err)), MFA_OK);
}

/* Writes a config naming a key and store in dir; returns its path in out. */
static void write_config(const char *dir, char *out, size_t size)
{
	FILE *f;

	snprintf(out, size, "%s/mfa.conf", dir);
	f = fopen(out, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "store = sqlite:%s/mfa.db\nkey_file = %s/mfa.key\naudit_syslog = no\n", dir, dir);
	fclose(f);
	CHECK(chmod(out, 0644) == 0);
}

static int load(const char *path, char *err, size_t errlen)
{
	mfa_ctx *ctx = NULL;
	int r;

	CHECK_EQ_INT(mfa_ctx_new(&ctx), MFA_OK);
	r = mfa_config_load(ctx, path);
	snprintf(err, errlen, "%s", mfa_ctx_error(ctx));
	mfa_ctx_free(&ctx);
	return r;
}

static void config_file_trusted(void)
{
	const char *dir = test_tmpdir();
	char path[300], link[320], fifo[320], fix[700], err[512];

	write_config(dir, path, sizeof(path));
	snprintf(fix, sizeof(fix), "chown root %s; chmod go-w %s", path, path);
	CHECK_EQ_INT(load(path, err, sizeof(err)), MFA_OK);
	/* Writable by others, or by any group: whoever can would pick the
	 * store (an empty one: no factor, and nullok lets everyone in). */
	CHECK(chmod(path, 0666) == 0);
	CHECK_EQ_INT(load(path, err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "writable by others") != NULL && strstr(err, fix) != NULL);
	CHECK(chmod(path, 0664) == 0);
	CHECK_EQ_INT(load(path, err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK(strstr(err, "writable by group") != NULL && strstr(err, fix) != NULL);
	/* Owned by another user (the unit tests run as root). */
	CHECK(chmod(path, 0644) == 0);
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, (gid_t)-1) == 0);
		CHECK_EQ_INT(load(path, err, sizeof(err)), MFA_ERR_CONFIG);
		CHECK(strstr(err, "owned by uid 65534") != NULL && strstr(err, fix) != NULL);
		CHECK(chown(path, 0, (gid_t)-1) == 0);
	}
	CHECK_EQ_INT(load(path, err, sizeof(err)), MFA_OK);
	/* A symbolic link is not followed. */
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	CHECK(symlink(path, link) == 0);
	CHECK_EQ_INT(load(link, err, sizeof(err)), MFA_ERR_CONFIG);
	/* A FIFO fails at once instead of hanging (the alarm ends a hang). */
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
	CHECK(mkfifo(fifo, 0644) == 0);
	alarm(10);
	CHECK_EQ_INT(load(fifo, err, sizeof(err)), MFA_ERR_CONFIG);
	alarm(0);
	CHECK(strstr(err, "not a regular file") != NULL);
}

const struct test_case config_tests[] = {
	{ "config_duplicate_key", config_duplicate_key },
	{ "config_file_trusted", config_file_trusted },
	{ "config_webauthn_origins", config_webauthn_origins },
	{ "config_values", config_values },
	{ "config_errors_name_line", config_errors },
	{ "config_load_missing", config_load_missing },
	{ NULL, NULL },
};
