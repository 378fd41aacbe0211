/*
 * zipstream.h - reading a zip archive front to back as it downloads
 *
 * Pure: bytes in through zipstream_feed (any chunking), entries out through
 * callbacks; nothing is held but one entry's header and zlib's window, so a
 * 1.5 GB archive streams in constant memory and never touches the disk.
 *
 * It reads the local file headers in order and stops at the central
 * directory, which it does not need. Entries may be stored or deflated, may
 * carry a data descriptor (sizes after the data, as streaming writers do)
 * and zip64 sizes. Every entry the caller asks for is checked against its
 * CRC-32 and sizes before end() is called, so end() means "these bytes are
 * exactly what the archive holds". Skipped entries with known sizes are
 * passed over without inflating. Encrypted entries, other compression
 * methods and stored entries with a data descriptor are WW_EINVALID.
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

/* WW_ENOMEM. Free with zipstream_free. */
int zipstream_new(struct zipstream **out, const struct zipstream_cb *cb);
void zipstream_free(struct zipstream *z);

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
