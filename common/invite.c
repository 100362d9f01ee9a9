/*
 * invite.c - invite links: support staff (mfactl invite, the portal) give a
 * user a one-time link with which to enroll a first factor. The store
 * keeps the SHA-256 of the link's token, never the token: whoever reads
 * the store (or a backup of it) cannot redeem an invite. The token rides
 * in the link's fragment (web_url/invite#TOKEN), which browsers never send
 * to a server, so it stays out of access logs and Referer headers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit.h"
#include "factor.h"

#define INVITE_PATH "/invite#"
#define INVITE_RAW_LEN 32   /* 256 bits */

/* One sentence for every refusal: which of unknown, used or expired it was
 * would tell a guesser nothing useful but is not the holder's business. */
#define INVITE_REFUSED "invite link unknown, used or expired: ask for a new one"

static bool token_wellformed(const char *token)
{
	return token && strlen(token) == MFA_INVITE_TOKEN_LEN &&
	       strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	               MFA_INVITE_TOKEN_LEN;
}

/* The hash of the token as typed: a character changed in the bits base64
 * leaves unused would decode to the same bytes, but is another text. */
static int token_hash(const char *token, unsigned char hash[STORE_HASH_LEN])
{
	unsigned int len = 0;

	if (EVP_Digest(token, strlen(token), hash, &len, EVP_sha256(), NULL) != 1 ||
	    len != STORE_HASH_LEN)
		return MFA_ERR_SYSTEM;
	return MFA_OK;
}

static void time_text(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", (long long)t);
}

struct invite_tx {
	mfa_ctx *ctx;
	const struct store_invite *put;      /* or take: */
	const unsigned char *hash;
	struct store_invite *taken;
	bool *found;
	int64_t now;
};

/* A run for store_retry. A put locks its user (a delete of the user must
 * not miss it); a take by hash cannot, and needs not (store.h). Expired
 * invites are swept by both: each is one indexed delete. */
static int invite_tx_run(void *arg)
{
	struct invite_tx *t = arg;
	struct store *s = t->ctx->store;
	int r;

	if ((r = t->put ? store_begin_user(s, t->put->user) : s->ops->begin(s, true)) != MFA_OK ||
	    (!t->put && (r = s->ops->invite_take(s, t->hash, t->taken, t->found)) != MFA_OK) ||
	    (r = s->ops->invites_expire(s, t->now)) != MFA_OK ||
	    (t->put && (r = s->ops->invite_put(s, t->put)) != MFA_OK) ||
	    (r = s->ops->commit(s)) != MFA_OK)
		return tx_abort(t->ctx, r);
	return MFA_OK;
}

unsigned mfa_invite_lifetime(const mfa_ctx *ctx, unsigned expires_seconds)
{
	return expires_seconds ? expires_seconds : ctx->cfg.invite_expires;
}

