/*
 * import.c - stores what an import parser read: every token of the file, and
 * its scratch codes, in one transaction, or nothing at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "factor.h"
#include "import.h"
#include "recovery.h"

typedef int import_parse_fn(const char *buf, size_t len, struct import_set *set, char *err,
                            size_t errlen, const void *arg);

static int import_store(mfa_ctx *ctx, const struct import_set *set, const char *scratch_user,
                        time_t now)
{
	const struct store_ops *ops = ctx->store->ops;
	struct store_factor f;
	int r = MFA_OK;

	for (size_t i = 0; i < set->n && r == MFA_OK; i++) {
		const struct import_token *t = &set->tokens[i];

		memset(&f, 0, sizeof(f));
		str_copy(f.user, sizeof(f.user), t->user);
		str_copy(f.label, sizeof(f.label), t->label);
		f.type = t->type;
		f.algorithm = t->algorithm;
		f.digits = t->digits;
		f.period = t->type == MFA_FACTOR_TOTP ? t->period : 30;
		f.counter = t->counter;
		/* The step the old tool accepted last, so that it is not accepted again. */
		f.last_step = t->type == MFA_FACTOR_TOTP ? t->last_step : -1;
		f.burnt_step = -1;
		f.active = true;
		f.created = now;
		if ((r = factor_secret_unique(ctx, t->user, t->secret, t->secret_len)) != MFA_OK ||
		    (r = factor_id_new(f.id)) != MFA_OK ||
		    (r = factor_seal(ctx, &f, t->secret, t->secret_len)) != MFA_OK ||
		    (r = ops->factor_insert(ctx->store, &f)) != MFA_OK)
			break;
	}
	OPENSSL_cleanse(&f, sizeof(f));
	if (r != MFA_OK || set->nscratch == 0)
		return r;
	{
		struct store_recovery *rec = calloc(set->nscratch, sizeof(*rec));
		unsigned char salt[STORE_SALT_LEN];

		if (!rec)
			return MFA_ERR_NOMEM;
		/* One salt for all: a typed code then costs one PBKDF2, not one
		 * per scratch code. Salts per code would not save 8 digits from
		 * an offline search anyway; one per user still rules out a table
		 * for every user. */
		r = random_bytes(salt, sizeof(salt));
		for (size_t i = 0; i < set->nscratch && r == MFA_OK; i++)
			r = recovery_seal(set->scratch[i], salt, &rec[i]);
		if (r == MFA_OK)
			r = ops->recovery_replace(ctx->store, scratch_user, rec, set->nscratch);
		free(rec);
	}
	return r;
}

/* factor_secret_unique() would name the first token's factor, which the
 * refusal rolls back: a secret repeated for one user is found here instead. */
static int import_set_twice(mfa_ctx *ctx, const struct import_set *set, const char *path)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct import_token *a = &set->tokens[i];

		for (size_t j = i + 1; j < set->n; j++) {
			const struct import_token *b = &set->tokens[j];

			if (a->secret_len == b->secret_len && strcmp(a->user, b->user) == 0 &&
			    CRYPTO_memcmp(a->secret, b->secret, a->secret_len) == 0)
				return ctx_fail(ctx, MFA_ERR_IMPORT,
				                "%s: the file holds this secret twice (keys %s and %s, "
				                "its tokens %zu and %zu for user %s): two factors with one "
				                "secret would let a code be used twice; keep one of them",
				                path, a->label, b->label, i + 1, j + 1, a->user);
		}
	}
	return MFA_OK;
}

/* A write transaction with every user the set changes locked. */
static int import_begin(mfa_ctx *ctx, const struct import_set *set, const char *scratch_user)
{
	const char **users = calloc(set->n + 1, sizeof(*users));
	size_t n = 0;
	int r;

	if (!users)
		return MFA_ERR_NOMEM;
	for (size_t i = 0; i < set->n; i++)
		users[n++] = set->tokens[i].user;
	if (set->nscratch && scratch_user)
		users[n++] = scratch_user;
	r = store_begin_users(ctx->store, users, n);
	free(users);
	return r;
}

static int import_file(mfa_ctx *ctx, const char *kind, const char *path, const char *scratch_user,
                       const char *source, import_parse_fn *parse, const void *arg,
                       struct mfa_import_report *out)
{
	struct import_set set = { 0 };
	char *buf = NULL;
	size_t len = 0;
	char msg[400];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	r = file_read_safely(path, IMPORT_MAX_BYTES, FILE_DATA, NO_GROUP, &buf, &len, msg, sizeof(msg));
	if (r != MFA_OK) {
		r = ctx_fail(ctx, r == MFA_ERR_NOMEM ? r : MFA_ERR_IMPORT, "%s", msg);
		goto out;
	}
	if ((r = parse(buf, len, &set, msg, sizeof(msg), arg)) != MFA_OK) {
		ctx_fail(ctx, r, "%s: %s", path, msg);
		goto out;
	}
	if (set.n == 0 && set.nscratch == 0) {
		r = ctx_fail(ctx, MFA_ERR_IMPORT, "%s: no token to import", path);
		goto out;
	}
	if ((r = import_set_twice(ctx, &set, path)) != MFA_OK)
		goto out;
	if ((r = import_begin(ctx, &set, scratch_user)) != MFA_OK ||
	    (r = import_store(ctx, &set, scratch_user, ctx_now(ctx))) != MFA_OK ||
	    (r = ctx->store->ops->commit(ctx->store)) != MFA_OK) {
		tx_abort(ctx, r);
		goto out;
	}
	out->factors = (unsigned)set.n;
	out->recovery_codes = (unsigned)set.nscratch;
	out->skipped = (unsigned)set.skipped;
	str_copy(out->notes, sizeof(out->notes), set.notes);
	for (size_t i = 0; i < set.n; i++) {
		char detail[96];

		snprintf(detail, sizeof(detail), "%s %s from %s", mfa_factor_type_name(set.tokens[i].type),
		         set.tokens[i].label, kind);
		audit_emit(ctx, &(struct audit_event){ .event = "import", .user = set.tokens[i].user,
		                                       .source = source, .outcome = "ok",
		                                       .detail = detail });
	}
out:
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	import_set_free(&set);
	return r;
}

