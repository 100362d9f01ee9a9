/* ctx.c - the context: config, key and store of one thread. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "audit.h"
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

/* Wipes the key and what was derived from it, before a (re)load. */
static void ctx_key_forget(mfa_ctx *ctx)
{
	OPENSSL_cleanse(ctx->key, sizeof(ctx->key));
	OPENSSL_cleanse(ctx->recovery_key, sizeof(ctx->recovery_key));
	ctx->key_loaded = false;
	ctx->recovery_key_ready = false;
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
	if (ctx->webauthn_keys_free)
		ctx->webauthn_keys_free(ctx->webauthn_keys);
	store_factors_free(&ctx->decoy, 1);
	/* The vault key and the recovery key derived from it with the rest. */
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

/* Who may read a config this user may not: it names the group only once
 * read, so name the group its directory was given (mfactl init: 0750). */
static void config_access_hint(const char *path, char *buf, size_t size)
{
	char copy[CONFIG_PATH_MAX], names[1024];
	struct group grp, *found = NULL;
	struct stat st;

	str_copy(copy, sizeof(copy), path);
	if (stat(dirname(copy), &st) == 0 && st.st_gid != 0 && (st.st_mode & 0050) == 0050 &&
	    getgrgid_r(st.st_gid, &grp, names, sizeof(names), &found) == 0 && found)
		access_hint(EACCES, found->gr_name, buf, size);
	else
		access_hint(EACCES, NULL, buf, size);
}

int mfa_config_load(mfa_ctx *ctx, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	path = config_choose_path(path);
	if (!str_copy(ctx->config_path, sizeof(ctx->config_path), path))
		return ctx_fail(ctx, MFA_ERR_CONFIG, "config path too long");
	r = file_read_safely(path, CONFIG_MAX_BYTES, FILE_TRUSTED, NO_GROUP, &buf, &len, ctx->error,
	                     sizeof(ctx->error));
	if (r != MFA_OK) {
		size_t n = strlen(ctx->error);

		if (r == MFA_ERR_NOT_FOUND && faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0 &&
		    errno == EACCES)
			config_access_hint(path, ctx->error + n, sizeof(ctx->error) - n);
		else if (r == MFA_ERR_NOT_FOUND)
			snprintf(ctx->error + n, sizeof(ctx->error) - n,
			         " (run 'mfactl init', or point MFA_CONFIG or --config at your file)");
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

int mfa_config_copy(mfa_ctx *dst, const mfa_ctx *src)
{
	if (!dst || !src)
		return MFA_ERR_INVALID;
	dst->cfg = src->cfg;
	memcpy(dst->config_path, src->config_path, sizeof(dst->config_path));
	return MFA_OK;
}

void mfa_web_settings_get(const mfa_ctx *ctx, struct mfa_web_settings *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->listen, sizeof(out->listen), ctx->cfg.web_listen);
	out->tls_cert = ctx->cfg.web_tls_cert;
	out->tls_key = ctx->cfg.web_tls_key;
	str_copy(out->admin_group, sizeof(out->admin_group), ctx->cfg.admin_group);
	str_copy(out->user, sizeof(out->user), ctx->cfg.web_user);
	out->session_idle = ctx->cfg.web_session_idle;
	out->session_max = ctx->cfg.web_session_max;
	out->behind_proxy = ctx->cfg.web_behind_proxy;
}

const char *mfa_config_text(const mfa_ctx *ctx, const char *key)
{
	return config_text(&ctx->cfg, key);
}

/* user_case = lower can never reach a name stored with capitals (it would
 * be refused as another user's name in another case): refuse the setting
 * until those are gone, rather than lock them out unnoticed. */
static int names_all_lower(mfa_ctx *ctx)
{
	char name[MFA_USER_MAX + 1];
	bool found;
	int r;

	if ((r = ctx->store->ops->begin(ctx->store, false)) != MFA_OK ||
	    (r = ctx->store->ops->user_capitals(ctx->store, name, &found)) != MFA_OK) {
		snprintf(ctx->error, sizeof(ctx->error), "%s", ctx->store->err);
		ctx->store->ops->rollback(ctx->store);
		return r;
	}
	ctx->store->ops->rollback(ctx->store);
	if (!found)
		return MFA_OK;
	return ctx_fail(ctx, MFA_ERR_CONFIG,
	                "%s: user_case = lower, but the store holds factors of '%s', a name with "
	                "capitals that lower-cased logins cannot reach: with user_case = exact, "
	                "remove them (mfactl delete '%s') and enroll the user again in lower case",
	                ctx->config_path, name, name);
}

int mfa_open(mfa_ctx *ctx)
{
	int r;

	gid_t gid;

	store_close(&ctx->store);
	ctx_key_forget(ctx);
	if ((r = config_group_id(ctx, &gid)) != MFA_OK)
		return r;
	r = vault_key_load(ctx->cfg.key_file, gid, ctx->key, ctx->error, sizeof(ctx->error));
	if (r != MFA_OK) {
		char hint[256];
		size_t n = strlen(ctx->error);

		if (faccessat(AT_FDCWD, ctx->cfg.key_file, R_OK, AT_EACCESS) < 0)
			snprintf(ctx->error + n, sizeof(ctx->error) - n, "%s",
			         access_hint(errno, ctx->cfg.group, hint, sizeof(hint)));
		return r;
	}
	ctx->key_loaded = true;
	r = store_open(&ctx->cfg, false, &ctx->store, ctx->error, sizeof(ctx->error));
	if (r == MFA_OK && ctx->cfg.user_case_lower)
		r = names_all_lower(ctx);
	if (r == MFA_OK)
		r = audit_check(ctx);
	if (r != MFA_OK) {
		store_close(&ctx->store);
		ctx_key_forget(ctx);
	}
	return r;
}

/* With a group configured, gives path to it with mode (only what exists,
 * never through a symbolic link); without one, does nothing. */
static int setup_share(mfa_ctx *ctx, const char *path, gid_t gid, mode_t mode)
{
	return path_share(path, gid, ctx->cfg.group, mode, ctx->error, sizeof(ctx->error));
}

/* Makes the directory holding path (one level, 0700 when new); *dir
 * points into copy. */
static int parent_dir_make(mfa_ctx *ctx, const char *path, char copy[CONFIG_PATH_MAX],
                           const char **dir)
{
	return dir_make_parent(path, copy, dir, ctx->error, sizeof(ctx->error));
}

/* Creates the directory holding path (one level), private to root, or
 * shared_mode for the configured group. */
static int setup_parent_dir(mfa_ctx *ctx, const char *path, gid_t gid, mode_t shared_mode)
{
	char copy[CONFIG_PATH_MAX];
	const char *dir;
	int r = parent_dir_make(ctx, path, copy, &dir);

	return r != MFA_OK ? r : setup_share(ctx, dir, gid, shared_mode);
}

static int setup_config_file(mfa_ctx *ctx, const char *path, unsigned *created)
{
	const char *text = config_default_text();
	size_t len = strlen(text);
	int fd, r;

	if ((r = setup_parent_dir(ctx, path, NO_GROUP, 0)) != MFA_OK)
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

/* audit_file and its directory, made like the store's: the directory
 * setgid 2770 and the file 0660 for the configured group, else 0700 and
 * 0600. A directory others may enter (/var/log) is not ours: left alone. */
static int setup_audit_file(mfa_ctx *ctx, gid_t gid, unsigned *created)
{
	const char *path = ctx->cfg.audit_file;
	char copy[CONFIG_PATH_MAX];
	const char *dir;
	struct stat st;
	int fd, r;

	if (!path[0])
		return MFA_OK;
	if ((r = parent_dir_make(ctx, path, copy, &dir)) != MFA_OK)
		return r;
	if (lstat(dir, &st) < 0)
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot use %s: %s", dir, strerror(errno));
	if (S_ISDIR(st.st_mode) && !(st.st_mode & 0007) &&
	    (r = setup_share(ctx, dir, gid, 02770)) != MFA_OK)
		return r;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		*created |= MFA_SETUP_AUDIT;
	} else if (errno != EEXIST) {
		return ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot create audit_file %s: %s", path,
		                strerror(errno));
	}
	return setup_share(ctx, path, gid, 0660);
}

int mfa_setup(mfa_ctx *ctx, const char *config_path, unsigned *created)
{
	struct stat st;
	gid_t gid;
	int r;

	*created = 0;
	config_path = config_choose_path(config_path);
	if ((r = setup_config_file(ctx, config_path, created)) != MFA_OK ||
	    (r = mfa_config_load(ctx, config_path)) != MFA_OK ||
	    (r = config_group_id(ctx, &gid)) != MFA_OK)
		return r;
	/* With a group: config and key readable by it, the store writable. */
	if ((r = setup_parent_dir(ctx, config_path, gid, 0750)) != MFA_OK ||
	    (r = setup_parent_dir(ctx, ctx->cfg.key_file, gid, 0750)) != MFA_OK)
		return r;
	if (lstat(ctx->cfg.key_file, &st) < 0) {
		if (errno != ENOENT)
			return ctx_fail(ctx, MFA_ERR_KEY, "cannot use key file %s: %s",
			                ctx->cfg.key_file, strerror(errno));
		if ((r = vault_key_create(ctx->cfg.key_file, gid, ctx->error, sizeof(ctx->error))) != MFA_OK)
			return r;
		*created |= MFA_SETUP_KEY;
	} else if ((r = setup_share(ctx, ctx->cfg.key_file, gid, 0640)) != MFA_OK) {
		return r;
	}
	ctx_key_forget(ctx);
	if ((r = vault_key_load(ctx->cfg.key_file, gid, ctx->key, ctx->error, sizeof(ctx->error))) != MFA_OK)
		return r;
	ctx->key_loaded = true;
	store_close(&ctx->store);
	if ((r = store_setup(&ctx->cfg, gid, created, ctx->error, sizeof(ctx->error))) != MFA_OK ||
	    (r = store_open(&ctx->cfg, false, &ctx->store, ctx->error, sizeof(ctx->error))) != MFA_OK)
		return r;
	return setup_audit_file(ctx, gid, created);
}
