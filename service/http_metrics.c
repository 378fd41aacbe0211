/*
 * http_metrics.c - request counters and a latency histogram per route, in
 * the Prometheus text format. Lock-free: relaxed atomic increments.
 */
#include "http.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const int statuses[] = {200, 204, 304, 400, 401, 403, 404, 405,
                               406, 413, 414, 429, 500, 501, 502, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
#define OTHER NSTATUS

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static const char *const methods[] = {"GET", "HEAD", "POST", "OPTIONS"};
#define NMETHOD (sizeof(methods) / sizeof(methods[0]))
#define OTHER_METHOD NMETHOD

/* route HTTP_MAX_ROUTES is "no route matched" */
static uint64_t requests[HTTP_MAX_ROUTES + 1][NMETHOD + 1][NSTATUS + 1];
static uint64_t buckets[HTTP_MAX_ROUTES + 1][NBOUNDS + 1];
static uint64_t micros[HTTP_MAX_ROUTES + 1];

void http_metrics_observe(int route, const char *method, int status, double seconds)
{
	size_t r = route < 0 || route >= HTTP_MAX_ROUTES ? HTTP_MAX_ROUTES : (size_t)route;
	size_t s = OTHER, b = NBOUNDS, m = OTHER_METHOD;

	for (size_t i = 0; i < NMETHOD && method != NULL; i++)
		if (strcmp(method, methods[i]) == 0) {
			m = i;
			break;
		}

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
	__atomic_fetch_add(&requests[r][m][s], 1, __ATOMIC_RELAXED);
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
	buf_adds(out, "# HELP whatworks_http_requests_total HTTP requests by route template, "
	              "method and status.\n# TYPE whatworks_http_requests_total counter\n");
	for (size_t r = 0; r <= HTTP_MAX_ROUTES; r++) {
		if (r >= nroutes && r != HTTP_MAX_ROUTES)
			continue;
		for (size_t m = 0; m <= NMETHOD; m++)
			for (size_t s = 0; s <= NSTATUS; s++) {
				uint64_t v = __atomic_load_n(&requests[r][m][s], __ATOMIC_RELAXED);
				char status[16];
				if (v == 0)
					continue;
				if (s == OTHER)
					snprintf(status, sizeof(status), "other");
				else
					snprintf(status, sizeof(status), "%d", statuses[s]);
				buf_printf(
				    out,
				    "whatworks_http_requests_total{route=\"%s\",method=\"%s\","
				    "status=\"%s\"} %llu\n",
				    route_label(r, routes, nroutes),
				    m == OTHER_METHOD ? "other" : methods[m], status,
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

void http_metrics_label(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			buf_adds(out, "\\n");
		else
			buf_add(out, s, 1);
	}
}

/* Seconds since the epoch at which the system booted, or 0. */
static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	double t = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %lf", &t) == 1)
			break;
	fclose(f);
	return t;
}

void http_metrics_process(struct buf *out)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024], *p;
	unsigned long long utime, stime, start, vsize;
	long long rss;
	double tick = (double)sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	DIR *d;
	size_t n;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* fields after the command name, which may hold spaces: from field 3 */
		p = strrchr(buf, ')');
		if (p != NULL && tick > 0 &&
		    sscanf(p + 2,
		           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
		           "%*d %*d %llu %llu %lld",
		           &utime, &stime, &start, &vsize, &rss) == 5) {
			buf_printf(
			    out,
			    "# HELP process_cpu_seconds_total Total user and system CPU time "
			    "spent in seconds.\n# TYPE process_cpu_seconds_total counter\n"
			    "process_cpu_seconds_total %.2f\n"
			    "# HELP process_resident_memory_bytes Resident memory size in "
			    "bytes.\n# TYPE process_resident_memory_bytes gauge\n"
			    "process_resident_memory_bytes %lld\n"
			    "# HELP process_virtual_memory_bytes Virtual memory size in "
			    "bytes.\n# TYPE process_virtual_memory_bytes gauge\n"
			    "process_virtual_memory_bytes %llu\n",
			    (double)(utime + stime) / tick, rss * (long long)page, vsize);
			double boot = boot_time();
			if (boot > 0)
				buf_printf(out,
				           "# HELP process_start_time_seconds Start time of the "
				           "process since unix epoch in seconds.\n"
				           "# TYPE process_start_time_seconds gauge\n"
				           "process_start_time_seconds %.2f\n",
				           boot + (double)start / tick);
		}
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		long open_fds = 0;
		while (readdir(d) != NULL)
			open_fds++;
		closedir(d);
		/* less ".", ".." and the descriptor reading the directory */
		buf_printf(out,
		           "# HELP process_open_fds Number of open file descriptors.\n"
		           "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
		           open_fds > 3 ? open_fds - 3 : 0);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		buf_printf(out,
		           "# HELP process_max_fds Maximum number of open file descriptors.\n"
		           "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
		           (unsigned long long)rl.rlim_cur);
}
