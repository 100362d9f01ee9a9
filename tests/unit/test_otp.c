/* test_otp.c - RFC known-answer vectors, then window, replay and drift. */
#include <string.h>

#include "check.h"
#include "otp.h"

static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";
static const unsigned char seed64[] =
	"1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0..9. */
static void rfc4226_vectors(void)
{
	static const char *const expect[10] = { "755224", "287082", "359152", "969429", "338314",
		                                "254676", "287922", "162583", "399871", "520489" };
	char out[OTP_DIGITS_MAX + 1];

	for (uint64_t c = 0; c < 10; c++) {
		CHECK_EQ_INT(otp_code(seed20, 20, MFA_ALG_SHA1, 6, c, out), MFA_OK);
		CHECK_STR(out, expect[c]);
	}
}

/* RFC 6238 Appendix B: TOTP, 8 digits, 30 s steps, three hash functions. */
static void rfc6238_vectors(void)
{
	static const struct {
		long long t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
		{ 59, "94287082", "46119246", "90693936" },
		{ 1111111109, "07081804", "68084774", "25091201" },
		{ 1111111111, "14050471", "67062674", "99943326" },
		{ 1234567890, "89005924", "91819424", "93441116" },
		{ 2000000000, "69279037", "90698825", "38618901" },
		{ 20000000000LL, "65353130", "77737706", "47863826" },
	};
	char out[OTP_DIGITS_MAX + 1];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t step = (uint64_t)(v[i].t / 30);

		CHECK_EQ_INT(otp_code(seed20, 20, MFA_ALG_SHA1, 8, step, out), MFA_OK);
		CHECK_STR(out, v[i].sha1);
		CHECK_EQ_INT(otp_code(seed32, 32, MFA_ALG_SHA256, 8, step, out), MFA_OK);
		CHECK_STR(out, v[i].sha256);
		CHECK_EQ_INT(otp_code(seed64, 64, MFA_ALG_SHA512, 8, step, out), MFA_OK);
		CHECK_STR(out, v[i].sha512);
	}
}

static const struct otp_policy pol = { .window_behind = 1, .window_ahead = 1,
	                               .drift_report = 900, .hotp_lookahead = 10,
	                               .resync_window = 100 };

static struct otp_state totp_state(void)
{
	struct otp_state st = { .type = MFA_FACTOR_TOTP, .algorithm = MFA_ALG_SHA1, .digits = 8,
		                .period = 30, .last_step = -1, .burnt_step = -1 };
	return st;
}

static void totp_window(void)
{
	struct otp_state st = totp_state();
	struct otp_result res;
	char code[9];
	time_t now = 1111111111;
	uint64_t cur = (uint64_t)now / 30;

	/* One step behind: accepted, and the device's drift is learned. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur - 1, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_MATCH);
	CHECK_EQ_INT(st.last_step, (int64_t)cur - 1);
	CHECK_EQ_INT(st.drift_steps, -1);
	/* Same code again: replay. */
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_REPLAY);
	/* Two steps ahead of real time: outside the window... */
	st = totp_state();
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur + 2, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_DRIFT);
	CHECK_EQ_INT(res.offset_seconds, 60);
	/* ...and burnt: never accepted later; the steps before it still are. */
	CHECK_EQ_INT(st.burnt_step, (int64_t)cur + 2);
	CHECK_EQ_INT(st.last_step, -1);
	CHECK_EQ_INT(st.drift_steps, 0);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now + 60, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_REPLAY);
	{
		char now_code[9];

		otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur, now_code);
		CHECK_EQ_INT(otp_check(&st, seed20, 20, now_code, now, &pol, &res), MFA_OK);
		CHECK_EQ_INT(res.outcome, OTP_MATCH);
	}
	/* Accepted where the learned drift centres the window there. */
	st = totp_state();
	st.drift_steps = 2;
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_MATCH);
}

