/*
 * backup.c - mfactl backup: the store's own consistent copy (the backend
 * makes it), audited. Restoring is copying the file back with the services
 * stopped (docs/backup.md).
 */
#include <stdio.h>

#include "audit.h"
#include "internal.h"
#include "store.h"

int mfa_store_backup(mfa_ctx *ctx, const char *path, const char *source)
{
	const struct store_ops *ops;
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!path || !path[0])
		return ctx_fail(ctx, MFA_ERR_INVALID, "backup: no file named");
	ops = ctx->store->ops;
	if (!ops->backup)
		return ctx_fail(ctx, MFA_ERR_INVALID,
		                "the store is %s: back it up with its own tools (for PostgreSQL, "
		                "pg_dump: see docs/backup.md)", ops->scheme);
	if ((r = ops->backup(ctx->store, path)) != MFA_OK)
		return ctx_fail(ctx, r, "%s", ctx->store->err);
	audit_emit(ctx, &(struct audit_event){ .event = "backup", .user = "", .source = source,
	                                       .outcome = "ok", .detail = path });
	return MFA_OK;
}
