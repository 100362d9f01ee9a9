/*
 * mfad - the resident login service: holds the core open and answers one
 * question per connection (a step of a login: common/wire.h) on a Unix
 * SOCK_SEQPACKET socket, for pam_mfa.so. A thin front end: the policy is
 * mfa_login's.
 *
 * The caller is known by SO_PEERCRED: root may ask about any user, any
 * other uid only about its own user name, at a bounded rate, and never with
 * a verified password (that would open nullok, grace and enrollment).
 *
 * One thread, one poll loop: a question arrives whole in one packet, so no
 * client can make mfad wait for it; a connection that says nothing is
 * closed at its deadline, and each uid other than root holds at most a few
 * at once, so that local users cannot crowd out sshd's logins.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
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

#include "mfa.h"
#include "wire.h"

#define CONNS_MAX 256            /* connections open at once */
#define CONNS_USERS_MAX 192      /* ... of which uids other than root hold at most */
#define CONNS_PER_UID 4          /* ... and one such uid at most */
#define LISTEN_FD_SYSTEMD 3      /* SD_LISTEN_FDS_START */
#define RATE_SLOTS 64            /* uids tracked at once */
#define RATE_MAX 10              /* requests per uid ... */
#define RATE_WINDOW 10           /* ... per this many seconds */
#define REFUSED_TEXT "Verification refused."
#define BUSY_TEXT "Too many verification requests: wait a few seconds and try again."

static const char usage_text[] =
	"Usage: mfad [--config FILE] [--socket PATH] [--timeout SECONDS]\n"
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
	"    seconds) or is closed.\n"
	"\n"
	"    One log line per refusal or error goes to stderr and to syslog\n"
	"    (LOG_AUTHPRIV); codes are never logged. SIGTERM or SIGINT stops mfad\n"
	"    and removes the socket it made. See mfad(8).\n"
	"\n"
	"OPTIONS\n"
	"    --config FILE       the mfa.conf to use\n"
	"    --socket PATH       where to listen\n"
	"    --timeout SECONDS   per connection, 1..60 (default 3)\n"
	"    --help              this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 after SIGTERM or SIGINT, 1 if it could not start, 2 for bad usage.\n";

static volatile sig_atomic_t stopping;

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

struct service {
	mfa_ctx *ctx;
	int listen_fd;
	bool socket_ours;                /* made here, removed at exit */
	const char *socket_path;
	unsigned timeout;
	struct rate_slot rate[RATE_SLOTS];
	struct conn conns[CONNS_MAX];
	size_t nconns, nconns_users;
	long refused_log_ms;             /* last "too many connections" line */
	unsigned refused_unlogged;
	/* One question and one answer at a time: here, not on the stack
	 * (the answer carries a QR code). */
	unsigned char buf[WIRE_MAX];
	struct wire_login_request req;
	struct wire_login_reply reply;
};

static void say(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int priority, const char *fmt, ...)
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
	(void)sig;
	stopping = 1;
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

/* True if uid's user name is exactly user. */
static bool uid_is_user(uid_t uid, const char *user)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	return getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found &&
	       strcmp(found->pw_name, user) == 0;
}

static void refuse(struct wire_login_reply *reply, const char *text)
{
	memset(reply, 0, sizeof(*reply));
	reply->status = MFA_ERR_INVALID;
	reply->action = MFA_LOGIN_REFUSE;
	snprintf(reply->text, sizeof(reply->text), "%s", text);
}

static void verdict_text(int r, char *buf, size_t size)
{
	struct mfa_verdict v = { .result = r };

	mfa_verdict_message(&v, buf, size);
}

/* WIRE_OP_SPLIT: the end of "password and code"; a placeholder stands for
 * what was typed before it, which mfad never sees. */
static void op_split(struct service *s, const struct wire_login_request *r,
                     struct wire_login_reply *reply)
{
	char typed[WIRE_SPLIT_TAIL + 2];
	bool tail = r->flags & WIRE_TYPED_TAIL;
	size_t off = 0;

	if (strlen(r->code) > WIRE_SPLIT_TAIL) {
		reply->status = MFA_ERR_INVALID;
		return;
	}
	snprintf(typed, sizeof(typed), "%s%s", tail ? "x" : "", r->code);
	reply->status = (uint32_t)mfa_login_split(s->ctx, r->user, typed, &off);
	if (reply->status == MFA_OK)
		reply->offset = (uint32_t)(off - tail);
	explicit_bzero(typed, sizeof(typed));
}

