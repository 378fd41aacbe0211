/*
 * zipstream.h - reading a zip archive front to back as it downloads
 *
 * Bytes in through zipstream_feed (any chunking), entries out through
 * callbacks; nothing is held but libarchive's window, so a 1.5 GB archive
 * streams in constant memory and never touches the disk. Debian's libarchive
 * reads the archive (its streaming zip reader, maintained against hostile
 * archives): local file headers in order, stored or deflated, with or
 * without data descriptors, zip64; the central directory ends the walk.
 * Every wanted entry is checked against its CRC-32 and sizes before end()
 * is called, so end() means "these bytes are exactly what the archive
 * holds". The callbacks run on libarchive's thread while the caller waits
 * inside zipstream_feed or zipstream_finish, never both at once.
 *
 * Limits: at most ZIPSTREAM_MAX_ENTRIES entries and
 * ZIPSTREAM_MAX_ENTRY_BYTES uncompressed bytes in one wanted entry
 * (zipstream_limits changes them); beyond, WW_EINVALID.
 */
#ifndef WW_ZIPSTREAM_H
#define WW_ZIPSTREAM_H

#include "err.h"

#include <stddef.h>

struct zipstream_cb {
	/* A new entry named name: return 1 to receive its data, 0 to skip it,
	 * or a negative code (with e set) to stop. */
	int (*begin)(void *ctx, const char *name, struct err *e);
	/* Uncompressed data of a wanted entry: 0, or a negative code to stop. */
	int (*data)(void *ctx, const char *buf, size_t len, struct err *e);
	/* The wanted entry is complete and verified: 0, or a negative code. */
	int (*end)(void *ctx, struct err *e);
	void *ctx;
};

struct zipstream;

#define ZIPSTREAM_MAX_ENTRIES 100000L
#define ZIPSTREAM_MAX_ENTRY_BYTES (4ULL << 30)

/* WW_ENOMEM. Free with zipstream_free. */
int zipstream_new(struct zipstream **out, const struct zipstream_cb *cb);
void zipstream_free(struct zipstream *z);

/* Changes the limits; before the first zipstream_feed. */
void zipstream_limits(struct zipstream *z, long max_entries, unsigned long long max_entry_bytes);

/* Consumes len bytes. WW_EINVALID for a corrupt or unsupported archive (the
 * message names the entry), or the code a callback returned. After an error
 * the stream is dead: every later call returns the same code. */
int zipstream_feed(struct zipstream *z, const void *buf, size_t len, struct err *e);

/* The end of the input: 0 when the archive ended cleanly (the central
 * directory was reached), WW_EINVALID "truncated" otherwise. */
int zipstream_finish(struct zipstream *z, struct err *e);

/* Entries seen so far (wanted or not). */
long zipstream_entries(const struct zipstream *z);

#endif
