/*
 * ratelimit.h - a token bucket with the clock passed in
 *
 * Pure: no clock reads, no sleeping, so tests drive it with a fake clock.
 * The caller asks ratelimit_take(rl, now) before each request; it reserves a
 * token and returns how many seconds to wait before sending (0: send now).
 *
 * data.police.uk allows an average of 15 requests a second and up to 30 in a
 * single second. A bucket of capacity C refilled at r tokens a second lets
 * C + r * w requests through in any window of w seconds, so to keep every
 * one-second window at or under the burst the bucket holds burst - rate
 * tokens (15 for 15/30): 15 at once, then one every 1/15 s.
 */
#ifndef WW_RATELIMIT_H
#define WW_RATELIMIT_H

struct ratelimit {
	double rate;     /* tokens a second, > 0 */
	double capacity; /* most tokens held, >= 1 */
	double tokens;   /* may go negative: reserved ahead */
	double last;     /* the clock at the last refill, seconds */
};

/* A full bucket for at most rate requests a second on average and burst in
 * any one second (burst <= rate: capacity 1). Can't fail; rate must be > 0. */
void ratelimit_init(struct ratelimit *rl, double rate, double burst, double now);

/* Reserves one token at time now (seconds, any monotonic origin) and returns
 * the seconds to wait before using it. Can't fail. */
double ratelimit_take(struct ratelimit *rl, double now);

#endif
