/*
 * store_pg_conn.c - speaking to PostgreSQL for the store: the URI's checks,
 * connecting, waits bounded by store_timeout (measured here, with poll, not
 * only by the server), prepared statements and pipelines. A connection
 * that timed out or broke is dropped; the next transaction connects again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"
#include "store_pg.h"

struct store_pg *as_pg(struct store *s)
{
	return (struct store_pg *)(void *)s;
}

int64_t pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void p_text(struct pg_params *p, const char *s)
{
	p->values[p->n] = s;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	p->n++;
}

void p_int(struct pg_params *p, int64_t v)
{
	snprintf(p->numbers[p->n], sizeof(p->numbers[p->n]), "%lld", (long long)v);
	p_text(p, p->numbers[p->n]);
}

void p_blob(struct pg_params *p, const void *b, size_t len)
{
	p->values[p->n] = b;
	p->lengths[p->n] = (int)len;
	p->formats[p->n] = 1;
	p->n++;
}

void p_null(struct pg_params *p)
{
	p_text(p, NULL);
}

/* Drops the connection: the next transaction connects again. */
void pg_drop(struct store_pg *q)
{
	if (q->conn)
		PQfinish(q->conn);
	q->conn = NULL;
	q->in_tx = q->writing = false;
	memset(q->prepared, 0, sizeof(q->prepared));
}

/* The server's words, on one line. */
static const char *pg_message(const PGconn *conn, const PGresult *res, char *buf, size_t size)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t n;

	if (!m || !*m)
		m = conn ? PQerrorMessage(conn) : "no connection";
	str_copy(buf, size, m ? m : "");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
	return buf;
}

/* Records a failure with what to do about it; STORE_RETRY for the
 * failures running the transaction again can cure. */
int pg_fail(struct store_pg *q, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char msg[STORE_ERR_MAX / 2];
	const char *hint = "";
	int code = MFA_ERR_STORE;

	pg_message(q->conn, res, msg, sizeof(msg));
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
		snprintf(q->base.err, sizeof(q->base.err), "store %s: %s: %s", q->uri, what, msg);
		return STORE_RETRY;
	}
	if (state && !strcmp(state, "42501") && !strcmp(what, "upgrade schema"))
		hint = " (this role may not create tables: run 'mfactl init' with the database owner's role)";
	else if (state && !strcmp(state, "42501"))
		hint = " (grant this role SELECT, INSERT, UPDATE, DELETE on the mfa_ tables: see docs/postgresql.md)";
	else if (state && !strcmp(state, "42P01"))
		hint = " (run 'mfactl init' with a role that may create tables)";
	else if (state && (!strcmp(state, "57014") || !strcmp(state, "55P03")))
		hint = " (PostgreSQL is overloaded, or a lock is held too long: see store_timeout)";
	else if (q->conn && PQstatus(q->conn) == CONNECTION_BAD && strstr(msg, "FATAL:"))
		hint = " (check the role, database, pg_hba.conf and passfile: see docs/postgresql.md)";
	else if (!res || !q->conn || PQstatus(q->conn) != CONNECTION_OK)
		hint = " (is PostgreSQL running and reachable?)";
	snprintf(q->base.err, sizeof(q->base.err), "store %s: %s: %s%s", q->uri, what, msg, hint);
	/* A connection in doubt is not used again. */
	if (!q->conn || PQstatus(q->conn) != CONNECTION_OK)
		pg_drop(q);
	return code;
}

static int pg_timed_out(struct store_pg *q, const char *what)
{
	snprintf(q->base.err, sizeof(q->base.err),
	         "store %s: %s: no answer within store_timeout (%u s): is PostgreSQL running and reachable?",
	         q->uri, what, q->timeout_ms / 1000);
	pg_drop(q);
	q->timed_out = true;
	return MFA_ERR_STORE;
}

/* Sends what is queued and reads until a whole result is in, by the
 * statement's deadline. */
