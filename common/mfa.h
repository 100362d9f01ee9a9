/*
 * mfa.h - the one public interface of the mfa core.
 *
 * Front ends (pam_mfa.so, rlm_mfa.so, mfactl) include only this header.
 * A context (mfa_ctx) is not shared between threads: make one per thread.
 * Every function returns an mfa_err; results go through out-parameters,
 * which are cleared on entry.
 */
#ifndef MFA_H
#define MFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MFA_DEFAULT_CONFIG "/etc/mfa/mfa.conf"

#define MFA_USER_MAX 128         /* bytes in a user name */
#define MFA_LABEL_MAX 64         /* bytes in a factor label */
#define MFA_ID_LEN 8             /* characters in a factor id */
#define MFA_SECRET_MAX 64        /* bytes in an OTP seed */
#define MFA_RECOVERY_COUNT 10    /* recovery codes issued at a time */
#define MFA_RECOVERY_TEXT 15     /* "XXXX-XXXX-XXXX" plus NUL */

typedef enum {
	MFA_OK = 0,
	/* Verdicts: the core decided to refuse. */
	MFA_ERR_BAD_CODE,        /* wrong code */
	MFA_ERR_REPLAY,          /* code already used */
	MFA_ERR_CLOCK_DRIFT,     /* code valid at another time: device clock off */
	MFA_ERR_LOCKED,          /* too many failures: locked for a while */
	MFA_ERR_NO_FACTOR,       /* user has no active factor */
	MFA_ERR_CHALLENGE,       /* challenge unknown, expired, used or not this user's */
	MFA_ERR_WEBAUTHN,        /* security key response failed a relying-party check */
	MFA_ERR_CLONED,          /* security key's signature counter went back: a clone? */
	/* The core could not decide: deny, and tell an administrator. */
	MFA_ERR_CONFIG,          /* malformed or unreadable config */
	MFA_ERR_KEY,             /* key file missing, unsafe or malformed */
	MFA_ERR_STORE,           /* store missing, unreadable or failing */
	MFA_ERR_CORRUPT,         /* a stored record is malformed */
	MFA_ERR_DECRYPT,         /* a secret does not decrypt: wrong key or moved */
	MFA_ERR_NOMEM,
	MFA_ERR_SYSTEM,          /* I/O or library failure */
	/* Caller errors: nothing was changed. */
	MFA_ERR_INVALID,         /* bad argument */
	MFA_ERR_NOT_FOUND,       /* no such user or factor */
	MFA_ERR_IMPORT,          /* malformed import file */
	/* A verdict, numbered last so that the numbers mfad's replies carry
	 * stay those an older pam_mfa knows. */
	MFA_ERR_BAD_PASSWORD,    /* the password check (PAM) said no */
	MFA_ERR_INVITE,          /* invite link unknown, used or expired */
	MFA_ERR_PENDING,         /* approval not given yet: ask again later */
	MFA_ERR__COUNT
} mfa_err;

/* Short text for an error code; never NULL. */
const char *mfa_strerror(int err);
/* True for the codes by which the core refused a user (the verdicts). */
bool mfa_err_is_verdict(int err);
/* The same, for code that links no part of the core (pam_mfa.so). */
#define MFA_ERR_IS_VERDICT(err) \
	(((err) >= MFA_ERR_BAD_CODE && (err) <= MFA_ERR_CLONED) || (err) == MFA_ERR_BAD_PASSWORD || \
	 (err) == MFA_ERR_INVITE || (err) == MFA_ERR_PENDING)

typedef struct mfa_ctx mfa_ctx;

typedef enum { MFA_LOG_ERROR, MFA_LOG_WARNING, MFA_LOG_INFO, MFA_LOG_DEBUG } mfa_log_level;
typedef void mfa_log_fn(void *arg, mfa_log_level level, const char *message);
typedef time_t mfa_clock_fn(void *arg);

int mfa_ctx_new(mfa_ctx **ctxp);
void mfa_ctx_free(mfa_ctx **ctxp);
/* Where the core's log lines go; default: nowhere. */
void mfa_ctx_set_log_handler(mfa_ctx *ctx, mfa_log_fn *fn, void *arg);
/* The clock used for TOTP and lockout; default: time(NULL). */
void mfa_ctx_set_clock(mfa_ctx *ctx, mfa_clock_fn *fn, void *arg);
/* What the last failed call was about, with what to do next; "" if none. */
const char *mfa_ctx_error(const mfa_ctx *ctx);

