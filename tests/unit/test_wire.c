/*
 * test_wire.c - the pam_mfa <-> service messages: what is written reads
 * back the same, and every malformed packet is refused whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wire.h"

static struct wire_login_request request_sample(void)
{
	struct wire_login_request r;

	memset(&r, 0, sizeof(r));
	r.op = WIRE_OP_LOGIN;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.code, sizeof(r.code), "123456");
	r.has_code = true;
	snprintf(r.service, sizeof(r.service), "sshd");
	snprintf(r.remote, sizeof(r.remote), "192.0.2.7");
	r.flags = WIRE_PASSWORD_VERIFIED;
	r.no_factor = MFA_NO_FACTOR_IGNORE;
	r.grace_days = 7;
	return r;
}

static size_t request_packet(unsigned char *buf, size_t size)
{
	struct wire_login_request r = request_sample();
	size_t len = 0;

	CHECK_EQ_INT(wire_login_request_encode(&r, buf, size, &len), MFA_OK);
	return len;
}

/* The field with tag in a packet of n bytes, or NULL. */
static unsigned char *field_at(unsigned char *buf, size_t n, unsigned char tag)
{
	for (unsigned char *p = buf + 4; p + 3 <= buf + n; p += 3 + ((size_t)p[1] << 8 | p[2]))
		if (*p == tag)
			return p;
	return NULL;
}

static void wire_round_trip(void)
{
	struct wire_login_request r = request_sample(), back;
	struct wire_login_reply rep = { .status = MFA_ERR_BAD_CODE, .action = MFA_LOGIN_RETRY }, rb;
	unsigned char buf[WIRE_MAX];
	size_t len = 0;

	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK(len > 4 && !memcmp(buf, "MF\1\1", 4));
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));
	/* Nothing typed yet: no code field, has_code false. */
	r.has_code = false;
	r.code[0] = '\0';
	r.tty[0] = '\0';
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!back.has_code && back.code[0] == '\0');
	/* An empty code typed (Enter) is a code. */
	r.has_code = true;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(back.has_code && back.code[0] == '\0');
	/* Largest fields fit in one packet. */
	memset(r.user, 'u', MFA_USER_MAX);
	r.user[MFA_USER_MAX] = '\0';
	memset(r.code, 'c', WIRE_CODE_MAX);
	r.code[WIRE_CODE_MAX] = '\0';
	memset(r.remote, 'r', WIRE_REMOTE_MAX);
	r.remote[WIRE_REMOTE_MAX] = '\0';
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));

	/* Every step of a login, with what it carries. */
	r = request_sample();
	r.op = WIRE_OP_ENROLL_CONFIRM;
	snprintf(r.factor, sizeof(r.factor), "ABCDEFGH");
	r.qr = MFA_QR_ASCII;
	r.flags |= WIRE_ENROLL_INLINE | WIRE_TYPED_TAIL;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));

	snprintf(rep.text, sizeof(rep.text), "Wrong code.");
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_reply_decode(buf, len, &rb), MFA_OK);
	CHECK(!memcmp(&rep, &rb, sizeof(rep)));
	/* An enrollment's answer at its largest (an ASCII QR code is about
	 * 6 KB) fits in one packet. */
	{
		static struct wire_login_reply big, bigb;

		big.status = MFA_OK;
		big.offset = 5;
		snprintf(big.factor, sizeof(big.factor), "ABCDEFGH");
		memset(big.uri, 'u', WIRE_URI_MAX);
		memset(big.secret, 'S', WIRE_SECRET_MAX);
		memset(big.qr, '#', WIRE_QR_MAX);
		memset(big.text, 't', WIRE_TEXT_MAX);
		CHECK_EQ_INT(wire_login_reply_encode(&big, buf, sizeof(buf), &len), MFA_OK);
		CHECK(len <= WIRE_MAX);
		CHECK_EQ_INT(wire_login_reply_decode(buf, len, &bigb), MFA_OK);
		CHECK(!memcmp(&big, &bigb, sizeof(big)));
	}
	/* A reply is not a request, nor the other way. */
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_ERR_INVALID);
}

/* mfa-web's password check: the password in code, where the client is
 * (PAM_RHOST) in remote; its verdict has a code of its own. */
