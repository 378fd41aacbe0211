/*
 * sources.h - the sources file: what the scheduler imports, and how often
 *
 * WHATWORKS_SOURCES (or serve's --sources) names a file of sections, one per
 * source, `key = value` lines like the settings file, '#' comments:
 *
 *   [evidence]                      # the source's name
 *   kind = git                      # git, feed or police-uk
 *   location = https://git.example.org/partner/evidence.git
 *   ref = main                      # git: default the remote's default branch
 *   path = evidence                 # git: sub-folder, default the root
 *   interval = 15m                  # 0 or absent: only on webhook or POST /v1/imports
 *   jitter = 30s                    # default a tenth of the interval, at most 60s
 *   timeout = 10m                   # a run's limit, default 10m
 *   debounce = 2s                   # webhook pushes within this coalesce, default 2s
 *   secret = ...                    # git: the webhook secret or GitLab token;
 *                                   # feed: bearer token sent to the origin
 *   secret_file = /etc/whatworks/evidence.secret   # or read it from a file
 *
 * Durations are seconds, or a number with s, m, h or d. Loading is strict:
 * the first problem fails with "file:line: ...". A secret is never logged or
 * printed; `whatworks sources` shows "secret: set".
 */
#ifndef WW_SOURCES_H
#define WW_SOURCES_H

#include "err.h"

#include <stddef.h>

#define SOURCES_DEFAULT_TIMEOUT_S 600 /* a run's limit when timeout = is absent */

/* The kinds; each has one row in source_kinds.c. */
enum source_kind { SOURCE_GIT, SOURCE_FEED, SOURCE_POLICE_UK };

struct source_conf {
	char name[128];
	enum source_kind kind;
	char location[1024];
	char ref[256];
	char path[512];
	int interval_s; /* 0: not scheduled */
	int jitter_s;
	int timeout_s;
	int debounce_ms;
	char secret[512]; /* "" when none */
	int line;         /* where the section starts */
};

struct sources {
	struct source_conf *v;
	size_t n;
	char file[512];
};

/* "git", "feed", "police-uk". */
const char *sources_kind_name(enum source_kind k);

/*
 * Parses a sources file held in buf (file names it in errors). Returns 0, or
 * WW_EINVALID with "file:line: message", WW_ENOMEM. Free with sources_free.
 */
int sources_parse(struct sources *out, const char *file, const char *buf, size_t len,
                  struct err *e);

/* Reads and parses the file at path. */
int sources_load(struct sources *out, const char *path, struct err *e);

void sources_free(struct sources *s);

/* The source named name, or NULL (borrowed). */
const struct source_conf *sources_find(const struct sources *s, const char *name);

/* Parses "90", "90s", "15m", "2h", "1d" into seconds; -1 when invalid. */
long sources_duration(const char *s);

#endif
