/*
 * test_policeuk.c - the police-uk source against a stub data.police.uk
 *
 * The stub serves the fixtures of tests/fixtures/police-uk (made by
 * make-fixtures.py, whose count formula expect() repeats): three forces,
 * three months (2024-10 to 2024-12), one archive per month. Failures are
 * scripted per path. Then the two read functions: the area's crime, and a
 * local projection checked against numbers worked out by hand.
 */
#include "api.h"
#include "db_crime.h"
#include "pgtest.h"
#include "policeuk.h"
#include "stubhttp.h"

#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIX "tests/fixtures/police-uk/"

static struct pgtest pg;
static struct stubhttp *stub;

static const char *const forces[] = {"merseyside", "cleveland", "city-of-london"};
static const char *const months[] = {"2024-10", "2024-11", "2024-12"};
static const char *const counted[] = {"anti-social-behaviour", "violent-crime", "burglary",
                                      "shoplifting"};

/* The fixture formula: rows of force f, month m, category c. */
static long expect(int f, int m, int c)
{
	return 1 + (3 * f + c + m) % 5;
}

static long expect_total(void)
{
	long n = 0;
	for (int f = 0; f < 3; f++)
		for (int m = 0; m < 3; m++)
			for (int c = 0; c < 4; c++)
				n += expect(f, m, c);
	return n;
}

static void serve_fixtures(void)
{
	char path[128], file[128];

	stubhttp_file(stub, "/api/forces", FIX "forces.json");
	stubhttp_file(stub, "/api/crime-last-updated", FIX "crime-last-updated.json");
	for (int m = 0; m < 3; m++) {
		snprintf(path, sizeof(path), "/api/crime-categories?date=%s", months[m]);
		stubhttp_file(stub, path, FIX "crime-categories.json");
		snprintf(path, sizeof(path), "/data/archive/%s.zip", months[m]);
		snprintf(file, sizeof(file), FIX "%s.zip", months[m]);
		stubhttp_file(stub, path, file);
	}
}

static void setup(void)
{
	char url[128];

	pgtest_setup(&pg, "policeuk");
	stub = stubhttp_start();
	snprintf(url, sizeof(url), "%s/api", stubhttp_url(stub));
	setenv("WHATWORKS_POLICE_UK_URL", url, 1);
	unsetenv("WHATWORKS_POLICE_UK_ARCHIVE_URL");
	/* fast tests: a loose bucket, short waits; the rate-limit test sets its own */
	setenv("WHATWORKS_POLICE_UK_RATE", "500", 1);
	setenv("WHATWORKS_POLICE_UK_BURST", "1000", 1);
	setenv("WHATWORKS_POLICE_UK_BACKOFF", "0.01", 1);
	setenv("WHATWORKS_POLICE_UK_BACKOFF_MAX", "0.05", 1);
	setenv("WHATWORKS_POLICE_UK_RETRIES", "2", 1);
	setenv("WHATWORKS_POLICE_UK_TIMEOUT", "1", 1);
	setenv("WHATWORKS_POLICE_UK_STALL", "1", 1);
	unsetenv("WHATWORKS_POLICE_UK_FAIL_AFTER_UNITS");
	serve_fixtures();
}

static void teardown(void)
{
	stubhttp_stop(stub);
	pgtest_teardown(&pg);
}

TestSuite(policeuk, .init = setup, .fini = teardown, .timeout = 120);

static int run(struct policeuk_result *res, int nmonths, const char *force, struct err *e)
{
	struct policeuk_settings s;
	struct policeuk_opts o = {.months = nmonths, .force = force, .trigger = "test"};

	cr_assert_eq(policeuk_settings_load(&s, e), 0, "%s", e->msg);
	return policeuk_import(pg.conn, &s, &o, res, e);
}

static long sql_int(const char *sql)
{
	return pgtest_int(&pg, sql, 0, NULL);
}

static long count_of(const char *force, const char *month, const char *cat)
{
	char m[16];
	const char *p[3] = {force, m, cat};

	snprintf(m, sizeof(m), "%s-01", month);
	return pgtest_int(&pg,
	                  "SELECT coalesce(sum(count), 0) FROM crime_counts WHERE force = $1"
	                  " AND month = $2::date AND category = $3",
	                  3, p);
}