static void wire_password(void)
{
	struct wire_login_request r, back;
	struct wire_login_reply rep = { .status = MFA_ERR_BAD_PASSWORD }, rb;
	unsigned char buf[WIRE_MAX];
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	r.op = WIRE_OP_PASSWORD;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.code, sizeof(r.code), "correct horse battery staple");
	r.has_code = true;
	snprintf(r.service, sizeof(r.service), "mfa-web");
	snprintf(r.remote, sizeof(r.remote), "2001:db8::7");
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));
	CHECK_EQ_INT(back.op, WIRE_OP_PASSWORD);
	CHECK(back.has_code && !strcmp(back.code, "correct horse battery staple"));
	CHECK(!strcmp(back.remote, "2001:db8::7") && !strcmp(back.service, "mfa-web"));
	/* A password as long as the field holds, and one byte more. */
	memset(r.code, 'p', WIRE_CODE_MAX);
	r.code[WIRE_CODE_MAX] = '\0';
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));
	r.code[WIRE_CODE_MAX] = 'p';
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);

	CHECK(mfa_err_is_verdict(MFA_ERR_BAD_PASSWORD) && MFA_ERR_IS_VERDICT(MFA_ERR_BAD_PASSWORD));
	CHECK(!MFA_ERR_IS_VERDICT(MFA_ERR_IMPORT) && !MFA_ERR_IS_VERDICT(MFA_ERR__COUNT));
	CHECK(strcmp(mfa_strerror(MFA_ERR_BAD_PASSWORD), "unknown error") != 0);
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_reply_decode(buf, len, &rb), MFA_OK);
	CHECK_EQ_INT(rb.status, MFA_ERR_BAD_PASSWORD);
	CHECK(!memcmp(&rep, &rb, sizeof(rep)));
}

/* Passkey approvals (docs/approvals.md): BEGIN's reply gives the text and
 * the id, POLL sends the id back and hears OK, PENDING or a verdict. */
static void wire_approval(void)
{
	struct wire_login_request r, back;
	struct wire_login_reply rep, rb;
	unsigned char buf[WIRE_MAX], *p;
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	r.op = WIRE_OP_APPROVAL_BEGIN;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.service, sizeof(r.service), "sshd");
	snprintf(r.remote, sizeof(r.remote), "192.0.2.7");
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK(!memcmp(&r, &back, sizeof(r)));
	CHECK(back.approval[0] == '\0' && !back.has_code);

	memset(&rep, 0, sizeof(rep));
	rep.status = MFA_OK;
	rep.action = MFA_LOGIN_ASK;
	snprintf(rep.text, sizeof(rep.text), "Approve this sign-in with your security key: open "
	         "https://mfa.example.com/a/K7Q2M9PX \u2014 number 47 \u2014 then press Enter.");
	snprintf(rep.approval, sizeof(rep.approval), "K7Q2M9PX");
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_reply_decode(buf, len, &rb), MFA_OK);
	CHECK(!memcmp(&rep, &rb, sizeof(rep)));
	CHECK(!strcmp(rb.approval, "K7Q2M9PX"));

	r.op = WIRE_OP_APPROVAL_POLL;
	snprintf(r.approval, sizeof(r.approval), "K7Q2M9PX");
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_OK);
	CHECK_EQ_INT(back.op, WIRE_OP_APPROVAL_POLL);
	CHECK(!strcmp(back.approval, "K7Q2M9PX"));
	/* The id is exactly MFA_APPROVAL_ID_LEN characters, either way. */
	p = field_at(buf, len, 12);
	CHECK(p != NULL);
	if (p) {
		p[2] = MFA_APPROVAL_ID_LEN - 1;   /* one byte short; the rest is left over */
		CHECK_EQ_INT(wire_login_request_decode(buf, len, &back), MFA_ERR_INVALID);
	}
	snprintf(r.approval, sizeof(r.approval), "K7Q2");
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	snprintf(rep.approval, sizeof(rep.approval), "K7Q2M9P");
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_ERR_INVALID);

	/* Waiting is a status of its own, and a verdict. */
	memset(&rep, 0, sizeof(rep));
	rep.status = MFA_ERR_PENDING;
	rep.action = MFA_LOGIN_RETRY;
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_OK);
	CHECK_EQ_INT(wire_login_reply_decode(buf, len, &rb), MFA_OK);
	CHECK_EQ_INT(rb.status, MFA_ERR_PENDING);
	CHECK(MFA_ERR_IS_VERDICT(MFA_ERR_PENDING));
}

/* Values out of bounds are not written. */
static void wire_encode_refuses(void)
{
	struct wire_login_request r = request_sample();
	struct wire_login_reply rep = { .status = MFA_ERR__COUNT, .action = MFA_LOGIN_ASK };
	unsigned char buf[WIRE_MAX];
	size_t len = 1;

	r.user[0] = '\0';
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	CHECK_EQ_INT(len, 0);
	r = request_sample();
	r.flags = 0x80;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r = request_sample();
	r.no_factor = 3;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r = request_sample();
	r.op = 0;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r.op = WIRE_OP_APPROVAL_POLL + 1;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r = request_sample();
	r.qr = MFA_QR_ASCII + 1;
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r = request_sample();
	snprintf(r.factor, sizeof(r.factor), "ABC");      /* ids are 8 characters */
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, sizeof(buf), &len), MFA_ERR_INVALID);
	r = request_sample();
	CHECK_EQ_INT(wire_login_request_encode(&r, buf, 10, &len), MFA_ERR_INVALID);
	CHECK_EQ_INT(wire_login_reply_encode(&rep, buf, sizeof(buf), &len), MFA_ERR_INVALID);
}

