/* fuzz_config.c - the config file of `whatworks serve` (--config-file) */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static int fd = -1;
	static char arg[64];
	struct config c;
	struct err e = {0};
	char *argv[] = {"serve", arg, NULL};

	if (fd < 0) {
		fd = memfd_create("fuzz-config", 0);
		snprintf(arg, sizeof(arg), "--config-file=/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, in, size, 0) != (ssize_t)size)
		return 0;
	config_load(&c, 2, argv, NULL, &e);
	return 0;
}
