/* fuzz_http.c - request heads, request targets (query parameters) and
 * cursors, as the gate and the API read them */
#include "api_internal.h"
#include "http_gate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *cursor;

static const char *get(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "cursor") == 0 ? cursor : NULL;
}

static const char *name_at(void *ctx, size_t i)
{
	(void)ctx;
	return i == 0 ? "cursor" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct http_head_limits lim = {16384, 4096, 32768};
	static const char *const allowed[] = {"limit", "offset", "cursor", NULL};
	struct api_params p = {get, name_at, NULL};
	struct api_page pg;
	struct err e = {0};
	char msg[256], *text;
	int status;

	http_head_check((const char *)in, size, &lim, &status, msg, sizeof(msg));
	http_target_check((const char *)in, size, msg, sizeof(msg));
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, in, size);
	text[size] = '\0';
	cursor = text;
	api_parse_page(&pg, NULL, &p, "fuzz", allowed, 50, 500, &e);
	free(text);
	return 0;
}
