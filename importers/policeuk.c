/*
 * policeuk.c - the police-uk source (see policeuk.h)
 *
 * Three layers: the settings table; a small HTTP client (one curl easy
 * handle, the token bucket, retries) that hands a response body to a sink;
 * and the run itself, which fetches the lists, streams each archive through
 * zipstream and crimecsv and stores each (force, month) unit as it completes.
 */
#include "policeuk.h"
#include "import.h"

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "crimecsv.h"
#include "db_crime.h"
#include "log.h"
#include "ratelimit.h"
#include "zipstream.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#ifdef WW_TESTING
#include <signal.h>
#endif
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define JSON_MAX (16 * 1024 * 1024)
#define ERRBODY_MAX 200

/* ---- settings ----------------------------------------------------------- */

/* The WHATWORKS_POLICE_UK_* rows are in config.c's table, with every setting. */
int policeuk_settings_load(struct policeuk_settings *s, struct err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = config_env_load(CONFIG_POLICE_UK, s, e)) < 0)
		return rc;
	if (strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0)
		return err_set(e, WW_EINVALID,
		               "WHATWORKS_POLICE_UK_URL=\"%s\" must be an http or https URL",
		               s->url);
	while (strlen(s->url) > 0 && s->url[strlen(s->url) - 1] == '/')
		s->url[strlen(s->url) - 1] = '\0';
	if (s->archive_url[0] == '\0') {
		size_t n = strlen(s->url);
		if (n >= 4 && strcmp(s->url + n - 4, "/api") == 0)
			n -= 4;
		snprintf(s->archive_url, sizeof(s->archive_url), "%.*s/data/archive", (int)n,
		         s->url);
	}
	while (strlen(s->archive_url) > 0 && s->archive_url[strlen(s->archive_url) - 1] == '/')
		s->archive_url[strlen(s->archive_url) - 1] = '\0';
	return 0;
}

void policeuk_settings_usage(FILE *f)
{
	config_env_usage(f, CONFIG_POLICE_UK);
}

/* ---- the HTTP client ---------------------------------------------------- */

/* Where a response body goes. reset() starts over (a retry); write() takes
 * bytes and returns 0 or a negative code with e set. */
struct sink {
	void (*reset)(void *ctx);
	int (*write)(void *ctx, const char *buf, size_t n, struct err *e);
	void *ctx;
};

struct client {
	CURL *h;
	const struct policeuk_settings *s;
	struct ratelimit rl;
	long requests;
	unsigned int seed; /* jitter */
};

struct xfer {
	struct client *cl;
	struct sink *sink;
	long status;
	double retry_after;
	int code; /* a sink's error */
	struct err err;
	char body[ERRBODY_MAX + 1]; /* the start of an error response */
	size_t body_len;
};

static void sleep_s(double s)
{
	struct timespec ts;

	if (!(s > 0))
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char v[32];
		snprintf(v, sizeof(v), "%.*s", (int)(len - 12 < 31 ? len - 12 : 31), p + 12);
		/* seconds; an HTTP date counts as "soon" and gets the backoff */
		x->retry_after = strtod(v, NULL);
		if (!(x->retry_after >= 0))
			x->retry_after = 0;
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;

	if (x->status == 0)
		curl_easy_getinfo(x->cl->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status != 200) {
		size_t room = ERRBODY_MAX - x->body_len;
		memcpy(x->body + x->body_len, p, len < room ? len : room);
		x->body_len += len < room ? len : room;
		x->body[x->body_len] = '\0';
		return len;
	}
	if ((x->code = x->sink->write(x->sink->ctx, p, len, &x->err)) < 0)
		return 0; /* aborts the transfer */
	return len;
}