/* Every stored count equals the fixture formula; skip_f/skip_m: a unit absent. */
static void check_counts(int skip_f, int skip_m)
{
	for (int f = 0; f < 3; f++)
		for (int m = 0; m < 3; m++)
			for (int c = 0; c < 4; c++)
				cr_assert_eq(count_of(forces[f], months[m], counted[c]),
				             f == skip_f && m == skip_m ? 0 : expect(f, m, c),
				             "%s %s %s", forces[f], months[m], counted[c]);
}

static int has_error(const struct policeuk_result *res, const char *needle)
{
	for (size_t i = 0; i < res->errs.n; i++)
		if (strstr(res->errs.v[i].message, needle) || strstr(res->errs.v[i].path, needle))
			return 1;
	return 0;
}

Test(policeuk, clean_import_of_forces_categories_and_counts)
{
	struct policeuk_result res;
	struct err e = {0};

	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_assert_str_eq(res.status, "succeeded");
	cr_assert_str_eq(res.mode, "full");
	cr_assert_str_eq(res.published, "2024-12");
	cr_assert_eq(res.units_stored, 9);
	cr_assert_eq(res.rows, expect_total());
	/* last-updated, forces, 3 category lists, 3 archives */
	cr_assert_eq(res.requests, 8);
	cr_assert_eq(stubhttp_count(stub, NULL), 8);
	check_counts(-1, -1);
	cr_assert_eq(sql_int("SELECT sum(count) FROM crime_counts"), expect_total());
	cr_assert_eq(sql_int("SELECT count(*) FROM police_forces"), 3);
	cr_assert_eq(sql_int("SELECT count(*) FROM police_categories"), 45);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_units WHERE published = '2024-12'"), 9);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs r JOIN sources s ON s.id ="
	                     " r.source_id WHERE s.kind = 'police-uk' AND r.status = 'succeeded'"
	                     " AND r.added = 36 AND r.mode = 'full'"),
	             1);
	cr_assert_eq(sql_int("SELECT count(*) FROM sources WHERE kind = 'police-uk' AND"
	                     " last_commit = '2024-12'"),
	             1);
	policeuk_result_free(&res);

	/* the same publication again: nothing to fetch but the lists */
	stubhttp_reset_counts(stub);
	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_assert_str_eq(res.mode, "unchanged");
	cr_assert_eq(res.units_stored, 0);
	cr_assert_eq(res.units_skipped, 9);
	cr_assert_eq(stubhttp_count(stub, NULL), 2);
	cr_assert_eq(sql_int("SELECT sum(count) FROM crime_counts"), expect_total());
	policeuk_result_free(&res);
}

Test(policeuk, one_force_only)
{
	struct policeuk_result res;
	struct err e = {0};

	cr_assert_eq(run(&res, 2, "cleveland", &e), 0, "%s", e.msg);
	cr_assert_eq(res.units_stored, 2);
	cr_assert_eq(sql_int("SELECT count(DISTINCT force) FROM crime_counts"), 1);
	cr_assert_eq(count_of("cleveland", "2024-12", "burglary"), expect(1, 2, 2));
	policeuk_result_free(&res);
	cr_assert_eq(run(&res, 2, "gotham", &e), WW_ENOTFOUND);
	cr_assert(strstr(e.msg, "force \"gotham\" is not in data.police.uk's list") != NULL, "%s",
	          e.msg);
	policeuk_result_free(&res);
}

