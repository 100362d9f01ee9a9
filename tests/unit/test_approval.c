/* test_approval.c - approvals of logins with a passkey: the right number
 * approves, a wrong one burns; consumed once, by the user and requester
 * they were made for, before they expire; gone with their user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "env.h"
#include "internal.h"
#include "softauthn.h"

static const struct mfa_request ssh_alice = { .user = "alice", .source = "pam:sshd",
	                                      .remote = "192.0.2.7" };
static const struct mfa_request web_alice = { .user = "alice", .source = "web",
	                                      .remote = "198.51.100.1" };

static long approvals_stored(const struct test_env *env)
{
	return env_sql_number(env, "SELECT count(*) FROM approvals",
	                      "SELECT count(*) FROM mfa_approvals");
}

/* A number among the choices other than the right one. */
static unsigned wrong_choice(const struct mfa_approval_info *info, unsigned number)
{
	for (int i = 0; i < 4; i++)
		if (info->choices[i] != number)
			return info->choices[i];
	return 0;
}

static void approval_once(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *portal;
	struct mfa_approval_info info;
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0, seen = 0;

	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(strlen(id), MFA_APPROVAL_ID_LEN);
	CHECK(number >= 10 && number <= 99);
	/* The portal is another process. */
	portal = env_open(&env);
	CHECK_EQ_INT(mfa_approval_get(portal, id, &info), MFA_OK);
	CHECK_STR(info.id, id);
	CHECK_STR(info.user, "alice");
	CHECK_STR(info.service, "pam:sshd");
	CHECK_STR(info.remote, "192.0.2.7");
	CHECK_STR(info.nas, "");
	CHECK_STR(info.requester, "host1");
	CHECK_EQ_INT(info.state, MFA_APPROVAL_PENDING);
	CHECK_EQ_INT(info.expires - info.created, 120);
	for (int i = 0; i < 4; i++)
		seen += info.choices[i] == number;
	CHECK_EQ_INT(seen, 1);
	/* Not yet decided: the login polls. */
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_PENDING);
	CHECK(mfa_err_is_verdict(MFA_ERR_PENDING));
	CHECK_EQ_INT(mfa_approval_decide(portal, &web_alice, id, number, true), MFA_OK);
	CHECK_EQ_INT(mfa_approval_get(portal, id, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_APPROVED);
	/* Decided once. */
	CHECK_EQ_INT(mfa_approval_decide(portal, &web_alice, id, number, true), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_OK);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(portal, id, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_CONSUMED);
	CHECK_EQ_INT(env_audit_count(&env, "\"event\":\"approval\",\"user\":\"alice\","
	                                   "\"source\":\"pam:sshd\""), 3);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"requested\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"approved\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"consumed\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, ": used\""), 1);
	{
		char needle[64];

		snprintf(needle, sizeof(needle), "number %u, for host1", number);
		CHECK_EQ_INT(env_audit_count(&env, needle), 1);
	}
	mfa_ctx_free(&portal);
	mfa_ctx_free(&ctx);
}

/* Hold mode's approvals have no number: decided with 0; listed open for
 * their user until consumed. A numbered one decided with 0 is denied. */
