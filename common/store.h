/*
 * store.h - the token store, in the core's own terms. Backends (SQLite,
 * PostgreSQL) implement store_ops; no SQL leaves a backend's file.
 *
 * The contract every backend meets and every core write path keeps:
 * - Every change runs inside begin/commit. begin(false) reads a consistent
 *   snapshot; begin(true) starts a write.
 * - A write that changes a user's rows (factors, recovery codes, lockout
 *   state, challenges taken for them) locks that user first, in the same
 *   transaction, with lock_user right after begin(true) (store_begin_user).
 *   Writers of one user are then serialised until commit or rollback, so
 *   two logins racing with one code give exactly one success. The lock is
 *   held whether or not the user has rows yet. Several users are locked in
 *   sorted order (strcmp: store_begin_users), so that two writers never
 *   wait on each other in a cycle (deadlock). A challenge put or taken locks its user (a delete
 *   of the user must not miss it); writes for no user in particular
 *   (expiring challenges alone, the decoy row) need no user lock. An
 *   invite put locks its user; an invite taken by its hash does not (the
 *   taker does not know the user yet): the row itself is what a delete of
 *   the user and a take meet on, and exactly one of them removes it.
 * - A backend that detects a serialisation failure or a deadlock returns
 *   STORE_RETRY (never an mfa_err) and leaves the transaction to be rolled
 *   back; the core runs the whole transaction again, from begin, at most
 *   STORE_TRIES times (store_retry), then fails closed with MFA_ERR_STORE.
 *   A lock wait that times out (SQLite's busy timeout) is a plain
 *   MFA_ERR_STORE: it already waited.
 * - Rows read back pass store_*_ok before the core sees them, whatever
 *   wrote them: a malformed row is MFA_ERR_CORRUPT, never used.
 * - Group commit (group.c) runs several logins in one write transaction,
 *   each inside a savepoint: savepoint(SP_SET) after the batch's users are
 *   locked, then SP_RELEASE to keep what it wrote or SP_ROLLBACK to undo
 *   it (and end the savepoint); the transaction itself commits once.
 * - setup (mfactl init) makes what the store needs and gives it to the
 *   configured group; open(create = false) never creates anything.
 */
#ifndef MFA_STORE_H
#define MFA_STORE_H

#include <sys/types.h>

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

/* An invite link (invite.c): the SHA-256 of its token, never the token. */
struct store_invite {
	unsigned char hash[STORE_HASH_LEN];
	char user[MFA_USER_MAX + 1];
	int64_t created;
	int64_t expires;
	char created_by[MFA_USER_MAX + 1];    /* the actor who made it */
};

/* An approval of a login with a passkey (approval.c): its id is the
 * link's code, no secret (the approval needs the user's passkey). */
enum store_approval_state {
	STORE_APPROVAL_PENDING = 0,
	STORE_APPROVAL_APPROVED = 1,
	STORE_APPROVAL_DENIED = 2,
	STORE_APPROVAL_CONSUMED = 3,
};

struct store_approval {
	char id[MFA_APPROVAL_ID_LEN + 1];
	char user[MFA_USER_MAX + 1];
	unsigned number;                      /* shown at the prompt, 10..99; 0: none (hold) */
	unsigned choices;                     /* the page's four, in order: 47128365; 0: none */
	char service[MFA_APPROVAL_SERVICE_MAX + 1];
	char nas[MFA_APPROVAL_NAS_MAX + 1];
	char remote[MFA_APPROVAL_REMOTE_MAX + 1];
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];
	int64_t created;
	int64_t expires;
	int64_t decided_at;                   /* 0 while pending */
	int state;                            /* enum store_approval_state */
};

/* A sign-in code (signin.c): one live per user, an HMAC of the code under
 * a key derived from the key file, never the code. */
struct store_signin {
	char user[MFA_USER_MAX + 1];
	unsigned char hash[STORE_HASH_LEN];
	int64_t created;
	int64_t expires;
};

struct store;

/* A backend's answer, not an mfa_err: serialisation failure or deadlock,
 * run the whole transaction again (see above). */
#define STORE_RETRY (-1)
#define STORE_TRIES 3

/* What savepoint does (one savepoint at a time, inside a write). */
enum store_sp {
	STORE_SP_SET = 0,
	STORE_SP_RELEASE = 1,    /* keep what was written since SP_SET */
	STORE_SP_ROLLBACK = 2,   /* undo it; the savepoint ends too */
};