Test(policeuk, a_429_then_success_honours_retry_after)
{
	size_t len;
	char *body = stubhttp_read_file(FIX "forces.json", &len);
	struct stub_resp seq[] = {{.status = 429, .body = "Too Many Requests", .retry_after = 1},
	                          {.body = body, .len = len}};
	struct policeuk_result res;
	struct err e = {0};

	/* Retry-After (1 s) beats the backoff cap (0.05 s) only when allowed to */
	setenv("WHATWORKS_POLICE_UK_BACKOFF_MAX", "2", 1);
	stubhttp_on(stub, "/api/forces", seq, 2);
	free(body);
	cr_assert_eq(run(&res, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(stubhttp_count(stub, "/api/forces"), 2);
	cr_assert_eq(res.units_stored, 3);
	policeuk_result_free(&res);
}

Test(policeuk, a_500_that_persists_fails_the_run_and_stores_nothing)
{
	struct stub_resp err500 = {.status = 500, .body = "{\"error\": \"internal\"}"};
	struct policeuk_result res;
	struct err e = {0};

	stubhttp_on(stub, "/api/crime-last-updated", &err500, 1);
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert(strstr(e.msg, "HTTP 500") && strstr(e.msg, "gave up after retries"), "%s", e.msg);
	cr_assert_eq(stubhttp_count(stub, "/api/crime-last-updated"), 3); /* 1 + 2 retries */
	cr_assert_str_eq(res.status, "failed");
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_counts"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs WHERE status = 'failed' AND"
	                     " message LIKE '%HTTP 500%'"),
	             1);
	policeuk_result_free(&res);
}

