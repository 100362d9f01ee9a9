/*
 * challenge.c - pending RADIUS challenges. They live in the store, not in a
 * server's memory: a challenge issued by one server can be answered at
 * another sharing the store, and a restart loses none.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "factor.h"

#define CHALLENGE_TTL_MAX 3600
/* Expired challenges are swept at most this often per context: the sweep
 * reads every pending one, and a busy RADIUS server has thousands. */
#define CHALLENGE_SWEEP_EVERY 60

struct challenge_tx {
	mfa_ctx *ctx;
	const struct store_challenge *put;   /* or take: */
	const char *id, *user;
	struct store_challenge *taken;
	bool *found;
	time_t now;
	bool sweep;
};

/* A run for store_retry: the user locked, so that a delete of the user
 * cannot miss a challenge put for them. */
static int challenge_tx_run(void *arg)
{
	struct challenge_tx *t = arg;
	struct store *s = t->ctx->store;
	int r;

	if ((r = store_begin_user(s, t->put ? t->put->user : t->user)) != MFA_OK ||
	    (t->sweep && (r = s->ops->challenges_expire(s, t->now)) != MFA_OK) ||
	    (t->put && (r = s->ops->challenge_put(s, t->put)) != MFA_OK) ||
	    (!t->put && (r = s->ops->challenge_take(s, t->id, t->taken, t->found)) != MFA_OK) ||
	    (r = s->ops->commit(s)) != MFA_OK)
		return tx_abort(t->ctx, r);
	return MFA_OK;
}

int challenge_store(mfa_ctx *ctx, const struct store_challenge *c)
{
	time_t now = ctx_now(ctx);
	bool sweep = now - ctx->challenges_swept >= CHALLENGE_SWEEP_EVERY ||
	             now < ctx->challenges_swept;
	int r;

	r = store_retry(challenge_tx_run,
	                &(struct challenge_tx){ .ctx = ctx, .put = c, .now = now, .sweep = sweep });
	if (r != MFA_OK)
		return r;
	if (sweep)
		ctx->challenges_swept = now;
	return MFA_OK;
}

static bool nas_valid(const char *nas)
{
	return nas && strlen(nas) <= STORE_NAS_MAX && (nas[0] == '\0' || label_valid(nas));
}

int mfa_challenge_create(mfa_ctx *ctx, const char *user_in, const char *nas, unsigned ttl,
                         char id[MFA_CHALLENGE_ID_LEN + 1])
{
	char user[MFA_USER_MAX + 1];
	static const char hex[] = "0123456789abcdef";
	struct store_challenge c = { 0 };
	unsigned char raw[MFA_CHALLENGE_ID_LEN / 2];
	int r;

	id[0] = '\0';
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (mfa_user_canonical(ctx, user_in, user) != MFA_OK || !nas_valid(nas) || ttl == 0 ||
	    ttl > CHALLENGE_TTL_MAX)
		return ctx_fail(ctx, MFA_ERR_INVALID, "invalid challenge (user, NAS or lifetime)");
	/* 128 random bits: the State attribute is all a forger could aim at. */
	if ((r = random_bytes(raw, sizeof(raw))) != MFA_OK)
		return ctx_fail(ctx, r, "no randomness for a challenge");
	for (size_t i = 0; i < sizeof(raw); i++) {
		c.id[2 * i] = hex[raw[i] >> 4];
		c.id[2 * i + 1] = hex[raw[i] & 15];
	}
	str_copy(c.user, sizeof(c.user), user);
	str_copy(c.nas, sizeof(c.nas), nas);
	c.expires = ctx_now(ctx) + ttl;
	if ((r = challenge_store(ctx, &c)) != MFA_OK)
		return r;
	memcpy(id, c.id, MFA_CHALLENGE_ID_LEN + 1);
	return MFA_OK;
}

bool challenge_id_wellformed(const char *id)
{
	return id && strlen(id) == MFA_CHALLENGE_ID_LEN &&
	       strspn(id, "0123456789abcdef") == MFA_CHALLENGE_ID_LEN;
}

const char *challenge_refusal(const struct store_challenge *c, bool found, const char *user,
                              const char *nas, time_t now)
{
	if (!found)
		return "unknown or already used";
	if (c->expires <= now)
		return "expired";
	if (strcmp(c->user, user) != 0)
		return "issued to another user";
	if (strcmp(c->nas, nas) != 0)
		return "issued through another NAS";
	return NULL;
}

int mfa_challenge_take(mfa_ctx *ctx, const struct mfa_request *req_in, const char *id,
                       const char *nas)
{
	struct mfa_request creq = *req_in;
	const struct mfa_request *req = &creq;
	char user[MFA_USER_MAX + 1];
	struct store_challenge c;
	const char *why = NULL;
	bool found;
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (mfa_user_canonical(ctx, req_in->user, user) != MFA_OK || !nas_valid(nas))
		return ctx_fail(ctx, MFA_ERR_INVALID, "invalid user or NAS");
	creq.user = user;
	if (!challenge_id_wellformed(id)) {
		why = "malformed";
	} else {
		r = store_retry(challenge_tx_run,
		                &(struct challenge_tx){ .ctx = ctx, .id = id, .user = req->user,
		                                        .taken = &c, .found = &found });
		if (r != MFA_OK)
			return r;
		why = challenge_refusal(&c, found, req->user, nas, ctx_now(ctx));
	}
	if (!why)
		return MFA_OK;
	mfa_audit(ctx, req, "challenge", "rejected", why);
	return ctx_fail(ctx, MFA_ERR_CHALLENGE, "challenge %s", why);
}
