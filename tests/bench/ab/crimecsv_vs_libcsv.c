/*
 * crimecsv_vs_libcsv.c - A/B: counting a street-level CSV with crimecsv and
 * with Debian's libcsv (issue 12). Not built by make: libcsv is not a
 * dependency. To repeat:
 *   apt-get install libcsv-dev
 *   cc -O2 -Iservice -Iimporters tests/bench/ab/crimecsv_vs_libcsv.c \
 *      importers/crimecsv.c service/err.c -lcsv -o /tmp/ab && /tmp/ab 200
 * Both count rows by crime type over the same bytes, fed in 64 KiB chunks
 * (what the zip reader hands over); libcsv only splits fields, so the
 * column lookup and the category match are written out here as crimecsv
 * does them (without crimecsv's per-row month and force checks).
 */
#include "crimecsv.h"
#include "err.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct crimecsv_category cats[] = {
    {"burglary", "Burglary"},
    {"violent-crime", "Violence and sexual offences"},
    {"anti-social-behaviour", "Anti-social behaviour"},
    {"shoplifting", "Shoplifting"},
};
#define NCATS (sizeof(cats) / sizeof(cats[0]))
#define CHUNK 65536

/* CPU time, ms: less disturbed than wall time on a shared machine. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *make_csv(size_t bytes, size_t *len)
{
	char *s = malloc(bytes + 512);
	size_t o = 0;
	unsigned seed = 1;

	o += (size_t)sprintf(s, "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,"
	                        "Location,LSOA code,LSOA name,Crime type,Last outcome category,"
	                        "Context\n");
	while (o < bytes) {
		seed = seed * 1103515245u + 12345u;
		o += (size_t)sprintf(s + o,
		                     "%08x%08x,2024-01,Force Police,Force Police,-1.%06u,52.%06u,"
		                     "\"On or near %s, Street\",E01%06u,Area %u,%s,%s,\n",
		                     seed, seed ^ 0x5bd1e995u, seed % 999999, (seed >> 8) % 999999,
		                     (seed & 1) ? "High" : "Station", seed % 35000, seed % 400,
		                     cats[seed % 4].name, (seed & 2) ? "Under investigation" : "");
	}
	*len = o;
	return s;
}

struct lc {
	int col, row, c_type;
	long counts[NCATS], rows;
};

static void lc_field(void *f, size_t n, void *ctx)
{
	struct lc *l = ctx;
	if (l->row == 0 && n == 10 && memcmp(f, "Crime type", 10) == 0)
		l->c_type = l->col;
	else if (l->row > 0 && l->col == l->c_type)
		for (size_t i = 0; i < NCATS; i++)
			if (strcmp(f, cats[i].name) == 0)
				l->counts[i]++;
	l->col++;
}

static void lc_row(int c, void *ctx)
{
	struct lc *l = ctx;
	(void)c;
	l->rows += l->row > 0;
	l->row++;
	l->col = 0;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 200, len;
	char *csv = make_csv(mb * 1024 * 1024, &len);
	double best_a = 1e300, best_b = 1e300;
	long rows_a = 0, rows_b = 0;

	for (int k = 0; k < 3; k++) {
		struct crimecsv c;
		struct err e = {0};
		double t = cpu_ms();
		crimecsv_init(&c, "2024-01", cats, NCATS);
		for (size_t i = 0; i < len; i += CHUNK)
			crimecsv_feed(&c, csv + i, len - i < CHUNK ? len - i : CHUNK, &e);
		crimecsv_finish(&c, &e);
		t = cpu_ms() - t;
		best_a = t < best_a ? t : best_a;
		rows_a = c.rows;

		struct csv_parser p;
		struct lc l = {.c_type = -1};
		t = cpu_ms();
		csv_init(&p, CSV_APPEND_NULL);
		for (size_t i = 0; i < len; i += CHUNK)
			csv_parse(&p, csv + i, len - i < CHUNK ? len - i : CHUNK, lc_field, lc_row,
			          &l);
		csv_fini(&p, lc_field, lc_row, &l);
		csv_free(&p);
		t = cpu_ms() - t;
		best_b = t < best_b ? t : best_b;
		rows_b = l.rows;
	}
	printf(
	    "%.1f MB of CSV: crimecsv %.0f CPU ms (%.0f MB/s, %ld rows), libcsv %.0f CPU ms (%.0f "
	    "MB/s, %ld rows), best of 3\n",
	    len / 1e6, best_a, len / 1e3 / best_a, rows_a, best_b, len / 1e3 / best_b, rows_b);
	free(csv);
	return 0;
}