/* Reads path, or $MFA_CONFIG, or MFA_DEFAULT_CONFIG when path is NULL. */
int mfa_config_load(mfa_ctx *ctx, const char *path);
/* One setting, as a `key = value` line would set it (front-end options). */
int mfa_config_set(mfa_ctx *ctx, const char *key, const char *value);
/* The config file in use (after mfa_config_load). */
const char *mfa_config_path(const mfa_ctx *ctx);
/* The settings src was loaded with, into dst: contexts made for other
 * threads later get what one load read, never the file as it is by then. */
int mfa_config_copy(mfa_ctx *dst, const mfa_ctx *src);
/* A text setting as loaded (web_user, web_pam_service, web_url, ...); NULL for a
 * key that is not a text setting. */
const char *mfa_config_text(const mfa_ctx *ctx, const char *key);

/* The portal's settings (mfa-web, docs/mfa-web.md), as the config gives them. */
#define MFA_WEB_LISTEN_MAX 300
struct mfa_web_settings {
	char listen[MFA_WEB_LISTEN_MAX];  /* ADDR:PORT */
	const char *tls_cert, *tls_key;  /* paths, "" for plain HTTP; valid while ctx lives */
	char admin_group[64];             /* "" = no support staff */
	char user[64];                    /* web_user: root is dropped for it */
	unsigned session_idle, session_max; /* seconds */
	bool behind_proxy;                /* X-Forwarded-For from loopback is the client */
};
void mfa_web_settings_get(const mfa_ctx *ctx, struct mfa_web_settings *out);

/* Opens key file and store named by the config, and checks that audit_file
 * can be written (an ERROR log line if not; a failure under
 * audit_required = yes). Fails closed. */
int mfa_open(mfa_ctx *ctx);

/* mfactl init: creates what is missing (config file, key file, store,
 * audit_file), each with safe permissions, and reports what it created.
 * Idempotent. */
#define MFA_SETUP_CONFIG 0x1u
#define MFA_SETUP_KEY    0x2u
#define MFA_SETUP_STORE  0x4u
#define MFA_SETUP_AUDIT  0x8u
int mfa_setup(mfa_ctx *ctx, const char *config_path, unsigned *created);

typedef enum { MFA_FACTOR_TOTP = 1, MFA_FACTOR_HOTP = 2, MFA_FACTOR_WEBAUTHN = 3 } mfa_factor_type;
typedef enum { MFA_ALG_SHA1 = 0, MFA_ALG_SHA256 = 1, MFA_ALG_SHA512 = 2 } mfa_algorithm;

const char *mfa_factor_type_name(mfa_factor_type type);
const char *mfa_algorithm_name(mfa_algorithm alg);
int mfa_algorithm_parse(const char *name, mfa_algorithm *alg);

/* TOTP periods accepted everywhere: enrollment, the config's default,
 * imports and the store. */
#define MFA_PERIOD_MIN 10
#define MFA_PERIOD_MAX 300

/* Parameters of a new OTP factor. Zero fields take the config's defaults. */
struct mfa_otp_params {
	mfa_factor_type type;            /* 0: TOTP */
	int algorithm;                   /* mfa_algorithm, or -1: default */
	unsigned digits;                 /* 6..8 */
	unsigned period;                 /* TOTP seconds, MFA_PERIOD_MIN..MAX */
	uint64_t counter;                /* HOTP start */
	const char *label;               /* NULL: user@host */
	const char *issuer;              /* NULL: config issuer */
	const char *secret_base32;       /* known seed (hardware token); NULL: random */
	const char *source;              /* for the audit trail; NULL: "cli" */
	const char *remote;              /* for the audit trail: client address, or NULL */
	bool allow_case;                 /* a name differing only in case from another
	                                  * user's may be enrolled (user_case = exact only) */
};

typedef struct mfa_enrollment mfa_enrollment;

/* Creates a pending factor (inactive until confirmed or activated). */
int mfa_enroll_begin(mfa_ctx *ctx, const char *user, const struct mfa_otp_params *params,
                     mfa_enrollment **out);
const char *mfa_enrollment_factor_id(const mfa_enrollment *e);
/* The otpauth:// URI: it holds the secret. */
const char *mfa_enrollment_uri(const mfa_enrollment *e);
/* The secret in base32, for typing into an app by hand. */
const char *mfa_enrollment_secret_base32(const mfa_enrollment *e);
/* Activates the factor if code is its current code. */
int mfa_enroll_confirm(mfa_ctx *ctx, mfa_enrollment *e, const char *code);
/* Activates the factor without a code (scripted enrollment). */
int mfa_enroll_activate(mfa_ctx *ctx, mfa_enrollment *e);
void mfa_enrollment_free(mfa_enrollment **ep);

