/* bench.h - what the benchmark programs share: a clock they move by hand
 * (so codes and challenges are valid whenever the run happens) and a timer. */
#ifndef MFA_BENCH_H
#define MFA_BENCH_H

#include <time.h>

static time_t bench_now = 1800000000;

static inline time_t bench_clock(void *arg)
{
	(void)arg;
	return bench_now;
}

static inline double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

#endif