static int client_init(struct client *cl, const struct policeuk_settings *s, struct err *e)
{
	memset(cl, 0, sizeof(*cl));
	cl->s = s;
	if ((cl->h = curl_easy_init()) == NULL)
		return err_set(e, WW_ENOMEM, "could not start libcurl");
	ratelimit_init(&cl->rl, s->rate, s->burst, clock_s());
	cl->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	curl_easy_setopt(cl->h, CURLOPT_USERAGENT, "whatworks (police-uk importer)");
	curl_easy_setopt(cl->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cl->h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(cl->h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(cl->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cl->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cl->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cl->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->connect_timeout * 1000));
	curl_easy_setopt(cl->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(cl->h, CURLOPT_LOW_SPEED_TIME, (long)ceil(s->stall));
	return 0;
}

static void client_free(struct client *cl)
{
	if (cl->h != NULL)
		curl_easy_cleanup(cl->h);
	cl->h = NULL;
}

/* The wait before retry number attempt (0-based): exponential, equal jitter,
 * at least what Retry-After asked, never more than backoff_max. */
static double backoff(struct client *cl, int attempt, double retry_after)
{
	double d = cl->s->backoff * pow(2, attempt);

	d = d / 2 + d / 2 * ((double)rand_r(&cl->seed) / RAND_MAX);
	if (retry_after > d)
		d = retry_after;
	return d < cl->s->backoff_max ? d : cl->s->backoff_max;
}

/*
 * GETs url into sink, retrying what may work later. Returns 0 on a 200 whose
 * body the sink took, WW_ENOTFOUND on 404 or 410, WW_EUPSTREAM when the
 * server kept failing or refused, or the sink's code. *status gets the last
 * HTTP status (0 when none).
 */
static int get(struct client *cl, const char *url, const char *what, struct sink *sink, int archive,
               long *status, struct err *e)
{
	struct xfer x;
	char why[256];
	int attempt;

	curl_easy_setopt(cl->h, CURLOPT_URL, url);
	curl_easy_setopt(cl->h, CURLOPT_TIMEOUT_MS,
	                 (long)((archive ? cl->s->archive_timeout : cl->s->timeout) * 1000));
	curl_easy_setopt(cl->h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(cl->h, CURLOPT_WRITEDATA, &x);
	for (attempt = 0;; attempt++) {
		CURLcode cc;
		int retry;

		sleep_s(ratelimit_take(&cl->rl, clock_s()));
		memset(&x, 0, sizeof(x));
		x.cl = cl;
		x.sink = sink;
		sink->reset(sink->ctx);
		cl->requests++;
		cc = curl_easy_perform(cl->h);
		curl_easy_getinfo(cl->h, CURLINFO_RESPONSE_CODE, &x.status);
		*status = x.status;
		if (x.code < 0)
			return err_set(e, x.code, "%s: %s", what, x.err.msg);
		if (cc == CURLE_OK && x.status == 200)
			return 0;
		if (cc == CURLE_OK && (x.status == 404 || x.status == 410))
			return err_set(e, WW_ENOTFOUND, "%s: HTTP %ld (not published)", what,
			               x.status);
		if (cc != CURLE_OK)
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(cc));
		else
			snprintf(why, sizeof(why), "HTTP %ld%s%.80s", x.status,
			         x.body_len ? ": " : "", x.body);
		for (char *p = why; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		retry = cc != CURLE_OK || x.status == 429 || x.status >= 500;
		if (!retry || attempt >= cl->s->retries)
			return err_set(e, WW_EUPSTREAM, "could not fetch %s: %s%s", what, why,
			               retry ? " (gave up after retries)" : "");
		double wait = backoff(cl, attempt, x.retry_after);
		log_warn("police-uk request failed, retrying", "what=\"%s\" why=\"%s\" wait_s=%.2f",
		         what, why, wait);
		sleep_s(wait);
	}
}

/* A JSON body, bounded. */
static void jsonbuf_reset(void *ctx)
{
	buf_reset(ctx);
}

static int jsonbuf_write(void *ctx, const char *p, size_t n, struct err *e)
{
	struct buf *b = ctx;

	if (b->len + n > JSON_MAX)
		return err_set(e, WW_EUPSTREAM, "answer larger than %d bytes", JSON_MAX);
	buf_add(b, p, n);
	return b->failed ? err_set(e, WW_ENOMEM, "out of memory") : 0;
}

/* GETs base + path and parses the body as JSON into *out. */
static int get_json(struct client *cl, const char *path, json_t **out, long *status, struct err *e)
{
	struct buf b = {0};
	struct sink sink = {jsonbuf_reset, jsonbuf_write, &b};
	char url[1024], what[300];
	json_error_t je;
	int rc;

	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", cl->s->url, path);
	snprintf(what, sizeof(what), "%s", path);
	rc = get(cl, url, what, &sink, 0, status, e);
	if (rc == 0 && b.len == 0)
		rc = err_set(e, WW_EUPSTREAM, "%s: empty answer", path);
	if (rc == 0 && (*out = json_loadb(b.data, b.len, 0, &je)) == NULL)
		rc = err_set(e, WW_EUPSTREAM, "%s: malformed JSON at line %d column %d: %s", path,
		             je.line, je.column, je.text);
	buf_free(&b);
	return rc;
}

/* ---- months ------------------------------------------------------------- */

static int valid_month(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (i == 4 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return 0;
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12 && s[7] == '\0';
}

static void month_back(char out[8], const char *m, int back)
{
	int y = atoi(m), mo = atoi(m + 5) - 1 - back;

	while (mo < 0) {
		mo += 12;
		y--;
	}
	snprintf(out, 8, "%04d-%02d", (y % 10000 + 10000) % 10000, (mo % 12 + 1) % 100);
}

/* ---- the run ------------------------------------------------------------ */

struct month {
	char id[8];
	struct crimecsv_category cats[CRIMECSV_MAX_CATEGORIES];
	size_t ncats;
	int ok; /* categories known */
};

struct run {
	PGconn *c;
	const struct policeuk_settings *s;
	const struct policeuk_opts *o;
	struct policeuk_result *res;
	struct client cl;
	char published[8];
	json_t *forces; /* [{id, name}] wanted */
	struct month months[POLICEUK_MONTHS_MAX];
	int nmonths;
	json_t *done;   /* "YYYY-MM/force" -> true: stored from this publication */
	json_t *failed; /* "YYYY-MM/force" -> true: failed in this run */
	/* the entry being read */
	struct crimecsv csv;
	char key[96], force[80], entry[256];
	int month_ix, entry_bad;
	int seen[POLICEUK_MONTHS_MAX]; /* months the current archive holds files of */
	int db_failed;
	struct err dberr;
};

static int run_error(struct run *r, const char *path, int line, const char *msg)
{
	return ev_errors_add(&r->res->errs, path, line, 0, "", "%s", msg);
}

static int force_wanted(const struct run *r, const char *id)
{
	size_t i;
	json_t *f;

	json_array_foreach(r->forces, i, f) if (strcmp(json_string_value(json_object_get(f, "id")),
	                                               id) == 0) return 1;
	return 0;
}

/* Parses "[dir/]YYYY-MM-<force>-street.csv"; 0 when it is not such a name. */
static int street_file(const char *name, char month[8], char *force, size_t fsize)
{
	const char *base = strrchr(name, '/');
	size_t n;

	base = base ? base + 1 : name;
	n = strlen(base);
	if (n <= 8 + 11 || strcmp(base + n - 11, "-street.csv") != 0 || base[7] != '-')
		return 0;
	snprintf(month, 8, "%.7s", base);
	if (!valid_month(month) || n - 8 - 11 >= fsize)
		return 0;
	snprintf(force, fsize, "%.*s", (int)(n - 8 - 11), base + 8);
	return 1;
}

static int z_begin(void *ctx, const char *name, struct err *e)
{
	struct run *r = ctx;
	char month[8];
	int i;

	(void)e;
	if (!street_file(name, month, r->force, sizeof(r->force)) || !force_wanted(r, r->force))
		return 0;
	for (i = 0; i < r->nmonths; i++)
		if (strcmp(r->months[i].id, month) == 0)
			break;
	if (i == r->nmonths || !r->months[i].ok)
		return 0;
	r->seen[i] = 1; /* an archive holds the last three years, not one month */
	snprintf(r->key, sizeof(r->key), "%s/%s", month, r->force);
	if (json_object_get(r->done, r->key) || json_object_get(r->failed, r->key))
		return 0;
	snprintf(r->entry, sizeof(r->entry), "%s", name);
	r->month_ix = i;
	r->entry_bad = 0;
	crimecsv_init(&r->csv, month, r->months[i].cats, r->months[i].ncats);
	return 1;
}

static void unit_failed(struct run *r, const char *msg)
{
	run_error(r, r->entry, (int)r->csv.line, msg);
	json_object_set_new(r->failed, r->key, json_true());
	r->res->units_failed++;
	r->entry_bad = 1;
	log_warn("police-uk unit failed", "unit=%s why=\"%s\"", r->key, msg);
}

static int z_data(void *ctx, const char *buf, size_t len, struct err *e)
{
	struct run *r = ctx;
	struct err ce = {0};

	(void)e;
	if (!r->entry_bad && crimecsv_feed(&r->csv, buf, len, &ce) < 0)
		unit_failed(r, ce.msg);
	return 0;
}

static int z_end(void *ctx, struct err *e)
{
	struct run *r = ctx;
	const struct month *m = &r->months[r->month_ix];
	struct err ce = {0};
	json_t *counts;

	if (r->entry_bad)
		return 0;
	if (crimecsv_finish(&r->csv, &ce) < 0) {
		unit_failed(r, ce.msg);
		return 0;
	}
	if ((counts = json_array()) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->ncats; i++)
		if (r->csv.counts[i] > 0)
			json_array_append_new(counts,
			                      json_pack("{s:s, s:I}", "category", m->cats[i].id,
			                                "count", (json_int_t)r->csv.counts[i]));
	int rc = db_crime_unit_write(r->c, r->res->run_id, r->published, r->force, m->id, counts,
	                             r->csv.rows, &r->res->n, e);
	json_decref(counts);
	if (rc < 0)
		return rc;
	json_object_set_new(r->done, r->key, json_true());
	r->res->units_stored++;
	r->res->rows += r->csv.rows;
	log_debug("police-uk unit stored", "unit=%s rows=%ld", r->key, r->csv.rows);
#ifdef WW_TESTING
	/* the test build's fault hook: a crash between two units */
	if (r->s->fail_after_units > 0 && r->res->units_stored >= r->s->fail_after_units) {
		log_warn("police-uk fault injection: killing the process", "units=%d",
		         r->res->units_stored);
		raise(SIGKILL);
	}
#endif
	return 0;
}

/* The archive sink: a fresh zip reader per attempt. */
struct zsink {
	struct run *r;
	struct zipstream *z;
	struct zipstream_cb cb;
	int init_failed;
};

static void zsink_reset(void *ctx)
{
	struct zsink *zs = ctx;

	zipstream_free(zs->z);
	zs->z = NULL;
	zs->init_failed = zipstream_new(&zs->z, &zs->cb) < 0;
}

static int zsink_write(void *ctx, const char *p, size_t n, struct err *e)
{
	struct zsink *zs = ctx;

	if (zs->init_failed)
		return err_set(e, WW_ENOMEM, "out of memory");
	return zipstream_feed(zs->z, p, n, e);
}

/* Units of month mi neither stored nor failed (0 when its categories are unknown,
 * unless any is set). */
static int pending_in_month(const struct run *r, int mi, int any)
{
	char key[96];
	size_t i;
	json_t *f;
	int n = 0;

	if (!r->months[mi].ok && !any)
		return 0;
	json_array_foreach(r->forces, i, f)
	{
		snprintf(key, sizeof(key), "%s/%s", r->months[mi].id,
		         json_string_value(json_object_get(f, "id")));
		n += !json_object_get(r->done, key) && !json_object_get(r->failed, key);
	}
	return n;
}

/* Streams the archive of month mi; units complete as their files end. */
static int fetch_archive(struct run *r, int mi, struct err *e)
{
	struct zsink zs = {.r = r, .cb = {z_begin, z_data, z_end, r}};
	struct sink sink = {zsink_reset, zsink_write, &zs};
	char url[1024], what[64], key[96];
	struct err ae = {0};
	long status;
	size_t i;
	json_t *f;
	int rc;

	json_t *empty = json_array();

	if (empty == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	memset(r->seen, 0, sizeof(r->seen));
	snprintf(url, sizeof(url), "%s/%s.zip", r->s->archive_url, r->months[mi].id);
	snprintf(what, sizeof(what), "archive %s.zip", r->months[mi].id);
	rc = get(&r->cl, url, what, &sink, 1, &status, &ae);
	if (rc == 0)
		rc = zipstream_finish(zs.z, &ae) < 0 ? WW_EUPSTREAM : 0;
	zipstream_free(zs.z);
	if (rc == WW_EDB || rc == WW_ENOMEM) {
		json_decref(empty);
		return err_set(e, rc, "%s", ae.msg);
	}
	if (rc < 0) {
		memset(r->seen, 0, sizeof(r->seen)); /* a broken archive proves no gap */
		run_error(r, what, 0, ae.msg);
		log_warn("police-uk archive failed", "month=%s why=\"%s\"", r->months[mi].id,
		         ae.msg);
	} else {
		r->res->archives++;
	}
	/* a force with no file for a month the archive covers published nothing
	 * that month: a gap of the publication, recorded, not a failure */
	if (rc == 0)
		r->seen[mi] = 1;
	for (int m = 0; m < r->nmonths; m++) {
		if (!r->seen[m])
			continue;
		json_array_foreach(r->forces, i, f)
		{
			const char *id = json_string_value(json_object_get(f, "id"));
			snprintf(key, sizeof(key), "%s/%s", r->months[m].id, id);
			if (json_object_get(r->done, key) || json_object_get(r->failed, key))
				continue;
			rc = db_crime_unit_write(r->c, r->res->run_id, r->published, id,
			                         r->months[m].id, empty, -1, &r->res->n, e);
			if (rc < 0) {
				json_decref(empty);
				return rc;
			}
			json_object_set_new(r->done, key, json_true());
			r->res->units_gap++;
			log_info("police-uk force published nothing for the month",
			         "unit=%s recorded=gap", key);
		}
	}
	/* what the month's own archive should have held and did not */
	json_array_foreach(r->forces, i, f)
	{
		const char *id = json_string_value(json_object_get(f, "id"));
		snprintf(key, sizeof(key), "%s/%s", r->months[mi].id, id);
		if (json_object_get(r->done, key) || json_object_get(r->failed, key))
			continue;
		json_object_set_new(r->failed, key, json_true());
		r->res->units_failed++;
	}
	json_decref(empty);
	return 0;
}

static int fetch_published(struct run *r, struct err *e)
{
	json_t *doc;
	const char *d;
	long status;
	int rc;

	if ((rc = get_json(&r->cl, "/crime-last-updated", &doc, &status, e)) < 0)
		return rc;
	d = json_string_value(json_is_object(doc) ? json_object_get(doc, "date") : doc);
	if (d == NULL || strlen(d) < 7) {
		json_decref(doc);
		return err_set(e, WW_EUPSTREAM,
		               "/crime-last-updated: expected {\"date\": \"YYYY-MM...\"}");
	}
	snprintf(r->published, sizeof(r->published), "%.7s", d);
	json_decref(doc);
	if (!valid_month(r->published))
		return err_set(e, WW_EUPSTREAM, "/crime-last-updated: \"%s\" is not a month",
		               r->published);
	return 0;
}

static int valid_force_id(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int fetch_forces(struct run *r, struct err *e)
{
	json_t *doc, *f, *keep;
	long status;
	size_t i;
	int rc;

	if ((rc = get_json(&r->cl, "/forces", &doc, &status, e)) < 0)
		return rc;
	if (!json_is_array(doc) || json_array_size(doc) == 0) {
		json_decref(doc);
		return err_set(e, WW_EUPSTREAM, "/forces: empty answer: no forces listed");
	}
	json_array_foreach(doc, i, f)
	{
		if (!valid_force_id(json_string_value(json_object_get(f, "id"))) ||
		    !json_is_string(json_object_get(f, "name"))) {
			json_decref(doc);
			return err_set(e, WW_EUPSTREAM,
			               "/forces: element %zu is not {\"id\": \"lower-case-id\", "
			               "\"name\": \"...\"}",
			               i);
		}
	}
	if ((rc = db_crime_forces_write(r->c, r->res->run_id, doc, e)) < 0) {
		json_decref(doc);
		return rc;
	}
	if ((keep = json_array()) == NULL) {
		json_decref(doc);
		return err_set(e, WW_ENOMEM, "out of memory");
	}
	json_array_foreach(doc, i, f) if (r->o->force == NULL ||
	                                  strcmp(json_string_value(json_object_get(f, "id")),
	                                         r->o->force) == 0) json_array_append(keep, f);
	json_decref(doc);
	r->forces = keep;
	if (json_array_size(keep) == 0)
		return err_set(e, WW_ENOTFOUND,
		               "force \"%s\" is not in data.police.uk's list of forces",
		               r->o->force);
	return 0;
}

/* The month's categories; a failure is the month's error, not the run's. */
static int fetch_categories(struct run *r, struct month *m, struct err *e)
{
	char path[64];
	struct err ce = {0};
	json_t *doc = NULL, *x;
	long status = 0;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "/crime-categories?date=%s", m->id);
	rc = get_json(&r->cl, path, &doc, &status, &ce);
	if (rc == 0 && (!json_is_array(doc) || json_array_size(doc) == 0))
		rc = err_set(&ce, WW_EUPSTREAM, "%s: empty answer: no categories", path);
	json_array_foreach(doc, i, x)
	{
		const char *id = json_string_value(json_object_get(x, "url"));
		const char *name = json_string_value(json_object_get(x, "name"));
		if (rc < 0)
			break;
		if (id == NULL || name == NULL || strlen(id) >= sizeof(m->cats[0].id) ||
		    strlen(name) >= sizeof(m->cats[0].name))
			rc =
			    err_set(&ce, WW_EUPSTREAM,
			            "%s: element %zu is not {\"url\": \"id\", \"name\": \"label\"}",
			            path, i);
		else if (strcmp(id, "all-crime") != 0 && m->ncats < CRIMECSV_MAX_CATEGORIES) {
			snprintf(m->cats[m->ncats].id, sizeof(m->cats[0].id), "%s", id);
			snprintf(m->cats[m->ncats].name, sizeof(m->cats[0].name), "%s", name);
			m->ncats++;
		}
	}
	if (rc == 0 && (rc = db_crime_categories_write(r->c, r->res->run_id, m->id, doc, e)) < 0) {
		json_decref(doc);
		return rc;
	}
	json_decref(doc);
	if (rc < 0) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "%s%s", ce.msg,
		         status == 404 || status >= 500
		             ? " (data.police.uk answers so for months outside its window)"
		             : "");
		run_error(r, m->id, 0, msg);
		return 0;
	}
	m->ok = 1;
	return 0;
}

static int run_body(struct run *r, struct err *e)
{
	int rc, pending = 0, before;

	if ((rc = fetch_published(r, e)) < 0 || (rc = fetch_forces(r, e)) < 0)
		return rc;
	snprintf(r->res->published, sizeof(r->res->published), "%s", r->published);
	r->res->forces = (int)json_array_size(r->forces);
	if ((rc = db_crime_units_done(&r->done, r->c, r->published, e)) < 0)
		return rc;
	if ((r->failed = json_object()) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	before = (int)json_object_size(r->done);
	/* the latest months first; categories first for every month with work */
	for (int i = 0; i < r->nmonths; i++) {
		struct month *m = &r->months[i];
		month_back(m->id, r->published, i);
		int n = pending_in_month(r, i, 1);
		r->res->units_skipped += r->res->forces - n;
		if (n == 0)
			continue;
		pending += n;
		if ((rc = fetch_categories(r, m, e)) < 0)
			return rc;
		if (!m->ok)
			r->res->units_failed += n;
	}
	snprintf(r->res->mode, sizeof(r->res->mode), "%s",
	         pending == 0 ? "unchanged"
	         : before > 0 ? "resumed"
	                      : "full");
	for (int i = 0; i < r->nmonths; i++)
		if (pending_in_month(r, i, 0) > 0 && (rc = fetch_archive(r, i, e)) < 0)
			return rc;
	return 0;
}

/* A unit far below its force's other months is stored, and said: it would
 * make a poor baseline for a projection. */
static void warn_low(struct run *r)
{
	struct err ignored = {0};
	json_t *low = NULL, *u;
	size_t i;

	if (db_crime_low_units(&low, r->c, r->published, &ignored) < 0)
		return;
	json_array_foreach(low, i, u)
	{
		log_warn("police-uk counts implausibly low for a baseline",
		         "unit=%s rows=%lld force_median=%.0f",
		         json_string_value(json_object_get(u, "unit")),
		         (long long)json_integer_value(json_object_get(u, "rows")),
		         json_number_value(json_object_get(u, "median")));
		r->res->units_low++;
	}
	json_decref(low);
}

int policeuk_import(PGconn *c, const struct policeuk_settings *s, const struct policeuk_opts *o,
                    struct policeuk_result *res, struct err *e)
{
	struct db_source src = {.kind = "police-uk"};
	struct run r = {.c = c, .s = s, .o = o, .res = res};
	char msg[1200];
	double t0 = clock_s();
	int rc, locked = 0;

	memset(res, 0, sizeof(*res));
	r.nmonths = o->months > 0 ? o->months : 12;
	res->months = r.nmonths;
	if (r.nmonths > POLICEUK_MONTHS_MAX)
		return err_set(e, WW_EINVALID,
		               "cannot import %d months: data.police.uk publishes about %d",
		               r.nmonths, POLICEUK_MONTHS_MAX);
	if (o->force != NULL && !valid_force_id(o->force))
		return err_set(e, WW_EINVALID, "force \"%s\" is not a data.police.uk force id",
		               o->force);
	snprintf(src.name, sizeof(src.name), "%s", o->name ? o->name : "police-uk");
	snprintf(src.location, sizeof(src.location), "%s", s->url);
	if ((rc = db_source_ensure(c, &src, e)) < 0 ||
	    (rc = db_source_lock_wait(c, src.id, src.name,
	                              getenv("WHATWORKS_IMPORT_LOCK_TIMEOUT")
	                                  ? atoi(getenv("WHATWORKS_IMPORT_LOCK_TIMEOUT"))
	                                  : IMPORT_LOCK_TIMEOUT_S,
	                              e)) < 0)
		return rc;
	locked = 1;
	if ((rc = db_runs_fail_stale(c, src.id, e)) < 0 ||
	    (rc = db_run_start(c, src.id, o->trigger ? o->trigger : "manual", &res->run_id, e)) < 0)
		goto cleanup;
	if ((rc = client_init(&r.cl, s, e)) == 0)
		rc = run_body(&r, e);
	if (rc == 0)
		warn_low(&r);
	res->requests = r.cl.requests;
	if (rc == 0 && res->errs.n > 0)
		rc = err_set(e, WW_EUPSTREAM, "%zu error%s: the first: %s", res->errs.n,
		             res->errs.n == 1 ? "" : "s", res->errs.v[0].message);
	snprintf(res->status, sizeof(res->status), "%s", rc == 0 ? "succeeded" : "failed");
	if (rc == 0)
		snprintf(msg, sizeof(msg),
		         "published %s: %d months, %d forces: %d units stored, %d already stored, "
		         "%d gaps (a force published nothing), %d implausibly low, %ld rows, "
		         "%ld requests",
		         res->published, res->months, res->forces, res->units_stored,
		         res->units_skipped, res->units_gap, res->units_low, res->rows,
		         res->requests);
	else
		snprintf(msg, sizeof(msg), "%s", e->msg);
	res->n.rejected = res->units_failed;
	{
		struct err fe = {0};
		if (db_run_finish(c, res->run_id, res->status, res->mode[0] ? res->mode : NULL,
		                  NULL, NULL, &res->n, msg, &fe) < 0 ||
		    (res->errs.n > 0 && db_run_errors(c, res->run_id, &res->errs, &fe) < 0) ||
		    (rc == 0 &&
		     db_source_advance(c, src.id, res->published, res->run_id, &fe) < 0)) {
			if (rc == 0)
				rc = err_set(e, fe.code, "%s", fe.msg);
		}
	}
	res->duration_ms = (clock_s() - t0) * 1000;
	log_info("police-uk import finished",
	         "run=%lld status=%s mode=%s published=%s stored=%d skipped=%d failed=%d rows=%ld "
	         "requests=%ld ms=%.0f",
	         res->run_id, res->status, res->mode, res->published, res->units_stored,
	         res->units_skipped, res->units_failed, res->rows, res->requests, res->duration_ms);
cleanup:
	client_free(&r.cl);
	json_decref(r.forces);
	json_decref(r.done);
	json_decref(r.failed);
	if (locked)
		db_source_unlock(c, src.id);
	return rc;
}

void policeuk_result_free(struct policeuk_result *res)
{
	if (res != NULL)
		ev_errors_free(&res->errs);
}
