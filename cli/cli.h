/* cli.h - what mfactl's command files share. */
#ifndef MFACTL_CLI_H
#define MFACTL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa.h"

#define EXIT_OK 0
#define EXIT_REFUSED 1
#define EXIT_ERROR 2
#define CLI_MAX_ARGS 16
#define CLI_SOURCE "cli"

struct cli_option {
	const char *name;     /* as typed after "--", may include "=value" */
	size_t key_len;
	const char *value;    /* "" for flags */
};

struct cli {
	mfa_ctx *ctx;
	const char *pos[CLI_MAX_ARGS];   /* pos[0] is the command */
	size_t npos;
	struct cli_option opt[CLI_MAX_ARGS];
	size_t nopt;
	bool json;
};

struct command {
	const char *name;
	int (*run)(struct cli *cli);
	size_t min_args, max_args;
	const char *opts;     /* options it takes, space separated */
	const char *args;
	const char *help;
};

/* Value of --name, "" for a flag that is set, NULL if absent. */
const char *cli_opt(const struct cli *cli, const char *name);
/* Loads the config and opens key and store; prints why not. */
int cli_open(struct cli *cli);
/* Prints the core's detail for r and returns EXIT_ERROR. */
int cli_fail(struct cli *cli, int r);
/* A secret or code without putting it on the command line: the one line of
 * the file at path, or the next line of standard input for "-"; its final
 * newline trimmed. -1 (after saying why, buf wiped) if missing, empty or
 * longer than size - 1. The caller wipes buf after use. */
int cli_read_line(const char *path, const char *what, char *buf, size_t size);

int cmd_init(struct cli *cli);
int cmd_enroll(struct cli *cli);
int cmd_verify(struct cli *cli);
int cmd_list(struct cli *cli);
int cmd_remove(struct cli *cli);
int cmd_rename(struct cli *cli);
int cmd_resync(struct cli *cli);
int cmd_unlock(struct cli *cli);
int cmd_allow_enroll(struct cli *cli);
int cmd_recovery(struct cli *cli);
int cmd_export(struct cli *cli);
int cmd_delete(struct cli *cli);
int cmd_import(struct cli *cli);
int cmd_webauthn(struct cli *cli);
int cmd_store(struct cli *cli);
int cmd_backup(struct cli *cli);
int cmd_check(struct cli *cli);
int cmd_invite(struct cli *cli);

#endif