static int parse_ga(const char *buf, size_t len, struct import_set *set, char *err, size_t errlen,
                    const void *arg)
{
	return import_ga_parse(buf, len, arg, set, err, errlen);
}

static int parse_oath(const char *buf, size_t len, struct import_set *set, char *err,
                      size_t errlen, const void *arg)
{
	(void)arg;
	return import_oath_parse(buf, len, set, err, errlen);
}

static int parse_pskc(const char *buf, size_t len, struct import_set *set, char *err,
                      size_t errlen, const void *arg)
{
	return import_pskc_parse(buf, len, arg, set, err, errlen);
}

int mfa_import_google_authenticator(mfa_ctx *ctx, const char *path, const char *user,
                                    const char *source, struct mfa_import_report *out)
{
	if (!user_name_valid(user)) {
		memset(out, 0, sizeof(*out));
		return ctx_fail(ctx, MFA_ERR_INVALID, "give the owner of the file with --user USER");
	}
	return import_file(ctx, "google-authenticator", path, user, source, parse_ga, user, out);
}

int mfa_import_oath_usersfile(mfa_ctx *ctx, const char *path, const char *source,
                              struct mfa_import_report *out)
{
	return import_file(ctx, "pam_oath usersfile", path, NULL, source, parse_oath, NULL, out);
}

int mfa_import_pskc(mfa_ctx *ctx, const char *path, const struct mfa_pskc_options *opts,
                    const char *source, struct mfa_import_report *out)
{
	static const struct mfa_pskc_options none;
	struct import_pskc_opts parse = { 0 };
	unsigned char key[32];
	char *key_text = NULL, *password = NULL;
	size_t key_text_len = 0, password_size = 0, password_len;
	char msg[400];
	int r;

	memset(out, 0, sizeof(*out));
	if (!opts)
		opts = &none;
	if (opts->user && !user_name_valid(opts->user))
		return ctx_fail(ctx, MFA_ERR_INVALID, "invalid user name given with --user");
	if (opts->flags & ~MFA_IMPORT_FORCE)
		return ctx_fail(ctx, MFA_ERR_INVALID, "unknown import flags");
	if (opts->key_file && opts->password_file)
		return ctx_fail(ctx, MFA_ERR_INVALID,
		                "give --key-file or --password-file, not both: a file is encrypted "
		                "with one of them");
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	parse.user = opts->user;
	parse.serial = opts->serial;
	parse.force = opts->flags & MFA_IMPORT_FORCE;
	parse.now = ctx_now(ctx);
	/* Key and password files hold secrets: the key file's rules (0600). */
	if (opts->key_file) {
		r = file_read_safely(opts->key_file, 4096, true, NO_GROUP, &key_text, &key_text_len,
		                     msg, sizeof(msg));
		if (r == MFA_OK)
			r = import_pskc_key_parse(key_text, key_text_len, key, &parse.key_len, msg,
			                          sizeof(msg));
		if (r != MFA_OK) {
			r = ctx_fail(ctx, r == MFA_ERR_NOMEM ? r : MFA_ERR_IMPORT, "--key-file: %s", msg);
			goto out;
		}
		parse.key = key;
	}
	if (opts->password_file) {
		r = file_read_safely(opts->password_file, 4096, true, NO_GROUP, &password,
		                     &password_size, msg, sizeof(msg));
		if (r != MFA_OK) {
			r = ctx_fail(ctx, r == MFA_ERR_NOMEM ? r : MFA_ERR_IMPORT, "--password-file: %s",
			             msg);
			goto out;
		}
		/* The newline an editor or echo adds is not part of it. */
		password_len = password_size;
		if (password_len > 0 && password[password_len - 1] == '\n')
			password[--password_len] = '\0';
		if (password_len > 0 && password[password_len - 1] == '\r')
			password[--password_len] = '\0';
		if (password_len == 0 || memchr(password, '\0', password_len)) {
			r = ctx_fail(ctx, MFA_ERR_IMPORT,
			             "--password-file: %s holds no password (or a NUL byte)",
			             opts->password_file);
			goto out;
		}
		parse.password = password;
		parse.password_len = password_len;
	}
	r = import_file(ctx, "PSKC", path, NULL, source, parse_pskc, &parse, out);
out:
	OPENSSL_cleanse(key, sizeof(key));
	if (key_text) {
		OPENSSL_cleanse(key_text, key_text_len);
		free(key_text);
	}
	if (password) {
		OPENSSL_cleanse(password, password_size);
		free(password);
	}
	return r;
}
