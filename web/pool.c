/*
 * pool.c - core contexts for the request threads: each request borrows one
 * (a context is never shared by two threads), gives it back after. A reload
 * builds a new pool from the config and swaps it in; requests still holding
 * a context of the old one give it back there, and the old pool goes when
 * its last context comes home.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "web.h"

#define POOL_IDLE_MAX 64
/* Contexts out at once are as many as the pool keeps: more requests wait
 * for one, up to this long, so that a crowd of them opens no more stores
 * (memory, descriptors) than that. */
#define POOL_WAIT_MS 10000

static void log_core(void *arg, mfa_log_level level, const char *message)
{
	(void)arg;
	if (level <= MFA_LOG_WARNING)
		web_log(level == MFA_LOG_ERROR ? LOG_ERR : LOG_WARNING, "%s", message);
}

/* A context with model's settings, opened (key and store): NULL and why
 * if not. */
static mfa_ctx *ctx_open(const mfa_ctx *model, char *why, size_t why_size)
{
	mfa_ctx *ctx = NULL;
	int r;

	if ((r = mfa_ctx_new(&ctx)) != MFA_OK) {
		snprintf(why, why_size, "%s", mfa_strerror(r));
		return NULL;
	}
	mfa_ctx_set_log_handler(ctx, log_core, NULL);
	if ((r = mfa_config_copy(ctx, model)) != MFA_OK || (r = mfa_open(ctx)) != MFA_OK) {
		snprintf(why, why_size, "%s", mfa_ctx_error(ctx)[0] ? mfa_ctx_error(ctx)
		                                                     : mfa_strerror(r));
		mfa_ctx_free(&ctx);
		return NULL;
	}
	return ctx;
}

struct web_pool *pool_new(const char *config, char *why, size_t why_size)
{
	struct web_pool *p = calloc(1, sizeof(*p));
	mfa_ctx *first = NULL;
	int r;

	if (!p || mfa_ctx_new(&p->model) != MFA_OK) {
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	/* The file read once, here: the contexts opened later, on demand,
	 * take these settings, whatever the file says by then. */
	if ((r = mfa_config_load(p->model, config)) != MFA_OK) {
		snprintf(why, why_size, "%s", mfa_ctx_error(p->model)[0] ? mfa_ctx_error(p->model)
		                                                          : mfa_strerror(r));
		goto fail;
	}
	/* One context opened now: a key or store that does not work is
	 * refused here, before any request sees it. */
	if (!(first = ctx_open(p->model, why, why_size)))
		goto fail;
	if (!(p->idle = calloc(POOL_IDLE_MAX, sizeof(*p->idle)))) {
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	p->cap = POOL_IDLE_MAX;
	p->idle[p->nidle++] = first;
	p->refs = 1;
	pthread_mutex_init(&p->mutex, NULL);
	pthread_cond_init(&p->returned, NULL);
	return p;
fail:
	mfa_ctx_free(&first);
	if (p)
		mfa_ctx_free(&p->model);
	free(p);
	return NULL;
}

static void pool_free(struct web_pool *p)
{
	for (size_t i = 0; i < p->nidle; i++)
		mfa_ctx_free(&p->idle[i]);
	free(p->idle);
	mfa_ctx_free(&p->model);
	pthread_cond_destroy(&p->returned);
	pthread_mutex_destroy(&p->mutex);
	free(p);
}

mfa_ctx *pool_get(struct web *w, struct web_pool **from)
{
	struct web_pool *p;
	struct timespec until;
	mfa_ctx *ctx = NULL;
	char why[512];
	bool turn;
	int e = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POOL_WAIT_MS / 1000;
	pthread_mutex_lock(&w->pool_mutex);
	p = w->pool;
	pthread_mutex_lock(&p->mutex);
	p->refs++;
	pthread_mutex_unlock(&w->pool_mutex);
	while (p->lent >= p->cap && e != ETIMEDOUT)
		e = pthread_cond_timedwait(&p->returned, &p->mutex, &until);
	if ((turn = p->lent < p->cap)) {
		p->lent++;
		if (p->nidle)
			ctx = p->idle[--p->nidle];
	}
	pthread_mutex_unlock(&p->mutex);
	if (!turn)
		snprintf(why, sizeof(why), "all %zu contexts busy for %d s", p->cap, POOL_WAIT_MS / 1000);
	if (!turn || (!ctx && !(ctx = ctx_open(p->model, why, sizeof(why))))) {
		web_log(LOG_ERR, "cannot open the store: %s", why);
		if (turn)
			pool_put(p, NULL, false);
		else
			pool_release(p);
		return NULL;
	}
	*from = p;
	return ctx;
}

void pool_put(struct web_pool *p, mfa_ctx *ctx, bool healthy)
{
	pthread_mutex_lock(&p->mutex);
	p->lent--;
	pthread_cond_signal(&p->returned);
	if (ctx && healthy && p->nidle < p->cap) {
		p->idle[p->nidle++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&p->mutex);
	/* A context that met a store error is not trusted again. */
	mfa_ctx_free(&ctx);
	pool_release(p);
}

void pool_release(struct web_pool *p)
{
	bool last;

	pthread_mutex_lock(&p->mutex);
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->mutex);
	if (last)
		pool_free(p);
}
