/*
 * wire_client - asks mfad one login question, for the tests: no core
 * linked, only common/wire.c, as a thin pam_mfa will be.
 *
 *   wire_client SOCKET USER CODE|- SERVICE [--password-verified]
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
	struct wire_login_request req = { 0 };
	struct wire_login_reply reply;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	unsigned char buf[WIRE_MAX];
	size_t len;
	ssize_t n;
	int fd, status = 3;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--password-verified") != 0) ||
	    strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: wire_client SOCKET USER CODE|- SERVICE [--password-verified]\n");
		return 2;
	}
	snprintf(req.user, sizeof(req.user), "%s", argv[2]);
	req.has_code = strcmp(argv[3], "-") != 0;
	if (req.has_code)
		snprintf(req.code, sizeof(req.code), "%s", argv[3]);
	snprintf(req.service, sizeof(req.service), "%s", argv[4]);
	req.flags = argc == 6 ? WIRE_PASSWORD_VERIFIED : 0;
	if (wire_login_request_encode(&req, buf, sizeof(buf), &len) != MFA_OK) {
		fprintf(stderr, "wire_client: the request is out of bounds\n");
		return 2;
	}
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		fprintf(stderr, "wire_client: cannot connect to %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "wire_client: cannot send: %s\n", strerror(errno));
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0) {
		fprintf(stderr, "wire_client: no reply: %s\n", n < 0 ? strerror(errno) : "connection closed");
		goto out;
	}
	if (wire_login_reply_decode(buf, (size_t)n, &reply) != MFA_OK) {
		fprintf(stderr, "wire_client: a malformed reply\n");
		goto out;
	}
	printf("status %u\naction %s\ntext %s\n", reply.status, action_name(reply.action), reply.text);
	status = 0;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(&req, sizeof(req));
	return status;
}
