/*
 * import_oath.c - parses the usersfile of pam_oath, in the format of
 * liboath's usersfile.c: one token a line,
 *
 *   TYPE USER PASSWORD SECRET-HEX [COUNTER [LAST-OTP [LAST-TIME]]]
 *
 * blank- or tab-separated, `#` lines and blank lines skipped. liboath
 * writes COUNTER as the moving factor of the last OTP it accepted, and
 * starts its next search at that same counter (the repeat is refused only
 * because it equals LAST-OTP). So a line with LAST-OTP has shown COUNTER
 * already and comes next with COUNTER + 1; a line without one (never used)
 * comes next with COUNTER. TOTP lines keep a window position there, which
 * means nothing to mfa; their state is LAST-OTP, accepted at LAST-TIME
 * (local time, "%Y-%m-%dT%H:%M:%SL"): the step of that code becomes the
 * factor's last step, so that mfa does not accept it again.
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
#include "otp.h"

#define OATH_LINE_MAX 1024
#define OATH_TIME_FORMAT "%Y-%m-%dT%H:%M:%SL"  /* liboath's, in local time */
#define OATH_LAST_REACH 100     /* steps around LAST-TIME searched for LAST-OTP */
#define OATH_SECRET_MIN 10      /* 80 bits; RFC 4226 §4 R6 wants 128 */
#define OATH_LABEL "pam_oath"

/* The token types liboath's parse_type() knows; it skips any other line,
 * so a token of another type never worked under pam_oath. */
static const struct oath_type {
	const char *name;
	unsigned digits, period;  /* period 0: HOTP */
} oath_types[] = {
	{"HOTP", 6, 0},        {"HOTP/E", 6, 0},       {"HOTP/E/6", 6, 0},
	{"HOTP/E/7", 7, 0},    {"HOTP/E/8", 8, 0},     {"HOTP/T30", 6, 30},
	{"HOTP/T30/6", 6, 30}, {"HOTP/T30/7", 7, 30},  {"HOTP/T30/8", 8, 30},
	{"HOTP/T60", 6, 60},   {"HOTP/T60/6", 6, 60},  {"HOTP/T60/7", 7, 60},
	{"HOTP/T60/8", 8, 60},
};

/* Copies the line starting at *pos into line without its "\n".
 * Returns 1 for a line, 0 at the end of buf, -1 if the line does not fit. */
static int oath_next_line(const char *buf, size_t len, size_t *pos, char *line, size_t size)
{
	const char *start = buf + *pos, *nl;
	size_t line_len;

	if (*pos >= len)
		return 0;
	nl = memchr(start, '\n', len - *pos);
	line_len = nl ? (size_t)(nl - start) : len - *pos;
	*pos += line_len + (nl ? 1 : 0);
	if (line_len >= size)
		return -1;
	memcpy(line, start, line_len);
	line[line_len] = '\0';
	return 1;
}

static const struct oath_type *oath_type_find(const char *name)
{
	for (size_t i = 0; i < sizeof(oath_types) / sizeof(oath_types[0]); i++)
		if (strcmp(oath_types[i].name, name) == 0)
			return &oath_types[i];
	return NULL;
}

/* COUNTER: an unsigned decimal for HOTP; TOTP lines of newer liboath
 * versions keep a signed window position there. */
static bool oath_counter_parse(const char *s, bool is_totp, uint64_t *out)
{
	unsigned long long value;
	char *end;

	*out = 0;
	if (is_totp && (*s == '-' || *s == '+'))
		s++;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	value = strtoull(s, &end, 10);
	if (errno || *end != '\0' || value > INT64_MAX)
		return false;
	*out = value;
	return true;
}

/* LAST-TIME as liboath reads it: local time, daylight saving guessed. */
static bool oath_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, OATH_TIME_FORMAT, &tm);
	if (!end || *end != '\0')
		return false;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out != (time_t)-1 && *out >= 0;
}

/* The step of a TOTP token's LAST-OTP: the one nearest LAST-TIME (liboath
 * searches outwards from the time of the login), the later on a tie. */
