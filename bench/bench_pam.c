/*
 * bench_pam.c - PAM authentications per second: the whole pam_start ->
 * pam_authenticate -> pam_end of a login with a valid code, over many
 * users, for whatever module a service file names. bench/bench_pam.sh runs
 * it for pam_mfa, pam_google_authenticator and pam_oath side by side.
 *
 *   bench_pam setup DIR --users N
 *       writes the tokens of users user00000 .. user(N-1) for every module:
 *         DIR/users.oath       one pam_oath usersfile holding every user
 *                              (also what bench_pam.sh imports into pam_mfa)
 *         DIR/oath/USER        one pam_oath usersfile per user
 *         DIR/ga/USER          one pam_google_authenticator file per user
 *   bench_pam run SERVICE --users N [--label TEXT] [--warmup W]
 *                 [--syslog FILE] [--keep-loaded SO]...
 *       logs users 0 .. N-1 in once each through SERVICE, then prints
 *         result label=TEXT logins=N ok=N failed=0 seconds=S rate=R cpu_us=C
 *                syslog_lines=L
 *       (rate in authentications per second of wall time, cpu_us the
 *       process's user+system CPU per login, L the lines the modules sent to
 *       syslog, appended to FILE: see "syslog sink" below). Exit status 1
 *       if any login failed: a benchmark of failing logins is worthless.
 *       --warmup W first logs users N .. N+W-1 in, untimed (set up N+W).
 *       --keep-loaded SO dlopens SO (a module) once, never to be unloaded:
 *       libpam's dlopen and dlclose of it at each login then only count
 *       references, so the run shows what a login costs without loading
 *       the module and its libraries (as in a process that keeps it).
 *
 * Why TOTP, each user once: all three modules refuse a code twice (pam_mfa
 * per factor and step, google-authenticator with DISALLOW_REUSE, pam_oath
 * by its last OTP), and a server sees many users log in once each within a
 * step far more than one user logging in over and over. So every module
 * gets the same N users with the same secrets (SHA1, 6 digits, 30 s, a
 * window of one step either way), each user logs in exactly once per run
 * with the code of the current step, and every module records that step
 * as used (google-authenticator only does with DISALLOW_REUSE, so its files
 * carry it: without it, it would write nothing and skip the work the other
 * two do). Codes are computed in the conversation, as a phone would, so a
 * run that crosses a step boundary stays valid. A run never uses a user
 * twice; bench_pam.sh gives each run its own store or files.
 *
 * Alike for every module: the same process, service file layout, "other"
 * service and wrappers; liboath is resident (this program links it, as
 * pam_oath.so and pam_mfa.so do), libcrypto stays resident once loaded
 * (it is NODELETE), every other library a module needs is loaded and
 * unloaded with it at each login, as libpam does.
 *
 * The secrets come from a fixed generator (user index -> 20 bytes): setup
 * and run agree on them without a file between them. Benchmark secrets only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

#define SECRET_LEN 20
#define MAX_USERS 1000000
#define FAILURES_SHOWN 5

static void user_name(int i, char *out, size_t size)
{
	snprintf(out, size, "user%05d", i);
}

/* splitmix64: a fixed, well-mixed secret per user index. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void user_secret(int i, unsigned char out[SECRET_LEN])
{
	uint64_t state = 0x6d66612d62656e63ULL ^ ((uint64_t)i << 20);

	for (int k = 0; k < SECRET_LEN; k++) {
		if (k % 8 == 0)
			state = mix64(state);
		out[k] = (unsigned char)(state >> (8 * (k % 8)));
	}
}

static void hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t k = 0; k < len; k++) {
		out[2 * k] = digits[in[k] >> 4];
		out[2 * k + 1] = digits[in[k] & 15];
	}
	out[2 * len] = '\0';
}

static double now_seconds(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Writes a whole file of the given mode; exits on failure (setup only). */
static void write_file(const char *path, mode_t mode, const char *text)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wx");
	if (!f || chmod(path, mode) < 0 || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench_pam: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench_pam: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static int setup(const char *dir, int nusers)
{
	char path[4096], line[256], name[32], secret_hex[2 * SECRET_LEN + 1];
	unsigned char secret[SECRET_LEN];
	FILE *all;

	make_dir(dir);
	snprintf(path, sizeof(path), "%s/oath", dir);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/ga", dir);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/users.oath", dir);
	write_file(path, 0600, "");
	if (!(all = fopen(path, "w"))) {
		perror(path);
		return 2;
	}
	for (int i = 0; i < nusers; i++) {
		char *b32 = NULL;
		size_t b32_len = 0;

		user_name(i, name, sizeof(name));
		user_secret(i, secret);
		hex(secret, sizeof(secret), secret_hex);

		/* pam_oath: TOTP, 30 s steps, 6 digits, no password ("-"). */
		snprintf(line, sizeof(line), "HOTP/T30/6\t%s\t-\t%s\n", name, secret_hex);
		fputs(line, all);
		snprintf(path, sizeof(path), "%s/oath/%s", dir, name);
		write_file(path, 0600, line);

		/* google-authenticator: what its own tool writes for TOTP with
		 * reuse refused, minus scratch codes and RATE_LIMIT. WINDOW_SIZE 3
		 * is its default: the current step and one either side. */
		if (oath_base32_encode((const char *)secret, sizeof(secret), &b32, &b32_len) != OATH_OK) {
			fprintf(stderr, "bench_pam: base32 failed\n");
			return 2;
		}
		snprintf(path, sizeof(path), "%s/ga/%s", dir, name);
		snprintf(line, sizeof(line), "%s\n\" TOTP_AUTH\n\" DISALLOW_REUSE\n\" WINDOW_SIZE 3\n", b32);
		write_file(path, 0400, line);
		free(b32);
	}
	if (fclose(all) != 0) {
		perror("users.oath");
		return 2;
	}
	return 0;
}