static void approval_hold_without_number(void)
{
	static const struct mfa_request vpn_alice = { .user = "alice", .source = "radius:vpn1",
		                                      .remote = "203.0.113.5", .nas_id = "gw1" };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_approval_info info, open[4];
	char hold[MFA_APPROVAL_ID_LEN + 1], ssh[MFA_APPROVAL_ID_LEN + 1],
	        bob[MFA_APPROVAL_ID_LEN + 1];
	unsigned number;
	size_t n = 9;

	CHECK_EQ_INT(mfa_approval_list_open(ctx, "alice", open, 4, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(mfa_approval_create_hold(ctx, &vpn_alice, "radius-hold:192.0.2.1", 0, hold),
	             MFA_OK);
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, ssh, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_create_hold(ctx, &(struct mfa_request){ .user = "bob",
	                                                                  .source = "radius:vpn1" },
	                                      "radius-hold:192.0.2.1", 0, bob),
	             MFA_OK);
	CHECK_EQ_INT(mfa_approval_get(ctx, hold, &info), MFA_OK);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(info.choices[i], 0);
	CHECK_STR(info.nas, "gw1");
	CHECK_EQ_INT(env_audit_count(&env, "no number, for radius-hold:192.0.2.1"), 2);
	/* alice's two, oldest first; not bob's. */
	CHECK_EQ_INT(mfa_approval_list_open(ctx, "alice", open, 4, &n), MFA_OK);
	CHECK_EQ_INT(n, 2);
	CHECK(!strcmp(open[0].id, hold) || !strcmp(open[1].id, hold));
	CHECK(!strcmp(open[0].id, ssh) || !strcmp(open[1].id, ssh));
	CHECK_EQ_INT(mfa_approval_list_open(ctx, "alice", open, 1, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	/* A numbered approval still needs its number. */
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, ssh, 0, true), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(ctx, ssh, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_DENIED);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &vpn_alice, hold, "radius-hold:192.0.2.1"),
	             MFA_ERR_PENDING);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, hold, 0, true), MFA_OK);
	CHECK_EQ_INT(mfa_approval_list_open(ctx, "alice", open, 4, &n), MFA_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_STR(open[0].id, hold);
	CHECK_EQ_INT(open[0].state, MFA_APPROVAL_APPROVED);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &vpn_alice, hold, "radius-hold:192.0.2.1"), MFA_OK);
	CHECK_EQ_INT(mfa_approval_list_open(ctx, "alice", open, 4, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	/* A refused passkey denies one without a number too. */
	CHECK_EQ_INT(mfa_approval_decide(ctx, &(struct mfa_request){ .user = "bob", .source = "web" },
	                                 bob, 0, false),
	             MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_list_open(ctx, "bob", open, 4, &n), MFA_OK);
	CHECK_EQ_INT(n, 0);
	mfa_ctx_free(&ctx);
}

/* A wrong number (or a refused security key) burns the approval. */
static void approval_wrong_number(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_approval_info info;
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0;

	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, wrong_choice(&info, number), true),
	             MFA_ERR_CHALLENGE);
	CHECK(strstr(mfa_ctx_error(ctx), "not the number shown") != NULL);
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_DENIED);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, true), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"denied\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, ": wrong number\""), 1);
	CHECK_EQ_INT(env_audit_count(&env, ": denied\""), 2);
	/* The right number with a refused assertion: denied too. */
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, false), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_DENIED);
	CHECK_EQ_INT(env_audit_count(&env, ": security key refused\""), 1);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	mfa_ctx_free(&ctx);
}

/* Past its time an approval is refused at decide and consume, approved or
 * not; approve_timeout sets the time; the next create sweeps it. */
static void approval_expired(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "approve_timeout = 60\n");
	struct mfa_approval_info info;
	char id[MFA_APPROVAL_ID_LEN + 1], id2[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0, number2 = 0;
	time_t start = test_now;

	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id2, &number2), MFA_OK);
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_EQ_INT(info.expires - info.created, 60);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id2, number2, true), MFA_OK);
	test_now = start + 60;
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_EXPIRED);
	CHECK_EQ_INT(mfa_approval_get(ctx, id2, &info), MFA_OK);
	CHECK_EQ_INT(info.state, MFA_APPROVAL_EXPIRED);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, true), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id2, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"expired\""), 3);
	CHECK_EQ_INT(approvals_stored(&env), 2);
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 600, id, &number), MFA_OK);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	CHECK_EQ_INT(mfa_approval_get(ctx, id2, &info), MFA_ERR_CHALLENGE);
	/* Lifetimes from 30 s to 10 minutes. */
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 29, id, &number),
	             MFA_ERR_INVALID);
	CHECK_STR(id, "");
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 601, id, &number),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	test_now = start;
	mfa_ctx_free(&ctx);
}

/* Bound to its user and its requester: others are refused and leave it
 * usable. */
static void approval_bindings(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "user_case = lower\n");
	struct mfa_request bob = ssh_alice, web_bob = web_alice, alice_caps = ssh_alice;
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0;

	bob.user = web_bob.user = "bob";
	alice_caps.user = "Alice";
	CHECK_EQ_INT(mfa_approval_create(ctx, &alice_caps, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_bob, id, number, true), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(env_audit_count(&env, ": another user's\""), 1);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, true), MFA_OK);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &bob, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host2"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(env_audit_count(&env, ": another requester's\""), 1);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, "ZZZZZZZZ", "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, "zzzzzzzz", "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, NULL, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, ""), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &alice_caps, id, "host1"), MFA_OK);
	mfa_ctx_free(&ctx);
}

struct consumer {
	mfa_ctx *ctx;
	const char *id;
	int result;
};

static void consumer_run(void *arg)
{
	struct consumer *c = arg;

	c->result = mfa_approval_consume(c->ctx, &ssh_alice, c->id, "host1");
}

