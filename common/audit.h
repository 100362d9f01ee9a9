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

/* Bytes of a value kept; a longer one is cut and ends in "...". */
#define AUDIT_VALUE_MAX 256
/* A value escaped: every byte as \xNN at worst, "..." and NUL. */
#define AUDIT_ESCAPED_MAX (AUDIT_VALUE_MAX * 4 + 16)
/* The syslog line: nine quoted values and their names. */
#define AUDIT_LINE_MAX (9 * (AUDIT_ESCAPED_MAX + 16) + 32)

/* Writes the event to syslog and audit_file. MFA_OK when every configured
 * sink took it, else MFA_ERR_SYSTEM, logged at ERROR (ctx->error, which
 * may describe what is being audited, is left alone). */
int audit_emit(mfa_ctx *ctx, const struct audit_event *ev);
/* audit_emit for what audit_required protects (an accepted login): a lost
 * event is MFA_ERR_SYSTEM, with ctx->error set, under audit_required = yes;
 * MFA_OK otherwise. */
int audit_must_emit(mfa_ctx *ctx, const struct audit_event *ev);
/* At mfa_open: whether this process can write audit_file. A problem is
 * logged at ERROR with the fix; MFA_ERR_SYSTEM under audit_required. */
/* What to do when a service cannot write audit_file. */
#define AUDIT_FILE_FIX \
	" (as root: set 'group =' in mfa.conf to the group the service runs as, then run " \
	"'mfactl init', which makes the file and its directory writable by that group)"
/* Whether this process cannot append to audit_file (or make it): true and
 * why in problem; false when it can, or when audit_file is not set. */
bool audit_file_problem(mfa_ctx *ctx, char *problem, size_t size);
int audit_check(mfa_ctx *ctx);

/* The syslog line: `mfa audit: event="verify" user="alice" ...`, every value
 * quoted and escaped (\" \\ \n \r \t, other control characters and bytes
 * that are not UTF-8 as \xNN), cut at AUDIT_VALUE_MAX bytes; an absent
 * value is a bare -. buf holds AUDIT_LINE_MAX bytes. */
void audit_format_line(const struct audit_event *ev, char *buf, size_t len);

/* For the JSON line: v cut at AUDIT_VALUE_MAX bytes, bytes that are not
 * UTF-8 as the text \xNN. out holds AUDIT_ESCAPED_MAX bytes. */
void audit_json_text(const char *v, char *out, size_t len);

#endif
