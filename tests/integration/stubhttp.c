/*
 * stubhttp.c - a local HTTP server for tests of HTTP clients
 */
#include "stubhttp.h"

#include <criterion/criterion.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUTES 128
#define MAX_SEQ 8
#define MAX_HITS 4096

struct route {
	char *path;
	struct stub_resp seq[MAX_SEQ];
	char *bodies[MAX_SEQ];
	size_t n, next;
};

struct hit {
	char path[160];
	double t;
};

struct stubhttp {
	struct MHD_Daemon *d;
	char url[64];
	pthread_mutex_t mu;
	struct route routes[MAX_ROUTES];
	size_t nroutes;
	struct hit hits[MAX_HITS];
	size_t nhits;
	volatile int stopping;
};

/* A body being sent by callback (stalls and truncations). */
struct slow {
	struct stubhttp *s;
	char *body;
	size_t len;
	long truncate_at;
	int stall_ms;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static ssize_t slow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct slow *w = cls;
	size_t end = w->truncate_at > 0 ? (size_t)w->truncate_at : w->len;

	if (pos == 0 && w->stall_ms > 0) {
		for (int i = 0; i < w->stall_ms / 10 && !w->s->stopping; i++)
			usleep(10000);
		w->stall_ms = 0;
	}
	if (w->s->stopping || pos >= end)
		return pos >= w->len ? MHD_CONTENT_READER_END_OF_STREAM
		                     : MHD_CONTENT_READER_END_WITH_ERROR;
	if (max > end - pos)
		max = end - pos;
	memcpy(buf, w->body + pos, max);
	return (ssize_t)max;
}

static void slow_free(void *cls)
{
	struct slow *w = cls;
	free(w->body);
	free(w);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	struct stubhttp *s = cls;
	static int first;
	struct stub_resp r = {.status = 404, .body = "{\"error\": \"Not found\"}"};
	struct MHD_Response *resp;
	char path[160], *body;
	const char *q;
	enum MHD_Result ret;
	size_t i;

	(void)method, (void)version, (void)upload, (void)upload_size;
	if (*con_cls == NULL) {
		*con_cls = &first;
		return MHD_YES;
	}
	/* the path with its query, rebuilt from the one parameter tests use */
	q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "date");
	snprintf(path, sizeof(path), "%s%s%s", url, q ? "?date=" : "", q ? q : "");
	if (q == NULL && (q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor")))
		snprintf(path, sizeof(path), "%s?cursor=%s", url, q);
	pthread_mutex_lock(&s->mu);
	if (s->nhits < MAX_HITS) {
		snprintf(s->hits[s->nhits].path, sizeof(s->hits[0].path), "%s", path);
		s->hits[s->nhits++].t = now_s();
	}
	for (i = 0; i < s->nroutes; i++)
		if (strcmp(s->routes[i].path, path) == 0) {
			struct route *rt = &s->routes[i];
			size_t k = rt->next < rt->n ? rt->next : rt->n - 1;
			r = rt->seq[k];
			rt->next++;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	size_t len = r.len ? r.len : (r.body ? strlen(r.body) : 0);
	if ((body = malloc(len + 1)) == NULL)
		return MHD_NO;
	memcpy(body, r.body ? r.body : "", len);
	if (r.stall_ms > 0 || r.truncate_at > 0) {
		struct slow *w = calloc(1, sizeof(*w));
		if (w == NULL) {
			free(body);
			return MHD_NO;
		}
		*w = (struct slow){s, body, len, r.truncate_at, r.stall_ms};
		resp = MHD_create_response_from_callback(len, 64 * 1024, slow_read, w, slow_free);
	} else {
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	MHD_add_response_header(resp, "Content-Type", r.type ? r.type : "application/json");
	if (r.link != NULL)
		MHD_add_response_header(resp, "Link", r.link);
	if (r.retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", r.retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(c, r.status ? (unsigned)r.status : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct stubhttp *stubhttp_start(void)
{
	struct stubhttp *s = calloc(1, sizeof(*s));
	const union MHD_DaemonInfo *info;

	cr_assert(s != NULL);
	pthread_mutex_init(&s->mu, NULL);
	s->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, handler, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	cr_assert(s->d != NULL, "could not start the stub HTTP server");
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	cr_assert(info != NULL && info->port > 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", (unsigned)info->port);
	return s;
}

void stubhttp_stop(struct stubhttp *s)
{
	if (s == NULL)
		return;
	s->stopping = 1;
	MHD_stop_daemon(s->d);
	for (size_t i = 0; i < s->nroutes; i++) {
		free(s->routes[i].path);
		for (size_t k = 0; k < s->routes[i].n; k++)
			free(s->routes[i].bodies[k]);
	}
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const char *stubhttp_url(const struct stubhttp *s)
{
	return s->url;
}

void stubhttp_on(struct stubhttp *s, const char *path, const struct stub_resp *seq, size_t n)
{
	struct route *rt = NULL;

	cr_assert(n >= 1 && n <= MAX_SEQ);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nroutes; i++)
		if (strcmp(s->routes[i].path, path) == 0)
			rt = &s->routes[i];
	if (rt == NULL) {
		cr_assert(s->nroutes < MAX_ROUTES);
		rt = &s->routes[s->nroutes++];
		rt->path = strdup(path);
	}
	for (size_t k = 0; k < rt->n; k++)
		free(rt->bodies[k]);
	for (size_t k = 0; k < n; k++) {
		size_t len = seq[k].len ? seq[k].len : (seq[k].body ? strlen(seq[k].body) : 0);
		rt->seq[k] = seq[k];
		rt->bodies[k] = malloc(len + 1);
		cr_assert(rt->bodies[k] != NULL);
		memcpy(rt->bodies[k], seq[k].body ? seq[k].body : "", len);
		rt->bodies[k][len] = '\0';
		rt->seq[k].body = rt->bodies[k];
		rt->seq[k].len = len;
	}
	rt->n = n;
	rt->next = 0;
	pthread_mutex_unlock(&s->mu);
}

char *stubhttp_read_file(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	char *buf;
	long n;

	cr_assert(f != NULL, "cannot open fixture %s", file);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void stubhttp_file(struct stubhttp *s, const char *path, const char *file)
{
	size_t len;
	char *buf = stubhttp_read_file(file, &len);
	struct stub_resp r = {
	    .body = buf, .len = len, .type = strstr(file, ".zip") ? "application/zip" : NULL};

	stubhttp_on(s, path, &r, 1);
	free(buf);
}

long stubhttp_count(struct stubhttp *s, const char *path)
{
	long n = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nhits; i++)
		n += path == NULL || strcmp(s->hits[i].path, path) == 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

long stubhttp_max_in_window(struct stubhttp *s, double seconds)
{
	long best = 0;

	pthread_mutex_lock(&s->mu);
	/* arrivals are in order of the counter, not always of the clock: count all */
	for (size_t i = 0; i < s->nhits; i++) {
		long n = 0;
		for (size_t j = 0; j < s->nhits; j++)
			n += s->hits[j].t >= s->hits[i].t && s->hits[j].t < s->hits[i].t + seconds;
		if (n > best)
			best = n;
	}
	pthread_mutex_unlock(&s->mu);
	return best;
}

void stubhttp_reset_counts(struct stubhttp *s)
{
	pthread_mutex_lock(&s->mu);
	s->nhits = 0;
	pthread_mutex_unlock(&s->mu);
}
