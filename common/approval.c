/*
 * approval.c - approvals of logins with a passkey (docs/approvals.md). A
 * front end that cannot ask for a passkey (ssh, a VPN) makes an approval
 * and shows its link and a number; on the portal the user picks that
 * number among four and signs with the passkey (mfa_approval_decide); the
 * front end then consumes the approval, once. The id is no secret: what
 * approves is the user's passkey, and the number makes sure the user
 * approves the login they started, not one a stranger started for them.
 *
 * States: pending -> approved -> consumed, or pending -> denied. Each move
 * is one conditional update (WHERE state = from) under the row lock, so
 * two racing decisions or consumes change it once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "factor.h"

#define APPROVAL_ALPHABET_LEN (sizeof(MFA_APPROVAL_ALPHABET) - 1)  /* 31 */

/* Text kept in a row: at most max bytes, no control characters (they end
 * up on the approval page and in the audit). NULL is "" when optional. */
static bool field_ok(const char *text, size_t max, bool required)
{
	if (!text)
		return !required;
	if (required && !text[0])
		return false;
	for (size_t i = 0; text[i]; i++)
		if (i >= max || (unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return false;
	return true;
}

static bool id_wellformed(const char *id)
{
	return id && strlen(id) == MFA_APPROVAL_ID_LEN &&
	       strspn(id, MFA_APPROVAL_ALPHABET) == MFA_APPROVAL_ID_LEN;
}

/* A uniform value below n (n <= 256): bytes at or above the largest
 * multiple of n are drawn again, so that no value is likelier. */
static int random_below(unsigned n, unsigned *out)
{
	unsigned char b;
	int r;

	do {
		if ((r = random_bytes(&b, 1)) != MFA_OK)
			return r;
	} while (b >= 256 / n * n);
	*out = b % n;
	return MFA_OK;
}

/* The id, the number and the four choices. The choices are drawn here
 * and stored, not derived from the id at each view: a derivation anyone
 * can repeat would tell the number among them. */
static int approval_draw(struct store_approval *a)
{
	unsigned c[4], right, v;
	int r;

	for (size_t i = 0; i < MFA_APPROVAL_ID_LEN; i++) {
		if ((r = random_below(APPROVAL_ALPHABET_LEN, &v)) != MFA_OK)
			return r;
		a->id[i] = MFA_APPROVAL_ALPHABET[v];
	}
	a->id[MFA_APPROVAL_ID_LEN] = '\0';
	if ((r = random_below(90, &v)) != MFA_OK || (r = random_below(4, &right)) != MFA_OK)
		return r;
	a->number = 10 + v;
	for (unsigned i = 0; i < 4; i++) {
		bool taken;

		if (i == right) {
			c[i] = a->number;
			continue;
		}
		do {
			if ((r = random_below(90, &v)) != MFA_OK)
				return r;
			taken = 10 + v == a->number;
			for (unsigned j = 0; j < i; j++)
				taken = taken || c[j] == 10 + v;
		} while (taken);
		c[i] = 10 + v;
	}
	a->choices = ((c[0] * 100 + c[1]) * 100 + c[2]) * 100 + c[3];
	return MFA_OK;
}

/* One transaction for store_retry: create (put set), or a move of id
 * (decide or consume: the row read locked, checked by check, moved). */
struct approval_tx {
	mfa_ctx *ctx;
	const struct store_approval *put;
	const char *id;
	int64_t now;
	/* A move: check says from the row (a) which state to move to, or
	 * sets why (and maybe result) and moves nothing. */
	void (*check)(struct approval_tx *t);
	const char *user;
	const char *requester;
	unsigned chosen;
	bool assertion_ok;
	struct store_approval a;
	bool found;
	int to;                 /* -1: no move */
	const char *why;        /* a refusal, for the audit */
	int result;             /* the refusal's code */
};

static int approval_tx_run(void *arg)
{
	struct approval_tx *t = arg;
	struct store *s = t->ctx->store;
	bool changed = false;
	int r;

	if (t->put) {
		if ((r = store_begin_user(s, t->put->user)) != MFA_OK ||
		    (r = s->ops->approvals_expire(s, t->now)) != MFA_OK ||
		    (r = s->ops->approval_put(s, t->put)) != MFA_OK ||
		    (r = s->ops->commit(s)) != MFA_OK)
			return tx_abort(t->ctx, r);
		return MFA_OK;
	}
	t->to = -1;
	t->why = NULL;
	t->result = MFA_ERR_CHALLENGE;
	if ((r = s->ops->begin(s, true)) != MFA_OK ||
	    (r = s->ops->approval_get(s, t->id, true, &t->a, &t->found)) != MFA_OK)
		return tx_abort(t->ctx, r);
	if (!t->found)
		t->why = "unknown";
	else
		t->check(t);
	if (t->to >= 0 &&
	    (r = s->ops->approval_update(s, t->id, t->a.state, t->to, t->now, &changed)) != MFA_OK)
		return tx_abort(t->ctx, r);
	if (t->to >= 0 && !changed) {
		t->why = "decided or used meanwhile";
		t->to = -1;
	}
	if ((r = s->ops->commit(s)) != MFA_OK)
		return tx_abort(t->ctx, r);
	return MFA_OK;
}

static void approval_audit(mfa_ctx *ctx, const struct mfa_request *req,
                           const struct approval_tx *t, const char *outcome, const char *detail)
{
	audit_emit(ctx, &(struct audit_event){
	                        .event = "approval", .user = t->found ? t->a.user : req->user,
	                        .source = req->source, .remote = req->remote,
	                        .nas_id = req->nas_id, .outcome = outcome, .detail = detail });
}

/* numbered: the prompt shows a number the page asks for; without, the
 * approval has number 0 and no choices (hold mode: nothing shows one). */
static int approval_make(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                         unsigned ttl, bool numbered, char id[MFA_APPROVAL_ID_LEN + 1],
                         unsigned *number)
{
	struct store_approval a;
	char detail[AUDIT_VALUE_MAX];
	int r;

	memset(&a, 0, sizeof(a));
	if (id)
		id[0] = '\0';
	if (number)
		*number = 0;
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!req || !id || !number)
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: no request or no room for the id");
	if ((r = mfa_user_canonical(ctx, req->user, a.user)) != MFA_OK ||
	    (r = user_name_require(ctx, a.user)) != MFA_OK)
		return r;
	if (!ttl)
		ttl = ctx->cfg.approve_timeout;
	if (ttl < MFA_APPROVAL_TTL_MIN || ttl > MFA_APPROVAL_TTL_MAX)
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: it must live from %u to %u seconds",
		                MFA_APPROVAL_TTL_MIN, MFA_APPROVAL_TTL_MAX);
	if (!field_ok(req->source, MFA_APPROVAL_SERVICE_MAX, true) ||
	    !field_ok(req->remote, MFA_APPROVAL_REMOTE_MAX, false) ||
	    !field_ok(req->nas_id, MFA_APPROVAL_NAS_MAX, false) ||
	    !field_ok(requester, MFA_APPROVAL_REQUESTER_MAX, true))
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: the service (1 to %d bytes), the "
		                "requester (1 to %d), the address (%d at most) and the NAS (%d at "
		                "most) must be printable text", MFA_APPROVAL_SERVICE_MAX,
		                MFA_APPROVAL_REQUESTER_MAX, MFA_APPROVAL_REMOTE_MAX,
		                MFA_APPROVAL_NAS_MAX);
	str_copy(a.service, sizeof(a.service), req->source);
	str_copy(a.remote, sizeof(a.remote), req->remote ? req->remote : "");
	str_copy(a.nas, sizeof(a.nas), req->nas_id ? req->nas_id : "");
	str_copy(a.requester, sizeof(a.requester), requester);
	if ((r = approval_draw(&a)) != MFA_OK)
		return ctx_fail(ctx, r, "no randomness for an approval");
	if (!numbered)
		a.number = a.choices = 0;
	a.created = (int64_t)ctx_now(ctx);
	a.expires = a.created + ttl;
	a.state = STORE_APPROVAL_PENDING;
	if ((r = store_retry(approval_tx_run,
	                     &(struct approval_tx){ .ctx = ctx, .put = &a, .now = a.created })) !=
	    MFA_OK)
		return r;
	if (numbered)
		snprintf(detail, sizeof(detail), "%s, number %u, for %s, expires in %u s", a.id,
		         a.number, a.requester, ttl);
	else
		snprintf(detail, sizeof(detail), "%s, no number, for %s, expires in %u s", a.id,
		         a.requester, ttl);
	audit_emit(ctx, &(struct audit_event){ .event = "approval", .user = a.user,
	                                       .source = req->source, .remote = req->remote,
	                                       .nas_id = req->nas_id, .outcome = "requested",
	                                       .detail = detail });
	memcpy(id, a.id, sizeof(a.id));
	*number = a.number;
	return MFA_OK;
}

