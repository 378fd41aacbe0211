/*
 * feed.c - another whatworks instance's export into the evidence base
 *
 * The fetch walks /v1/export with libcurl: the first page with If-None-Match
 * (304: nothing to do), then each next_cursor until the last page, keeping
 * every document's body and a SHA-256 of it. A page's Link header names the
 * next page's cursor before its body is parsed, so that request goes out on
 * a second thread while this page is parsed (the origin prepares one page
 * while the other is read); meta.next_cursor must then name the same cursor,
 * else that page is dropped and fetched again. import_run compares the hashes
 * with what the source last imported, so only documents that changed are
 * validated and written, and documents gone from the export are retracted.
 * Bounds: documents per feed, bytes per page, time per request, the run's
 * deadline and stop flag (checked while bytes arrive).
 */
#include "feed.h"
#include "buf.h"
#include "clock.h"
#include "db_sources.h"
#include "import_run.h"
#include "log.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* One transfer: its body, headers of interest and how to stop it. */
struct page {
	struct buf body;
	size_t max;
	int too_big;
	char etag[128];
	char next[256]; /* the cursor of the Link header's rel="next", "" when none */
	const struct import_control *ctl;
	int abandon; /* set (atomically) to stop the transfer: its page is not wanted */
};

struct feed_ctx {
	PGconn *c;
	const struct feed_opts *o;
	char export_url[2048];
	char origin[2048];
	CURL *curl;
	int requests;
	char etag[128];         /* the origin's ETag this run saw */
	char origin_commit[64]; /* meta.evidence_version.commit */
	char previous[64];      /* the origin commit of the source's last run */
	json_t *items;          /* every document item of every page */
	struct import_change *changes;
	char **paths;
	char (*blobs)[65];
	size_t n;
};

int feed_urls(const char *url, char *export_url, size_t esize, char *origin, size_t osize,
              struct err *e)
{
	static const char suffix[] = "/v1/export";
	size_t n = strlen(url);

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return err_set(e, WW_EINVALID,
		               "feed URL \"%s\" must start with http:// or https://", url);
	if (strchr(url, '?') != NULL || strchr(url, '#') != NULL)
		return err_set(e, WW_EINVALID, "feed URL \"%s\" must not have a query or fragment",
		               url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sizeof(suffix) - 1 &&
	    strncmp(url + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0)
		n -= sizeof(suffix) - 1;
	if (n + sizeof(suffix) >= esize || n >= osize)
		return err_set(e, WW_EINVALID, "feed URL \"%.80s...\" is too long", url);
	snprintf(origin, osize, "%.*s", (int)n, url);
	snprintf(export_url, esize, "%.*s%s", (int)n, url, suffix);
	return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
	struct page *pg = cls;
	size_t add = size * n;

	if (pg->body.len + add > pg->max) {
		pg->too_big = 1;
		return 0;
	}
	buf_add(&pg->body, p, add);
	if (pg->body.failed)
		return 0;
	return add;
}

/* The cursor of the rel="next" link of a Link header value (s, n bytes) into
 * out; "" when there is none or it is not a plain base64url cursor. */
static void link_next_cursor(const char *s, size_t n, char *out, size_t size)
{
	const char *end = s + n, *lt, *gt, *next_lt;

	out[0] = '\0';
	for (; (lt = memchr(s, '<', (size_t)(end - s))) != NULL; s = gt + 1) {
		if ((gt = memchr(lt, '>', (size_t)(end - lt))) == NULL)
			return;
		next_lt = memchr(gt, '<', (size_t)(end - gt));
		if (next_lt == NULL)
			next_lt = end;
		if (memmem(gt, (size_t)(next_lt - gt), "rel=\"next\"", 10) == NULL)
			continue;
		for (const char *c = lt + 1; c + 8 <= gt; c++) {
			size_t k;
			if ((c[0] != '?' && c[0] != '&') || strncmp(c + 1, "cursor=", 7) != 0)
				continue;
			c += 8;
			k = strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			              "0123456789-_");
			if (k > 0 && k < size && (c + k == gt || c[k] == '&'))
				snprintf(out, size, "%.*s", (int)k, c);
			return;
		}
		return;
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
	struct page *pg = cls;
	size_t len = size * n;

	if (len > 5 && strncasecmp(p, "Link:", 5) == 0)
		link_next_cursor(p + 5, len - 5, pg->next, sizeof(pg->next));
	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		const char *v = p + 5;
		size_t vl = len - 5;
		while (vl > 0 && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(pg->etag))
			snprintf(pg->etag, sizeof(pg->etag), "%.*s", (int)vl, v);
	}
	return len;
}