static int pg_wait(struct store_pg *q, const char *what)
{
	for (;;) {
		int flushed = PQflush(q->conn);
		struct pollfd pfd = { .fd = PQsocket(q->conn), .events = POLLIN };
		int64_t left;

		if (flushed < 0)
			return pg_fail(q, NULL, what);
		if (flushed == 0 && !PQisBusy(q->conn))
			return MFA_OK;
		if (flushed == 1)
			pfd.events |= POLLOUT;
		if ((left = q->deadline - pg_now_ms()) <= 0)
			return pg_timed_out(q, what);
		if (poll(&pfd, 1, (int)(left > INT_MAX ? INT_MAX : left)) < 0) {
			if (errno == EINTR)
				continue;
			return pg_fail(q, NULL, what);
		}
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(q->conn))
			return pg_fail(q, NULL, what);
	}
}

/* The one result of what was sent (the caller clears it), or NULL with the
 * failure recorded in *r. A failure with SQLSTATE tolerate, if given, is
 * returned as a result instead. */
PGresult *pg_result_or(struct store_pg *q, const char *what, const char *tolerate, int *r)
{
	PGresult *res, *last = NULL;
	const char *state;

	if ((*r = pg_wait(q, what)) != MFA_OK)
		return NULL;
	while ((res = PQgetResult(q->conn))) {
		PQclear(last);
		last = res;
		if (PQisBusy(q->conn) && (*r = pg_wait(q, what)) != MFA_OK) {
			PQclear(last);
			return NULL;
		}
	}
	state = last ? PQresultErrorField(last, PG_DIAG_SQLSTATE) : NULL;
	if (!last || (PQresultStatus(last) != PGRES_COMMAND_OK &&
	              PQresultStatus(last) != PGRES_TUPLES_OK &&
	              !(tolerate && state && !strcmp(state, tolerate)))) {
		*r = pg_fail(q, last, what);
		PQclear(last);
		return NULL;
	}
	*r = MFA_OK;
	return last;
}

PGresult *pg_result(struct store_pg *q, const char *what, int *r)
{
	return pg_result_or(q, what, NULL, r);
}

/* Runs text SQL (no parameters); for transactions and setup. */
int pg_exec(struct store_pg *q, const char *sql, const char *what)
{
	PGresult *res;
	int r;

	if (!q->conn)
		return pg_fail(q, NULL, what);
	q->deadline = pg_now_ms() + q->timeout_ms;
	if (!PQsendQuery(q->conn, sql))
		return pg_fail(q, NULL, what);
	if ((res = pg_result(q, what, &r)))
		PQclear(res);
	return r;
}

/* Runs a prepared statement (prepared on first use on this connection). */
PGresult *pg_run(struct store_pg *q, enum pg_stmt id, const struct pg_params *p,
                        const char *what, int *r)
{
	char name[16];
	PGresult *res;

	if (!q->conn || !q->in_tx) {
		/* Only ever inside begin/commit: the caller's mistake, or a dropped connection. */
		if (q->conn) {
			snprintf(q->base.err, sizeof(q->base.err), "store %s: %s outside a transaction",
			         q->uri, what);
			*r = MFA_ERR_STORE;
		} else {
			*r = pg_fail(q, NULL, what);
		}
		return NULL;
	}
	if (q->begin_pending && (*r = pg_send_begin(q, NULL, NULL, 0)) != MFA_OK)
		return NULL;
	snprintf(name, sizeof(name), "mfa%d", (int)id);
	q->deadline = pg_now_ms() + q->timeout_ms;
	if (!q->prepared[id]) {
		if (!PQsendPrepare(q->conn, name, pg_stmt_sql[id], 0, NULL)) {
			*r = pg_fail(q, NULL, what);
			return NULL;
		}
		if (!(res = pg_result(q, what, r)))
			return NULL;
		PQclear(res);
		q->prepared[id] = true;
	}
	if (!PQsendQueryPrepared(q->conn, name, p ? p->n : 0, p ? p->values : NULL,
	                         p ? p->lengths : NULL, p ? p->formats : NULL, 1)) {
		*r = pg_fail(q, NULL, what);
		return NULL;
	}
	return pg_result(q, what, r);
}

/* For statements whose rows nobody reads: *changed, when asked, gets the
 * number of rows changed. */
int pg_do(struct store_pg *q, enum pg_stmt id, const struct pg_params *p, const char *what,
                 long *changed)
{
	int r;
	PGresult *res = pg_run(q, id, p, what, &r);

	if (!res)
		return r;
	if (changed)
		*changed = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return MFA_OK;
}

