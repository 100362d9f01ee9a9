/*
 * session.c - signed-in browsers, in the portal's memory only: a restart
 * signs everyone out, which is the safe way round. An id is 256 random bits
 * (OpenSSL), sent as hex in a cookie; the table holds it and compares it in
 * constant time. Idle and absolute timeouts; a new id at each change of
 * stage (sign-in), so that an id planted before sign-in is worth nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "web.h"

#define BUCKETS 4096

struct slot {
	struct slot *next;
	struct web_session s;
};

struct web_sessions {
	pthread_mutex_t mutex;
	struct slot *bucket[BUCKETS];
	size_t count;
	unsigned idle, max;
	time_t (*now)(void);              /* time(), or a test's clock */
};

static time_t wall_clock(void)
{
	return time(NULL);
}

struct web_sessions *sessions_new(unsigned idle, unsigned max)
{
	struct web_sessions *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->mutex, NULL);
	s->idle = idle;
	s->max = max;
	s->now = wall_clock;
	return s;
}

void sessions_set_clock(struct web_sessions *s, time_t (*now)(void))
{
	s->now = now ? now : wall_clock;
}

static void slot_free(struct slot *x)
{
	mfa_enrollment_free(&x->s.enrollment);
	OPENSSL_cleanse(x, sizeof(*x));
	free(x);
}

void sessions_free(struct web_sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct slot *x = s->bucket[i], *next; x; x = next) {
			next = x->next;
			slot_free(x);
		}
	pthread_mutex_destroy(&s->mutex);
	free(s);
}

/* The id is random: its first bytes spread the buckets evenly. */
static size_t bucket_of(const unsigned char *id)
{
	return ((size_t)id[0] << 8 | id[1]) % BUCKETS;
}

static bool expired(const struct web_sessions *s, const struct web_session *x, time_t now)
{
	return now - x->seen >= (time_t)s->idle || now - x->created >= (time_t)s->max ||
	       now < x->created;
}

/* Unlinks and frees every expired session of one bucket (mutex held). */
static void sweep(struct web_sessions *s, size_t b, time_t now)
{
	for (struct slot **pp = &s->bucket[b]; *pp;) {
		struct slot *x = *pp;

		if (expired(s, &x->s, now)) {
			*pp = x->next;
			slot_free(x);
			s->count--;
		} else {
			pp = &x->next;
		}
	}
}

