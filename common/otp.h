/*
 * otp.h - HOTP (RFC 4226) and TOTP (RFC 6238) through liboath, and the
 * window, replay and drift rules applied to one factor.
 */
#ifndef MFA_OTP_H
#define MFA_OTP_H

#include "mfa.h"

#define OTP_DIGITS_MAX 8

/* The code for one moving factor (HOTP counter or TOTP step). */
int otp_code(const unsigned char *secret, size_t secret_len, mfa_algorithm alg, unsigned digits,
             uint64_t moving_factor, char out[OTP_DIGITS_MAX + 1]);

struct otp_state {
	mfa_factor_type type;
	mfa_algorithm algorithm;
	unsigned digits;
	unsigned period;
	uint64_t counter;        /* HOTP: next counter expected */
	int64_t last_step;       /* TOTP: last step accepted, -1 none */
	int64_t burnt_step;      /* TOTP: a step a drift hint revealed, -1 none */
	int drift_steps;         /* TOTP: learned device clock offset */
};

struct otp_policy {
	unsigned window_behind, window_ahead;  /* TOTP steps */
	unsigned drift_report;                 /* seconds */
	unsigned hotp_lookahead;
	unsigned resync_window;
};

enum otp_outcome { OTP_NO_MATCH, OTP_MATCH, OTP_REPLAY, OTP_DRIFT };

struct otp_result {
	enum otp_outcome outcome;
	long offset_seconds;     /* OTP_DRIFT: code's time minus now */
};

/* Checks code; on OTP_MATCH updates st (counter, last step, drift) for the
 * caller to store, on OTP_DRIFT ahead of the window the burnt step (that
 * code is never accepted later). code must be st->digits decimal digits. */
int otp_check(struct otp_state *st, const unsigned char *secret, size_t secret_len,
              const char *code, time_t now, const struct otp_policy *pol,
              struct otp_result *res);
/* Two consecutive codes; on success updates st. Returns MFA_ERR_BAD_CODE
 * when they are not found in the resync window. */
int otp_resync(struct otp_state *st, const unsigned char *secret, size_t secret_len,
               const char *code1, const char *code2, time_t now, const struct otp_policy *pol);

/* True if code is st->digits ASCII digits. */
bool otp_code_wellformed(const char *code, unsigned digits);

#endif
