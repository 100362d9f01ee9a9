/* recovery.c - generation, hashing and matching of recovery codes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "internal.h"
#include "recovery.h"

/* Slows an offline guess at a stolen hash of an imported scratch code (or
 * of a code issued before schema 4). */
#define RECOVERY_PBKDF2_ITERATIONS 2000
#define RECOVERY_CHARS 12
#define RECOVERY_KEY_INFO "mfa recovery codes v1"

bool recovery_normalize(const char *typed, char out[RECOVERY_NORM_MAX + 1])
{
	size_t n = 0, digits = 0;

	for (const char *p = typed; *p; p++) {
		char c = *p;

		if (c == '-' || c == ' ')
			continue;
		if (n >= RECOVERY_NORM_MAX)
			return false;
		if (c >= '0' && c <= '9')
			digits++;
		out[n++] = (char)toupper((unsigned char)c);
	}
	out[n] = '\0';
	if (n == 8 && digits == 8)
		return true;
	if (n != RECOVERY_CHARS)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = out[i];

		if (c == '0')
			c = 'O';
		else if (c == '1')
			c = 'I';
		else if (c == '8')
			c = 'B';
		if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
			return false;
		out[i] = c;
	}
	return true;
}

int recovery_hash(const char *normalized, const unsigned char salt[STORE_SALT_LEN],
                  unsigned char out[STORE_HASH_LEN])
{
	if (PKCS5_PBKDF2_HMAC(normalized, (int)strlen(normalized), salt, STORE_SALT_LEN,
	                      RECOVERY_PBKDF2_ITERATIONS, EVP_sha256(), STORE_HASH_LEN, out) != 1)
		return MFA_ERR_SYSTEM;
	return MFA_OK;
}

/* The HMAC key of recovery codes: HKDF of the vault key, so that the vault
 * key itself is used for nothing else. Derived once per context. */
static int recovery_key(mfa_ctx *ctx)
{
	char digest[] = "SHA256", info[] = RECOVERY_KEY_INFO;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ctx->key, sizeof(ctx->key)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info) - 1),
		OSSL_PARAM_construct_end(),
	};
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	int r = MFA_ERR_SYSTEM;

	if (ctx->recovery_key_ready)
		return MFA_OK;
	if (!ctx->key_loaded)
		return ctx_fail(ctx, MFA_ERR_INVALID, "mfa_open() was not called");
	if (!(kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) || !(kctx = EVP_KDF_CTX_new(kdf)) ||
	    EVP_KDF_derive(kctx, ctx->recovery_key, sizeof(ctx->recovery_key), params) != 1) {
		OPENSSL_cleanse(ctx->recovery_key, sizeof(ctx->recovery_key));
		r = ctx_fail(ctx, MFA_ERR_SYSTEM, "cannot derive the recovery code key");
		goto out;
	}
	ctx->recovery_key_ready = true;
	r = MFA_OK;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return r;
}

/* HMAC-SHA256(K, user || 0x00 || code): a row copied to another user does
 * not match, and without the key file a stolen store gives nothing to
 * search offline, so 60 random bits need no slow hash. */
static int recovery_mac(mfa_ctx *ctx, const char *user, const char *normalized,
                        unsigned char out[STORE_HASH_LEN])
{
	unsigned char msg[MFA_USER_MAX + 1 + RECOVERY_NORM_MAX];
	size_t ulen = strlen(user), clen = strlen(normalized);
	unsigned len = 0;
	int r;

	if (ulen > MFA_USER_MAX || clen > RECOVERY_NORM_MAX)
		return ctx_fail(ctx, MFA_ERR_INVALID, "recovery code or user name too long");
	if ((r = recovery_key(ctx)) != MFA_OK)
		return r;
	memcpy(msg, user, ulen);
	msg[ulen] = 0x00;
	memcpy(msg + ulen + 1, normalized, clen);
	r = HMAC(EVP_sha256(), ctx->recovery_key, sizeof(ctx->recovery_key), msg, ulen + 1 + clen,
	         out, &len) && len == STORE_HASH_LEN ? MFA_OK : MFA_ERR_SYSTEM;
	OPENSSL_cleanse(msg, sizeof(msg));
	if (r != MFA_OK)
		return ctx_fail(ctx, r, "cannot hash a recovery code");
	return MFA_OK;
}

int recovery_seal(const char *normalized, const unsigned char salt[STORE_SALT_LEN],
                  struct store_recovery *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = RECOVERY_KIND_PBKDF2;
	memcpy(rec->salt, salt, STORE_SALT_LEN);
	return recovery_hash(normalized, rec->salt, rec->hash);
}

int recovery_generate(mfa_ctx *ctx, const char *user,
                      char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT],
                      struct store_recovery rec[MFA_RECOVERY_COUNT])
{
	unsigned char raw[10];
	char *b32 = NULL;
	size_t b32len = 0;
	int r = MFA_OK;