Test(policeuk, a_stall_past_the_timeout_is_retried)
{
	size_t len;
	char *body = stubhttp_read_file(FIX "crime-last-updated.json", &len);
	struct stub_resp seq[] = {{.body = body, .len = len, .stall_ms = 3000},
	                          {.body = body, .len = len}};
	struct policeuk_result res;
	struct err e = {0};

	stubhttp_on(stub, "/api/crime-last-updated", seq, 2);
	free(body);
	cr_assert_eq(run(&res, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(stubhttp_count(stub, "/api/crime-last-updated"), 2);
	policeuk_result_free(&res);

	/* stalling every time: the run fails naming the timeout */
	struct stub_resp stall = {.body = "{}", .stall_ms = 3000};
	stubhttp_on(stub, "/api/forces", &stall, 1);
	cr_assert_eq(run(&res, 1, NULL, &e), WW_EUPSTREAM);
	cr_assert(strstr(e.msg, "/forces") && strstr(e.msg, "imeout"), "%s", e.msg);
	policeuk_result_free(&res);
}

Test(policeuk, malformed_and_empty_json_change_nothing)
{
	struct stub_resp bad = {.body = "[{\"id\": \"merseyside\", \"name\": "};
	struct stub_resp empty = {.body = "[]"};
	struct stub_resp nothing = {.body = ""};
	struct policeuk_result res;
	struct err e = {0};

	stubhttp_on(stub, "/api/forces", &bad, 1);
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert(strstr(e.msg, "/forces: malformed JSON") != NULL, "%s", e.msg);
	policeuk_result_free(&res);
	stubhttp_on(stub, "/api/forces", &empty, 1);
	err_clear(&e);
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert(strstr(e.msg, "/forces: empty answer") != NULL, "%s", e.msg);
	policeuk_result_free(&res);
	stubhttp_on(stub, "/api/crime-last-updated", &nothing, 1);
	err_clear(&e);
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert(strstr(e.msg, "empty answer") != NULL, "%s", e.msg);
	policeuk_result_free(&res);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_counts"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM police_forces"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs WHERE status = 'failed'"), 3);
}

Test(policeuk, out_of_window_month_is_an_error_on_the_run)
{
	struct stub_resp err500 = {.status = 500, .body = "{\"error\": \"Internal error\"}"};
	struct stub_resp err404 = {.status = 404, .body = "Not found"};
	struct policeuk_result res;
	struct err e = {0};

	/* 2024-10 is "outside the window": categories 500, archive 404 */
	stubhttp_on(stub, "/api/crime-categories?date=2024-10", &err500, 1);
	stubhttp_on(stub, "/data/archive/2024-10.zip", &err404, 1);
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert_str_eq(res.status, "failed");
	cr_assert(has_error(&res, "outside its window"));
	cr_assert_eq(res.units_stored, 6);
	cr_assert_eq(res.units_failed, 3);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-10.zip"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_counts WHERE month = '2024-10-01'"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_units WHERE month > '2024-10-01'"), 6);
	cr_assert_eq(count_of("city-of-london", "2024-11", "shoplifting"), expect(2, 1, 3));
	policeuk_result_free(&res);
}

Test(policeuk, malformed_csv_fails_its_unit_only)
{
	struct policeuk_result res;
	struct err e = {0};

	stubhttp_file(stub, "/data/archive/2024-12.zip", FIX "2024-12-bad-cleveland.zip");
	cr_assert_eq(run(&res, 3, NULL, &e), WW_EUPSTREAM);
	cr_assert_eq(res.units_stored, 8);
	cr_assert_eq(res.units_failed, 1);
	cr_assert(has_error(&res, "row has 10 fields, the header has 12"));
	cr_assert(has_error(&res, "2024-12/2024-12-cleveland-street.csv"));
	check_counts(1, 2);
	policeuk_result_free(&res);

	/* the archive fixed: the next run fetches only what is missing */
	stubhttp_file(stub, "/data/archive/2024-12.zip", FIX "2024-12.zip");
	stubhttp_reset_counts(stub);
	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_assert_str_eq(res.mode, "resumed");
	cr_assert_eq(res.units_stored, 1);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-11.zip"), 0);
	check_counts(-1, -1);
	policeuk_result_free(&res);
}

Test(policeuk, archive_without_a_force_is_an_empty_answer)
{
	struct policeuk_result res;
	struct err e = {0};

	/* a force that published nothing for a month is a gap of the publication,
	 * recorded: the run succeeds and the source advances */
	stubhttp_file(stub, "/data/archive/2024-12.zip", FIX "2024-12-no-cleveland.zip");
	cr_assert_eq(run(&res, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(res.units_stored, 2);
	cr_assert_eq(res.units_gap, 1);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_units WHERE force = 'cleveland'"
	                     " AND month = '2024-12-01' AND gap AND rows = 0"),
	             1);
	policeuk_result_free(&res);
}

/* The real archive of a month holds the last three years: one download
 * serves every month of the run, a force missing from one of its months
 * (Greater Manchester from July 2019) is a gap, not a failed run that
 * downloads the archive again at every schedule, and a month far below the
 * force's others is stored with a warning. */
Test(policeuk, multi_month_archive_with_a_gap_and_a_low_month)
{
	struct policeuk_result res;
	struct err e = {0};

	stubhttp_file(stub, "/data/archive/2024-12.zip", FIX "2024-12-three-months.zip");
	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_expect_eq(res.units_stored, 8);
	cr_expect_eq(res.units_gap, 1);
	cr_expect_eq(res.units_failed, 0);
	cr_expect_eq(res.units_low, 1);
	cr_expect_eq(stubhttp_count(stub, "/data/archive/2024-12.zip"), 1);
	cr_expect_eq(stubhttp_count(stub, "/data/archive/2024-11.zip"), 0);
	cr_expect_eq(stubhttp_count(stub, "/data/archive/2024-10.zip"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM crime_units WHERE force = 'cleveland'"
	                     " AND month = '2024-11-01' AND gap"),
	             1);
	cr_expect_eq(sql_int("SELECT count(*) FROM sources WHERE kind = 'police-uk'"
	                     " AND last_commit = '2024-12'"),
	             1, "the source advanced");
	policeuk_result_free(&res);
	/* the next scheduled run finds everything stored: no download */
	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_expect_str_eq(res.mode, "unchanged");
	cr_expect_eq(stubhttp_count(stub, "/data/archive/2024-12.zip"), 1);
	policeuk_result_free(&res);
}

Test(policeuk, truncated_archives)
{
	size_t len;
	char *zip = stubhttp_read_file(FIX "2024-12.zip", &len);
	struct policeuk_result res;
	struct err e = {0};

	/* a dropped connection mid-body: retried, and the retry completes it */
	struct stub_resp drop[] = {{.body = zip, .len = len, .truncate_at = (long)len / 2},
	                           {.body = zip, .len = len}};
	stubhttp_on(stub, "/data/archive/2024-12.zip", drop, 2);
	cr_assert_eq(run(&res, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-12.zip"), 2);
	cr_assert_eq(res.units_stored, 3);
	policeuk_result_free(&res);

	/* a short body served as complete: the zip reader sees the truncation */
	pgtest_exec(&pg, "TRUNCATE crime_counts, crime_units", 0, NULL);
	struct stub_resp cut = {.body = zip, .len = len * 2 / 3, .type = "application/zip"};
	stubhttp_on(stub, "/data/archive/2024-12.zip", &cut, 1);
	cr_assert_eq(run(&res, 1, NULL, &e), WW_EUPSTREAM);
	cr_assert(has_error(&res, "truncated"));
	/* the units before the cut were whole (CRC-checked) and are kept */
	long kept = res.units_stored;
	cr_assert(kept >= 1 && kept < 3, "%ld", kept);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_units"), kept);
	policeuk_result_free(&res);
	free(zip);
}

Test(policeuk, killed_mid_import_then_resumed)
{
	/* the test build (make build/whatworks-test) has the fault hook */
	const char *prod = getenv("WHATWORKS_BIN");
	char bin_test[1024];
	const char *bin = getenv("WHATWORKS_TEST_BIN");
	if (bin == NULL && prod != NULL) {
		snprintf(bin_test, sizeof(bin_test), "%s-test", prod);
		bin = bin_test;
	}
	struct policeuk_result res;
	struct err e = {0};
	pid_t pid;
	int status;

	cr_assert(bin != NULL, "WHATWORKS_BIN is not set (run through make integration)");
	cr_assert(access(bin, X_OK) == 0, "%s is missing: make %s", bin, bin);
	/* a clean run's totals, for comparison, then start again from nothing */
	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	policeuk_result_free(&res);
	long clean = sql_int("SELECT sum(count) FROM crime_counts");
	pgtest_exec(&pg, "TRUNCATE crime_counts, crime_units", 0, NULL);
	stubhttp_reset_counts(stub);

	/* the real binary, killed (SIGKILL) after storing 4 units */
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		setenv("WHATWORKS_DATABASE_URL", pg.conninfo, 1);
		setenv("WHATWORKS_POLICE_UK_FAIL_AFTER_UNITS", "4", 1);
		setenv("WHATWORKS_LOG_LEVEL", "error", 1);
		execl(bin, bin, "import", "police-uk", "--months", "3", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
	cr_assert_eq(sql_int("SELECT count(*) FROM crime_units"), 4);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs WHERE status = 'running'"), 1);
	/* 2024-12 (3 units) and one unit of 2024-11 were stored */
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-12.zip"), 1);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-11.zip"), 1);

	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	cr_assert_str_eq(res.mode, "resumed");
	cr_assert_eq(res.units_stored, 5);
	cr_assert_eq(res.units_skipped, 4);
	/* the finished month is not fetched again; the interrupted one is */
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-12.zip"), 1);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-11.zip"), 2);
	cr_assert_eq(stubhttp_count(stub, "/data/archive/2024-10.zip"), 1);
	/* totals equal the clean run's: nothing counted twice, nothing lost */
	cr_assert_eq(sql_int("SELECT sum(count) FROM crime_counts"), clean);
	check_counts(-1, -1);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs WHERE status = 'running'"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM import_runs WHERE status = 'failed' AND"
	                     " message LIKE 'the importing process stopped%'"),
	             1);
	policeuk_result_free(&res);
}

