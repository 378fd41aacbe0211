/*
 * log.h - level-gated logging, one logfmt line per event, to stderr
 *
 *   log_info("import finished", "run=%lld added=%d", run, added);
 *
 * prints  ts=2026-11-26T10:00:00.123Z level=info msg="import finished" run=1 added=3
 * The second argument holds extra logfmt fields (may be ""). Secrets never go
 * into either.
 */
#ifndef WW_LOG_H
#define WW_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

extern enum log_level log_min_level;

/* Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int log_level_parse(const char *s);

void log_write(enum log_level lvl, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...)                                                                        \
	do {                                                                                       \
		if (log_min_level <= LOG_LEVEL_DEBUG)                                              \
			log_write(LOG_LEVEL_DEBUG, msg, __VA_ARGS__);                              \
	} while (0)
#define log_info(msg, ...)                                                                         \
	do {                                                                                       \
		if (log_min_level <= LOG_LEVEL_INFO)                                               \
			log_write(LOG_LEVEL_INFO, msg, __VA_ARGS__);                               \
	} while (0)
#define log_warn(msg, ...)                                                                         \
	do {                                                                                       \
		if (log_min_level <= LOG_LEVEL_WARN)                                               \
			log_write(LOG_LEVEL_WARN, msg, __VA_ARGS__);                               \
	} while (0)
#define log_error(msg, ...) log_write(LOG_LEVEL_ERROR, msg, __VA_ARGS__)

#endif
