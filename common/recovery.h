/*
 * recovery.h - single-use recovery codes: 60 random bits each, shown as
 * XXXX-XXXX-XXXX in RFC 4648 base32. Only hashes are stored: for codes
 * issued here HMAC-SHA256(K, user || 0x00 || code), K derived (HKDF) from
 * the key file's key (RECOVERY_KIND_HMAC); for imported 8-digit scratch
 * codes, and codes issued before schema 4, PBKDF2-SHA256 under a salt, one
 * salt for all the scratch codes of one import (RECOVERY_KIND_PBKDF2).
 */
#ifndef MFA_RECOVERY_H
#define MFA_RECOVERY_H

#include "store.h"

#define RECOVERY_NORM_MAX 16

/* Canonical form of what a user typed: 12 base32 characters (case, dashes
 * and spaces ignored, 0/1/8 read as O/I/B), or 8 digits (an imported
 * google-authenticator scratch code). False if it is neither. */
bool recovery_normalize(const char *typed, char out[RECOVERY_NORM_MAX + 1]);
int recovery_hash(const char *normalized, const unsigned char salt[STORE_SALT_LEN],
                  unsigned char out[STORE_HASH_LEN]);
/* Fills codes (display form) and rec (HMAC rows for user). */
int recovery_generate(mfa_ctx *ctx, const char *user,
                      char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT],
                      struct store_recovery rec[MFA_RECOVERY_COUNT]);
/* Hashes a code for storing with PBKDF2 under salt (imports: one salt for
 * all the scratch codes of a user, so that matching costs one run). */
int recovery_seal(const char *normalized, const unsigned char salt[STORE_SALT_LEN],
                  struct store_recovery *rec);
/* Finds an unused code of user equal to normalized; every unused code is
 * checked, whatever matches, so the time taken does not tell which one did.
 * Cost: a 12-character code one HMAC, an 8-digit one one PBKDF2 (a dummy
 * one without scratch codes), plus one PBKDF2 per distinct salt of unused
 * PBKDF2 rows. Counted in ctx->recovery_hashes. */
int recovery_match(mfa_ctx *ctx, const char *user, const char *normalized,
                   const struct store_recovery *list, size_t n, bool *found, size_t *index);

#endif
