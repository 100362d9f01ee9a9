/*
 * import_ga.c - parses ~/.google_authenticator, the state file of
 * google-authenticator-libpam, as its PAM module reads it
 * (src/pam_google_authenticator.c): line 1 is the base32 secret, lines
 * `" NAME [value]` are options, and every other non-blank line is an
 * 8-digit scratch code. Codes are always HMAC-SHA1, 6 digits. Unlike the
 * PAM module, which skips what it cannot read, anything malformed here is
 * an error: an import must not quietly drop a token or a scratch code.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "import.h"
#include "internal.h"

#define GA_LINE_MAX 4096        /* RATE_LIMIT and DISALLOW_REUSE carry lists */
#define GA_SCRATCH_MAX 20       /* the tool writes 5 by default, at most 10 */
#define GA_SCRATCH_LEN 8
#define GA_SECRET_MIN 10        /* 80 bits; RFC 4226 §4 R6 wants 128 */
#define GA_LABEL "google-authenticator"

struct ga_state {
	unsigned totp_line;          /* line of `" TOTP_AUTH`, 0 if none */
	unsigned counter_line;       /* line of `" HOTP_COUNTER`, 0 if none */
	unsigned step_line, window_line, rate_line, reuse_line, skew_line, resetting_line;
	uint64_t counter;
	unsigned step;
	unsigned window;
	int64_t reuse_max;           /* latest step DISALLOW_REUSE lists, -1 none */
};

/* Copies the line starting at *pos into line without its "\n" or "\r\n".
 * Returns 1 for a line, 0 at the end of buf, -1 if the line does not fit. */
static int ga_next_line(const char *buf, size_t len, size_t *pos, char *line, size_t size)
{
	const char *start = buf + *pos, *nl;
	size_t line_len;

	if (*pos >= len)
		return 0;
	nl = memchr(start, '\n', len - *pos);
	line_len = nl ? (size_t)(nl - start) : len - *pos;
	*pos += line_len + (nl ? 1 : 0);
	if (line_len > 0 && start[line_len - 1] == '\r')
		line_len--;
	if (line_len >= size)
		return -1;
	memcpy(line, start, line_len);
	line[line_len] = '\0';
	return 1;
}

/* An unsigned decimal in min..max, all of s (strtoull alone would also take
 * a sign, leading blanks and trailing junk). */
static bool ga_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long value;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	value = strtoull(s, &end, 10);
	if (errno || *end != '\0' || value < min || value > max)
		return false;
	*out = value;
	return true;
}

/* A signed decimal in -max..max, all of s. */
static bool ga_parse_i64(const char *s, int64_t max, int64_t *out)
{
	long long value;
	char *end;

	if (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	value = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || value < -max || value > max)
		return false;
	*out = value;
	return true;
}

/* Splits off the next blank-separated word of *s; NULL when none is left. */
static char *ga_next_word(char **s)
{
	char *word = *s + strspn(*s, " \t"), *end;

	if (*word == '\0')
		return NULL;
	end = word + strcspn(word, " \t");
	*s = end + (*end ? 1 : 0);
	*end = '\0';
	return word;
}

/* True if every remaining word of s is an unsigned 32-bit number: the
 * timestamps of RATE_LIMIT and the time steps of DISALLOW_REUSE. Raises
 * *max (if given) to the largest. */
static bool ga_number_list_valid(char *s, int64_t *max)
{
	uint64_t n;

	for (char *word; (word = ga_next_word(&s));) {
		if (!ga_parse_u64(word, 0, UINT32_MAX, &n))
			return false;
		if (max && (int64_t)n > *max)
			*max = (int64_t)n;
	}
	return true;
}

/* Option names come from the file: only printable ones go into a note. */
static bool ga_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

static bool ga_once(unsigned *seen_line, unsigned lineno, const char *name, char *err,
                    size_t errlen)
{
	if (*seen_line) {
		snprintf(err, errlen, "line %u: second %s option (first on line %u): keep one", lineno,
		         name, *seen_line);
		return false;
	}
	*seen_line = lineno;
	return true;
}

