/* cmd_invite.c - mfactl invite: a one-time link with which a user enrolls a
 * first factor in the portal. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define INVITE_URL_MAX 1024

/* Who runs mfactl: the sudo caller when root through sudo, else the
 * account of the real uid. The audit names them as the invite's maker. */
static const char *invoking_user(char *buf, size_t size)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (getuid() == 0 && sudo && sudo[0] && !strpbrk(sudo, " \t\r\n") &&
	    strlen(sudo) <= MFA_USER_MAX) {
		snprintf(buf, size, "%s", sudo);
		return buf;
	}
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "uid:%lu", (unsigned long)getuid());
	return buf;
}

int cmd_invite(struct cli *cli)
{
	const char *expires = cli_opt(cli, "expires");
	char url[INVITE_URL_MAX], actor[MFA_USER_MAX + 1], user[MFA_USER_MAX + 1], until[64];
	unsigned seconds = 0;
	time_t end;
	struct tm tm;
	int r, status;

	if (expires && (mfa_duration_parse(expires, &seconds) != MFA_OK || seconds == 0)) {
		fprintf(stderr, "mfactl: --expires '%s' is not a duration: give seconds, or a number "
		        "with s, m, h or d (e.g. 30m, 24h, 7d)\n", expires);
		return EXIT_ERROR;
	}
	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_user_canonical(cli->ctx, cli->pos[1], user)) != MFA_OK ||
	    (r = mfa_invite_create(cli->ctx, user, seconds, invoking_user(actor, sizeof(actor)), url,
	                           sizeof(url))) != MFA_OK) {
		cli_fail(cli, r);
		fprintf(stderr, "mfactl: no invite was made.\n");
		return EXIT_ERROR;
	}
	end = time(NULL) + (time_t)mfa_invite_lifetime(cli->ctx, seconds);
	if (!gmtime_r(&end, &tm) || !strftime(until, sizeof(until), "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(until, sizeof(until), "%lld", (long long)end);
	if (cli->json) {
		json_t *o = json_pack("{s:s, s:I, s:s}", "user", user, "expires", (json_int_t)end,
		                      "url", url);
		char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

		json_decref(o);
		if (!text) {
			fprintf(stderr, "mfactl: the invite was made but cannot be shown as JSON: run "
			        "mfactl invite %s again without --json\n", user);
			explicit_bzero(url, sizeof(url));
			return EXIT_ERROR;
		}
		printf("%s\n", text);
		explicit_bzero(text, strlen(text));
		free(text);
	} else {
		/* The link last, alone on its line: scripts take the last line. */
		printf("One-time invite for %s, valid until %s:\n%s\n", user, until, url);
	}
	explicit_bzero(url, sizeof(url));
	return EXIT_OK;
}
