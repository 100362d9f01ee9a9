/* audit.c - syslog and JSON-lines audit trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"

/* Bytes of the well-formed UTF-8 character at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t utf8_char_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t want;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		want = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		want = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		want = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < want || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < want; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return want;
}

/* Escapes v into out (AUDIT_ESCAPED_MAX bytes). For syslog everything that
 * could end the value or the line is escaped too; for JSON only bytes that
 * are not UTF-8 (jansson escapes the rest). At most AUDIT_VALUE_MAX bytes of
 * v are kept, never half a character; a cut value ends in "...". */
static void escape(const char *v, bool for_syslog, char *out, size_t len)
{
	const unsigned char *in = (const unsigned char *)v;
	size_t n = strlen(v), limit = n < AUDIT_VALUE_MAX ? n : AUDIT_VALUE_MAX, o = 0, i = 0;

	while (i < limit && o + 8 < len) {
		unsigned char c = in[i];
		size_t k = utf8_char_len(in + i, n - i);
		const char *esc = NULL;

		if (for_syslog)
			esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
			      : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (esc) {
			o += (size_t)snprintf(out + o, len - o, "%s", esc);
			i++;
		} else if (k == 0 || (for_syslog && (c < 0x20 || c == 0x7f)) ||
		           (for_syslog && c == 0xc2 && in[i + 1] < 0xa0)) {
			/* Not UTF-8, or a C0/C1 control a terminal would obey. */
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
			i++;
		} else if (i + k > limit) {
			break;
		} else {
			memcpy(out + o, in + i, k);
			o += k;
			i += k;
		}
	}
	if (i < n && o + 4 <= len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

void audit_json_text(const char *v, char *out, size_t len)
{
	escape(v, false, out, len);
}

/* Appends ` name="value"`, or ` name=-` when v is absent (NULL or empty). */
static void line_add(char *buf, size_t len, size_t *used, const char *name, const char *v)
{
	char esc[AUDIT_ESCAPED_MAX];
	int n;

	if (v && *v) {
		escape(v, true, esc, sizeof(esc));
		n = snprintf(buf + *used, len - *used, " %s=\"%s\"", name, esc);
	} else {
		n = snprintf(buf + *used, len - *used, " %s=-", name);
	}
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

void audit_format_line(const struct audit_event *ev, char *buf, size_t len)
{
	size_t used = 0;
	int n = snprintf(buf, len, "mfa audit:");

	if (n < 0 || (size_t)n >= len)
		return;
	used = (size_t)n;
	line_add(buf, len, &used, "event", ev->event);
	line_add(buf, len, &used, "user", ev->user);
	line_add(buf, len, &used, "factor", ev->factor);
	line_add(buf, len, &used, "source", ev->source);
	line_add(buf, len, &used, "remote", ev->remote);
	/* RADIUS fields only where a NAS sent them. */
	if (ev->nas_id)
		line_add(buf, len, &used, "nas_id", ev->nas_id);
	if (ev->station)
		line_add(buf, len, &used, "station", ev->station);
	line_add(buf, len, &used, "outcome", ev->outcome);
	if (ev->detail)
		line_add(buf, len, &used, "detail", ev->detail);
}

/* Adds key: v as JSON text; nothing when v is NULL. */
static int json_add(json_t *obj, const char *key, const char *v)
{
	char esc[AUDIT_ESCAPED_MAX];

	if (!v)
		return 0;
	audit_json_text(v, esc, sizeof(esc));
	return json_object_set_new(obj, key, json_string(esc));
}

/* Opens audit_file for appending. A file this call creates gets the
 * configured group and 0660, as mfactl init makes it. */
static int audit_file_open(mfa_ctx *ctx)
{
	const char *path = ctx->cfg.audit_file;
	/* O_NONBLOCK: a FIFO put there must not hang a login. */
	int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
	gid_t gid;

	if (fd < 0)
		return errno == EEXIST ? open(path, flags) : -1;
	if (config_group_id(ctx, &gid) == MFA_OK && gid != NO_GROUP)
		if (fchown(fd, (uid_t)-1, gid) < 0 || fchmod(fd, 0660) < 0)
			ctx_log(ctx, MFA_LOG_WARNING, "audit_file %s: cannot give it to group %s: %s",
			        path, ctx->cfg.group, strerror(errno));
	return fd;
}

/* One JSON line; on failure why says what went wrong, *err the errno. */
static int audit_json(mfa_ctx *ctx, const struct audit_event *ev, time_t now, char *why,
                      size_t whylen, int *err)
{
	json_t *obj = json_object();
	char *line = NULL;
	size_t len;
	int fd = -1, r = MFA_ERR_SYSTEM;

	/* Every value through audit_json_text: a byte that is not UTF-8
	 * would make jansson refuse the string and lose the whole event. */
	if (!obj || json_object_set_new(obj, "time", json_integer((json_int_t)now)) < 0 ||
	    json_add(obj, "event", ev->event) < 0 || json_add(obj, "user", ev->user ? ev->user : "") < 0 ||
	    json_add(obj, "source", ev->source && *ev->source ? ev->source : "-") < 0 ||
	    json_add(obj, "outcome", ev->outcome) < 0 || json_add(obj, "factor", ev->factor) < 0 ||
	    json_add(obj, "remote", ev->remote) < 0 || json_add(obj, "nas_id", ev->nas_id) < 0 ||
	    json_add(obj, "station", ev->station) < 0 || json_add(obj, "detail", ev->detail) < 0 ||
	    !(line = json_dumps(obj, JSON_COMPACT))) {
		snprintf(why, whylen, "cannot build the JSON event (out of memory)");
		goto out;
	}
	if ((fd = audit_file_open(ctx)) < 0) {
		*err = errno;
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	len = strlen(line);
	line[len] = '\n';  /* one write() keeps concurrent lines whole */
	errno = 0;
	if (write(fd, line, len + 1) != (ssize_t)(len + 1)) {
		*err = errno;
		snprintf(why, whylen, "write failed: %s", errno ? strerror(errno) : "short write");
		goto out;
	}
	r = MFA_OK;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	json_decref(obj);
	return r;
}

static int audit_write(mfa_ctx *ctx, const struct audit_event *ev, char *why, size_t whylen)
{
	time_t now = ctx_now(ctx);
	char user[AUDIT_ESCAPED_MAX], detail[AUDIT_ESCAPED_MAX] = "";
	int r = MFA_OK, err = 0;

	if (ctx->cfg.audit_syslog) {
		char line[AUDIT_LINE_MAX];

		audit_format_line(ev, line, sizeof(line));
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", line);
	}
	escape(ev->user && *ev->user ? ev->user : "-", true, user, sizeof(user));
	if (ev->detail)
		escape(ev->detail, true, detail, sizeof(detail));
	ctx_log(ctx, MFA_LOG_INFO, "%s %s: %s%s%s", ev->event, user, ev->outcome,
	        ev->detail ? ": " : "", detail);
	if (ctx->cfg.audit_file[0] && (r = audit_json(ctx, ev, now, why, whylen, &err)) != MFA_OK)
		ctx_log(ctx, MFA_LOG_ERROR, "audit_file %s: the %s event of %s was not written: %s%s",
		        ctx->cfg.audit_file, ev->event, user, why,
		        err == EACCES || err == EPERM || err == ENOENT ? AUDIT_FILE_FIX : "");
	return r;
}

int audit_emit(mfa_ctx *ctx, const struct audit_event *ev)
{
	char why[256];

	return audit_write(ctx, ev, why, sizeof(why));
}

int audit_must_emit(mfa_ctx *ctx, const struct audit_event *ev)
{
	char why[256];

	if (audit_write(ctx, ev, why, sizeof(why)) == MFA_OK || !ctx->cfg.audit_required)
		return MFA_OK;
	return ctx_fail(ctx, MFA_ERR_SYSTEM,
	                "audit_file %s: %s; audit_required = yes refuses what cannot be audited",
	                ctx->cfg.audit_file, why);
}

bool audit_file_problem(mfa_ctx *ctx, char *problem, size_t size)
{
	const char *path = ctx->cfg.audit_file;
	char dir[CONFIG_PATH_MAX];
	struct stat st;
	int fd;

	problem[0] = '\0';
	if (!path[0])
		return false;
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			snprintf(problem, size, "not a regular file");
		close(fd);
	} else if (errno == ENOENT && str_copy(dir, sizeof(dir), path)) {
		/* Made at the first event, if this process may write there. */
		char *slash = strrchr(dir, '/');

		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
			snprintf(problem, size, "missing, and %s: %s", dir, strerror(errno));
	} else {
		snprintf(problem, size, "%s", strerror(errno));
	}
	return problem[0] != '\0';
}

int audit_check(mfa_ctx *ctx)
{
	const char *path = ctx->cfg.audit_file;
	char problem[300];

	if (!audit_file_problem(ctx, problem, sizeof(problem)))
		return MFA_OK;
	ctx_log(ctx, MFA_LOG_ERROR, "audit_file %s: %s: uid %u cannot write audit events%s", path,
	        problem, (unsigned)geteuid(), AUDIT_FILE_FIX);
	if (!ctx->cfg.audit_required)
		return MFA_OK;
	return ctx_fail(ctx, MFA_ERR_SYSTEM, "audit_file %s: %s: uid %u cannot write audit events, "
	                "and audit_required = yes%s", path, problem, (unsigned)geteuid(), AUDIT_FILE_FIX);
}
