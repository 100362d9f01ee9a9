/*
 * store.h - the token store, in the core's own terms. Backends (SQLite now,
 * PostgreSQL next) implement store_ops; no SQL leaves a backend's file.
 * Every change runs inside begin/commit, and begin(write) serialises writers
 * for a user, so two logins racing with one code give exactly one success.
 */
#ifndef MFA_STORE_H
#define MFA_STORE_H

#include "config.h"
#include "mfa.h"
#include "vault.h"

#define STORE_SALT_LEN 16
#define STORE_HASH_LEN 32
#define STORE_ERR_MAX 512
#define STORE_NAS_MAX 128
#define STORE_CHALLENGE_ID_MAX 64
#define STORE_CRED_ID_MAX 1023    /* WebAuthn credential ids, as the spec bounds them */
#define STORE_COSE_KEY_MAX 600    /* COSE RS256 keys: 270 bytes (2048 bits) to 528 (4096) */
#define STORE_AAGUID_LEN 16
#define STORE_SEALED_MAX (STORE_COSE_KEY_MAX + VAULT_OVERHEAD)

struct store_factor {
	char user[MFA_USER_MAX + 1];
	char id[MFA_ID_LEN + 1];
	char label[MFA_LABEL_MAX + 1];
	mfa_factor_type type;
	mfa_algorithm algorithm;
	unsigned digits;
	unsigned period;
	uint64_t counter;
	int64_t last_step;
	int64_t burnt_step;               /* a step a drift hint revealed, -1 none */
	int drift_steps;
	bool active;
	int64_t created;
	int64_t last_used;
	/* OTP: the seed. WebAuthn: the COSE public key, sealed too, so that who
	 * can write the store but lacks the key file cannot plant a credential. */
	unsigned char sealed[STORE_SEALED_MAX];
	size_t sealed_len;
	/* WebAuthn only (counter is the signature counter). */
	int cose_alg;
	unsigned char cred_id[STORE_CRED_ID_MAX];
	size_t cred_id_len;
	unsigned char aaguid[STORE_AAGUID_LEN];
	char transports[64];              /* space separated, as the browser said */
	char attestation[16];             /* "none", "self", "basic", "trusted" */
	bool inline_pending;              /* pending, started by a login (not an admin) */
};

/* May a user without a factor enroll at a login? */
enum store_enroll {
	STORE_ENROLL_NEW = 0,       /* never had a factor: yes */
	STORE_ENROLL_BLOCKED = 1,   /* had one removed or used up: only an admin decides */
	STORE_ENROLL_ALLOWED = 2,   /* an admin allowed it once more (mfactl allow-enroll) */
};

struct store_user {
	unsigned failures;
	int64_t locked_until;
	int64_t first_seen;
	int enroll;                       /* enum store_enroll */
};

enum recovery_kind {
	RECOVERY_KIND_PBKDF2 = 0,   /* salted PBKDF2: imported scratch codes, codes before schema 4 */
	RECOVERY_KIND_HMAC = 1,     /* HMAC under a key derived from the key file */
};

struct store_recovery {
	unsigned char salt[STORE_SALT_LEN];
	unsigned char hash[STORE_HASH_LEN];
	bool used;
	int kind;                         /* enum recovery_kind */
};

struct store_challenge {
	char id[STORE_CHALLENGE_ID_MAX + 1];  /* RADIUS: hex; WebAuthn: "wa:" base64url */
	char user[MFA_USER_MAX + 1];
	char nas[STORE_NAS_MAX + 1];          /* RADIUS: the NAS; WebAuthn: the ceremony */
	int64_t expires;
};

struct store;

struct store_ops {
	const char *scheme;   /* "sqlite" in "sqlite:/path" */
	int (*open)(const char *location, const struct mfa_config *cfg, bool create,
	            struct store **out, char *err, size_t errlen);
	void (*close)(struct store *s);
	int (*begin)(struct store *s, bool write);
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	int (*user_get)(struct store *s, const char *user, struct store_user *u, bool *found);
	int (*user_put)(struct store *s, const char *user, const struct store_user *u);
	/* Every row of user, pending challenges too; found: factors or state. */
	int (*user_delete)(struct store *s, const char *user, bool *found);
	/* user NULL: every user's factors. Caller frees *list (and wipes). */
	int (*factors_get)(struct store *s, const char *user, struct store_factor **list, size_t *n);
	int (*factor_insert)(struct store *s, const struct store_factor *f);
	/* Writes the mutable fields: label, counter, last step, drift, active, last used. */
	int (*factor_update)(struct store *s, const struct store_factor *f);
	/* The factor holding a WebAuthn credential id, of any user. */
	int (*factor_by_cred)(struct store *s, const unsigned char *cred_id, size_t len,
	                      struct store_factor *f, bool *found);
	int (*factor_delete)(struct store *s, const char *user, const char *id, bool *found);
	int (*factors_delete_pending)(struct store *s, const char *user);
	/* Recovery codes in issue order. Caller frees *list. */
	int (*recovery_get)(struct store *s, const char *user, struct store_recovery **list, size_t *n);
	int (*recovery_replace)(struct store *s, const char *user, const struct store_recovery *list,
	                        size_t n);
	int (*recovery_use)(struct store *s, const char *user, size_t index);
	/* Pending RADIUS challenges; take reads and deletes in one go. */
	int (*challenge_put)(struct store *s, const struct store_challenge *c);
	int (*challenge_take)(struct store *s, const char *id, struct store_challenge *c, bool *found);
	int (*challenges_expire)(struct store *s, int64_t now);
	/* A user with factors whose name differs from user only in (ASCII) case. */
	int (*user_twin)(struct store *s, const char *user, char twin[MFA_USER_MAX + 1], bool *found);
	/* A user with factors whose name has capitals (user_case = lower). */
	int (*user_capitals)(struct store *s, char name[MFA_USER_MAX + 1], bool *found);
	/* Writes as much as a failure does, for no one (see verify.c). */
	int (*decoy_touch)(struct store *s, int64_t now);
};

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops *ops;
	char err[STORE_ERR_MAX];   /* detail of the last failure */
};

extern const struct store_ops store_sqlite_ops;

/* Picks the backend from the URI scheme of cfg->store. */
int store_open(const struct mfa_config *cfg, bool create, struct store **out, char *err,
               size_t errlen);
void store_close(struct store **sp);
/* Frees a factor list, wiping the sealed secrets. */
void store_factors_free(struct store_factor **list, size_t n);

#endif
