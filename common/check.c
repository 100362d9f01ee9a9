/*
 * check.c - mfactl check: what a front end needs, tried the way it tries
 * it, each part on its own so that one run names every problem with its
 * fix: the config, the key file, the store (opened and written, then
 * rolled back) and the audit sink. Nothing is created or changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "internal.h"
#include "store.h"
#include "vault.h"

/* A line of the report: a message (up to 512) and what it is about. */
#define CHECK_DETAIL_MAX 700

struct check {
	mfa_ctx *ctx;
	mfa_check_report report;
	void *arg;
	int first;                        /* the first failure, or MFA_OK */
};

static void said(struct check *c, const char *what, int r, const char *detail)
{
	if (r != MFA_OK && c->first == MFA_OK)
		c->first = r;
	c->report(c->arg, what, r, detail);
}

/* A refusal met by a service's user (not root) with no group configured:
 * "run as root" is no fix for a service, sharing with its group is. */
static void service_fix(struct check *c, int r, char *detail, size_t size)
{
	struct group grp, *found = NULL;
	char names[1024];
	size_t n = strlen(detail);

	if (r == MFA_OK || geteuid() == 0 || c->ctx->cfg.group[0] || !strstr(detail, "Permission denied"))
		return;
	if (getgrgid_r(getegid(), &grp, names, sizeof(names), &found) == 0 && found)
		snprintf(detail + n, size - n, "; for a service running as this user: put 'group = %s' "
		         "in mfa.conf and run 'mfactl init' as root", found->gr_name);
}

static void check_key(struct check *c, gid_t gid)
{
	unsigned char key[VAULT_KEY_LEN];
	const char *path = c->ctx->cfg.key_file;
	char detail[CHECK_DETAIL_MAX], hint[256];
	struct stat st;
	int r = vault_key_load(path, gid, key, detail, sizeof(detail));

	OPENSSL_cleanse(key, sizeof(key));
	if (r != MFA_OK) {
		size_t n = strlen(detail);

		if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0)
			snprintf(detail + n, sizeof(detail) - n, "%s",
			         access_hint(errno, c->ctx->cfg.group, hint, sizeof(hint)));
	} else if (stat(path, &st) == 0) {
		snprintf(detail, sizeof(detail), "%s: read, mode %04o", path, st.st_mode & 07777);
	}
	service_fix(c, r, detail, sizeof(detail));
	said(c, "key file", r, detail);
}

/* Opened as a front end opens it, then one write (the decoy row) that is
 * rolled back: read access alone would pass here and fail at a login. */
static void check_store(struct check *c)
{
	struct store *s = NULL;
	char detail[CHECK_DETAIL_MAX];
	int r = store_open(&c->ctx->cfg, false, &s, detail, sizeof(detail));

	if (r == MFA_OK) {
		r = s->ops->begin(s, true);
		if (r == MFA_OK)
			r = s->ops->decoy_touch(s, (int64_t)time(NULL));
		s->ops->rollback(s);
		if (r != MFA_OK)
			snprintf(detail, sizeof(detail), "%s: cannot write: %s", c->ctx->cfg.store,
			         s->err[0] ? s->err : mfa_strerror(r == STORE_RETRY ? MFA_ERR_STORE : r));
		else
			snprintf(detail, sizeof(detail), "%s: opened, schema current, writable",
			         c->ctx->cfg.store);
		if (r == STORE_RETRY)
			r = MFA_ERR_STORE;
	}
	store_close(&s);
	service_fix(c, r, detail, sizeof(detail));
	said(c, "store", r, detail);
}

static void check_audit(struct check *c)
{
	mfa_ctx *ctx = c->ctx;
	char detail[CHECK_DETAIL_MAX], problem[300];
	int r;

	if (!ctx->cfg.audit_file[0]) {
		said(c, "audit", MFA_OK, ctx->cfg.audit_syslog ? "syslog only (audit_file is not set)"
		                                                 : "nowhere: audit_file is not set and "
		                                                   "audit_syslog = no");
		return;
	}
	/* Not audit_check: without audit_required it lets the service start
	 * and only logs, which is what check is here to catch. */
	if (audit_file_problem(ctx, problem, sizeof(problem))) {
		r = MFA_ERR_SYSTEM;
		snprintf(detail, sizeof(detail), "audit_file %s: %s: events would be lost%s",
		         ctx->cfg.audit_file, problem, AUDIT_FILE_FIX);
	} else {
		r = MFA_OK;
		snprintf(detail, sizeof(detail), "%s: writable", ctx->cfg.audit_file);
	}
	said(c, "audit", r, detail);
}

int mfa_check(mfa_ctx *ctx, const char *config_path, mfa_check_report report, void *arg)
{
	struct check c = { .ctx = ctx, .report = report, .arg = arg, .first = MFA_OK };
	gid_t gid;
	int r;

	if ((r = mfa_config_load(ctx, config_path)) != MFA_OK) {
		said(&c, "config", r, ctx->error);
		return c.first;
	}
	said(&c, "config", MFA_OK, mfa_config_path(ctx));
	if ((r = config_group_id(ctx, &gid)) != MFA_OK) {
		said(&c, "group", r, ctx->error);
		return c.first;
	}
	check_key(&c, gid);
	check_store(&c);
	check_audit(&c);
	return c.first;
}
