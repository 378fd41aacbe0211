/*
 * cmd_sources.c - `whatworks sources`: the sources file, checked, with each
 * source's last run
 */
#include "cmd.h"
#include "db.h"
#include "db_sources.h"
#include "gitsrc.h"
#include "sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: whatworks sources [--file PATH] [--check]\n\n"
	        "Checks the sources file (PATH, else $WHATWORKS_SOURCES) and lists each\n"
	        "source with its last import run. --check only validates the file (no\n"
	        "database). Secrets are never shown. Exit status: 0 valid, 1 invalid, 2 usage.\n\n"
	        "The file: one [NAME] section per source with `key = value` lines:\n"
	        "  kind        git, feed or police-uk\n"
	        "  location    git: repository path or URL; feed: the instance's URL\n"
	        "  ref, path   git: branch (default: the remote's default) and sub-folder\n"
	        "  interval    e.g. 15m (0 or absent: only webhooks and POST /v1/imports)\n"
	        "  jitter      default a tenth of interval, at most 60s\n"
	        "  timeout     a run's limit, default 10m\n"
	        "  debounce    webhook pushes within it make one import, default 2s, at most 1h\n"
	        "  secret      git: webhook secret or GitLab token; feed: bearer token\n"
	        "  secret_file read the secret from this file instead\n");
}

int cmd_sources(int argc, char **argv)
{
	const char *path = getenv("WHATWORKS_SOURCES");
	struct sources src;
	struct err e = {0};
	char conninfo[1024];
	PGconn *c = NULL;
	int check_only = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--check") == 0) {
			check_only = 1;
		} else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else {
			fprintf(stderr, "whatworks sources: unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || path[0] == '\0') {
		fprintf(stderr, "whatworks sources: no sources file: set WHATWORKS_SOURCES or "
		                "give --file PATH\n");
		return 2;
	}
	if (sources_load(&src, path, &e) < 0) {
		fprintf(stderr, "whatworks: %s\n", e.msg);
		return 1;
	}
	if (!check_only && db_connect(&c, db_conninfo(conninfo, sizeof(conninfo)), &e) < 0) {
		fprintf(stderr, "whatworks: %s (showing the file only)\n", e.msg);
		err_clear(&e);
	}
	printf("%s: %zu source%s\n", path, src.n, src.n == 1 ? "" : "s");
	for (size_t i = 0; i < src.n; i++) {
		const struct source_conf *s = &src.v[i];
		struct db_last_run lr;
		printf("\n%s (%s, line %d)\n", s->name, sources_kind_name(s->kind), s->line);
		if (s->location[0]) {
			char shown[sizeof(s->location) + 8];
			gitsrc_redact(shown, sizeof(shown), s->location);
			printf("  location: %s\n", shown);
		}
		if (s->ref[0])
			printf("  ref: %s\n", s->ref);
		if (s->path[0])
			printf("  path: %s\n", s->path);
		if (s->interval_s > 0)
			printf("  interval: %ds (jitter %ds)\n", s->interval_s, s->jitter_s);
		else
			printf("  interval: none (webhooks and POST /v1/imports only)\n");
		printf("  timeout: %ds\n", s->timeout_s);
		printf("  secret: %s\n", s->secret[0] ? "set" : "none");
		if (c == NULL)
			continue;
		if (db_source_last_run(c, s->name, &lr, &e) < 0) {
			printf("  last run: unknown (%s)\n", e.msg);
			err_clear(&e);
		} else if (!lr.found) {
			printf("  last run: never\n");
		} else {
			printf("  last run: %lld %s%s%s, commit %.12s, %s, %.0f ms\n", lr.run_id,
			       lr.status, lr.mode[0] ? " " : "", lr.mode,
			       lr.commit[0] ? lr.commit : "-", lr.started_at, lr.duration_ms);
			if (lr.message[0])
				printf("    %s\n", lr.message);
		}
	}
	sources_free(&src);
	db_close(c);
	return 0;
}
