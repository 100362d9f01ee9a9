/*
 * device.c - known-device tokens (mfa.h, "Known devices"). The portal
 * sets one as a cookie after a full sign-in; at the next password step it
 * tells mfad that the browser is known, and mfad counts that browser's
 * wrong passwords apart: a stranger who types wrong passwords for a name
 * uses up only the budget of unknown browsers.
 *
 * token = hex(made, 8 bytes big-endian) || hex(first 16 bytes of
 *         HMAC-SHA256(K, "mfa device v1" 0x00 user 0x00 made))
 * with K = HMAC-SHA256(vault key, label), as for sign-in codes: the vault
 * key itself signs nothing, and each use has its own key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "internal.h"

#define DEVICE_KEY_LABEL "mfa known-device key v1"
#define DEVICE_MSG_LABEL "mfa device v1"
#define DEVICE_MAC_LEN 16               /* bytes of the HMAC kept */
#define DEVICE_SKEW 300                 /* seconds a token may be from the future */

static int device_mac(mfa_ctx *ctx, const char *user, uint64_t made,
                      unsigned char mac[DEVICE_MAC_LEN])
{
	unsigned char key[32], full[EVP_MAX_MD_SIZE], msg[sizeof(DEVICE_MSG_LABEL) + MFA_USER_MAX + 1 + 8];
	size_t ulen = strlen(user), n = 0;
	unsigned len = 0;
	int r = MFA_ERR_SYSTEM;

	if (ulen == 0 || ulen > MFA_USER_MAX)
		return MFA_ERR_INVALID;
	memcpy(msg, DEVICE_MSG_LABEL, sizeof(DEVICE_MSG_LABEL));   /* with its NUL */
	n = sizeof(DEVICE_MSG_LABEL);
	memcpy(msg + n, user, ulen + 1);
	n += ulen + 1;
	for (int i = 7; i >= 0; i--)
		msg[n++] = (unsigned char)(made >> (8 * i));
	if (HMAC(EVP_sha256(), ctx->key, sizeof(ctx->key), (const unsigned char *)DEVICE_KEY_LABEL,
	         sizeof(DEVICE_KEY_LABEL) - 1, key, &len) && len == sizeof(key) &&
	    HMAC(EVP_sha256(), key, sizeof(key), msg, n, full, &len) && len >= DEVICE_MAC_LEN) {
		memcpy(mac, full, DEVICE_MAC_LEN);
		r = MFA_OK;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(full, sizeof(full));
	return r;
}

int mfa_device_token_create(mfa_ctx *ctx, const char *user, char token[MFA_DEVICE_TOKEN_LEN + 1])
{
	unsigned char mac[DEVICE_MAC_LEN];
	uint64_t made;
	int r;

	if (token)
		token[0] = '\0';
	if ((r = ctx_require_open(ctx)) != MFA_OK)
		return r;
	if (!user || !token)
		return ctx_fail(ctx, MFA_ERR_INVALID, "known device: no user or no room for the token");
	made = (uint64_t)ctx_now(ctx);
	if ((r = device_mac(ctx, user, made, mac)) != MFA_OK)
		return ctx_fail(ctx, r, "known device: cannot make a token for this user name");
	snprintf(token, MFA_DEVICE_TOKEN_LEN + 1, "%016llx", (unsigned long long)made);
	for (size_t i = 0; i < DEVICE_MAC_LEN; i++)
		snprintf(token + 16 + 2 * i, 3, "%02x", mac[i]);
	OPENSSL_cleanse(mac, sizeof(mac));
	return MFA_OK;
}

int mfa_device_token_check(mfa_ctx *ctx, const char *user, const char *token)
{
	unsigned char want[DEVICE_MAC_LEN], *got = NULL;
	char made_hex[17];
	unsigned long long made;
	time_t now;
	long got_len = 0;
	int r = MFA_ERR_INVALID;

	if (ctx_require_open(ctx) != MFA_OK || !user || !token ||
	    strlen(token) != MFA_DEVICE_TOKEN_LEN ||
	    strspn(token, "0123456789abcdef") != MFA_DEVICE_TOKEN_LEN)
		return MFA_ERR_INVALID;
	memcpy(made_hex, token, 16);
	made_hex[16] = '\0';
	made = strtoull(made_hex, NULL, 16);
	now = ctx_now(ctx);
	if ((long long)made > (long long)now + DEVICE_SKEW ||
	    (long long)now - (long long)made > (long long)MFA_DEVICE_DAYS * 86400)
		return MFA_ERR_INVALID;
	if (device_mac(ctx, user, (uint64_t)made, want) != MFA_OK)
		return MFA_ERR_INVALID;
	got = OPENSSL_hexstr2buf(token + 16, &got_len);
	if (got && got_len == DEVICE_MAC_LEN && CRYPTO_memcmp(got, want, DEVICE_MAC_LEN) == 0)
		r = MFA_OK;
	OPENSSL_free(got);
	OPENSSL_cleanse(want, sizeof(want));
	return r;
}
