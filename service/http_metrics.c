/*
 * http_metrics.c - request counters and a latency histogram per route, in
 * the Prometheus text format. Lock-free: relaxed atomic increments.
 */
#include "http.h"

#include <stdint.h>

static const int statuses[] = {200, 204, 304, 400, 401, 403, 404, 405,
                               406, 413, 414, 429, 500, 501, 502, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
#define OTHER NSTATUS

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

/* route HTTP_MAX_ROUTES is "no route matched" */
static uint64_t requests[HTTP_MAX_ROUTES + 1][NSTATUS + 1];
static uint64_t buckets[HTTP_MAX_ROUTES + 1][NBOUNDS + 1];
static uint64_t micros[HTTP_MAX_ROUTES + 1];

void http_metrics_observe(int route, int status, double seconds)
{
	size_t r = route < 0 || route >= HTTP_MAX_ROUTES ? HTTP_MAX_ROUTES : (size_t)route;
	size_t s = OTHER, b = NBOUNDS;

	for (size_t i = 0; i < NSTATUS; i++)
		if (statuses[i] == status) {
			s = i;
			break;
		}
	for (size_t i = 0; i < NBOUNDS; i++)
		if (seconds <= bounds[i]) {
			b = i;
			break;
		}
	__atomic_fetch_add(&requests[r][s], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&buckets[r][b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&micros[r], (uint64_t)(seconds * 1e6), __ATOMIC_RELAXED);
}

static const char *route_label(size_t r, const struct http_route_desc *routes, size_t nroutes)
{
	return r < nroutes ? routes[r].path : "unmatched";
}

void http_metrics_render(struct buf *out, size_t nroutes)
{
	size_t n;
	const struct http_route_desc *routes = http_routes(&n);

	if (nroutes > n)
		nroutes = n;
	buf_adds(out, "# HELP whatworks_http_requests_total HTTP requests by route template "
	              "and status.\n# TYPE whatworks_http_requests_total counter\n");
	for (size_t r = 0; r <= HTTP_MAX_ROUTES; r++) {
		if (r >= nroutes && r != HTTP_MAX_ROUTES)
			continue;
		for (size_t s = 0; s <= NSTATUS; s++) {
			uint64_t v = __atomic_load_n(&requests[r][s], __ATOMIC_RELAXED);
			if (v == 0)
				continue;
			if (s == OTHER)
				buf_printf(out,
				           "whatworks_http_requests_total{route=\"%s\",status="
				           "\"other\"} %llu\n",
				           route_label(r, routes, nroutes), (unsigned long long)v);
			else
				buf_printf(out,
				           "whatworks_http_requests_total{route=\"%s\",status="
				           "\"%d\"} %llu\n",
				           route_label(r, routes, nroutes), statuses[s],
				           (unsigned long long)v);
		}
	}
	buf_adds(out, "# HELP whatworks_http_request_duration_seconds Time from the request "
	              "line to the response queued.\n"
	              "# TYPE whatworks_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= HTTP_MAX_ROUTES; r++) {
		uint64_t cum = 0;
		if (r >= nroutes && r != HTTP_MAX_ROUTES)
			continue;
		const char *label = route_label(r, routes, nroutes);
		for (size_t b = 0; b <= NBOUNDS; b++) {
			cum += __atomic_load_n(&buckets[r][b], __ATOMIC_RELAXED);
			if (b < NBOUNDS)
				buf_printf(out,
				           "whatworks_http_request_duration_seconds_bucket{route="
				           "\"%s\",le=\"%g\"} %llu\n",
				           label, bounds[b], (unsigned long long)cum);
			else
				buf_printf(out,
				           "whatworks_http_request_duration_seconds_bucket{route="
				           "\"%s\",le=\"+Inf\"} %llu\n",
				           label, (unsigned long long)cum);
		}
		buf_printf(out,
		           "whatworks_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
		           "whatworks_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		           label, (double)__atomic_load_n(&micros[r], __ATOMIC_RELAXED) / 1e6,
		           label, (unsigned long long)cum);
	}
}
