/* cmd_enroll.c - `mfactl init` and `mfactl enroll`: QR code, then first code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define CONFIRM_TRIES 3
/* Base32 of the longest secret (64 bytes: 104 characters), with room for
 * padding and spaces. */
#define SECRET_TEXT_MAX 256

int cmd_init(struct cli *cli)
{
	unsigned created = 0;
	int r = mfa_setup(cli->ctx, cli_opt(cli, "config"), &created);

	if (r != MFA_OK)
		return cli_fail(cli, r);
	printf("config:   %s%s\n", mfa_config_path(cli->ctx),
	       created & MFA_SETUP_CONFIG ? " (created)" : " (kept)");
	printf("key file: %s\n", created & MFA_SETUP_KEY ? "created, mode 0600" : "kept");
	printf("store:    %s\n", created & MFA_SETUP_STORE ? "created" : "kept");
	if (created & MFA_SETUP_AUDIT)
		printf("audit:    created\n");
	if (created & MFA_SETUP_KEY)
		printf("Back up the key file: without it no enrolled token can be used.\n");
	printf("Next: mfactl enroll USER\n");
	return EXIT_OK;
}

static int parse_uint(const char *name, const char *text, unsigned long long max,
                      unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (!text[0] || text[0] == '-' || *end || errno || *out > max) {
		fprintf(stderr, "mfactl: --%s: '%s' is not a number up to %llu\n", name, text, max);
		return -1;
	}
	return 0;
}

static int enroll_options(struct cli *cli, struct mfa_otp_params *p)
{
	const char *v;
	unsigned long long n;

	memset(p, 0, sizeof(*p));
	p->algorithm = -1;
	p->source = CLI_SOURCE;
	if ((v = cli_opt(cli, "type"))) {
		if (!strcmp(v, "totp"))
			p->type = MFA_FACTOR_TOTP;
		else if (!strcmp(v, "hotp"))
			p->type = MFA_FACTOR_HOTP;
		else {
			fprintf(stderr, "mfactl: --type must be totp or hotp\n");
			return -1;
		}
	}
	if ((v = cli_opt(cli, "algorithm"))) {
		mfa_algorithm alg;

		if (mfa_algorithm_parse(v, &alg) != MFA_OK) {
			fprintf(stderr, "mfactl: --algorithm must be SHA1, SHA256 or SHA512\n");
			return -1;
		}
		p->algorithm = (int)alg;
	}
	if ((v = cli_opt(cli, "digits"))) {
		if (parse_uint("digits", v, 8, &n) < 0)
			return -1;
		p->digits = (unsigned)n;
	}
	if ((v = cli_opt(cli, "period"))) {
		if (parse_uint("period", v, MFA_PERIOD_MAX, &n) < 0)
			return -1;
		p->period = (unsigned)n;
	}
	if ((v = cli_opt(cli, "counter"))) {
		if (parse_uint("counter", v, (unsigned long long)INT64_MAX / 2, &n) < 0)
			return -1;
		p->counter = n;
	}
	p->label = cli_opt(cli, "label");
	p->issuer = cli_opt(cli, "issuer");
	p->secret_base32 = cli_opt(cli, "secret");
	p->allow_case = cli_opt(cli, "allow-case") != NULL;
	return 0;
}

/* --qr STYLE, else half blocks: with forced colours on a terminal, without
 * any escape sequence into a file or a pipe. -1 (after saying why) if bad. */
static int qr_style(struct cli *cli, mfa_qr_style *style)
{
	static const struct {
		const char *name;
		mfa_qr_style style;
	} styles[] = { { "terminal", MFA_QR_TERMINAL }, { "utf8", MFA_QR_UTF8 },
		       { "ascii", MFA_QR_ASCII } };
	const char *v = cli_opt(cli, "qr");

	*style = isatty(STDOUT_FILENO) ? MFA_QR_TERMINAL : MFA_QR_UTF8;
	if (!v)
		return 0;
	if (cli_opt(cli, "no-qr")) {
		fprintf(stderr, "mfactl: --qr and --no-qr together\n");
		return -1;
	}
	for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (!strcmp(v, styles[i].name)) {
			*style = styles[i].style;
			return 0;
		}
	fprintf(stderr, "mfactl: --qr must be terminal, utf8 or ascii\n");
	return -1;
}