/* One authentication attempt, as a front end sees it. */
struct mfa_request {
	const char *user;
	const char *code;        /* OTP or recovery code as typed */
	const char *source;      /* "cli", "pam:sshd", "radius:vpn1" ... */
	const char *remote;      /* client address or NULL */
	const char *nas_id;      /* RADIUS NAS-Identifier, or NULL */
	const char *station;     /* RADIUS Calling-Station-Id, or NULL */
	const char *challenge;   /* RADIUS: the challenge this code answers, taken in
	                          * the same transaction as the check; or NULL */
	const char *challenge_nas; /* the RADIUS client it must have been issued to */
	unsigned drift_report;   /* 0: the config's; a support tool asks for more (mfactl verify) */
};

typedef enum { MFA_VIA_NONE = 0, MFA_VIA_OTP, MFA_VIA_RECOVERY, MFA_VIA_SIGNIN_CODE } mfa_via;

struct mfa_verdict {
	int result;                      /* same as the return value */
	mfa_via via;
	char factor_id[MFA_ID_LEN + 1];  /* factor that matched (or drifted) */
	long drift_seconds;              /* CLOCK_DRIFT: <0 device behind */
	time_t locked_until;             /* LOCKED, or set by this failure */
	unsigned locked_seconds;         /* how long that still is */
	unsigned failures;               /* consecutive failures after this one */
	unsigned recovery_left;          /* after a recovery code was used */
	bool security_key_only;          /* NO_FACTOR: the user's factors are security keys */
};

/* Verifies a code: replay, lockout and audit included, one transaction.
 * The same as mfa_login after a verified password, with no-factor refused. */
int mfa_verify(mfa_ctx *ctx, const struct mfa_request *req, struct mfa_verdict *out);

/* Logins: the one policy every front end applies (docs/pam_mfa.md). */
typedef enum {
	MFA_NO_FACTOR_REFUSE = 0,        /* a user without a factor is refused */
	MFA_NO_FACTOR_ACCEPT,            /* ... let in (RADIUS no_factor = accept) */
	MFA_NO_FACTOR_IGNORE,            /* ... left to other modules (PAM nullok) */
} mfa_no_factor;

struct mfa_login_policy {
	/* Something before us verified the user's password and stops the login
	 * when it is wrong. Without it a stranger may be typing: every user gets
	 * the same prompt and the same refusal, and only REFUSE is allowed for
	 * users without a factor (no grace, nullok or enrollment). */
	bool password_verified;
	mfa_no_factor no_factor;
	unsigned grace_days;             /* users without a factor pass for this many
	                                  * days after first seen; 0: none */
	bool enroll_inline;              /* the front end can enroll them */
};

typedef enum {
	MFA_LOGIN_ASK = 1,               /* ask for a code */
	MFA_LOGIN_ACCEPT,                /* let the user in */
	MFA_LOGIN_RETRY,                 /* wrong code: another may be asked for */
	MFA_LOGIN_REFUSE,                /* refuse */
	MFA_LOGIN_IGNORE,                /* no say (nullok): other modules decide */
	MFA_LOGIN_ENROLL,                /* may enroll now: mfa_login_enroll_begin */
} mfa_login_action;

struct mfa_login_result {
	mfa_login_action action;
	int result;                      /* MFA_OK, the verdict, or why it could not decide */
	struct mfa_verdict verdict;      /* a code's verification */
	char message[384];               /* for the user ("" when none) */
};

/* One step of a login. Without req->code: what to do before asking for a
 * code (ask, or refuse a locked user, or apply the no-factor policy). With
 * it: the verification (and req->challenge taken) in one transaction, on
 * the context clock, audited. Returns out->result. */
int mfa_login(mfa_ctx *ctx, const struct mfa_request *req, const struct mfa_login_policy *policy,
              struct mfa_login_result *out);
/* After MFA_LOGIN_ENROLL: checks again that req->user may enroll and
 * creates the pending factor, in one transaction; audits the offer. */
int mfa_login_enroll_begin(mfa_ctx *ctx, const struct mfa_request *req,
                           const struct mfa_login_policy *policy, mfa_enrollment **out);
/* The enrollment mfa_login_enroll_begin made, for a process that did not
 * keep it (the resident service answers each step on its own): confirms
 * only the pending factor factor_id of req->user that a login began. The
 * URI and secret of the result are empty. */
int mfa_login_enroll_resume(mfa_ctx *ctx, const struct mfa_request *req,
                            const struct mfa_login_policy *policy, const char *factor_id,
                            mfa_enrollment **out);
/* "password" followed by a code, typed as one (PAM forward_pass, RADIUS
 * append): where user's code starts. MFA_ERR_BAD_CODE when there is none,
 * and always for a user without a factor (who typed only a password). */
