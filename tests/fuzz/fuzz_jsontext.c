/* fuzz_jsontext.c - jsontext.c's JSON reader and writer, against jansson's */
#include "jsontext.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *text = malloc(size + 1);
	json_error_t je;
	json_t *v;

	if (text == NULL)
		return 0;
	memcpy(text, in, size);
	text[size] = '\0';
	v = jsontext_load(text, &je);
	/* the same values as jansson's own reader, or the same refusal */
	json_t *ref = json_loads(text, 0, &je);
	if ((v == NULL) != (ref == NULL) || (v != NULL && !json_equal(v, ref)))
		abort();
	json_decref(ref);
	if (v != NULL) {
		char *out = jsontext_dump(v, 0), *copy = jsontext_dump(v, 1);
		json_t *again = out ? json_loads(out, JSON_DECODE_ANY, &je) : NULL;
		/* what jsontext writes, jansson reads as the same value */
		if (out != NULL && (again == NULL || !json_equal(v, again)))
			abort();
		json_decref(again);
		free(out);
		free(copy);
		json_decref(v);
	}
	free(text);
	return 0;
}
