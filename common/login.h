/*
 * login.h - what the login policy (login.c), the code check (verify.c) and
 * enrollment (enroll.c) share.
 */
#ifndef MFA_LOGIN_H
#define MFA_LOGIN_H

#include "internal.h"

/* What a verification learnt beside its verdict. */
struct login_facts {
	char case_twin[MFA_USER_MAX + 1];  /* NO_FACTOR: an enrolled user whose name
	                                    * differs from this one only in case */
	char challenge_why[48];            /* CHALLENGE: what was wrong with it */
};

/* Checks req->code (and takes req->challenge) in one write transaction.
 * uniform: no password was checked before us, so a locked user or one
 * without a factor costs the same work as a wrong code. */
int verify_attempt(mfa_ctx *ctx, const struct mfa_request *req, bool uniform,
                   struct mfa_verdict *out, struct login_facts *facts);

/* Inside an open write transaction: MFA_OK if user may enroll at a login
 * under policy now, else MFA_ERR_NOT_FOUND with the reason in ctx. */
int login_enroll_check(mfa_ctx *ctx, const char *user, const struct mfa_login_policy *policy,
                       time_t now);

#endif
