/*
 * audit_read.c - a user's recent events, read back from audit_file (the
 * JSON lines audit.c writes): what the portal shows a user ("your last
 * sign-ins") and support ("this user's trail"). Only the file's last
 * AUDIT_READ_MAX bytes are read, so the cost is bounded however large it
 * grows; rotated files are not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

#define AUDIT_READ_MAX (8u * 1024 * 1024)
#define AUDIT_RECENT_MAX 200

/* The file's tail, NUL-terminated, starting at a line's beginning. */
static int read_tail(mfa_ctx *ctx, const char *path, char **out, size_t *len)
{
	struct stat st;
	off_t from;
	size_t want, got = 0;
	char *buf = NULL;
	int fd, r = MFA_ERR_SYSTEM;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno == ENOENT) {
			*out = strdup("");
			*len = 0;
			return *out ? MFA_OK : MFA_ERR_NOMEM;
		}
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "audit_file %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "audit_file %s: not a regular file", path);
		goto out;
	}
	from = st.st_size > (off_t)AUDIT_READ_MAX ? st.st_size - (off_t)AUDIT_READ_MAX : 0;
	want = (size_t)(st.st_size - from);
	if (!(buf = malloc(want + 1))) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, from + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;   /* the file shrank (rotated): what was read will do */
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (from > 0) {
		/* The first line is cut: start after it. */
		char *nl = strchr(buf, '\n');
		size_t skip = nl ? (size_t)(nl - buf) + 1 : got;

		memmove(buf, buf + skip, got - skip + 1);
		got -= skip;
	}
	*out = buf;
	*len = got;
	buf = NULL;
	r = MFA_OK;
out:
	free(buf);
	close(fd);
	return r;
}

/* event is one of the space-separated names in list. */
static bool listed(const char *list, const char *event)
{
	size_t n = strlen(event);

	for (const char *p = list; (p = strstr(p, event)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

int mfa_audit_recent(mfa_ctx *ctx, const char *user, const char *events, unsigned max,
                     char **json)
{
	char *text = NULL, *quoted = NULL, needle[8 * MFA_USER_MAX + 16], *line, *next;
	json_t *name_json;
	json_t **ring = NULL, *list = NULL;
	size_t len, kept = 0, at = 0;
	int r;

	if (!json)
		return MFA_ERR_INVALID;
	*json = NULL;
	if (!user || !user_name_valid(user) || max == 0 || max > AUDIT_RECENT_MAX)
		return MFA_ERR_INVALID;
	if (!ctx->cfg.audit_file[0])
		return ctx_fail(ctx, MFA_ERR_NOT_FOUND, "audit_file is not set: there is no trail "
		                "to show (set audit_file in mfa.conf)");
	if ((r = read_tail(ctx, ctx->cfg.audit_file, &text, &len)) != MFA_OK)
		return r;
	if (!(ring = calloc(max, sizeof(*ring)))) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	/* The name as audit.c's JSON spells it: a cheap test before parsing. */
	name_json = json_string(user);
	quoted = name_json ? json_dumps(name_json, JSON_ENCODE_ANY) : NULL;
	json_decref(name_json);
	if (!quoted || strlen(quoted) + 8 > sizeof(needle)) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	snprintf(needle, sizeof(needle), "\"user\":%s", quoted);
	for (line = text; line && *line; line = next) {
		json_t *ev, *name;
		const char *event;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (!strstr(line, needle) || !(ev = json_loads(line, 0, NULL)))
			continue;
		name = json_object_get(ev, "user");
		event = json_string_value(json_object_get(ev, "event"));
		if (!json_is_string(name) || strcmp(json_string_value(name), user) != 0 || !event ||
		    (events && (!event[0] || !listed(events, event)))) {
			json_decref(ev);
			continue;
		}
		json_decref(ring[at]);
		ring[at] = ev;
		at = (at + 1) % max;
		kept += kept < max;
	}
	if (!(list = json_array())) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	/* Newest first. */
	for (size_t i = 0; i < kept; i++) {
		size_t k = (at + max - 1 - i) % max;

		json_array_append(list, ring[k]);
	}
	*json = json_dumps(list, JSON_COMPACT);
	r = *json ? MFA_OK : MFA_ERR_NOMEM;
out:
	if (ring)
		for (size_t i = 0; i < max; i++)
			json_decref(ring[i]);
	free(ring);
	json_decref(list);
	free(quoted);
	free(text);
	return r;
}
