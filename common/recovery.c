/* recovery.c - generation, hashing and matching of recovery codes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "recovery.h"

/* Slows an offline guess at a stolen hash; codes have 60 bits anyway. */
#define RECOVERY_PBKDF2_ITERATIONS 2000
#define RECOVERY_CHARS 12

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

int recovery_seal(const char *normalized, const unsigned char salt[STORE_SALT_LEN],
                  struct store_recovery *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = RECOVERY_KIND_PBKDF2;
	memcpy(rec->salt, salt, STORE_SALT_LEN);
	return recovery_hash(normalized, rec->salt, rec->hash);
}

int recovery_generate(char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT],
                      struct store_recovery rec[MFA_RECOVERY_COUNT])
{
	unsigned char raw[10], salt[STORE_SALT_LEN];
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
		if ((r = random_bytes(salt, sizeof(salt))) == MFA_OK)
			r = recovery_seal(norm, salt, &rec[i]);
		OPENSSL_cleanse(norm, sizeof(norm));
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	if (r != MFA_OK) {
		OPENSSL_cleanse(codes, MFA_RECOVERY_COUNT * MFA_RECOVERY_TEXT);
		OPENSSL_cleanse(rec, MFA_RECOVERY_COUNT * sizeof(*rec));
	}
	return r;
}

int recovery_match(const char *normalized, const struct store_recovery *list, size_t n,
                   bool *found, size_t *index)
{
	unsigned char h[STORE_HASH_LEN];
	int r;

	*found = false;
	*index = 0;
	for (size_t i = 0; i < n; i++) {
		if (list[i].used)
			continue;
		if ((r = recovery_hash(normalized, list[i].salt, h)) != MFA_OK)
			return r;
		if (CRYPTO_memcmp(h, list[i].hash, STORE_HASH_LEN) == 0 && !*found) {
			*found = true;
			*index = i;
		}
	}
	OPENSSL_cleanse(h, sizeof(h));
	return MFA_OK;
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
