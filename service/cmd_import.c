/*
 * cmd_import.c - `whatworks migrate`, `whatworks import git`, `whatworks imports`
 */
#include "cmd.h"
#include "db.h"
#include "db_import.h"
#include "feed.h"
#include "import.h"
#include "log.h"
#include "source_kinds.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $WHATWORKS_DATA_DIR, else ./var */
static const char *data_dir(void)
{
	const char *d = getenv("WHATWORKS_DATA_DIR");
	return (d && d[0]) ? d : "var";
}

int cmd_migrate(int argc, char **argv)
{
	char conninfo[1024];
	struct err e = {0};
	PGconn *c = NULL;
	int applied = 0;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0) {
			printf("usage: whatworks migrate\n\nApplies the schema migrations not yet "
			       "applied to the database named by WHATWORKS_DATABASE_URL.\n");
			return 0;
		}
		fprintf(stderr, "whatworks migrate: unexpected argument \"%s\"\n", argv[1]);
		return 2;
	}
	if (db_connect(&c, db_conninfo(conninfo, sizeof(conninfo)), &e) < 0 ||
	    db_migrate(c, &applied, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		db_close(c);
		return 1;
	}
	printf("schema at version %d (%d migration%s applied)\n", db_schema_version(), applied,
	       applied == 1 ? "" : "s");
	db_close(c);
	return 0;
}

static void import_usage(FILE *f)
{
	fprintf(f, "usage: whatworks import git --repo PATH|URL [--ref REF] [--path SUBDIR] "
	           "[--name NAME]\n\n"
	           "Fetches the repository into a mirror under $WHATWORKS_DATA_DIR, validates the\n"
	           "YAML files of the commit REF names (default: the remote's default branch)\n"
	           "under SUBDIR, and imports them in one transaction. A commit with any invalid\n"
	           "file imports nothing; its errors are recorded on the run.\n"
	           "Exit status: 0 imported (or already current), 1 rejected or failed, 2 usage.\n"
	           "\n"
	           "       whatworks import feed --url URL [--name NAME] [--token TOKEN]\n\n"
	           "Imports another whatworks instance's export (URL: its base URL or its\n"
	           "/v1/export), validated like YAML files, all or nothing. An unchanged feed\n"
	           "costs one request (If-None-Match). NAME defaults to feed:HOST[:PORT].\n");
}

/* Prints a run's outcome; returns the exit status. */
static int report(int rc, const struct import_result *res, const struct err *e)
{
	if (rc == 0) {
		printf("import run %lld %s: commit %.12s (%s), %d added, %d updated, %d unchanged, "
		       "%d removed, %.0f ms\n",
		       res->run_id, res->status, res->commit, res->mode, res->n.added,
		       res->n.updated, res->n.unchanged, res->n.removed, res->duration_ms);
	} else if (rc == WW_EINVALID) {
		char line[2048];
		for (size_t i = 0; i < res->errs.n; i++) {
			ev_error_format(&res->errs.v[i], line, sizeof(line));
			printf("%s\n", line);
		}
		fprintf(stderr, "whatworks: import run %lld rejected: %s\n", res->run_id, e->msg);
	} else {
		fprintf(stderr, "whatworks: %s\n", e->msg);
	}
	return rc == 0 ? 0 : 1;
}

int cmd_import_feed(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"name", required_argument, NULL, 'n'},
	    {"token", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct feed_opts o = {.trigger = "manual"};
	struct import_result res;
	struct err e = {0};
	PGconn *c = NULL;
	int opt, rc, requests = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'u': o.url = optarg; break;
		case 'n': o.name = optarg; break;
		case 't': o.token = optarg; break;
		case 'h': import_usage(stdout); return 0;
		default: import_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "whatworks import: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (o.url == NULL) {
		fprintf(stderr, "whatworks import feed: --url is required\n");
		return 2;
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	rc = feed_import(c, &o, &res, &requests, &e);
	rc = report(rc, &res, &e);
	if (res.run_id > 0)
		printf("requests: %d\n", requests);
	import_result_free(&res);
	db_close(c);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	const struct source_kind_def *d;
	char names[128];

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		import_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if ((d = source_kind_find(argv[1])) == NULL) {
		source_kinds_list(names, sizeof(names));
		fprintf(stderr, "whatworks import: unknown source kind \"%s\" (allowed: %s)\n",
		        argv[1], names);
		return 2;
	}
	return d->cli(argc - 1, argv + 1);
}

