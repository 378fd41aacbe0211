/* fuzz_feed.c - a feed's export page: JSON, then every document through the
 * same checks as a YAML file (ev_from_json) */
#include "evidence.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)in, size, 0, &je), *item;
	size_t i;

	json_array_foreach(json_object_get(doc, "data"), i, item)
	{
		struct ev_doc *d = NULL;
		struct ev_errors errs = {0};
		const json_t *body = json_object_get(item, "body");
		if (json_is_object(body))
			ev_from_json(&d, "feed:fuzz", body, &errs);
		ev_doc_free(d);
		ev_errors_free(&errs);
	}
	json_decref(doc);
	return 0;
}