/*
 * syslog sink. Modules log with syslog(3), each its own way: pam_mfa's
 * audit lines, google-authenticator's "Accepted ..." at every success
 * (openlog with LOG_CONS), pam_oath not at all. On a machine without
 * /dev/log, glibc then writes google-authenticator's lines to the console
 * (a serial port on a VM: most of its time) and costs pam_mfa a failed
 * connect, neither of which a server with a syslog daemon pays. So this
 * program defines the syslog functions itself (the linker exports them,
 * since libc defines them too, and the modules it loads then call these),
 * for every module alike: each line is
 * formatted like glibc's and written with one write(2) to the file of
 * --syslog (as a send to a syslog daemon costs one system call), or dropped.
 */
#define BENCH_EXPORT __attribute__((visibility("default")))
void openlog(const char *ident, int option, int facility);
void closelog(void);
void syslog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vsyslog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void __syslog_chk(int prio, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int syslog_fd = -1;
static char syslog_ident[64] = "bench_pam";
static unsigned long syslog_lines;

static void sink(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void sink(int prio, const char *fmt, va_list ap)
{
	char line[2048];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	int k;

	localtime_r(&now, &tm);
	k = snprintf(line, sizeof(line), "<%d>", prio);
	n = (size_t)k + strftime(line + k, sizeof(line) - (size_t)k, "%h %e %T ", &tm);
	k = snprintf(line + n, sizeof(line) - n, "%s[%d]: ", syslog_ident, (int)getpid());
	n = n + (size_t)k < sizeof(line) ? n + (size_t)k : sizeof(line) - 1;
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = n + (size_t)k < sizeof(line) - 1 ? n + (size_t)k : sizeof(line) - 2;
	line[n++] = '\n';
	syslog_lines++;
	if (syslog_fd >= 0 && write(syslog_fd, line, n) < 0)
		syslog_fd = -1;
}

BENCH_EXPORT void openlog(const char *ident, int option, int facility)
{
	(void)option;
	(void)facility;
	if (ident)
		snprintf(syslog_ident, sizeof(syslog_ident), "%s", ident);
}

BENCH_EXPORT void closelog(void)
{
}

BENCH_EXPORT void vsyslog(int prio, const char *fmt, va_list ap)
{
	sink(prio, fmt, ap);
}

BENCH_EXPORT void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	sink(prio, fmt, ap);
}

BENCH_EXPORT void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink(prio, fmt, ap);
	va_end(ap);
}

BENCH_EXPORT void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	sink(prio, fmt, ap);
	va_end(ap);
}

/* True if modules will find this program's syslog functions, not libc's. */
static bool sink_exported(void)
{
	return dlsym(RTLD_DEFAULT, "__vsyslog_chk") == (void *)__vsyslog_chk &&
	       dlsym(RTLD_DEFAULT, "openlog") == (void *)openlog &&
	       dlsym(RTLD_DEFAULT, "__syslog_chk") == (void *)__syslog_chk;
}

struct login {
	unsigned char secret[SECRET_LEN];
	int prompts;
	char error[256];   /* last PAM_ERROR_MSG, to say why a login failed */
};

