/* fuzz_sources.c - the sources file */
#include "sources.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct sources s;
	struct err e = {0};

	if (sources_parse(&s, "fuzz.conf", (const char *)in, size, &e) == 0)
		sources_free(&s);
	return 0;
}
