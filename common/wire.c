/*
 * wire.c - the pam_mfa <-> service messages (wire.h), read and written by
 * one table per message type, so that a field's bounds are written once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

enum field_kind {
	F_STR,    /* bytes, no NUL, min..max long (an optional one absent when empty) */
	F_NUM,    /* 4 bytes, at most max */
	F_MASK,   /* 4 bytes, no bit outside max */
};

struct field {
	uint8_t tag;
	enum field_kind kind;
	bool required;
	size_t offset;        /* of the value in the struct */
	size_t min, max;      /* strings: bytes; numbers: the value */
	size_t present;       /* offset of a bool set when the field came; NO_PRESENT */
};

#define NO_PRESENT ((size_t)-1)
#define REQ(f) offsetof(struct wire_login_request, f)
#define REP(f) offsetof(struct wire_login_reply, f)

static const struct field request_fields[] = {
	{ 9, F_NUM, true, REQ(op), WIRE_OP_LOGIN, WIRE_OP_APPROVAL_POLL, NO_PRESENT },
	{ 1, F_STR, true, REQ(user), 1, MFA_USER_MAX, NO_PRESENT },
	{ 2, F_STR, false, REQ(code), 0, WIRE_CODE_MAX, REQ(has_code) },
	{ 3, F_STR, true, REQ(service), 1, WIRE_SERVICE_MAX, NO_PRESENT },
	{ 4, F_STR, false, REQ(remote), 1, WIRE_REMOTE_MAX, NO_PRESENT },
	{ 5, F_STR, false, REQ(tty), 1, WIRE_TTY_MAX, NO_PRESENT },
	{ 6, F_MASK, true, REQ(flags), 0, WIRE_FLAGS_KNOWN, NO_PRESENT },
	{ 7, F_NUM, true, REQ(no_factor), 0, MFA_NO_FACTOR_IGNORE, NO_PRESENT },
	{ 8, F_NUM, true, REQ(grace_days), 0, 3650, NO_PRESENT },
	{ 10, F_STR, false, REQ(factor), MFA_ID_LEN, MFA_ID_LEN, NO_PRESENT },
	{ 11, F_NUM, true, REQ(qr), 0, MFA_QR_ASCII, NO_PRESENT },
	{ 12, F_STR, false, REQ(approval), MFA_APPROVAL_ID_LEN, MFA_APPROVAL_ID_LEN, NO_PRESENT },
};

