/*
 * mfad.h - the parts of mfad (service/): mfad.c serves the socket and
 * hands each decoded question to a worker thread; answer.c answers it
 * with the core, one context per worker.
 */
#ifndef MFAD_H
#define MFAD_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "mfa.h"
#include "wire.h"

#define REFUSED_TEXT "Verification refused."
#define BUSY_TEXT "Too many verification requests: wait a few seconds and try again."

#define PASSWORD_FAIL_MAX 5        /* password checks that fail per user ... */
#define PASSWORD_FAIL_WINDOW 60    /* ... per this many seconds */
#define PASSWORD_USERS_MAX 1024    /* users with recent failures tracked at once */

/* A user's recent failed password checks (password.c). */
struct password_failures {
	char user[MFA_USER_MAX + 1];     /* lower-cased; "" = free */
	long at[PASSWORD_FAIL_MAX];      /* monotonic seconds */
	bool used[PASSWORD_FAIL_MAX];
};

/* Who may ask WIRE_OP_PASSWORD, and the failures per user, shared by the
 * workers under lock. */
struct password_gate {
	bool web_uid_set;                /* false: root only */
	uid_t web_uid;                   /* web_user's */
	pthread_mutex_t lock;
	struct password_failures users[PASSWORD_USERS_MAX];   /* unknown browsers */
	/* Browsers holding the user's known-device token, apart: a stranger
	 * can neither use up their budget nor fill this table. */
	struct password_failures known[PASSWORD_USERS_MAX];
};

/* One log line to stderr and syslog. Thread-safe. */
void say(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The answer to a decoded question from uid, with ctx (a worker's own).
 * The rate limit was applied before; this checks whose name it is. */
void answer(mfa_ctx *ctx, struct password_gate *g, uid_t uid, const struct wire_login_request *r,
            struct wire_login_reply *reply);
/* A refusal that needs no core: reply refused with text. */
void answer_refuse(struct wire_login_reply *reply, const char *text);

/* web_user resolved to its uid (config as ctx loaded it): 0, or -1
 * (logged, with the fix) when it names no user or root. */
int password_gate_init(struct password_gate *g, mfa_ctx *ctx);
/* root, or web_user's uid. */
bool password_may_ask(const struct password_gate *g, uid_t uid);
/* WIRE_OP_PASSWORD from uid: checked through PAM if uid may ask and the
 * user has not had too many failures; audited as a "password" event. */
void answer_password(mfa_ctx *ctx, struct password_gate *g, uid_t uid,
                     const struct wire_login_request *r, struct wire_login_reply *reply);

#endif