static void op_enroll_begin(struct service *s, const struct mfa_request *req,
                            const struct mfa_login_policy *policy, mfa_qr_style style,
                            struct wire_login_reply *reply)
{
	mfa_enrollment *e = NULL;
	char *qr = NULL;
	int r = mfa_login_enroll_begin(s->ctx, req, policy, &e);

	reply->status = (uint32_t)r;
	if (r != MFA_OK) {
		/* NOT_FOUND: no longer allowed (an admin acted meanwhile): as if
		 * no enrollment had been offered. */
		verdict_text(r == MFA_ERR_NOT_FOUND ? MFA_ERR_NO_FACTOR : r, reply->text,
		             sizeof(reply->text));
		return;
	}
	snprintf(reply->factor, sizeof(reply->factor), "%s", mfa_enrollment_factor_id(e));
	snprintf(reply->uri, sizeof(reply->uri), "%s", mfa_enrollment_uri(e));
	snprintf(reply->secret, sizeof(reply->secret), "%s", mfa_enrollment_secret_base32(e));
	/* Without the drawing the link and the secret still do. */
	if (mfa_qr_render(mfa_enrollment_uri(e), style, &qr) == MFA_OK && strlen(qr) <= WIRE_QR_MAX)
		snprintf(reply->qr, sizeof(reply->qr), "%s", qr);
	if (qr) {
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	mfa_enrollment_free(&e);
}

static void op_enroll_confirm(struct service *s, const struct mfa_request *req,
                              const struct mfa_login_policy *policy, const char *factor,
                              struct wire_login_reply *reply)
{
	mfa_enrollment *e = NULL;
	int r = mfa_login_enroll_resume(s->ctx, req, policy, factor, &e);

	/* Without a code it would be mfa_enroll_activate: never at a login. */
	if (r == MFA_OK)
		r = req->code ? mfa_enroll_confirm(s->ctx, e, req->code) : MFA_ERR_INVALID;
	mfa_enrollment_free(&e);
	reply->status = (uint32_t)r;
	/* A wrong code: the core's sentence says what to do next. */
	if (mfa_err_is_verdict(r))
		snprintf(reply->text, sizeof(reply->text), "%s", mfa_ctx_error(s->ctx));
	else if (r != MFA_OK)
		verdict_text(r, reply->text, sizeof(reply->text));
}

/* The answer to one decoded question from uid. */
static void decide(struct service *s, uid_t uid, const struct wire_login_request *r,
                   struct wire_login_reply *reply)
{
	static const char *const op_names[] = { "?", "login", "split", "enrollment", "enrollment" };
	char user[MFA_TEXT_ESCAPED_MAX], service[4 * WIRE_SERVICE_MAX + 1], source[160];
	struct mfa_login_result res;
	struct mfa_request req;
	struct mfa_login_policy policy;