int mfa_login_split(mfa_ctx *ctx, const char *user, const char *typed, size_t *code_offset);
/* A user who had a factor removed may enroll at a login once more. */
int mfa_user_allow_enroll(mfa_ctx *ctx, const char *user, const char *source);
/* user as the store knows it: user_case applied; MFA_ERR_INVALID if no
 * valid name. */
int mfa_user_canonical(mfa_ctx *ctx, const char *user, char out[MFA_USER_MAX + 1]);
/* Copies text to out (size bytes, always terminated) with every byte that
 * is not printable UTF-8 (a malformed sequence, a control character) as
 * \xHH, so that JSON and terminals can show a name or label an older
 * version stored. False if anything was escaped or cut. */
bool mfa_text_escape(const char *text, char *out, size_t size);
/* Room for any user name or label through mfa_text_escape. */
#define MFA_TEXT_ESCAPED_MAX (4 * MFA_USER_MAX + 1)
/* A sentence for the user about a refusal, e.g. lockout time or drift. */
void mfa_verdict_message(const struct mfa_verdict *v, char *buf, size_t len);

struct mfa_factor_info {
	char user[MFA_USER_MAX + 1];
	char id[MFA_ID_LEN + 1];
	char label[MFA_LABEL_MAX + 1];
	mfa_factor_type type;
	mfa_algorithm algorithm;
	unsigned digits;
	unsigned period;
	uint64_t counter;
	long drift_seconds;
	bool active;
	time_t created;
	time_t last_used;                /* 0: never */
	/* WebAuthn credentials (counter above is the signature counter). */
	int webauthn_algorithm;          /* COSE */
	char webauthn_aaguid[37];        /* authenticator model, UUID form */
	char webauthn_transports[64];
	char webauthn_attestation[16];
	char webauthn_credential_id[44]; /* base64url, cut to 40 characters + "..." */
};

struct mfa_user_info {
	char user[MFA_USER_MAX + 1];
	unsigned failures;
	time_t locked_until;
	time_t first_seen;
	unsigned recovery_total;
	unsigned recovery_left;
	unsigned active_factors;         /* OTP factors that can log in */
	unsigned webauthn_credentials;   /* security keys and passkeys */
	unsigned code_digits;            /* digits of the factor used last (0: none), or of
	                                  * the live sign-in code of a user without one */
	bool signin_code;                /* a live sign-in code from the portal */
};

/* When a front end first saw user without a factor (recorded now if never);
 * the start of a grace period. */
int mfa_user_first_seen(mfa_ctx *ctx, const char *user, time_t *first_seen);
/* Where the code starts in "password" followed by a code, typed as one: a
 * recovery code (XXXX-XXXX-XXXX) or `digits` digits at the end. */
int mfa_code_split(const char *typed, unsigned digits, size_t *code_offset);
/* Typed text that is a code as a whole: 6 to 8 digits, or a recovery code
 * (XXXX-XXXX-XXXX), so that a prompt offering something else too (an
 * approval) knows what was meant. Says nothing of whether it is right. */
bool mfa_code_shaped(const char *typed);
/* An audit event decided by a front end (a grace login, nullok, ...).
 * MFA_ERR_SYSTEM when audit_required = yes and the event could not be
 * written: then refuse what it records. MFA_OK otherwise. */
int mfa_audit(mfa_ctx *ctx, const struct mfa_request *req, const char *event,
               const char *outcome, const char *detail);
/* user's last max (1..200) events in audit_file, newest first, as a JSON
 * array of the events (free with free()); events: a space-separated list
 * of event names to keep, or NULL for all. Reads only the file's last 8 MB.
 * MFA_ERR_NOT_FOUND when audit_file is not set. */
int mfa_audit_recent(mfa_ctx *ctx, const char *user, const char *events, unsigned max,
                     char **json);

/* Challenges (RADIUS Access-Challenge): kept in the store, so that another
 * server sharing it can take the answer. One use, bound to user and NAS. */
#define MFA_CHALLENGE_ID_LEN 32  /* hex characters */
int mfa_challenge_create(mfa_ctx *ctx, const char *user, const char *nas, unsigned ttl,
                         char id[MFA_CHALLENGE_ID_LEN + 1]);
/* Removes the challenge; MFA_OK only if it was req->user's, from nas, and
 * unexpired, else MFA_ERR_CHALLENGE (audited). */
int mfa_challenge_take(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                       const char *nas);

/* WebAuthn: security keys and passkeys (docs/webauthn.md). Options and
 * responses are JSON in the WebAuthn Level 3 serialisation, as a browser's
 * PublicKeyCredential.parse*OptionsFromJSON() take them and toJSON() gives
 * them. Challenges live in the store: any process or server sharing it can
 * finish a ceremony another began. Needs webauthn_rp_id in the config. */
