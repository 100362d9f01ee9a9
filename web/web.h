/*
 * web.h - mfa-web, the self-service and support portal (docs/mfa-web.md):
 * a thin front end over the core. HTTP with libmicrohttpd (http.c), the
 * signed-in state (session.c), rate limits (limit.c), the JSON API (api.c),
 * the static page (web/static, built into the binary), main (mfa-web.c).
 */
#ifndef MFA_WEB_H
#define MFA_WEB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mfa.h"

#define WEB_BODY_MAX (64u * 1024)     /* a WebAuthn registration is a few KB */
#define WEB_ADDR_MAX 64               /* a client address as text */
#define WEB_SESSION_ID_BYTES 32       /* 256 bits */
#define WEB_TOKEN_TEXT (WEB_SESSION_ID_BYTES * 2 + 1)
#define WEB_SESSIONS_MAX 20000
#define WEB_PASSWORD_MAX 256
/* Cookies: the session's, and the known-device token's (mfa.h). Over
 * HTTPS __Host-: bound to this host, Secure, Path=/. */
#define WEB_COOKIE_SECURE "__Host-mfa"
#define WEB_COOKIE_PLAIN "mfa"
#define WEB_DEVICE_COOKIE_SECURE "__Host-mfa-device"
#define WEB_DEVICE_COOKIE_PLAIN "mfa-device"

/* Core contexts, one per request at a time; replaced whole by a reload. */
struct web_pool {
	pthread_mutex_t mutex;
	mfa_ctx **idle;
	size_t nidle, cap;
	unsigned refs;                    /* the server's, and one per context lent */
	unsigned lent;                    /* contexts out now: at most cap */
	pthread_cond_t returned;          /* one came back */
	mfa_ctx *model;                   /* the config as read once: every context's */
};

enum web_stage {
	WEB_STAGE_PASSWORD = 1,           /* password right; a factor is still due */
	WEB_STAGE_SIGNED_IN,              /* password and factor */
	WEB_STAGE_INVITE,                 /* an invite: may enroll a first factor only */
};

/* A signed-in browser. Looked up by its id, copied out (session_get) and
 * written back (session_put): no pointer into the table leaves session.c. */
struct web_session {
	unsigned char id[WEB_SESSION_ID_BYTES];
	char csrf[WEB_TOKEN_TEXT];        /* hex; sent back in X-CSRF-Token */
	char user[MFA_USER_MAX + 1];
	enum web_stage stage;
	bool staff;                       /* member of admin_group, signed in */
	time_t created, seen;
	mfa_enrollment *enrollment;       /* an app being added (holds its secret) */
};

struct web_config {
	char listen[MFA_WEB_LISTEN_MAX];
	bool tls;
	bool secure_cookie;               /* HTTPS, here or at the proxy */
	char admin_group[64];
	unsigned session_idle, session_max;
	bool behind_proxy;
	char mfad_socket[108];
	unsigned mfad_timeout_ms;
};

struct web {
	struct web_config cfg;
	pthread_mutex_t pool_mutex;
	struct web_pool *pool;            /* the current one */
	struct web_sessions *sessions;
	struct web_limits *limits;
};

/* mfa-web.c: a log line to syslog and stderr (the journal, or a test's log). */
void web_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* pool.c */
struct web_pool *pool_new(const char *config, char *why, size_t why_size);
mfa_ctx *pool_get(struct web *w, struct web_pool **from);
void pool_put(struct web_pool *from, mfa_ctx *ctx, bool healthy);
void pool_release(struct web_pool *p);

/* session.c */
struct web_sessions *sessions_new(unsigned idle, unsigned max);
void sessions_free(struct web_sessions *s);
/* The clock sessions age by (tests); NULL: time(). */
void sessions_set_clock(struct web_sessions *s, time_t (*now)(void));
/* A new session for user at stage: id and csrf filled in. MFA_ERR_NOMEM
 * when full. */
int session_create(struct web_sessions *s, const char *user, enum web_stage stage,
                   struct web_session *out);
/* The live session of cookie (hex id); false if none or expired. */
bool session_get(struct web_sessions *s, const char *cookie, struct web_session *out);
/* Stores changed fields of a session got before (stage, staff, enrollment). */
void session_put(struct web_sessions *s, const struct web_session *in);
/* Puts e in the session's enrollment slot and returns what was there (NULL
 * if none); e itself comes back when the session is gone. */
mfa_enrollment *session_enrollment_swap(struct web_sessions *s, const struct web_session *in,
                                        mfa_enrollment *e);
/* A new id for the session (sign-in moved it to another stage). */
int session_rotate(struct web_sessions *s, struct web_session *in);
void session_end(struct web_sessions *s, const struct web_session *in);
/* Ends every session of user (the account was deleted). */
void sessions_end_user(struct web_sessions *s, const char *user);
void session_id_text(const struct web_session *in, char out[WEB_TOKEN_TEXT]);
bool session_csrf_ok(const struct web_session *in, const char *token);

/* limit.c: at most n events per window seconds for one key. */
struct web_limits *limits_new(void);
void limits_free(struct web_limits *l);
bool limit_take(struct web_limits *l, const char *kind, const char *key, unsigned n,
                unsigned window);

/* The request as the API sees it. */
struct web_request {
	struct web *web;
	const char *method, *path;
	/* The headers the API looks at (NULL when absent). */
	const char *content_type, *origin, *host, *csrf;
	const char *body;                 /* NUL-terminated */
	size_t body_len;
	char client[WEB_ADDR_MAX];
	const char *device;               /* the known-device cookie, or NULL */
	bool has_session;
	struct web_session session;
};

/* What a handler answers: a status and JSON (or raw bytes for a download). */
struct web_reply {
	unsigned status;
	char *body;                       /* malloc'ed */
	size_t len;
	const char *content_type;
	const char *disposition;          /* Content-Disposition, or NULL */
	char cookie[256];                 /* Set-Cookie, or "" */
	char device_cookie[256];          /* a second Set-Cookie: a known-device token */
};

/* api.c */
void api_handle(struct web_request *rq, struct web_reply *rp);
/* http.c */
int http_serve(struct web *w, int listen_fd, const char *cert_pem, const char *key_pem);
void http_stop(void);

/* static.c (generated): the files of web/static. */
struct web_file {
	const char *path;
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_file web_files[];
extern const size_t web_files_count;

#endif