/* Answers the one code prompt with the user's TOTP code of this moment;
 * a second prompt means the first code was refused, so it is not answered. */
static int converse(int num, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct login *l = arg;
	struct pam_response *r = calloc((size_t)num, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < num; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON: {
			char code[16];

			if (l->prompts++ > 0 ||
			    oath_totp_generate((const char *)l->secret, sizeof(l->secret), time(NULL), 30,
			                       0, 6, code) != OATH_OK) {
				for (int j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(code);
			break;
		}
		case PAM_ERROR_MSG:
			snprintf(l->error, sizeof(l->error), "%s", msg[i]->msg);
			break;
		default:
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* One whole login: start, authenticate, end. Returns the PAM status. */
static int login_once(const char *service, int i, struct login *l)
{
	struct pam_conv conv = { converse, l };
	pam_handle_t *pamh = NULL;
	char name[32];
	int r;

	user_name(i, name, sizeof(name));
	memset(l, 0, sizeof(*l));
	user_secret(i, l->secret);
	r = pam_start(service, name, &conv, &pamh);
	if (r != PAM_SUCCESS)
		return r;
	pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	return r;
}

static int run(const char *service, const char *label, int nusers, int warmup)
{
	double t0, cpu0, seconds, cpu;
	int ok = 0, failed = 0;
	struct login l;

	/* Warm-up logins (users nusers .. nusers+warmup-1) fault the modules
	 * and libraries in; the caller must have set those users up too. */
	for (int i = nusers; i < nusers + warmup; i++) {
		int r = login_once(service, i, &l);

		if (r != PAM_SUCCESS) {
			fprintf(stderr, "bench_pam: %s: warm-up login user%05d FAILED: %s %s\n", label, i,
			        pam_strerror(NULL, r), l.error);
			return 1;
		}
	}
	syslog_lines = 0;
	cpu0 = cpu_seconds();
	t0 = now_seconds(CLOCK_MONOTONIC);
	for (int i = 0; i < nusers; i++) {
		int r = login_once(service, i, &l);

		if (r == PAM_SUCCESS) {
			ok++;
			continue;
		}
		if (failed++ < FAILURES_SHOWN)
			fprintf(stderr, "bench_pam: %s: user%05d: %s%s%s\n", label, i, pam_strerror(NULL, r),
			        l.error[0] ? ": " : "", l.error);
	}
	seconds = now_seconds(CLOCK_MONOTONIC) - t0;
	cpu = cpu_seconds() - cpu0;
	printf("result label=%s logins=%d ok=%d failed=%d seconds=%.3f rate=%.1f cpu_us=%.1f "
	       "syslog_lines=%lu\n", label, nusers, ok, failed, seconds, nusers / seconds,
	       1e6 * cpu / nusers, syslog_lines);
	if (failed) {
		fprintf(stderr, "bench_pam: %s: %d of %d logins FAILED\n", label, failed, nusers);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_pam setup DIR --users N\n"
	                "       bench_pam run SERVICE --users N [--label TEXT] [--warmup W]\n"
	                "                     [--syslog FILE] [--keep-loaded MODULE.so]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *label = NULL;
	int nusers = 0, warmup = 0;

	if (argc < 3)
		return usage();
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--users") && i + 1 < argc)
			nusers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else if (!strcmp(argv[i], "--syslog") && i + 1 < argc) {
			syslog_fd = open(argv[++i], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (syslog_fd < 0) {
				fprintf(stderr, "bench_pam: %s: %s\n", argv[i], strerror(errno));
				return 2;
			}
		}
		else if (!strcmp(argv[i], "--keep-loaded") && i + 1 < argc) {
			if (!dlopen(argv[++i], RTLD_NOW | RTLD_NODELETE)) {
				fprintf(stderr, "bench_pam: %s\n", dlerror());
				return 2;
			}
		} else {
			return usage();
		}
	}
	if (nusers < 1 || nusers > MAX_USERS || warmup < 0 || warmup > MAX_USERS)
		return usage();
	if (oath_init() != OATH_OK)
		return 2;
	if (!strcmp(argv[1], "setup"))
		return setup(argv[2], nusers);
	if (!strcmp(argv[1], "run")) {
		if (!sink_exported()) {
			fprintf(stderr, "bench_pam: modules would not call its syslog functions "
			                "(are they exported? try linking with -rdynamic)\n");
			return 2;
		}
		return run(argv[2], label ? label : argv[2], nusers, warmup);
	}
	return usage();
}
