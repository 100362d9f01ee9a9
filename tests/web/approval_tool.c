/*
 * approval_tool.c - a login's side of an approval, for the portal's tests,
 * until pam_mfa and rlm_mfa ask for approvals themselves: the core's
 * mfa_approval_create and mfa_approval_consume with the config in
 * $MFA_CONFIG.
 *
 *   approval_tool create USER SERVICE REMOTE REQUESTER   prints "ID NUMBER"
 *   approval_tool create-hold USER SERVICE REMOTE REQUESTER  the same without
 *                                                        a number (RADIUS hold): "ID 0"
 *   approval_tool consume USER ID REQUESTER              prints mfa_strerror
 *
 * Exit 0 when the call gave MFA_OK, 1 for any other answer, 2 for usage.
 */
#include <stdio.h>
#include <string.h>

#include "mfa.h"

int main(int argc, char **argv)
{
	struct mfa_request req = { .user = argc > 2 ? argv[2] : NULL };
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0;
	mfa_ctx *ctx = NULL;
	int r;

	if (argc != 6 && argc != 5) {
		fputs("usage: approval_tool create|create-hold USER SERVICE REMOTE REQUESTER\n"
		      "       approval_tool consume USER ID REQUESTER\n", stderr);
		return 2;
	}
	if ((r = mfa_ctx_new(&ctx)) != MFA_OK || (r = mfa_config_load(ctx, NULL)) != MFA_OK ||
	    (r = mfa_open(ctx)) != MFA_OK)
		goto out;
	if (argc == 6 && (!strcmp(argv[1], "create") || !strcmp(argv[1], "create-hold"))) {
		req.source = argv[3];
		req.remote = argv[4];
		r = strcmp(argv[1], "create")
		            ? mfa_approval_create_hold(ctx, &req, argv[5], 0, id)
		            : mfa_approval_create(ctx, &req, argv[5], 0, id, &number);
		if (r == MFA_OK)
			printf("%s %u\n", id, number);
	} else if (argc == 5 && !strcmp(argv[1], "consume")) {
		req.source = "approval_tool";
		r = mfa_approval_consume(ctx, &req, argv[3], argv[4]);
		printf("%s\n", mfa_strerror(r));
	} else {
		fputs("approval_tool: create takes 4 arguments, consume 3\n", stderr);
		mfa_ctx_free(&ctx);
		return 2;
	}
out:
	if (r != MFA_OK)
		fprintf(stderr, "approval_tool: %s: %s\n", mfa_strerror(r),
		        ctx ? mfa_ctx_error(ctx) : "");
	mfa_ctx_free(&ctx);
	return r == MFA_OK ? 0 : 1;
}
