/*
 * test_ratelimit.c - the token bucket with a fake clock, and the pure
 * parsers of the police-uk source (zip stream, street-level CSV)
 */
#include "crimecsv.h"
#include "ratelimit.h"
#include "zipstream.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Sends n requests as fast as the bucket allows; times[i] is when each goes. */
static void drive(struct ratelimit *rl, double start, int n, double *times)
{
	double clock = start;

	for (int i = 0; i < n; i++) {
		double wait = ratelimit_take(rl, clock);
		cr_assert(wait >= 0);
		clock += wait; /* the caller sleeps exactly the wait */
		times[i] = clock;
	}
}

static int max_in_window(const double *t, int n, double w)
{
	int best = 0;
	for (int i = 0; i < n; i++) {
		int k = 0;
		for (int j = 0; j < n; j++)
			k += t[j] >= t[i] - 1e-9 && t[j] < t[i] + w - 1e-9;
		best = k > best ? k : best;
	}
	return best;
}

Test(ratelimit, police_uk_limits_hold_in_every_window)
{
	struct ratelimit rl;
	double t[300];

	ratelimit_init(&rl, 15, 30, 1000);
	drive(&rl, 1000, 300, t);
	cr_assert_leq(max_in_window(t, 300, 1), 30);
	cr_assert_geq(max_in_window(t, 300, 1), 29); /* the burst is used */
	cr_assert_leq(max_in_window(t, 300, 2), 45);
	cr_assert_leq(max_in_window(t, 300, 10), 15 + 150);
	/* the long-run rate: 300 requests need (300 - 15) / 15 seconds */
	cr_assert_float_eq(t[299] - t[0], (300 - 15) / 15.0, 1e-9);
}

Test(ratelimit, starts_full_then_paces)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 15, 30, 0);
	for (int i = 0; i < 15; i++) {
		double w = ratelimit_take(&rl, 0);
		cr_assert_eq(w, 0, "request %d of the burst waited", i);
	}
	double w1 = ratelimit_take(&rl, 0), w2 = ratelimit_take(&rl, 0);
	cr_assert_float_eq(w1, 1 / 15.0, 1e-12);
	/* a reservation is already counted: the next waits twice as long */
	cr_assert_float_eq(w2, 2 / 15.0, 1e-12);
}

Test(ratelimit, idle_time_refills_up_to_capacity_only)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 10, 15, 0); /* capacity 5 */
	for (int i = 0; i < 5; i++)
		ratelimit_take(&rl, 0);
	/* an hour idle gives back 5 tokens, not 36,000 */
	for (int i = 0; i < 5; i++) {
		double w = ratelimit_take(&rl, 3600);
		cr_assert_eq(w, 0);
	}
	double w = ratelimit_take(&rl, 3600);
	cr_assert_gt(w, 0);
}

Test(ratelimit, clock_going_backwards_refills_nothing)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 1, 1, 100); /* capacity 1 */
	double w0 = ratelimit_take(&rl, 100), w1 = ratelimit_take(&rl, 50);
	cr_assert_eq(w0, 0);
	cr_assert_float_eq(w1, 1, 1e-12);
}

Test(ratelimit, burst_not_above_rate_means_one_at_a_time)
{
	struct ratelimit rl;
	double t[20];

	ratelimit_init(&rl, 5, 5, 0);
	drive(&rl, 0, 20, t);
	cr_assert_leq(max_in_window(t, 20, 1), 6);
	cr_assert_float_eq(t[1] - t[0], 0.2, 1e-12);
}

/* ---- the street-level CSV ---- */

static const struct crimecsv_category cats[] = {
    {"anti-social-behaviour", "Anti-social behaviour"},
    {"violent-crime", "Violence and sexual offences"},
    {"burglary", "Burglary"},
};

static const char good_csv[] =
    "\xef\xbb\xbf"
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\r\n"
    ",2024-01,Merseyside Police,Merseyside Police,-2.9,53.4,On or near A,E1,L 1,"
    "Anti-social behaviour,,\r\n"
    "ab,2024-01,Merseyside Police,Merseyside Police,,,No location,,,"
    "Violence and sexual offences,Under investigation,\"a, \"\"quoted\"\"\nnote\"\r\n"
    "cd,2024-01,Merseyside Police,Merseyside Police,,,No location,,,Burglary,,\n"
    "\n"
    "ef,2024-01,Merseyside Police,Merseyside Police,,,No location,,,Burglary,,";

static int csv_all(struct crimecsv *c, const char *text, size_t chunk, struct err *e)
{
	size_t len = strlen(text);
	crimecsv_init(c, "2024-01", cats, 3);
	for (size_t i = 0; i < len; i += chunk)
		if (crimecsv_feed(c, text + i, len - i < chunk ? len - i : chunk, e) < 0)
			return -1;
	return crimecsv_finish(c, e);
}

