/*
 * zipstream.c - reading a zip archive front to back as it downloads, with
 * libarchive
 *
 * libarchive's streaming zip reader pulls bytes through a read callback;
 * libcurl pushes them through a write callback. The two meet in a hand-over:
 * libarchive runs on a thread of its own, and zipstream_feed lends it one
 * chunk and waits until libarchive asks for the next (by then it is done
 * with the chunk), or stops. So the threads take turns, never run at once:
 * the callbacks run on the reader thread while the feeding thread waits, and
 * may use what the feeding thread uses (a PostgreSQL connection). Nothing is
 * copied and nothing but libarchive's window is held.
 */
#include "zipstream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CHUNK 65536

struct zipstream {
	struct zipstream_cb cb;
	long max_entries;
	unsigned long long max_entry_bytes;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t reader;
	int started;
	/* the hand-over, under mu */
	const void *chunk;
	size_t chunk_len;
	int offered;  /* chunk waits for the reader */
	int lent;     /* the reader (libarchive) holds chunk */
	int eof;      /* no more input */
	int aborting; /* zipstream_free before the end */
	int saw_eof;  /* the reader was told the input ended */
	int done;     /* the reader stopped: rc and err say how */
	int reported; /* done's error was returned once */
	int rc;
	struct err err;
	/* the reader's own */
	unsigned long long fed;
	long entries;
	char name[512];
	char *out; /* OUT_CHUNK bytes */
};

/* libarchive's read callback: returns the previous chunk, takes the next. */
static la_ssize_t take(struct archive *a, void *ctx, const void **buf)
{
	struct zipstream *z = ctx;
	la_ssize_t n = 0;

	pthread_mutex_lock(&z->mu);
	z->lent = 0;
	pthread_cond_broadcast(&z->cv);
	while (!z->offered && !z->eof && !z->aborting)
		pthread_cond_wait(&z->cv, &z->mu);
	if (z->aborting) {
		archive_set_error(a, ECANCELED, "reading stopped");
		n = -1;
	} else if (z->offered) {
		*buf = z->chunk;
		n = (la_ssize_t)z->chunk_len;
		z->offered = 0;
		z->lent = 1;
	} else {
		z->saw_eof = 1;
	}
	pthread_mutex_unlock(&z->mu);
	return n;
}

/* The error of a libarchive call: truncation when the input had ended. */
static int failed(struct zipstream *z, struct archive *a, int in_entry, struct err *e)
{
	const char *why = archive_error_string(a);

	if (z->saw_eof && in_entry)
		return err_set(e, WW_EINVALID, "zip archive is truncated inside entry \"%s\"",
		               z->name);
	if (z->saw_eof)
		return err_set(e, WW_EINVALID,
		               "zip archive is truncated: it ends after %ld entries, before its "
		               "central directory",
		               z->entries);
	if (z->entries == 0 && !in_entry)
		return err_set(e, WW_EINVALID, "zip archive: not a zip archive (%s)",
		               why ? why : "unrecognized");
	if (why != NULL && strstr(why, "CRC") != NULL)
		return err_set(e, WW_EINVALID, "zip entry \"%s\": CRC-32 does not match (%s)",
		               z->name, why);
	if (in_entry)
		return err_set(e, WW_EINVALID, "zip entry \"%s\": %s", z->name,
		               why ? why : "unreadable");
	return err_set(e, WW_EINVALID, "zip archive: %s", why ? why : "unreadable");
}

/* Passes one wanted entry's data to the callbacks, within the size limit. */
static int read_entry(struct zipstream *z, struct archive *a, struct err *e)
{
	unsigned long long total = 0;
	la_ssize_t n;
	int rc;

	while ((n = archive_read_data(a, z->out, OUT_CHUNK)) > 0) {
		total += (unsigned long long)n;
		if (total > z->max_entry_bytes)
			return err_set(e, WW_EINVALID,
			               "zip entry \"%s\" is larger than %llu bytes uncompressed",
			               z->name, z->max_entry_bytes);
		if ((rc = z->cb.data(z->cb.ctx, z->out, (size_t)n, e)) < 0)
			return rc;
	}
	if (n < 0)
		return failed(z, a, 1, e);
	return z->cb.end(z->cb.ctx, e);
}