/* Reads one line from stdin; false at end of input. */
static bool read_code(char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, stdin))
		return false;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return true;
}

static int enroll_confirm(struct cli *cli, mfa_enrollment *e, FILE *talk)
{
	char code[64];
	int r = MFA_ERR_BAD_CODE;

	for (int i = 0; i < CONFIRM_TRIES; i++) {
		fprintf(talk, "Enter the code your app shows now: ");
		fflush(talk);
		if (!read_code(code, sizeof(code))) {
			fprintf(stderr, "\nmfactl: no code given: the factor was not activated. Run mfactl "
			        "enroll again (or use --no-confirm for a token you cannot read).\n");
			return EXIT_ERROR;
		}
		r = mfa_enroll_confirm(cli->ctx, e, code);
		explicit_bzero(code, sizeof(code));
		if (r == MFA_OK)
			return EXIT_OK;
		if (!mfa_err_is_verdict(r))
			return cli_fail(cli, r);
		fprintf(talk, "%s\n", mfa_ctx_error(cli->ctx));
	}
	fprintf(stderr, "mfactl: not confirmed after %d tries: the factor was not activated. "
	        "Check the time on the phone, then run mfactl enroll again.\n", CONFIRM_TRIES);
	return EXIT_REFUSED;
}

int cmd_enroll(struct cli *cli)
{
	const char *user = cli->pos[1], *secret_file = cli_opt(cli, "secret-file");
	char secret[SECRET_TEXT_MAX];
	struct mfa_otp_params params;
	mfa_qr_style style;
	mfa_enrollment *e = NULL;
	bool confirm = !cli_opt(cli, "no-confirm");
	FILE *talk = cli->json ? stderr : stdout;  /* keep stdout pure JSON */
	char *qr = NULL;
	int r, status = EXIT_ERROR;

	secret[0] = '\0';
	if (enroll_options(cli, &params) < 0 || qr_style(cli, &style) < 0)
		return EXIT_ERROR;
	if (secret_file && params.secret_base32) {
		fprintf(stderr, "mfactl: --secret and --secret-file together\n");
		return EXIT_ERROR;
	}
	if (secret_file) {
		if (cli_read_line(secret_file, "--secret-file", secret, sizeof(secret)) < 0) {
			fprintf(stderr, "mfactl: nothing was enrolled.\n");
			return EXIT_ERROR;
		}
		params.secret_base32 = secret;
	}
	if ((status = cli_open(cli)) != EXIT_OK)
		goto out;
	r = mfa_enroll_begin(cli->ctx, user, &params, &e);
	explicit_bzero(secret, sizeof(secret));
	if (r != MFA_OK) {
		status = cli_fail(cli, r);
		goto out;
	}
	if (cli->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "user", user, "factor",
		                      mfa_enrollment_factor_id(e), "uri", mfa_enrollment_uri(e),
		                      "secret", mfa_enrollment_secret_base32(e));
		char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		if (!text) {
			json_decref(o);
			fprintf(stderr, "mfactl: cannot write the answer as JSON: the factor was not "
			                "activated\n");
			status = EXIT_ERROR;
			goto out;
		}
		printf("%s\n", text);
		fflush(stdout);
		explicit_bzero(text, strlen(text));
		free(text);
		json_decref(o);
	} else {
		if (!cli_opt(cli, "no-qr") &&
		    mfa_qr_render(mfa_enrollment_uri(e), style, &qr) == MFA_OK) {
			printf("Scan this QR code with your authenticator app:\n\n%s\n", qr);
		}
		printf("Or enter this secret by hand: %s\n", mfa_enrollment_secret_base32(e));
		printf("URI: %s\n\n", mfa_enrollment_uri(e));
		fflush(stdout);
	}
	if (confirm) {
		status = enroll_confirm(cli, e, talk);
		if (status != EXIT_OK)
			goto out;
	} else if ((r = mfa_enroll_activate(cli->ctx, e)) != MFA_OK) {
		status = cli_fail(cli, r);
		goto out;
	}
	fprintf(talk, "Factor %s is active for %s.\n", mfa_enrollment_factor_id(e), user);
	status = EXIT_OK;
out:
	explicit_bzero(secret, sizeof(secret));
	if (qr) {
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	mfa_enrollment_free(&e);
	return status;
}