struct mfa_webauthn_result {
	int result;                      /* same as the return value */
	char factor_id[MFA_ID_LEN + 1];  /* the credential's factor */
	char attestation[16];            /* registration: none, self, basic, trusted */
	int algorithm;                   /* COSE: -7 ES256, -8 EdDSA, -257 RS256 */
	uint32_t sign_count;
	bool user_verified;              /* the UV flag was set */
};

/* PublicKeyCredentialCreationOptionsJSON for user (free with free()). */
int mfa_webauthn_register_begin(mfa_ctx *ctx, const char *user, char **options_json);
/* Verifies a RegistrationResponseJSON and stores the credential as a factor
 * labelled label (NULL: "security key"). */
int mfa_webauthn_register_finish(mfa_ctx *ctx, const struct mfa_request *req,
                                 const char *response_json, const char *label,
                                 struct mfa_webauthn_result *out);
/* PublicKeyCredentialRequestOptionsJSON listing user's credentials. */
int mfa_webauthn_login_begin(mfa_ctx *ctx, const char *user, char **options_json);
/* Verifies an AuthenticationResponseJSON for req->user: challenge taken and
 * signature counter moved on in one transaction, audited. */
int mfa_webauthn_login_finish(mfa_ctx *ctx, const struct mfa_request *req,
                              const char *response_json, struct mfa_webauthn_result *out);
/* COSE algorithm name ("ES256", ...). */
const char *mfa_webauthn_algorithm_name(int cose_alg);

/* Factors of user, or of everyone when user is NULL. */
int mfa_factor_list(mfa_ctx *ctx, const char *user, struct mfa_factor_info **out, size_t *n);
void mfa_factor_list_free(struct mfa_factor_info **list);
int mfa_user_info_get(mfa_ctx *ctx, const char *user, struct mfa_user_info *out);

int mfa_factor_remove(mfa_ctx *ctx, const char *user, const char *factor_id, const char *source);
int mfa_factor_rename(mfa_ctx *ctx, const char *user, const char *factor_id, const char *label,
                      const char *source);
/* Two consecutive codes re-align a TOTP clock or an HOTP counter. */
int mfa_resync(mfa_ctx *ctx, const char *user, const char *code1, const char *code2,
               const char *source, char factor_id[MFA_ID_LEN + 1]);
int mfa_unlock(mfa_ctx *ctx, const char *user, const char *source);
/* Issues MFA_RECOVERY_COUNT new codes; the old ones stop working. */
int mfa_recovery_generate(mfa_ctx *ctx, const char *user, const char *source,
                          char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT]);
/* Everything stored about user as JSON, secrets (and invite hashes) left
 * out. Free with free(). */
int mfa_user_export(mfa_ctx *ctx, const char *user, char **json);
/* Erases every record of user. */
int mfa_user_delete(mfa_ctx *ctx, const char *user, const char *source);

/* Invite links (mfactl invite, the portal mfa-web): one use, stored as the
 * SHA-256 of their token, expiring. Whoever holds one may enroll a first
 * factor for its user. */
#define MFA_INVITE_TOKEN_LEN 43          /* base64url characters: 256 bits */
#define MFA_INVITE_EXPIRES_MIN 60        /* seconds */
#define MFA_INVITE_EXPIRES_MAX (30u * 86400)
/* Makes an invite for user (user_case applied) that expires after
 * expires_seconds (0: the config's invite_expires), made by actor (who
 * asked: audited and stored), and writes its link to url: the config's
 * web_url + "/invite#" + token (the fragment never reaches a server's
 * log). MFA_ERR_CONFIG without web_url; MFA_ERR_INVALID for a bad user,
 * actor, lifetime, or a url buffer too small. Audited, without the token. */
int mfa_invite_create(mfa_ctx *ctx, const char *user, unsigned expires_seconds,
                      const char *actor, char *url, size_t url_size);
/* How long mfa_invite_create makes a link live for expires_seconds (0:
 * the config's invite_expires), in seconds. */
unsigned mfa_invite_lifetime(const mfa_ctx *ctx, unsigned expires_seconds);
/* Takes the invite of token (the link's fragment) in one transaction:
 * MFA_OK and its user in user (MFA_USER_MAX + 1 bytes at least), once. Unknown, used, expired (then removed
 * too) and malformed tokens all get MFA_ERR_INVITE. Audited, without the
 * token. */
