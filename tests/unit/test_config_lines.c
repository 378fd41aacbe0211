/*
 * test_config_lines.c - a config file line longer than the buffer is an
 * error naming file:line, never split into a second "line" (issue 10 item 19)
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Test(config_lines, long_comment_tail_is_not_a_setting)
{
	char path[] = "/tmp/ww-config-XXXXXX", arg[64], want[128];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct config c;
	struct err e = {0};

	cr_assert_not_null(f);
	fprintf(f, "log_level = info\n# ");
	for (int i = 0; i < 2046; i++)
		fputc('x', f);
	fprintf(f, "import_token = injected\n");
	fclose(f);
	snprintf(arg, sizeof(arg), "--config-file=%s", path);
	char *argv[] = {"serve", arg, NULL};
	int rc = config_load(&c, 2, argv, NULL, &e);
	unlink(path);
	cr_expect_eq(rc, WW_EINVALID, "accepted; import_token is \"%s\"", c.import_token);
	snprintf(want, sizeof(want), "%s:2: line is longer than", path);
	cr_expect(strstr(e.msg, want) != NULL, "%s", e.msg);
}
