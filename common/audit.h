/*
 * audit.h - one event per enrollment, verification, removal, unlock and
 * import: to syslog (authpriv) and optionally as a JSON line in audit_file.
 * Never a code or a secret.
 */
#ifndef MFA_AUDIT_H
#define MFA_AUDIT_H

#include "internal.h"

struct audit_event {
	const char *event;    /* "verify", "enroll", "remove", ... */
	const char *user;
	const char *factor;   /* factor id or NULL */
	const char *source;   /* "cli", "pam:sshd", "radius:vpn" */
	const char *remote;   /* client address or NULL */
	const char *nas_id;   /* RADIUS NAS-Identifier or NULL */
	const char *station;  /* RADIUS Calling-Station-Id or NULL */
	const char *outcome;  /* "accepted", "rejected", "locked", "replayed", "ok", ... */
	const char *detail;   /* extra words for support, or NULL */
};

void audit_emit(mfa_ctx *ctx, const struct audit_event *ev);

#endif
