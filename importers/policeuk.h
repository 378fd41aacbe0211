/*
 * policeuk.h - the police-uk source: recorded crime per force, month and
 * category from data.police.uk
 *
 * What it fetches, in order: GET /crime-last-updated (the publication, read
 * as its first 7 characters, YYYY-MM), GET /forces, GET
 * /crime-categories?date=M for each month wanted, then the street-level CSV
 * archive of each month (<archive url>/M.zip), streamed through zipstream and
 * crimecsv straight into counts, never stored whole in memory or on disk. An
 * archive may hold one month or many (data.police.uk's archives hold every
 * month of the window): every wanted (force, month) file found in the first
 * archive counts, and later archives are fetched only for months still
 * missing.
 *
 * The unit of work is one (force, month): one CSV file in the archive, its
 * counts written with the unit's record in one transaction. A run skips the
 * units already stored from the same publication, so a run resumed after a
 * crash or kill neither starts from zero nor counts twice (and the counts are
 * upserts keyed by force, month and category anyway). A failed unit (bad CSV,
 * a file missing from its month's archive) stores nothing and is an error on
 * the run; the others are kept. The run is recorded in import_runs: added /
 * updated / unchanged / removed count crime_counts rows, rejected counts
 * failed units.
 *
 * Polite: every request waits for a token from a bucket (ratelimit.h, 15 a
 * second, never more than 30 in any second by default); 429, 5xx, timeouts
 * and dropped connections are retried with exponential backoff and jitter,
 * honouring Retry-After. Only this file includes curl/curl.h.
 */
#ifndef WW_POLICEUK_H
#define WW_POLICEUK_H

#include "db_import.h"
#include "evidence.h"

#include <stdio.h>

#define POLICEUK_DEFAULT_URL "https://data.police.uk/api"
#define POLICEUK_MONTHS_MAX 36

struct policeuk_settings {
	char url[512];          /* the API's base URL */
	char archive_url[512];  /* where YYYY-MM.zip lives */
	double rate, burst;     /* requests a second on average, most in one second */
	double connect_timeout; /* seconds */
	double timeout;         /* seconds, one API request */
	double archive_timeout; /* seconds, one archive download */
	double stall;           /* seconds without a byte before a transfer is abandoned */
	int retries;            /* retries after the first attempt */
	double backoff;         /* seconds before the first retry, doubled each time */
	double backoff_max;     /* cap on one wait, Retry-After included */
	int fail_after_units;   /* test build only: kill the process after K units (0: off) */
};

/* Fills s from the defaults and the WHATWORKS_POLICE_UK_* variables.
 * WW_EINVALID names the variable and the value at fault. */
int policeuk_settings_load(struct policeuk_settings *s, struct err *e);

/* Prints the variables, their defaults and meanings (for --help). */
void policeuk_settings_usage(FILE *f);

struct policeuk_opts {
	const char *name;    /* source name; NULL: "police-uk" */
	int months;          /* 1..POLICEUK_MONTHS_MAX; 0: 12 */
	const char *force;   /* NULL: every force */
	const char *trigger; /* manual, schedule, ... */
};

struct policeuk_result {
	long long run_id;
	char status[16];   /* succeeded, failed */
	char mode[16];     /* full, resumed, unchanged */
	char published[8]; /* YYYY-MM */
	int months, forces;
	int units_stored, units_skipped, units_failed;
	int units_gap; /* (force, month) the publication holds nothing for */
	int units_low; /* stored with implausibly few rows for the force (warned) */
	long rows;     /* CSV rows counted */
	long requests; /* HTTP requests sent, retries included */
	long archives; /* archives downloaded (attempts that returned data) */
	struct db_counts n;
	struct ev_errors errs; /* one per failed unit, month or request */
	double duration_ms;
};

/*
 * Runs one import of the police-uk source with settings s. Returns 0 when
 * the run succeeded, WW_EUPSTREAM (or another code) when it failed: e says
 * why, res->errs lists every failed unit. The run is recorded in every case
 * once it could be started. Free res with policeuk_result_free.
 */
int policeuk_import(PGconn *c, const struct policeuk_settings *s, const struct policeuk_opts *o,
                    struct policeuk_result *res, struct err *e);

void policeuk_result_free(struct policeuk_result *res);

#endif
