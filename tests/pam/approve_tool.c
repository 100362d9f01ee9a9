/*
 * approve_tool - stands in for the portal's approval page in PAM tests:
 * reads the link's id and the number from the text a login showed and
 * decides that approval in the store as the page would after a good
 * passkey assertion (mfa_approval_decide with assertion_ok).
 *
 *   approve_tool [--wrong] USER TEXT
 *
 * TEXT holds ".../a/ID — number N —"; --wrong chooses one of the other
 * numbers the page shows instead (which denies the approval). The config is $MFA_CONFIG. Prints
 * nothing on stdout (pam_client's @cmd: answers with it: Enter), the
 * outcome on stderr; exits 0 when approved, 1 when refused, 2 on bad usage.
 *
 *   approve_tool --hold [--deny] USER
 *
 * approves (or, --deny, refuses as a refused passkey would) USER's pending
 * approval without a number (RADIUS hold mode), as the portal's "Waiting
 * sign-ins" does; prints its id on stdout. Exits 1 when there is none.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mfa.h"

/* The user's first pending approval without a number, decided. */
static int hold_decide(const char *user, bool deny)
{
	struct mfa_approval_info open[8];
	mfa_ctx *ctx = NULL;
	size_t n = 0;
	int r, status = 1;

	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_config_load(ctx, NULL) != MFA_OK ||
	    mfa_open(ctx) != MFA_OK) {
		fprintf(stderr, "approve_tool: %s\n", ctx ? mfa_ctx_error(ctx) : "no memory");
		goto out;
	}
	if ((r = mfa_approval_list_open(ctx, user, open, 8, &n)) != MFA_OK) {
		fprintf(stderr, "approve_tool: %s\n", mfa_ctx_error(ctx));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (open[i].state != MFA_APPROVAL_PENDING || open[i].choices[0])
			continue;
		r = mfa_approval_decide(ctx,
		                        &(struct mfa_request){ .user = user, .source = "web",
		                                               .remote = "192.0.2.99" },
		                        open[i].id, 0, !deny);
		fprintf(stderr, "approve_tool: approval %s of %s for %s: %s\n", open[i].id, user,
		        open[i].requester, r == MFA_OK ? "approved" : mfa_strerror(r));
		printf("%s\n", open[i].id);
		status = r == MFA_OK ? 0 : 1;
		goto out;
	}
	fprintf(stderr, "approve_tool: no pending approval without a number for %s\n", user);
out:
	mfa_ctx_free(&ctx);
	return status;
}

int main(int argc, char **argv)
{
	struct mfa_approval_info info;
	char id[MFA_APPROVAL_ID_LEN + 1];
	const char *at, *num;
	mfa_ctx *ctx = NULL;
	unsigned number = 0, chosen;
	bool wrong = argc > 1 && !strcmp(argv[1], "--wrong");
	int i = 1 + wrong, r, status = 1;

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		bool deny = argc > 2 && !strcmp(argv[2], "--deny");

		if (argc != 3 + deny) {
			fprintf(stderr, "usage: approve_tool --hold [--deny] USER\n");
			return 2;
		}
		return hold_decide(argv[2 + deny], deny);
	}

	if (argc - i != 2 || !(at = strstr(argv[i + 1], "/a/")) ||
	    strspn(at + 3, MFA_APPROVAL_ALPHABET) < MFA_APPROVAL_ID_LEN ||
	    !(num = strstr(at, "number ")) || sscanf(num + 7, "%u", &number) != 1) {
		fprintf(stderr, "usage: approve_tool [--wrong] USER TEXT (with /a/ID and number N)\n");
		return 2;
	}
	memcpy(id, at + 3, MFA_APPROVAL_ID_LEN);
	id[MFA_APPROVAL_ID_LEN] = '\0';
	if (mfa_ctx_new(&ctx) != MFA_OK || mfa_config_load(ctx, NULL) != MFA_OK ||
	    mfa_open(ctx) != MFA_OK) {
		fprintf(stderr, "approve_tool: %s\n", ctx ? mfa_ctx_error(ctx) : "no memory");
		goto out;
	}
	/* What the page would show: this user's approval, pending. */
	if ((r = mfa_approval_get(ctx, id, &info)) != MFA_OK || info.state != MFA_APPROVAL_PENDING) {
		fprintf(stderr, "approve_tool: approval %s: %s\n", id,
		        r != MFA_OK ? mfa_strerror(r) : "not pending");
		goto out;
	}
	chosen = number;
	for (int k = 0; wrong && k < 4 && chosen == number; k++)
		chosen = info.choices[k];
	r = mfa_approval_decide(ctx,
	                        &(struct mfa_request){ .user = argv[i], .source = "web",
	                                               .remote = "192.0.2.99" },
	                        id, chosen, true);
	fprintf(stderr, "approve_tool: approval %s of %s for %s: %s\n", id, info.user,
	        info.requester, r == MFA_OK ? "approved" : mfa_strerror(r));
	status = r == MFA_OK ? 0 : 1;
out:
	mfa_ctx_free(&ctx);
	return status;
}