	for (size_t i = 0; i < MFA_RECOVERY_COUNT && r == MFA_OK; i++) {
		char norm[RECOVERY_CHARS + 1];

		if ((r = random_bytes(raw, sizeof(raw))) != MFA_OK)
			break;
		if (oath_base32_encode((const char *)raw, sizeof(raw), &b32, &b32len) != OATH_OK ||
		    b32len < RECOVERY_CHARS) {
			r = MFA_ERR_SYSTEM;
			break;
		}
		memcpy(norm, b32, RECOVERY_CHARS);
		norm[RECOVERY_CHARS] = '\0';
		OPENSSL_cleanse(b32, b32len);
		free(b32);
		b32 = NULL;
		memcpy(codes[i], norm, 4);
		codes[i][4] = '-';
		memcpy(codes[i] + 5, norm + 4, 4);
		codes[i][9] = '-';
		memcpy(codes[i] + 10, norm + 8, 4);
		codes[i][14] = '\0';
		memset(&rec[i], 0, sizeof(rec[i]));
		rec[i].kind = RECOVERY_KIND_HMAC;
		/* The salt column stays NOT NULL; an HMAC row does not use it. */
		if ((r = random_bytes(rec[i].salt, STORE_SALT_LEN)) == MFA_OK)
			r = recovery_mac(ctx, user, norm, rec[i].hash);
		OPENSSL_cleanse(norm, sizeof(norm));
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	if (r != MFA_OK) {
		OPENSSL_cleanse(codes, MFA_RECOVERY_COUNT * MFA_RECOVERY_TEXT);
		OPENSSL_cleanse(rec, MFA_RECOVERY_COUNT * sizeof(*rec));
	}
	return r;
}

/* Is row i the first unused PBKDF2 row with its salt? */
static bool salt_first(const struct store_recovery *list, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!list[j].used && list[j].kind == RECOVERY_KIND_PBKDF2 &&
		    memcmp(list[j].salt, list[i].salt, STORE_SALT_LEN) == 0)
			return false;
	return true;
}

static void note_match(const unsigned char h[STORE_HASH_LEN], const struct store_recovery *rec,
                       size_t i, bool *found, size_t *index)
{
	if (CRYPTO_memcmp(h, rec->hash, STORE_HASH_LEN) == 0 && !*found) {
		*found = true;
		*index = i;
	}
}

int recovery_match(mfa_ctx *ctx, const char *user, const char *normalized,
                   const struct store_recovery *list, size_t n, bool *found, size_t *index)
{
	/* Any fixed salt: only the time taken matters. */
	static const unsigned char dummy_salt[STORE_SALT_LEN] = "mfa no scratch";
	unsigned char h[STORE_HASH_LEN];
	bool issued_form = strlen(normalized) == RECOVERY_CHARS, pbkdf2_run = false;
	int r = MFA_OK;

	*found = false;
	*index = 0;
	/* One HMAC for every issued code, computed even without any. Scratch
	 * codes (8 digits) are never HMAC rows. */
	if (issued_form) {
		if ((r = recovery_mac(ctx, user, normalized, h)) != MFA_OK)
			goto out;
		ctx->recovery_hashes++;
		for (size_t i = 0; i < n; i++)
			if (!list[i].used && list[i].kind == RECOVERY_KIND_HMAC)
				note_match(h, &list[i], i, found, index);
	}
	/* PBKDF2 rows: one run per distinct salt. An import shares one salt;
	 * codes issued before schema 4 have one each, so their holders pay
	 * more until 'mfactl recovery' reissues. */
	for (size_t i = 0; i < n; i++) {
		if (list[i].used || list[i].kind != RECOVERY_KIND_PBKDF2 || !salt_first(list, i))
			continue;
		if ((r = recovery_hash(normalized, list[i].salt, h)) != MFA_OK)
			goto out;
		ctx->recovery_hashes++;
		pbkdf2_run = true;
		for (size_t j = i; j < n; j++)
			if (!list[j].used && list[j].kind == RECOVERY_KIND_PBKDF2 &&
			    memcmp(list[j].salt, list[i].salt, STORE_SALT_LEN) == 0)
				note_match(h, &list[j], j, found, index);
	}
	/* A scratch-shaped guess costs one PBKDF2 whether or not the user has
	 * scratch codes: the time does not tell who has. */
	if (!issued_form && !pbkdf2_run) {
		if ((r = recovery_hash(normalized, dummy_salt, h)) != MFA_OK)
			goto out;
		ctx->recovery_hashes++;
	}
out:
	OPENSSL_cleanse(h, sizeof(h));
	if (r != MFA_OK)
		*found = false;
	return r;
}

int mfa_code_split(const char *typed, unsigned digits, size_t *code_offset)
{
	size_t len = strlen(typed);
	char norm[RECOVERY_NORM_MAX + 1];

	*code_offset = 0;
	/* A recovery code keeps its dashes at the end of a password. */
	if (len >= 14 && typed[len - 10] == '-' && typed[len - 5] == '-' &&
	    recovery_normalize(typed + len - 14, norm) && strlen(norm) == 12) {
		OPENSSL_cleanse(norm, sizeof(norm));
		*code_offset = len - 14;
		return MFA_OK;
	}
	OPENSSL_cleanse(norm, sizeof(norm));
	if (digits < 6 || digits > 8 || len < digits)
		return MFA_ERR_BAD_CODE;
	for (size_t i = len - digits; i < len; i++)
		if (typed[i] < '0' || typed[i] > '9')
			return MFA_ERR_BAD_CODE;
	*code_offset = len - digits;
	return MFA_OK;
}

bool mfa_code_shaped(const char *typed)
{
	size_t len, off;

	if (!typed)
		return false;
	len = strlen(typed);
	if (len >= 6 && len <= 8 && strspn(typed, "0123456789") == len)
		return true;
	/* digits 0: only a recovery code splits, here from the start. */
	return mfa_code_split(typed, 0, &off) == MFA_OK && off == 0;
}