static const struct field reply_fields[] = {
	{ 1, F_NUM, true, REP(status), 0, MFA_ERR__COUNT - 1, NO_PRESENT },
	{ 2, F_NUM, true, REP(action), 0, MFA_LOGIN_ENROLL, NO_PRESENT },
	{ 3, F_STR, false, REP(text), 1, WIRE_TEXT_MAX, NO_PRESENT },
	{ 4, F_NUM, true, REP(offset), 0, WIRE_CODE_MAX, NO_PRESENT },
	{ 5, F_STR, false, REP(factor), MFA_ID_LEN, MFA_ID_LEN, NO_PRESENT },
	{ 6, F_STR, false, REP(uri), 1, WIRE_URI_MAX, NO_PRESENT },
	{ 7, F_STR, false, REP(secret), 1, WIRE_SECRET_MAX, NO_PRESENT },
	{ 8, F_STR, false, REP(qr), 1, WIRE_QR_MAX, NO_PRESENT },
	{ 9, F_STR, false, REP(approval), MFA_APPROVAL_ID_LEN, MFA_APPROVAL_ID_LEN, NO_PRESENT },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool value_ok(const struct field *f, const void *obj, size_t *len)
{
	const char *p = (const char *)obj + f->offset;
	uint32_t v;

	if (f->kind == F_STR) {
		/* Terminated within its buffer (max + 1 bytes). */
		const char *end = memchr(p, '\0', f->max + 1);

		*len = end ? (size_t)(end - p) : 0;
		return end && *len >= f->min;
	}
	memcpy(&v, p, sizeof(v));
	*len = 4;
	return f->kind == F_NUM ? v >= f->min && v <= f->max : (v & ~(uint32_t)f->max) == 0;
}

static bool field_sent(const struct field *f, const void *obj)
{
	if (f->present != NO_PRESENT)
		return *(const bool *)((const char *)obj + f->present);
	if (f->required)
		return true;
	return ((const char *)obj + f->offset)[0] != '\0';   /* optional strings: when not empty */
}

static int encode(const struct field *fields, size_t n, uint8_t type, const void *obj,
                  unsigned char *buf, size_t size, size_t *len)
{
	size_t at = 4;

	*len = 0;
	if (size < 4)
		return MFA_ERR_INVALID;
	buf[0] = 'M';
	buf[1] = 'F';
	buf[2] = WIRE_VERSION;
	buf[3] = type;
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &fields[i];
		size_t vlen;

		if (!field_sent(f, obj))
			continue;
		if (!value_ok(f, obj, &vlen) || size - at < 3 + vlen || at + 3 + vlen > WIRE_MAX)
			return MFA_ERR_INVALID;
		buf[at] = f->tag;
		buf[at + 1] = (unsigned char)(vlen >> 8);
		buf[at + 2] = (unsigned char)vlen;
		if (f->kind == F_STR) {
			memcpy(buf + at + 3, (const char *)obj + f->offset, vlen);
		} else {
			uint32_t v;

			memcpy(&v, (const char *)obj + f->offset, sizeof(v));
			for (int b = 0; b < 4; b++)
				buf[at + 3 + b] = (unsigned char)(v >> (24 - 8 * b));
		}
		at += 3 + vlen;
	}
	*len = at;
	return MFA_OK;
}

static int decode(const struct field *fields, size_t n, uint8_t type, const unsigned char *buf,
                  size_t len, void *obj, size_t objsize)
{
	uint32_t seen = 0;
	size_t at = 4;

	memset(obj, 0, objsize);
	if (len < 4 || len > WIRE_MAX || buf[0] != 'M' || buf[1] != 'F' || buf[2] != WIRE_VERSION ||
	    buf[3] != type)
		goto bad;
	while (at < len) {
		const struct field *f = NULL;
		size_t vlen, i;
		char *dst;

		if (len - at < 3)
			goto bad;
		for (i = 0; i < n && !f; i++)
			if (fields[i].tag == buf[at])
				f = &fields[i];
		vlen = (size_t)buf[at + 1] << 8 | buf[at + 2];
		if (!f || (seen & 1u << (i - 1)) || len - at - 3 < vlen)
			goto bad;
		seen |= 1u << (i - 1);
		dst = (char *)obj + f->offset;
		if (f->kind == F_STR) {
			if (vlen < f->min || vlen > f->max || memchr(buf + at + 3, '\0', vlen))
				goto bad;
			memcpy(dst, buf + at + 3, vlen);
			dst[vlen] = '\0';
		} else {
			uint32_t v = 0;

			if (vlen != 4)
				goto bad;
			for (int b = 0; b < 4; b++)
				v = v << 8 | buf[at + 3 + b];
			memcpy(dst, &v, sizeof(v));
			if (!value_ok(f, obj, &vlen))
				goto bad;
			vlen = 4;
		}
		if (f->present != NO_PRESENT)
			*(bool *)((char *)obj + f->present) = true;
		at += 3 + vlen;
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && !(seen & 1u << i))
			goto bad;
	return MFA_OK;
bad:
	/* Half a message is no message; a code in it is a secret. */
	explicit_bzero(obj, objsize);
	return MFA_ERR_INVALID;
}

int wire_login_request_encode(const struct wire_login_request *r, unsigned char *buf, size_t size,
                              size_t *len)
{
	return encode(request_fields, COUNT(request_fields), WIRE_LOGIN_REQUEST, r, buf, size, len);
}

