/*
 * test_web_session.c - mfa-web's sessions (web/session.c) on a clock of
 * the test's own: idle and absolute timeouts, a new id at rotation (the old
 * one dead), the CSRF token, sign-out and a deleted user's sessions.
 */
#include <string.h>

#include "check.h"
#include "web.h"

static time_t clock_now = 1000000;
static time_t test_clock(void) { return clock_now; }

static struct web_sessions *fresh(void)
{
	struct web_sessions *s = sessions_new(900, 8 * 3600);

	CHECK(s != NULL);
	if (s)
		sessions_set_clock(s, test_clock);
	return s;
}

static void session_idle_timeout(void)
{
	struct web_sessions *s = fresh();
	struct web_session a, got;
	char id[WEB_TOKEN_TEXT];

	if (!s)
		return;
	clock_now = 1000000;
	CHECK_EQ_INT(session_create(s, "alice", WEB_STAGE_SIGNED_IN, &a), MFA_OK);
	session_id_text(&a, id);
	CHECK_EQ_INT(strlen(id), 64);
	clock_now += 899;
	CHECK(session_get(s, id, &got));
	CHECK_STR(got.user, "alice");
	/* Seen at 899: idle from there. */
	clock_now += 899;
	CHECK(session_get(s, id, &got));
	clock_now += 900;
	CHECK(!session_get(s, id, &got));
	sessions_free(s);
}

static void session_absolute_timeout(void)
{
	struct web_sessions *s = fresh();
	struct web_session a, got;
	char id[WEB_TOKEN_TEXT];
	bool alive = true;

	if (!s)
		return;
	clock_now = 2000000;
	CHECK_EQ_INT(session_create(s, "bob", WEB_STAGE_SIGNED_IN, &a), MFA_OK);
	session_id_text(&a, id);
	/* Busy all day: still ends 8 h after sign-in. */
	while (clock_now < 2000000 + 8 * 3600 - 600) {
		clock_now += 600;
		alive &= session_get(s, id, &got);
	}
	CHECK(alive);
	clock_now = 2000000 + 8 * 3600;
	CHECK(!session_get(s, id, &got));
	/* A clock that went back is no reason to believe an old session. */
	CHECK_EQ_INT(session_create(s, "bob", WEB_STAGE_SIGNED_IN, &a), MFA_OK);
	session_id_text(&a, id);
	clock_now -= 10;
	CHECK(!session_get(s, id, &got));
	sessions_free(s);
}

static void session_rotation_kills_the_old_id(void)
{
	struct web_sessions *s = fresh();
	struct web_session a, got;
	char before[WEB_TOKEN_TEXT], after[WEB_TOKEN_TEXT], csrf[WEB_TOKEN_TEXT];

	if (!s)
		return;
	clock_now = 3000000;
	CHECK_EQ_INT(session_create(s, "carol", WEB_STAGE_PASSWORD, &a), MFA_OK);
	session_id_text(&a, before);
	memcpy(csrf, a.csrf, sizeof(csrf));
	CHECK(session_csrf_ok(&a, csrf));
	CHECK(!session_csrf_ok(&a, ""));
	CHECK(!session_csrf_ok(&a, NULL));
	a.stage = WEB_STAGE_SIGNED_IN;
	CHECK_EQ_INT(session_rotate(s, &a), MFA_OK);
	session_id_text(&a, after);
	CHECK(strcmp(before, after) != 0);
	CHECK(strcmp(csrf, a.csrf) != 0);
	CHECK(!session_get(s, before, &got));
	CHECK(session_get(s, after, &got));
	CHECK_EQ_INT(got.stage, WEB_STAGE_SIGNED_IN);
	/* The old token does not pass for the new session. */
	CHECK(!session_csrf_ok(&got, csrf));
	/* Malformed cookies: none found, nothing read past them. */
	CHECK(!session_get(s, "", &got));
	CHECK(!session_get(s, "zz", &got));
	after[63] = 'g';
	CHECK(!session_get(s, after, &got));
	sessions_free(s);
}

static void session_end_and_user_deleted(void)
{
	struct web_sessions *s = fresh();
	struct web_session a, b, c, got;
	char ida[WEB_TOKEN_TEXT], idb[WEB_TOKEN_TEXT], idc[WEB_TOKEN_TEXT];

	if (!s)
		return;
	clock_now = 4000000;
	CHECK_EQ_INT(session_create(s, "dave", WEB_STAGE_SIGNED_IN, &a), MFA_OK);
	CHECK_EQ_INT(session_create(s, "dave", WEB_STAGE_SIGNED_IN, &b), MFA_OK);
	CHECK_EQ_INT(session_create(s, "erin", WEB_STAGE_SIGNED_IN, &c), MFA_OK);
	session_id_text(&a, ida);
	session_id_text(&b, idb);
	session_id_text(&c, idc);
	session_end(s, &a);
	CHECK(!session_get(s, ida, &got));
	CHECK(session_get(s, idb, &got));
	sessions_end_user(s, "dave");
	CHECK(!session_get(s, idb, &got));
	CHECK(session_get(s, idc, &got));
	sessions_free(s);
}

const struct test_case web_session_tests[] = {
	{ "web_session_idle_timeout", session_idle_timeout },
	{ "web_session_absolute_timeout", session_absolute_timeout },
	{ "web_session_rotation_kills_the_old_id", session_rotation_kills_the_old_id },
	{ "web_session_end_and_user_deleted", session_end_and_user_deleted },
	{ NULL, NULL },
};