int mfa_invite_redeem(mfa_ctx *ctx, const char *token, char *user, size_t user_size);
/* "90", "90s", "15m", "24h", "7d" in seconds (mfactl invite --expires,
 * invite_expires); MFA_ERR_INVALID for anything else. */
int mfa_duration_parse(const char *text, unsigned *seconds);

/* Approvals (docs/approvals.md): a login whose user has a passkey shows
 * a link (web_url + "/a/" + id) and a number; on the portal the user picks
 * that number among four and signs with the passkey; the front end that
 * asked then consumes the approval, once. Stored, so that the portal and
 * any PAM host or RADIUS server sharing the store see the same one. */
#define MFA_APPROVAL_ID_LEN 8            /* characters of MFA_APPROVAL_ALPHABET */
#define MFA_APPROVAL_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  /* no 0/O, 1/I/L */
#define MFA_APPROVAL_TTL_MIN 30          /* seconds (approve_timeout) */
#define MFA_APPROVAL_TTL_MAX 600
#define MFA_APPROVAL_SERVICE_MAX 64      /* bytes of req->source kept */
#define MFA_APPROVAL_REMOTE_MAX 64       /* bytes of req->remote kept */
#define MFA_APPROVAL_NAS_MAX 128         /* bytes of req->nas_id kept */
#define MFA_APPROVAL_REQUESTER_MAX 255   /* bytes of a requester */

typedef enum {
	MFA_APPROVAL_PENDING = 0,        /* waiting for the user */
	MFA_APPROVAL_APPROVED,           /* the right number and the passkey: one login may use it */
	MFA_APPROVAL_DENIED,             /* a wrong number or a refused assertion: burnt */
	MFA_APPROVAL_CONSUMED,           /* a login used it */
	MFA_APPROVAL_EXPIRED,            /* not decided or not used in time */
} mfa_approval_state;

struct mfa_approval_info {
	char id[MFA_APPROVAL_ID_LEN + 1];
	char user[MFA_USER_MAX + 1];
	char service[MFA_APPROVAL_SERVICE_MAX + 1];      /* "pam:sshd", "radius:vpn1" */
	char nas[MFA_APPROVAL_NAS_MAX + 1];              /* RADIUS NAS, or "" */
	char remote[MFA_APPROVAL_REMOTE_MAX + 1];        /* client address, or "" */
	char requester[MFA_APPROVAL_REQUESTER_MAX + 1];  /* the front end that asked */
	time_t created;
	time_t expires;
	mfa_approval_state state;
	/* The number shown at the prompt among three others, in one order for
	 * every viewer; nothing tells which one it is. All 0 for an approval
	 * without a number (mfa_approval_create_hold). */
	unsigned choices[4];
};

/* A pending approval of a login of req->user (user_case applied) at service
 * req->source, from req->remote, via req->nas_id (both may be NULL), asked
 * for by requester (the host or RADIUS client: only it may consume it).
 * Lives ttl seconds (0: approve_timeout; else MFA_APPROVAL_TTL_MIN..MAX).
 * Gives its id (the link's code) and the number to show with it. Expired
 * approvals are swept. Audited ("requested", with the number). */
int mfa_approval_create(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                        unsigned ttl, char id[MFA_APPROVAL_ID_LEN + 1], unsigned *number);
/* The same without a number, for a front end that can show nothing (RADIUS
 * hold mode): the user approves it from the portal's list of waiting
 * sign-ins. decide takes chosen_number 0 for it; a numbered approval
 * decided with 0 is denied as a wrong number. Audited ("requested"). */
int mfa_approval_create_hold(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                             unsigned ttl, char id[MFA_APPROVAL_ID_LEN + 1]);
/* user's approvals still open (pending or approved, unexpired), oldest
 * first: at most max into out, their count in *n. Changes nothing. */
int mfa_approval_list_open(mfa_ctx *ctx, const char *user, struct mfa_approval_info *out,
                           size_t max, size_t *n);
/* What the approval page shows: MFA_OK and out for a known id, whatever
 * its state (a pending one past its time reads EXPIRED); MFA_ERR_CHALLENGE
 * for an unknown or malformed id. Changes nothing. */
int mfa_approval_get(mfa_ctx *ctx, const char *id, struct mfa_approval_info *out);
/* The user's decision, in one transaction. THE CALLER MUST HAVE VERIFIED a
 * WebAuthn assertion of req->user (mfa_webauthn_login_finish) and pass its
 * outcome as assertion_ok; req->user must be the approval's user. A
 * pending, unexpired approval of req->user becomes APPROVED when
 * chosen_number is its number and assertion_ok, else DENIED for good
 * (MFA_ERR_CHALLENGE: a wrong number means someone else started the login).
 * Anything else (unknown, another user's, decided, expired) is
 * MFA_ERR_CHALLENGE and changes nothing. Audited. */
