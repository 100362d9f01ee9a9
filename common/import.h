/*
 * import.h - parsers for other tools' token files. They only parse: a file
 * becomes an import_set in memory, and import.c stores the whole set in one
 * transaction, so a malformed file changes nothing.
 */
#ifndef MFA_IMPORT_H
#define MFA_IMPORT_H

#include "mfa.h"

#define IMPORT_MAX_BYTES (4u * 1024 * 1024)  /* largest import file read */
#define IMPORT_MAX_TOKENS 100000
#define IMPORT_SCRATCH_MAX 16                /* chars in one scratch code */

struct import_token {
	char user[MFA_USER_MAX + 1];
	mfa_factor_type type;
	mfa_algorithm algorithm;
	unsigned digits;                 /* 6..8 */
	unsigned period;                 /* TOTP step seconds */
	uint64_t counter;                /* HOTP: next counter the token shows */
	int64_t last_step;               /* TOTP: last step used, -1 none */
	unsigned char secret[MFA_SECRET_MAX];
	size_t secret_len;
	char label[MFA_LABEL_MAX + 1];   /* shown in `mfactl list` */
};

struct import_set {
	struct import_token *tokens;
	size_t n, cap;
	char (*scratch)[IMPORT_SCRATCH_MAX + 1];  /* google-authenticator scratch codes */
	size_t nscratch, scratch_cap;
	size_t skipped;                  /* entries left out by a --user/--serial filter */
	char notes[512];                 /* what could not be carried over */
};

/* Appends a zeroed token (no step used) and returns it through *tok. */
int import_set_add(struct import_set *set, struct import_token **tok);
int import_set_add_scratch(struct import_set *set, const char *code);
void import_set_note(struct import_set *set, const char *note);
/* Frees and wipes every secret. */
void import_set_free(struct import_set *set);

/* ~/.google_authenticator: all of it is for `user`. */
int import_ga_parse(const char *buf, size_t len, const char *user, struct import_set *set,
                    char *err, size_t errlen);
/* pam_oath's usersfile (liboath format). */
int import_oath_parse(const char *buf, size_t len, struct import_set *set, char *err,
                      size_t errlen);
/* What a PSKC import is told besides the file. */
struct import_pskc_opts {
	const char *user;                /* owner of the keys (NULL: each key's UserId) */
	const char *serial;              /* only the key of that device serial (NULL: all) */
	const unsigned char *key;        /* pre-shared AES key, RFC 6030 §6.1 (NULL: none) */
	size_t key_len;
	const char *password;            /* PBKDF2 password, RFC 6030 §6.2 (NULL: none) */
	size_t password_len;
	bool force;                      /* import keys with a PIN mfa ignores, or expired */
	time_t now;                      /* what ExpiryDate is compared with */
};
/* RFC 6030 PSKC through libpskc; opts may be NULL (no filter, no keys). */
int import_pskc_parse(const char *buf, size_t len, const struct import_pskc_opts *opts,
                      struct import_set *set, char *err, size_t errlen);
/* A --key-file's content: 16, 24 or 32 bytes, raw or in hex. */
int import_pskc_key_parse(const char *buf, size_t len, unsigned char key[32], size_t *key_len,
                          char *err, size_t errlen);

#endif
