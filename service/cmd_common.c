/*
 * cmd_common.c - what several subcommands share
 */
#include "cmd.h"
#include "db.h"

#include <stdio.h>

int cmd_open_db(PGconn **c)
{
	struct err e = {0};

	if (db_open(c, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return -1;
	}
	return 0;
}
