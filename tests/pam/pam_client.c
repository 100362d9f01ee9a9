/*
 * pam_client.c - a PAM application for tests where pamtester cannot say
 * enough: it answers prompts from its arguments, prints every message the
 * modules send, and can show what PAM_AUTHTOK holds afterwards.
 *
 *   pam_client [--show-authtok] [--repeat N] [--threads N] [--hotp BASE32]
 *              [--acct] [--tty TTY] SERVICE USER [ANSWER...]
 *
 * --acct runs pam_acct_mgmt and pam_setcred after a successful
 * pam_authenticate, as login programs do ("acct: NAME", "setcred: NAME");
 * --tty sets PAM_TTY (sshd sets "ssh").
 *
 * With --threads N, N threads run at once, thread k as user USERk, each
 * doing --repeat runs: PAM modules must be safe in threaded programs.
 *
 * PAM items are private to modules: tests put pam_wrapper's pam_set_items
 * (PAM_AUTHTOK from the environment) before the module under test, and
 * pam_get_items after it for --show-authtok.
 *
 * An answer "@totp" is the current TOTP code of the secret the module last
 * showed ("enter this secret by hand: ..."), as a phone would compute it;
 * "@hotp" is the HOTP code of --hotp's secret for the run's number (run 0,
 * 1, 2 ... of --repeat), so every run logs in with a fresh code.
 * "@cmd:COMMAND" runs COMMAND with sh, the prompt in $PAM_PROMPT, and
 * answers with its first line of output (none: Enter): what a user does
 * elsewhere before answering, such as approving a login on the portal.
 *
 * Output lines: "prompt: ...", "info: ...", "error: ...", then
 * "result: NAME". Exit status: the PAM return code of the last run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <time.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

struct script {
	char **answers;
	int n, next;
	int quiet;
	char shown_secret[128];   /* base32 secret from an info message */
	const char *hotp_secret;
	int run;
	char code[16];
	char out[256];            /* an @cmd: answer */
};

/* "@cmd:COMMAND": its first line of output, with the prompt in $PAM_PROMPT. */
static const char *command_answer(struct script *s, const char *command, const char *prompt)
{
	FILE *p;

	char *preload = getenv("LD_PRELOAD") ? strdup(getenv("LD_PRELOAD")) : NULL;

	s->out[0] = '\0';
	setenv("PAM_PROMPT", prompt, 1);
	fflush(stdout);
	/* The command runs without pam_wrapper: each process that loads it
	 * makes a /tmp/pam.X directory that a shell's exec never removes, and
	 * pam_wrapper refuses to start on a name already taken. */
	unsetenv("LD_PRELOAD");
	p = popen(command, "r");
	if (preload) {
		setenv("LD_PRELOAD", preload, 1);
		free(preload);
	}
	if (!p)
		return "no-command";
	if (!fgets(s->out, sizeof(s->out), p))
		s->out[0] = '\0';
	s->out[strcspn(s->out, "\n")] = '\0';
	pclose(p);
	return s->out;
}

/* Computes "@totp" and "@hotp" answers with liboath, like a phone. */
static const char *answer_for(struct script *s, const char *answer, const char *prompt)
{
	const char *b32 = NULL;
	char *raw = NULL;
	size_t len = 0;
	int ok;

	if (!strncmp(answer, "@cmd:", 5))
		return command_answer(s, answer + 5, prompt);
	if (!strcmp(answer, "@totp"))
		b32 = s->shown_secret;
	else if (!strcmp(answer, "@hotp"))
		b32 = s->hotp_secret;
	if (!b32)
		return answer;
	if (oath_base32_decode(b32, strlen(b32), &raw, &len) != OATH_OK)
		return "no-secret";
	if (!strcmp(answer, "@totp"))
		ok = oath_totp_generate(raw, len, time(NULL), 30, 0, 6, s->code);
	else
		ok = oath_hotp_generate(raw, len, (uint64_t)s->run, 6, false, SIZE_MAX, s->code);
	free(raw);
	return ok == OATH_OK ? s->code : "no-code";
}

static void remember_secret(struct script *s, const char *text)
{
	const char *p = strstr(text, "enter this secret by hand: ");

	if (p)
		sscanf(p + 27, "%127[A-Z2-7]", s->shown_secret);
}

