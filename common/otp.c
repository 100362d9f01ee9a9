/* otp.c - code generation through liboath, window/replay/drift rules. */
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include "otp.h"

int otp_code(const unsigned char *secret, size_t secret_len, mfa_algorithm alg, unsigned digits,
             uint64_t moving_factor, char out[OTP_DIGITS_MAX + 1])
{
	int flags = alg == MFA_ALG_SHA256 ? OATH_TOTP_HMAC_SHA256
	            : alg == MFA_ALG_SHA512 ? OATH_TOTP_HMAC_SHA512 : 0;

	if (digits < 6 || digits > OTP_DIGITS_MAX || moving_factor > (uint64_t)INT64_MAX)
		return MFA_ERR_INVALID;
	/* A TOTP with a one-second step at time T is HOTP with counter T: this
	 * gives HOTP the SHA-2 variants that liboath offers only for TOTP. */
	if (oath_totp_generate2((const char *)secret, secret_len, (time_t)moving_factor, 1, 0, digits,
	                        flags, out) != OATH_OK)
		return MFA_ERR_SYSTEM;
	return MFA_OK;
}

bool otp_code_wellformed(const char *code, unsigned digits)
{
	size_t i;

	for (i = 0; code[i]; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return i == digits;
}

/* Constant-time equality of a candidate code with the one typed. */
static int code_at(const unsigned char *secret, size_t secret_len, const struct otp_state *st,
                   uint64_t factor, const char *code, bool *equal)
{
	char cand[OTP_DIGITS_MAX + 1];
	int r = otp_code(secret, secret_len, st->algorithm, st->digits, factor, cand);

	*equal = r == MFA_OK && CRYPTO_memcmp(cand, code, st->digits) == 0;
	OPENSSL_cleanse(cand, sizeof(cand));
	return r;
}

static int totp_check(struct otp_state *st, const unsigned char *secret, size_t secret_len,
                      const char *code, time_t now, const struct otp_policy *pol,
                      struct otp_result *res)
{
	int64_t cur = (int64_t)now / st->period;
	int64_t centre = cur + st->drift_steps;
	int64_t lo = centre - pol->window_behind, hi = centre + pol->window_ahead;
	int64_t reach = pol->drift_report / st->period;
	bool equal, replayed = false;
	int r;

	for (int64_t s = lo < 0 ? 0 : lo; s <= hi; s++) {
		if ((r = code_at(secret, secret_len, st, (uint64_t)s, code, &equal)) != MFA_OK)
			return r;
		if (!equal)
			continue;
		if (s <= st->last_step || s == st->burnt_step) {
			replayed = true;  /* a later unused step may still match */
			continue;
		}
		st->last_step = s;
		/* RFC 6238 §6: remember the device's drift for the next login. */
		st->drift_steps = (int)(s - cur);
		res->outcome = OTP_MATCH;
		return MFA_OK;
	}
	if (replayed) {
		res->outcome = OTP_REPLAY;
		return MFA_OK;
	}
	/* Outside the window: find the code nearby only to explain the refusal. */
	for (int64_t d = 1; d <= reach; d++) {
		for (int sign = -1; sign <= 1; sign += 2) {
			int64_t s = cur + sign * d;

			if (s < 0 || (s >= lo && s <= hi))
				continue;
			if ((r = code_at(secret, secret_len, st, (uint64_t)s, code, &equal)) != MFA_OK)
				return r;
			if (!equal)
				continue;
			/* Only the last accepted step is known to be used; an older
			 * step is far more likely a clock that is off. */
			res->outcome = s == st->last_step || s == st->burnt_step ? OTP_REPLAY
			                                                         : OTP_DRIFT;
			res->offset_seconds = (long)((s - cur) * (int64_t)st->period);
			/* The hint tells whoever typed the code that it is right: a
			 * step ahead must never be accepted when its time comes, or
			 * each guess would test every step in reach. That one step is
			 * burnt, not the window before it: the user who sets the clock
			 * right logs in with the next code. (A step behind the window
			 * is never reached again.) No drift is learned from a code
			 * that was not accepted. */
			if (res->outcome == OTP_DRIFT && s > hi)
				st->burnt_step = s;
			return MFA_OK;
		}
	}
	return MFA_OK;
}

static int hotp_check(struct otp_state *st, const unsigned char *secret, size_t secret_len,
                      const char *code, const struct otp_policy *pol, struct otp_result *res)
{
	bool equal;
	int r;

	for (uint64_t c = st->counter; c <= st->counter + pol->hotp_lookahead; c++) {
		if ((r = code_at(secret, secret_len, st, c, code, &equal)) != MFA_OK)
			return r;
		if (equal) {
			st->counter = c + 1;
			res->outcome = OTP_MATCH;
			return MFA_OK;
		}
	}
	/* The last accepted code, typed again: say so rather than "wrong". */
	if (st->counter > 0) {
		if ((r = code_at(secret, secret_len, st, st->counter - 1, code, &equal)) != MFA_OK)
			return r;
		if (equal)
			res->outcome = OTP_REPLAY;
	}
	return MFA_OK;
}

int otp_check(struct otp_state *st, const unsigned char *secret, size_t secret_len,
              const char *code, time_t now, const struct otp_policy *pol,
              struct otp_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = OTP_NO_MATCH;
	if (!otp_code_wellformed(code, st->digits))
		return MFA_OK;
	if (st->type == MFA_FACTOR_HOTP)
		return hotp_check(st, secret, secret_len, code, pol, res);
	if (st->period == 0 || now < 0)
		return MFA_ERR_INVALID;
	return totp_check(st, secret, secret_len, code, now, pol, res);
}

int otp_resync(struct otp_state *st, const unsigned char *secret, size_t secret_len,
               const char *code1, const char *code2, time_t now, const struct otp_policy *pol)
{
	int64_t lo, hi, cur = 0;
	bool eq1, eq2;
	int r;

	if (!otp_code_wellformed(code1, st->digits) || !otp_code_wellformed(code2, st->digits))
		return MFA_ERR_BAD_CODE;
	if (st->type == MFA_FACTOR_HOTP) {
		lo = (int64_t)st->counter;
		hi = lo + pol->resync_window;
	} else {
		if (st->period == 0 || now < 0)
			return MFA_ERR_INVALID;
		cur = (int64_t)now / st->period;
		lo = cur - pol->resync_window;
		hi = cur + pol->resync_window;
		if (lo <= st->last_step)
			lo = st->last_step + 1;  /* never re-accept a used step */
		if (lo < 0)
			lo = 0;
	}
	for (int64_t s = lo; s <= hi; s++) {
		if ((r = code_at(secret, secret_len, st, (uint64_t)s, code1, &eq1)) != MFA_OK ||
		    (r = code_at(secret, secret_len, st, (uint64_t)s + 1, code2, &eq2)) != MFA_OK)
			return r;
		if (!eq1 || !eq2)
			continue;
		if (st->type == MFA_FACTOR_HOTP) {
			st->counter = (uint64_t)s + 2;
		} else {
			st->last_step = s + 1;
			st->drift_steps = (int)(s + 1 - cur);
		}
		return MFA_OK;
	}
	return MFA_ERR_BAD_CODE;
}