static int oath_last_step(struct import_token *tok, const char *last_otp, time_t last_time,
                          bool *found)
{
	int64_t centre = (int64_t)last_time / tok->period;
	char code[OTP_DIGITS_MAX + 1];
	int r = MFA_OK;

	*found = false;
	for (int64_t d = 0; d <= OATH_LAST_REACH && !*found && r == MFA_OK; d++) {
		for (int sign = 1; sign >= -1 && !*found && r == MFA_OK; sign -= 2) {
			int64_t s = centre + sign * d;

			if (s < 0 || (d == 0 && sign < 0))
				continue;
			r = otp_code(tok->secret, tok->secret_len, tok->algorithm, tok->digits,
			             (uint64_t)s, code);
			if (r == MFA_OK && CRYPTO_memcmp(code, last_otp, tok->digits) == 0) {
				tok->last_step = s;
				*found = true;
			}
		}
	}
	OPENSSL_cleanse(code, sizeof(code));
	return r;
}

/* One token line, already split into fields. Errors never quote the
 * password or the secret. */
static int oath_token(struct import_set *set, unsigned lineno, char **field, size_t nfields,
                      char *err, size_t errlen)
{
	const struct oath_type *type;
	struct import_token *tok;
	uint64_t counter = 0;
	time_t last_time = 0;
	bool found;
	size_t secret_len = MFA_SECRET_MAX;
	char note[MFA_USER_MAX + 80];
	int r;

	type = oath_type_find(field[0]);
	if (!type) {
		snprintf(err, errlen,
		         "line %u: unknown token type: pam_oath knows HOTP, HOTP/E, HOTP/E/N, "
		         "HOTP/T30, HOTP/T30/N, HOTP/T60 and HOTP/T60/N (N = 6, 7 or 8)",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	if (nfields < 4) {
		snprintf(err, errlen, "line %u: %s missing: a line is TYPE USER PASSWORD SECRET-HEX",
		         lineno, nfields == 1 ? "user" : nfields == 2 ? "password" : "secret");
		return MFA_ERR_IMPORT;
	}
	if (nfields > 7) {
		snprintf(err, errlen,
		         "line %u: more than 7 fields (TYPE USER PASSWORD SECRET-HEX COUNTER "
		         "LAST-OTP LAST-TIME)",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	if (!user_name_valid(field[1])) {
		snprintf(err, errlen, "line %u: user name is not valid", lineno);
		return MFA_ERR_IMPORT;
	}
	if (nfields >= 5 && !oath_counter_parse(field[4], type->period != 0, &counter)) {
		snprintf(err, errlen, "line %u: counter is not a number", lineno);
		return MFA_ERR_IMPORT;
	}
	if (nfields >= 7 && !oath_time_parse(field[6], &last_time)) {
		snprintf(err, errlen,
		         "line %u: LAST-TIME is not a time as pam_oath writes it "
		         "(2024-01-31T13:45:00L)",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	if (type->period && nfields >= 6 && !otp_code_wellformed(field[5], type->digits)) {
		snprintf(err, errlen, "line %u: LAST-OTP is not a code of %u digits", lineno,
		         type->digits);
		return MFA_ERR_IMPORT;
	}
	if (type->period && nfields == 6) {
		snprintf(err, errlen,
		         "line %u: LAST-OTP without LAST-TIME: add the time pam_oath wrote, or "
		         "remove LAST-OTP if that login is long past",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	if (type->period == 0 && nfields >= 6) {
		if (counter == INT64_MAX) {
			snprintf(err, errlen, "line %u: counter is too large", lineno);
			return MFA_ERR_IMPORT;
		}
		counter++;
	}

	r = import_set_add(set, &tok);
	if (r == MFA_ERR_NOMEM)
		return r;
	if (r != MFA_OK) {
		snprintf(err, errlen, "line %u: more than %u tokens: split the file", lineno,
		         (unsigned)IMPORT_MAX_TOKENS);
		return MFA_ERR_IMPORT;
	}
	switch (oath_hex2bin(field[3], (char *)tok->secret, &secret_len)) {
	case OATH_OK:
		break;
	case OATH_TOO_SMALL_BUFFER:
		snprintf(err, errlen, "line %u: secret is longer than %d bytes", lineno,
		         MFA_SECRET_MAX);
		return MFA_ERR_IMPORT;
	default:
		snprintf(err, errlen, "line %u: secret is not valid hex (0-9, a-f, even length)",
		         lineno);
		return MFA_ERR_IMPORT;
	}
	tok->secret_len = secret_len;
	if (secret_len < OATH_SECRET_MIN) {
		snprintf(err, errlen,
		         "line %u: secret is %zu bytes, fewer than %d (80 bits): enroll the user anew",
		         lineno, secret_len, OATH_SECRET_MIN);
		return MFA_ERR_IMPORT;
	}
	str_copy(tok->user, sizeof(tok->user), field[1]);
	str_copy(tok->label, sizeof(tok->label), OATH_LABEL);
	tok->algorithm = MFA_ALG_SHA1;
	tok->digits = type->digits;
	if (type->period) {
		tok->type = MFA_FACTOR_TOTP;
		tok->period = type->period;
		if (nfields == 7) {
			if ((r = oath_last_step(tok, field[5], last_time, &found)) != MFA_OK)
				return r;
			if (!found) {
				snprintf(err, errlen,
				         "line %u: LAST-OTP is no code of this token within %d steps of "
				         "LAST-TIME (read as local time): import with TZ set to the time "
				         "zone pam_oath ran in, or remove LAST-OTP and LAST-TIME if that "
				         "login is long past",
				         lineno, OATH_LAST_REACH);
				return MFA_ERR_IMPORT;
			}
		}
	} else {
		tok->type = MFA_FACTOR_HOTP;
		tok->counter = counter;
	}
	/* "-" is no password; "+" one checked by another module. */
	if (strcmp(field[2], "-") != 0) {
		snprintf(note, sizeof(note),
		         "password field for %s ignored: mfa checks only the second factor", field[1]);
		import_set_note(set, note);
	}
	return MFA_OK;
}

int import_oath_parse(const char *buf, size_t len, struct import_set *set, char *err,
                      size_t errlen)
{
	char line[OATH_LINE_MAX];
	char *field[8], *save = NULL;
	size_t pos = 0, nfields, tokens_before;
	unsigned lineno = 0;
	int more, r = MFA_OK;

	if (err && errlen)
		err[0] = '\0';
	if (!buf || !set || !err || errlen == 0)
		return MFA_ERR_INVALID;
	if (len > IMPORT_MAX_BYTES) {
		snprintf(err, errlen, "the file is larger than %u bytes", IMPORT_MAX_BYTES);
		return MFA_ERR_IMPORT;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "the file contains a NUL byte: not a usersfile");
		return MFA_ERR_IMPORT;
	}
	tokens_before = set->n;
	while ((more = oath_next_line(buf, len, &pos, line, sizeof(line))) != 0) {
		lineno++;
		if (more < 0) {
			snprintf(err, errlen, "line %u: longer than %d bytes", lineno,
			         OATH_LINE_MAX - 1);
			r = MFA_ERR_IMPORT;
			goto out;
		}
		/* liboath's separators. */
		nfields = 0;
		for (char *word = strtok_r(line, " \t\r", &save);
		     word && nfields < sizeof(field) / sizeof(field[0]);
		     word = strtok_r(NULL, " \t\r", &save))
			field[nfields++] = word;
		if (nfields == 0 || field[0][0] == '#')
			continue;
		if ((r = oath_token(set, lineno, field, nfields, err, errlen)) != MFA_OK)
			goto out;
	}
	if (set->n == tokens_before) {
		snprintf(err, errlen, "no token lines: not a pam_oath usersfile");
		r = MFA_ERR_IMPORT;
	}
out:
	OPENSSL_cleanse(line, sizeof(line));
	return r;
}
