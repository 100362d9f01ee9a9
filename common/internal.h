/*
 * internal.h - what the core's files share with each other and with the
 * tests; never installed, never seen by front ends.
 */
#ifndef MFA_INTERNAL_H
#define MFA_INTERNAL_H

#include <stdarg.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mfa.h"
#include "config.h"

struct store;
struct store_factor;

struct mfa_ctx {
	struct mfa_config cfg;
	char config_path[4096];
	struct store *store;
	unsigned char key[32];           /* vault key, wiped on free */
	bool key_loaded;
	/* HMAC key of recovery codes, derived from key once (recovery.c);
	 * forgotten whenever key is (re)loaded. */
	unsigned char recovery_key[32];
	bool recovery_key_ready;
	unsigned long recovery_hashes;   /* HMAC/PBKDF2 runs matching typed codes (tests) */
	/* OTP checks a write took from before it (verify.c) and made itself (tests). */
	unsigned long otp_prepared_used, otp_checked_in_write;
	mfa_log_fn *log_fn;
	void *log_arg;
	mfa_clock_fn *clock_fn;
	void *clock_arg;
	char error[512];                 /* detail of the last failure */
	/* WebAuthn public keys already checked, kept by webauthn.c; freed
	 * through the pointer so that front ends without WebAuthn do not link
	 * libfido2. */
	void *webauthn_keys;
	void (*webauthn_keys_free)(void *keys);
	time_t challenges_swept;         /* when this context last removed expired ones */
	struct store_factor *decoy;      /* checked for users without a factor (verify.c) */
};

/* Records a detail for mfa_ctx_error() and returns err. */
int ctx_fail(mfa_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ctx_log(mfa_ctx *ctx, mfa_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
time_t ctx_now(mfa_ctx *ctx);
int ctx_require_open(mfa_ctx *ctx);

/* For names and labels to be stored: 1..MFA_USER_MAX (MFA_LABEL_MAX)
 * bytes of UTF-8 without control characters; a name without spaces. */
bool user_name_valid(const char *user);
bool label_valid(const char *label);
/* MFA_OK if valid, else MFA_ERR_INVALID with a detail that says why. */
int user_name_require(mfa_ctx *ctx, const char *user);
int label_require(mfa_ctx *ctx, const char *label);
/* Bounded copy that always terminates; false if src did not fit. */
bool str_copy(char *dst, size_t size, const char *src);

#define NO_GROUP ((gid_t)-1)

/* What file_read_safely demands of a file besides being a regular one.
 * (false and true still mean FILE_DATA and FILE_SECRET.) */
enum file_guard {
	FILE_DATA = 0,    /* input the caller names: anyone's file */
	FILE_SECRET = 1,  /* owned by root or the running user, no access by others, its group
	                   * only reads and only if it is shared_gid */
	FILE_TRUSTED = 2, /* policy (the config): owned by root or the running user, writable by
	                   * nobody else */
};

/* Reads a whole file opened defensively: O_NOFOLLOW, O_NONBLOCK (a FIFO
 * fails instead of hanging), a regular file, at most max bytes, and what
 * guard asks. *buf is NUL-terminated; free (and wipe, for secrets) by the
 * caller. */
int file_read_safely(const char *path, size_t max, enum file_guard guard, gid_t shared_gid,
                     char **buf, size_t *len, char *err, size_t errlen);
/* Refuses a file or directory st describes that anyone but root or the
 * running user could change: owned by another user (unless any_owner),
 * writable by others, or by its group unless that is shared_gid. The
 * message ends with "run FIX". */
int file_check_writers(const char *path, const struct stat *st, bool any_owner, gid_t shared_gid,
                       const char *fix, char *err, size_t errlen);
/* For access refused (EACCES) to a user other than root: " (run as root or
 * a member of GROUP)", in buf; "" otherwise. */
const char *access_hint(int errnum, const char *group, char *buf, size_t size);
/* With gid not NO_GROUP, gives path to that group (named group in
 * messages) with mode: only what exists, never through a symbolic link. */
int path_share(const char *path, gid_t gid, const char *group, mode_t mode, char *err,
               size_t errlen);
/* Makes the directory holding path (one level, 0700 when new); *dir
 * points into copy. */
int dir_make_parent(const char *path, char copy[CONFIG_PATH_MAX], const char **dir, char *err,
                    size_t errlen);
/* The id of group name: 0, ENOENT if there is none, or getgrnam_r's error. */
int group_id(const char *name, gid_t *gid);
/* The configured group's id, or NO_GROUP when none is configured. */
int config_group_id(mfa_ctx *ctx, gid_t *gid);

/* Walks a space-separated list: the next word and its length, false at the
 * end. Start with *p at the list. */
bool words_next(const char **p, const char **word, size_t *len);

/* Random bytes from OpenSSL's CSPRNG. */
int random_bytes(void *buf, size_t len);
/* Base64url (RFC 4648 §5) without padding, through OpenSSL's base64:
 * at most max bytes out, -1 if in is not base64url. */
int b64url_decode(const char *in, unsigned char *out, size_t max, size_t *len);
/* out must hold 4 * ceil(len / 3) + 1 bytes. */
void b64url_encode(const unsigned char *in, size_t len, char *out);
/* A fresh factor id: MFA_ID_LEN lowercase base32 characters. */
int factor_id_new(char id[MFA_ID_LEN + 1]);
/* How many signature verification contexts webauthn.c has made for the
 * context's cached keys: one per key however many logins (for the tests). */
size_t webauthn_verify_setups(const mfa_ctx *ctx);

#endif
