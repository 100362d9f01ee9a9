/*
 * mfad.h - the parts of mfad (service/): mfad.c serves the socket and
 * hands each decoded question to a worker thread; answer.c answers it
 * with the core, one context per worker.
 */
#ifndef MFAD_H
#define MFAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "mfa.h"
#include "wire.h"

#define REFUSED_TEXT "Verification refused."
#define BUSY_TEXT "Too many verification requests: wait a few seconds and try again."

/* One log line to stderr and syslog. Thread-safe. */
void say(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The answer to a decoded question from uid, with ctx (a worker's own).
 * The rate limit was applied before; this checks whose name it is. */
void answer(mfa_ctx *ctx, uid_t uid, const struct wire_login_request *r,
            struct wire_login_reply *reply);
/* A refusal that needs no core: reply refused with text. */
void answer_refuse(struct wire_login_reply *reply, const char *text);

#endif