Test(crimecsv, counts_any_chunking)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 100000};
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct crimecsv c;
		struct err e = {0};
		cr_assert_eq(csv_all(&c, good_csv, chunks[k], &e), 0, "chunk %zu: %s", chunks[k],
		             e.msg);
		cr_assert_eq(c.rows, 4);
		cr_assert_eq(c.counts[0], 1);
		cr_assert_eq(c.counts[1], 1);
		cr_assert_eq(c.counts[2], 2);
		cr_assert_str_eq(c.reported_by, "Merseyside Police");
	}
}

Test(crimecsv, bad_files_name_the_line)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"", "the file is empty"},
	    {"Crime ID,Month,Reported by\n", "lacks the column \"Crime type\""},
	    {"Month,Reported by,Crime type\n2024-02,A,Burglary\n", "line 2: row is for month"},
	    {"Month,Reported by,Crime type\n2024-01,A,Burglary\n2024-01,B,Burglary\n",
	     "line 3: row is reported by \"B\""},
	    {"Month,Reported by,Crime type\n2024-01,A,Arson\n",
	     "line 2: crime type \"Arson\" is not a data.police.uk category"},
	    {"Month,Reported by,Crime type\n2024-01,A\n",
	     "line 2: row has 2 fields, the header has 3"},
	    {"Month,Reported by,Crime type\n2024-01,A,\"Burgl", "ends inside a quoted field"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct crimecsv c;
		struct err e = {0};
		cr_assert_lt(csv_all(&c, cases[i].text, 5, &e), 0, "case %zu passed", i);
		cr_assert(strstr(e.msg, cases[i].want) != NULL, "case %zu: %s", i, e.msg);
	}
}

/* ---- the zip stream ---- */

struct got {
	char names[8][64];
	char data[8][256];
	size_t len[8];
	int n, want_all;
};

static int g_begin(void *ctx, const char *name, struct err *e)
{
	struct got *g = ctx;
	(void)e;
	if (!g->want_all && strstr(name, "skip") != NULL)
		return 0;
	snprintf(g->names[g->n], sizeof(g->names[0]), "%s", name);
	g->len[g->n] = 0;
	return 1;
}

static int g_data(void *ctx, const char *buf, size_t len, struct err *e)
{
	struct got *g = ctx;
	(void)e;
	memcpy(g->data[g->n] + g->len[g->n], buf, len);
	g->len[g->n] += len;
	return 0;
}

static int g_end(void *ctx, struct err *e)
{
	struct got *g = ctx;
	(void)e;
	g->n++;
	return 0;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* A zip of entries: deflated (and with a descriptor when desc), or stored. */
static size_t make_zip(unsigned char *out, const char *const *names, const char *const *texts,
                       int n, int deflated, int desc)
{
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		size_t tl = strlen(texts[i]), nl = strlen(names[i]);
		uLong crc = crc32(0, (const Bytef *)texts[i], (uInt)tl);
		unsigned char comp[1024];
		size_t cl = tl;
		if (deflated) {
			z_stream zs = {0};
			deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
			zs.next_in = (Bytef *)texts[i];
			zs.avail_in = (uInt)tl;
			zs.next_out = comp;
			zs.avail_out = sizeof(comp);
			cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
			cl = zs.total_out;
			deflateEnd(&zs);
		} else {
			memcpy(comp, texts[i], tl);
		}
		unsigned char *h = out + o;
		memset(h, 0, 30);
		put32(h, 0x04034b50);
		put16(h + 4, 20);
		put16(h + 6, desc ? 8 : 0);
		put16(h + 8, deflated ? 8 : 0);
		if (!desc) {
			put32(h + 14, (uint32_t)crc);
			put32(h + 18, (uint32_t)cl);
			put32(h + 22, (uint32_t)tl);
		}
		put16(h + 26, (unsigned)nl);
		memcpy(h + 30, names[i], nl);
		o += 30 + nl;
		memcpy(out + o, comp, cl);
		o += cl;
		if (desc) {
			put32(out + o, 0x08074b50);
			put32(out + o + 4, (uint32_t)crc);
			put32(out + o + 8, (uint32_t)cl);
			put32(out + o + 12, (uint32_t)tl);
			o += 16;
		}
	}
	/* an empty central directory's end record (every zip ends with one): the walk
	 * ends here; a reader may look 24 bytes past a data descriptor */
	memset(out + o, 0, 22);
	put32(out + o, 0x06054b50);
	return o + 22;
}

static int unzip_all(struct got *g, const unsigned char *zip, size_t len, size_t chunk,
                     struct err *e)
{
	struct zipstream_cb cb = {g_begin, g_data, g_end, g};
	struct zipstream *z;
	int rc = 0;

	cr_assert_eq(zipstream_new(&z, &cb), 0);
	for (size_t i = 0; i < len && rc == 0; i += chunk)
		rc = zipstream_feed(z, zip + i, len - i < chunk ? len - i : chunk, e);
	if (rc == 0)
		rc = zipstream_finish(z, e);
	zipstream_free(z);
	return rc;
}

