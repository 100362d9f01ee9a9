/*
 * mfad - the resident login service: holds the core open and answers one
 * question per connection (a step of a login: common/wire.h) on a Unix
 * SOCK_SEQPACKET socket, for pam_mfa.so. A thin front end: answer.c asks
 * the core; this file serves the socket.
 *
 * The caller is known by SO_PEERCRED: root may ask about any user, any
 * other uid only about its own user name, at a bounded rate, and never with
 * a verified password (that would open nullok, grace and enrollment).
 *
 * One thread polls: it accepts, reads each question (it arrives whole in
 * one packet, so no client can make mfad wait for it), applies the rate
 * limit and hands it to a worker; workers, each with its own core context
 * (and store connection), answer and close. A connection that says
 * nothing is closed at its deadline, and each uid other than root holds at
 * most a few at once, so that local users cannot crowd out sshd's logins.
 *
 * It also checks passwords for mfa-web (password.c), for root and
 * web_user's uid only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mfad.h"

#define CONNS_MAX 256            /* connections open or answered at once */
#define CONNS_USERS_MAX 192      /* ... of which uids other than root hold at most */
#define CONNS_PER_UID 4          /* ... and one such uid at most */
#define LISTEN_FD_SYSTEMD 3      /* SD_LISTEN_FDS_START */
#define RATE_SLOTS 64            /* uids tracked at once */
#define RATE_MAX 10              /* requests per uid ... */
#define RATE_WINDOW 10           /* ... per this many seconds */
#define THREADS_DEFAULT 4
#define THREADS_MAX 64

static const char usage_text[] =
	"Usage: mfad [--config FILE] [--socket PATH] [--timeout SECONDS] [--threads N]\n"
	"\n"
	"NAME\n"
	"    mfad - the resident multi-factor login service\n"
	"\n"
	"DESCRIPTION\n"
	"    mfad opens the key file and store named by FILE (default\n"
	"    " MFA_DEFAULT_CONFIG ") once, then answers pam_mfa.so's questions on\n"
	"    the Unix SOCK_SEQPACKET socket PATH (default " WIRE_DEFAULT_SOCKET "),\n"
	"    which it creates with mode 0666: any local user may ask, mfad decides.\n"
	"    Started by systemd socket activation it takes the socket systemd\n"
	"    passes and ignores --socket. It removes a stale socket at PATH and\n"
	"    refuses to start if PATH is something else or another mfad answers.\n"
	"\n"
	"    The caller is known by SO_PEERCRED. root may ask about any user. Any\n"
	"    other uid may ask only about its own user name, at most 10 times in 10\n"
	"    seconds, with at most 4 connections open, and its claim that a password\n"
	"    was verified is ignored (so no grace, nullok or enrollment for it).\n"
	"    Each connection must send its question within the timeout (default 3\n"
	"    seconds) or is closed. N worker threads (default 4), each with its own\n"
	"    store connection, answer the questions.\n"
	"\n"
	"    Only root and web_user (mfa.conf) may have a password checked (for\n"
	"    mfa-web) through the PAM service web_pam_service (default mfa-web),\n"
	"    at most 5 failed checks per user in 60 seconds.\n"
	"\n"
	"    One log line per refusal or error goes to stderr and to syslog\n"
	"    (LOG_AUTHPRIV); codes are never logged. SIGTERM or SIGINT stops mfad\n"
	"    and removes the socket it made; SIGHUP reads the config again (a\n"
	"    config that does not work is logged and the old one kept). See mfad(8).\n"
	"\n"
	"OPTIONS\n"
	"    --config FILE       the mfa.conf to use\n"
	"    --socket PATH       where to listen\n"
	"    --timeout SECONDS   per connection, 1..60 (default 3)\n"
	"    --threads N         workers, 1..64 (default 4)\n"
	"    --help              this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 after SIGTERM or SIGINT, 1 if it could not start, 2 for bad usage.\n";

static volatile sig_atomic_t stopping, reload_asked;

struct rate_slot {
	uid_t uid;
	time_t window_start;
	unsigned count;
	bool used;
};

struct conn {
	int fd;                          /* -1: slot free */
	uid_t uid;
	long deadline_ms;                /* monotonic */
};

/* A question read, for a worker: the connection is the job's now. */
struct job {
	int fd;
	uid_t uid;
	struct job *next;
	struct wire_login_request req;   /* a code: wiped when done */
};

