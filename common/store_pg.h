/*
 * store_pg.h - the PostgreSQL backend's own parts, shared by its two files:
 * store_pg_conn.c speaks to the server (the URI's checks, connecting, every
 * wait bounded by store_timeout, prepared statements, pipelines) and
 * store_pg.c is the store (schema, transactions, rows). Nothing else
 * includes it.
 */
#ifndef MFA_STORE_PG_H
#define MFA_STORE_PG_H

#include <libpq-fe.h>

#include "store.h"

/* The first key of every advisory lock we take: other applications sharing
 * the database use their own. (0x6d6661: "mfa" in ASCII.) */
#define PG_LOCK_CLASS "7169633"
#define PG_PARAMS_MAX 24

enum pg_stmt {
	PS_LOCK_USER, PS_USER_GET, PS_USER_PUT, PS_USER_DEL, PS_USER_DEL_FACTORS,
	PS_USER_DEL_RECOVERY, PS_USER_DEL_CHALLENGES, PS_FACTORS_USER, PS_FACTORS_ALL,
	PS_FACTOR_BY_CRED, PS_FACTOR_INSERT, PS_FACTOR_UPDATE, PS_FACTOR_DEL, PS_FACTORS_DEL_PENDING,
	PS_RECOVERY_GET, PS_RECOVERY_DEL, PS_RECOVERY_INSERT, PS_RECOVERY_USE, PS_CHALLENGE_PUT,
	PS_CHALLENGE_TAKE, PS_CHALLENGES_EXPIRE, PS_USER_TWIN, PS_USER_CAPITALS, PS_DECOY_TOUCH,
	PS_USERS_LIST, PS_CHALLENGES_ALL, PS_USER_DEL_INVITES, PS_INVITE_PUT, PS_INVITE_TAKE,
	PS_INVITES_EXPIRE, PS_INVITES_USER, PS_USER_DEL_APPROVALS, PS_APPROVAL_PUT, PS_APPROVAL_GET,
	PS_APPROVAL_GET_LOCK, PS_APPROVAL_UPDATE, PS_APPROVALS_EXPIRE, PS_APPROVALS_USER,
	PS_USER_DEL_SIGNIN, PS_SIGNIN_PUT, PS_SIGNIN_GET, PS_SIGNINS_EXPIRE,
	PS__COUNT
};

/* The statements' SQL, by enum pg_stmt (store_pg.c). */
extern const char *const pg_stmt_sql[PS__COUNT];

struct store_pg {
	struct store base;
	PGconn *conn;
	char uri[CONFIG_PATH_MAX];
	unsigned timeout_ms;
	unsigned hosts;               /* in the URI: connecting may take each its timeout */
	int64_t deadline;             /* ms, monotonic: the running statement's (or connect's) end */
	bool prepared[PS__COUNT];
	bool in_tx, writing;
	bool timed_out;               /* the last failure was a timeout */
	bool fresh;                   /* connected for this transaction */
	const char *begin_pending;    /* the BEGIN not sent yet */
	bool pending_write;
};

struct pg_params {
	int n;
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX];
	int formats[PG_PARAMS_MAX];
	char numbers[PG_PARAMS_MAX][24];
};

/* One statement of a pipeline and, once it ran, its result. */
struct pg_step {
	enum pg_stmt id;
	struct pg_params p;
	PGresult *res;
	bool prepare;          /* prepared in the same pipeline */
};

/* The checks that make a URI safe to follow, on libpq's own parse of it. */
struct pg_uri_facts {
	bool password;        /* a password in the URI */
	bool verify_full;
	bool remote_tcp;      /* some host is neither a socket nor loopback */
	unsigned hosts;       /* how many libpq may try, in turn */
	char remote[256];
	char passfile[CONFIG_PATH_MAX];
};

struct store_pg *as_pg(struct store *s);
int64_t pg_now_ms(void);
/* Parameters: text, a number (as text), bytea (binary), NULL. */
void p_text(struct pg_params *p, const char *s);
void p_int(struct pg_params *p, int64_t v);
void p_blob(struct pg_params *p, const void *b, size_t len);
void p_null(struct pg_params *p);
/* Drops the connection: the next transaction connects again. */
void pg_drop(struct store_pg *q);
/* Records a failure with what to do about it in q->base.err; STORE_RETRY
 * for those running the transaction again can cure. */
int pg_fail(struct store_pg *q, const PGresult *res, const char *what);
/* The one result of what was sent (the caller clears it), or NULL with
 * the failure in *r; one with SQLSTATE tolerate, if given, is returned. */
PGresult *pg_result_or(struct store_pg *q, const char *what, const char *tolerate, int *r);
PGresult *pg_result(struct store_pg *q, const char *what, int *r);
/* Runs text SQL (no parameters): transactions and setup. */
int pg_exec(struct store_pg *q, const char *sql, const char *what);
/* Runs a statement of pg_stmt_sql (prepared on first use), the pending
 * BEGIN first; pg_do when its rows are not read (*changed: rows changed). */
PGresult *pg_run(struct store_pg *q, enum pg_stmt id, const struct pg_params *p,
                 const char *what, int *r);
int pg_do(struct store_pg *q, enum pg_stmt id, const struct pg_params *p, const char *what,
          long *changed);
/* Binary result columns: false for NULL or what does not fit. */
bool col_int(const PGresult *res, int row, int col, int64_t *v);
bool col_text(const PGresult *res, int row, int col, char *dst, size_t size);
const void *col_blob(const PGresult *res, int row, int col, size_t *len);
/* libpq's parse of a URI, and the refusals: a password in it, the network
 * without verify-full, a passfile others can read. */
int pg_uri_facts(const char *uri, struct pg_uri_facts *f, char *err, size_t errlen);
int pg_location_check_as(const char *scheme, const char *location, char *err, size_t errlen);
int pg_passfile_check(const struct pg_uri_facts *f, char *err, size_t errlen);
/* Connects within store_timeout (for each host of the URI). */
int pg_connect(struct store_pg *q);
/* Sends the pending BEGIN, with the lock of user if given, or ahead of a
 * pipeline of n steps (pg_pipeline); connects again once if the server
 * had closed the connection. */
int pg_send_begin(struct store_pg *q, const char *user, struct pg_step *steps, size_t n);
/* Sends the pending BEGIN and steps in one pipeline (one round trip). */
int pg_pipeline(struct store_pg *q, struct pg_step *steps, size_t n, const char *what);
/* Row readers (store_pg.c), whatever the server sent: refuse what would
 * not fit and what store_*_ok refuses. Here for their fuzz target. */
int pg_user_parse(struct store_pg *q, const PGresult *res, const char *user,
                  struct store_user *u, bool *found);
int pg_factors_parse(struct store_pg *q, const PGresult *res, struct store_factor **list,
                     size_t *n);

#endif