static void totp_drift_report(void)
{
	struct otp_state st = totp_state();
	struct otp_result res;
	char code[9];
	time_t now = 1234567890;
	uint64_t cur = (uint64_t)now / 30;

	/* Valid 4 minutes ago: refused, and said so. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur - 8, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_DRIFT);
	CHECK_EQ_INT(res.offset_seconds, -240);
	/* Behind the window: never reached again, nothing to burn. */
	CHECK_EQ_INT(st.burnt_step, -1);
	CHECK_EQ_INT(st.last_step, -1);
	/* 15 minutes is the edge; 16 minutes is just a wrong code. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur + 30, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_DRIFT);
	CHECK_EQ_INT(res.offset_seconds, 900);
	CHECK_EQ_INT(st.burnt_step, (int64_t)cur + 30);
	/* Another code revealed later is burnt in its place. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur + 20, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_DRIFT);
	CHECK_EQ_INT(st.burnt_step, (int64_t)cur + 20);
	st = totp_state();
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur - 32, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_NO_MATCH);
	/* A wrong or malformed code is no match. */
	CHECK_EQ_INT(otp_check(&st, seed20, 20, "00000000x", now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_NO_MATCH);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, "1234", now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_NO_MATCH);
	CHECK_EQ_INT(st.last_step, -1);
	CHECK_EQ_INT(st.drift_steps, 0);
	/* After a login, an older code far out is still drift, but the step
	 * last used, typed again 5 minutes later, is a replay. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_MATCH);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now + 300, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_REPLAY);
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, cur - 4, code);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, code, now, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_DRIFT);
}

static void hotp_lookahead(void)
{
	struct otp_state st = { .type = MFA_FACTOR_HOTP, .algorithm = MFA_ALG_SHA1, .digits = 6,
		                .counter = 0 };
	struct otp_result res;

	/* RFC 4226 counter 5 is within the look-ahead of 10. */
	CHECK_EQ_INT(otp_check(&st, seed20, 20, "254676", 0, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_MATCH);
	CHECK_EQ_INT(st.counter, 6);
	CHECK_EQ_INT(otp_check(&st, seed20, 20, "254676", 0, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_REPLAY);
	/* Counter 3 is behind now: never again. */
	CHECK_EQ_INT(otp_check(&st, seed20, 20, "969429", 0, &pol, &res), MFA_OK);
	CHECK_EQ_INT(res.outcome, OTP_NO_MATCH);
	CHECK_EQ_INT(st.counter, 6);
	/* Beyond the look-ahead nothing is searched, so nothing is revealed:
	 * a wrong code, and the counter stays. */
	{
		char far[9];

		otp_code(seed20, 20, MFA_ALG_SHA1, 6, 6 + 11, far);
		CHECK_EQ_INT(otp_check(&st, seed20, 20, far, 0, &pol, &res), MFA_OK);
		CHECK_EQ_INT(res.outcome, OTP_NO_MATCH);
		CHECK_EQ_INT(st.counter, 6);
	}
}

static void hotp_resync(void)
{
	struct otp_state st = { .type = MFA_FACTOR_HOTP, .algorithm = MFA_ALG_SHA1, .digits = 6,
		                .counter = 0 };
	struct otp_policy narrow = pol;
	char c1[9], c2[9];

	narrow.hotp_lookahead = 2;
	otp_code(seed20, 20, MFA_ALG_SHA1, 6, 50, c1);
	otp_code(seed20, 20, MFA_ALG_SHA1, 6, 51, c2);
	CHECK_EQ_INT(otp_resync(&st, seed20, 20, c2, c1, 0, &narrow), MFA_ERR_BAD_CODE);
	CHECK_EQ_INT(otp_resync(&st, seed20, 20, c1, c2, 0, &narrow), MFA_OK);
	CHECK_EQ_INT(st.counter, 52);
}

static void totp_resync(void)
{
	struct otp_state st = totp_state();
	char c1[9], c2[9];
	time_t now = 2000000000;
	int64_t cur = (int64_t)now / 30;

	/* Device 40 minutes ahead: beyond the drift report, within resync. */
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, (uint64_t)(cur + 80), c1);
	otp_code(seed20, 20, MFA_ALG_SHA1, 8, (uint64_t)(cur + 81), c2);
	CHECK_EQ_INT(otp_resync(&st, seed20, 20, c1, c2, now, &pol), MFA_OK);
	CHECK_EQ_INT(st.drift_steps, 81);
	CHECK_EQ_INT(st.last_step, cur + 81);
	/* Those codes can never be used again. */
	CHECK_EQ_INT(otp_resync(&st, seed20, 20, c1, c2, now, &pol), MFA_ERR_BAD_CODE);
}

const struct test_case otp_tests[] = {
	{ "otp_rfc4226_vectors", rfc4226_vectors },
	{ "otp_rfc6238_vectors", rfc6238_vectors },
	{ "otp_totp_window_and_learned_drift", totp_window },
	{ "otp_totp_drift_report", totp_drift_report },
	{ "otp_hotp_lookahead_replay", hotp_lookahead },
	{ "otp_hotp_resync", hotp_resync },
	{ "otp_totp_resync", totp_resync },
	{ NULL, NULL },
};