Test(policeuk, rate_limit_measured_by_the_stub)
{
	struct policeuk_result res;
	struct err e = {0};
	char path[64];

	setenv("WHATWORKS_POLICE_UK_RATE", "15", 1);
	setenv("WHATWORKS_POLICE_UK_BURST", "30", 1);
	/* 36 months: 36 category lists (33 of them answered) and 36 archives (33 missing) */
	for (int m = 0; m < 36; m++) {
		char month[32];
		int y = 2024, mo = 12 - m;
		while (mo < 1) {
			mo += 12;
			y--;
		}
		snprintf(month, sizeof(month), "%04d-%02d", y, mo);
		snprintf(path, sizeof(path), "/api/crime-categories?date=%s", month);
		if (m >= 3)
			stubhttp_file(stub, path, FIX "crime-categories.json");
	}
	cr_assert_eq(run(&res, 36, NULL, &e), WW_EUPSTREAM); /* the 33 missing archives */
	long n = stubhttp_count(stub, NULL);
	cr_assert_eq(n, 2 + 36 + 36);
	cr_assert_eq(res.requests, n);
	/* counts in windows, from the server's side */
	cr_assert_leq(stubhttp_max_in_window(stub, 1.0), 30);
	cr_assert_leq(stubhttp_max_in_window(stub, 2.0), 45);
	cr_assert_leq(stubhttp_max_in_window(stub, 4.0), 75);
	policeuk_result_free(&res);
}

