/*
 * api.h - what the API's handlers share (api.c: dispatch, answers and the
 * sign-in; api_self.c: a signed-in user's own factors and data).
 */
#ifndef MFA_WEB_API_H
#define MFA_WEB_API_H

#include <jansson.h>

#include "web.h"

#define WEB_SOURCE "web"
/* The audit events that are sign-ins (codes, recovery codes, security keys). */
#define SIGNIN_EVENTS "verify webauthn-login"

/* Answers: status and a JSON object (reference taken); message as
 * {"error": ...}. */
void reply_json(struct web_reply *rp, unsigned status, json_t *obj);
void reply_error(struct web_reply *rp, unsigned status, const char *message);
/* 200 {"options": ...}: WebAuthn options the core made, as JSON text. */
void reply_options(struct web_reply *rp, const char *options);
/* Begin of a step that takes a passkey: user's assertion options (200),
 * 404 with no_key when they have none (*r reset to MFA_OK: no failure of
 * the core), 503 when the core failed (*r says why). */
void reply_assertion_options(struct web_reply *rp, mfa_ctx *ctx, const char *user,
                             const char *no_key, int *r);
/* Finish of such a step: user's assertion text checked, req made for what
 * follows. True with *r the verdict to act on (MFA_OK or a refusal such as
 * MFA_ERR_WEBAUTHN, MFA_ERR_LOCKED); false with the answer sent: 400 for
 * what is not a WebAuthn answer, 503 when the core failed. */
bool assertion_verdict(struct web_request *rq, struct web_reply *rp, mfa_ctx *ctx,
                       const char *user, const char *text, struct mfa_request *req, int *r);
/* The session cookie set to id (or cleared when id is NULL). */
void reply_cookie(struct web_request *rq, struct web_reply *rp, const char *id);

/* The request body as a JSON object, or NULL (and the answer sent). */
json_t *body_object(struct web_request *rq, struct web_reply *rp);
/* A WebAuthn answer: the body's "response" object as JSON text (free it),
 * or NULL (and the answer sent). */
char *body_response(json_t *body, struct web_reply *rp);
/* A factor as the page shows it (no secret). */
json_t *factor_json(const struct mfa_factor_info *f);
/* A string member no longer than max bytes, or NULL. */
const char *member_string(json_t *obj, const char *key, size_t max);

/* A core context for this request (NULL: answered with 503). */
mfa_ctx *api_ctx(struct web_request *rq, struct web_reply *rp, struct web_pool **from);
/* After a core call: a store or config failure answers 503 and the
 * context is not reused. */
void api_ctx_done(struct web_pool *from, mfa_ctx *ctx, int r);
/* The request as the core's audit sees it. */
void api_core_request(struct web_request *rq, struct mfa_request *req, const char *user);

/* Member of admin_group now (its member list, or as primary group). */
bool api_is_staff(struct web *w, const char *user);

/* api_self.c, api_staff.c: true if it answered (the path is one of its). */
bool api_self(struct web_request *rq, struct web_reply *rp);
bool api_staff(struct web_request *rq, struct web_reply *rp);
/* api_approval.c: /api/approval/ID..., the approval page (no session). */
bool api_approval(struct web_request *rq, struct web_reply *rp);
/* api_signin.c: /api/me/signin-code/..., a sign-in code after a passkey. */
bool api_signin_code(struct web_request *rq, struct web_reply *rp);
/* api_hold.c: /api/me/approvals..., the user's waiting sign-ins (RADIUS hold). */
bool api_hold(struct web_request *rq, struct web_reply *rp);

#endif
