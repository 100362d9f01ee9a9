/*
 * rlm_mfa.c - the FreeRADIUS 3.2 front end. It turns a RADIUS request into
 * one core call and the verdict into RLM_MODULE_* and a Reply-Message.
 *
 * Modes, one per instance:
 *   otp        User-Password is the code (or a recovery code).
 *   append     User-Password is password then code: authorize splits the
 *              code off and leaves the password for pap/ldap/pam; the code
 *              is checked when this module runs after them in authenticate.
 *   challenge  after the first factor, Access-Challenge with State; the
 *              next request with that State carries the code. With
 *              approve = yes, a user with a security key is offered an
 *              approval on the portal too (docs/approvals.md): its id
 *              rides in the State, and an answer without a code takes it.
 *   hold       after the first factor, the request waits for an approval
 *              given on the portal (hold.c).
 */
#include <freeradius-devel/radiusd.h>
#include <freeradius-devel/modules.h>

#include <pthread.h>

#include "hold.h"
#include "mfa.h"

#define RLM_MFA_EXPORT __attribute__((visibility("default")))
#define STATE_PREFIX "mfa:"
#define STATE_LEN (sizeof(STATE_PREFIX) - 1 + MFA_CHALLENGE_ID_LEN)
#define STATE_APPROVAL_LEN (STATE_LEN + MFA_APPROVAL_ID_LEN)
#define REPLY_MESSAGE_MAX 253            /* one attribute: VPN clients show one */
#define APPROVE_THEN "answer with an empty reply (or type a code)."
#define APPROVE_THEN_KEY_ONLY "answer with an empty reply."
#define TYPED_MAX 253

typedef enum { MODE_OTP, MODE_APPEND, MODE_CHALLENGE, MODE_HOLD } rlm_mfa_mode_t;

/* An idle core context; the pool gives each request thread its own. */
typedef struct ctx_slot {
	mfa_ctx *ctx;
	struct ctx_slot *next;
} ctx_slot_t;

typedef struct rlm_mfa_t {
	char const *name;
	char const *config_file;
	char const *mode_name;
	rlm_mfa_mode_t mode;
	char const *challenge_message;
	uint32_t challenge_timeout;
	char const *no_factor_name;
	bool no_factor_accept;
	bool set_auth_type;
	bool approve;
	int auth_type;
	pthread_mutex_t pool_mutex;
	ctx_slot_t *pool;
	uint32_t hold_timeout;
	uint32_t hold_max;
	rlm_mfa_hold_t *hold;
} rlm_mfa_t;

static const CONF_PARSER module_config[] = {
	{ "config", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mfa_t, config_file), "/etc/mfa/mfa.conf" },
	{ "mode", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mfa_t, mode_name), "otp" },
	{ "challenge_message", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mfa_t, challenge_message),
	  "Enter the code from your authenticator app" },
	{ "challenge_timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, rlm_mfa_t, challenge_timeout), "120" },
	{ "no_factor", FR_CONF_OFFSET(PW_TYPE_STRING, rlm_mfa_t, no_factor_name), "reject" },
	{ "set_auth_type", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, rlm_mfa_t, set_auth_type), "yes" },
	{ "approve", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, rlm_mfa_t, approve), "no" },
	{ "hold_timeout", FR_CONF_OFFSET(PW_TYPE_INTEGER, rlm_mfa_t, hold_timeout), "25" },
	{ "hold_max", FR_CONF_OFFSET(PW_TYPE_INTEGER, rlm_mfa_t, hold_max), "4" },
	CONF_PARSER_TERMINATOR
};

/* What one request is about, gathered once. */
typedef struct {
	struct mfa_request req;
	char source[80];
	char remote[INET6_ADDRSTRLEN];
	char nas[INET6_ADDRSTRLEN];      /* the RADIUS client, for challenges */
	char nas_id[128];
	char station[128];
} rlm_mfa_call_t;

static void log_to_radius(void *arg, mfa_log_level level, char const *message)
{
	REQUEST *request = arg;

	/* An error (a lost audit event) belongs in radius.log, not only in
	 * the -X debug output that RERROR and RWDEBUG reach. */
	if (level == MFA_LOG_ERROR) {
		ERROR("rlm_mfa: %s", message);
	} else if (level <= MFA_LOG_WARNING) {
		RWDEBUG("%s", message);
	} else {
		RDEBUG2("%s", message);
	}
}

