/*
 * hold.c - rlm_mfa's hold mode (docs/rlm_mfa.md, docs/approvals.md): for a
 * NAS that can show no challenge and send no typed code (MS-CHAPv2, EAP
 * without a prompt). After the password module accepted the password, a
 * user with a passkey gets an approval without a number
 * (mfa_approval_create_hold), seen on the portal's "Waiting sign-ins", and
 * this request's thread waits for it: Access-Accept once approved (and
 * consumed), Reject when denied or after hold_timeout.
 *
 * Bounds: at most hold_max requests of the instance wait at once (a slot
 * each), and at most HOLD_PER_USER of one user (as the store names them),
 * so that one leaked password cannot keep every slot taken; the rest are
 * refused at once. A NAS that sends the login again with a new packet id
 * (its own timeout passed) finds the same approval (same NAS, same caller)
 * and takes over its slot: the newest request is the one the NAS still
 * waits for, so it alone may consume the approval; the older one is
 * refused at its next poll. A retransmission with the same id and
 * authenticator never reaches us: radiusd drops it while the original is
 * processed and answers it from its cache afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "hold.h"

#define HOLD_POLL_MS 500          /* between two reads of the approval */
#define HOLD_MARGIN 5             /* seconds under radiusd's max_request_time */
#define HOLD_PER_USER 2           /* requests of one user waiting at once: two devices */
#define HOLD_REQUESTER "radius-hold:"

#define MSG_TIMEOUT "Not approved in time: approve the waiting sign-in on %s, then connect again."
#define MSG_NO_PASSKEY "This connection cannot ask for a code: use a sign-in code from the " \
	"portal with a client that takes one, or a client that asks for your code."
#define MSG_BUSY "Too many sign-ins are waiting for approval: try again in a minute."
#define MSG_USER_BUSY "Other sign-ins of yours are waiting for approval: approve the one you " \
	"started on %s, or connect again in a minute."
#define MSG_DENIED "This sign-in was refused on the portal."
#define MSG_USED "This sign-in was answered already: connect again."
#define MSG_NEWER "A newer request for this sign-in is waiting."

struct hold_slot {
	char id[MFA_APPROVAL_ID_LEN + 1];
	char user[MFA_USER_MAX + 1];
	uint64_t owner;               /* the newest request waiting on it; 0: free */
};

struct rlm_mfa_hold {
	uint32_t timeout;
	uint32_t max;
	pthread_mutex_t mutex;        /* the slots, find-or-create and consume */
	uint64_t seq;
	struct hold_slot *slots;      /* max of them */
};

/* radiusd's own setting, or -1 when it cannot be read. */
static long radiusd_setting(char const *name1, char const *name2, char const *item)
{
	CONF_SECTION *cs = main_config.config;
	CONF_PAIR *cp;
	char const *v;
	char *end;
	long n;

	if (!cs || (name1 && !(cs = cf_section_sub_find_name2(cs, name1, name2))) ||
	    !(cp = cf_pair_find(cs, item)) || !(v = cf_pair_value(cp)))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	return errno || end == v || *end || n < 0 ? -1 : n;
}

