/*
 * mfad - the resident login service (issue 12, first step): holds the core
 * open and answers one login question per connection on a Unix
 * SOCK_SEQPACKET socket, in the messages of common/wire.h. A thin front
 * end: the policy is mfa_login's.
 *
 * The caller is known by SO_PEERCRED: root may ask about any user, any
 * other uid only about its own user name, at a bounded rate, and never with
 * a verified password (that would open nullok and grace paths).
 *
 * One connection at a time, each bounded by a receive and send timeout:
 * simple and enough for a first step; a client that stalls delays the
 * others by at most that timeout.
 */
#include <errno.h>
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

#define RATE_SLOTS 64            /* uids tracked at once */
#define RATE_MAX 10              /* requests per uid ... */
#define RATE_WINDOW 10           /* ... per this many seconds */
#define REFUSED_TEXT "Verification refused."
#define BUSY_TEXT "Too many verification requests: wait a few seconds and try again."

static const char usage_text[] =
	"Usage: mfad --config FILE --socket PATH [--timeout SECONDS]\n"
	"\n"
	"NAME\n"
	"    mfad - the resident multi-factor login service\n"
	"\n"
	"DESCRIPTION\n"
	"    mfad opens the key file and store named by FILE once, then answers\n"
	"    login questions (the messages of common/wire.h, one per SOCK_SEQPACKET\n"
	"    packet) on the Unix socket PATH, which it creates with mode 0666: any\n"
	"    local user may ask, mfad decides. It removes a stale socket at PATH and\n"
	"    refuses to start if PATH is something else or another mfad answers there.\n"
	"\n"
	"    The caller is known by SO_PEERCRED. root may ask about any user. Any\n"
	"    other uid may ask only about its own user name, at most 10 times in 10\n"
	"    seconds, and its claim that a password was verified is ignored.\n"
	"    Connections are handled one at a time; each must send its request\n"
	"    within the timeout (default 3 seconds) or is closed.\n"
	"\n"
	"    One log line per refusal or error goes to stderr and to syslog\n"
	"    (LOG_AUTHPRIV); codes are never logged. SIGTERM or SIGINT stops mfad\n"
	"    and removes the socket.\n"
	"\n"
	"    This is a first step: pam_mfa does not use mfad yet.\n"
	"\n"
	"OPTIONS\n"
	"    --config FILE       the mfa.conf to use (required)\n"
	"    --socket PATH       where to listen (required)\n"
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

struct service {
	mfa_ctx *ctx;
	int listen_fd;
	const char *socket_path;
	unsigned timeout;
	struct rate_slot rate[RATE_SLOTS];
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
	*reply = (struct wire_login_reply){ .status = MFA_ERR_INVALID, .action = MFA_LOGIN_REFUSE };
	snprintf(reply->text, sizeof(reply->text), "%s", text);
}

/* The decision for one decoded request from uid. */
static void decide(struct service *s, uid_t uid, const struct wire_login_request *r,
                   struct wire_login_reply *reply)
{
	char user[MFA_TEXT_ESCAPED_MAX], service[4 * WIRE_SERVICE_MAX + 1], source[160];
	struct mfa_login_result res;
	struct mfa_request req;
	struct mfa_login_policy policy;

	mfa_text_escape(r->user, user, sizeof(user));
	mfa_text_escape(r->service[0] ? r->service : "unknown", service, sizeof(service));
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
		snprintf(source, sizeof(source), "pam:%s uid %u", r->service[0] ? r->service : "unknown",
		         (unsigned)uid);
	} else {
		snprintf(source, sizeof(source), "pam:%s", r->service[0] ? r->service : "unknown");
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
	mfa_login(s->ctx, &req, &policy, &res);
	*reply = (struct wire_login_reply){ .status = (uint32_t)res.result, .action = res.action };
	snprintf(reply->text, sizeof(reply->text), "%s", res.message);
	if (res.action == MFA_LOGIN_REFUSE || res.action == MFA_LOGIN_RETRY)
		say(LOG_NOTICE, "user %s (uid %u, %s): %s: %s", user, (unsigned)uid, service,
		    res.action == MFA_LOGIN_RETRY ? "retry" : "refused", mfa_strerror(res.result));
}

/* One connection: one request, one reply. Anything malformed or late
 * just closes it. */
static void serve(struct service *s, int fd)
{
	unsigned char buf[WIRE_MAX];
	struct wire_login_request req;
	struct wire_login_reply reply;
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	struct timeval tv = { .tv_sec = (time_t)s->timeout };
	ssize_t n;
	size_t len;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
	    cred_len != sizeof(cred)) {
		say(LOG_ERR, "a connection without peer credentials: closed (%s)", strerror(errno));
		return;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		say(LOG_ERR, "cannot set a timeout on a connection: %s", strerror(errno));
		return;
	}
	/* MSG_TRUNC: the packet's real length, to refuse one too long. */
	do
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	while (n < 0 && errno == EINTR && !stopping);
	if (n <= 0 || (size_t)n > sizeof(buf)) {
		if (n < 0)
			say(LOG_NOTICE, "uid %u sent no request within %u s: closed", (unsigned)cred.uid,
			    s->timeout);
		else if (n > 0)
			say(LOG_NOTICE, "uid %u sent an oversized packet: closed", (unsigned)cred.uid);
		else
			say(LOG_NOTICE, "uid %u sent an empty packet or hung up: closed",
			    (unsigned)cred.uid);
		goto out;
	}
	if (wire_login_request_decode(buf, (size_t)n, &req) != MFA_OK) {
		say(LOG_NOTICE, "uid %u sent a malformed request: closed", (unsigned)cred.uid);
		goto out;
	}
	decide(s, cred.uid, &req, &reply);
	if (wire_login_reply_encode(&reply, buf, sizeof(buf), &len) != MFA_OK) {
		say(LOG_ERR, "cannot encode a reply: closed");
		goto out;
	}
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		say(LOG_NOTICE, "uid %u: the reply could not be sent: %s", (unsigned)cred.uid,
		    strerror(errno));
out:
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(buf, sizeof(buf));
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
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		say(LOG_ERR, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	/* Created 0666 at once, never wider for a moment. */
	old_mask = umask(0111);
	r = bind(s->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (r != 0 || chmod(s->socket_path, 0666) != 0 || listen(s->listen_fd, 64) != 0) {
		say(LOG_ERR, "cannot listen at %s: %s", s->socket_path, strerror(errno));
		return -1;
	}
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
	struct service s = { .listen_fd = -1, .timeout = 3 };
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
	if (optind != argc || !config || !s.socket_path) {
		fprintf(stderr, "mfad: --config FILE and --socket PATH are required (mfad --help)\n");
		return 2;
	}
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
	if (listen_on(&s) != 0)
		goto out;
	say(LOG_INFO, "answering at %s", s.socket_path);
	while (!stopping) {
		struct pollfd p = { .fd = s.listen_fd, .events = POLLIN };
		int fd;

		/* A bounded wait, so that a signal between checks is seen. */
		if (poll(&p, 1, 1000) <= 0)
			continue;
		fd = accept4(s.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors or memory: the connection waits
			 * in the backlog; do not spin on it meanwhile. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				poll(NULL, 0, 100);
			continue;
		}
		serve(&s, fd);
		close(fd);
	}
	say(LOG_INFO, "stopping");
	status = 0;
out:
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		unlink(s.socket_path);
	}
	mfa_ctx_free(&s.ctx);
	closelog();
	return status;
}
