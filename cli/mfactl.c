/*
 * mfactl - enrollment and support tool. It only translates: arguments in,
 * one core call, a message and an exit status out.
 *   0 success (verify: accepted), 1 verify refused, 2 error or bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MFACTL_VERSION "0.1.0"

static const struct command commands[] = {
	{ "init", cmd_init, 0, 0, "", "", "create config, key file and store" },
	{ "enroll", cmd_enroll, 1, 1,
	  "type secret secret-file digits period algorithm counter label issuer no-confirm qr no-qr json "
	  "allow-case",
	  "USER [--type totp|hotp] [--secret-file FILE|- | --secret BASE32] [--digits N] "
	  "[--period S] [--algorithm SHA1|SHA256|SHA512] [--counter N] [--label TEXT] "
	  "[--issuer TEXT] [--no-confirm] [--qr terminal|utf8|ascii] [--no-qr] [--allow-case] [--json]",
	  "enroll an authenticator" },
	{ "verify", cmd_verify, 2, 2, "json", "USER CODE|- (-: the code from standard input)",
	  "check a code or recovery code" },
	{ "list", cmd_list, 0, 1, "json", "[USER] [--json]", "list factors" },
	{ "remove", cmd_remove, 2, 2, "", "USER FACTOR", "remove one factor" },
	{ "rename", cmd_rename, 3, 3, "", "USER FACTOR LABEL", "relabel a factor" },
	{ "resync", cmd_resync, 3, 3, "", "USER CODE1|- CODE2|- (-: the next line of standard input)",
	  "re-align a token from two codes in a row" },
	{ "unlock", cmd_unlock, 1, 1, "", "USER", "clear a lockout" },
	{ "allow-enroll", cmd_allow_enroll, 1, 1, "", "USER",
	  "let USER, who had a factor removed, enroll again at a login (enroll=inline)" },
	{ "recovery", cmd_recovery, 1, 1, "json", "USER [--json]", "issue new recovery codes" },
	{ "invite", cmd_invite, 1, 1, "expires json", "USER [--expires DURATION] [--json]",
	  "a one-time link to the portal (web_url) with which USER enrolls a first factor" },
	{ "export", cmd_export, 1, 1, "", "USER", "everything stored about USER, as JSON (no secrets)" },
	{ "delete", cmd_delete, 1, 1, "", "USER", "erase every record of USER" },
	{ "import", cmd_import, 2, 2, "user serial key-file password-file force json",
	  "google-authenticator FILE --user USER | oath USERSFILE | "
	  "pskc FILE [--user USER] [--serial SERIAL] [--key-file FILE | --password-file FILE] "
	  "[--force]", "import tokens from other tools" },
	{ "webauthn", cmd_webauthn, 2, 2, "label json",
	  "register-begin|register-finish|login-begin|login-finish USER [--label TEXT] [--json]",
	  "security keys and passkeys: options JSON out, browser response JSON in (stdin)" },
	{ "check", cmd_check, 0, 0, "as", "[--as USER]",
	  "config, key, store and audit file, tried as USER (the user a front end runs as)" },
	{ "backup", cmd_backup, 1, 1, "", "FILE",
	  "a consistent copy of the SQLite store into FILE (new), while logins go on" },
	{ "store", cmd_store, 1, 1, "to json", "copy --to URI [--json]",
	  "copy every record of the configured store into another, made by 'mfactl init'" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mfactl [--config FILE] [-v] COMMAND [ARGS]\n"
	           "       mfactl --version | --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n            %s\n", commands[i].name, commands[i].help,
		        commands[i].args);
	fprintf(f, "\nexit status: 0 success, 1 code refused, 2 error. See mfactl(1).\n");
}

/* Options that take a value; every other --word is a flag. */
static const char *const valued[] = { "config", "type", "secret", "secret-file", "digits", "period",
	                              "algorithm", "counter", "label", "issuer", "user", "serial", "qr",
	                              "key-file", "password-file", "to", "expires", "as", NULL };