rlm_mfa_hold_t *hold_create(CONF_SECTION *conf, uint32_t timeout, uint32_t max)
{
	rlm_mfa_hold_t *h;
	long servers = radiusd_setting("thread", "pool", "max_servers");

	if (timeout < HOLD_TIMEOUT_MIN || timeout > HOLD_TIMEOUT_MAX) {
		cf_log_err_cs(conf, "hold_timeout = %u: use %d to %d seconds", timeout,
		              HOLD_TIMEOUT_MIN, HOLD_TIMEOUT_MAX);
		return NULL;
	}
	if (max < HOLD_MAX_MIN || max > HOLD_MAX_MAX) {
		cf_log_err_cs(conf, "hold_max = %u: use %d to %d waiting requests", max, HOLD_MAX_MIN,
		              HOLD_MAX_MAX);
		return NULL;
	}
	/* Waiting requests hold radiusd threads: some must stay for the rest. */
	if (servers > 0 && max >= (uint32_t)servers) {
		cf_log_err_cs(conf, "hold_max = %u must be below the thread pool's max_servers (%ld) "
		              "in radiusd.conf: each waiting request holds a thread", max, servers);
		return NULL;
	}
	if (servers < 0)
		WARN("rlm_mfa: hold mode: thread pool max_servers unread: keep hold_max = %u below it",
		     max);
	/* radiusd gives up on a request after max_request_time. */
	if (main_config.max_request_time && timeout + HOLD_MARGIN > main_config.max_request_time) {
		cf_log_err_cs(conf, "hold_timeout = %u needs max_request_time (radiusd.conf, now %u) "
		              "of at least %u", timeout, main_config.max_request_time,
		              timeout + HOLD_MARGIN);
		return NULL;
	}
	if (!(h = calloc(1, sizeof(*h))) || !(h->slots = calloc(max, sizeof(*h->slots)))) {
		free(h);
		return NULL;
	}
	h->timeout = timeout;
	h->max = max;
	pthread_mutex_init(&h->mutex, NULL);
	return h;
}

void hold_free(rlm_mfa_hold_t *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mutex);
	free(h->slots);
	free(h);
}

static void reply_message(REQUEST *request, char const *text)
{
	pair_make_reply("Reply-Message", text, T_OP_ADD);
}

static void reply_unavailable(REQUEST *request)
{
	char msg[256];

	mfa_verdict_message(&(struct mfa_verdict){ .result = MFA_ERR_STORE }, msg, sizeof(msg));
	reply_message(request, msg);
}

/* No passkey (or no portal): the core's answer for a login without a code;
 * a user it would ask for one cannot be asked here. */
