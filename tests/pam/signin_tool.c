/*
 * signin_tool - stands in for the portal's "Get a sign-in code" in PAM and
 * RADIUS tests: makes USER's sign-in code in the store as mfa-web does
 * after a good passkey assertion (mfa_signin_code_create) and prints it.
 *
 *   signin_tool USER
 *
 * The config is $MFA_CONFIG. Exits 0 with the code on stdout, 1 when
 * refused (the reason on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "mfa.h"

int main(int argc, char **argv)
{
	char code[MFA_SIGNIN_CODE_MAX + 1];
	mfa_ctx *ctx = NULL;
	time_t expires;
	int r, status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: signin_tool USER\n");
		return 2;
	}
	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_config_load(ctx, NULL) != MFA_OK ||
	    mfa_open(ctx) != MFA_OK) {
		fprintf(stderr, "signin_tool: %s\n", ctx ? mfa_ctx_error(ctx) : "no memory");
		goto out;
	}
	r = mfa_signin_code_create(ctx, &(struct mfa_request){ .user = argv[1], .source = "web",
	                                                       .remote = "192.0.2.99" },
	                           code, &expires);
	if (r != MFA_OK) {
		fprintf(stderr, "signin_tool: %s\n", mfa_ctx_error(ctx));
		goto out;
	}
	printf("%s\n", code);
	status = 0;
out:
	mfa_ctx_free(&ctx);
	return status;
}