/* Each way a packet can be wrong, on an otherwise good one. */
static void wire_decode_refuses(void)
{
	unsigned char good[WIRE_MAX], bad[WIRE_MAX + 16];
	struct wire_login_request back;
	size_t len = request_packet(good, sizeof(good));

#define REFUSED(buf, n)                                                                   \
	do {                                                                              \
		memset(&back, 0x55, sizeof(back));                                        \
		CHECK_EQ_INT(wire_login_request_decode(buf, n, &back), MFA_ERR_INVALID);  \
		CHECK(back.user[0] == '\0' && back.code[0] == '\0' && !back.has_code);    \
	} while (0)

	CHECK_EQ_INT(wire_login_request_decode(good, len, &back), MFA_OK);
	/* Short, truncated anywhere, trailing bytes. */
	for (size_t n = 0; n < len; n++)
		REFUSED(good, n);
	memcpy(bad, good, len);
	bad[len] = 0;
	REFUSED(bad, len + 1);
	/* Magic, version, type. */
	for (size_t i = 0; i < 4; i++) {
		memcpy(bad, good, len);
		bad[i] ^= 0x40;
		REFUSED(bad, len);
	}
	/* An unknown tag, and a known one twice. */
	memcpy(bad, good, len);
	memcpy(bad + len, "\x63\x00\x01x", 4);
	REFUSED(bad, len + 4);
	memcpy(bad, good, len);
	memcpy(bad + len, "\x05\x00\x01x", 4);   /* tty: fine once */
	CHECK_EQ_INT(wire_login_request_decode(bad, len + 4, &back), MFA_OK);
	memcpy(bad + len + 4, "\x05\x00\x01y", 4);
	REFUSED(bad, len + 8);
	/* An optional string sent empty: it is left out instead (one form). */
	memcpy(bad, good, len);
	memcpy(bad + len, "\x05\x00\x00", 3);
	REFUSED(bad, len + 3);
	/* A length past the end; a NUL inside a string; a number of 3 bytes. */
	memcpy(bad, good, len);
	bad[5] = 0xff;
	REFUSED(bad, len);
	memcpy(bad, good, len);
	CHECK(field_at(bad, len, 1) != NULL);
	if (field_at(bad, len, 1))
		field_at(bad, len, 1)[3 + 2] = '\0';   /* inside "alice" */
	REFUSED(bad, len);
	/* The op out of range. */
	memcpy(bad, good, len);
	CHECK(field_at(bad, len, 9) != NULL);
	if (field_at(bad, len, 9)) {
		field_at(bad, len, 9)[3 + 3] = 0;
		REFUSED(bad, len);
		field_at(bad, len, 9)[3 + 3] = WIRE_OP_APPROVAL_POLL + 1;
		REFUSED(bad, len);
		field_at(bad, len, 9)[3 + 3] = WIRE_OP_APPROVAL_POLL;
		CHECK_EQ_INT(wire_login_request_decode(bad, len, &back), MFA_OK);
		CHECK_EQ_INT(back.op, WIRE_OP_APPROVAL_POLL);
	}
	{
		unsigned char *p;
		size_t n = request_packet(bad, sizeof(bad));

		/* The flags field (tag 6): its length to 3. */
		p = field_at(bad, n, 6);
		CHECK(p != NULL);
		if (p) {
			p[2] = 3;
			REFUSED(bad, n);
			p[2] = 4;
			p[3 + 3] = 0x80;           /* an unknown flag */
			REFUSED(bad, n);
		}
	}
	/* A required field missing: a packet with the user only. */
	memset(bad, 0, sizeof(bad));
	memcpy(bad, "MF\1\1\x01\x00\x05alice", 12);
	REFUSED(bad, 12);
	/* Longer than any packet may be. */
	memset(bad, 0, sizeof(bad));
	memcpy(bad, good, len);
	REFUSED(bad, WIRE_MAX + 1);
#undef REFUSED
}

const struct test_case wire_tests[] = {
	{ "wire_round_trip", wire_round_trip },
	{ "wire_password", wire_password },
	{ "wire_approval", wire_approval },
	{ "wire_encode_refuses", wire_encode_refuses },
	{ "wire_decode_refuses", wire_decode_refuses },
	{ NULL, NULL },
};
