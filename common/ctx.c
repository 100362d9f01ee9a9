/* ctx.c - the context: config, key and store of one thread. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "internal.h"
#include "store.h"
#include "vault.h"

int ctx_fail(mfa_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return err;
}

void ctx_log(mfa_ctx *ctx, mfa_log_level level, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (!ctx->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_arg, level, line);
}

time_t ctx_now(mfa_ctx *ctx)
{
	return ctx->clock_fn ? ctx->clock_fn(ctx->clock_arg) : time(NULL);
}

int ctx_require_open(mfa_ctx *ctx)
{
	ctx->error[0] = '\0';
	if (!ctx->store || !ctx->key_loaded)
		return ctx_fail(ctx, MFA_ERR_INVALID, "mfa_open() was not called");
	return MFA_OK;
}

int mfa_ctx_new(mfa_ctx **ctxp)
{
	mfa_ctx *ctx;

	*ctxp = NULL;
	if (oath_init() != OATH_OK)
		return MFA_ERR_SYSTEM;
	if (!(ctx = calloc(1, sizeof(*ctx))))
		return MFA_ERR_NOMEM;
	config_defaults(&ctx->cfg);
	*ctxp = ctx;
	return MFA_OK;
}

void mfa_ctx_free(mfa_ctx **ctxp)
{
	mfa_ctx *ctx = *ctxp;

	if (!ctx)
		return;
	store_close(&ctx->store);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
	*ctxp = NULL;
}

void mfa_ctx_set_log_handler(mfa_ctx *ctx, mfa_log_fn *fn, void *arg)
{
	ctx->log_fn = fn;
	ctx->log_arg = arg;
}

void mfa_ctx_set_clock(mfa_ctx *ctx, mfa_clock_fn *fn, void *arg)
{
	ctx->clock_fn = fn;
	ctx->clock_arg = arg;
}

const char *mfa_ctx_error(const mfa_ctx *ctx)
{
	return ctx->error;
}

static const char *config_choose_path(const char *path)
{
	const char *env;

	if (path)
		return path;
	env = secure_getenv("MFA_CONFIG");
	return env && *env ? env : MFA_DEFAULT_CONFIG;
}

int mfa_config_load(mfa_ctx *ctx, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	path = config_choose_path(path);
	if (!str_copy(ctx->config_path, sizeof(ctx->config_path), path))
		return ctx_fail(ctx, MFA_ERR_CONFIG, "config path too long");
	r = file_read_safely(path, CONFIG_MAX_BYTES, false, &buf, &len, ctx->error,
	                     sizeof(ctx->error));
	if (r != MFA_OK) {
		if (r == MFA_ERR_NOT_FOUND) {
			size_t n = strlen(ctx->error);
			snprintf(ctx->error + n, sizeof(ctx->error) - n,
			         " (run 'mfactl init', or point MFA_CONFIG or --config at your file)");
		}
		return MFA_ERR_CONFIG;
	}
	config_defaults(&ctx->cfg);
	r = config_parse(&ctx->cfg, buf, len, path, ctx->error, sizeof(ctx->error));
	free(buf);
	return r;
}

int mfa_config_set(mfa_ctx *ctx, const char *key, const char *value)
{
	char msg[512];

	if (config_set(&ctx->cfg, key, value, msg, sizeof(msg)) != MFA_OK ||
	    config_check(&ctx->cfg, "options", msg, sizeof(msg)) != MFA_OK)
		return ctx_fail(ctx, MFA_ERR_CONFIG, "%s", msg);
	return MFA_OK;
}

const char *mfa_config_path(const mfa_ctx *ctx)
{
	return ctx->config_path;
}

int mfa_open(mfa_ctx *ctx)
{
	int r;

	store_close(&ctx->store);
	ctx->key_loaded = false;
	r = vault_key_load(ctx->cfg.key_file, ctx->key, ctx->error, sizeof(ctx->error));
	if (r != MFA_OK)
		return r;
	ctx->key_loaded = true;
	r = store_open(&ctx->cfg, false, &ctx->store, ctx->error, sizeof(ctx->error));
	if (r != MFA_OK) {
		OPENSSL_cleanse(ctx->key, sizeof(ctx->key));
		ctx->key_loaded = false;
	}
	return r;
}

/* Creates the directory holding path (one level), private to root. */
static int setup_parent_dir(mfa_ctx *ctx, const char *path)
{
	char copy[CONFIG_PATH_MAX];
	const char *dir;

	if (!str_copy(copy, sizeof(copy), path))
		return ctx_fail(ctx, MFA_ERR_CONFIG, "path too long: %s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot create directory %s: %s", dir,
		                strerror(errno));
	return MFA_OK;
}

static int setup_config_file(mfa_ctx *ctx, const char *path, unsigned *created)
{
	const char *text = config_default_text();
	size_t len = strlen(text);
	int fd, r;

	if ((r = setup_parent_dir(ctx, path)) != MFA_OK)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return MFA_OK;
		return ctx_fail(ctx, MFA_ERR_CONFIG, "cannot create %s: %s", path, strerror(errno));
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return r;
	}
	close(fd);
	*created |= MFA_SETUP_CONFIG;
	return MFA_OK;
}

int mfa_setup(mfa_ctx *ctx, const char *config_path, unsigned *created)
{
	struct stat st;
	int r;

	*created = 0;
	config_path = config_choose_path(config_path);
	if ((r = setup_config_file(ctx, config_path, created)) != MFA_OK ||
	    (r = mfa_config_load(ctx, config_path)) != MFA_OK)
		return r;
	if (lstat(ctx->cfg.key_file, &st) < 0) {
		if (errno != ENOENT)
			return ctx_fail(ctx, MFA_ERR_KEY, "cannot use key file %s: %s",
			                ctx->cfg.key_file, strerror(errno));
		if ((r = setup_parent_dir(ctx, ctx->cfg.key_file)) != MFA_OK)
			return r;
		if ((r = vault_key_create(ctx->cfg.key_file, ctx->error, sizeof(ctx->error))) != MFA_OK)
			return r;
		*created |= MFA_SETUP_KEY;
	}
	if ((r = vault_key_load(ctx->cfg.key_file, ctx->key, ctx->error, sizeof(ctx->error))) != MFA_OK)
		return r;
	ctx->key_loaded = true;
	if (strncmp(ctx->cfg.store, "sqlite:", 7) == 0) {
		const char *db = ctx->cfg.store + 7;

		if (lstat(db, &st) < 0) {
			if ((r = setup_parent_dir(ctx, db)) != MFA_OK)
				return r;
			*created |= MFA_SETUP_STORE;
		}
	}
	store_close(&ctx->store);
	return store_open(&ctx->cfg, true, &ctx->store, ctx->error, sizeof(ctx->error));
}