int wire_login_reply_encode(const struct wire_login_reply *r, unsigned char *buf, size_t size,
                            size_t *len)
{
	return encode(reply_fields, COUNT(reply_fields), WIRE_LOGIN_REPLY, r, buf, size, len);
}

int wire_login_request_decode(const unsigned char *buf, size_t len, struct wire_login_request *r)
{
	return decode(request_fields, COUNT(request_fields), WIRE_LOGIN_REQUEST, buf, len, r,
	              sizeof(*r));
}

int wire_login_reply_decode(const unsigned char *buf, size_t len, struct wire_login_reply *r)
{
	return decode(reply_fields, COUNT(reply_fields), WIRE_LOGIN_REPLY, buf, len, r, sizeof(*r));
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* The socket's send and receive timeouts (connect waits by the send one)
 * set to what is left; false when nothing is. */
static bool timeouts_set(int fd, const struct timespec *deadline)
{
	long ms = ms_left(deadline);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return ms > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 &&
	       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0;
}

int wire_ask(const char *socket_path, unsigned timeout_ms, const struct wire_login_request *req,
             struct wire_login_reply *reply, char *why, size_t why_size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	unsigned char buf[WIRE_MAX];
	struct ucred cred = { .uid = (uid_t)-1 };
	socklen_t cred_len = sizeof(cred);
	struct timespec deadline;
	size_t len;
	ssize_t n;
	int fd = -1, r = MFA_ERR_SYSTEM;

	memset(reply, 0, sizeof(*reply));
	why[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		snprintf(why, why_size, "the socket path %s is too long", socket_path);
		goto out;
	}
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
	if (wire_login_request_encode(req, buf, sizeof(buf), &len) != MFA_OK) {
		snprintf(why, why_size, "the request is out of bounds");
		goto out;
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0 || !timeouts_set(fd, &deadline)) {
		snprintf(why, why_size, "cannot make a socket: %s", strerror(errno));
		goto out;
	}
	while (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		if (errno != EINTR || !timeouts_set(fd, &deadline)) {
			snprintf(why, why_size, "cannot reach mfad at %s: %s", socket_path,
			         errno == EAGAIN || errno == EINTR ? "no answer in time" : strerror(errno));
			goto out;
		}
	}
	/* Whoever could bind the path could answer "accept": only root's
	 * service is believed (and told the code). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 || cred_len != sizeof(cred) ||
	    cred.uid != 0) {
		snprintf(why, why_size, "the service at %s runs as uid %ld, not root: not asked",
		         socket_path, cred_len == sizeof(cred) ? (long)cred.uid : -1L);
		goto out;
	}
	while ((n = send(fd, buf, len, MSG_NOSIGNAL)) < 0 && errno == EINTR && timeouts_set(fd, &deadline))
		;
	if (n != (ssize_t)len) {
		snprintf(why, why_size, "cannot send to mfad at %s: %s", socket_path,
		         n < 0 && errno != EAGAIN ? strerror(errno) : "no answer in time");
		goto out;
	}
	while ((n = recv(fd, buf, sizeof(buf), MSG_TRUNC)) < 0 && errno == EINTR &&
	       timeouts_set(fd, &deadline))
		;
	if (n <= 0 || (size_t)n > sizeof(buf)) {
		snprintf(why, why_size, "mfad at %s gave no answer: %s", socket_path,
		         n < 0 ? (errno == EAGAIN ? "not within the timeout" : strerror(errno))
		               : n == 0 ? "it hung up" : "the answer is too long");
		goto out;
	}
	if (wire_login_reply_decode(buf, (size_t)n, reply) != MFA_OK) {
		snprintf(why, why_size, "mfad at %s gave a malformed answer (another version?)",
		         socket_path);
		goto out;
	}
	r = MFA_OK;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(buf, sizeof(buf));
	return r;
}
