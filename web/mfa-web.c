/*
 * mfa-web.c - the portal's process: reads mfa.conf, binds its address,
 * reads the TLS key, drops root for web_user, then serves until SIGTERM.
 * SIGHUP reads the config again: a config that does not work is logged and
 * the old one kept, and requests in flight finish on the contexts they hold.
 *
 *   mfa-web [--config FILE] [--listen ADDR:PORT] [--socket MFAD_SOCKET]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "web.h"
#include "wire.h"

#define PEM_MAX (64 * 1024)

void web_log(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mfa-web: %s\n", line);
	syslog(priority, "%s", line);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mfa-web [--config FILE] [--listen ADDR:PORT] [--socket MFAD_SOCKET]\n"
	           "  --config  mfa.conf (default: $MFA_CONFIG or " MFA_DEFAULT_CONFIG ")\n"
	           "  --listen  where to serve, e.g. 127.0.0.1:8080 or [::1]:8443 (default: "
	           "web_listen)\n"
	           "  --socket  mfad's socket, for password checks (default " WIRE_DEFAULT_SOCKET ")\n");
}

/* "ADDR:PORT" or "[V6]:PORT" into host and port. */
static bool split_listen(const char *listen_at, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon;

	if (listen_at[0] == '[') {
		const char *end = strchr(listen_at, ']');

		if (!end || end[1] != ':' || (size_t)(end - listen_at - 1) >= hsize)
			return false;
		memcpy(host, listen_at + 1, (size_t)(end - listen_at - 1));
		host[end - listen_at - 1] = '\0';
		colon = end + 1;
	} else {
		if (!(colon = strrchr(listen_at, ':')) || (size_t)(colon - listen_at) >= hsize)
			return false;
		memcpy(host, listen_at, (size_t)(colon - listen_at));
		host[colon - listen_at] = '\0';
	}
	if (strlen(colon + 1) >= psize || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	strcpy(port, colon + 1);
	return host[0] != '\0';
}

/* A listening TCP socket for listen_at; *loopback says whether only this
 * machine can reach it. -1 and a message on stderr if not. */
static int bind_listen(const char *listen_at, bool *loopback)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST |
	                                                                  AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char host[256], port[8];
	int fd = -1, on = 1, e;

	if (!split_listen(listen_at, host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "mfa-web: listen address '%s' is not ADDR:PORT (for example "
		        "127.0.0.1:8080 or [::1]:8443)\n", listen_at);
		return -1;
	}
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "mfa-web: listen address '%s': %s (give a numeric address)\n",
		        listen_at, gai_strerror(e));
		return -1;
	}
	if (ai->ai_family == AF_INET)
		*loopback = (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127;
	else
		*loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		fprintf(stderr, "mfa-web: cannot listen on %s: %s\n", listen_at, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* A PEM file, whole, NUL-terminated (read as root, before dropping it). */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		fprintf(stderr, "mfa-web: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((buf = calloc(1, PEM_MAX + 1))) {
		n = fread(buf, 1, PEM_MAX + 1, f);
		if (n == 0 || n > PEM_MAX) {
			fprintf(stderr, "mfa-web: %s is empty or larger than %d bytes\n", path, PEM_MAX);
			OPENSSL_cleanse(buf, PEM_MAX + 1);
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Root is given up for user before any request is read. */
static int drop_root(const char *user)
{
	struct passwd *pw;

	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if (!user || !user[0]) {
		fprintf(stderr, "mfa-web: will not serve as root: set web_user in mfa.conf (a user "
		        "of its own, in the store's group)\n");
		return -1;
	}
	if (!(pw = getpwnam(user)) || pw->pw_uid == 0) {
		fprintf(stderr, "mfa-web: web_user '%s' %s\n", user,
		        pw ? "is root: give a user of its own" : "does not exist: create it");
		return -1;
	}
	if (initgroups(user, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0 || setuid(0) == 0) {
		fprintf(stderr, "mfa-web: cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	return 0;
}

/* Started as another user than web_user (by a unit, say): mfad would refuse
 * every password check, which users would see as "unavailable". */
static void warn_not_web_user(const char *user)
{
	struct passwd *pw = user && user[0] ? getpwnam(user) : NULL;

	if (!user || !user[0])
		web_log(LOG_WARNING, "web_user is not set in mfa.conf: mfad will check no password "
		        "for this process; set it to the user mfa-web runs as");
	else if (!pw || pw->pw_uid != getuid())
		web_log(LOG_WARNING, "running as uid %u, but web_user = %s%s: mfad will check no "
		        "password for this process", (unsigned)getuid(), user,
		        pw ? " is another user" : " does not exist");
}

int main(int argc, char **argv)
{
	const char *config = NULL, *listen_opt = NULL, *socket_path = WIRE_DEFAULT_SOCKET;
	struct mfa_web_settings set;
	struct web w = { 0 };
	char *cert = NULL, *key = NULL, why[512];
	mfa_ctx *probe = NULL;
	bool loopback = false;
	sigset_t sigs;
	int fd = -1, sig, status = 1, r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen_opt = argv[++i];
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			socket_path = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "mfa-web: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	openlog("mfa-web", LOG_PID, LOG_AUTHPRIV);
	/* The settings first: the config is opened for good after dropping root. */
	if ((r = mfa_ctx_new(&probe)) != MFA_OK || (r = mfa_config_load(probe, config)) != MFA_OK) {
		fprintf(stderr, "mfa-web: %s\n", probe ? mfa_ctx_error(probe) : mfa_strerror(r));
		goto out;
	}
	config = mfa_config_path(probe);
	mfa_web_settings_get(probe, &set);
	snprintf(w.cfg.listen, sizeof(w.cfg.listen), "%s", listen_opt ? listen_opt : set.listen);
	w.cfg.tls = set.tls_cert[0] != '\0';
	w.cfg.behind_proxy = set.behind_proxy;
	w.cfg.secure_cookie = w.cfg.tls || set.behind_proxy;
	snprintf(w.cfg.admin_group, sizeof(w.cfg.admin_group), "%s", set.admin_group);
	w.cfg.session_idle = set.session_idle;
	w.cfg.session_max = set.session_max;
	if (strlen(socket_path) >= sizeof(w.cfg.mfad_socket)) {
		fprintf(stderr, "mfa-web: --socket path is too long\n");
		goto out;
	}
	strcpy(w.cfg.mfad_socket, socket_path);
	w.cfg.mfad_timeout_ms = 10000;
	if ((fd = bind_listen(w.cfg.listen, &loopback)) < 0)
		goto out;
	/* Cookies and passwords in clear text only where no one else listens. */
	if (!w.cfg.tls && !set.behind_proxy && !loopback) {
		fprintf(stderr, "mfa-web: refusing plain HTTP on %s: set web_tls_cert and web_tls_key, "
		        "or listen on loopback behind a TLS proxy (web_behind_proxy = yes)\n",
		        w.cfg.listen);
		goto out;
	}
	if (w.cfg.tls && (!(cert = read_pem(set.tls_cert)) || !(key = read_pem(set.tls_key))))
		goto out;
	if (drop_root(set.user) != 0)
		goto out;
	warn_not_web_user(set.user);
	if (!(w.pool = pool_new(config, why, sizeof(why)))) {
		fprintf(stderr, "mfa-web: %s\n", why);
		goto out;
	}
	pthread_mutex_init(&w.pool_mutex, NULL);
	if (!(w.sessions = sessions_new(w.cfg.session_idle, w.cfg.session_max)) ||
	    !(w.limits = limits_new())) {
		fprintf(stderr, "mfa-web: out of memory\n");
		goto out;
	}
	/* Signals go to this thread only: the server's threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_serve(&w, fd, cert, key) != MFA_OK) {
		fprintf(stderr, "mfa-web: the HTTP server did not start (see the log)\n");
		goto out;
	}
	fd = -1;   /* the server's now: it closes it */
	web_log(LOG_INFO, "serving %s://%s, config %s", w.cfg.tls ? "https" : "http", w.cfg.listen,
	        config);
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP) {
		struct web_pool *fresh = pool_new(config, why, sizeof(why)), *old;

		if (!fresh) {
			web_log(LOG_ERR, "reload: %s: keeping the config in use", why);
			continue;
		}
		pthread_mutex_lock(&w.pool_mutex);
		old = w.pool;
		w.pool = fresh;
		pthread_mutex_unlock(&w.pool_mutex);
		pool_release(old);
		web_log(LOG_INFO, "reload: %s read again (listen address and TLS files need a restart)",
		        config);
	}
	http_stop();
	status = 0;
out:
	if (w.pool)
		pool_release(w.pool);
	sessions_free(w.sessions);
	limits_free(w.limits);
	if (key) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
	free(cert);
	mfa_ctx_free(&probe);
	if (fd >= 0)
		close(fd);
	return status;
}