/* Two logins (two processes) racing with one approval: one gets in. */
static void approval_race(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *other = env_open(&env);
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0;

	for (int round = 0; round < 10; round++) {
		struct consumer c[2] = { { .ctx = ctx, .id = id }, { .ctx = other, .id = id } };

		CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
		CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, true), MFA_OK);
		env_race_two(consumer_run, &c[0], &c[1]);
		CHECK_EQ_INT((c[0].result == MFA_OK) + (c[1].result == MFA_OK), 1);
		CHECK(c[0].result == MFA_ERR_CHALLENGE || c[1].result == MFA_ERR_CHALLENGE);
	}
	CHECK_EQ_INT(env_audit_count(&env, "\"outcome\":\"consumed\""), 10);
	mfa_ctx_free(&other);
	mfa_ctx_free(&ctx);
}

/* Ids: 8 characters without look-alikes, all different; numbers 10..99
 * among four distinct choices, in no fixed place. */
static void approval_ids_numbers(void)
{
	enum { N = 200 };
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	static char ids[N][MFA_APPROVAL_ID_LEN + 1];
	unsigned places[4] = { 0 }, number = 0;
	struct mfa_approval_info info;

	for (int i = 0; i < N; i++) {
		int at = -1;

		CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, ids[i], &number), MFA_OK);
		CHECK_EQ_INT(strlen(ids[i]), MFA_APPROVAL_ID_LEN);
		CHECK_EQ_INT(strspn(ids[i], "23456789ABCDEFGHJKMNPQRSTUVWXYZ"), MFA_APPROVAL_ID_LEN);
		CHECK(number >= 10 && number <= 99);
		CHECK_EQ_INT(mfa_approval_get(ctx, ids[i], &info), MFA_OK);
		for (int a = 0; a < 4; a++) {
			CHECK(info.choices[a] >= 10 && info.choices[a] <= 99);
			if (info.choices[a] == number)
				at = a;
			for (int b = a + 1; b < 4; b++)
				CHECK(info.choices[a] != info.choices[b]);
		}
		CHECK(at >= 0);
		places[at < 0 ? 0 : at]++;
		for (int j = 0; j < i; j++)
			CHECK(strcmp(ids[i], ids[j]) != 0);
	}
	for (int a = 0; a < 4; a++)
		CHECK(places[a] > 10);  /* about 50 each */
	/* Ids that cannot be: refused alike. */
	CHECK_EQ_INT(mfa_approval_get(ctx, "O0I1L000", &info), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(ctx, "2345678", &info), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(ctx, "'; --", &info), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(mfa_approval_get(ctx, NULL, &info), MFA_ERR_CHALLENGE);
	/* Bad requests: nothing stored. */
	{
		struct mfa_request req = ssh_alice;
		char id[MFA_APPROVAL_ID_LEN + 1];
		long before = approvals_stored(&env);

		CHECK_EQ_INT(mfa_approval_create(ctx, &req, "", 0, id, &number), MFA_ERR_INVALID);
		CHECK_EQ_INT(mfa_approval_create(ctx, &req, "host\n1", 0, id, &number), MFA_ERR_INVALID);
		req.source = NULL;
		CHECK_EQ_INT(mfa_approval_create(ctx, &req, "host1", 0, id, &number), MFA_ERR_INVALID);
		req = ssh_alice;
		req.user = "al ice";
		CHECK_EQ_INT(mfa_approval_create(ctx, &req, "host1", 0, id, &number), MFA_ERR_INVALID);
		CHECK_EQ_INT(number, 0);
		CHECK_EQ_INT(approvals_stored(&env), before);
	}
	mfa_ctx_free(&ctx);
}

/* mfactl delete USER takes the user's approvals; export lists them. */
static void approval_gone_with_user(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL);
	struct mfa_request bob = ssh_alice;
	char id[MFA_APPROVAL_ID_LEN + 1], id_bob[MFA_APPROVAL_ID_LEN + 1], *json = NULL;
	unsigned number = 0, number_bob = 0;

	bob.user = "bob";
	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6,
	                        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", NULL), MFA_OK);
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(mfa_approval_create(ctx, &bob, "host1", 0, id_bob, &number_bob), MFA_OK);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id, number, true), MFA_OK);
	CHECK_EQ_INT(mfa_user_export(ctx, "alice", &json), MFA_OK);
	CHECK(json && strstr(json, "\"approvals\": [") && strstr(json, id) &&
	      strstr(json, "\"state\": \"approved\"") && strstr(json, "\"requester\": \"host1\""));
	free(json);
	CHECK_EQ_INT(mfa_user_delete(ctx, "alice", "test"), MFA_OK);
	CHECK_EQ_INT(mfa_approval_consume(ctx, &ssh_alice, id, "host1"), MFA_ERR_CHALLENGE);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	CHECK_EQ_INT(mfa_approval_decide(ctx, &web_alice, id_bob, number_bob, true),
	             MFA_ERR_CHALLENGE);
	mfa_ctx_free(&ctx);
}