/* ---- the read side ---- */

struct kv {
	const char *k[8], *v[8];
	size_t n;
};

static const char *kv_get(void *ctx, const char *name)
{
	struct kv *kv = ctx;
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->k[i], name) == 0)
			return kv->v[i];
	return NULL;
}

static const char *kv_name_at(void *ctx, size_t i)
{
	struct kv *kv = ctx;
	return i < kv->n ? kv->k[i] : NULL;
}

Test(policeuk, area_crime_endpoint)
{
	struct policeuk_result res;
	struct err e = {0};
	struct api_result r;
	struct kv kv = {{"category", "from", "to"}, {"burglary", "2024-11", "2024-12"}, 3};
	struct api_params p = {kv_get, kv_name_at, &kv};

	cr_assert_eq(run(&res, 3, NULL, &e), 0, "%s", e.msg);
	policeuk_result_free(&res);
	cr_assert_eq(api_area_crime(&r, pg.conn, "merseyside", &p, &e), 0, "%s", e.msg);
	json_t *d = json_object_get(r.body, "data");
	cr_assert_str_eq(json_string_value(json_object_get(d, "name")), "Merseyside Police");
	cr_assert_eq(json_integer_value(json_object_get(d, "total")),
	             expect(0, 1, 2) + expect(0, 2, 2));
	cr_assert_eq(json_array_size(json_object_get(d, "counts")), 2);
	cr_assert_eq(json_array_size(r.rows), 2);
	api_result_free(&r);

	/* all-crime sums the categories, the default window is the latest 12 months */
	kv.v[0] = "all-crime";
	kv.n = 1;
	cr_assert_eq(api_area_crime(&r, pg.conn, "cleveland", &p, &e), 0, "%s", e.msg);
	d = json_object_get(r.body, "data");
	long want = 0;
	for (int m = 0; m < 3; m++)
		for (int c = 0; c < 4; c++)
			want += expect(1, m, c);
	cr_assert_eq(json_integer_value(json_object_get(d, "total")), want);
	cr_assert_str_eq(json_string_value(json_object_get(d, "from")), "2024-01");
	cr_assert_eq(json_integer_value(json_object_get(d, "months")), 3);
	api_result_free(&r);

	kv.v[0] = "arson";
	cr_assert_eq(api_area_crime(&r, pg.conn, "cleveland", &p, &e), WW_EINVALID);
	err_clear(&e);
	kv.n = 0;
	cr_assert_eq(api_area_crime(&r, pg.conn, "gotham", &p, &e), WW_ENOTFOUND);
	err_clear(&e);
	struct kv bad = {{"to"}, {"2024-13"}, 1};
	p.ctx = &bad;
	cr_assert_eq(api_area_crime(&r, pg.conn, "cleveland", &p, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "\"to\" must be a month") != NULL, "%s", e.msg);
}

/* An intervention and its score written straight into the tables. */
static void score_fixture(const char *id, const char *level, double r, double cost)
{
	char figures[1024], rs[32], cs[32];
	const char *p[4] = {id, level, figures, NULL};

	snprintf(rs, sizeof(rs), "%.17g", r);
	snprintf(cs, sizeof(cs), "%.17g", cost);
	snprintf(figures, sizeof(figures),
	         "{\"crime_type\": \"violence-with-injury\", \"mu_adj\": %.17g, \"se_adj\": 0.1,"
	         " \"r\": %s, \"unit_cost_b\": 1000, \"cost_b\": %s, \"horizon_years\": 2,"
	         " \"decay\": 0, \"discount\": 0.035, \"bcr\": 1.5, \"seed\": \"1f\","
	         " \"draws\": 2000}",
	         log(0.8), rs, cs);
	pgtest_exec(
	    &pg,
	    "INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body,"
	    " name, themes, level) SELECT $1, s.id, $1 || '.yaml', 'b', 'c', r.id, '{}',"
	    " 'Test ' || $1, '{knife-crime}', $2 FROM sources s, import_runs r"
	    " WHERE s.name = 'ev' ORDER BY r.id LIMIT 1",
	    2, p);
	const char *q[2] = {id, figures};
	pgtest_exec(&pg,
	            "INSERT INTO scores (intervention, crime_type, run_id, params, figures, band,"
	            " headline) SELECT $1::text, 'violence-with-injury', min(id), '{}', $2::jsonb,"
	            " 'medium', true FROM import_runs",
	            2, q);
}