struct worker {
	struct service *s;
	pthread_t thread;
	bool started;
	mfa_ctx *ctx;
	mfa_ctx *next;                   /* a reload's context, taken before the next job
	                                  * (under the service's lock) */
	unsigned char buf[WIRE_MAX];
	struct wire_login_reply reply;   /* carries a QR code: not on the stack */
};

struct service {
	int listen_fd;
	bool socket_ours;                /* made here, removed at exit */
	const char *socket_path;
	const char *config;
	unsigned timeout;
	unsigned nworkers;
	struct worker *workers;
	struct password_gate gate;       /* WIRE_OP_PASSWORD: its own lock */
	/* The serving thread's own. */
	struct rate_slot rate[RATE_SLOTS];
	struct conn conns[CONNS_MAX];
	size_t nconns, nconns_users;
	long refused_log_ms;             /* last "too many connections" line */
	unsigned refused_unlogged;
	unsigned char buf[WIRE_MAX];
	/* Shared with the workers, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct job *first, *last;
	size_t in_flight;                /* queued or being answered */
	bool closing;
};

void say(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mfad: %s\n", line);
	syslog(priority, "%s", line);
}

static void core_log(void *arg, mfa_log_level level, const char *message)
{
	(void)arg;
	if (level <= MFA_LOG_WARNING)
		say(level == MFA_LOG_ERROR ? LOG_ERR : LOG_WARNING, "%s", message);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_asked = 1;
	else
		stopping = 1;
}

/* A context with the config as read (model: another context's settings,
 * or NULL: the file now), opened (key and store); NULL and a log line saying
 * why if not. */
static mfa_ctx *ctx_open(const struct service *s, const mfa_ctx *model, const char *what)
{
	mfa_ctx *ctx = NULL;
	int r;

	if (mfa_ctx_new(&ctx) != MFA_OK) {
		say(LOG_ERR, "%s: out of memory", what);
		return NULL;
	}
	mfa_ctx_set_log_handler(ctx, core_log, NULL);
	r = model ? mfa_config_copy(ctx, model) : mfa_config_load(ctx, s->config);
	if (r != MFA_OK || (r = mfa_open(ctx)) != MFA_OK) {
		say(LOG_ERR, "%s: %s: %s", what, mfa_strerror(r), mfa_ctx_error(ctx));
		mfa_ctx_free(&ctx);
	}
	return ctx;
}

/* SIGHUP: a context per worker opened from the config read again (key and
 * store tried); only if every one works are they handed over, each worker
 * taking its own before its next question (questions in flight finish on
 * the old ones). A config that does not work leaves every worker as it was:
 * no worker ever reads the file on its own, so they never disagree. */
static void reload(struct service *s)
{
	mfa_ctx **fresh = calloc(s->nworkers, sizeof(*fresh));
	unsigned i;

	if (!fresh) {
		say(LOG_ERR, "reload: out of memory: keeping the config in use");
		return;
	}
	/* The file read once; every worker's context takes what that read. */
	for (i = 0; i < s->nworkers; i++)
		if (!(fresh[i] = ctx_open(s, i ? fresh[0] : NULL, "reload: keeping the config in use")))
			break;
	if (i == s->nworkers) {
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < s->nworkers; i++) {
			mfa_ctx *unused = s->workers[i].next;

			s->workers[i].next = fresh[i];
			fresh[i] = unused;   /* an earlier reload's, never taken */
		}
		pthread_mutex_unlock(&s->lock);
		say(LOG_INFO, "reload: %s read again (--socket, --threads and web_user need a restart)",
		    s->config ? s->config : MFA_DEFAULT_CONFIG);
	}
	for (i = 0; i < s->nworkers; i++)
		mfa_ctx_free(&fresh[i]);
	free(fresh);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* False when uid has had its RATE_MAX requests in this window (or the
 * table is full of uids that have: fail closed). */
static bool rate_allow(struct service *s, uid_t uid, time_t now)
{
	struct rate_slot *slot = NULL;

	for (size_t i = 0; i < RATE_SLOTS; i++) {
		struct rate_slot *r = &s->rate[i];

		if (r->used && r->uid == uid) {
			slot = r;
			break;
		}
		if (!slot && (!r->used || now - r->window_start >= RATE_WINDOW))
			slot = r;   /* free or expired: reusable if uid has none */
	}
	if (!slot)
		return false;
	if (!slot->used || slot->uid != uid || now - slot->window_start >= RATE_WINDOW ||
	    now < slot->window_start)
		*slot = (struct rate_slot){ .uid = uid, .window_start = now, .used = true };
	if (slot->count >= RATE_MAX)
		return false;
	slot->count++;
	return true;
}