/* Stops a transfer when the run's deadline passes, the daemon stops or its
 * page is no longer wanted. */
static int on_progress(void *cls, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct page *pg = cls;
	const struct import_control *ctl = pg->ctl;
	(void)dt, (void)dn, (void)ut, (void)un;

	if (__atomic_load_n(&pg->abandon, __ATOMIC_ACQUIRE))
		return 1;
	if (ctl == NULL)
		return 0;
	if (ctl->stop != NULL && __atomic_load_n(ctl->stop, __ATOMIC_ACQUIRE))
		return 1;
	return ctl->deadline_ms > 0 && clock_ms() > ctl->deadline_ms;
}

/* One GET; *status is the HTTP status. The body and ETag go into pg. */
static int get(struct feed_ctx *f, const char *url, const char *inm, long *status, struct page *pg,
               struct err *e)
{
	const struct feed_opts *o = f->o;
	const struct import_control *ctl = o->ctl;
	struct curl_slist *h = NULL;
	char line[512];
	CURLcode cc;

	buf_reset(&pg->body);
	pg->too_big = 0;
	pg->etag[0] = '\0';
	pg->next[0] = '\0';
	pg->ctl = ctl;
	pg->max = o->max_page_bytes ? o->max_page_bytes : (size_t)FEED_MAX_PAGE_BYTES;
	curl_easy_reset(f->curl);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT,
	                 o->timeout_s > 0 ? o->timeout_s : FEED_TIMEOUT_S);
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT,
	                 o->connect_timeout_s > 0 ? o->connect_timeout_s : FEED_CONNECT_TIMEOUT_S);
	curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "whatworks-feed/1");
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, pg);
	curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, pg);
	curl_easy_setopt(f->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(f->curl, CURLOPT_XFERINFODATA, pg);
	curl_easy_setopt(f->curl, CURLOPT_NOPROGRESS, 0L);
	h = curl_slist_append(h, "Accept: application/json");
	if (inm != NULL && inm[0] != '\0') {
		snprintf(line, sizeof(line), "If-None-Match: %s", inm);
		h = curl_slist_append(h, line);
	}
	if (o->token != NULL && o->token[0] != '\0') {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", o->token);
		h = curl_slist_append(h, line);
	}
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, h);
	f->requests++;
	cc = curl_easy_perform(f->curl);
	curl_slist_free_all(h);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		if (__atomic_load_n(&pg->abandon, __ATOMIC_ACQUIRE))
			return err_set(e, WW_EUPSTREAM, "feed %s: request abandoned", f->origin);
		if (ctl && ctl->stop && __atomic_load_n(ctl->stop, __ATOMIC_ACQUIRE))
			return err_set(e, WW_EUPSTREAM,
			               "feed %s: stopped (the daemon is shutting down)", f->origin);
		return err_set(e, WW_EUPSTREAM, "feed %s: the run's time limit was reached",
		               f->origin);
	}
	if (pg->too_big)
		return err_set(e, WW_EUPSTREAM, "feed %s: a page is larger than %zu bytes",
		               f->origin, pg->max);
	if (cc != CURLE_OK)
		return err_set(e, WW_EUPSTREAM, "could not read feed %s: %s", url,
		               curl_easy_strerror(cc));
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static void sha256_hex(const char *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* Adds one export item: kind, id, body; the path names the origin. */
static int add_item(struct feed_ctx *f, json_t *item, size_t page, size_t k, struct err *e)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const char *id = json_string_value(json_object_get(item, "id"));
	const json_t *body = json_object_get(item, "body");
	char *text;

	if (kind == NULL || id == NULL || !json_is_object(body) || strlen(kind) > 32 ||
	    strlen(id) > 512 || strchr(kind, '/') != NULL)
		return err_set(e, WW_EUPSTREAM,
		               "feed %s: item %zu of page %zu is not a document (kind, id and a "
		               "body object)",
		               f->origin, k + 1, page);
	size_t i = f->n;
	if (asprintf(&f->paths[i], "feed:%s/%s/%s", f->origin, kind, id) < 0) {
		f->paths[i] = NULL;
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	if (text == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	sha256_hex(text, strlen(text), f->blobs[i]);
	free(text);
	json_array_append(f->items, item);
	f->changes[i].path = f->paths[i];
	f->changes[i].blob = f->blobs[i];
	f->changes[i].deleted = 0;
	f->n++;
	return 0;
}

static int grow(struct feed_ctx *f, size_t want, struct err *e)
{
	void *a = realloc(f->changes, want * sizeof(*f->changes));
	if (a == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	f->changes = a;
	if ((a = realloc(f->paths, want * sizeof(*f->paths))) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	f->paths = a;
	if ((a = realloc(f->blobs, want * sizeof(*f->blobs))) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	f->blobs = a;
	/* paths were moved: point the changes at them again */
	for (size_t i = 0; i < f->n; i++) {
		f->changes[i].path = f->paths[i];
		f->changes[i].blob = f->blobs[i];
	}
	return 0;
}

/* The URL of the page at cursor ("": the first page). */
static int page_url(struct feed_ctx *f, size_t limit, const char *cursor, char *url, size_t size,
                    struct err *e)
{
	char *esc;

	if (cursor[0] == '\0') {
		snprintf(url, size, "%s?limit=%zu", f->export_url, limit);
		return 0;
	}
	if ((esc = curl_easy_escape(f->curl, cursor, 0)) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	snprintf(url, size, "%s?limit=%zu&cursor=%s", f->export_url, limit, esc);
	curl_free(esc);
	return 0;
}

/* The request of the next page, made on a thread of its own while the main
 * thread parses the page before it. Only one transfer runs at a time, so the
 * two threads share the curl handle, handing it over at create and join. */
struct prefetch {
	struct feed_ctx *f;
	pthread_t thread;
	int running;
	char cursor[256];
	char url[4096];
	struct page pg;
	long status;
	int rc;
	struct err e;
};

static void *prefetch_main(void *cls)
{
	struct prefetch *p = cls;

	p->rc = get(p->f, p->url, NULL, &p->status, &p->pg, &p->e);
	return NULL;
}

/* Requests the page at cursor in the background; nothing happens (the page
 * is fetched when it is needed) when that cannot start. */
static void prefetch_start(struct prefetch *p, struct feed_ctx *f, size_t limit, const char *cursor)
{
	struct err e = {0};

	if (p->running || page_url(f, limit, cursor, p->url, sizeof(p->url), &e) < 0)
		return;
	p->f = f;
	snprintf(p->cursor, sizeof(p->cursor), "%s", cursor);
	p->pg.abandon = 0;
	p->status = 0;
	p->rc = 0;
	err_clear(&p->e);
	p->running = pthread_create(&p->thread, NULL, prefetch_main, p) == 0;
}

/* Waits for the background request; returns 1 when it was for cursor (its
 * page is then ready in p), 0 when there was none or it was for another page
 * (stopped and dropped). */
static int prefetch_finish(struct prefetch *p, const char *cursor)
{
	int wanted;

	if (!p->running)
		return 0;
	wanted = cursor != NULL && strcmp(p->cursor, cursor) == 0;
	if (!wanted)
		__atomic_store_n(&p->pg.abandon, 1, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
	p->running = 0;
	return wanted;
}

static int feed_fetch(void *ctx, const struct db_source *src, struct import_changes *ch,
                      struct err *e)
{
	struct feed_ctx *f = ctx;
	const struct feed_opts *o = f->o;
	size_t max_docs = o->max_docs ? o->max_docs : FEED_MAX_DOCS;
	size_t limit = o->page_limit ? o->page_limit : FEED_PAGE_LIMIT;
	size_t cap = 0, page = 0;
	struct page pg = {0};
	struct prefetch pf = {0};
	char url[4096], cursor[256] = "";
	long status = 0;
	int rc;

	if ((rc = db_run_commit(f->c, src->last_run_id, f->previous, sizeof(f->previous), e)) < 0)
		return rc;
	ch->previous = f->previous;
	if ((f->items = json_array()) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	for (;;) {
		json_error_t je;
		json_t *doc, *data, *meta;
		page++;
		if (prefetch_finish(&pf, cursor)) {
			struct page t = pg;
			pg = pf.pg;
			pf.pg = t;
			snprintf(url, sizeof(url), "%s", pf.url);
			status = pf.status;
			if ((rc = pf.rc) < 0)
				err_set(e, rc, "%s", pf.e.msg);
		} else if ((rc = page_url(f, limit, cursor, url, sizeof(url), e)) == 0) {
			/* only the first page is conditional: later ones follow its version */
			pg.abandon = 0;
			rc = get(f, url, page == 1 ? src->last_commit : NULL, &status, &pg, e);
		}
		if (rc < 0)
			break;
		if (status == 304 && page == 1 && src->last_commit[0] != '\0') {
			ch->mode = "unchanged";
			ch->commit = f->previous;
			ch->position = src->last_commit;
			ch->message = "feed unchanged since the last import (304)";
			break;
		}
		if (status != 200) {
			rc = err_set(e, WW_EUPSTREAM, "feed %s answered HTTP %ld for %s", f->origin,
			             status, url);
			break;
		}
		if (page == 1)
			snprintf(f->etag, sizeof(f->etag), "%s", pg.etag);
		if (pg.next[0] != '\0')
			prefetch_start(&pf, f, limit, pg.next);
		doc = json_loadb(pg.body.data ? pg.body.data : "", pg.body.len, 0, &je);
		data = json_object_get(doc, "data");
		meta = json_object_get(doc, "meta");
		if (!json_is_array(data) || !json_is_object(meta)) {
			json_decref(doc);
			rc = err_set(
			    e, WW_EUPSTREAM,
			    "feed %s: page %zu is not an export (JSON with data and meta)%s%s",
			    f->origin, page, doc == NULL ? ": " : "", doc == NULL ? je.text : "");
			break;
		}
		if (page == 1) {
			const char *c = json_string_value(
			    json_object_get(json_object_get(meta, "evidence_version"), "commit"));
			json_int_t total = json_integer_value(json_object_get(meta, "total"));
			snprintf(f->origin_commit, sizeof(f->origin_commit), "%s", c ? c : "");
			if (total < 0 || (size_t)total > max_docs) {
				json_decref(doc);
				rc = err_set(
				    e, WW_EUPSTREAM,
				    "feed %s holds %lld documents, more than the limit of %zu",
				    f->origin, (long long)total, max_docs);
				break;
			}
		}
		if (f->n + json_array_size(data) > max_docs) {
			json_decref(doc);
			rc = err_set(e, WW_EUPSTREAM, "feed %s holds more than %zu documents",
			             f->origin, max_docs);
			break;
		}
		if (f->n + json_array_size(data) + 1 > cap) {
			size_t ncap = cap ? cap : 1024;
			while (ncap < f->n + json_array_size(data) + 1)
				ncap *= 2;
			if ((rc = grow(f, ncap, e)) < 0) {
				json_decref(doc);
				break;
			}
			cap = ncap;
		}
		for (size_t k = 0; k < json_array_size(data) && rc == 0; k++)
			rc = add_item(f, json_array_get(data, k), page, k, e);
		const char *next = json_string_value(json_object_get(meta, "next_cursor"));
		int more = next != NULL && next[0] != '\0' && json_array_size(data) > 0;
		if (more && (strlen(next) >= sizeof(cursor) || strcmp(next, cursor) == 0))
			rc = err_set(e, WW_EUPSTREAM, "feed %s: page %zu has a bad next_cursor",
			             f->origin, page);
		if (more && rc == 0)
			snprintf(cursor, sizeof(cursor), "%s", next);
		json_decref(doc);
		if (rc < 0 || !more)
			break;
	}
	prefetch_finish(&pf, NULL);
	buf_free(&pg.body);
	buf_free(&pf.pg.body);
	if (rc < 0 || ch->mode != NULL)
		return rc;
	ch->mode = "full";
	ch->incremental = 0;
	ch->commit = f->origin_commit;
	ch->position = f->etag[0] ? f->etag : NULL;
	ch->author = f->origin;
	ch->committed_at = 0;
	ch->v = f->changes;
	ch->n = f->n;
	log_info("feed fetched", "source=\"%s\" origin=\"%s\" documents=%zu pages=%zu requests=%d",
	         src->name, f->origin, f->n, page, f->requests);
	return 0;
}

/* Validates one document exactly as a YAML file is, and that it is what the
 * export said it is. */
static int feed_parse(const void *ctx, size_t i, struct ev_doc **doc, struct ev_errors *errs,
                      struct err *e)
{
	/* several threads at once: the items are only read (jansson allows it) */
	const struct feed_ctx *f = ctx;
	const json_t *item = json_array_get(f->items, i);
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const char *id = json_string_value(json_object_get(item, "id"));
	int rc = ev_from_json(doc, f->paths[i], json_object_get(item, "body"), errs);

	if (rc == WW_ENOMEM)
		return err_set(e, rc, "out of memory validating \"%s\"", f->paths[i]);
	if (rc < 0)
		return rc;
	if (strcmp(ev_kind_name((*doc)->kind), kind) != 0 || strcmp((*doc)->id, id) != 0) {
		if (ev_errors_add(errs, f->paths[i], 0, 0, "id",
		                  "the export lists %s \"%s\" but its body is %s \"%s\"", kind, id,
		                  ev_kind_name((*doc)->kind), (*doc)->id) < 0)
			rc = err_set(e, WW_ENOMEM, "out of memory");
		else
			rc = WW_EINVALID;
		ev_doc_free(*doc);
		*doc = NULL;
	}
	return rc;
}

static void default_name(char *out, size_t size, const char *origin)
{
	const char *host = strstr(origin, "://");
	host = host ? host + 3 : origin;
	snprintf(out, size, "feed:%.120s", host);
}

int feed_import(PGconn *c, const struct feed_opts *o, struct import_result *res, int *requests,
                struct err *e)
{
	static const struct import_source_ops ops = {.fetch = feed_fetch, .parse = feed_parse};
	struct feed_ctx f = {.c = c, .o = o};
	struct db_source src = {0};
	int rc;

	memset(res, 0, sizeof(*res));
	if (requests != NULL)
		*requests = 0;
	if ((rc = feed_urls(o->url, f.export_url, sizeof(f.export_url), f.origin, sizeof(f.origin),
	                    e)) < 0)
		return rc;
	if ((f.curl = curl_easy_init()) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	snprintf(src.kind, sizeof(src.kind), "feed");
	if (o->name && o->name[0])
		snprintf(src.name, sizeof(src.name), "%s", o->name);
	else
		default_name(src.name, sizeof(src.name), f.origin);
	snprintf(src.location, sizeof(src.location), "%.1000s", f.export_url);
	rc = import_run(c, &src, o->trigger, o->ctl, &ops, &f, res, e);
	if (requests != NULL)
		*requests = f.requests;
	curl_easy_cleanup(f.curl);
	for (size_t i = 0; i < f.n; i++)
		free(f.paths[i]);
	free(f.paths);
	free(f.blobs);
	free(f.changes);
	json_decref(f.items);
	return rc;
}