static struct slot *find(struct web_sessions *s, const unsigned char *id)
{
	for (struct slot *x = s->bucket[bucket_of(id)]; x; x = x->next)
		if (CRYPTO_memcmp(x->s.id, id, WEB_SESSION_ID_BYTES) == 0)
			return x;
	return NULL;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool unhex(const char *in, unsigned char *out, size_t n)
{
	if (strlen(in) != 2 * n)
		return false;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = in[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return false;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return true;
}

/* A fresh id and CSRF token for x (mutex held: the id is unique). */
static int new_id(struct web_sessions *s, struct web_session *x)
{
	unsigned char csrf[WEB_SESSION_ID_BYTES];

	do {
		if (RAND_bytes(x->id, sizeof(x->id)) != 1 || RAND_bytes(csrf, sizeof(csrf)) != 1)
			return MFA_ERR_SYSTEM;
	} while (find(s, x->id));
	hex(csrf, sizeof(csrf), x->csrf);
	OPENSSL_cleanse(csrf, sizeof(csrf));
	return MFA_OK;
}

int session_create(struct web_sessions *s, const char *user, enum web_stage stage,
                   struct web_session *out)
{
	struct slot *x = calloc(1, sizeof(*x));
	time_t now = s->now();
	size_t b;
	int r;

	memset(out, 0, sizeof(*out));
	if (!x)
		return MFA_ERR_NOMEM;
	pthread_mutex_lock(&s->mutex);
	if (s->count >= WEB_SESSIONS_MAX)
		for (size_t i = 0; i < BUCKETS; i++)
			sweep(s, i, now);
	if (s->count >= WEB_SESSIONS_MAX) {
		r = MFA_ERR_NOMEM;
		goto out;
	}
	if ((r = new_id(s, &x->s)) != MFA_OK)
		goto out;
	if (strlen(user) >= sizeof(x->s.user)) {
		r = MFA_ERR_INVALID;
		goto out;
	}
	strcpy(x->s.user, user);
	x->s.stage = stage;
	x->s.created = x->s.seen = now;
	b = bucket_of(x->s.id);
	sweep(s, b, now);
	x->next = s->bucket[b];
	s->bucket[b] = x;
	s->count++;
	*out = x->s;
	out->enrollment = NULL;
	x = NULL;
out:
	pthread_mutex_unlock(&s->mutex);
	if (x)
		slot_free(x);
	return r;
}

bool session_get(struct web_sessions *s, const char *cookie, struct web_session *out)
{
	unsigned char id[WEB_SESSION_ID_BYTES];
	struct slot *x;
	time_t now = s->now();
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (!cookie || !unhex(cookie, id, sizeof(id)))
		return false;
	pthread_mutex_lock(&s->mutex);
	sweep(s, bucket_of(id), now);
	if ((x = find(s, id))) {
		x->s.seen = now;
		*out = x->s;
		out->enrollment = NULL;   /* the table keeps it: session_enrollment_swap */
		found = true;
	}
	pthread_mutex_unlock(&s->mutex);
	OPENSSL_cleanse(id, sizeof(id));
	return found;
}

void session_put(struct web_sessions *s, const struct web_session *in)
{
	struct slot *x;

	pthread_mutex_lock(&s->mutex);
	if ((x = find(s, in->id))) {
		x->s.stage = in->stage;
		x->s.staff = in->staff;
	}
	pthread_mutex_unlock(&s->mutex);
}

mfa_enrollment *session_enrollment_swap(struct web_sessions *s, const struct web_session *in,
                                        mfa_enrollment *e)
{
	mfa_enrollment *old = e;
	struct slot *x;

	pthread_mutex_lock(&s->mutex);
	if ((x = find(s, in->id))) {
		old = x->s.enrollment;
		x->s.enrollment = e;
	}
	pthread_mutex_unlock(&s->mutex);
	return old;
}

int session_rotate(struct web_sessions *s, struct web_session *in)
{
	struct slot **pp, *x = NULL;
	int r = MFA_ERR_NOT_FOUND;

	pthread_mutex_lock(&s->mutex);
	for (pp = &s->bucket[bucket_of(in->id)]; *pp; pp = &(*pp)->next)
		if (CRYPTO_memcmp((*pp)->s.id, in->id, WEB_SESSION_ID_BYTES) == 0) {
			x = *pp;
			*pp = x->next;
			break;
		}
	if (x) {
		size_t b;

		if ((r = new_id(s, &x->s)) != MFA_OK) {
			slot_free(x);
			s->count--;
			goto out;
		}
		x->s.stage = in->stage;
		x->s.staff = in->staff;
		b = bucket_of(x->s.id);
		x->next = s->bucket[b];
		s->bucket[b] = x;
		memcpy(in->id, x->s.id, sizeof(in->id));
		memcpy(in->csrf, x->s.csrf, sizeof(in->csrf));
	}
out:
	pthread_mutex_unlock(&s->mutex);
	return r;
}

void session_end(struct web_sessions *s, const struct web_session *in)
{
	pthread_mutex_lock(&s->mutex);
	for (struct slot **pp = &s->bucket[bucket_of(in->id)]; *pp; pp = &(*pp)->next)
		if (CRYPTO_memcmp((*pp)->s.id, in->id, WEB_SESSION_ID_BYTES) == 0) {
			struct slot *x = *pp;

			*pp = x->next;
			slot_free(x);
			s->count--;
			break;
		}
	pthread_mutex_unlock(&s->mutex);
}

void sessions_end_user(struct web_sessions *s, const char *user)
{
	pthread_mutex_lock(&s->mutex);
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct slot **pp = &s->bucket[i]; *pp;) {
			struct slot *x = *pp;

			if (strcmp(x->s.user, user) == 0) {
				*pp = x->next;
				slot_free(x);
				s->count--;
			} else {
				pp = &x->next;
			}
		}
	pthread_mutex_unlock(&s->mutex);
}

void session_id_text(const struct web_session *in, char out[WEB_TOKEN_TEXT])
{
	hex(in->id, sizeof(in->id), out);
}

bool session_csrf_ok(const struct web_session *in, const char *token)
{
	size_t n = strlen(in->csrf);

	return token && strlen(token) == n && CRYPTO_memcmp(in->csrf, token, n) == 0;
}