int mfa_approval_create(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                        unsigned ttl, char id[MFA_APPROVAL_ID_LEN + 1], unsigned *number)
{
	return approval_make(ctx, req, requester, ttl, true, id, number);
}

int mfa_approval_create_hold(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                             unsigned ttl, char id[MFA_APPROVAL_ID_LEN + 1])
{
	unsigned number;

	return approval_make(ctx, req, requester, ttl, false, id, &number);
}

static void approval_info_fill(mfa_ctx *ctx, const struct store_approval *a,
                               struct mfa_approval_info *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->id, sizeof(out->id), a->id);
	str_copy(out->user, sizeof(out->user), a->user);
	str_copy(out->service, sizeof(out->service), a->service);
	str_copy(out->nas, sizeof(out->nas), a->nas);
	str_copy(out->remote, sizeof(out->remote), a->remote);
	str_copy(out->requester, sizeof(out->requester), a->requester);
	out->created = (time_t)a->created;
	out->expires = (time_t)a->expires;
	out->state = (mfa_approval_state)a->state;
	if ((a->state == STORE_APPROVAL_PENDING || a->state == STORE_APPROVAL_APPROVED) &&
	    a->expires <= (int64_t)ctx_now(ctx))
		out->state = MFA_APPROVAL_EXPIRED;
	/* Without a number (hold) the choices stay 0. */
	if (a->number && !store_approval_choices(a->choices, out->choices))
		memset(out->choices, 0, sizeof(out->choices));
}

