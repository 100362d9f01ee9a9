/* audit.c - syslog and JSON-lines audit trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void audit_json(mfa_ctx *ctx, const struct audit_event *ev, time_t now)
{
	json_t *obj;
	char *line = NULL;
	int fd;

	obj = json_pack("{s:I, s:s, s:s, s:s, s:s}", "time", (json_int_t)now, "event", ev->event,
	                "user", ev->user ? ev->user : "", "source", or_dash(ev->source),
	                "outcome", ev->outcome);
	if (!obj)
		goto fail;
	if ((ev->factor && json_object_set_new(obj, "factor", json_string(ev->factor)) < 0) ||
	    (ev->remote && json_object_set_new(obj, "remote", json_string(ev->remote)) < 0) ||
	    (ev->nas_id && json_object_set_new(obj, "nas_id", json_string(ev->nas_id)) < 0) ||
	    (ev->station && json_object_set_new(obj, "station", json_string(ev->station)) < 0) ||
	    (ev->detail && json_object_set_new(obj, "detail", json_string(ev->detail)) < 0))
		goto fail;
	if (!(line = json_dumps(obj, JSON_COMPACT)))
		goto fail;
	fd = open(ctx->cfg.audit_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ctx_log(ctx, MFA_LOG_ERROR, "audit_file %s: %s", ctx->cfg.audit_file, strerror(errno));
		goto out;
	}
	{
		size_t len = strlen(line);

		line[len] = '\n';  /* one write() keeps concurrent lines whole */
		if (write(fd, line, len + 1) != (ssize_t)(len + 1))
			ctx_log(ctx, MFA_LOG_ERROR, "audit_file %s: short write", ctx->cfg.audit_file);
		line[len] = '\0';
	}
	close(fd);
	goto out;
fail:
	ctx_log(ctx, MFA_LOG_ERROR, "audit: cannot build the JSON event");
out:
	free(line);
	json_decref(obj);
}

void audit_emit(mfa_ctx *ctx, const struct audit_event *ev)
{
	time_t now = ctx_now(ctx);

	if (ctx->cfg.audit_syslog)
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "mfa audit: event=%s user=%s factor=%s source=%s remote=%s%s%s%s%s outcome=%s%s%s%s",
		       ev->event, or_dash(ev->user), or_dash(ev->factor), or_dash(ev->source),
		       or_dash(ev->remote), ev->nas_id ? " nas_id=" : "", ev->nas_id ? ev->nas_id : "",
		       ev->station ? " station=" : "", ev->station ? ev->station : "",
		       ev->outcome, ev->detail ? " detail=\"" : "",
		       ev->detail ? ev->detail : "", ev->detail ? "\"" : "");
	ctx_log(ctx, MFA_LOG_INFO, "%s %s: %s%s%s", ev->event, or_dash(ev->user), ev->outcome,
	        ev->detail ? ": " : "", ev->detail ? ev->detail : "");
	if (ctx->cfg.audit_file[0])
		audit_json(ctx, ev, now);
}
