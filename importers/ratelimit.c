/*
 * ratelimit.c - a token bucket with the clock passed in
 */
#include "ratelimit.h"

#include <assert.h>

void ratelimit_init(struct ratelimit *rl, double rate, double burst, double now)
{
	assert(rate > 0);
	rl->rate = rate;
	rl->capacity = burst - rate >= 1 ? burst - rate : 1;
	rl->tokens = rl->capacity;
	rl->last = now;
}

double ratelimit_take(struct ratelimit *rl, double now)
{
	/* a clock that went backwards refills nothing */
	if (now > rl->last) {
		rl->tokens += (now - rl->last) * rl->rate;
		if (rl->tokens > rl->capacity)
			rl->tokens = rl->capacity;
		rl->last = now;
	}
	rl->tokens -= 1;
	/* a negative balance is a reservation: wait until it is paid back */
	return rl->tokens >= 0 ? 0 : -rl->tokens / rl->rate;
}