static const char *const flags[] = { "json", "no-confirm", "no-qr", "verbose", "help", "allow-case",
	                             "force", "version", NULL };

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* True if word is one of the space-separated words of list. */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && !strncmp(p, word, n))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			for (i++; i < argc && cli->npos < CLI_MAX_ARGS; i++)
				cli->pos[cli->npos++] = argv[i];
			break;
		}
		if (!strcmp(a, "-v"))
			a = "--verbose";
		if (!strcmp(a, "-h"))
			a = "--help";
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *name = a + 2, *eq = strchr(name, '=');
			char key[32];
			size_t n = eq ? (size_t)(eq - name) : strlen(name);

			if (n >= sizeof(key))
				goto bad;
			memcpy(key, name, n);
			key[n] = '\0';
			if (in_list(valued, key)) {
				const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);

				if (!value) {
					fprintf(stderr, "mfactl: --%s needs a value\n", key);
					return -1;
				}
				if (cli_opt(cli, key)) {
					fprintf(stderr, "mfactl: --%s given twice\n", key);
					return -1;
				}
				if (cli->nopt >= CLI_MAX_ARGS)
					goto bad;
				cli->opt[cli->nopt].name = a + 2;
				cli->opt[cli->nopt].key_len = n;
				cli->opt[cli->nopt].value = value;
				cli->nopt++;
				continue;
			}
			if (!eq && in_list(flags, key)) {
				if (cli->nopt >= CLI_MAX_ARGS)
					goto bad;
				cli->opt[cli->nopt].name = a + 2;
				cli->opt[cli->nopt].key_len = n;
				cli->opt[cli->nopt].value = "";
				cli->nopt++;
				continue;
			}
bad:
			fprintf(stderr, "mfactl: unknown option %s (see mfactl --help)\n", a);
			return -1;
		}
		if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mfactl: unknown option %s (see mfactl --help)\n", a);
			return -1;
		}
		if (cli->npos >= CLI_MAX_ARGS) {
			fprintf(stderr, "mfactl: too many arguments\n");
			return -1;
		}
		cli->pos[cli->npos++] = a;
	}
	return 0;
}

const char *cli_opt(const struct cli *cli, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < cli->nopt; i++)
		if (cli->opt[i].key_len == n && !strncmp(cli->opt[i].name, name, n))
			return cli->opt[i].value;
	return NULL;
}

/* arg non-NULL: -v, every level; else errors only (a lost audit event). */
static void log_to_stderr(void *arg, mfa_log_level level, const char *message)
{
	if (!arg && level != MFA_LOG_ERROR)
		return;
	if (level <= MFA_LOG_WARNING)
		fprintf(stderr, "mfactl: %s\n", message);
	else
		fprintf(stderr, "mfactl: (%s) %s\n", level == MFA_LOG_INFO ? "info" : "debug", message);
}

int cli_fail(struct cli *cli, int r)
{
	const char *detail = cli->ctx ? mfa_ctx_error(cli->ctx) : "";

	fprintf(stderr, "mfactl: %s\n", detail[0] ? detail : mfa_strerror(r));
	return EXIT_ERROR;
}

int cli_open(struct cli *cli)
{
	int r;

	if ((r = mfa_config_load(cli->ctx, cli_opt(cli, "config"))) != MFA_OK ||
	    (r = mfa_open(cli->ctx)) != MFA_OK)
		return cli_fail(cli, r);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct command *cmd = NULL;
	int r, status;

	if (parse_args(&cli, argc, argv) < 0)
		return EXIT_ERROR;
	if (cli_opt(&cli, "version") || (cli.npos > 0 && !strcmp(cli.pos[0], "version"))) {
		printf("mfactl %s\n", MFACTL_VERSION);
		return EXIT_OK;
	}
	if (cli_opt(&cli, "help") || cli.npos == 0) {
		usage(cli.npos == 0 && !cli_opt(&cli, "help") ? stderr : stdout);
		return cli.npos == 0 && !cli_opt(&cli, "help") ? EXIT_ERROR : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, cli.pos[0]))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "mfactl: unknown command '%s' (see mfactl --help)\n", cli.pos[0]);
		return EXIT_ERROR;
	}
	if (cli.npos - 1 < cmd->min_args || cli.npos - 1 > cmd->max_args) {
		fprintf(stderr, "usage: mfactl %s %s\n", cmd->name, cmd->args);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < cli.nopt; i++) {
		static const char *const global[] = { "config", "verbose", "help", NULL };
		char key[32];

		snprintf(key, sizeof(key), "%.*s", (int)cli.opt[i].key_len, cli.opt[i].name);
		if (!in_list(global, key) && !word_in(cmd->opts, key)) {
			fprintf(stderr, "mfactl: %s does not take --%s\nusage: mfactl %s %s\n", cmd->name,
			        key, cmd->name, cmd->args);
			return EXIT_ERROR;
		}
	}
	cli.json = cli_opt(&cli, "json") != NULL;
	if ((r = mfa_ctx_new(&cli.ctx)) != MFA_OK) {
		fprintf(stderr, "mfactl: %s\n", mfa_strerror(r));
		return EXIT_ERROR;
	}
	mfa_ctx_set_log_handler(cli.ctx, log_to_stderr, cli_opt(&cli, "verbose") ? &cli : NULL);
	status = cmd->run(&cli);
	mfa_ctx_free(&cli.ctx);
	if (fflush(stdout) != 0 && status == EXIT_OK) {
		fprintf(stderr, "mfactl: cannot write output: %s\n", strerror(errno));
		status = EXIT_ERROR;
	}
	return status;
}
