/* cmd_manage.c - verify, list, remove, rename, resync, unlock, recovery,
 * export, delete, import and store copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define CODE_TEXT_MAX 64  /* one code typed on a line: digits, or a recovery code */

/* Prints o and takes it; EXIT_ERROR if there is nothing to print: o is
 * NULL when a value could not be packed (text that is not UTF-8, or no
 * memory). */
static int print_json(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (!text) {
		fprintf(stderr, "mfactl: cannot write the answer as JSON (a text in it is not UTF-8, "
		                "or memory ran out): nothing printed\n");
		return EXIT_ERROR;
	}
	printf("%s\n", text);
	free(text);
	return EXIT_OK;
}

/* A name or label as it can be shown: escaped (with a warning) if an older
 * version stored it without being UTF-8, so that no record is hidden. */
static const char *shown(const char *what, const char *factor, const char *text,
                         char out[MFA_TEXT_ESCAPED_MAX])
{
	if (!mfa_text_escape(text, out, MFA_TEXT_ESCAPED_MAX))
		fprintf(stderr, "mfactl: warning: the %s%s%s '%s' is not UTF-8 text (stored by an "
		        "older version?): shown with \\xHH escapes\n", what, factor ? " of factor " : "",
		        factor ? factor : "", out);
	return out;
}

/* CODE, or for "-" the next line of standard input into buf. NULL (after
 * saying why) if there is none. */
static const char *code_arg(const char *arg, char *buf, size_t size)
{
	if (strcmp(arg, "-") != 0)
		return arg;
	return cli_read_line("-", "CODE -", buf, size) < 0 ? NULL : buf;
}

int cmd_verify(struct cli *cli)
{
	/* Support asks why a code is refused: look up to 15 minutes either way
	 * whatever drift_report says (no stranger waits on this one). */
	struct mfa_request req = { .user = cli->pos[1], .source = CLI_SOURCE, .drift_report = 900 };
	struct mfa_verdict v;
	char msg[256], code[CODE_TEXT_MAX];
	int r, status;

	if (!(req.code = code_arg(cli->pos[2], code, sizeof(code))))
		return EXIT_ERROR;
	if ((status = cli_open(cli)) != EXIT_OK) {
		explicit_bzero(code, sizeof(code));
		return status;
	}
	r = mfa_verify(cli->ctx, &req, &v);
	explicit_bzero(code, sizeof(code));
	if (r != MFA_OK && !mfa_err_is_verdict(r))
		return cli_fail(cli, r);
	mfa_verdict_message(&v, msg, sizeof(msg));
	if (cli->json && print_json(json_pack("{s:b, s:s, s:s, s:s}", "accepted", r == MFA_OK,
	                                      "result", mfa_strerror(r), "factor", v.factor_id,
	                                      "message", msg)) != EXIT_OK)
		return EXIT_ERROR;
	if (!cli->json)
		printf("%s %s\n", r == MFA_OK ? "accepted:" : "refused:", msg);
	return r == MFA_OK ? EXIT_OK : EXIT_REFUSED;
}

static void format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "never");
}

static json_t *factor_to_json(const struct mfa_factor_info *f)
{
	char user[MFA_TEXT_ESCAPED_MAX], label[MFA_TEXT_ESCAPED_MAX];

	shown("user name", NULL, f->user, user);
	shown("label", f->id, f->label, label);
	if (f->type == MFA_FACTOR_WEBAUTHN)
		return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I}",
		                 "user", user, "id", f->id, "label", label, "type", "webauthn",
		                 "algorithm", mfa_webauthn_algorithm_name(f->webauthn_algorithm),
		                 "credential_id", f->webauthn_credential_id, "aaguid",
		                 f->webauthn_aaguid, "transports", f->webauthn_transports,
		                 "attestation", f->webauthn_attestation, "sign_count",
		                 (json_int_t)f->counter, "state", f->active ? "active" : "pending",
		                 "created", (json_int_t)f->created, "last_used",
		                 (json_int_t)f->last_used);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:s, s:I, s:I}", "user",
	                 user, "id", f->id, "label", label, "type", mfa_factor_type_name(f->type),
	                 "algorithm", mfa_algorithm_name(f->algorithm), "digits", (int)f->digits,
	                 "period", (int)f->period, "counter", (json_int_t)f->counter,
	                 "drift_seconds", (json_int_t)f->drift_seconds, "state",
	                 f->active ? "active" : "pending", "created", (json_int_t)f->created,
	                 "last_used", (json_int_t)f->last_used);
}

