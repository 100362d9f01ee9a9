/* vault.c - AES-256-GCM sealing of OTP seeds with OpenSSL's EVP interface. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "vault.h"

#define VAULT_VERSION 1

int vault_key_load(const char *path, gid_t shared_gid, unsigned char key[VAULT_KEY_LEN], char *err,
                   size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = file_read_safely(path, 4096, FILE_SECRET, shared_gid, &buf, &len, err, errlen);
	if (r != MFA_OK) {
		/* Only a key that is not there is made by init; one that cannot
		 * be read gets its own hint from the caller (who may read it). */
		if (r == MFA_ERR_NOT_FOUND && access(path, F_OK) < 0 && errno == ENOENT) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, " (run 'mfactl init' to create it)");
		}
		return MFA_ERR_KEY;
	}
	if (len != VAULT_KEY_LEN) {
		snprintf(err, errlen, "key file %s holds %zu bytes, not %d: it is not an mfa key",
		         path, len, VAULT_KEY_LEN);
		r = MFA_ERR_KEY;
		goto out;
	}
	memcpy(key, buf, VAULT_KEY_LEN);
	r = MFA_OK;
out:
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

int vault_key_create(const char *path, gid_t shared_gid, char *err, size_t errlen)
{
	unsigned char key[VAULT_KEY_LEN];
	int fd, r = MFA_ERR_KEY;
	mode_t old = umask(077);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	umask(old);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
		return MFA_ERR_KEY;
	}
	if (random_bytes(key, sizeof(key)) != MFA_OK) {
		snprintf(err, errlen, "no randomness for the key file");
		goto out;
	}
	if (shared_gid != NO_GROUP && (fchown(fd, (uid_t)-1, shared_gid) < 0 || fchmod(fd, 0640) < 0)) {
		snprintf(err, errlen, "cannot give key file %s to its group: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
		goto out;
	}
	r = MFA_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	close(fd);
	if (r != MFA_OK)
		unlink(path);
	return r;
}

typedef int aad_update_fn(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);

/* Associated data: a version tag, the owner and the factor id, NUL-separated. */
static int vault_aad(EVP_CIPHER_CTX *c, aad_update_fn *update, const char *user,
                     const char *factor_id)
{
	static const char tag[] = "mfa-seed-v1";
	int outl;

	return update(c, NULL, &outl, (const unsigned char *)tag, sizeof(tag)) == 1 &&
	       update(c, NULL, &outl, (const unsigned char *)user, (int)strlen(user) + 1) == 1 &&
	       update(c, NULL, &outl, (const unsigned char *)factor_id,
	              (int)strlen(factor_id) + 1) == 1;
}

int vault_seal(const unsigned char key[VAULT_KEY_LEN], const char *user, const char *factor_id,
               const unsigned char *plain, size_t plain_len, unsigned char *sealed,
               size_t *sealed_len)
{
	EVP_CIPHER_CTX *c;
	unsigned char *nonce = sealed + 1, *ct = sealed + 1 + VAULT_NONCE_LEN;
	int outl = 0, finl = 0, r = MFA_ERR_SYSTEM;

	*sealed_len = 0;
	if (plain_len > VAULT_PLAIN_MAX)
		return MFA_ERR_INVALID;
	if (!(c = EVP_CIPHER_CTX_new()))
		return MFA_ERR_NOMEM;
	sealed[0] = VAULT_VERSION;
	if (random_bytes(nonce, VAULT_NONCE_LEN) != MFA_OK ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    !vault_aad(c, EVP_EncryptUpdate, user, factor_id) ||
	    EVP_EncryptUpdate(c, ct, &outl, plain, (int)plain_len) != 1 ||
	    EVP_EncryptFinal_ex(c, ct + outl, &finl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, VAULT_TAG_LEN, ct + plain_len) != 1)
		goto out;
	*sealed_len = plain_len + VAULT_OVERHEAD;
	r = MFA_OK;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int vault_open(const unsigned char key[VAULT_KEY_LEN], const char *user, const char *factor_id,
               const unsigned char *sealed, size_t sealed_len, unsigned char *plain,
               size_t plain_max, size_t *plain_len)
{
	EVP_CIPHER_CTX *c;
	size_t ct_len;
	int outl = 0, finl = 0, r = MFA_ERR_DECRYPT;

	*plain_len = 0;
	if (sealed_len < VAULT_OVERHEAD || sealed[0] != VAULT_VERSION ||
	    sealed_len - VAULT_OVERHEAD > plain_max)
		return MFA_ERR_CORRUPT;
	ct_len = sealed_len - VAULT_OVERHEAD;
	if (!(c = EVP_CIPHER_CTX_new()))
		return MFA_ERR_NOMEM;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed + 1) != 1 ||
	    !vault_aad(c, EVP_DecryptUpdate, user, factor_id) ||
	    EVP_DecryptUpdate(c, plain, &outl, sealed + 1 + VAULT_NONCE_LEN, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, VAULT_TAG_LEN,
	                        (void *)(sealed + 1 + VAULT_NONCE_LEN + ct_len)) != 1 ||
	    EVP_DecryptFinal_ex(c, plain + outl, &finl) != 1) {
		OPENSSL_cleanse(plain, ct_len);
		goto out;
	}
	*plain_len = ct_len;
	r = MFA_OK;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}