/* Binary columns: a bigint is 8 bytes, big-endian. */
bool col_int(const PGresult *res, int row, int col, int64_t *v)
{
	const unsigned char *b = (const unsigned char *)PQgetvalue(res, row, col);
	uint64_t u = 0;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return false;
	for (int i = 0; i < 8; i++)
		u = u << 8 | b[i];
	*v = (int64_t)u;
	return true;
}

bool col_text(const PGresult *res, int row, int col, char *dst, size_t size)
{
	int len = PQgetlength(res, row, col);
	const char *t = PQgetvalue(res, row, col);

	if (PQgetisnull(res, row, col) || len < 0 || (size_t)len >= size || memchr(t, '\0', (size_t)len))
		return false;
	memcpy(dst, t, (size_t)len);
	dst[len] = '\0';
	return true;
}

/* NULL for SQL NULL. */
const void *col_blob(const PGresult *res, int row, int col, size_t *len)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	*len = (size_t)PQgetlength(res, row, col);
	return PQgetvalue(res, row, col);
}

static bool host_is_local(const char *h, size_t n)
{
	char buf[256];
	unsigned char addr[16];

	if (n == 0 || h[0] == '/' || h[0] == '@')
		return true;   /* a Unix socket (or the default one) */
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (!strcmp(buf, "localhost"))
		return true;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return !memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	return false;
}

/* Every host of a comma-separated list. */
static void hosts_check(const char *list, struct pg_uri_facts *f)
{
	const char *p = list;

	while (p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		f->hosts++;
		if (!f->remote_tcp && !host_is_local(p, n)) {
			f->remote_tcp = true;
			snprintf(f->remote, sizeof(f->remote), "%.*s", (int)(n < 200 ? n : 200), p);
		}
		p = comma ? comma + 1 : NULL;
	}
}

int pg_uri_facts(const char *uri, struct pg_uri_facts *f, char *err, size_t errlen)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr), *o;
	const char *host = NULL, *hostaddr = NULL;

	memset(f, 0, sizeof(*f));
	if (!opts) {
		char msg[256];

		str_copy(msg, sizeof(msg), perr ? perr : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(err, errlen, "store: '%s' is not a PostgreSQL URI: %s", uri, msg);
		PQfreemem(perr);
		return MFA_ERR_CONFIG;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		if (!strcmp(o->keyword, "password"))
			f->password = true;
		else if (!strcmp(o->keyword, "sslmode"))
			f->verify_full = !strcmp(o->val, "verify-full");
		else if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr"))
			hostaddr = o->val;
		else if (!strcmp(o->keyword, "passfile"))
			str_copy(f->passfile, sizeof(f->passfile), o->val);
	}
	/* hostaddr, when given, is where libpq connects to. */
	hosts_check(hostaddr ? hostaddr : host ? host : "", f);
	PQconninfoFree(opts);
	return MFA_OK;
}

/* location is what follows "postgresql:" (or "postgres:"). */
int pg_location_check_as(const char *scheme, const char *location, char *err, size_t errlen)
{
	char uri[CONFIG_PATH_MAX];
	struct pg_uri_facts f;
	int r;

	if (strncmp(location, "//", 2) != 0) {
		snprintf(err, errlen, "store: '%s:%s' is not supported; use %s://USER@HOST:PORT/DB?"
		         "sslmode=verify-full or %s:///DB?host=/socket/dir", scheme, location, scheme, scheme);
		return MFA_ERR_CONFIG;
	}
	if (snprintf(uri, sizeof(uri), "%s:%s", scheme, location) >= (int)sizeof(uri)) {
		snprintf(err, errlen, "store: URI too long");
		return MFA_ERR_CONFIG;
	}
	if ((r = pg_uri_facts(uri, &f, err, errlen)) != MFA_OK)
		return r;
	if (f.password) {
		snprintf(err, errlen, "store: a password in the store URI would sit in mfa.conf; remove "
		         "it and use a passfile (passfile=/etc/mfa/pgpass in the URI, mode 0600) or client "
		         "certificates (sslcert=, sslkey=)");
		return MFA_ERR_CONFIG;
	}
	/* Without verify-full, whoever is on the path could answer for the
	 * database: "no factor" (nullok lets them in) or a rewound step. */
	if (f.remote_tcp && !f.verify_full) {
		snprintf(err, errlen, "store: PostgreSQL at %s is reached over the network: add "
		         "sslmode=verify-full and sslrootcert=/path/to/ca.crt to the URI (or use a Unix "
		         "socket or loopback)", f.remote);
		return MFA_ERR_CONFIG;
	}
	return MFA_OK;
}