int mfa_invite_create(mfa_ctx *ctx, const char *user_in, unsigned expires_seconds,
                      const char *actor, char *url, size_t url_size)
{
	struct store_invite inv;
	unsigned char raw[INVITE_RAW_LEN];
	char token[(INVITE_RAW_LEN + 2) / 3 * 4 + 1], when[32], detail[AUDIT_VALUE_MAX];
	unsigned ttl = mfa_invite_lifetime(ctx, expires_seconds);
	int r;

	memset(&inv, 0, sizeof(inv));
	if (url && url_size)
		url[0] = '\0';
	if ((r = ctx_require_open(ctx)) != MFA_OK ||
	    (r = mfa_user_canonical(ctx, user_in, inv.user)) != MFA_OK ||
	    (r = user_name_require(ctx, inv.user)) != MFA_OK)
		return r;
	if (!user_name_valid(actor))
		return ctx_fail(ctx, MFA_ERR_INVALID, "invite: the actor (who asks for the invite) must "
		                "be a name of 1 to %d bytes without spaces", MFA_USER_MAX);
	if (!ctx->cfg.web_url[0])
		return ctx_fail(ctx, MFA_ERR_CONFIG, "%s: web_url is not set: set it to the portal's "
		                "address (web_url = https://mfa.example.com) to make invite links",
		                ctx->config_path);
	if (ttl < MFA_INVITE_EXPIRES_MIN || ttl > MFA_INVITE_EXPIRES_MAX)
		return ctx_fail(ctx, MFA_ERR_INVALID, "invite: a link must live from %u seconds to %u "
		                "days", MFA_INVITE_EXPIRES_MIN, MFA_INVITE_EXPIRES_MAX / 86400);
	if (!url || url_size < strlen(ctx->cfg.web_url) + strlen(INVITE_PATH) +
	                                   MFA_INVITE_TOKEN_LEN + 1)
		return ctx_fail(ctx, MFA_ERR_INVALID, "invite: no room for the link");
	if ((r = random_bytes(raw, sizeof(raw))) != MFA_OK) {
		r = ctx_fail(ctx, r, "no randomness for an invite");
		goto out;
	}
	b64url_encode(raw, sizeof(raw), token);
	if ((r = token_hash(token, inv.hash)) != MFA_OK) {
		r = ctx_fail(ctx, r, "invite: cannot hash the token");
		goto out;
	}
	str_copy(inv.created_by, sizeof(inv.created_by), actor);
	inv.created = (int64_t)ctx_now(ctx);
	inv.expires = inv.created + ttl;
	if ((r = store_retry(invite_tx_run,
	                     &(struct invite_tx){ .ctx = ctx, .put = &inv, .now = inv.created })) !=
	    MFA_OK)
		goto out;
	snprintf(url, url_size, "%s%s%s", ctx->cfg.web_url, INVITE_PATH, token);
	time_text(inv.expires, when);
	snprintf(detail, sizeof(detail), "by %s, expires %s", actor, when);
	audit_emit(ctx, &(struct audit_event){ .event = "invite", .user = inv.user,
	                                       .outcome = "created", .detail = detail });
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(token, sizeof(token));
	return r;
}

int mfa_invite_redeem(mfa_ctx *ctx, const char *token, char *user, size_t user_size)
{
	struct store_invite inv;
	unsigned char hash[STORE_HASH_LEN];
	char detail[AUDIT_VALUE_MAX];
	const char *why = NULL;
	int64_t now;
	bool found = false;
	int r;

	memset(&inv, 0, sizeof(inv));
	if (user && user_size)
		user[0] = '\0';
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!user || user_size < MFA_USER_MAX + 1)
		return ctx_fail(ctx, MFA_ERR_INVALID, "invite: no room for the user name");
	now = (int64_t)ctx_now(ctx);
	if (!token_wellformed(token)) {
		why = "malformed";
	} else {
		if ((r = token_hash(token, hash)) != MFA_OK)
			return ctx_fail(ctx, r, "invite: cannot hash the token");
		r = store_retry(invite_tx_run, &(struct invite_tx){ .ctx = ctx, .hash = hash,
		                                                    .taken = &inv, .found = &found,
		                                                    .now = now });
		if (r != MFA_OK)
			return r;
		/* The store found it by hash; the row must say so too. */
		if (!found || CRYPTO_memcmp(inv.hash, hash, sizeof(hash)) != 0)
			why = "unknown or used";
		else if (inv.expires <= now)
			why = "expired";
	}
	if (why) {
		snprintf(detail, sizeof(detail), "%s%s%s", why, found ? ", created by " : "",
		         found ? inv.created_by : "");
		audit_emit(ctx, &(struct audit_event){ .event = "invite",
		                                       .user = found ? inv.user : NULL,
		                                       .outcome = "refused", .detail = detail });
		return ctx_fail(ctx, MFA_ERR_INVITE, INVITE_REFUSED);
	}
	snprintf(detail, sizeof(detail), "created by %s", inv.created_by);
	if ((r = audit_must_emit(ctx, &(struct audit_event){ .event = "invite", .user = inv.user,
	                                                     .outcome = "redeemed",
	                                                     .detail = detail })) != MFA_OK)
		return r;
	str_copy(user, user_size, inv.user);
	return MFA_OK;
}