struct store_ops {
	const char *scheme;   /* "sqlite" in "sqlite:/path" */
	/* Whether location (after "scheme:") names a store this backend can
	 * use: MFA_OK, or MFA_ERR_CONFIG and a message. Looks at the text only. */
	int (*location_check)(const char *location, char *err, size_t errlen);
	/* mfactl init: makes the store (schema included) and, with gid not
	 * NO_GROUP, gives it to that group; MFA_SETUP_STORE in *created when
	 * it was not there. Safe to run again. */
	int (*setup)(const char *location, const struct mfa_config *cfg, gid_t gid,
	             unsigned *created, char *err, size_t errlen);
	int (*open)(const char *location, const struct mfa_config *cfg, bool create,
	            struct store **out, char *err, size_t errlen);
	void (*close)(struct store *s);
	/* mfactl backup: a consistent copy of the whole store, taken while
	 * others read and write, into dest, a new file (0600), checked before
	 * it is kept. NULL for a backend whose own tools do it (pg_dump). */
	int (*backup)(struct store *s, const char *dest);
	int (*begin)(struct store *s, bool write);
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	/* Locks user's rows (existing or not) for the rest of this write
	 * transaction; see the contract above. */
	int (*lock_user)(struct store *s, const char *user);
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
	/* Every name with a row of its own (user state, factors or recovery
	 * codes), sorted by strcmp, each once. Caller frees *names. */
	int (*users_list)(struct store *s, char (**names)[MFA_USER_MAX + 1], size_t *n);
	/* Every pending challenge (RADIUS and WebAuthn), by id. Caller frees *list. */
	int (*challenges_get)(struct store *s, struct store_challenge **list, size_t *n);
	/* Invites (user_delete removes a user's, and they make the user
	 * "found" and listed by users_list: they name who made them). take
	 * reads and deletes the one with hash, expired or not, in the
	 * caller's transaction. */
	int (*invite_put)(struct store *s, const struct store_invite *inv);
	int (*invite_take)(struct store *s, const unsigned char hash[STORE_HASH_LEN],
	                   struct store_invite *inv, bool *found);
	int (*invites_expire)(struct store *s, int64_t now);
	/* user's invites, by created then hash. Caller frees *list. */
	int (*invites_get)(struct store *s, const char *user, struct store_invite **list, size_t *n);
	/* Approvals (user_delete removes a user's; they alone do not make a
	 * user "found" or listed: they live minutes). get with lock, inside a
	 * write, holds the row until commit (SQLite's write lock already
	 * does). update moves id from state from to state to, and says
	 * whether it did: two racing updates change it once. */
	int (*approval_put)(struct store *s, const struct store_approval *a);
	int (*approval_get)(struct store *s, const char *id, bool lock, struct store_approval *a,
	                    bool *found);
	int (*approval_update)(struct store *s, const char *id, int from, int to,
	                       int64_t decided_at, bool *changed);
	int (*approvals_expire)(struct store *s, int64_t now);
	/* user's approvals, by created then id. Caller frees *list. */
	int (*approvals_get)(struct store *s, const char *user, struct store_approval **list,
	                     size_t *n);
	/* Sign-in codes (user_delete removes a user's; they alone do not make
	 * a user "found" or listed: they live minutes). put replaces the
	 * user's code; delete says whether there was one. */
	int (*signin_put)(struct store *s, const struct store_signin *c);
	int (*signin_get)(struct store *s, const char *user, struct store_signin *c, bool *found);
	int (*signin_delete)(struct store *s, const char *user, bool *found);
	int (*signins_expire)(struct store *s, int64_t now);
	/* Optional. Right after begin(true): lock_user, then user_get,
	 * factors_get and, with twin not NULL, user_twin, at once (a server
	 * backend sends them in one round trip). NULL: store_begin_login
	 * makes the calls one by one. */
	int (*login_read)(struct store *s, const char *user, struct store_user *u, bool *found,
	                  struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
	                  bool *twin_found);
	/* Inside a write transaction: see enum store_sp. */
	int (*savepoint)(struct store *s, enum store_sp what);
	/* Logins group commit puts in one transaction unless the config says
	 * (group_commit): 1, each its own. */
	unsigned group_default;
};

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops *ops;
	char err[STORE_ERR_MAX];   /* detail of the last failure */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;        /* postgresql://... */
extern const struct store_ops store_postgres_ops;  /* postgres://..., the same */

/* Whether uri ("scheme:location") names a known backend and a location it
 * takes: MFA_OK, or MFA_ERR_CONFIG and a message. */
int store_uri_check(const char *uri, char *err, size_t errlen);
/* Runs the backend's setup for cfg->store. */
int store_setup(const struct mfa_config *cfg, gid_t gid, unsigned *created, char *err,
                size_t errlen);
/* begin(true), then lock_user for user, or for each of users (any order,
 * repeats allowed: locked sorted, once each). Rolled back on failure. */
int store_begin_user(struct store *s, const char *user);
int store_begin_users(struct store *s, const char *const *users, size_t n);
/* In a write that locked user: user_get, factors_get and, with twin not
 * NULL, user_twin, one after another (store_begin_login's reads). */
int store_login_reads(struct store *s, const char *user, struct store_user *u, bool *found,
                      struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
                      bool *twin_found);
/* A login's start: begin(true) and user locked (store_begin_user), then
 * its state, its factors and, with twin not NULL, a case twin (user_twin),
 * through login_read when the backend has it. Rolled back on failure. */
int store_begin_login(struct store *s, const char *user, struct store_user *u, bool *found,
                      struct store_factor **list, size_t *n, char twin[MFA_USER_MAX + 1],
                      bool *twin_found);
/* Runs body (a whole transaction, begin to commit, rolled back on failure)
 * again while it returns STORE_RETRY, STORE_TRIES times at most; then
 * MFA_ERR_STORE. */
int store_retry(int (*body)(void *arg), void *arg);
/* Row checks every backend applies to what it reads (the values, not the
 * encoding): false for values no version of mfa writes. */
bool store_factor_ok(const struct store_factor *f);
bool store_user_ok(const struct store_user *u);
bool store_recovery_ok(const struct store_recovery *r);
bool store_invite_ok(const struct store_invite *inv);
bool store_approval_ok(const struct store_approval *a);
bool store_signin_ok(const struct store_signin *c);
/* The four numbers packed in choices, in order; false if malformed. */
bool store_approval_choices(unsigned choices, unsigned out[4]);
/* Picks the backend from the URI scheme of cfg->store. */
int store_open(const struct mfa_config *cfg, bool create, struct store **out, char *err,
               size_t errlen);
void store_close(struct store **sp);
/* Frees a factor list, wiping the sealed secrets. */
void store_factors_free(struct store_factor **list, size_t n);

#endif