int mfa_approval_decide(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                        unsigned chosen_number, bool assertion_ok);
/* The login's end: MFA_OK exactly once for an APPROVED, unexpired
 * approval of req->user asked for by requester (it becomes CONSUMED);
 * MFA_ERR_PENDING while the user has not decided (poll again, until it
 * expires); MFA_ERR_CHALLENGE for anything else (unknown, denied, used,
 * expired, another user's or requester's), changing nothing. Audited,
 * except pending. */
int mfa_approval_consume(mfa_ctx *ctx, const struct mfa_request *req, const char *id,
                         const char *requester);
/* The words a login shows for approval id: "Approve this sign-in with your
 * security key: open WEB_URL/a/ID — number N — then " and then (what the
 * front end's user does next: "press Enter."). MFA_ERR_CONFIG without
 * web_url; MFA_ERR_INVALID for a malformed id or a buf too small (then ""). */
int mfa_approval_prompt(mfa_ctx *ctx, const char *id, unsigned number, const char *then,
                        char *buf, size_t size);
/* The requester of a PAM login: "pam:HOST:SERVICE", service being what
 * follows "pam:" in the login's source ("sshd", "sudo uid 1000"); host NULL
 * is this host's name. The same for pam_mfa.so (mfad) and
 * pam_mfa_local.so. MFA_ERR_INVALID if it does not fit in size. */
int mfa_approval_pam_requester(const char *host, const char *service, char *buf, size_t size);
/* What PAM's user does after approving (mfa_approval_prompt's then). */
#define MFA_APPROVAL_PAM_THEN "press Enter."
/* A login's offer of an approval (the password already checked by the
 * caller), living approve_timeout: MFA_ERR_NOT_FOUND when none is offered
 * (web_url unset, or req->user has no active security key or passkey: the
 * login goes on as without approvals), MFA_ERR_LOCKED while the user is
 * locked out; else mfa_approval_create's answer with, on MFA_OK, the id and
 * in text the prompt (mfa_approval_prompt with then; MFA_ERR_INVALID, no
 * approval made, if text_size cannot hold it). */
int mfa_approval_offer(mfa_ctx *ctx, const struct mfa_request *req, const char *requester,
                       const char *then, char id[MFA_APPROVAL_ID_LEN + 1], char *text,
                       size_t text_size);
/* What a login shows after mfa_approval_consume answered r: approved (MFA_OK),
 * not yet (MFA_ERR_PENDING), not approved (MFA_ERR_CHALLENGE); NULL for a
 * failure that is no verdict (say "unavailable"). */
const char *mfa_approval_poll_text(int r);

/* mfactl check: each part a front end needs, tried as this process (run
 * it as the service's user): "config", "key file", "store" (opened, and
 * one write rolled back) and "audit", each reported with MFA_OK and what
 * was found, or its error and the fix. Every part is tried even after a
 * failure (all but the config, which the others need). Creates and
 * changes nothing. MFA_OK, or the first failure. */
typedef void (*mfa_check_report)(void *arg, const char *what, int result, const char *detail);
int mfa_check(mfa_ctx *ctx, const char *config_path, mfa_check_report report, void *arg);

/* mfactl backup: a consistent copy of the configured SQLite store, taken
 * while logins go on (SQLite's online backup), into path: a new file, mode
 * 0600, checked (integrity_check) and synced before it is kept, removed on
 * any failure. The key file is not in it (docs/backup.md). MFA_ERR_INVALID
 * for an existing path or a PostgreSQL store (pg_dump does that). Audited. */
int mfa_store_backup(mfa_ctx *ctx, const char *path, const char *source);

/* Sign-in codes (docs/approvals.md, "Sign-in codes"): for VPN clients that
 * cannot show a challenge, the portal gives a user with a passkey, after an
 * assertion, a short code that logs in once, within signin_code_expires,
 * wherever a code from an app is taken. Stored as an HMAC under a key
 * derived from the key file, never the code. */
#define MFA_SIGNIN_CODE_MAX 8            /* digits */
#define MFA_SIGNIN_EXPIRES_MIN 60        /* seconds (signin_code_expires) */
#define MFA_SIGNIN_EXPIRES_MAX (15u * 60)
/* THE CALLER MUST HAVE VERIFIED a WebAuthn assertion of req->user
 * (mfa_webauthn_login_finish), as for mfa_approval_decide. Makes a random
 * code of as many digits as the user's codes have (the OTP factor used
 * last; 6 without one) and replaces the user's last, in one transaction;
 * gives the code and when it expires. MFA_ERR_NOT_FOUND for a user
 * without an active security key or passkey. Audited (signin-code,
 * created), without the code. */
