/* fuzz_zip.c - the streaming zip reader, fed in pieces as a download is */
#include "zipstream.h"

#include <stddef.h>
#include <stdint.h>

static int begin(void *ctx, const char *name, struct err *e)
{
	(void)ctx;
	(void)e;
	return name[0] != 'x'; /* some entries skipped, the others read */
}

static int data(void *ctx, const char *buf, size_t len, struct err *e)
{
	(void)ctx;
	(void)e;
	volatile char sink = len ? buf[len - 1] : 0;
	(void)sink;
	return 0;
}

static int end(void *ctx, struct err *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct zipstream_cb cb = {begin, data, end, NULL};
	struct zipstream *z = NULL;
	struct err e = {0};
	size_t step, off = 0;

	if (size == 0 || zipstream_new(&z, &cb) < 0)
		return 0;
	/* the first byte chooses how the stream is cut */
	step = 1 + in[0] % 97;
	in++;
	size--;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		if (zipstream_feed(z, in + off, n, &e) < 0)
			break;
		off += n;
	}
	if (off == size)
		zipstream_finish(z, &e);
	zipstream_free(z);
	return 0;
}
