/*
 * factor.h - what the files handling factors share: the lock-step of
 * loading a user's factors inside a transaction, unsealing their secrets,
 * and turning a stored factor into OTP state and back.
 */
#ifndef MFA_FACTOR_H
#define MFA_FACTOR_H

#include "internal.h"
#include "otp.h"
#include "store.h"

/* OTP seeds and WebAuthn credentials share the factors table. */
static inline bool factor_is_otp(const struct store_factor *f)
{
	return f->type == MFA_FACTOR_TOTP || f->type == MFA_FACTOR_HOTP;
}

/* Unseals f's secret (seed or COSE key) into secret, at most size bytes;
 * the caller wipes it. */
int factor_unseal(mfa_ctx *ctx, const struct store_factor *f, unsigned char *secret, size_t size,
                  size_t *secret_len);
/* Seals secret into f (f->user and f->id must be set). */
int factor_seal(mfa_ctx *ctx, struct store_factor *f, const unsigned char *secret,
                size_t secret_len);
void factor_to_otp(const struct store_factor *f, struct otp_state *st);
void factor_from_otp(struct store_factor *f, const struct otp_state *st);
void factor_policy(const mfa_ctx *ctx, struct otp_policy *pol);
/* Inside a write transaction: refuses a secret the user already has, as
 * each factor keeps its own replay state. */
int factor_secret_unique(mfa_ctx *ctx, const char *user, const unsigned char *secret,
                         size_t secret_len);
/* Stores a new challenge (RADIUS or WebAuthn) in its own transaction, and
 * now and then removes expired ones (taking one checks expiry anyway). */
int challenge_store(mfa_ctx *ctx, const struct store_challenge *c);
/* A RADIUS challenge id as mfa_challenge_create makes them. */
bool challenge_id_wellformed(const char *id);
/* Why a challenge taken from the store (found or not) does not answer for
 * user through nas at now; NULL if it does. */
const char *challenge_refusal(const struct store_challenge *c, bool found, const char *user,
                              const char *nas, time_t now);
/* Digits of the codes user holds: those of the active OTP factor in list
 * used last; 0 without one. */
unsigned factor_code_digits(const struct store_factor *list, size_t n);
/* Digits of a sign-in code for a user without an OTP factor. */
#define SIGNIN_DIGITS_DEFAULT 6
/* The stored form of user's sign-in code (signin.c). */
int signin_code_mac(mfa_ctx *ctx, const char *user, const char *code,
                    unsigned char out[STORE_HASH_LEN]);
/* Rolls the transaction back, keeping the store's failure detail. */
int tx_abort(mfa_ctx *ctx, int r);
/* Removes spaces users put in codes ("123 456"); false if too long or odd. */
bool code_clean(const char *typed, char *out, size_t size);

#endif