/* At start-up there is no request: radius.log only. */
static void log_at_start(void *arg, mfa_log_level level, char const *message)
{
	(void)arg;
	if (level == MFA_LOG_ERROR) {
		ERROR("rlm_mfa: %s", message);
	} else if (level == MFA_LOG_WARNING) {
		WARN("rlm_mfa: %s", message);
	} else {
		DEBUG2("rlm_mfa: %s", message);
	}
}

static mfa_ctx *pool_get(rlm_mfa_t *inst, REQUEST *request)
{
	ctx_slot_t *slot;
	mfa_ctx *ctx = NULL;
	int r;

	pthread_mutex_lock(&inst->pool_mutex);
	slot = inst->pool;
	if (slot)
		inst->pool = slot->next;
	pthread_mutex_unlock(&inst->pool_mutex);
	if (slot) {
		ctx = slot->ctx;
		free(slot);
	} else {
		if (mfa_ctx_new(&ctx) != MFA_OK)
			return NULL;
		/* Before the open: it checks the audit file and says so. */
		mfa_ctx_set_log_handler(ctx, log_to_radius, request);
		if ((r = mfa_config_load(ctx, inst->config_file)) != MFA_OK ||
		    (r = mfa_open(ctx)) != MFA_OK) {
			RERROR("mfa: %s", mfa_ctx_error(ctx)[0] ? mfa_ctx_error(ctx) : mfa_strerror(r));
			mfa_ctx_free(&ctx);
			return NULL;
		}
	}
	mfa_ctx_set_log_handler(ctx, log_to_radius, request);
	return ctx;
}

/* A context whose store or key failed is dropped: the next one reopens. */
static void pool_put(rlm_mfa_t *inst, mfa_ctx *ctx, int last_result)
{
	ctx_slot_t *slot;

	if (!ctx)
		return;
	mfa_ctx_set_log_handler(ctx, NULL, NULL);
	if ((last_result != MFA_OK && !mfa_err_is_verdict(last_result) &&
	     last_result != MFA_ERR_INVALID) || !(slot = malloc(sizeof(*slot)))) {
		mfa_ctx_free(&ctx);
		return;
	}
	slot->ctx = ctx;
	pthread_mutex_lock(&inst->pool_mutex);
	slot->next = inst->pool;
	inst->pool = slot;
	pthread_mutex_unlock(&inst->pool_mutex);
}

static void copy_string_attr(REQUEST *request, unsigned int attr, char *buf, size_t len)
{
	VALUE_PAIR *vp = fr_pair_find_by_num(request->packet->vps, attr, 0, TAG_ANY);

	buf[0] = '\0';
	if (vp && vp->da->type == PW_TYPE_STRING)
		strlcpy(buf, vp->vp_strvalue, len);
}

static bool call_init(rlm_mfa_t *inst, REQUEST *request, rlm_mfa_call_t *call)
{
	VALUE_PAIR *nas_ip = fr_pair_find_by_num(request->packet->vps, PW_NAS_IP_ADDRESS, 0, TAG_ANY);

	memset(call, 0, sizeof(*call));
	if (!request->username || request->username->vp_length == 0 ||
	    strlen(request->username->vp_strvalue) != request->username->vp_length)
		return false;
	snprintf(call->source, sizeof(call->source), "radius:%s",
	         request->client && request->client->shortname ? request->client->shortname : inst->name);
	ip_ntoh(&request->packet->src_ipaddr, call->nas, sizeof(call->nas));
	if (nas_ip)
		inet_ntop(AF_INET, &nas_ip->vp_ipaddr, call->remote, sizeof(call->remote));
	else
		strlcpy(call->remote, call->nas, sizeof(call->remote));
	copy_string_attr(request, PW_NAS_IDENTIFIER, call->nas_id, sizeof(call->nas_id));
	copy_string_attr(request, PW_CALLING_STATION_ID, call->station, sizeof(call->station));
	call->req.user = request->username->vp_strvalue;
	call->req.source = call->source;
	call->req.remote = call->remote;
	call->req.nas_id = call->nas_id[0] ? call->nas_id : NULL;
	call->req.station = call->station[0] ? call->station : NULL;
	return true;
}

static void reply_message(REQUEST *request, char const *text)
{
	pair_make_reply("Reply-Message", text, T_OP_ADD);
}