int mfa_approval_get(mfa_ctx *ctx, const char *id, struct mfa_approval_info *out)
{
	struct store *s;
	struct store_approval a;
	bool found = false;
	int r;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!out)
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: no room for it");
	if (!id_wellformed(id))
		return ctx_fail(ctx, MFA_ERR_CHALLENGE, "approval unknown: start the login again");
	s = ctx->store;
	if ((r = s->ops->begin(s, false)) != MFA_OK ||
	    (r = s->ops->approval_get(s, id, false, &a, &found)) != MFA_OK)
		return tx_abort(ctx, r);
	s->ops->rollback(s);
	if (!found)
		return ctx_fail(ctx, MFA_ERR_CHALLENGE, "approval unknown: start the login again");
	approval_info_fill(ctx, &a, out);
	return MFA_OK;
}

int mfa_approval_list_open(mfa_ctx *ctx, const char *user, struct mfa_approval_info *out,
                           size_t max, size_t *n)
{
	struct store_approval *list = NULL;
	char canon[MFA_USER_MAX + 1];
	struct store *s;
	size_t count = 0;
	int64_t now;
	int r;

	if (n)
		*n = 0;
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!n || (max && !out))
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval list: no room for it");
	if ((r = mfa_user_canonical(ctx, user, canon)) != MFA_OK)
		return r;
	s = ctx->store;
	if ((r = s->ops->begin(s, false)) != MFA_OK ||
	    (r = s->ops->approvals_get(s, canon, &list, &count)) != MFA_OK)
		return tx_abort(ctx, r);
	s->ops->rollback(s);
	now = (int64_t)ctx_now(ctx);
	for (size_t i = 0; i < count && *n < max; i++) {
		if ((list[i].state != STORE_APPROVAL_PENDING &&
		     list[i].state != STORE_APPROVAL_APPROVED) || list[i].expires <= now)
			continue;
		approval_info_fill(ctx, &list[i], &out[(*n)++]);
	}
	free(list);
	return MFA_OK;
}

