/*
 * wire_client - asks mfad one login question, for the tests: no core
 * linked, only common/wire.c, as a thin pam_mfa will be.
 *
 *   wire_client SOCKET USER CODE|- SERVICE [--password-verified] [--enroll-inline]
 *               [--typed-tail] [--op login|split|enroll-begin|enroll-confirm|password|
 *                    approval-begin|approval-poll]
 *               [--factor ID] [--remote ADDR] [--approval ID]
 *
 * --op approval-begin / approval-poll: a passkey approval (--approval: the
 * id to poll).
 * --op password sends CODE as the password (WIRE_OP_PASSWORD, as mfa-web).
 *
 * Prints "status N", "action NAME" and "text ..." lines; exits 0 on a
 * reply, 2 on bad usage, 3 if mfad cannot be reached or gives no reply.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

static const char *action_name(uint32_t action)
{
	static const char *const names[] = { "?", "ASK", "ACCEPT", "RETRY", "REFUSE", "IGNORE", "ENROLL" };

	return action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
}

int main(int argc, char **argv)
{
	static const char *const ops[] = { "", "login", "split", "enroll-begin", "enroll-confirm",
		                                    "password", "approval-begin", "approval-poll" };
	struct wire_login_request req = { .op = WIRE_OP_LOGIN };
	struct wire_login_reply reply;
	char why[256];
	int status = 3;

	if (argc < 5)
		goto usage;
	snprintf(req.user, sizeof(req.user), "%s", argv[2]);
	req.has_code = strcmp(argv[3], "-") != 0;
	if (req.has_code)
		snprintf(req.code, sizeof(req.code), "%s", argv[3]);
	snprintf(req.service, sizeof(req.service), "%s", argv[4]);
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--password-verified"))
			req.flags |= WIRE_PASSWORD_VERIFIED;
		else if (!strcmp(argv[i], "--enroll-inline"))
			req.flags |= WIRE_ENROLL_INLINE;
		else if (!strcmp(argv[i], "--typed-tail"))
			req.flags |= WIRE_TYPED_TAIL;
		else if (!strcmp(argv[i], "--remote") && i + 1 < argc)
			snprintf(req.remote, sizeof(req.remote), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--approval") && i + 1 < argc)
			snprintf(req.approval, sizeof(req.approval), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--factor") && i + 1 < argc)
			snprintf(req.factor, sizeof(req.factor), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--op") && i + 1 < argc) {
			i++;
			for (req.op = 1; req.op <= WIRE_OP_APPROVAL_POLL && strcmp(ops[req.op], argv[i]); req.op++)
				;
			if (req.op > WIRE_OP_APPROVAL_POLL)
				goto usage;
		} else
			goto usage;
	}
	if (wire_ask(argv[1], 10000, &req, &reply, why, sizeof(why)) != MFA_OK) {
		fprintf(stderr, "wire_client: %s\n", why);
		goto out;
	}
	printf("status %u\naction %s\ntext %s\n", reply.status, action_name(reply.action), reply.text);
	if (req.op == WIRE_OP_SPLIT)
		printf("offset %u\n", reply.offset);
	if (reply.factor[0])
		printf("factor %s\nuri %s\nsecret %s\nqr %zu bytes\n", reply.factor, reply.uri,
		       reply.secret, strlen(reply.qr));
	if (reply.approval[0])
		printf("approval %s\n", reply.approval);
	status = 0;
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&reply, sizeof(reply));
	return status;
usage:
	fprintf(stderr, "usage: wire_client SOCKET USER CODE|- SERVICE [--password-verified] "
	                "[--enroll-inline] [--typed-tail] "
	                "[--op login|split|enroll-begin|enroll-confirm|password|approval-begin|"
	                "approval-poll] [--factor ID] [--remote ADDR] [--approval ID]\n");
	return 2;
}
