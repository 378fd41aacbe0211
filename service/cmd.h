/*
 * cmd.h - the subcommands of the whatworks binary
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand) and
 * returns the process exit status: 0 success, 1 failure or invalid input,
 * 2 usage error.
 */
#ifndef WW_CMD_H
#define WW_CMD_H

#include "db.h"

int cmd_validate(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_imports(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_sources(int argc, char **argv);
/* `whatworks import KIND ...` of each source kind (see source_kinds.c). */
int cmd_import_git(int argc, char **argv);
int cmd_import_feed(int argc, char **argv);
int cmd_import_policeuk(int argc, char **argv);
int cmd_project(int argc, char **argv);

/* Connects to the database and migrates it; prints the reason and returns -1
 * on failure. */
int cmd_open_db(PGconn **c);

#endif