int cmd_list(struct cli *cli)
{
	const char *user = cli->npos > 1 ? cli->pos[1] : NULL;
	struct mfa_factor_info *list = NULL;
	struct mfa_user_info info;
	size_t n = 0;
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_factor_list(cli->ctx, user, &list, &n)) != MFA_OK)
		return cli_fail(cli, r);
	if (user && (r = mfa_user_info_get(cli->ctx, user, &info)) != MFA_OK) {
		mfa_factor_list_free(&list);
		return cli_fail(cli, r);
	}
	if (cli->json) {
		json_t *arr = json_array();
		char name[MFA_TEXT_ESCAPED_MAX];

		/* One factor that cannot be shown fails the whole answer: a
		 * shorter list would hide a user. */
		for (size_t i = 0; arr && i < n; i++)
			if (json_array_append_new(arr, factor_to_json(&list[i])) < 0) {
				json_decref(arr);
				arr = NULL;
			}
		if (user && arr)
			status = print_json(json_pack("{s:s, s:i, s:I, s:i, s:o}", "user",
			                              shown("user name", NULL, user, name), "failures",
			                              (int)info.failures, "locked_until",
			                              (json_int_t)info.locked_until, "recovery_codes_left",
			                              (int)info.recovery_left, "factors", arr));
		else
			status = print_json(arr);
	} else {
		if (n == 0)
			printf(user ? "%s has no factor: enroll one with 'mfactl enroll %s'\n"
			            : "no factor enrolled yet: 'mfactl enroll USER' adds one\n",
			       user ? user : "", user ? user : "");
		else
			printf("%-16s %-8s %-8s %-7s %-6s %-16s %-16s %s\n", "USER", "FACTOR", "TYPE",
			       "STATE", "DIGITS", "CREATED (UTC)", "LAST USED (UTC)", "LABEL");
		for (size_t i = 0; i < n; i++) {
			char created[32], used[32], digits[8];
			char name[MFA_TEXT_ESCAPED_MAX], label[MFA_TEXT_ESCAPED_MAX];

			format_time(list[i].created, created, sizeof(created));
			format_time(list[i].last_used, used, sizeof(used));
			snprintf(digits, sizeof(digits), list[i].digits ? "%u" : "-", list[i].digits);
			printf("%-16s %-8s %-8s %-7s %-6s %-16s %-16s %s\n",
			       shown("user name", NULL, list[i].user, name), list[i].id,
			       mfa_factor_type_name(list[i].type), list[i].active ? "active" : "pending",
			       digits, created, used, shown("label", list[i].id, list[i].label, label));
		}
		if (user) {
			time_t now = time(NULL);

			printf("recovery codes left: %u of %u\n", info.recovery_left, info.recovery_total);
			if (info.locked_until > now)
				printf("LOCKED for %ld more seconds after %u failures: 'mfactl unlock %s' "
				       "clears it\n", (long)(info.locked_until - now), info.failures, user);
			else if (info.failures)
				printf("failures in a row: %u\n", info.failures);
		}
	}
	mfa_factor_list_free(&list);
	return status;
}

int cmd_remove(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_factor_remove(cli->ctx, cli->pos[1], cli->pos[2], CLI_SOURCE)) != MFA_OK)
		return cli_fail(cli, r);
	printf("Removed factor %s of %s.\n", cli->pos[2], cli->pos[1]);
	return EXIT_OK;
}

int cmd_rename(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_factor_rename(cli->ctx, cli->pos[1], cli->pos[2], cli->pos[3], CLI_SOURCE)) !=
	    MFA_OK)
		return cli_fail(cli, r);
	printf("Factor %s of %s is now labelled '%s'.\n", cli->pos[2], cli->pos[1], cli->pos[3]);
	return EXIT_OK;
}

