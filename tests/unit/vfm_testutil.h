/*
 * vfm_testutil.h - JSON helpers shared by the value-for-money unit tests
 *
 * Each asserts (Criterion) instead of returning an error, so a test reads as
 * the figures it checks.
 */
#ifndef WW_VFM_TESTUTIL_H
#define WW_VFM_TESTUTIL_H

#include <jansson.h>

/* Parses test JSON; fails the test with the position of a syntax error. */
json_t *load(const char *text);
/* The score of crime type ct in an array of scores; fails the test if none. */
const json_t *by_type(const json_t *scores, const char *ct);
/* A number or a string member; fails the test when it is not one. */
double num(const json_t *o, const char *key);
const char *str(const json_t *o, const char *key);

#endif
