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
#include "http.h"
#include "log.h"

#include <signal.h>
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

int cmd_serve(int argc, char **argv)
{
	struct config cfg;
	struct err e = {0};
	struct http_server *s = NULL;
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
	if ((rc = http_start(&s, &cfg, &e)) < 0) {
		fprintf(stderr, "whatworks serve: %s\n", e.msg);
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
	rc = http_stop(s, cfg.shutdown_timeout);
	if (rc > 0)
		log_warn("stopped with requests in flight", "requests=%d", rc);
	log_info("stopped", "in_flight=%d", rc);
	return 0;
}
