/*
 * feed.h - the feed source: another whatworks instance's /v1/export
 *
 * A regional or national instance gathers the evidence of local ones. A run
 * walks the origin's export page by page with its cursor (the cursor pins one
 * version of the origin, so the pages are one consistent set), sending the
 * ETag of the last import as If-None-Match: an origin that has not changed
 * answers 304 and the run costs one request (mode "unchanged"). Every
 * document is validated by ev_from_json exactly as a YAML file is, then
 * planned, cross-checked and written by import_run like a git commit: all or
 * nothing, an id another source owns is an error naming both, a document gone
 * from the export is retracted.
 *
 * Provenance of a record: path "feed:<origin>/<kind>/<id>" (origin: the URL
 * without /v1/export), commit the origin's evidence commit, blob the SHA-256
 * of the document's body, author the origin. The source's last_commit holds
 * the origin's ETag.
 *
 * Only this file (of the service) talks to feeds; it includes curl/curl.h.
 */
#ifndef WW_FEED_H
#define WW_FEED_H

#include "import.h"

#include <stddef.h>

#define FEED_PAGE_LIMIT 1000            /* documents asked per page (the export's maximum) */
#define FEED_MAX_DOCS 200000            /* default bound on documents in one feed */
#define FEED_MAX_PAGE_BYTES (64L << 20) /* default bound on one page's body */
#define FEED_TIMEOUT_S 60               /* default bound on one request */
#define FEED_CONNECT_TIMEOUT_S 10

struct feed_opts {
	const char *name;    /* source name; NULL: "feed:" and the origin's host */
	const char *url;     /* the origin's base URL or its /v1/export URL */
	const char *token;   /* NULL: none; else sent as a bearer token */
	const char *trigger; /* manual, schedule, api */
	const struct import_control *ctl;
	long timeout_s;         /* each request; 0: FEED_TIMEOUT_S */
	long connect_timeout_s; /* 0: FEED_CONNECT_TIMEOUT_S */
	size_t max_docs;        /* 0: FEED_MAX_DOCS */
	size_t max_page_bytes;  /* 0: FEED_MAX_PAGE_BYTES */
	size_t page_limit;      /* 0: FEED_PAGE_LIMIT */
};

/*
 * Imports a feed. Returns as import_git does: 0 succeeded (mode "full",
 * or "unchanged" after a 304), WW_EINVALID rejected (errors in res->errs,
 * each naming the document's origin URL, kind and id), IMPORT_SKIPPED, or
 * WW_EUPSTREAM (the origin failed, answered something that is not an export,
 * or broke a bound), WW_EDB, WW_ENOMEM. *requests (may be NULL) receives the
 * number of HTTP requests made.
 */
int feed_import(PGconn *c, const struct feed_opts *o, struct import_result *res, int *requests,
                struct err *e);

/* The export URL and the origin (the URL without /v1/export, no trailing
 * slash) for a feed URL; 0, or WW_EINVALID for a URL that is not http(s). */
int feed_urls(const char *url, char *export_url, size_t esize, char *origin, size_t osize,
              struct err *e);

#endif