static void decide_check(struct approval_tx *t)
{
	if (strcmp(t->a.user, t->user) != 0)
		t->why = "another user's";
	else if (t->a.state != STORE_APPROVAL_PENDING)
		t->why = "already decided";
	else if (t->a.expires <= t->now)
		t->why = "expired";
	else
		t->to = t->chosen == t->a.number && t->assertion_ok ? STORE_APPROVAL_APPROVED
		                                                      : STORE_APPROVAL_DENIED;
}

/* One step's transaction on approval t->id (store_retry), and the refusal
 * it met audited ("expired" or "refused") and answered with refusal. */
static int approval_step(mfa_ctx *ctx, const struct mfa_request *req, struct approval_tx *t,
                         const char *refusal)
{
	char detail[AUDIT_VALUE_MAX];
	int r;

	t->now = (int64_t)ctx_now(ctx);
	if (!id_wellformed(t->id))
		t->why = "malformed";
	else if ((r = store_retry(approval_tx_run, t)) != MFA_OK)
		return r;
	if (!t->why)
		return MFA_OK;
	snprintf(detail, sizeof(detail), "%.*s: %s", MFA_APPROVAL_ID_LEN,
	         id_wellformed(t->id) ? t->id : "-", t->why);
	approval_audit(ctx, req, t, strcmp(t->why, "expired") ? "refused" : "expired", detail);
	return ctx_fail(ctx, MFA_ERR_CHALLENGE, "%s", refusal);
}

int mfa_approval_decide(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                        unsigned chosen_number, bool assertion_ok)
{
	struct approval_tx t = { .ctx = ctx, .id = id, .check = decide_check,
		                 .chosen = chosen_number, .assertion_ok = assertion_ok };
	char user[MFA_USER_MAX + 1], detail[AUDIT_VALUE_MAX];
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!req || (r = mfa_user_canonical(ctx, req->user, user)) != MFA_OK)
		return req ? r : ctx_fail(ctx, MFA_ERR_INVALID, "approval: no request");
	t.user = user;
	if ((r = approval_step(ctx, req, &t, "approval unknown, expired or already decided: "
	                                     "start the login again")) != MFA_OK)
		return r;
	if (t.to == STORE_APPROVAL_DENIED) {
		snprintf(detail, sizeof(detail), "%s: %s", id,
		         !assertion_ok ? "security key refused" : "wrong number");
		approval_audit(ctx, req, &t, "denied", detail);
		return ctx_fail(ctx, MFA_ERR_CHALLENGE, "%s: this login is refused; if you did not "
		                "start it, tell your administrator",
		                !assertion_ok ? "The security key was refused"
		                              : "That is not the number shown at the login");
	}
	snprintf(detail, sizeof(detail), "%s, for %s", id, t.a.requester);
	return audit_must_emit(ctx, &(struct audit_event){
	                                    .event = "approval", .user = t.a.user,
	                                    .source = req->source, .remote = req->remote,
	                                    .nas_id = req->nas_id, .outcome = "approved",
	                                    .detail = detail });
}

static void consume_check(struct approval_tx *t)
{
	if (strcmp(t->a.user, t->user) != 0)
		t->why = "another user's";
	else if (strcmp(t->a.requester, t->requester) != 0)
		t->why = "another requester's";
	else if (t->a.state == STORE_APPROVAL_DENIED)
		t->why = "denied";
	else if (t->a.state == STORE_APPROVAL_CONSUMED)
		t->why = "used";
	else if (t->a.expires <= t->now)
		t->why = "expired";
	else if (t->a.state == STORE_APPROVAL_PENDING)
		t->result = MFA_ERR_PENDING;   /* no why: not a refusal yet */
	else
		t->to = STORE_APPROVAL_CONSUMED;
}