Test(zipstream, entries_in_every_layout_and_chunking)
{
	static const char *const names[] = {"2024-01/a-street.csv", "2024-01/skip-outcomes.csv",
	                                    "2024-01/b-street.csv", "empty.csv"};
	static const char *const texts[] = {"Month,Crime type\n2024-01,Burglary\n",
	                                    "ignored ignored ignored", "x,y,z\nx,y,z\nx,y,z\n", ""};
	static const size_t chunks[] = {1, 3, 17, 4096};
	unsigned char zip[4096];

	for (int layout = 0; layout < 3; layout++) {
		size_t len = make_zip(zip, names, texts, 4, layout > 0, layout == 2);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			struct got g = {0};
			struct err e = {0};
			cr_assert_eq(unzip_all(&g, zip, len, chunks[k], &e), 0, "layout %d: %s",
			             layout, e.msg);
			cr_assert_eq(g.n, 3);
			cr_assert_str_eq(g.names[1], "2024-01/b-street.csv");
			cr_assert_eq(g.len[0], strlen(texts[0]));
			cr_assert_eq(g.len[1], strlen(texts[2]));
			cr_assert(memcmp(g.data[1], texts[2], strlen(texts[2])) == 0);
			cr_assert_eq(g.len[2], 0);
		}
	}
}

Test(zipstream, truncated_and_corrupt_archives)
{
	static const char *const names[] = {"a.csv", "b.csv"};
	static const char *const texts[] = {"hello hello hello hello", "world world world"};
	unsigned char zip[4096];
	struct err e = {0};
	struct got g = {0};
	size_t len = make_zip(zip, names, texts, 2, 1, 0);

	/* cut inside the second entry: the first is whole and verified, then an error */
	cr_assert_eq(unzip_all(&g, zip, len - 22 - 12, 5, &e), WW_EINVALID);
	cr_assert_eq(g.n, 1);
	cr_assert(strstr(e.msg, "truncated") != NULL, "%s", e.msg);
	/* a flipped byte of data: the CRC catches it */
	memset(&g, 0, sizeof(g));
	err_clear(&e);
	len = make_zip(zip, names, texts, 2, 0, 0);
	zip[30 + 5 + 3] ^= 0x20;
	cr_assert_eq(unzip_all(&g, zip, len, 4096, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "CRC-32") != NULL, "%s", e.msg);
	/* not a zip at all (an HTML error page) */
	err_clear(&e);
	cr_assert_eq(unzip_all(&g, (const unsigned char *)"<html>", 6, 6, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "not a zip archive") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(unzip_all(&g, zip, 0, 1, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "empty") != NULL, "%s", e.msg);
}

static int unzip_limited(struct got *g, const unsigned char *zip, size_t len, long max_entries,
                         unsigned long long max_bytes, struct err *e)
{
	struct zipstream_cb cb = {g_begin, g_data, g_end, g};
	struct zipstream *z;
	int rc;

	cr_assert_eq(zipstream_new(&z, &cb), 0);
	zipstream_limits(z, max_entries, max_bytes);
	rc = zipstream_feed(z, zip, len, e);
	if (rc == 0)
		rc = zipstream_finish(z, e);
	zipstream_free(z);
	return rc;
}

Test(zipstream, entry_count_and_size_are_limited)
{
	static const char *const names[] = {"a.csv", "b.csv", "c.csv"};
	static const char *const texts[] = {"0123456789", "0123456789", "01234567890123456789"};
	unsigned char zip[4096];
	size_t len = make_zip(zip, names, texts, 3, 1, 1);
	struct got g = {0};
	struct err e = {0};

	cr_assert_eq(unzip_limited(&g, zip, len, 3, 20, &e), 0, "%s", e.msg);
	cr_assert_eq(g.n, 3);
	memset(&g, 0, sizeof(g));
	cr_assert_eq(unzip_limited(&g, zip, len, 2, 20, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "zip archive has more than 2 entries");
	memset(&g, 0, sizeof(g));
	err_clear(&e);
	cr_assert_eq(unzip_limited(&g, zip, len, 3, 19, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "zip entry \"c.csv\" is larger than 19 bytes uncompressed");
	cr_assert_eq(g.n, 2, "the entries before it were whole");
}

Test(zipstream, freed_half_way_stops_cleanly)
{
	static const char *const names[] = {"a.csv", "b.csv"};
	static const char *const texts[] = {"hello hello hello", "world world"};
	unsigned char zip[4096];
	size_t len = make_zip(zip, names, texts, 2, 1, 1);
	struct got g = {0};
	struct zipstream_cb cb = {g_begin, g_data, g_end, &g};
	struct zipstream *z;
	struct err e = {0};

	cr_assert_eq(zipstream_new(&z, &cb), 0);
	cr_assert_eq(zipstream_feed(z, zip, len / 2, &e), 0);
	zipstream_free(z); /* a retried download starts a new reader */
	zipstream_free(NULL);
}