/* Every entry in order, until the central directory (ARCHIVE_EOF). */
static int walk(struct zipstream *z, struct archive *a, struct err *e)
{
	struct archive_entry *ent;
	int r, rc;

	if (archive_read_open(a, z, NULL, take, NULL) != ARCHIVE_OK)
		return failed(z, a, 0, e);
	while ((r = archive_read_next_header(a, &ent)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			return failed(z, a, 0, e);
		const char *name = archive_entry_pathname(ent);
		snprintf(z->name, sizeof(z->name), "%s", name != NULL ? name : "");
		if (++z->entries > z->max_entries)
			return err_set(e, WW_EINVALID, "zip archive has more than %ld entries",
			               z->max_entries);
		if ((rc = z->cb.begin(z->cb.ctx, z->name, e)) < 0)
			return rc;
		if (rc == 0 && archive_read_data_skip(a) != ARCHIVE_OK)
			return failed(z, a, 1, e);
		if (rc == 1 && (rc = read_entry(z, a, e)) < 0)
			return rc;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct zipstream *z = arg;
	struct archive *a = archive_read_new();
	struct err e = {0};
	int rc;

	if (a == NULL || archive_read_support_format_zip_streamable(a) != ARCHIVE_OK)
		rc = err_set(&e, WW_ENOMEM, "could not start the zip reader");
	else
		rc = walk(z, a, &e);
	archive_read_free(a);
	pthread_mutex_lock(&z->mu);
	z->rc = rc;
	z->err = e;
	z->done = 1;
	z->lent = 0;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

int zipstream_new(struct zipstream **out, const struct zipstream_cb *cb)
{
	struct zipstream *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (z == NULL || (z->out = malloc(OUT_CHUNK)) == NULL) {
		free(z);
		return WW_ENOMEM;
	}
	z->cb = *cb;
	z->max_entries = ZIPSTREAM_MAX_ENTRIES;
	z->max_entry_bytes = ZIPSTREAM_MAX_ENTRY_BYTES;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	*out = z;
	return 0;
}

void zipstream_limits(struct zipstream *z, long max_entries, unsigned long long max_entry_bytes)
{
	z->max_entries = max_entries;
	z->max_entry_bytes = max_entry_bytes;
}

/* Starts the reader on the first input (so limits set after new apply). */
static int start(struct zipstream *z, struct err *e)
{
	if (z->started)
		return 0;
	if (pthread_create(&z->reader, NULL, reader_main, z) != 0)
		return err_set(e, WW_ENOMEM, "could not start the zip reader's thread");
	z->started = 1;
	return 0;
}

/* The reader's result, once with its message, then "stopped". Locked. */
static int result(struct zipstream *z, struct err *e)
{
	if (z->rc == 0)
		return 0;
	if (z->reported)
		return err_set(e, z->rc, "zip archive: reading stopped after an error");
	z->reported = 1;
	return err_set(e, z->rc, "%s", z->err.msg);
}

int zipstream_feed(struct zipstream *z, const void *buf, size_t len, struct err *e)
{
	int rc;

	if (len == 0)
		return 0;
	if ((rc = start(z, e)) < 0)
		return rc;
	pthread_mutex_lock(&z->mu);
	z->fed += len;
	if (!z->done) {
		z->chunk = buf;
		z->chunk_len = len;
		z->offered = 1;
		pthread_cond_broadcast(&z->cv);
		while ((z->offered || z->lent) && !z->done)
			pthread_cond_wait(&z->cv, &z->mu);
		z->offered = 0;
	}
	/* after the central directory the rest of the input is not needed */
	rc = z->done ? result(z, e) : 0;
	pthread_mutex_unlock(&z->mu);
	return rc;
}

int zipstream_finish(struct zipstream *z, struct err *e)
{
	int rc;

	if (z->fed == 0)
		return err_set(e, WW_EINVALID, "zip archive is empty");
	pthread_mutex_lock(&z->mu);
	z->eof = 1;
	pthread_cond_broadcast(&z->cv);
	while (!z->done)
		pthread_cond_wait(&z->cv, &z->mu);
	rc = result(z, e);
	pthread_mutex_unlock(&z->mu);
	return rc;
}

void zipstream_free(struct zipstream *z)
{
	if (z == NULL)
		return;
	if (z->started) {
		pthread_mutex_lock(&z->mu);
		z->aborting = 1;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		pthread_join(z->reader, NULL);
	}
	pthread_cond_destroy(&z->cv);
	pthread_mutex_destroy(&z->mu);
	free(z->out);
	free(z);
}

long zipstream_entries(const struct zipstream *z)
{
	return z->entries;
}