int cmd_resync(struct cli *cli)
{
	char id[MFA_ID_LEN + 1], buf1[CODE_TEXT_MAX], buf2[CODE_TEXT_MAX];
	const char *code1, *code2 = NULL;
	int r, status;

	if (!(code1 = code_arg(cli->pos[2], buf1, sizeof(buf1))) ||
	    !(code2 = code_arg(cli->pos[3], buf2, sizeof(buf2))))
		status = EXIT_ERROR;
	else
		status = cli_open(cli);
	if (status != EXIT_OK) {
		explicit_bzero(buf1, sizeof(buf1));
		return status;
	}
	r = mfa_resync(cli->ctx, cli->pos[1], code1, code2, CLI_SOURCE, id);
	explicit_bzero(buf1, sizeof(buf1));
	explicit_bzero(buf2, sizeof(buf2));
	if (r == MFA_ERR_BAD_CODE) {
		fprintf(stderr, "mfactl: %s\n", mfa_ctx_error(cli->ctx));
		return EXIT_REFUSED;
	}
	if (r != MFA_OK)
		return cli_fail(cli, r);
	printf("Factor %s of %s is in step again.\n", id, cli->pos[1]);
	return EXIT_OK;
}

int cmd_unlock(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_unlock(cli->ctx, cli->pos[1], CLI_SOURCE)) != MFA_OK)
		return cli_fail(cli, r);
	printf("%s is unlocked.\n", cli->pos[1]);
	return EXIT_OK;
}

int cmd_allow_enroll(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_user_allow_enroll(cli->ctx, cli->pos[1], CLI_SOURCE)) != MFA_OK)
		return cli_fail(cli, r);
	printf("%s may enroll an authenticator at their next login (where enroll=inline is set).\n",
	       cli->pos[1]);
	return EXIT_OK;
}

int cmd_recovery(struct cli *cli)
{
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_TEXT];
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_recovery_generate(cli->ctx, cli->pos[1], CLI_SOURCE, codes)) != MFA_OK)
		return cli_fail(cli, r);
	if (cli->json) {
		json_t *arr = json_array();

		char name[MFA_TEXT_ESCAPED_MAX];

		for (int i = 0; arr && i < MFA_RECOVERY_COUNT; i++)
			json_array_append_new(arr, json_string(codes[i]));
		shown("user name", NULL, cli->pos[1], name);
		if ((status = print_json(json_pack("{s:s, s:o}", "user", name, "codes", arr))) != EXIT_OK)
			fprintf(stderr, "mfactl: the new codes were stored but not shown: run mfactl "
			        "recovery %s again (without --json) to issue new ones\n", name);
	} else {
		printf("Recovery codes for %s (each works once; earlier codes no longer work):\n\n",
		       cli->pos[1]);
		for (int i = 0; i < MFA_RECOVERY_COUNT; i += 2)
			printf("    %s    %s\n", codes[i], codes[i + 1]);
		printf("\nKeep them somewhere safe, away from the phone.\n");
	}
	explicit_bzero(codes, sizeof(codes));
	return status;
}

int cmd_export(struct cli *cli)
{
	char *json = NULL;
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_user_export(cli->ctx, cli->pos[1], &json)) != MFA_OK)
		return cli_fail(cli, r);
	printf("%s\n", json);
	free(json);
	return EXIT_OK;
}

int cmd_delete(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_user_delete(cli->ctx, cli->pos[1], CLI_SOURCE)) != MFA_OK)
		return cli_fail(cli, r);
	printf("Every record of %s is erased.\n", cli->pos[1]);
	return EXIT_OK;
}

