/*
 * wire.h - the messages between pam_mfa and the resident service (issue
 * 12): one login question, one answer. Self-contained (libc only), so that
 * a thin pam_mfa can carry it without the core's libraries.
 *
 * A message is one packet (SOCK_SEQPACKET keeps the boundaries) of at most
 * WIRE_MAX bytes: "MF", a version byte, a type byte, then fields, each a
 * tag byte, a big-endian 16-bit length and that many bytes. Every tag is
 * known to its type and appears once; strings hold no NUL and stay within
 * their bounds (an optional string is left out rather than sent empty,
 * the code aside: Enter alone is an answer); numbers are 4 bytes,
 * big-endian; nothing follows the last field. Anything else is refused
 * whole: a newer peer speaks a new version.
 */
#ifndef MFA_WIRE_H
#define MFA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa.h"

#define WIRE_VERSION 1
#define WIRE_MAX 16384
#define WIRE_CODE_MAX 256        /* what was typed: a code, or a password and a code */
#define WIRE_SERVICE_MAX 64
#define WIRE_REMOTE_MAX 255
#define WIRE_TTY_MAX 64
#define WIRE_TEXT_MAX 1024       /* what the user is shown */
#define WIRE_URI_MAX 1024        /* an otpauth:// link */
#define WIRE_SECRET_MAX 128      /* a secret in base32 */
#define WIRE_QR_MAX 12288        /* a QR code drawn as text (ASCII: about 6 KB) */
#define WIRE_SPLIT_TAIL 14       /* the end of "password and code" that WIRE_OP_SPLIT sees */
#define WIRE_DEFAULT_SOCKET "/run/mfa/mfad.sock"

enum wire_type {
	WIRE_LOGIN_REQUEST = 1,
	WIRE_LOGIN_REPLY = 2,
};

/* What a request asks: a step of a login, each the core function named. */
enum wire_op {
	WIRE_OP_LOGIN = 1,               /* mfa_login */
	WIRE_OP_SPLIT = 2,               /* mfa_login_split of code (the typed text's end) */
	WIRE_OP_ENROLL_BEGIN = 3,        /* mfa_login_enroll_begin: factor, uri, secret, qr */
	WIRE_OP_ENROLL_CONFIRM = 4,      /* mfa_login_enroll_resume(factor), mfa_enroll_confirm(code) */
	WIRE_OP_PASSWORD = 5,            /* user's password (code) through PAM: mfa-web only */
	WIRE_OP_APPROVAL_BEGIN = 6,      /* mfa_approval_create: text to show, approval id */
	WIRE_OP_APPROVAL_POLL = 7,       /* mfa_approval_consume(approval): OK, PENDING, a verdict */
};

/* Request flags. */
#define WIRE_PASSWORD_VERIFIED 0x1u
#define WIRE_ENROLL_INLINE 0x2u
#define WIRE_TYPED_TAIL 0x4u             /* SPLIT: more was typed before code */
#define WIRE_KNOWN_DEVICE 0x8u           /* PASSWORD: the browser holds the user's
                                            known-device token (mfa_device_token_check) */
#define WIRE_FLAGS_KNOWN (WIRE_PASSWORD_VERIFIED | WIRE_ENROLL_INLINE | WIRE_TYPED_TAIL | \
                          WIRE_KNOWN_DEVICE)

/* A step of a login to decide: mfa_login's request and policy. The code is
 * a secret: wipe the struct after use. */
struct wire_login_request {
	uint32_t op;                      /* wire_op */
	char user[MFA_USER_MAX + 1];      /* required, not empty */
	char code[WIRE_CODE_MAX + 1];     /* PASSWORD: the password */
	bool has_code;                    /* false: nothing typed yet (ask) */
	char service[WIRE_SERVICE_MAX + 1];
	char remote[WIRE_REMOTE_MAX + 1];
	char tty[WIRE_TTY_MAX + 1];
	uint32_t flags;                   /* WIRE_* above */
	uint32_t no_factor;               /* mfa_no_factor */
	uint32_t grace_days;
	char factor[MFA_ID_LEN + 1];      /* ENROLL_CONFIRM: the pending factor */
	uint32_t qr;                      /* ENROLL_BEGIN: mfa_qr_style to draw */
	char approval[MFA_APPROVAL_ID_LEN + 1];  /* APPROVAL_POLL: BEGIN's id */
};

/* The decision: mfa_login's result as the front end needs it. */
struct wire_login_reply {
	uint32_t status;                  /* mfa_err of the call */
	uint32_t action;                  /* mfa_login_action */
	char text[WIRE_TEXT_MAX + 1];     /* to show the user; may be empty */
	uint32_t offset;                  /* SPLIT: where the code starts in code */
	/* ENROLL_BEGIN: what the user's app needs (secrets: wipe after use). */
	char factor[MFA_ID_LEN + 1];
	char uri[WIRE_URI_MAX + 1];
	char secret[WIRE_SECRET_MAX + 1];
	char qr[WIRE_QR_MAX + 1];
	char approval[MFA_APPROVAL_ID_LEN + 1];  /* APPROVAL_BEGIN: the id to poll */
};

/* Into buf (size bytes): MFA_OK and *len, or MFA_ERR_INVALID for a value
 * out of bounds (nothing usable is in buf then). */
int wire_login_request_encode(const struct wire_login_request *r, unsigned char *buf, size_t size,
                              size_t *len);
int wire_login_reply_encode(const struct wire_login_reply *r, unsigned char *buf, size_t size,
                            size_t *len);
/* From one packet: MFA_OK, or MFA_ERR_INVALID with *r zeroed. */
int wire_login_request_decode(const unsigned char *buf, size_t len, struct wire_login_request *r);
int wire_login_reply_decode(const unsigned char *buf, size_t len, struct wire_login_reply *r);

/* One question to the service at socket_path and its answer, within
 * timeout_ms in all (connect, send, receive); only a service running as
 * root is asked. MFA_OK with *reply, else
 * MFA_ERR_SYSTEM with why (a sentence for a log line) and *reply zeroed.
 * Blocks; safe in threads; no signal is raised (MSG_NOSIGNAL). */
int wire_ask(const char *socket_path, unsigned timeout_ms, const struct wire_login_request *req,
             struct wire_login_reply *reply, char *why, size_t why_size);

#endif
