/* cmd_webauthn.c - mfactl webauthn: the two ceremonies, one step per call,
 * so that a script or a support page can carry the JSON to a browser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define RESPONSE_MAX (64u * 1024)

/* The whole of stdin, NUL-terminated; NULL (and a message) if too long. */
static char *read_response(void)
{
	char *buf = malloc(RESPONSE_MAX + 2);
	size_t n;

	if (!buf) {
		fprintf(stderr, "mfactl: out of memory\n");
		return NULL;
	}
	n = fread(buf, 1, RESPONSE_MAX + 1, stdin);
	if (ferror(stdin) || n == 0 || n > RESPONSE_MAX) {
		fprintf(stderr, "mfactl: give the browser's response JSON on standard input (at most "
		                "%u bytes)\n", RESPONSE_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int finish(struct cli *cli, bool registration)
{
	const char *user = cli->pos[2];
	struct mfa_request req = { .user = user, .source = CLI_SOURCE };
	struct mfa_webauthn_result res;
	char *response = read_response();
	int r;

	if (!response)
		return EXIT_ERROR;
	r = registration ? mfa_webauthn_register_finish(cli->ctx, &req, response,
	                                                cli_opt(cli, "label"), &res)
	                 : mfa_webauthn_login_finish(cli->ctx, &req, response, &res);
	free(response);
	if (r != MFA_OK && !mfa_err_is_verdict(r))
		return cli_fail(cli, r);
	if (cli->json) {
		char *text;
		json_t *o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:b, s:s}", "accepted", r == MFA_OK,
		                      "result", mfa_strerror(r), "factor", res.factor_id, "algorithm",
		                      mfa_webauthn_algorithm_name(res.algorithm), "attestation",
		                      res.attestation, "sign_count", (json_int_t)res.sign_count,
		                      "user_verified", (int)res.user_verified, "message",
		                      r == MFA_OK ? "" : mfa_ctx_error(cli->ctx));

		text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!text) {
			fprintf(stderr, "mfactl: cannot write the answer as JSON (a text in it is not "
			                "UTF-8, or memory ran out): nothing printed\n");
			return EXIT_ERROR;
		}
		printf("%s\n", text);
		free(text);
	} else if (r != MFA_OK) {
		printf("refused: %s\n", mfa_ctx_error(cli->ctx));
	} else if (registration) {
		printf("Registered security key %s for %s (%s, %s attestation%s).\n", res.factor_id,
		       user, mfa_webauthn_algorithm_name(res.algorithm), res.attestation,
		       res.user_verified ? ", user verified" : "");
	} else {
		printf("accepted: %s signed in with security key %s%s\n", user, res.factor_id,
		       res.user_verified ? " (user verified)" : "");
	}
	return r == MFA_OK ? EXIT_OK : EXIT_REFUSED;
}

int cmd_webauthn(struct cli *cli)
{
	const char *step = cli->pos[1];
	char *options = NULL;
	int r, status;

	if (strcmp(step, "register-begin") != 0 && strcmp(step, "register-finish") != 0 &&
	    strcmp(step, "login-begin") != 0 && strcmp(step, "login-finish") != 0) {
		fprintf(stderr, "mfactl: webauthn: '%s' is not register-begin, register-finish, "
		                "login-begin or login-finish\n", step);
		return EXIT_ERROR;
	}
	if (cli_opt(cli, "label") && strcmp(step, "register-finish") != 0) {
		fprintf(stderr, "mfactl: webauthn: --label goes with register-finish\n");
		return EXIT_ERROR;
	}
	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if (!strcmp(step, "register-finish") || !strcmp(step, "login-finish"))
		return finish(cli, step[0] == 'r');
	r = step[0] == 'r' ? mfa_webauthn_register_begin(cli->ctx, cli->pos[2], &options)
	                   : mfa_webauthn_login_begin(cli->ctx, cli->pos[2], &options);
	if (r != MFA_OK)
		return cli_fail(cli, r);
	printf("%s\n", options);
	free(options);
	return EXIT_OK;
}