/* Sends reply on fd (a fresh socket's buffer takes a whole answer; a
 * client that let it fill up gets none) and closes it. */
static void reply_and_close(int fd, uid_t uid, const struct wire_login_reply *reply,
                            unsigned char *buf)
{
	size_t len;

	if (wire_login_reply_encode(reply, buf, WIRE_MAX, &len) != MFA_OK)
		say(LOG_ERR, "cannot encode a reply: closed");
	else if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		say(LOG_NOTICE, "uid %u: the reply could not be sent: %s", (unsigned)uid,
		    strerror(errno));
	explicit_bzero(buf, WIRE_MAX);
	close(fd);
}

static void job_done(struct service *s, struct job *j)
{
	explicit_bzero(j, sizeof(*j));
	free(j);
	pthread_mutex_lock(&s->lock);
	s->in_flight--;
	pthread_mutex_unlock(&s->lock);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct service *s = w->s;

	for (;;) {
		struct job *j;
		mfa_ctx *next;

		pthread_mutex_lock(&s->lock);
		while (!s->first && !s->closing)
			pthread_cond_wait(&s->more, &s->lock);
		j = s->first;
		if (j) {
			s->first = j->next;
			if (!s->first)
				s->last = NULL;
		}
		next = w->next;
		w->next = NULL;
		pthread_mutex_unlock(&s->lock);
		if (next) {
			mfa_ctx_free(&w->ctx);
			w->ctx = next;
		}
		if (!j)
			return NULL;   /* closing, and nothing left */
		answer(w->ctx, &s->gate, j->uid, &j->req, &w->reply);
		reply_and_close(j->fd, j->uid, &w->reply, w->buf);
		explicit_bzero(&w->reply, sizeof(w->reply));
		job_done(s, j);
	}
}

static void conn_release(struct service *s, struct conn *c)
{
	c->fd = -1;
	s->nconns--;
	if (c->uid != 0)
		s->nconns_users--;
}

static void conn_close(struct service *s, struct conn *c)
{
	close(c->fd);
	conn_release(s, c);
}

/* A readable connection: its one question, to a worker. Anything
 * malformed just closes it. */