static rlm_rcode_t without_hold(REQUEST *request, struct hold_call const *call, int *result)
{
	struct mfa_login_result res;

	mfa_login(call->ctx, call->req, call->policy, &res);
	*result = res.result;
	if (res.result != MFA_OK && !mfa_err_is_verdict(res.result) && res.result != MFA_ERR_INVALID) {
		RERROR("mfa: %s", mfa_ctx_error(call->ctx));
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	if (res.action == MFA_LOGIN_ASK) {
		REDEBUG("mfa: hold: %s has no passkey: a code cannot be asked for here",
		        call->req->user);
		reply_message(request, MSG_NO_PASSKEY);
		return RLM_MODULE_REJECT;
	}
	if (res.message[0])
		reply_message(request, res.message);
	if (res.action == MFA_LOGIN_ACCEPT)
		return RLM_MODULE_OK;
	REDEBUG("mfa: %s: %s", call->req->user, mfa_strerror(res.result));
	return RLM_MODULE_REJECT;
}

/* Under the mutex: the slot of id, or a free one (owner 0), or NULL; with
 * the slots taken, by anyone and by user. */
static struct hold_slot *slot_find(rlm_mfa_hold_t *h, char const *id, char const *user,
                                   unsigned *taken, unsigned *users)
{
	struct hold_slot *found = NULL, *free_slot = NULL;

	*taken = *users = 0;
	for (uint32_t i = 0; i < h->max; i++) {
		if (!h->slots[i].owner) {
			if (!free_slot)
				free_slot = &h->slots[i];
			continue;
		}
		(*taken)++;
		*users += !strcmp(h->slots[i].user, user);
		if (id && !found && !strcmp(h->slots[i].id, id))
			found = &h->slots[i];
	}
	return found ? found : free_slot;
}

/* The user's open hold approval from this NAS, or a new one; and a slot to
 * wait in. MFA_OK with *slot and *me set, or a refusal already answered. */
static rlm_rcode_t hold_join(rlm_mfa_hold_t *h, REQUEST *request, struct hold_call const *call,
                             char const *requester, struct hold_slot **slot, uint64_t *me,
                             int *result)
{
	struct mfa_approval_info open[8];
	char id[MFA_APPROVAL_ID_LEN + 1] = "", msg[512], user[MFA_USER_MAX + 1];
	unsigned taken, users;
	size_t n = 0;
	rlm_rcode_t rcode = RLM_MODULE_OK;

	pthread_mutex_lock(&h->mutex);
	/* Alice and alice are one user under user_case = lower: one count. */
	if ((*result = mfa_user_canonical(call->ctx, call->req->user, user)) != MFA_OK ||
	    (*result = mfa_approval_list_open(call->ctx, call->req->user, open, 8, &n)) != MFA_OK)
		goto fail;
	/* The same login asked again: same NAS and caller. Another device of
	 * the user's gets its own, with its own address on the portal. */
	for (size_t i = 0; i < n && !id[0]; i++)
		if (!open[i].choices[0] && !strcmp(open[i].requester, requester) &&
		    !strcmp(open[i].remote, call->req->remote ? call->req->remote : ""))
			memcpy(id, open[i].id, sizeof(id));
	*slot = slot_find(h, id[0] ? id : NULL, user, &taken, &users);
	if (*slot && (*slot)->owner) {
		/* The NAS asked again: the newer request waits instead. */
		RDEBUG2("mfa: hold: %s asked again from %s: this request waits for %s",
		        call->req->user, call->nas, id);
		*me = (*slot)->owner = ++h->seq;
		goto out;
	}
	if (!*slot) {
		ERROR("rlm_mfa: hold: %u requests waiting already: %s from %s refused", taken,
		      call->req->user, call->nas);
		reply_message(request, MSG_BUSY);
		rcode = RLM_MODULE_REJECT;
		goto out;
	}
	if (users >= HOLD_PER_USER) {
		ERROR("rlm_mfa: hold: %u requests of %s waiting already: one more from %s refused",
		      users, user, call->nas);
		snprintf(msg, sizeof(msg), MSG_USER_BUSY, mfa_config_text(call->ctx, "web_url"));
		reply_message(request, msg);
		rcode = RLM_MODULE_REJECT;
		goto out;
	}
	if (!id[0] && (*result = mfa_approval_create_hold(call->ctx, call->req, requester, 0, id)) !=
	              MFA_OK)
		goto fail;
	memcpy((*slot)->id, id, sizeof(id));
	memcpy((*slot)->user, user, sizeof(user));
	*me = (*slot)->owner = ++h->seq;
	RDEBUG2("mfa: hold: %s waits for approval %s", call->req->user, id);
	goto out;
fail:
	RERROR("mfa: %s", mfa_ctx_error(call->ctx));
	reply_unavailable(request);
	rcode = RLM_MODULE_FAIL;
out:
	pthread_mutex_unlock(&h->mutex);
	return rcode;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One look at the approval: RLM_MODULE_NOOP to wait on, or the outcome. */
static rlm_rcode_t hold_poll(rlm_mfa_hold_t *h, REQUEST *request, struct hold_call const *call,
                             char const *requester, struct hold_slot *slot, uint64_t me,
                             char const *web_url, int *result)
{
	struct mfa_approval_info a;
	char msg[512];
	rlm_rcode_t rcode = RLM_MODULE_NOOP;

	if ((*result = mfa_approval_get(call->ctx, slot->id, &a)) != MFA_OK) {
		if (*result == MFA_ERR_CHALLENGE)
			goto expired;          /* swept: it had expired */
		RERROR("mfa: %s", mfa_ctx_error(call->ctx));
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	switch (a.state) {
	case MFA_APPROVAL_PENDING:
		return RLM_MODULE_NOOP;
	case MFA_APPROVAL_DENIED:
		reply_message(request, MSG_DENIED);
		return RLM_MODULE_REJECT;
	case MFA_APPROVAL_CONSUMED:
		reply_message(request, MSG_USED);
		return RLM_MODULE_REJECT;
	case MFA_APPROVAL_EXPIRED:
		goto expired;
	case MFA_APPROVAL_APPROVED:
		break;
	}
	/* Approved: the newest request of the NAS takes it, once. */
	pthread_mutex_lock(&h->mutex);
	if (slot->owner != me) {
		reply_message(request, MSG_NEWER);
		rcode = RLM_MODULE_REJECT;
	} else {
		*result = mfa_approval_consume(call->ctx, call->req, slot->id, requester);
		if (*result == MFA_OK) {
			reply_message(request, "Sign-in approved.");
			rcode = RLM_MODULE_OK;
		} else if (mfa_err_is_verdict(*result)) {
			reply_message(request, MSG_USED);
			rcode = RLM_MODULE_REJECT;
		} else {
			RERROR("mfa: %s", mfa_ctx_error(call->ctx));
			reply_unavailable(request);
			rcode = RLM_MODULE_FAIL;
		}
	}
	pthread_mutex_unlock(&h->mutex);
	return rcode;
expired:
	snprintf(msg, sizeof(msg), MSG_TIMEOUT, web_url);
	reply_message(request, msg);
	return RLM_MODULE_REJECT;
}

rlm_rcode_t hold_authenticate(rlm_mfa_hold_t *h, REQUEST *request, struct hold_call const *call,
                              int *result)
{
	char const *web_url = mfa_config_text(call->ctx, "web_url");
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1], msg[512];
	struct mfa_request req = *call->req;
	struct hold_call mine = *call;
	struct mfa_user_info info;
	struct hold_slot *slot = NULL;
	uint64_t me = 0;
	double deadline;
	rlm_rcode_t rcode;
	time_t now;

	*result = MFA_OK;
	if (!web_url || !web_url[0])
		return without_hold(request, call, result);
	*result = mfa_user_info_get(call->ctx, call->req->user, &info);
	if (*result == MFA_ERR_NOT_FOUND || (*result == MFA_OK && info.webauthn_credentials == 0)) {
		*result = MFA_OK;
		return without_hold(request, call, result);
	}
	if (*result != MFA_OK) {
		RERROR("mfa: %s", mfa_ctx_error(call->ctx));
		reply_unavailable(request);
		return RLM_MODULE_FAIL;
	}
	now = time(NULL);
	if (info.locked_until > now) {
		mfa_verdict_message(&(struct mfa_verdict){
		                            .result = MFA_ERR_LOCKED, .locked_until = info.locked_until,
		                            .locked_seconds = (unsigned)(info.locked_until - now),
		                            .failures = info.failures },
		                    msg, sizeof(msg));
		reply_message(request, msg);
		return RLM_MODULE_USERLOCK;
	}
	/* What the portal shows: the caller's address when the NAS gives it. */
	if (req.station)
		req.remote = req.station;
	mine.req = &req;
	snprintf(requester, sizeof(requester), HOLD_REQUESTER "%s", call->nas);
	if ((rcode = hold_join(h, request, &mine, requester, &slot, &me, result)) != RLM_MODULE_OK)
		return rcode;
	deadline = now_mono() + h->timeout;
	for (;;) {
		bool newer;

		pthread_mutex_lock(&h->mutex);
		newer = slot->owner != me;
		pthread_mutex_unlock(&h->mutex);
		if (newer) {
			RDEBUG2("mfa: hold: a newer request of the NAS waits instead");
			reply_message(request, MSG_NEWER);
			return RLM_MODULE_REJECT;
		}
		if ((rcode = hold_poll(h, request, &mine, requester, slot, me, web_url, result)) !=
		    RLM_MODULE_NOOP)
			break;
		if (request->master_state == REQUEST_STOP_PROCESSING || now_mono() >= deadline) {
			REDEBUG("mfa: hold: %s: not approved within %u s", req.user, h->timeout);
			snprintf(msg, sizeof(msg), MSG_TIMEOUT, web_url);
			reply_message(request, msg);
			rcode = RLM_MODULE_REJECT;
			break;
		}
		{
			double left = deadline - now_mono(), wait = HOLD_POLL_MS / 1000.0;
			struct timespec ts;

			if (left < wait)
				wait = left > 0 ? left : 0;
			ts.tv_sec = (time_t)wait;
			ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_lock(&h->mutex);
	if (slot->owner == me)
		slot->owner = 0;
	pthread_mutex_unlock(&h->mutex);
	return rcode;
}