Test(policeuk, projection_numbers_by_hand)
{
	struct err e = {0};
	struct api_result r;

	/* an evidence source, a run, the category map */
	static const char *const setup_sql[] = {
	    "INSERT INTO sources (name, kind, location) VALUES ('ev', 'git', '/x')",
	    "INSERT INTO import_runs (source_id, status) SELECT id, 'succeeded' FROM sources",
	    "INSERT INTO reference_data (kind, id, source_id, path, blob, commit, valid_from, body)"
	    " SELECT 'category-map', 'map', s.id, 'm.yaml', 'b', 'c', r.id,"
	    " '{\"entries\": [{\"crime_type\": \"violence-with-injury\","
	    " \"police_uk_category\": \"violent-crime\"}]}' FROM sources s, import_runs r",
	    /* the forces of England and Wales a projection may name */
	    "INSERT INTO reference_data (kind, id, source_id, path, blob, commit, valid_from, body)"
	    " SELECT 'areas', 'forces', s.id, 'a.yaml', 'b', 'c', r.id,"
	    " '{\"entries\": [{\"id\": \"testshire\", \"name\": \"Testshire Police\","
	    " \"country\": \"england\", \"body\": \"pcc\"}]}' FROM sources s, import_runs r",
	    "INSERT INTO police_forces (id, name, run_id) SELECT 'testshire', 'Testshire Police', "
	    "id"
	    " FROM import_runs",
	    /* 12 months of violent crime, 100 + m each (sum 1266), burglary 50 */
	    "INSERT INTO crime_units (force, month, published, run_id, rows)"
	    " SELECT 'testshire', make_date(2024, m, 1), '2024-12', r.id, 0"
	    " FROM generate_series(1, 12) m, import_runs r",
	    "INSERT INTO crime_counts (force, month, category, count, run_id)"
	    " SELECT 'testshire', make_date(2024, m, 1), c, CASE c WHEN 'burglary' THEN 50"
	    " ELSE 99 + m END, r.id FROM generate_series(1, 12) m,"
	    " unnest('{violent-crime,burglary}'::text[]) c, import_runs r",
	};
	for (size_t i = 0; i < sizeof(setup_sql) / sizeof(setup_sql[0]); i++)
		pgtest_exec(&pg, setup_sql[i], 0, NULL);
	score_fixture("hotspots", "place", 10, 2000);
	score_fixture("mentoring", "person", 0.4, 2000);

	/* place: r = 1266 * 0.5, costs for 2 areas a year, 2 years at 3.5 % */
	struct kv kv = {{"area", "units", "coverage"}, {"testshire", "2", "0.5"}, 3};
	struct api_params p = {kv_get, kv_name_at, &kv};
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "hotspots", &p, &e), 0, "%s", e.msg);
	json_t *d = json_object_get(r.body, "data");
	double annuity = 1 + 1 / 1.035;
	double r_total = 1266 * 0.5, a = r_total * 0.2;
	cr_assert_float_eq(json_number_value(json_object_get(d, "area_count")), 1266, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "r_total")), r_total, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "crimes_prevented_per_year")), a,
	                   1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "crimes_prevented_total")), 2 * a,
	                   1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "pv_benefits")), a * 1000 * annuity,
	                   1e-6);
	cr_assert_float_eq(json_number_value(json_object_get(d, "pv_costs")), 2 * 2000 * annuity,
	                   1e-6);
	cr_assert_float_eq(json_number_value(json_object_get(d, "bcr")), a * 1000 / (2 * 2000),
	                   1e-9);
	cr_assert_str_eq(json_string_value(json_object_get(d, "category")), "violent-crime");
	cr_assert_str_eq(json_string_value(json_object_get(d, "baseline_from")), "2024-01");
	/* P(BCR > 1) = Phi((ln(1 - k) - mu) / se), k = PV costs / PV of all baseline crime */
	double k = 2 * 2000 * annuity / (r_total * 1000 * annuity);
	double closed = 0.5 * erfc(-((log(1 - k) - log(0.8)) / 0.1) / sqrt(2));
	cr_assert_float_eq(json_number_value(json_object_get(d, "p_bcr_gt1_closed")), closed, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "p_bcr_gt1")), closed, 0.02);
	cr_assert(json_number_value(json_object_get(d, "bcr_p05")) <
	          json_number_value(json_object_get(d, "bcr_p95")));
	cr_assert_eq(json_array_size(r.rows), 1);
	api_result_free(&r);

	/* place: coverage has no default */
	kv.n = 2;
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "hotspots", &p, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "\"coverage\" is required for a place intervention") != NULL, "%s",
	          e.msg);
	err_clear(&e);

	/* person: r from the evaluation, 50 participants, a one-off cost each */
	kv.v[1] = "50";
	kv.n = 3; /* coverage means nothing for participants */
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "mentoring", &p, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "applies to place interventions only") != NULL, "%s", e.msg);
	err_clear(&e);
	kv.n = 2;
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "mentoring", &p, &e), 0, "%s", e.msg);
	d = json_object_get(r.body, "data");
	cr_assert_float_eq(json_number_value(json_object_get(d, "r_total")), 20, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(d, "pv_benefits")), 4 * 1000 * annuity,
	                   1e-6);
	cr_assert_float_eq(json_number_value(json_object_get(d, "pv_costs")), 100000, 1e-6);
	cr_assert_str_eq(json_string_value(json_object_get(d, "r_source")), "evaluation");
	api_result_free(&r);

	/* errors: unknown intervention, unscored crime type, area without counts */
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "nothing", &p, &e), WW_ENOTFOUND);
	err_clear(&e);
	struct kv ct = {{"area", "crime_type"}, {"testshire", "robbery"}, 2};
	p.ctx = &ct;
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "hotspots", &p, &e), WW_ENOTFOUND);
	cr_assert(strstr(e.msg, "no score for crime type \"robbery\"") != NULL, "%s", e.msg);
	err_clear(&e);
	/* outside the 43 forces of England and Wales: refused (400), not "not found" */
	static const char *const outside[] = {"gotham", "btp", "northern-ireland"};
	for (size_t i = 0; i < 3; i++) {
		struct kv nowhere = {{"area", "coverage"}, {outside[i], "0.5"}, 2};
		p.ctx = &nowhere;
		cr_assert_eq(api_intervention_projection(&r, pg.conn, "hotspots", &p, &e),
		             WW_EINVALID);
		cr_assert(strstr(e.msg, "is not one of the 43 territorial police forces") != NULL,
		          "%s", e.msg);
		err_clear(&e);
	}
	/* a projection preventing more crime than the area records is implausible: 1000
	 * participants at 0.4 a year prevent 80, the area records 1266 a year; at 100,000
	 * participants 8,000 */
	struct kv many = {
	    {"area", "units", "crime_type"}, {"testshire", "100000", "violence-with-injury"}, 3};
	p.ctx = &many;
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "mentoring", &p, &e), 0, "%s", e.msg);
	d = json_object_get(r.body, "data");
	cr_assert(json_is_true(json_object_get(d, "implausible")));
	cr_assert_str_eq(json_string_value(json_object_get(d, "band")), "implausible");
	cr_assert(strstr(json_string_value(json_object_get(d, "implausible_reason")),
	                 "more than the 1266 the area records") != NULL);
	api_result_free(&r);
	many.v[1] = "1000";
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "mentoring", &p, &e), 0, "%s", e.msg);
	d = json_object_get(r.body, "data");
	cr_assert(json_is_false(json_object_get(d, "implausible")));
	api_result_free(&r);
	struct kv noarea = {{"units"}, {"2"}, 1};
	p.ctx = &noarea;
	cr_assert_eq(api_intervention_projection(&r, pg.conn, "hotspots", &p, &e), WW_EINVALID);
}
