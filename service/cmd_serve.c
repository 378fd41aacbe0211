/*
 * cmd_serve.c - `whatworks serve`: settings, signals and the HTTP server
 *
 * The main thread only waits for signals; libmicrohttpd's threads serve.
 * SIGHUP re-reads the settings (config file, environment, flags) and applies
 * those that can change while serving; a bad file keeps the old settings.
 * SIGTERM and SIGINT stop accepting, let requests in flight finish for at most
 * shutdown_timeout seconds, and exit 0.
 */
#include "cmd.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "scheduler.h"
#include "sources.h"

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static void apply_log_level(const struct config *c)
{
	int lvl = log_level_parse(c->log_level);
	if (lvl >= 0)
		log_min_level = (enum log_level)lvl;
}

static void reload(struct http_server *s, struct config *live, int argc, char **argv)
{
	struct config next;
	struct err e = {0};

	if (config_load(&next, argc, argv, stderr, &e) != 0) {
		log_error("reload failed; keeping the current settings", "reason=\"%s\"", e.msg);
		return;
	}
	config_apply_reload(live, &next);
	apply_log_level(live);
	http_reload(s, live);
	log_info("settings reloaded", "log_level=%s cors_origins=\"%s\" cache_control=\"%s\"",
	         live->log_level, live->cors_origins, live->cache_control);
}

#define SCHEDULER_STOP_MS 1500 /* within the 10 s a supervisor gives SIGTERM */

/* Starts the scheduler: the sources file's sources when one is configured;
 * those POST /v1/imports names are added as they are asked for. */
static int start_scheduler(struct scheduler **out, const struct config *cfg, struct err *e)
{
	struct sources src = {0};
	char conninfo[1024];
	const char *dir = getenv("WHATWORKS_DATA_DIR");
	struct scheduler_opts o;
	int rc;

	*out = NULL;
	if (cfg->sources[0] != '\0' && (rc = sources_load(&src, cfg->sources, e)) < 0)
		return rc;
	o.conninfo =
	    cfg->database_url[0] ? cfg->database_url : db_conninfo(conninfo, sizeof(conninfo));
	o.data_dir = dir && dir[0] ? dir : "var";
	o.sources = &src;
	rc = scheduler_start(out, &o, e);
	sources_free(&src);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	struct config cfg;
	struct err e = {0};
	struct http_server *s = NULL;
	struct scheduler *sched = NULL;
	sigset_t set;
	int rc, sig = 0;

	rc = config_load(&cfg, argc, argv, stdout, &e);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "whatworks serve: %s\n", e.msg);
		return 2;
	}
	apply_log_level(&cfg);
	/* block before any thread starts so that only sigwait sees these */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = start_scheduler(&sched, &cfg, &e)) < 0) {
		fprintf(stderr, "whatworks serve: %s\n", e.msg);
		return 1;
	}
	if ((rc = http_start(&s, &cfg, sched, &e)) < 0) {
		fprintf(stderr, "whatworks serve: %s\n", e.msg);
		scheduler_stop(sched, SCHEDULER_STOP_MS);
		return 1;
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(s, &cfg, argc, argv);
			continue;
		}
		break;
	}
	log_info("shutting down", "signal=%s timeout_s=%d", sig == SIGINT ? "SIGINT" : "SIGTERM",
	         cfg.shutdown_timeout);
	/* the server first (it hands requests to the scheduler), then the imports,
	 * briefly: an unfinished run is marked failed next start */
	rc = http_stop(s, cfg.shutdown_timeout);
	if (scheduler_stop(sched, SCHEDULER_STOP_MS) > 0)
		log_warn("an import was still running at shutdown", "source_runs_left=failed");
	if (rc > 0)
		log_warn("stopped with requests in flight", "requests=%d", rc);
	log_info("stopped", "in_flight=%d", rc);
	return 0;
}