int mfa_signin_code_create(mfa_ctx *ctx, const struct mfa_request *req,
                           char code[MFA_SIGNIN_CODE_MAX + 1], time_t *expires);

/* Known devices (docs/mfa-web.md, "Known devices"): after a full sign-in
 * the portal gives the browser a token bound to the user name, good for
 * MFA_DEVICE_DAYS; mfad counts the wrong passwords typed on a known device
 * apart from everyone else's, so that a stranger's cannot lock the user
 * out of the portal. The token opens nothing by itself: the password and
 * the second factor are still asked. Hex: when it was made (16), then
 * the first 16 bytes of HMAC-SHA256 under a key derived from the key file
 * of (user, when) (32). */
#define MFA_DEVICE_TOKEN_LEN 48
#define MFA_DEVICE_DAYS 90
/* A token for user (the canonical name, mfa_user_canonical), made now. */
int mfa_device_token_create(mfa_ctx *ctx, const char *user,
                            char token[MFA_DEVICE_TOKEN_LEN + 1]);
/* MFA_OK when token was made for user, by a holder of this key file, in
 * the last MFA_DEVICE_DAYS; MFA_ERR_INVALID for anything else (a NULL or
 * malformed token too). Compared in constant time; reads no store. */
int mfa_device_token_check(mfa_ctx *ctx, const char *user, const char *token);

/* What mfa_store_copy copied. */
struct mfa_copy_counts {
	unsigned users;                  /* names with records of their own */
	unsigned factors;                /* OTP and WebAuthn, active and pending */
	unsigned recovery_codes;         /* used ones too */
	unsigned challenges;             /* pending and unexpired */
	unsigned invites;                /* expired ones too */
};
/* mfactl store copy: every record of the configured store (lockout and
 * enrollment state, factors with their secrets sealed as they are,
 * recovery codes, pending challenges, invites) into the store to_uri, made before
 * by 'mfactl init'. There, each copied user's rows are replaced (safe to
 * run again), in one transaction, read back and compared before the
 * commit: all or nothing. Refused, changing nothing, when to_uri is the
 * configured store or holds users it does not. Audited. */
int mfa_store_copy(mfa_ctx *ctx, const char *to_uri, const char *source,
                   struct mfa_copy_counts *out);

/* Imports: the whole file in one transaction, or nothing. */
struct mfa_import_report {
	unsigned factors;                /* factors added */
	unsigned recovery_codes;         /* scratch codes added */
	unsigned skipped;                /* entries not for the selection */
	char notes[512];                 /* options we could not carry over */
};
int mfa_import_google_authenticator(mfa_ctx *ctx, const char *path, const char *user,
                                    const char *source, struct mfa_import_report *out);
int mfa_import_oath_usersfile(mfa_ctx *ctx, const char *path, const char *source,
                              struct mfa_import_report *out);
/* Import refused keys anyway: a PIN that mfa does not check, a past ExpiryDate. */
#define MFA_IMPORT_FORCE 0x1u
/* A zeroed struct (or NULL) imports an unencrypted file as it stands. */
struct mfa_pskc_options {
	const char *user;                /* owner of every key (NULL: each key's UserId) */
	const char *serial;              /* only this device serial number (NULL: all) */
	const char *key_file;            /* pre-shared AES key, hex or raw (RFC 6030 §6.1) */
	const char *password_file;       /* PBKDF2 password (RFC 6030 §6.2) */
	unsigned flags;                  /* MFA_IMPORT_FORCE */
};
int mfa_import_pskc(mfa_ctx *ctx, const char *path, const struct mfa_pskc_options *opts,
                    const char *source, struct mfa_import_report *out);

/* How mfa_qr_render draws. Every style keeps the four-module quiet zone. */
typedef enum {
	MFA_QR_TERMINAL = 0,  /* UTF-8 half blocks, black on white forced with ANSI
	                         escapes: a local terminal */
	MFA_QR_UTF8,          /* half blocks, no escape sequences: dark modules in the
	                         text colour, as on paper (PAM conversations) */
	MFA_QR_ASCII,         /* "##" dark, "  " light, one line per module row: only
	                         bytes 0x20-0x7e and '\n', no escape sequences */
	MFA_QR_SVG            /* an SVG image, one path of dark modules (web pages) */
} mfa_qr_style;

/* Renders text as a QR code in style; *out is NUL-terminated text ending in
 * '\n', free it with free(). MFA_ERR_INVALID for an unknown style or a text
 * too long for a QR code. */
int mfa_qr_render(const char *text, mfa_qr_style style, char **out);

#endif