int cmd_import(struct cli *cli)
{
	const char *kind = cli->pos[1], *path = cli->pos[2];
	const char *user = cli_opt(cli, "user"), *serial = cli_opt(cli, "serial");
	struct mfa_pskc_options pskc = { user, serial, cli_opt(cli, "key-file"),
	                                 cli_opt(cli, "password-file"),
	                                 cli_opt(cli, "force") ? MFA_IMPORT_FORCE : 0 };
	struct mfa_import_report rep;
	int r, status;

	if (strcmp(kind, "google-authenticator") && strcmp(kind, "oath") && strcmp(kind, "pskc")) {
		fprintf(stderr, "mfactl: import: '%s' is not google-authenticator, oath or pskc\n", kind);
		return EXIT_ERROR;
	}
	if ((!strcmp(kind, "google-authenticator") && (!user || serial)) ||
	    (!strcmp(kind, "oath") && (user || serial)) ||
	    (strcmp(kind, "pskc") && (pskc.key_file || pskc.password_file || pskc.flags))) {
		fprintf(stderr, "usage: mfactl import google-authenticator FILE --user USER\n"
		                "       mfactl import oath USERSFILE\n"
		                "       mfactl import pskc FILE [--user USER] [--serial SERIAL]\n"
		                "                          [--key-file FILE | --password-file FILE] "
		                "[--force]\n");
		return EXIT_ERROR;
	}
	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if (!strcmp(kind, "google-authenticator"))
		r = mfa_import_google_authenticator(cli->ctx, path, user, CLI_SOURCE, &rep);
	else if (!strcmp(kind, "oath"))
		r = mfa_import_oath_usersfile(cli->ctx, path, CLI_SOURCE, &rep);
	else
		r = mfa_import_pskc(cli->ctx, path, &pskc, CLI_SOURCE, &rep);
	if (r != MFA_OK) {
		cli_fail(cli, r);
		fprintf(stderr, "mfactl: nothing was imported.\n");
		return EXIT_ERROR;
	}
	if (cli->json)
		return print_json(json_pack("{s:i, s:i, s:i, s:s}", "factors", (int)rep.factors,
		                            "recovery_codes", (int)rep.recovery_codes, "skipped",
		                            (int)rep.skipped, "notes", rep.notes));
	printf("Imported %u factor%s", rep.factors, rep.factors == 1 ? "" : "s");
	if (rep.recovery_codes)
		printf(" and %u scratch code%s (as recovery codes)", rep.recovery_codes,
		       rep.recovery_codes == 1 ? "" : "s");
	if (rep.skipped)
		printf("; %u left out by --user/--serial", rep.skipped);
	printf(".\n");
	if (rep.notes[0])
		printf("Note: %s\n", rep.notes);
	printf("'mfactl list' shows them.\n");
	return EXIT_OK;
}

int cmd_store(struct cli *cli)
{
	const char *to = cli_opt(cli, "to");
	struct mfa_copy_counts n;
	int r, status;

	if (strcmp(cli->pos[1], "copy") != 0 || !to) {
		fprintf(stderr, "usage: mfactl store copy --to URI\n");
		return EXIT_ERROR;
	}
	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_store_copy(cli->ctx, to, CLI_SOURCE, &n)) != MFA_OK) {
		cli_fail(cli, r);
		fprintf(stderr, "mfactl: nothing was copied: the target is as it was.\n");
		return EXIT_ERROR;
	}
	if (cli->json)
		return print_json(json_pack("{s:i, s:i, s:i, s:i, s:i, s:s}", "users", (int)n.users,
		                            "factors", (int)n.factors, "recovery_codes",
		                            (int)n.recovery_codes, "challenges", (int)n.challenges,
		                            "invites", (int)n.invites, "to", to));
	printf("copied %u user%s, %u factor%s, %u recovery code%s, %u challenge%s", n.users,
	       n.users == 1 ? "" : "s", n.factors, n.factors == 1 ? "" : "s", n.recovery_codes,
	       n.recovery_codes == 1 ? "" : "s", n.challenges, n.challenges == 1 ? "" : "s");
	if (n.invites)
		printf(", %u invite%s", n.invites, n.invites == 1 ? "" : "s");
	printf(" to %s\n", to);
	return EXIT_OK;
}

int cmd_backup(struct cli *cli)
{
	int r, status;

	if ((status = cli_open(cli)) != EXIT_OK)
		return status;
	if ((r = mfa_store_backup(cli->ctx, cli->pos[1], CLI_SOURCE)) != MFA_OK)
		return cli_fail(cli, r);
	printf("backup: %s (mode 0600). Keep the key file (%s) apart from it: the backup is "
	       "of no use without it, and together they are every secret.\n", cli->pos[1],
	       mfa_config_text(cli->ctx, "key_file"));
	return EXIT_OK;
}