int mfa_approval_consume(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                         const char *requester)
{
	struct approval_tx t = { .ctx = ctx, .id = id, .check = consume_check,
		                 .requester = requester };
	char user[MFA_USER_MAX + 1], detail[AUDIT_VALUE_MAX];
	int r;

	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!req || (r = mfa_user_canonical(ctx, req->user, user)) != MFA_OK)
		return req ? r : ctx_fail(ctx, MFA_ERR_INVALID, "approval: no request");
	if (!field_ok(requester, MFA_APPROVAL_REQUESTER_MAX, true))
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: the requester must be printable "
		                "text of 1 to %d bytes", MFA_APPROVAL_REQUESTER_MAX);
	t.user = user;
	if ((r = approval_step(ctx, req, &t, "This login was not approved in time or was "
	                                     "refused: start again.")) != MFA_OK)
		return r;
	if (t.to != STORE_APPROVAL_CONSUMED)
		return ctx_fail(ctx, t.result, "not approved yet");
	snprintf(detail, sizeof(detail), "%s, by %s", id, requester);
	return audit_must_emit(ctx, &(struct audit_event){
	                                    .event = "approval", .user = t.a.user,
	                                    .source = req->source, .remote = req->remote,
	                                    .nas_id = req->nas_id, .outcome = "consumed",
	                                    .detail = detail });
}

int mfa_approval_prompt(mfa_ctx *ctx, const char *id, unsigned number, const char *then,
                        char *buf, size_t size)
{
	int n;

	if (buf && size)
		buf[0] = '\0';
	if (!buf || !size || !then || !id_wellformed(id))
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval prompt: no room or a malformed id");
	if (!ctx->cfg.web_url[0])
		return ctx_fail(ctx, MFA_ERR_CONFIG, "approvals need web_url in mfa.conf (the "
		                "portal's address the link points to)");
	n = snprintf(buf, size, "Approve this sign-in with your security key: open %s/a/%s "
	             "— number %u — then %s", ctx->cfg.web_url, id, number, then);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval prompt: %d bytes, room for %zu", n,
		                size - 1);
	}
	return MFA_OK;
}

int mfa_approval_pam_requester(const char *host, const char *service, char *buf, size_t size)
{
	char here[256] = "";
	int n;

	if (!buf || !size)
		return MFA_ERR_INVALID;
	buf[0] = '\0';
	if (!service || !service[0])
		return MFA_ERR_INVALID;
	if (!host) {
		if (gethostname(here, sizeof(here) - 1) != 0 || !here[0])
			snprintf(here, sizeof(here), "localhost");
		host = here;
	}
	n = snprintf(buf, size, "pam:%s:%s", host, service);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return MFA_ERR_INVALID;
	}
	return MFA_OK;
}

int mfa_approval_offer(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                       const char *then, char id[MFA_APPROVAL_ID_LEN + 1], char *text,
                       size_t text_size)
{
	struct mfa_user_info info;
	unsigned number = 0;
	int r;

	if (id)
		id[0] = '\0';
	if (text && text_size)
		text[0] = '\0';
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!req || !id || !text || !text_size || !then)
		return ctx_fail(ctx, MFA_ERR_INVALID, "approval: no request or no room for the text");
	/* Nothing to offer: the login goes on as without approvals. */
	if (!ctx->cfg.web_url[0])
		return MFA_ERR_NOT_FOUND;
	r = mfa_user_info_get(ctx, req->user, &info);
	if (r == MFA_ERR_NOT_FOUND || (r == MFA_OK && info.webauthn_credentials == 0)) {
		ctx->error[0] = '\0';
		return MFA_ERR_NOT_FOUND;
	}
	if (r != MFA_OK)
		return r;
	if (info.locked_until > ctx_now(ctx))
		return MFA_ERR_LOCKED;
	/* Every id has its length and every number two digits: a text that
	 * fits now fits then, and no row is made for one that cannot be shown. */
	if ((r = mfa_approval_prompt(ctx, "22222222", 99, then, text, text_size)) != MFA_OK)
		return r;
	if ((r = mfa_approval_create(ctx, req, requester, 0, id, &number)) != MFA_OK)
		return r;
	return mfa_approval_prompt(ctx, id, number, then, text, text_size);
}

const char *mfa_approval_poll_text(int r)
{
	switch (r) {
	case MFA_OK:
		return "Sign-in approved.";
	case MFA_ERR_PENDING:
		return "Not approved yet: approve it on the page, then press Enter.";
	case MFA_ERR_CHALLENGE:
		return "This sign-in was not approved (a wrong number, refused or expired): start "
		       "again.";
	default:
		return NULL;
	}
}