int cmd_import_git(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"repo", required_argument, NULL, 'r'}, {"ref", required_argument, NULL, 'f'},
	    {"path", required_argument, NULL, 'p'}, {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	struct import_git_opts o = {.data_dir = data_dir(), .trigger = "manual"};
	struct import_result res;
	struct err e = {0};
	PGconn *c = NULL;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': o.location = optarg; break;
		case 'f': o.ref = optarg; break;
		case 'p': o.subpath = optarg; break;
		case 'n': o.name = optarg; break;
		case 'h': import_usage(stdout); return 0;
		default: import_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "whatworks import: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (o.location == NULL) {
		fprintf(stderr, "whatworks import: --repo is required\n");
		return 2;
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	rc = import_git(c, &o, &res, &e);
	rc = report(rc, &res, &e);
	import_result_free(&res);
	db_close(c);
	return rc;
}

static void print_run(const json_t *run, int with_errors)
{
	const json_t *errs = json_object_get(run, "errors");
	const char *commit = json_string_value(json_object_get(run, "commit"));

	printf(
	    "%-6lld %-10s %-12s %-12.12s %4lld added %4lld updated %4lld removed %4lld rejected  "
	    "%s  %s\n",
	    (long long)json_integer_value(json_object_get(run, "id")),
	    json_string_value(json_object_get(run, "status")),
	    json_string_value(json_object_get(run, "mode"))
	        ? json_string_value(json_object_get(run, "mode"))
	        : "-",
	    commit ? commit : "-", (long long)json_integer_value(json_object_get(run, "added")),
	    (long long)json_integer_value(json_object_get(run, "updated")),
	    (long long)json_integer_value(json_object_get(run, "removed")),
	    (long long)json_integer_value(json_object_get(run, "rejected")),
	    json_string_value(json_object_get(run, "source")),
	    json_string_value(json_object_get(run, "started_at")));
	if (json_string_value(json_object_get(run, "message")))
		printf("       %s\n", json_string_value(json_object_get(run, "message")));
	for (size_t i = 0; with_errors && i < json_array_size(errs); i++) {
		const json_t *x = json_array_get(errs, i);
		const char *field = json_string_value(json_object_get(x, "field"));
		printf("       %s:%lld:%lld: %s%s%s\n",
		       json_string_value(json_object_get(x, "path")),
		       (long long)json_integer_value(json_object_get(x, "line")),
		       (long long)json_integer_value(json_object_get(x, "col")), field ? field : "",
		       field && field[0] ? ": " : "",
		       json_string_value(json_object_get(x, "message")));
	}
}

int cmd_imports(int argc, char **argv)
{
	struct err e = {0};
	PGconn *c = NULL;
	json_t *runs = NULL;
	long long run_id = 0;
	int limit = 20, json = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: whatworks imports [--limit N] [--json] [RUN]\n\n"
			       "Lists the latest import runs with their errors, or one run.\n");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end != '\0' || v < 1 || v > 1000) {
				fprintf(stderr,
				        "whatworks imports: --limit must be from 1 to 1000\n");
				return 2;
			}
			limit = (int)v;
		} else if (argv[i][0] != '-' && run_id == 0) {
			char *end;
			run_id = strtoll(argv[i], &end, 10);
			if (*end != '\0' || run_id < 1) {
				fprintf(stderr,
				        "whatworks imports: run \"%s\" is not a run number\n",
				        argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "whatworks imports: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (cmd_open_db(&c) < 0)
		return 1;
	db_runs_reap(c, NULL, &e); /* a killed import shows failed, not running */
	err_clear(&e);
	if (db_imports(&runs, c, limit, run_id, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		db_close(c);
		return 1;
	}
	if (run_id > 0 && json_array_size(runs) == 0) {
		fprintf(stderr, "whatworks: import run %lld does not exist\n", run_id);
		json_decref(runs);
		db_close(c);
		return 1;
	}
	if (json) {
		char *s = json_dumps(runs, JSON_INDENT(2));
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		for (size_t i = 0; i < json_array_size(runs); i++)
			print_run(json_array_get(runs, i), 1);
	}
	json_decref(runs);
	db_close(c);
	return 0;
}
