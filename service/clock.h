/*
 * clock.h - the one monotonic clock
 *
 * Durations, deadlines and rate limits all read CLOCK_MONOTONIC through
 * these, so a wall-clock step never stretches a timeout. None can fail.
 */
#ifndef WW_CLOCK_H
#define WW_CLOCK_H

#include <time.h>

/* Monotonic time in nanoseconds, milliseconds, seconds (arbitrary origin). */
long long clock_ns(void);
double clock_ms(void);
double clock_s(void);

/* The monotonic instant ms milliseconds from now (ms >= 0), for timed waits. */
struct timespec clock_after_ms(double ms);

#endif