static void serve(struct service *s, struct conn *c)
{
	struct job *j = NULL;
	ssize_t n;

	/* MSG_TRUNC: the packet's real length, to refuse one too long. */
	n = recv(c->fd, s->buf, sizeof(s->buf), MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;   /* not yet: wait on */
	if (n <= 0 || (size_t)n > sizeof(s->buf)) {
		if (n > 0)
			say(LOG_NOTICE, "uid %u sent an oversized packet: closed", (unsigned)c->uid);
		else if (n == 0)
			say(LOG_NOTICE, "uid %u sent an empty packet or hung up: closed",
			    (unsigned)c->uid);
		goto close;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		say(LOG_ERR, "out of memory: a question from uid %u closed", (unsigned)c->uid);
		goto close;
	}
	if (wire_login_request_decode(s->buf, (size_t)n, &j->req) != MFA_OK) {
		say(LOG_NOTICE, "uid %u sent a malformed request: closed", (unsigned)c->uid);
		goto close;
	}
	explicit_bzero(s->buf, sizeof(s->buf));
	j->fd = c->fd;
	j->uid = c->uid;
	/* mfa-web asks about many users: its password checks have their own
	 * limit, per user (password.c). */
	if (c->uid != 0 && !(j->req.op == WIRE_OP_PASSWORD && password_may_ask(&s->gate, c->uid)) &&
	    !rate_allow(s, c->uid, time(NULL))) {
		struct wire_login_reply busy;
		char user[MFA_TEXT_ESCAPED_MAX];

		mfa_text_escape(j->req.user, user, sizeof(user));
		say(LOG_WARNING, "uid %u asked about user %s: refused, over %u requests in %u s",
		    (unsigned)c->uid, user, RATE_MAX, RATE_WINDOW);
		answer_refuse(&busy, BUSY_TEXT);
		reply_and_close(j->fd, j->uid, &busy, s->buf);
		conn_release(s, c);
		explicit_bzero(j, sizeof(*j));
		free(j);
		return;
	}
	conn_release(s, c);
	pthread_mutex_lock(&s->lock);
	s->in_flight++;
	if (s->last)
		s->last->next = j;
	else
		s->first = j;
	s->last = j;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return;
close:
	explicit_bzero(s->buf, sizeof(s->buf));
	if (j) {
		explicit_bzero(j, sizeof(*j));
		free(j);
	}
	conn_close(s, c);
}

static size_t in_flight(struct service *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->in_flight;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Takes the waiting connections while there is room for them (questions
 * being answered count: a hung store must not let them pile up). */
static void accept_all(struct service *s)
{
	while (s->nconns + in_flight(s) < CONNS_MAX) {
		struct ucred cred;
		socklen_t cred_len = sizeof(cred);
		struct conn *c = NULL;
		unsigned held = 0;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			/* Out of descriptors or memory: the connection waits
			 * in the backlog; do not spin on it meanwhile. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				poll(NULL, 0, 100);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
		    cred_len != sizeof(cred)) {
			say(LOG_ERR, "a connection without peer credentials: closed (%s)", strerror(errno));
			close(fd);
			continue;
		}
		for (size_t i = 0; i < CONNS_MAX; i++) {
			if (s->conns[i].fd < 0)
				c = c ? c : &s->conns[i];
			else
				held += s->conns[i].uid == cred.uid;
		}
		if (cred.uid != 0 && (held >= CONNS_PER_UID || s->nconns_users >= CONNS_USERS_MAX)) {
			/* One line a second at most: a flood must not flood the log. */
			long now = now_ms();

			s->refused_unlogged++;
			if (now - s->refused_log_ms >= 1000) {
				say(LOG_WARNING, "uid %u holds %u connections: %u refused since the last "
				    "such line", (unsigned)cred.uid, held, s->refused_unlogged);
				s->refused_log_ms = now;
				s->refused_unlogged = 0;
			}
			close(fd);
			continue;
		}
		*c = (struct conn){ .fd = fd, .uid = cred.uid,
			            .deadline_ms = now_ms() + 1000L * s->timeout };
		s->nconns++;
		if (cred.uid != 0)
			s->nconns_users++;
	}
}

static void run(struct service *s)
{
	struct pollfd fds[CONNS_MAX + 1];
	struct conn *polled[CONNS_MAX + 1];

	while (!stopping) {
		long now = now_ms(), wait = 1000;   /* bounded: a signal is seen */
		nfds_t n = 0;
		int ready;

		if (reload_asked) {
			reload_asked = 0;
			reload(s);
		}

		/* Full: the listening socket waits, polled again in 50 ms. */
		if (s->nconns + in_flight(s) < CONNS_MAX) {
			fds[n] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
			polled[n++] = NULL;
		} else {
			wait = 50;
		}
		for (size_t i = 0; i < CONNS_MAX; i++) {
			struct conn *c = &s->conns[i];

			if (c->fd < 0)
				continue;
			if (c->deadline_ms <= now) {
				say(LOG_NOTICE, "uid %u sent no request within %u s: closed",
				    (unsigned)c->uid, s->timeout);
				conn_close(s, c);
				continue;
			}
			if (c->deadline_ms - now < wait)
				wait = c->deadline_ms - now;
			fds[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			polled[n++] = c;
		}
		ready = poll(fds, n, (int)wait);
		if (ready <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++) {
			if (!fds[i].revents)
				continue;
			if (!polled[i])
				accept_all(s);
			else
				serve(s, polled[i]);
		}
	}
}

/* Each worker's context opened (a bad config or store stops mfad here,
 * before it listens), and its thread started. */
static int workers_start(struct service *s)
{
	int r;

	if (!(s->workers = calloc(s->nworkers, sizeof(*s->workers)))) {
		say(LOG_ERR, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];

		w->s = s;
		if (!(w->ctx = ctx_open(s, i ? s->workers[0].ctx : NULL, "cannot start")))
			return -1;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];

		if ((r = pthread_create(&w->thread, NULL, worker_run, w)) != 0) {
			say(LOG_ERR, "cannot start a thread: %s", strerror(r));
			return -1;
		}
		w->started = true;
	}
	return 0;
}

/* The questions already read are answered, then the workers end. */
static void workers_stop(struct service *s)
{
	if (!s->workers)
		return;
	pthread_mutex_lock(&s->lock);
	s->closing = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		mfa_ctx_free(&s->workers[i].ctx);
		mfa_ctx_free(&s->workers[i].next);
	}
	free(s->workers);
	s->workers = NULL;
}

/* True if something answers at path: another mfad. */
static bool socket_live(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return live;
}

