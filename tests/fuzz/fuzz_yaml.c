/* fuzz_yaml.c - the YAML reader and the evidence validator (ev_parse) */
#include "evidence.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev_doc *doc = NULL;
	struct ev_errors errs = {0};

	ev_parse(&doc, "fuzz.yaml", (const char *)data, size, &errs);
	ev_doc_free(doc);
	ev_errors_free(&errs);
	return 0;
}