/* libpq ignores a passfile others may read (with a warning on stderr,
 * where radiusd's goes nowhere), and one others may write names the
 * server we trust: say so instead. */
int pg_passfile_check(const struct pg_uri_facts *f, char *err, size_t errlen)
{
	const char *path = f->passfile[0] ? f->passfile : getenv("PGPASSFILE");
	struct stat st;

	if (!path || !path[0] || stat(path, &st) < 0)
		return MFA_OK;   /* none: libpq uses another way, or says what is missing */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "store: passfile %s has mode %04o: libpq ignores it; run chmod 600 "
		         "%s and chown it to the user the service runs as", path,
		         (unsigned)(st.st_mode & 07777), path);
		return MFA_ERR_CONFIG;
	}
	return MFA_OK;
}

/* The connection's own options: the caller's (a URI), then ours, which
 * win; statement and idle-in-transaction limits on the server end a
 * transaction whose client went silent, so its user's lock is freed. */
int pg_connect(struct store_pg *q)
{
	const char *keys[5], *values[5];
	char timeout_s[16], options[160];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int n = 0;

	pg_drop(q);
	/* libpq's connect_timeout is per host: the next one is tried when the
	 * first does not answer (a failover pair). */
	q->deadline = pg_now_ms() + (int64_t)q->timeout_ms * (q->hosts ? q->hosts : 1);
	snprintf(timeout_s, sizeof(timeout_s), "%u", q->timeout_ms / 1000 < 2 ? 2 : q->timeout_ms / 1000);
	snprintf(options, sizeof(options), "-c statement_timeout=%u -c lock_timeout=%u "
	         "-c idle_in_transaction_session_timeout=%u", q->timeout_ms, q->timeout_ms,
	         q->timeout_ms);
	keys[n] = "dbname", values[n++] = q->uri;
	keys[n] = "connect_timeout", values[n++] = timeout_s;
	keys[n] = "options", values[n++] = options;
	keys[n] = "application_name", values[n++] = "mfa";
	keys[n] = NULL, values[n] = NULL;
	if (!(q->conn = PQconnectStartParams(keys, values, 1)))
		return pg_fail(q, NULL, "connect");
	if (PQstatus(q->conn) == CONNECTION_BAD)
		return pg_fail(q, NULL, "connect");
	while (st != PGRES_POLLING_OK) {
		struct pollfd pfd = { .fd = PQsocket(q->conn) };
		int64_t left = q->deadline - pg_now_ms();

		if (st == PGRES_POLLING_FAILED)
			return pg_fail(q, NULL, "connect");
		if (left <= 0)
			return pg_timed_out(q, "connect");
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return pg_fail(q, NULL, "connect");
		st = PQconnectPoll(q->conn);
	}
	if (PQsetnonblocking(q->conn, 1) != 0)
		return pg_fail(q, NULL, "connect");
	return MFA_OK;
}

/* Sends the BEGIN that pg_begin left pending, with lock_user's statement
 * when user is given, or as the head of a pipeline of n steps: one round
 * trip either way. A connection the server closed while idle (a restart,
 * a failover) is found out here, before anything was done: connect again,
 * once. Not after a timeout: that would wait as long again. */
