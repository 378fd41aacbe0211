/*
 * bench_zip.c - the police.uk archive path without the network: zip reading
 * and CSV counting, in MB/s of archive bytes, against a download's speed
 *
 * Builds (once, cached in $TMPDIR) a zip shaped like data.police.uk's: one
 * street-level CSV per force and month, deflated with data descriptors as
 * streaming writers do. Then streams it through zipstream in 16 KiB chunks
 * (as libcurl hands them over), once only reading and once counting every
 * row with crimecsv. Figures are printed, never asserted. Usage:
 *   build/bench/bench_zip [MEGABYTES_OF_CSV]   (default 400)
 */
#include "crimecsv.h"
#include "err.h"
#include "zipstream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define CHUNK 16384

static const struct crimecsv_category cats[] = {
    {"burglary", "Burglary"},
    {"violent-crime", "Violence and sexual offences"},
    {"anti-social-behaviour", "Anti-social behaviour"},
    {"shoplifting", "Shoplifting"},
};

static void put16(FILE *f, unsigned v)
{
	fputc((int)(v & 0xff), f);
	fputc((int)((v >> 8) & 0xff), f);
}

static void put32(FILE *f, uint32_t v)
{
	put16(f, v & 0xffff);
	put16(f, v >> 16);
}

/* One force's month of rows, about `bytes` long. */
static char *make_csv(size_t bytes, int force, size_t *len)
{
	char *s = malloc(bytes + 512);
	size_t o = 0;
	unsigned seed = (unsigned)force * 7919u;

	o += (size_t)sprintf(s, "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,"
	                        "Location,LSOA code,LSOA name,Crime type,Last outcome category,"
	                        "Context\n");
	while (o < bytes) {
		seed = seed * 1103515245u + 12345u;
		o += (size_t)sprintf(s + o,
		                     "%08x%08x,2024-01,Force %d Police,Force %d Police,-1.%06u,"
		                     "52.%06u,On or near %s Street,E01%06u,Area %u,%s,%s,\n",
		                     seed, seed ^ 0x5bd1e995u, force, force, seed % 999999,
		                     (seed >> 8) % 999999, (seed & 1) ? "High" : "Station",
		                     seed % 35000, seed % 400, cats[seed % 4].name,
		                     (seed & 2) ? "Under investigation" : "");
	}
	*len = o;
	return s;
}

static int write_zip(const char *path, size_t total_mb)
{
	FILE *f = fopen(path, "wb");
	int forces = 40;
	size_t per = total_mb * 1024 * 1024 / (size_t)forces;

	if (f == NULL)
		return -1;
	for (int i = 0; i < forces; i++) {
		size_t len;
		char *csv = make_csv(per, i, &len), name[64];
		uLong crc = crc32(0, (const Bytef *)csv, (uInt)len);
		uLongf clen = compressBound(len);
		unsigned char *comp = malloc(clen);
		z_stream zs = {0};

		deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)csv;
		zs.avail_in = (uInt)len;
		zs.next_out = comp;
		zs.avail_out = (uInt)clen;
		deflate(&zs, Z_FINISH);
		clen = zs.total_out;
		deflateEnd(&zs);
		snprintf(name, sizeof(name), "2024-01/2024-01-force-%02d-street.csv", i);
		put32(f, 0x04034b50);
		put16(f, 20);
		put16(f, 8); /* sizes in a data descriptor */
		put16(f, 8); /* deflated */
		put32(f, 0);
		put32(f, 0);
		put32(f, 0);
		put32(f, 0);
		put16(f, (unsigned)strlen(name));
		put16(f, 0);
		fwrite(name, 1, strlen(name), f);
		fwrite(comp, 1, clen, f);
		put32(f, 0x08074b50);
		put32(f, (uint32_t)crc);
		put32(f, (uint32_t)clen);
		put32(f, (uint32_t)len);
		free(comp);
		free(csv);
	}
	/* an empty central directory's end record ends the walk */
	put32(f, 0x06054b50);
	for (int i = 0; i < 9; i++)
		put16(f, 0);
	fclose(f);
	return 0;
}

struct count {
	struct crimecsv csv;
	int parse;
	size_t bytes;
	long rows;
	int bad;
};

static int c_begin(void *ctx, const char *name, struct err *e)
{
	struct count *c = ctx;
	(void)name;
	(void)e;
	crimecsv_init(&c->csv, "2024-01", cats, sizeof(cats) / sizeof(cats[0]));
	return 1;
}

static int c_data(void *ctx, const char *buf, size_t len, struct err *e)
{
	struct count *c = ctx;
	c->bytes += len;
	if (c->parse && crimecsv_feed(&c->csv, buf, len, e) < 0)
		c->bad++;
	return 0;
}

static int c_end(void *ctx, struct err *e)
{
	struct count *c = ctx;
	if (c->parse && crimecsv_finish(&c->csv, e) == 0)
		c->rows += c->csv.rows;
	return 0;
}

/* CPU time of the whole process (both threads of the reader), ms: less
 * disturbed than wall time on a shared machine. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double run(const unsigned char *zip, size_t len, int parse, struct count *c)
{
	struct zipstream_cb cb = {c_begin, c_data, c_end, c};
	struct zipstream *z;
	struct err e = {0};
	double t0 = cpu_ms();
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->parse = parse;
	zipstream_new(&z, &cb);
	for (size_t i = 0; i < len && rc == 0; i += CHUNK)
		rc = zipstream_feed(z, zip + i, len - i < CHUNK ? len - i : CHUNK, &e);
	if (rc == 0)
		rc = zipstream_finish(z, &e);
	zipstream_free(z);
	if (rc < 0)
		fprintf(stderr, "bench_zip: %s\n", e.msg);
	return cpu_ms() - t0;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 400;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[512];
	FILE *f;
	struct count c;

	snprintf(path, sizeof(path), "%s/whatworks-bench-zip-%zuMB.zip", tmp, mb);
	if ((f = fopen(path, "rb")) == NULL) {
		if (write_zip(path, mb) < 0 || (f = fopen(path, "rb")) == NULL)
			return 1;
	}
	fseek(f, 0, SEEK_END);
	size_t len = (size_t)ftell(f);
	unsigned char *zip = malloc(len);
	fseek(f, 0, SEEK_SET);
	if (fread(zip, 1, len, f) != len)
		return 1;
	fclose(f);
	double best_read = 1e300, best_all = 1e300;
	for (int i = 0; i < 3; i++) {
		double t = run(zip, len, 0, &c);
		best_read = t < best_read ? t : best_read;
	}
	size_t out = c.bytes;
	for (int i = 0; i < 3; i++) {
		double t = run(zip, len, 1, &c);
		best_all = t < best_all ? t : best_all;
	}
	printf("zip %.1f MB (%.1f MB of CSV, %ld rows): unzip %.0f CPU ms = %.1f MB/s of archive; "
	       "unzip+count %.0f CPU ms = %.1f MB/s (best of 3)\n",
	       len / 1e6, out / 1e6, c.rows, best_read, len / 1e3 / best_read, best_all,
	       len / 1e3 / best_all);
	printf("a 100 Mbit/s download brings 12.5 MB/s of archive\n");
	free(zip);
	return 0;
}