	memset(reply, 0, sizeof(*reply));
	mfa_text_escape(r->user, user, sizeof(user));
	mfa_text_escape(r->service, service, sizeof(service));
	if (uid != 0) {
		if (!rate_allow(s, uid, time(NULL))) {
			say(LOG_WARNING, "uid %u asked about user %s: refused, over %u requests in %u s",
			    (unsigned)uid, user, RATE_MAX, RATE_WINDOW);
			refuse(reply, BUSY_TEXT);
			return;
		}
		if (!uid_is_user(uid, r->user)) {
			say(LOG_WARNING, "uid %u asked about user %s: refused, not its own user",
			    (unsigned)uid, user);
			refuse(reply, REFUSED_TEXT);
			return;
		}
		snprintf(source, sizeof(source), "pam:%s uid %u", r->service, (unsigned)uid);
	} else {
		snprintf(source, sizeof(source), "pam:%s", r->service);
	}
	req = (struct mfa_request){
		.user = r->user,
		.code = r->has_code ? r->code : NULL,
		.source = source,
		.remote = r->remote[0] ? r->remote : NULL,
	};
	policy = (struct mfa_login_policy){
		/* Only root's word on the password counts. */
		.password_verified = uid == 0 && (r->flags & WIRE_PASSWORD_VERIFIED),
		.no_factor = (mfa_no_factor)r->no_factor,
		.grace_days = r->grace_days,
		.enroll_inline = r->flags & WIRE_ENROLL_INLINE,
	};
	switch (r->op) {
	case WIRE_OP_LOGIN:
		mfa_login(s->ctx, &req, &policy, &res);
		reply->status = (uint32_t)res.result;
		reply->action = res.action;
		snprintf(reply->text, sizeof(reply->text), "%s", res.message);
		explicit_bzero(&res, sizeof(res));
		break;
	case WIRE_OP_SPLIT:
		op_split(s, r, reply);
		break;
	case WIRE_OP_ENROLL_BEGIN:
		op_enroll_begin(s, &req, &policy, (mfa_qr_style)r->qr, reply);
		break;
	default:
		op_enroll_confirm(s, &req, &policy, r->factor, reply);
		break;
	}
	if (reply->status != MFA_OK && !mfa_err_is_verdict((int)reply->status))
		say(LOG_ERR, "user %s (uid %u, %s): %s: %s%s%s", user, (unsigned)uid, service,
		    op_names[r->op], mfa_strerror((int)reply->status),
		    mfa_ctx_error(s->ctx)[0] ? ": " : "", mfa_ctx_error(s->ctx));
	else if (r->op == WIRE_OP_LOGIN &&
	         (reply->action == MFA_LOGIN_REFUSE || reply->action == MFA_LOGIN_RETRY))
		say(LOG_NOTICE, "user %s (uid %u, %s): %s: %s", user, (unsigned)uid, service,
		    reply->action == MFA_LOGIN_RETRY ? "retry" : "refused",
		    mfa_strerror((int)reply->status));
}

static void conn_close(struct service *s, struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	s->nconns--;
	if (c->uid != 0)
		s->nconns_users--;
}

/* A readable connection: its one question, the answer, closed. Anything
 * malformed just closes it. */
static void serve(struct service *s, struct conn *c)
{
	ssize_t n;
	size_t len;

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
		goto out;
	}
	if (wire_login_request_decode(s->buf, (size_t)n, &s->req) != MFA_OK) {
		say(LOG_NOTICE, "uid %u sent a malformed request: closed", (unsigned)c->uid);
		goto out;
	}
	decide(s, c->uid, &s->req, &s->reply);
	if (wire_login_reply_encode(&s->reply, s->buf, sizeof(s->buf), &len) != MFA_OK) {
		say(LOG_ERR, "cannot encode a reply: closed");
		goto out;
	}
	/* A fresh socket's buffer takes a whole answer; a client that let it
	 * fill up gets none. */
	if (send(c->fd, s->buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		say(LOG_NOTICE, "uid %u: the reply could not be sent: %s", (unsigned)c->uid,
		    strerror(errno));
out:
	explicit_bzero(&s->req, sizeof(s->req));
	explicit_bzero(&s->reply, sizeof(s->reply));
	explicit_bzero(s->buf, sizeof(s->buf));
	conn_close(s, c);
}

/* Takes the waiting connections while there is room for them. */
static void accept_all(struct service *s)
{
	while (s->nconns < CONNS_MAX) {
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

		if (s->nconns < CONNS_MAX) {
			fds[n] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
			polled[n++] = NULL;
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
		say(LOG_ERR, "cannot listen at %s: %s%s", s->socket_path, strerror(errno),
		    errno == ENOENT ? " (create its directory first)" : "");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct service s = { .listen_fd = -1, .timeout = 3,
		                    .socket_path = WIRE_DEFAULT_SOCKET };
	const char *config = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, r, status = 1;
	char *end;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			s.socket_path = optarg;
			break;
		case 't':
			errno = 0;
			s.timeout = (unsigned)strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || s.timeout < 1 ||
			    s.timeout > 60) {
				fprintf(stderr, "mfad: --timeout takes 1..60 seconds, not '%s'\n", optarg);
				return 2;
			}
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
	signal(SIGPIPE, SIG_IGN);

	if (mfa_ctx_new(&s.ctx) != MFA_OK) {
		say(LOG_ERR, "out of memory");
		goto out;
	}
	mfa_ctx_set_log_handler(s.ctx, core_log, NULL);
	if ((r = mfa_config_load(s.ctx, config)) != MFA_OK || (r = mfa_open(s.ctx)) != MFA_OK) {
		say(LOG_ERR, "cannot start: %s: %s", mfa_strerror(r), mfa_ctx_error(s.ctx));
		goto out;
	}
	if ((r = listen_inherited(&s)) < 0 || (r == 0 && listen_on(&s) != 0))
		goto out;
	say(LOG_INFO, "answering at %s", s.socket_path);
	run(&s);
	say(LOG_INFO, "stopping");
	status = 0;
out:
	for (size_t i = 0; i < CONNS_MAX; i++)
		if (s.conns[i].fd >= 0)
			conn_close(&s, &s.conns[i]);
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		if (s.socket_ours)
			unlink(s.socket_path);
	}
	mfa_ctx_free(&s.ctx);
	closelog();
	return status;
}