/* One `"` line. value is what follows the name, blanks skipped. */
static int ga_option(struct ga_state *st, struct import_set *set, unsigned lineno, char *line,
                     char *err, size_t errlen)
{
	char *rest = line + 2, *name = NULL, *value, *word;
	char note[160];
	uint64_t n, m;
	int64_t skew;

	/* The module reads only `" NAME`, one blank before the name; it
	 * skips any other line starting with `"`, and so do we. */
	if (line[1] == ' ' && line[2] != ' ' && line[2] != '\t')
		name = ga_next_word(&rest);
	if (!name) {
		snprintf(note, sizeof(note), "line %u: not an option (\" NAME), ignored", lineno);
		import_set_note(set, note);
		return MFA_OK;
	}
	value = rest + strspn(rest, " \t");
	if (strcmp(name, "TOTP_AUTH") == 0) {
		if (!ga_once(&st->totp_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		if (*value) {
			snprintf(err, errlen, "line %u: TOTP_AUTH takes no value: remove it", lineno);
			return MFA_ERR_IMPORT;
		}
	} else if (strcmp(name, "HOTP_COUNTER") == 0) {
		/* The module checks this counter first and stores the one after
		 * a match: it is the next counter. Below 1 it disables HOTP. */
		if (!ga_once(&st->counter_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		if (!ga_parse_u64(value, 1, INT64_MAX, &st->counter)) {
			snprintf(err, errlen,
			         "line %u: HOTP_COUNTER needs a number from 1 to %" PRId64
			         ": fix the line",
			         lineno, INT64_MAX);
			return MFA_ERR_IMPORT;
		}
	} else if (strcmp(name, "STEP_SIZE") == 0) {
		if (!ga_once(&st->step_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		/* The PAM module's own limit (60), and mfa's lower one. */
		if (!ga_parse_u64(value, MFA_PERIOD_MIN, 60, &n)) {
			snprintf(err, errlen,
			         "line %u: STEP_SIZE needs a number of seconds from %d (mfa's shortest "
			         "period) to 60", lineno, MFA_PERIOD_MIN);
			return MFA_ERR_IMPORT;
		}
		st->step = (unsigned)n;
	} else if (strcmp(name, "WINDOW_SIZE") == 0) {
		if (!ga_once(&st->window_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		if (!ga_parse_u64(value, 1, 100, &n)) {
			snprintf(err, errlen, "line %u: WINDOW_SIZE needs a number from 1 to 100", lineno);
			return MFA_ERR_IMPORT;
		}
		/* Noted at the end, when TOTP or HOTP is known. */
		st->window = (unsigned)n;
	} else if (strcmp(name, "RATE_LIMIT") == 0) {
		if (!ga_once(&st->rate_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		/* "attempts interval [timestamps of recent attempts...]" */
		if (!(word = ga_next_word(&value)) || !ga_parse_u64(word, 1, 100, &n) ||
		    !(word = ga_next_word(&value)) || !ga_parse_u64(word, 1, 3600, &m) ||
		    !ga_number_list_valid(value, NULL)) {
			snprintf(err, errlen,
			         "line %u: RATE_LIMIT needs attempts (1-100) and seconds (1-3600), "
			         "then only timestamps",
			         lineno);
			return MFA_ERR_IMPORT;
		}
		snprintf(note, sizeof(note),
		         "RATE_LIMIT %" PRIu64 " %" PRIu64
		         " not imported: set lockout_threshold and lockout_delay in mfa.conf",
		         n, m);
		import_set_note(set, note);
	} else if (strcmp(name, "DISALLOW_REUSE") == 0) {
		/* The steps (of STEP_SIZE seconds since the epoch, TIME_SKEW
		 * included) of codes accepted lately: the latest becomes the
		 * factor's last step, so that it is not accepted again here. */
		if (!ga_once(&st->reuse_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		if (!ga_number_list_valid(value, &st->reuse_max)) {
			snprintf(err, errlen, "line %u: DISALLOW_REUSE may only list time steps", lineno);
			return MFA_ERR_IMPORT;
		}
	} else if (strcmp(name, "TIME_SKEW") == 0) {
		if (!ga_once(&st->skew_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
		if (!ga_parse_i64(value, 1000000, &skew)) {
			snprintf(err, errlen, "line %u: TIME_SKEW needs a number of time steps", lineno);
			return MFA_ERR_IMPORT;
		}
		snprintf(note, sizeof(note),
		         "TIME_SKEW %" PRId64 " not imported: if codes are refused, run mfactl resync",
		         skew);
		import_set_note(set, note);
	} else if (strcmp(name, "RESETTING_TIME_SKEW") == 0) {
		/* The module's scratch state while it learns a skew: worthless
		 * elsewhere, so neither checked nor noted. */
		if (!ga_once(&st->resetting_line, lineno, name, err, errlen))
			return MFA_ERR_IMPORT;
	} else {
		if (ga_printable(name) && strlen(name) <= 32)
			snprintf(note, sizeof(note), "line %u: unknown option %s ignored", lineno, name);
		else
			snprintf(note, sizeof(note), "line %u: unknown option ignored", lineno);
		import_set_note(set, note);
	}
	return MFA_OK;
}

/* Exactly GA_SCRATCH_LEN digits, no leading zero: the PAM module only takes
 * 10000000..99999999 and stops reading scratch codes at anything else. */
static bool ga_scratch_valid(const char *code)
{
	if (strlen(code) != GA_SCRATCH_LEN || code[0] == '0')
		return false;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int ga_scratch(struct import_set *set, unsigned lineno, char *line, char *err,
                      size_t errlen)
{
	char *code, *extra;
	int r;

	code = ga_next_word(&line);
	extra = ga_next_word(&line);
	if (!code || extra || !ga_scratch_valid(code)) {
		snprintf(err, errlen,
		         "line %u: not a scratch code (8 digits, 10000000-99999999) nor an option "
		         "(starting with \"): fix or remove the line",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	for (size_t i = 0; i < set->nscratch; i++)
		if (strcmp(set->scratch[i], code) == 0)
			return MFA_OK;
	if (set->nscratch >= GA_SCRATCH_MAX) {
		snprintf(err, errlen, "line %u: more than %d scratch codes: remove some", lineno,
		         GA_SCRATCH_MAX);
		return MFA_ERR_IMPORT;
	}
	r = import_set_add_scratch(set, code);
	if (r == MFA_ERR_NOMEM)
		return r;
	if (r != MFA_OK) {
		snprintf(err, errlen, "line %u: scratch code not accepted", lineno);
		return MFA_ERR_IMPORT;
	}
	return MFA_OK;
}

/* Line 1. Errors never quote the line: it is the secret. */
static int ga_secret(struct import_token *tok, const char *line, char *err, size_t errlen)
{
	char *raw = NULL;
	size_t raw_len = 0;
	int r = MFA_ERR_IMPORT;

	if (line[strspn(line, " \t")] == '\0') {
		snprintf(err, errlen, "line 1: no secret: the first line must be the base32 secret");
		goto out;
	}
	if (line[0] == '"') {
		snprintf(err, errlen,
		         "line 1: an option, not a secret: the first line must be the base32 secret");
		goto out;
	}
	switch (oath_base32_decode(line, strlen(line), &raw, &raw_len)) {
	case OATH_OK:
		break;
	case OATH_MALLOC_ERROR:
		r = MFA_ERR_NOMEM;
		goto out;
	default:
		snprintf(err, errlen, "line 1: secret is not valid base32 (A-Z, 2-7)");
		goto out;
	}
	if (raw_len < GA_SECRET_MIN) {
		snprintf(err, errlen,
		         "line 1: secret is %zu bytes, fewer than %d (80 bits): enroll the user anew",
		         raw_len, GA_SECRET_MIN);
		goto out;
	}
	if (raw_len > MFA_SECRET_MAX) {
		snprintf(err, errlen, "line 1: secret is %zu bytes, more than %d", raw_len,
		         MFA_SECRET_MAX);
		goto out;
	}
	memcpy(tok->secret, raw, raw_len);
	tok->secret_len = raw_len;
	r = MFA_OK;
out:
	if (raw) {
		OPENSSL_cleanse(raw, raw_len);
		free(raw);
	}
	return r;
}

int import_ga_parse(const char *buf, size_t len, const char *user, struct import_set *set,
                    char *err, size_t errlen)
{
	struct ga_state st = {.step = 30, .reuse_max = -1};
	struct import_token *tok = NULL;
	const char *window_setting;
	char line[GA_LINE_MAX], note[96];
	size_t pos = 0;
	unsigned lineno = 0;
	int more, r = MFA_ERR_IMPORT;

	if (err && errlen)
		err[0] = '\0';
	if (!buf || !set || !err || errlen == 0)
		return MFA_ERR_INVALID;
	if (!user_name_valid(user)) {
		snprintf(err, errlen, "user name is not valid");
		return MFA_ERR_INVALID;
	}
	if (len > IMPORT_MAX_BYTES) {
		snprintf(err, errlen, "the file is larger than %u bytes", IMPORT_MAX_BYTES);
		return MFA_ERR_IMPORT;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "the file contains a NUL byte: not a google-authenticator file");
		return MFA_ERR_IMPORT;
	}
	if (len == 0) {
		snprintf(err, errlen, "the file is empty: line 1 must be the base32 secret");
		return MFA_ERR_IMPORT;
	}
	if ((r = import_set_add(set, &tok)) != MFA_OK) {
		if (r != MFA_ERR_NOMEM)
			snprintf(err, errlen, "too many tokens in one import");
		return r == MFA_ERR_NOMEM ? r : MFA_ERR_IMPORT;
	}
	str_copy(tok->user, sizeof(tok->user), user);
	str_copy(tok->label, sizeof(tok->label), GA_LABEL);
	tok->algorithm = MFA_ALG_SHA1;
	tok->digits = 6;

	while ((more = ga_next_line(buf, len, &pos, line, sizeof(line))) != 0) {
		lineno++;
		if (more < 0) {
			snprintf(err, errlen, "line %u: longer than %d bytes", lineno, GA_LINE_MAX - 1);
			r = MFA_ERR_IMPORT;
			goto out;
		}
		if (lineno == 1)
			r = ga_secret(tok, line, err, errlen);
		else if (line[0] == '"')
			r = ga_option(&st, set, lineno, line, err, errlen);
		else if (line[strspn(line, " \t")] == '\0')
			r = MFA_OK;
		else
			r = ga_scratch(set, lineno, line, err, errlen);
		if (r != MFA_OK)
			goto out;
	}

	r = MFA_ERR_IMPORT;
	if (st.totp_line && st.counter_line) {
		/* The module would accept both kinds of code: a file the tool
		 * never writes, and one factor here cannot be both. */
		snprintf(err, errlen,
		         "line %u: HOTP_COUNTER and TOTP_AUTH (line %u) both set: keep the one the "
		         "user's app uses",
		         st.counter_line, st.totp_line);
		goto out;
	}
	if (st.totp_line) {
		tok->type = MFA_FACTOR_TOTP;
		tok->period = st.step;
		tok->last_step = st.reuse_max;
		window_setting = "totp_window_behind/ahead";
	} else if (st.counter_line) {
		tok->type = MFA_FACTOR_HOTP;
		tok->counter = st.counter;
		window_setting = "hotp_lookahead";
	} else {
		snprintf(err, errlen,
		         "no \" TOTP_AUTH or \" HOTP_COUNTER line: the file holds no usable token");
		goto out;
	}
	if (st.window) {
		snprintf(note, sizeof(note), "WINDOW_SIZE %u not imported: set %s in mfa.conf",
		         st.window, window_setting);
		import_set_note(set, note);
	}
	r = MFA_OK;
out:
	OPENSSL_cleanse(line, sizeof(line));
	return r;
}