/* The core's words for "could not decide", the same from every front end. */
static void reply_unavailable(REQUEST *request)
{
	struct mfa_verdict v = { .result = MFA_ERR_STORE };
	char msg[256];

	mfa_verdict_message(&v, msg, sizeof(msg));
	reply_message(request, msg);
}

/* Our State attribute: "mfa:", the challenge id and, when an approval was
 * offered with the challenge, the approval's id. The core checks both. */
typedef struct {
	char challenge[MFA_CHALLENGE_ID_LEN + 1];
	char approval[MFA_APPROVAL_ID_LEN + 1];  /* "" when none */
} rlm_mfa_state_t;

static bool state_parse(REQUEST *request, rlm_mfa_state_t *st)
{
	VALUE_PAIR *vp = fr_pair_find_by_num(request->packet->vps, PW_STATE, 0, TAG_ANY);

	memset(st, 0, sizeof(*st));
	if (!vp || (vp->vp_length != STATE_LEN && vp->vp_length != STATE_APPROVAL_LEN) ||
	    memcmp(vp->vp_octets, STATE_PREFIX, sizeof(STATE_PREFIX) - 1) != 0)
		return false;
	memcpy(st->challenge, vp->vp_octets + sizeof(STATE_PREFIX) - 1, MFA_CHALLENGE_ID_LEN);
	if (vp->vp_length == STATE_APPROVAL_LEN)
		memcpy(st->approval, vp->vp_octets + STATE_LEN, MFA_APPROVAL_ID_LEN);
	return true;
}

/* Access-Challenge: our State and what to do. */
static void reply_challenge(REQUEST *request, rlm_mfa_state_t const *st, char const *message)
{
	char state[STATE_APPROVAL_LEN + 1];
	int n = snprintf(state, sizeof(state), STATE_PREFIX "%s%s", st->challenge, st->approval);
	VALUE_PAIR *vp = radius_pair_create(request->reply, &request->reply->vps, PW_STATE, 0);

	fr_pair_value_memcpy(vp, (uint8_t const *)state, (size_t)n);
	reply_message(request, message);
	request->reply->code = PW_CODE_ACCESS_CHALLENGE;
}

/* The password as typed, if it is clean text of a sane length. */
static char const *typed_password(REQUEST *request)
{
	VALUE_PAIR *vp = request->password;

	if (!vp || vp->da->attr != PW_USER_PASSWORD || vp->vp_length == 0 ||
	    vp->vp_length > TYPED_MAX || strlen(vp->vp_strvalue) != vp->vp_length)
		return NULL;
	return vp->vp_strvalue;
}

static void set_auth_type(rlm_mfa_t *inst, REQUEST *request, bool force)
{
	VALUE_PAIR *vp = fr_pair_find_by_num(request->config, PW_AUTH_TYPE, 0, TAG_ANY);

	if (!inst->auth_type || (vp && !force))
		return;
	if (!vp)
		vp = radius_pair_create(request, &request->config, PW_AUTH_TYPE, 0);
	vp->vp_integer = inst->auth_type;
}

/* What this instance lets the core decide: in otp mode nothing checked a
 * password before us, so every user gets the same replies. */
static struct mfa_login_policy instance_policy(rlm_mfa_t const *inst)
{
	return (struct mfa_login_policy){
		.password_verified = inst->mode != MODE_OTP,
		.no_factor = inst->no_factor_accept ? MFA_NO_FACTOR_ACCEPT : MFA_NO_FACTOR_REFUSE,
	};
}

/* The core's answer to a login: the return code and a Reply-Message. */
static rlm_rcode_t login_answer(rlm_mfa_t *inst, REQUEST *request, mfa_ctx *ctx,
                                rlm_mfa_call_t *call, struct mfa_login_result *res)
{
	struct mfa_login_policy policy = instance_policy(inst);

	if (res->result != MFA_OK && !mfa_err_is_verdict(res->result) &&
	    res->result != MFA_ERR_INVALID)
		RERROR("mfa: %s", mfa_ctx_error(ctx));
	if (res->action == MFA_LOGIN_ASK)
		return RLM_MODULE_NOOP;
	if (res->message[0])
		reply_message(request, res->message);
	if (res->action == MFA_LOGIN_ACCEPT)
		return RLM_MODULE_OK;
	if (res->result != MFA_OK && !mfa_err_is_verdict(res->result) &&
	    res->result != MFA_ERR_INVALID)
		return RLM_MODULE_FAIL;
	REDEBUG("mfa: %s: %s", call->req.user, mfa_strerror(res->result));
	return res->result == MFA_ERR_LOCKED && policy.password_verified ? RLM_MODULE_USERLOCK
	                                                                   : RLM_MODULE_REJECT;
}

