/*
 * main.c - the whatworks binary: one program, several subcommands
 */
#include "cmd.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"validate", cmd_validate, "check evidence files (no database needed)"},
    {"migrate", cmd_migrate, "apply the database migrations"},
    {"import", cmd_import, "import from a source (git, feed, police-uk)"},
    {"imports", cmd_imports, "list import runs and their errors"},
    {"serve", cmd_serve, "serve the evidence base over HTTP (REST, JSON and CSV)"},
    {"score", cmd_score, "value-for-money appraisals in plain words"},
    {"sources", cmd_sources, "check the sources file and show each source's last run"},
    {"project", cmd_project, "what an intervention would do in a force area, at a scale"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: whatworks COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'whatworks COMMAND --help' describes each command.\n"
	           "WHATWORKS_DATABASE_URL names the database (default: the cluster in "
	           "$WHATWORKS_DATA_DIR, ./var).\n");
}

int main(int argc, char **argv)
{
	const char *lvl = getenv("WHATWORKS_LOG_LEVEL");

	if (lvl != NULL && log_level_parse(lvl) >= 0)
		log_min_level = (enum log_level)log_level_parse(lvl);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "whatworks: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
