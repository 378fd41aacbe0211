/*
 * zipstream.c - reading a zip archive front to back as it downloads
 *
 * A small state machine over the byte stream: a 4-byte signature, a local
 * file header (30 bytes, then the name and the extra field), the entry's data,
 * and, when bit 3 of the flags is set, a data descriptor. Headers may arrive
 * split across any number of feeds, so they are gathered in hdr first. The
 * central directory (or any other record) ends the walk.
 */
#include "zipstream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_DESC 0x08074b50u
#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define HDR_MAX (30 + 65535 + 65535)
#define OUT_CHUNK 65536

enum state { S_SIG, S_HEADER, S_DATA, S_DESC, S_DONE, S_DEAD };

struct zipstream {
	struct zipstream_cb cb;
	enum state st;
	unsigned char *hdr; /* HDR_MAX bytes */
	size_t have, need;
	unsigned char *out; /* OUT_CHUNK bytes of inflated data */
	/* the current entry */
	char name[512];
	unsigned flags, method;
	int zip64, wanted, inflating;
	uint32_t crc_want, crc;
	uint64_t csize, usize; /* from the header; unknown with a descriptor */
	uint64_t cin, uout;    /* compressed bytes consumed, bytes produced */
	z_stream zs;
	int zs_ready;
	int code; /* the error that killed the stream */
	long entries;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int zipstream_new(struct zipstream **out, const struct zipstream_cb *cb)
{
	struct zipstream *z = calloc(1, sizeof(*z));

	*out = NULL;
	if (z == NULL || (z->hdr = malloc(HDR_MAX)) == NULL ||
	    (z->out = malloc(OUT_CHUNK)) == NULL) {
		zipstream_free(z);
		return WW_ENOMEM;
	}
	z->cb = *cb;
	z->st = S_SIG;
	z->need = 4;
	*out = z;
	return 0;
}

void zipstream_free(struct zipstream *z)
{
	if (z == NULL)
		return;
	if (z->zs_ready)
		inflateEnd(&z->zs);
	free(z->hdr);
	free(z->out);
	free(z);
}

long zipstream_entries(const struct zipstream *z)
{
	return z->entries;
}

static int die(struct zipstream *z, int code)
{
	z->st = S_DEAD;
	z->code = code;
	return code;
}

static int bad(struct zipstream *z, struct err *e, const char *what)
{
	if (z->name[0] != '\0')
		err_set(e, WW_EINVALID, "zip entry \"%s\": %s", z->name, what);
	else
		err_set(e, WW_EINVALID, "zip archive: %s", what);
	return die(z, WW_EINVALID);
}

/* Reads the zip64 sizes out of the extra field when the header says so. */
static void zip64_sizes(struct zipstream *z, const unsigned char *x, size_t xlen)
{
	size_t i = 0;

	while (i + 4 <= xlen) {
		unsigned id = le16(x + i), sz = le16(x + i + 2);
		const unsigned char *d = x + i + 4;
		size_t used = 0;
		if (i + 4 + sz > xlen)
			return;
		if (id == 0x0001) {
			z->zip64 = 1;
			if (z->usize == 0xffffffffu && used + 8 <= sz) {
				z->usize = le64(d + used);
				used += 8;
			}
			if (z->csize == 0xffffffffu && used + 8 <= sz)
				z->csize = le64(d + used);
			return;
		}
		i += 4 + sz;
	}
}

static int start_entry(struct zipstream *z, struct err *e)
{
	const unsigned char *h = z->hdr;
	size_t nlen = le16(h + 26), xlen = le16(h + 28);
	int rc;

	snprintf(z->name, sizeof(z->name), "%.*s", (int)(nlen < 400 ? nlen : 400), h + 30);
	z->flags = le16(h + 6);
	z->method = le16(h + 8);
	z->crc_want = le32(h + 14);
	z->csize = le32(h + 18);
	z->usize = le32(h + 22);
	z->zip64 = 0;
	zip64_sizes(z, h + 30 + nlen, xlen);
	z->cin = z->uout = 0;
	z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	z->entries++;
	if (z->flags & FLAG_ENCRYPTED)
		return bad(z, e, "encrypted entries are not supported");
	if (z->method != 0 && z->method != 8)
		return bad(z, e, "compression method is neither stored nor deflate");
	if (z->method == 0 && (z->flags & FLAG_DESCRIPTOR))
		return bad(z, e, "stored entry without sizes cannot be streamed");
	if ((rc = z->cb.begin(z->cb.ctx, z->name, e)) < 0)
		return die(z, rc);
	z->wanted = rc > 0;
	/* a skipped entry of known size is passed over; otherwise inflate to find its end */
	z->inflating = z->method == 8 && (z->wanted || (z->flags & FLAG_DESCRIPTOR));
	if (z->inflating) {
		int zr = z->zs_ready ? inflateReset(&z->zs) : inflateInit2(&z->zs, -MAX_WBITS);
		if (zr != Z_OK)
			return bad(z, e, "could not start inflating");
		z->zs_ready = 1;
	}
	z->st = S_DATA;
	return 0;
}

static int verify(struct zipstream *z, uint32_t crc, uint64_t csize, uint64_t usize, struct err *e)
{
	int rc;

	if (z->cin != csize)
		return bad(z, e, "compressed size does not match the header");
	if (!z->wanted)
		return 0;
	if (z->uout != usize)
		return bad(z, e, "uncompressed size does not match the header");
	if (z->crc != crc)
		return bad(z, e, "CRC-32 mismatch: the data is corrupt");
	if ((rc = z->cb.end(z->cb.ctx, e)) < 0)
		return die(z, rc);
	return 0;
}

/* The entry's data is over: read its descriptor or check it now. */
static int data_done(struct zipstream *z, struct err *e)
{
	if (z->flags & FLAG_DESCRIPTOR) {
		z->st = S_DESC;
		z->have = 0;
		z->need = 4;
		return 0;
	}
	z->st = S_SIG;
	z->have = 0;
	z->need = 4;
	return verify(z, z->crc_want, z->csize, z->usize, e);
}

static int emit(struct zipstream *z, const unsigned char *buf, size_t n, struct err *e)
{
	int rc;

	z->uout += n;
	if (!z->wanted || n == 0)
		return 0;
	z->crc = (uint32_t)crc32(z->crc, buf, (uInt)n);
	if ((rc = z->cb.data(z->cb.ctx, (const char *)buf, n, e)) < 0)
		return die(z, rc);
	return 0;
}

/* Consumes data bytes of the current entry; returns bytes used or < 0. */
static long data(struct zipstream *z, const unsigned char *p, size_t len, struct err *e)
{
	size_t n = len;
	int rc;

	if (!(z->flags & FLAG_DESCRIPTOR) && n > z->csize - z->cin)
		n = (size_t)(z->csize - z->cin);
	if (!z->inflating) {
		z->cin += n;
		if (z->method == 0 && (rc = emit(z, p, n, e)) < 0)
			return rc;
		if (z->cin == z->csize && (rc = data_done(z, e)) < 0)
			return rc;
		return (long)n;
	}
	z->zs.next_in = (unsigned char *)p;
	z->zs.avail_in = (uInt)(n > (1u << 30) ? 1u << 30 : n);
	for (;;) {
		uInt before = z->zs.avail_in;
		z->zs.next_out = z->out;
		z->zs.avail_out = OUT_CHUNK;
		int zr = inflate(&z->zs, Z_NO_FLUSH);
		z->cin += before - z->zs.avail_in;
		if ((rc = emit(z, z->out, OUT_CHUNK - z->zs.avail_out, e)) < 0)
			return rc;
		if (zr == Z_STREAM_END) {
			long used = (long)(z->zs.next_in - p);
			if ((rc = data_done(z, e)) < 0)
				return rc;
			return used;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return bad(z, e, "corrupt deflate data");
		/* all input used and no output pending: wait for more bytes */
		if (zr == Z_BUF_ERROR || (z->zs.avail_in == 0 && z->zs.avail_out != 0))
			break;
	}
	if (!(z->flags & FLAG_DESCRIPTOR) && z->cin == z->csize)
		return bad(z, e, "deflate data ends before the stream does");
	return (long)(z->zs.next_in - p);
}

static int descriptor(struct zipstream *z, struct err *e)
{
	const unsigned char *d = z->hdr;
	size_t sizes = z->zip64 ? 16 : 8;

	if (z->need == 4) {
		/* the signature is optional: learn the length from the first word */
		z->need = le32(d) == SIG_DESC ? 8 + sizes : 4 + sizes;
		return 0;
	}
	if (le32(d) == SIG_DESC)
		d += 4;
	uint64_t cs = z->zip64 ? le64(d + 4) : le32(d + 4);
	uint64_t us = z->zip64 ? le64(d + 12) : le32(d + 8);
	z->st = S_SIG;
	z->have = 0;
	z->need = 4;
	return verify(z, le32(d), cs, us, e);
}

int zipstream_feed(struct zipstream *z, const void *buf, size_t len, struct err *e)
{
	const unsigned char *p = buf;
	int rc;

	if (z->st == S_DEAD)
		return err_set(e, z->code, "zip archive: reading stopped after an error");
	while (len > 0 && z->st != S_DONE) {
		if (z->st == S_DATA) {
			long used = data(z, p, len, e);
			if (used < 0)
				return (int)used;
			p += used;
			len -= (size_t)used;
			continue;
		}
		/* gather a header */
		size_t n = z->need - z->have < len ? z->need - z->have : len;
		memcpy(z->hdr + z->have, p, n);
		z->have += n;
		p += n;
		len -= n;
		if (z->have < z->need)
			continue;
		if (z->st == S_SIG) {
			uint32_t sig = le32(z->hdr);
			if (sig == SIG_LOCAL) {
				z->st = S_HEADER;
				z->need = 30;
			} else if (sig == SIG_CENTRAL || sig == SIG_END || sig == SIG_END64) {
				z->st = S_DONE;
			} else {
				z->name[0] = '\0';
				return bad(z, e,
				           z->entries == 0 ? "not a zip archive"
				                           : "unexpected bytes between entries");
			}
		} else if (z->st == S_HEADER) {
			if (z->need == 30) {
				z->need = 30 + (size_t)le16(z->hdr + 26) + le16(z->hdr + 28);
				if (z->need > 30)
					continue;
			}
			if ((rc = start_entry(z, e)) < 0)
				return rc;
			if (z->st == S_DATA && !(z->flags & FLAG_DESCRIPTOR) && z->csize == 0 &&
			    (rc = data_done(z, e)) < 0)
				return rc;
		} else if (z->st == S_DESC) {
			if ((rc = descriptor(z, e)) < 0)
				return rc;
		}
	}
	return 0;
}

int zipstream_finish(struct zipstream *z, struct err *e)
{
	if (z->st == S_DEAD)
		return err_set(e, z->code, "zip archive: reading stopped after an error");
	if (z->st == S_DONE)
		return 0;
	if (z->st == S_SIG && z->have == 0 && z->entries == 0)
		return err_set(e, WW_EINVALID, "zip archive is empty");
	if (z->st == S_SIG && z->have == 0)
		return err_set(e, WW_EINVALID,
		               "zip archive is truncated: it ends after %ld entries, before its "
		               "central directory",
		               z->entries);
	return err_set(e, WW_EINVALID, "zip archive is truncated inside entry \"%s\"",
	               z->st == S_SIG ? "(between entries)" : z->name);
}