static int converse(int num, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct script *s = arg;
	struct pam_response *r = calloc((size_t)num, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < num; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (!s->quiet)
				printf("prompt: %s\n", msg[i]->msg);
			if (s->next >= s->n) {
				for (int j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(answer_for(s, s->answers[s->next++], msg[i]->msg));
			break;
		case PAM_TEXT_INFO:
			remember_secret(s, msg[i]->msg);
			if (!s->quiet)
				printf("info: %s\n", msg[i]->msg);
			break;
		case PAM_ERROR_MSG:
			if (!s->quiet)
				printf("error: %s\n", msg[i]->msg);
			break;
		default:
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *ret_name(int r)
{
	switch (r) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_CRED_ERR: return "PAM_CRED_ERR";
	default: return "OTHER";
	}
}

struct job {
	const char *service;
	char user[128];
	char **answers;
	int nanswers, repeat, show_authtok, quiet, acct;
	const char *tty;
	const char *hotp_secret;
	int result, failures, runs;       /* runs: pam_start calls made */
};

static void *job_run(void *arg)
{
	struct job *j = arg;

	for (int round = 0; round < j->repeat; round++) {
		struct script s = { .answers = j->answers, .n = j->nanswers, .quiet = j->quiet,
			            .hotp_secret = j->hotp_secret, .run = round };
		struct pam_conv conv = { converse, &s };
		pam_handle_t *pamh = NULL;
		int r = pam_start(j->service, j->user, &conv, &pamh);

		j->runs++;
		if (r != PAM_SUCCESS) {
			/* No run after this one: the summary counts what ran. */
			printf("pam_start: %s (run %d)\n", ret_name(r), round);
			j->result = r;
			j->failures++;
			break;
		}
		pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
		if (j->tty)
			pam_set_item(pamh, PAM_TTY, j->tty);
		r = pam_authenticate(pamh, 0);
		if (!j->quiet && pam_getenv(pamh, "PAM_MFA_PENDING"))
			printf("pending: %s\n", pam_getenv(pamh, "PAM_MFA_PENDING"));
		if (j->acct && r == PAM_SUCCESS) {
			r = pam_acct_mgmt(pamh, 0);
			printf("acct: %s\n", ret_name(r));
			if (r == PAM_SUCCESS) {
				r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
				printf("setcred: %s\n", ret_name(r));
			}
		}
		if (j->show_authtok) {
			const char *tok = pam_getenv(pamh, "PAM_AUTHTOK");

			printf("authtok: %s\n", tok ? tok : "(none)");
		}
		pam_end(pamh, r);
		j->result = r;
		j->failures += r != PAM_SUCCESS;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *hotp_secret = NULL, *tty = NULL;
	int show_authtok = 0, repeat = 1, threads = 0, acct = 0, i = 1, r;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--show-authtok"))
			show_authtok = 1;
		else if (!strcmp(argv[i], "--hotp") && i + 1 < argc)
			hotp_secret = argv[++i];
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tty") && i + 1 < argc)
			tty = argv[++i];
		else if (!strcmp(argv[i], "--acct"))
			acct = 1;
		else
			return 2;
	}
	if (argc - i < 2 || repeat < 1 || threads < 0 || threads > 64)
		return 2;
	if (threads == 0) {
		struct job j = { .service = argv[i], .answers = argv + i + 2, .nanswers = argc - i - 2,
			         .repeat = repeat, .show_authtok = show_authtok, .quiet = repeat > 1,
			         .hotp_secret = hotp_secret, .acct = acct, .tty = tty };

		snprintf(j.user, sizeof(j.user), "%s", argv[i + 1]);
		job_run(&j);
		r = j.result;
		if (repeat > 1)
			printf("runs: %d, failed: %d\n", j.runs, j.failures);
	} else {
		struct job jobs[64];
		pthread_t tid[64];
		int failures = 0, runs = 0;

		for (int k = 0; k < threads; k++) {
			jobs[k] = (struct job){ .service = argv[i], .answers = argv + i + 2,
				                .nanswers = argc - i - 2, .repeat = repeat, .quiet = 1,
				                .hotp_secret = hotp_secret };
			snprintf(jobs[k].user, sizeof(jobs[k].user), "%s%d", argv[i + 1], k);
			pthread_create(&tid[k], NULL, job_run, &jobs[k]);
		}
		r = PAM_SUCCESS;
		for (int k = 0; k < threads; k++) {
			pthread_join(tid[k], NULL);
			failures += jobs[k].failures;
			runs += jobs[k].runs;
			if (jobs[k].result != PAM_SUCCESS)
				r = jobs[k].result;
		}
		printf("runs: %d, failed: %d\n", runs, failures);
	}
	printf("result: %s\n", ret_name(r));
	return r;
}