/* One core call; its answer becomes the return code and a Reply-Message. */
static rlm_rcode_t login(rlm_mfa_t *inst, REQUEST *request, mfa_ctx *ctx, rlm_mfa_call_t *call,
                         char const *code, struct mfa_login_result *res)
{
	struct mfa_login_policy policy = instance_policy(inst);

	call->req.code = code;
	mfa_login(ctx, &call->req, &policy, res);
	call->req.code = NULL;
	return login_answer(inst, request, ctx, call, res);
}

static rlm_rcode_t CC_HINT(nonnull) mod_authorize(void *instance, REQUEST *request)
{
	rlm_mfa_t *inst = instance;
	rlm_mfa_call_t call;
	rlm_mfa_state_t st;
	char const *typed;
	mfa_ctx *ctx;
	size_t off;
	int r = MFA_OK;
	rlm_rcode_t rcode = RLM_MODULE_NOOP;

	if (!call_init(inst, request, &call) || inst->mode == MODE_HOLD)
		return RLM_MODULE_NOOP;
	if (inst->mode == MODE_CHALLENGE) {
		/* The answer to our challenge is ours to authenticate. */
		if (!state_parse(request, &st))
			return RLM_MODULE_NOOP;
		set_auth_type(inst, request, true);
		return RLM_MODULE_UPDATED;
	}
	if (inst->mode == MODE_OTP) {
		/* Even without a factor: authenticate says why it refuses. */
		if (inst->set_auth_type)
			set_auth_type(inst, request, false);
		return RLM_MODULE_UPDATED;
	}
	if (!(ctx = pool_get(inst, request))) {
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	/* append: keep the code for later, hand the password on. Anything
	 * else (a user without a factor, CHAP, EAP, no code typed) is left as
	 * it is: authenticate says what is missing, after the password. */
	if (!(typed = typed_password(request)))
		goto out;
	if ((r = mfa_login_split(ctx, call.req.user, typed, &off)) != MFA_OK) {
		if (r == MFA_ERR_BAD_CODE || r == MFA_ERR_INVALID) {
			RDEBUG2("mfa: no code at the end of User-Password of %s", call.req.user);
			r = MFA_OK;
			goto out;
		}
		RERROR("mfa: %s", mfa_ctx_error(ctx));
		reply_unavailable(request);
		rcode = RLM_MODULE_FAIL;
		goto out;
	}
	{
		char *code = talloc_strdup(request, typed + off);

		if (!code || request_data_add(request, inst, 0, code, true) < 0) {
			rcode = RLM_MODULE_FAIL;
			goto out;
		}
		fr_pair_value_bstrncpy(request->password, typed, off);
	}
	rcode = RLM_MODULE_UPDATED;
out:
	pool_put(inst, ctx, r);
	return rcode;
}

/* Who may consume an approval offered with a challenge: the NAS the
 * challenge went to, answering that challenge. Nothing of this server's
 * own, so that another server sharing the store takes the answer. */
static void approval_requester(rlm_mfa_call_t const *call, char const *challenge, char *buf,
                               size_t size)
{
	snprintf(buf, size, "radius:%s:%s", call->nas, challenge);
}

/* approve = yes, after the password, for a user a code would be asked of
 * or who has only a security key: if they have a key, a challenge whose
 * State carries an approval too, living as long as the challenge. False
 * when there is nothing to offer (no key): the login goes on as without. */
static bool approval_offer(rlm_mfa_t *inst, REQUEST *request, mfa_ctx *ctx, rlm_mfa_call_t *call,
                           bool key_only, rlm_rcode_t *rcode, int *result)
{
	struct mfa_user_info info;
	struct mfa_request req = call->req;
	char service[MFA_APPROVAL_SERVICE_MAX + 1], requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	char message[REPLY_MESSAGE_MAX + 1];
	rlm_mfa_state_t st;
	unsigned number = 0;
	time_t now = time(NULL);
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = mfa_user_info_get(ctx, call->req.user, &info)) != MFA_OK)
		goto fail;
	if (info.webauthn_credentials == 0)
		return false;
	if (info.locked_until > now) {
		struct mfa_verdict v = { .result = MFA_ERR_LOCKED, .locked_until = info.locked_until,
			                 .locked_seconds = (unsigned)(info.locked_until - now) };

		mfa_verdict_message(&v, message, sizeof(message));
		reply_message(request, message);
		REDEBUG("mfa: %s: locked, no approval offered", call->req.user);
		*result = MFA_ERR_LOCKED;
		*rcode = RLM_MODULE_USERLOCK;
		return true;
	}
	/* The page shows the service: the client's name, cut to fit; and
	 * the caller's address when the NAS gives it (as hold mode does). */
	strlcpy(service, call->source, sizeof(service));
	req.source = service;
	if (req.station)
		req.remote = req.station;
	if ((r = mfa_challenge_create(ctx, call->req.user, call->nas, inst->challenge_timeout,
	                              st.challenge)) != MFA_OK)
		goto fail;
	approval_requester(call, st.challenge, requester, sizeof(requester));
	if ((r = mfa_approval_create(ctx, &req, requester,
	                             inst->challenge_timeout < MFA_APPROVAL_TTL_MAX
	                                     ? inst->challenge_timeout
	                                     : MFA_APPROVAL_TTL_MAX,
	                             st.approval, &number)) != MFA_OK ||
	    (r = mfa_approval_prompt(ctx, st.approval, number,
	                             key_only ? APPROVE_THEN_KEY_ONLY : APPROVE_THEN, message,
	                             sizeof(message))) != MFA_OK)
		goto fail;
	reply_challenge(request, &st, message);
	RDEBUG2("mfa: challenge with approval %s sent to %s", st.approval, call->req.user);
	*result = MFA_OK;
	*rcode = RLM_MODULE_HANDLED;
	return true;
