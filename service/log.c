/*
 * log.c - logfmt lines to stderr; one write(2) per line so threads do not
 * interleave
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_min_level = LOG_LEVEL_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void log_write(enum log_level lvl, const char *msg, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int w;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s msg=\"", ts.tv_nsec / 1000000,
	             level_names[lvl]);
	n += (size_t)w;
	/* quote the message: escape " and \ and drop control characters */
	for (const char *p = msg; *p && n < sizeof(line) - 8; p++) {
		if (*p == '"' || *p == '\\')
			line[n++] = '\\';
		line[n++] = ((unsigned char)*p < 0x20) ? ' ' : *p;
	}
	line[n++] = '"';
	if (fmt[0] != '\0' && n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
		va_end(ap);
		if (w > 0)
			n += ((size_t)w < sizeof(line) - n - 1) ? (size_t)w : sizeof(line) - n - 2;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report a failed log write */
	}
}
