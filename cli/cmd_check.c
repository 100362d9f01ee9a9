/*
 * cmd_check.c - mfactl check [--as USER]: what a front end needs, tried as
 * the user it runs as (freerad, mfa-web, ...). --as forks a child that
 * takes that user's ids and groups before it reads anything, so that the
 * answer is the one the service would get, not root's.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

struct tally {
	unsigned problems;
};

static void print_part(void *arg, const char *what, int result, const char *detail)
{
	struct tally *t = arg;

	if (result != MFA_OK)
		t->problems++;
	printf("%-5s %-9s %s\n", result == MFA_OK ? "ok" : "FAIL", what,
	       detail && detail[0] ? detail : mfa_strerror(result));
}

static int run_checks(struct cli *cli, const char *as)
{
	struct tally t = { 0 };

	mfa_check(cli->ctx, cli_opt(cli, "config"), print_part, &t);
	if (t.problems)
		printf("%u problem%s%s%s: fix %s, then run this again.\n", t.problems,
		       t.problems == 1 ? "" : "s", as ? " as " : "", as ? as : "",
		       t.problems == 1 ? "it" : "them");
	else
		printf("everything a front end needs works%s%s.\n", as ? " as " : "", as ? as : "");
	return t.problems ? EXIT_REFUSED : EXIT_OK;
}

/* The child becomes user (its groups too) and checks; the parent waits. */
static int check_as(struct cli *cli, const char *user)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int status;
	pid_t pid;

	if (getuid() != 0) {
		fprintf(stderr, "mfactl: check --as needs root (it takes USER's ids)\n");
		return EXIT_ERROR;
	}
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &found) != 0 || !found) {
		fprintf(stderr, "mfactl: check --as %s: no such user\n", user);
		return EXIT_ERROR;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "mfactl: fork: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	if (pid == 0) {
		if (initgroups(pw.pw_name, pw.pw_gid) < 0 || setgid(pw.pw_gid) < 0 ||
		    setuid(pw.pw_uid) < 0 || getuid() != pw.pw_uid || geteuid() != pw.pw_uid) {
			fprintf(stderr, "mfactl: cannot become %s: %s\n", user, strerror(errno));
			_exit(EXIT_ERROR);
		}
		status = run_checks(cli, user);
		fflush(stdout);
		_exit(status);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "mfactl: waitpid: %s\n", strerror(errno));
			return EXIT_ERROR;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_ERROR;
}

int cmd_check(struct cli *cli)
{
	const char *as = cli_opt(cli, "as");

	return as ? check_as(cli, as) : run_checks(cli, NULL);
}