/* A store made before approvals (SQLite schema 5, PostgreSQL 2) gets
 * their table: SQLite at the next open, PostgreSQL at mfactl init. */
static void approval_store_upgrade(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, NULL), *c2 = NULL;
	char id[MFA_APPROVAL_ID_LEN + 1];
	unsigned number = 0, created = 0;

	CHECK_EQ_INT(env_enroll(ctx, "alice", MFA_FACTOR_TOTP, NULL, 6,
	                        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", NULL), MFA_OK);
	mfa_ctx_free(&ctx);
	CHECK(env_sql(&env, "DROP TABLE approvals; DROP TABLE signin_codes; PRAGMA user_version = 5",
	              "DROP TABLE mfa_approvals; DROP TABLE mfa_signin_codes; "
	              "UPDATE mfa_schema SET version = 2"));
	CHECK_EQ_INT(approvals_stored(&env), -1);
	if (test_pg_uri()) {
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_config_load(c2, env.config), MFA_OK);
		CHECK_EQ_INT(mfa_open(c2), MFA_ERR_STORE);
		mfa_ctx_free(&c2);
		CHECK_EQ_INT(mfa_ctx_new(&c2), MFA_OK);
		CHECK_EQ_INT(mfa_setup(c2, env.config, &created), MFA_OK);
		mfa_ctx_free(&c2);
	}
	ctx = env_open(&env);
	CHECK_EQ_INT(mfa_approval_create(ctx, &ssh_alice, "host1", 0, id, &number), MFA_OK);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	CHECK_EQ_INT(env_sql_number(&env, "PRAGMA user_version", "SELECT max(version) FROM mfa_schema"),
	             test_pg_uri() ? 4 : 7);
	mfa_ctx_free(&ctx);
}

