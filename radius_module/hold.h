/*
 * hold.h - rlm_mfa's hold mode (hold.c): after the first factor, the
 * Access-Request waits for an approval the user gives on the portal, for
 * NASes that can show neither a challenge nor take a typed code.
 */
#ifndef RLM_MFA_HOLD_H
#define RLM_MFA_HOLD_H

#include <freeradius-devel/radiusd.h>
#include <freeradius-devel/modules.h>

#include "mfa.h"

#define HOLD_TIMEOUT_MIN 5       /* seconds a request may wait */
#define HOLD_TIMEOUT_MAX 60
#define HOLD_MAX_MIN 1           /* requests waiting at once, per instance */
#define HOLD_MAX_MAX 64

typedef struct rlm_mfa_hold rlm_mfa_hold_t;

/* What one request is about (rlm_mfa.c gathers it). */
struct hold_call {
	mfa_ctx *ctx;
	struct mfa_request const *req;           /* user, source, remote, nas_id, station */
	char const *nas;                         /* the RADIUS client's address */
	struct mfa_login_policy const *policy;   /* the instance's */
};

/* The instance's waiting room; NULL (and the reason logged against conf)
 * for bounds out of range or not below radiusd's own. */
rlm_mfa_hold_t *hold_create(CONF_SECTION *conf, uint32_t timeout, uint32_t max);
void hold_free(rlm_mfa_hold_t *h);
/* After the password: wait for the user's approval (or refuse). *result is
 * the last core result, for the context pool. */
rlm_rcode_t hold_authenticate(rlm_mfa_hold_t *h, REQUEST *request, struct hold_call const *call,
                              int *result);

#endif