int pg_send_begin(struct store_pg *q, const char *user, struct pg_step *steps, size_t n)
{
	for (;;) {
		int r;

		if (!q->conn && (r = pg_connect(q)) != MFA_OK)
			return r;
		q->timed_out = false;
		if (steps) {
			r = pg_pipeline(q, steps, n, "read user");
		} else {
			char sql[MFA_USER_MAX * 2 + 160];
			char *literal = NULL;

			if (user && !(literal = PQescapeLiteral(q->conn, user, strlen(user))))
				return pg_fail(q, NULL, "lock user");
			snprintf(sql, sizeof(sql), "%s%s%s%s", q->begin_pending,
			         literal ? "; SELECT pg_advisory_xact_lock(" PG_LOCK_CLASS ", hashtext(" : "",
			         literal ? literal : "", literal ? "))" : "");
			PQfreemem(literal);
			r = pg_exec(q, sql, user ? "lock user" : "begin transaction");
		}
		if (r == MFA_OK) {
			q->begin_pending = NULL;
			q->fresh = false;
			q->in_tx = true;     /* a reconnect (pg_drop) cleared them */
			q->writing = q->pending_write;
			return MFA_OK;
		}
		if (q->fresh || q->conn || q->timed_out) {
			q->in_tx = q->writing = false;
			q->begin_pending = NULL;
			return r;
		}
		q->fresh = true;
	}
}

/* Takes the results of one query of a pipeline (up to its NULL), or the
 * sync: keeps a good one in *keep; the first failure in *failed. */
static int pg_pipeline_take(struct store_pg *q, PGresult **keep, PGresult **failed, bool sync,
                            const char *what)
{
	for (;;) {
		PGresult *res;
		ExecStatusType st;
		int r;

		if (PQisBusy(q->conn) && (r = pg_wait(q, what)) != MFA_OK)
			return r;
		if (!(res = PQgetResult(q->conn)))
			return sync ? pg_fail(q, NULL, what) : MFA_OK;
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			return sync ? MFA_OK : pg_fail(q, NULL, what);
		}
		if (st == PGRES_FATAL_ERROR && !*failed)
			*failed = res;
		else if ((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) && keep && !*keep)
			*keep = res;
		else
			PQclear(res);
	}
}

/* Sends the pending BEGIN and steps in one pipeline: one round trip. On
 * MFA_OK every step has its result (the caller clears them); a failed
 * statement aborts the transaction, which the caller rolls back. */
int pg_pipeline(struct store_pg *q, struct pg_step *steps, size_t n, const char *what)
{
	PGresult *failed = NULL;
	char name[16];
	bool sent;
	int r;

	q->deadline = pg_now_ms() + q->timeout_ms;
	if (!PQenterPipelineMode(q->conn))
		return pg_fail(q, NULL, what);
	sent = PQsendQueryParams(q->conn, q->begin_pending, 0, NULL, NULL, NULL, NULL, 0);
	for (size_t i = 0; i < n && sent; i++) {
		snprintf(name, sizeof(name), "mfa%d", (int)steps[i].id);
		steps[i].prepare = !q->prepared[steps[i].id];
		sent = (!steps[i].prepare || PQsendPrepare(q->conn, name, pg_stmt_sql[steps[i].id], 0, NULL)) &&
		       PQsendQueryPrepared(q->conn, name, steps[i].p.n, steps[i].p.values,
		                           steps[i].p.lengths, steps[i].p.formats, 1);
	}
	if (!sent || !PQpipelineSync(q->conn)) {
		r = pg_fail(q, NULL, what);
		goto out;
	}
	/* In order: BEGIN, each step (its prepare first), the sync. */
	if ((r = pg_pipeline_take(q, NULL, &failed, false, what)) != MFA_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((steps[i].prepare && (r = pg_pipeline_take(q, NULL, &failed, false, what)) != MFA_OK) ||
		    (r = pg_pipeline_take(q, &steps[i].res, &failed, false, what)) != MFA_OK)
			goto out;
		if (steps[i].prepare && !failed)
			q->prepared[steps[i].id] = true;
	}
	if ((r = pg_pipeline_take(q, NULL, &failed, true, what)) != MFA_OK)
		goto out;
	for (size_t i = 0; i < n && !failed; i++)
		if (!steps[i].res)
			r = pg_fail(q, NULL, what);
	if (failed)
		r = pg_fail(q, failed, what);
out:
	PQclear(failed);
	if (q->conn && !PQexitPipelineMode(q->conn)) {
		/* Results left unread: no state to use the connection in again. */
		if (r == MFA_OK)
			r = pg_fail(q, NULL, what);
		pg_drop(q);
	}
	if (r != MFA_OK)
		for (size_t i = 0; i < n; i++) {
			PQclear(steps[i].res);
			steps[i].res = NULL;
		}
	return r;
}

