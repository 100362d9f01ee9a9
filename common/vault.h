/*
 * vault.h - secrets at rest: AES-256-GCM under the key file's key, with the
 * owner and factor id as associated data, so a ciphertext copied to another
 * row no longer decrypts.
 */
#ifndef MFA_VAULT_H
#define MFA_VAULT_H

#include <stddef.h>

#define VAULT_KEY_LEN 32
#define VAULT_NONCE_LEN 12
#define VAULT_TAG_LEN 16
#define VAULT_OVERHEAD (1 + VAULT_NONCE_LEN + VAULT_TAG_LEN)
#define VAULT_PLAIN_MAX 600     /* an OTP seed or a COSE public key */

#include <sys/types.h>

/* Reads a key file (VAULT_KEY_LEN raw bytes, mode 0600, or 0640 with the
 * group shared_gid). */
int vault_key_load(const char *path, gid_t shared_gid, unsigned char key[VAULT_KEY_LEN], char *err,
                   size_t errlen);
/* Creates a new random key file, mode 0600 (0640 with group shared_gid);
 * fails if it exists. */
int vault_key_create(const char *path, gid_t shared_gid, char *err, size_t errlen);

/* sealed must hold plain_len + VAULT_OVERHEAD bytes. */
int vault_seal(const unsigned char key[VAULT_KEY_LEN], const char *user, const char *factor_id,
               const unsigned char *plain, size_t plain_len, unsigned char *sealed,
               size_t *sealed_len);
/* Fails (MFA_ERR_CORRUPT) if the plaintext would not fit plain_max bytes. */
int vault_open(const unsigned char key[VAULT_KEY_LEN], const char *user, const char *factor_id,
               const unsigned char *sealed, size_t sealed_len, unsigned char *plain,
               size_t plain_max, size_t *plain_len);

#endif