static void approval_config(void)
{
	struct mfa_config cfg;
	char err[512];

	config_defaults(&cfg);
	CHECK_EQ_INT(cfg.approve_timeout, 120);
	CHECK_EQ_INT(config_set(&cfg, "approve_timeout", "30", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(cfg.approve_timeout, 30);
	CHECK_EQ_INT(config_set(&cfg, "approve_timeout", "600", err, sizeof(err)), MFA_OK);
	CHECK_EQ_INT(config_set(&cfg, "approve_timeout", "29", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(config_set(&cfg, "approve_timeout", "601", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(config_set(&cfg, "approve_timeout", "2m", err, sizeof(err)), MFA_ERR_CONFIG);
	CHECK_EQ_INT(cfg.approve_timeout, 600);
	/* Appended: the numbers older peers know stay theirs. */
	CHECK_EQ_INT(MFA_ERR_PENDING, MFA_ERR_INVITE + 1);
	CHECK_EQ_INT(MFA_ERR__COUNT, MFA_ERR_PENDING + 1);
	CHECK_STR(mfa_strerror(MFA_ERR_PENDING), "not approved yet");
	CHECK(MFA_ERR_IS_VERDICT(MFA_ERR_PENDING));
}

/* The words PAM and RADIUS show, from one place. */
static void approval_prompt(void)
{
	struct test_env env, bare;
	mfa_ctx *ctx = env_new(&env, "web_url = https://mfa.example.com/portal\n");
	char text[254];

	CHECK_EQ_INT(mfa_approval_prompt(ctx, "K7Q2M9AB", 47, "press Enter.", text, sizeof(text)),
	             MFA_OK);
	CHECK_STR(text, "Approve this sign-in with your security key: open "
	                "https://mfa.example.com/portal/a/K7Q2M9AB — number 47 — then press Enter.");
	/* Too small: nothing half-written. */
	CHECK_EQ_INT(mfa_approval_prompt(ctx, "K7Q2M9AB", 47, "press Enter.", text, 40),
	             MFA_ERR_INVALID);
	CHECK_STR(text, "");
	CHECK_EQ_INT(mfa_approval_prompt(ctx, "K7Q2M9A", 47, "x", text, sizeof(text)),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_approval_prompt(ctx, "k7q2m9ab", 47, "x", text, sizeof(text)),
	             MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_approval_prompt(ctx, NULL, 47, "x", text, sizeof(text)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_approval_prompt(ctx, "K7Q2M9AB", 47, NULL, text, sizeof(text)),
	             MFA_ERR_INVALID);
	mfa_ctx_free(&ctx);
	ctx = env_new(&bare, NULL);
	CHECK_EQ_INT(mfa_approval_prompt(ctx, "K7Q2M9AB", 47, "x", text, sizeof(text)),
	             MFA_ERR_CONFIG);
	CHECK(strstr(mfa_ctx_error(ctx), "web_url") != NULL);
	CHECK_STR(text, "");
	mfa_ctx_free(&ctx);
}

/* What a prompt offering an approval takes for a code. */
static void approval_code_shaped(void)
{
	CHECK(mfa_code_shaped("123456"));
	CHECK(mfa_code_shaped("1234567"));
	CHECK(mfa_code_shaped("12345678"));
	CHECK(mfa_code_shaped("ABCD-EFGH-JKMN"));
	CHECK(mfa_code_shaped("abcd-efgh-jkmn"));
	CHECK(!mfa_code_shaped(NULL));
	CHECK(!mfa_code_shaped(""));
	CHECK(!mfa_code_shaped("12345"));
	CHECK(!mfa_code_shaped("123456789"));
	CHECK(!mfa_code_shaped("12345a"));
	CHECK(!mfa_code_shaped(" 123456"));
	CHECK(!mfa_code_shaped("ok"));
	CHECK(!mfa_code_shaped("hunter2123456"));
	CHECK(!mfa_code_shaped("xABCD-EFGH-JKMN"));
	CHECK(!mfa_code_shaped("ABCD-EFGH-JKM"));
}

/* What pam_mfa.so (through mfad) and pam_mfa_local.so both bind to and
 * show: written once, in the core. */
static void approval_pam_texts(void)
{
	char buf[300], small[8], service[MFA_APPROVAL_REQUESTER_MAX + 1],
		requester[MFA_APPROVAL_REQUESTER_MAX + 1];

	CHECK_EQ_INT(mfa_approval_pam_requester("host1", "sshd", buf, sizeof(buf)), MFA_OK);
	CHECK_STR(buf, "pam:host1:sshd");
	CHECK_EQ_INT(mfa_approval_pam_requester("host1", "sudo uid 1000", buf, sizeof(buf)), MFA_OK);
	CHECK_STR(buf, "pam:host1:sudo uid 1000");
	CHECK_EQ_INT(mfa_approval_pam_requester(NULL, "sshd", buf, sizeof(buf)), MFA_OK);
	CHECK(!strncmp(buf, "pam:", 4) && strlen(buf) > strlen("pam::sshd"));
	CHECK_EQ_INT(mfa_approval_pam_requester("host1", "", buf, sizeof(buf)), MFA_ERR_INVALID);
	CHECK_EQ_INT(mfa_approval_pam_requester("host1", "sshd", small, sizeof(small)),
	             MFA_ERR_INVALID);
	CHECK_STR(small, "");
	memset(service, 'x', sizeof(service) - 1);
	service[sizeof(service) - 1] = '\0';
	CHECK_EQ_INT(mfa_approval_pam_requester("h", service, requester, sizeof(requester)),
	             MFA_ERR_INVALID);

	CHECK_STR(mfa_approval_poll_text(MFA_OK), "Sign-in approved.");
	CHECK(!strncmp(mfa_approval_poll_text(MFA_ERR_PENDING), "Not approved yet", 16));
	CHECK(!strncmp(mfa_approval_poll_text(MFA_ERR_CHALLENGE), "This sign-in was not", 20));
	CHECK(mfa_approval_poll_text(MFA_ERR_SYSTEM) == NULL);
}

/* A security key registered for user (softauthn). */
static void register_key(mfa_ctx *ctx, const char *user)
{
	struct sa_opts o = { .origin = "http://localhost:8080" };
	struct mfa_webauthn_result res;
	struct sa_cred *cred = NULL;
	char *options = NULL, *response = NULL;

	CHECK_EQ_INT(mfa_webauthn_register_begin(ctx, user, &options), MFA_OK);
	CHECK_EQ_INT(sa_create(options, SA_ES256, SA_FMT_NONE, &o, &cred, &response), 0);
	CHECK_EQ_INT(mfa_webauthn_register_finish(ctx, &(struct mfa_request){ .user = user,
	                                                                      .source = "test" },
	                                          response, "key", &res), MFA_OK);
	free(options);
	free(response);
	sa_cred_free(&cred);
}

/* mfa_approval_offer: to a user with a security key when web_url is set,
 * with the prompt's text; nothing without either; refused while locked. */
static void approval_offer(void)
{
	struct test_env env;
	mfa_ctx *ctx = env_new(&env, "webauthn_rp_id = localhost\n"
	                             "webauthn_origins = http://localhost:8080\n"
	                             "web_url = https://mfa.example.com\n"), *noweb;
	struct mfa_approval_info info;
	char id[MFA_APPROVAL_ID_LEN + 1], text[1025], want[1025];

	register_key(ctx, "alice");
	CHECK_EQ_INT(mfa_approval_offer(ctx, &ssh_alice, "pam:host1:sshd", MFA_APPROVAL_PAM_THEN, id,
	                                text, sizeof(text)), MFA_OK);
	CHECK_EQ_INT(mfa_approval_get(ctx, id, &info), MFA_OK);
	CHECK_STR(info.requester, "pam:host1:sshd");
	CHECK_STR(info.service, "pam:sshd");
	CHECK_EQ_INT(info.state, MFA_APPROVAL_PENDING);
	/* The text names the id and one of the four numbers. */
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(mfa_approval_prompt(ctx, id, info.choices[i], MFA_APPROVAL_PAM_THEN, want,
		                                 sizeof(want)), MFA_OK);
		if (!strcmp(text, want))
			break;
		CHECK(i < 3);
	}
	CHECK(strstr(text, "https://mfa.example.com/a/") && strstr(text, "then press Enter."));
	/* Too small for the text: no approval made. */
	CHECK_EQ_INT(mfa_approval_offer(ctx, &ssh_alice, "pam:host1:sshd", MFA_APPROVAL_PAM_THEN, id,
	                                text, 20), MFA_ERR_INVALID);
	CHECK_STR(id, "");
	/* bob has no key. */
	CHECK_EQ_INT(mfa_approval_offer(ctx, &(struct mfa_request){ .user = "bob",
	                                                             .source = "pam:sshd" },
	                                "pam:host1:sshd", MFA_APPROVAL_PAM_THEN, id, text,
	                                sizeof(text)), MFA_ERR_NOT_FOUND);
	CHECK_STR(text, "");
	CHECK_EQ_INT(approvals_stored(&env), 1);
	/* Locked out: no approval, no row. */
	CHECK(env_sql(&env, "INSERT INTO users(name, locked_until) VALUES('alice', 4000000000) "
	                    "ON CONFLICT(name) DO UPDATE SET locked_until = 4000000000",
	              "INSERT INTO mfa_users(name, locked_until) VALUES('alice', 4000000000) "
	              "ON CONFLICT(name) DO UPDATE SET locked_until = 4000000000"));
	CHECK_EQ_INT(mfa_approval_offer(ctx, &ssh_alice, "pam:host1:sshd", MFA_APPROVAL_PAM_THEN, id,
	                                text, sizeof(text)), MFA_ERR_LOCKED);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	/* No web_url: nothing offered. */
	noweb = env_open(&env);
	noweb->cfg.web_url[0] = '\0';
	CHECK_EQ_INT(mfa_approval_offer(noweb, &ssh_alice, "pam:host1:sshd", MFA_APPROVAL_PAM_THEN,
	                                id, text, sizeof(text)), MFA_ERR_NOT_FOUND);
	CHECK_EQ_INT(approvals_stored(&env), 1);
	mfa_ctx_free(&noweb);
	mfa_ctx_free(&ctx);
}

const struct test_case approval_tests[] = {
	{ "approval_once", approval_once },
	{ "approval_hold_without_number", approval_hold_without_number },
	{ "approval_wrong_number", approval_wrong_number },
	{ "approval_expired", approval_expired },
	{ "approval_bindings", approval_bindings },
	{ "approval_race", approval_race },
	{ "approval_ids_numbers", approval_ids_numbers },
	{ "approval_gone_with_user", approval_gone_with_user },
	{ "approval_store_upgrade", approval_store_upgrade },
	{ "approval_config", approval_config },
	{ "approval_prompt", approval_prompt },
	{ "approval_code_shaped", approval_code_shaped },
	{ "approval_pam_texts", approval_pam_texts },
	{ "approval_offer", approval_offer },
	{ NULL, NULL },
};