/* The socket systemd passed (LISTEN_PID, LISTEN_FDS): 1 taken, 0 none
 * passed, -1 one passed that is not a listening SOCK_SEQPACKET socket. */
static int listen_inherited(struct service *s)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int type = 0, listening = 0;
	socklen_t len = sizeof(type), len2 = sizeof(listening);

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1") != 0 ||
	    getsockopt(LISTEN_FD_SYSTEMD, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_SEQPACKET ||
	    getsockopt(LISTEN_FD_SYSTEMD, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len2) != 0 ||
	    !listening) {
		say(LOG_ERR, "systemd passed something other than one listening SOCK_SEQPACKET "
		             "socket: use mfad.socket as shipped (ListenSequentialPacket=)");
		return -1;
	}
	s->listen_fd = LISTEN_FD_SYSTEMD;
	if (fcntl(s->listen_fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(s->listen_fd, F_SETFL, fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK) != 0) {
		say(LOG_ERR, "cannot set up the socket systemd passed: %s", strerror(errno));
		return -1;
	}
	s->socket_path = "the socket systemd passed";
	return 1;
}

static int listen_on(struct service *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int r;

	if (strlen(s->socket_path) >= sizeof(addr.sun_path)) {
		say(LOG_ERR, "socket path %s is too long (at most %zu bytes): choose a shorter one",
		    s->socket_path, sizeof(addr.sun_path) - 1);
		return -1;
	}
	memcpy(addr.sun_path, s->socket_path, strlen(s->socket_path) + 1);
	{
		/* /run/mfa is gone after a reboot: made again (one level, 0755,
		 * so that any user can reach the socket). */
		char dir[sizeof(addr.sun_path)];
		char *slash;

		memcpy(dir, addr.sun_path, sizeof(dir));
		if ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
				say(LOG_ERR, "cannot make the socket's directory %s: %s", dir, strerror(errno));
				return -1;
			}
		}
	}
	if (lstat(s->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			say(LOG_ERR, "%s exists and is not a socket: remove it or choose another path",
			    s->socket_path);
			return -1;
		}
		if (socket_live(&addr)) {
			say(LOG_ERR, "another service answers at %s: stop it first", s->socket_path);
			return -1;
		}
		if (unlink(s->socket_path) != 0) {
			say(LOG_ERR, "cannot remove the stale socket %s: %s", s->socket_path,
			    strerror(errno));
			return -1;
		}
	}
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0) {
		say(LOG_ERR, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	/* Created 0666 at once, never wider for a moment. */
	old_mask = umask(0111);
	r = bind(s->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (r != 0 || chmod(s->socket_path, 0666) != 0 || listen(s->listen_fd, 128) != 0) {
		say(LOG_ERR, "cannot listen at %s: %s", s->socket_path, strerror(errno));
		if (r == 0)
			unlink(s->socket_path);
		return -1;
	}
	s->socket_ours = true;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct service s = { .listen_fd = -1, .timeout = 3, .nworkers = THREADS_DEFAULT,
		                    .socket_path = WIRE_DEFAULT_SOCKET,
		                    .lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER };
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, status = 1;
	unsigned long v;
	char *end;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			s.config = optarg;
			break;
		case 's':
			s.socket_path = optarg;
			break;
		case 't':
		case 'n':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || v < 1 ||
			    v > (opt == 't' ? 60 : THREADS_MAX)) {
				fprintf(stderr, "mfad: %s\n", opt == 't'
				        ? "--timeout takes 1..60 seconds" : "--threads takes 1..64");
				return 2;
			}
			if (opt == 't')
				s.timeout = (unsigned)v;
			else
				s.nworkers = (unsigned)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mfad: unexpected argument '%s' (mfad --help)\n", argv[optind]);
		return 2;
	}
	for (size_t i = 0; i < CONNS_MAX; i++)
		s.conns[i].fd = -1;
	openlog("mfad", LOG_PID, LOG_AUTHPRIV);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (workers_start(&s) != 0 || password_gate_init(&s.gate, s.workers[0].ctx) != 0)
		goto out;
	if ((opt = listen_inherited(&s)) < 0 || (opt == 0 && listen_on(&s) != 0))
		goto out;
	say(LOG_INFO, "answering at %s", s.socket_path);
	run(&s);
	say(LOG_INFO, "stopping");
	status = 0;
out:
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (s.conns[i].fd >= 0)
			conn_close(&s, &s.conns[i]);
	workers_stop(&s);
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		if (s.socket_ours)
			unlink(s.socket_path);
	}
	closelog();
	return status;
}