fail:
	RERROR("mfa: %s", mfa_ctx_error(ctx));
	reply_unavailable(request);
	*result = r;
	*rcode = RLM_MODULE_FAIL;
	return true;
}

/* The answer to a challenge that offered an approval, when what was typed
 * is no code: accepted once the user approved on the portal, asked again
 * while they have not, refused otherwise. The challenge is taken too, so
 * that a State is answered once, by an approval or by a code. */
static rlm_rcode_t approval_answer(REQUEST *request, mfa_ctx *ctx, rlm_mfa_call_t *call,
                                   rlm_mfa_state_t const *st, int *result)
{
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	int r;

	approval_requester(call, st->challenge, requester, sizeof(requester));
	r = mfa_approval_consume(ctx, &call->req, st->approval, requester);
	if (r == MFA_OK)
		r = mfa_challenge_take(ctx, &call->req, st->challenge, call->nas);
	*result = r;
	if (r == MFA_OK) {
		RDEBUG2("mfa: %s: sign-in approved", call->req.user);
		return RLM_MODULE_OK;
	}
	if (r == MFA_ERR_PENDING) {
		reply_challenge(request, st, "Not approved yet: approve it on the page, then answer "
		                             "again.");
		return RLM_MODULE_HANDLED;
	}
	if (!mfa_err_is_verdict(r) && r != MFA_ERR_INVALID) {
		RERROR("mfa: %s", mfa_ctx_error(ctx));
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	REDEBUG("mfa: %s: approval refused: %s", call->req.user, mfa_ctx_error(ctx));
	reply_message(request, "This sign-in was not approved (a wrong number, refused or "
	                       "expired): start again.");
	return RLM_MODULE_REJECT;
}

/* After the password: the core says whether to ask; asking is a challenge. */
static rlm_rcode_t challenge_issue(rlm_mfa_t *inst, REQUEST *request, mfa_ctx *ctx,
                                   rlm_mfa_call_t *call, int *result)
{
	struct mfa_login_policy policy = instance_policy(inst);
	struct mfa_login_result res;
	rlm_mfa_state_t st;
	rlm_rcode_t rcode;

	mfa_login(ctx, &call->req, &policy, &res);
	*result = res.result;
	/* Where a code would be asked for, or where a user with only a
	 * security key is refused for want of one. */
	if (inst->approve &&
	    (res.action == MFA_LOGIN_ASK ||
	     (res.action == MFA_LOGIN_REFUSE && res.result == MFA_ERR_NO_FACTOR)) &&
	    approval_offer(inst, request, ctx, call, res.action != MFA_LOGIN_ASK, &rcode, result))
		return rcode;
	rcode = login_answer(inst, request, ctx, call, &res);
	if (res.action != MFA_LOGIN_ASK)
		return rcode;
	memset(&st, 0, sizeof(st));
	if ((*result = mfa_challenge_create(ctx, call->req.user, call->nas, inst->challenge_timeout,
	                                    st.challenge)) != MFA_OK) {
		RERROR("mfa: %s", mfa_ctx_error(ctx));
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	reply_challenge(request, &st, inst->challenge_message);
	RDEBUG2("mfa: challenge sent to %s", call->req.user);
	return RLM_MODULE_HANDLED;
}

static rlm_rcode_t CC_HINT(nonnull) mod_authenticate(void *instance, REQUEST *request)
{
	rlm_mfa_t *inst = instance;
	rlm_mfa_call_t call;
	rlm_mfa_state_t st;
	char const *code = NULL;
	struct mfa_login_result res;
	mfa_ctx *ctx;
	int r = MFA_OK;
	rlm_rcode_t rcode;

	if (!call_init(inst, request, &call)) {
		REDEBUG("mfa: no usable User-Name");
		return RLM_MODULE_INVALID;
	}
	if (!(ctx = pool_get(inst, request))) {
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	switch (inst->mode) {
	case MODE_OTP:
		code = typed_password(request);
		break;
	case MODE_APPEND:
		code = request_data_reference(request, inst, 0);
		if (!code) {
			/* authorize split no code off: a user without a factor (the
			 * no_factor policy), or one who typed only the password. */
			rcode = login(inst, request, ctx, &call, NULL, &res);
			r = res.result;
			if (res.action == MFA_LOGIN_ASK) {
				REDEBUG("mfa: the User-Password of %s does not end with a code",
				        call.req.user);
				reply_message(request, "Type your password followed by the code, as one.");
				rcode = RLM_MODULE_REJECT;
			}
			goto out;
		}
		break;
	case MODE_CHALLENGE:
		if (!state_parse(request, &st)) {
			rcode = challenge_issue(inst, request, ctx, &call, &r);
			goto out;
		}
		code = typed_password(request);
		/* An approval was offered: anything but a code asks for it. */
		if (inst->approve && st.approval[0] && !mfa_code_shaped(code)) {
			rcode = approval_answer(request, ctx, &call, &st, &r);
			goto out;
		}
		/* The challenge is taken in the verification's transaction. */
		call.req.challenge = st.challenge;
		call.req.challenge_nas = call.nas;
		break;
	case MODE_HOLD: {
		struct mfa_login_policy policy = instance_policy(inst);

		rcode = hold_authenticate(inst->hold, request,
		                          &(struct hold_call){ .ctx = ctx, .req = &call.req,
		                                               .nas = call.nas, .policy = &policy },
		                          &r);
		goto out;
	}
	}
	if (!code) {
		REDEBUG("mfa: no usable User-Password (missing, empty, too long or with a NUL)");
		reply_message(request, "Enter the code from your authenticator app.");
		rcode = RLM_MODULE_REJECT;
		goto out;
	}
	rcode = login(inst, request, ctx, &call, code, &res);
	r = res.result;
out:
	pool_put(inst, ctx, r);
	return rcode;
}

static int mod_instantiate(CONF_SECTION *conf, void *instance)
{
	rlm_mfa_t *inst = instance;
	DICT_VALUE *dval;
	mfa_ctx *ctx = NULL;
	int r;

	inst->name = cf_section_name2(conf);
	if (!inst->name)
		inst->name = cf_section_name1(conf);
	if (!strcmp(inst->mode_name, "otp"))
		inst->mode = MODE_OTP;
	else if (!strcmp(inst->mode_name, "append"))
		inst->mode = MODE_APPEND;
	else if (!strcmp(inst->mode_name, "challenge"))
		inst->mode = MODE_CHALLENGE;
	else if (!strcmp(inst->mode_name, "hold"))
		inst->mode = MODE_HOLD;
	else {
		cf_log_err_cs(conf, "mode = %s: use otp, append, challenge or hold", inst->mode_name);
		return -1;
	}
	if (!strcmp(inst->no_factor_name, "reject"))
		inst->no_factor_accept = false;
	else if (!strcmp(inst->no_factor_name, "accept"))
		inst->no_factor_accept = true;
	else {
		cf_log_err_cs(conf, "no_factor = %s: use reject or accept", inst->no_factor_name);
		return -1;
	}
	if (inst->mode == MODE_OTP && inst->no_factor_accept) {
		/* With no first factor in front, that would let anyone in. */
		cf_log_err_cs(conf, "no_factor = accept needs mode = append or challenge "
		              "(in otp mode nothing else checks the user)");
		return -1;
	}
	if (inst->challenge_timeout < 10 || inst->challenge_timeout > 3600) {
		cf_log_err_cs(conf, "challenge_timeout = %u: use 10 to 3600 seconds", inst->challenge_timeout);
		return -1;
	}
	if (inst->approve && inst->mode != MODE_CHALLENGE) {
		/* Offered before the password, an approval would tell a stranger
		 * who has a security key, and anyone could create approvals. */
		cf_log_err_cs(conf, "approve = yes needs mode = challenge (after the password, "
		              "checked by pap or ldap first); in %s mode use approve = no",
		              inst->mode_name);
		return -1;
	}
	if (inst->approve && inst->challenge_timeout < MFA_APPROVAL_TTL_MIN) {
		cf_log_err_cs(conf, "approve = yes: the approval lives as long as the challenge: "
		              "use challenge_timeout = %u or more", MFA_APPROVAL_TTL_MIN);
		return -1;
	}
	dval = dict_valbyname(PW_AUTH_TYPE, 0, inst->name);
	inst->auth_type = dval ? dval->value : 0;
	if (inst->mode != MODE_APPEND && inst->mode != MODE_HOLD && !inst->auth_type)
		WARN("rlm_mfa (%s): no 'Auth-Type %s' section in authenticate: requests are not "
		     "sent to this module by Auth-Type", inst->name, inst->name);
	if (inst->mode == MODE_HOLD &&
	    !(inst->hold = hold_create(conf, inst->hold_timeout, inst->hold_max)))
		return -1;
	pthread_mutex_init(&inst->pool_mutex, NULL);
	/* Fail at start-up, loudly, rather than at the first login. */
	if (mfa_ctx_new(&ctx) != MFA_OK)
		return -1;
	mfa_ctx_set_log_handler(ctx, log_at_start, NULL);
	if ((r = mfa_config_load(ctx, inst->config_file)) != MFA_OK || (r = mfa_open(ctx)) != MFA_OK) {
		cf_log_err_cs(conf, "%s", mfa_ctx_error(ctx)[0] ? mfa_ctx_error(ctx) : mfa_strerror(r));
		mfa_ctx_free(&ctx);
		return -1;
	}
	if (inst->approve) {
		/* The link must fit the one Reply-Message a VPN client shows. */
		char text[REPLY_MESSAGE_MAX + 1];
		char const *web_url = mfa_config_text(ctx, "web_url");

		if (!web_url || !web_url[0]) {
			cf_log_err_cs(conf, "approve = yes needs web_url in %s (the portal's address "
			              "the approval link points to)", inst->config_file);
			mfa_ctx_free(&ctx);
			return -1;
		}
		if (mfa_approval_prompt(ctx, "22222222", 99, APPROVE_THEN, text, sizeof(text)) !=
		    MFA_OK) {
			cf_log_err_cs(conf, "approve = yes: web_url in %s is too long for a "
			              "Reply-Message of %d bytes: %s", inst->config_file,
			              REPLY_MESSAGE_MAX, mfa_ctx_error(ctx));
			mfa_ctx_free(&ctx);
			return -1;
		}
	}
	pool_put(inst, ctx, MFA_OK);
	return 0;
}

static int mod_detach(void *instance)
{
	rlm_mfa_t *inst = instance;

	while (inst->pool) {
		ctx_slot_t *slot = inst->pool;

		inst->pool = slot->next;
		mfa_ctx_free(&slot->ctx);
		free(slot);
	}
	pthread_mutex_destroy(&inst->pool_mutex);
	hold_free(inst->hold);
	return 0;
}

extern module_t rlm_mfa;
RLM_MFA_EXPORT module_t rlm_mfa = {
	.magic = RLM_MODULE_INIT,
	.name = "mfa",
	.type = RLM_TYPE_THREAD_SAFE,
	.inst_size = sizeof(rlm_mfa_t),
	.config = module_config,
	.instantiate = mod_instantiate,
	.detach = mod_detach,
	.methods = {
		[MOD_AUTHENTICATE] = mod_authenticate,
		[MOD_AUTHORIZE] = mod_authorize,
	},
};
