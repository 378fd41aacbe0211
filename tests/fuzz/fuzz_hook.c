/* fuzz_hook.c - webhook push payloads of every host */
#include "hook_verify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const enum hook_host hosts[] = {HOOK_GITHUB, HOOK_GITEA, HOOK_GITLAB};
	static const char *const events[] = {"push", "Push Hook", "ping"};
	struct hook_push p;

	for (int i = 0; i < 3; i++)
		hook_parse_push(hosts[i], events[i], (const char *)in, size, &p);
	/* the signature header is a string: the input, cut at its first NUL */
	char *given = malloc(size + 1);
	if (given == NULL)
		return 0;
	memcpy(given, in, size);
	given[size] = '\0';
	for (int i = 0; i < 3; i++)
		hook_verify(hosts[i], given, "secret", in, size);
	free(given);
	return 0;
}
