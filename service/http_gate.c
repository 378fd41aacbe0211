/*
 * http_gate.c - the door in front of libmicrohttpd (see http_gate.h)
 */
#include "http_gate.h"
#include "clock.h"
#include "log.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the request head ---- */

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int reject(int *status, char *msg, size_t size, int st, const char *fmt, size_t n)
{
	*status = st;
	snprintf(msg, size, fmt, n);
	return -1;
}

/* Checks the request line [p, end): 1 fine, -1 refused. */
static int check_line(const char *p, const char *end, const struct http_head_limits *lim,
                      size_t *nargs, int *status, char *msg, size_t size)
{
	const char *sp1, *sp2, *q;
	size_t mlen, tlen;

	if (end > p && end[-1] == '\r')
		end--;
	sp1 = memchr(p, ' ', (size_t)(end - p));
	if (sp1 == NULL)
		return reject(status, msg, size, 400, "the request line is malformed%.0zu", 0);
	mlen = (size_t)(sp1 - p);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return reject(status, msg, size, 400,
			              "the request method is malformed%.0zu", 0);
	if (mlen == 0 || mlen > 32)
		return reject(status, msg, size, 400, "the request method is malformed%.0zu", 0);
	sp2 = sp1 + 1;
	while (sp2 < end && *sp2 != ' ')
		sp2++;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen > lim->max_url)
		return reject(status, msg, size, 414, "the request target is longer than %zu bytes",
		              lim->max_url);
	if (tlen == 0 || sp2 == end || end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return reject(
		    status, msg, size, 400,
		    "the request line is malformed (expected METHOD TARGET HTTP/1.1)%.0zu", 0);
	for (q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return reject(status, msg, size, 400,
			              "the request target holds a control character%.0zu", 0);
	q = memchr(sp1 + 1, '?', tlen);
	*nargs = 0;
	if (q != NULL) {
		*nargs = 1;
		for (; q < sp2; q++)
			*nargs += *q == '&' || *q == ';';
	}
	return 1;
}

/* Trims optional white space around [*a, *b). */
static void ows(const char **a, const char **b)
{
	while (*a < *b && (**a == ' ' || **a == '\t'))
		(*a)++;
	while (*b > *a && ((*b)[-1] == ' ' || (*b)[-1] == '\t' || (*b)[-1] == '\r'))
		(*b)--;
}

int http_head_check(const char *buf, size_t len, const struct http_head_limits *lim, int *status,
                    char *msg, size_t msgsize)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t nargs = 0, nheaders = 0, seen_cl = 0, cl_len = 0;
	const char *cl = NULL;
	int chunked = 0, te = 0;

	/* empty lines before the request line are allowed (RFC 9112 2.2) */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL) {
		if (len > lim->max_url + 64)
			return reject(status, msg, msgsize, 414,
			              "the request target is longer than %zu bytes", lim->max_url);
		if (len > lim->max_head)
			goto too_big;
		return 0;
	}
	if (check_line(p, nl, lim, &nargs, status, msg, msgsize) < 0)
		return -1;
	for (p = nl + 1;; p = nl + 1) {
		const char *colon, *a, *b;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			if (len > lim->max_head)
				goto too_big;
			return 0;
		}
		if (nl == p || (nl == p + 1 && *p == '\r'))
			break; /* the blank line: the head is whole */
		if (*p == ' ' || *p == '\t')
			return reject(status, msg, msgsize, 400,
			              "folded header lines are not accepted%.0zu", 0);
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || colon == p)
			return reject(status, msg, msgsize, 400, "a header line is malformed%.0zu",
			              0);
		for (a = p; a < colon; a++)
			if (!is_tchar((unsigned char)*a))
				return reject(status, msg, msgsize, 400,
				              "a header name is malformed%.0zu", 0);
		for (a = colon + 1; a < nl; a++)
			if (*a == '\0')
				return reject(status, msg, msgsize, 400,
				              "a header value holds a NUL byte%.0zu", 0);
		nheaders++;
		a = colon + 1;
		b = nl;
		ows(&a, &b);
		if ((size_t)(colon - p) == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
			size_t n = (size_t)(b - a);
			if (n == 0 || n > 19 || strspn(a, "0123456789") < n)
				return reject(
				    status, msg, msgsize, 400,
				    "the Content-Length header is not a number of bytes%.0zu", 0);
			if (cl != NULL && (cl_len != n || memcmp(cl, a, n) != 0))
				return reject(
				    status, msg, msgsize, 400,
				    "the request has two different Content-Length headers%.0zu", 0);
			cl = a;
			cl_len = n;
			seen_cl++;
		} else if ((size_t)(colon - p) == 17 &&
		           strncasecmp(p, "Transfer-Encoding", 17) == 0) {
			te = 1;
			chunked = (size_t)(b - a) == 7 && strncasecmp(a, "chunked", 7) == 0;
			if (!chunked)
				return reject(status, msg, msgsize, 501,
				              "only the chunked transfer coding is supported%.0zu",
				              0);
		}
	}
	if (te && seen_cl)
		return reject(status, msg, msgsize, 400,
		              "the request has both Content-Length and Transfer-Encoding%.0zu", 0);
	/* libmicrohttpd keeps the head and a record per header and argument in
	 * one pool; past it, it gives up without an answer */
	if ((size_t)(nl + 1 - buf) + 64 * (nargs + nheaders + 8) > lim->pool / 2) {
		if (nargs > nheaders)
			return reject(status, msg, msgsize, 414,
			              "the request target has more than %zu parameters",
			              (lim->pool / 2 - (size_t)(nl + 1 - buf)) / 64 > 8
			                  ? (lim->pool / 2 - (size_t)(nl + 1 - buf)) / 64 - 8
			                  : 0);
		goto too_big;
	}
	return 1;
too_big:
	return reject(status, msg, msgsize, 431,
	              "the request header is larger than this server accepts (%zu bytes)",
	              lim->max_head);
}

static int hex(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* 1 when [a, b) percent-decodes to UTF-8 without NUL; buf holds b - a. */
static int component_ok(const char *a, const char *b, char *buf)
{
	size_t n = 0;
	while (a < b) {
		if (*a == '%' && b - a >= 3 && hex(a[1]) >= 0 && hex(a[2]) >= 0) {
			buf[n++] = (char)(hex(a[1]) << 4 | hex(a[2]));
			a += 3;
		} else {
			buf[n++] = *a == '+' ? ' ' : *a;
			a++;
		}
	}
	return utf8_valid(buf, n);
}

/* The raw name [a, b) as printable ASCII for a message. */
static void printable(char *out, size_t size, const char *a, const char *b)
{
	size_t n = 0;
	for (; a < b && n + 4 < size && n < 64; a++) {
		unsigned char c = (unsigned char)*a;
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

int http_target_check(const char *target, size_t len, char *msg, size_t msgsize)
{
	const char *end = target + len, *q = memchr(target, '?', len), *p;
	char buf[65536], name[256];

	if (len > sizeof(buf)) /* longer than max_url allows anyway */
		return 0;
	if (!component_ok(target, q ? q : end, buf)) {
		snprintf(msg, msgsize, "the path is not valid UTF-8 or holds a NUL byte");
		return -1;
	}
	for (p = q ? q + 1 : end; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p)), *nend = eq ? eq : stop;

		printable(name, sizeof(name), p, nend);
		if (!component_ok(p, nend, buf)) {
			snprintf(
			    msg, msgsize,
			    "parameter \"%s\": the name is not valid UTF-8 or holds a NUL byte",
			    name);
			return -1;
		}
		if (eq != NULL && !component_ok(eq + 1, stop, buf)) {
			snprintf(
			    msg, msgsize,
			    "parameter \"%s\": the value is not valid UTF-8 or holds a NUL byte",
			    name);
			return -1;
		}
		p = stop + 1;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

static const char *code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 408: return "request_timeout";
	case 414: return "uri_too_long";
	case 431: return "header_too_large";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	}
	return "internal";
}

size_t http_gate_error(char *out, size_t size, int status, const char *msg, int retry_after)
{
	char body[512], ra[48] = "";
	int n;

	/* the messages are ours: ASCII without quotes or backslashes */
	snprintf(body, sizeof(body),
	         "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"detail\":null}}", code(status),
	         msg);
	if (status == 503)
		snprintf(ra, sizeof(ra), "Retry-After: %d\r\n", retry_after);
	n = snprintf(
	    out, size,
	    "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n%sConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
	    status, reason(status), ra, strlen(body), body);
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* ---- the gate ---- */

enum { FREE, WAITING, CLOSING };

struct slot {
	int fd, state;
	long long deadline;
	struct sockaddr_storage addr;
	socklen_t alen;
};

struct http_gate {
	struct http_gate_opts o;
	pthread_t thread;
	int wake[2];
	int nslots;
	struct slot *slots;
	struct pollfd *pfd;
	int *pidx;
	char *peek;
	long long last_log;
	unsigned long refused;
};

static void lowat(int fd, int n)
{
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof(n));
}

/* A free slot, else the one draining a refusal the longest (closed now). */
static struct slot *slot_free(struct http_gate *g)
{
	struct slot *old = NULL;
	for (int i = 0; i < g->nslots; i++) {
		if (g->slots[i].state == FREE)
			return &g->slots[i];
		if (g->slots[i].state == CLOSING &&
		    (old == NULL || g->slots[i].deadline < old->deadline))
			old = &g->slots[i];
	}
	if (old != NULL) {
		close(old->fd);
		old->state = FREE;
	}
	return old;
}

/* Answers the error, then drains what the client still sends for a moment
 * (closing with unread bytes would reset the connection and lose the
 * answer). */
static void refuse(struct http_gate *g, struct slot *sl, int fd, int status, const char *msg)
{
	char resp[1024];
	size_t n = http_gate_error(resp, sizeof(resp), status, msg, g->o.retry_after);

	if (send(fd, resp, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 || sl == NULL) {
		close(fd);
		if (sl != NULL)
			sl->state = FREE;
		return;
	}
	shutdown(fd, SHUT_WR);
	lowat(fd, 1);
	sl->fd = fd;
	sl->state = CLOSING;
	sl->deadline = clock_ns() / 1000000 + 2000;
}

static int count(const struct http_gate *g, int state)
{
	int n = 0;
	for (int i = 0; i < g->nslots; i++)
		n += g->slots[i].state == state;
	return n;
}

static void limit_reached(struct http_gate *g, int live, int waiting)
{
	long long t = clock_ns() / 1000000;
	g->refused++;
	if (t - g->last_log >= 10000) {
		log_warn("connection limit reached",
		         "max_connections=%d open=%d waiting_for_header=%d refused=%lu",
		         g->o.max_connections, live, waiting, g->refused);
		g->last_log = t;
		g->refused = 0;
	}
}

static void admit(struct http_gate *g)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage addr;
		socklen_t alen = sizeof(addr);
		int fd = accept4(g->o.listen_fd, (struct sockaddr *)&addr, &alen,
		                 SOCK_CLOEXEC | SOCK_NONBLOCK);
		int live = __atomic_load_n(g->o.live, __ATOMIC_ACQUIRE);
		int waiting = count(g, WAITING);
		struct slot *sl;

		if (fd < 0)
			return;
		if (live + waiting >= g->o.max_connections || waiting >= g->o.max_pending) {
			struct slot *old = NULL;
			limit_reached(g, live, waiting);
			if (waiting == 0) {
				refuse(g, slot_free(g), fd, 503,
				       "the server has no free connection; try again shortly");
				continue;
			}
			/* the oldest waiter makes room: slow clients cannot keep
			 * a fast one out */
			for (int i = 0; i < g->nslots; i++)
				if (g->slots[i].state == WAITING &&
				    (old == NULL || g->slots[i].deadline < old->deadline))
					old = &g->slots[i];
			refuse(
			    g, old, old->fd, 408,
			    "the request header did not arrive in time while the server was busy");
		}
		sl = slot_free(g);
		if (sl == NULL) { /* cannot happen: nslots > max_pending */
			close(fd);
			continue;
		}
		sl->fd = fd;
		sl->state = WAITING;
		sl->addr = addr;
		sl->alen = alen;
		sl->deadline = clock_ns() / 1000000 + (long long)g->o.header_timeout * 1000;
	}
}

static void readable(struct http_gate *g, struct slot *sl)
{
	size_t max = g->o.limits.max_head + 1;
	ssize_t n;
	int status = 0, rc;
	char msg[160];

	if (sl->state == CLOSING) {
		n = recv(sl->fd, g->peek, max, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			close(sl->fd);
			sl->state = FREE;
		}
		return;
	}
	n = recv(sl->fd, g->peek, max, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(sl->fd);
		sl->state = FREE;
		return;
	}
	rc = http_head_check(g->peek, (size_t)n, &g->o.limits, &status, msg, sizeof(msg));
	if (rc == 0) { /* wake again only when more has arrived */
		lowat(sl->fd, (int)n + 1);
		return;
	}
	if (rc < 0) {
		refuse(g, sl, sl->fd, status, msg);
		return;
	}
	lowat(sl->fd, 1);
	sl->state = FREE;
	if (__atomic_load_n(g->o.live, __ATOMIC_ACQUIRE) >= g->o.max_connections) {
		limit_reached(g, g->o.max_connections, count(g, WAITING));
		refuse(g, sl, sl->fd, 503, "the server has no free connection; try again shortly");
		return;
	}
	/* libmicrohttpd owns the socket from here, and closes it on failure */
	if (MHD_add_connection(g->o.daemon, sl->fd, (struct sockaddr *)&sl->addr, sl->alen) !=
	    MHD_YES)
		log_warn("connection refused", "reason=\"%s\"", strerror(errno));
}

static void *run(void *arg)
{
	struct http_gate *g = arg;

	for (;;) {
		int n = 0, timeout = 1000;
		long long t = clock_ns() / 1000000;

		g->pfd[n++] = (struct pollfd){.fd = g->wake[0], .events = POLLIN};
		g->pfd[n++] = (struct pollfd){.fd = g->o.listen_fd, .events = POLLIN};
		for (int i = 0; i < g->nslots; i++) {
			struct slot *sl = &g->slots[i];
			if (sl->state == FREE)
				continue;
			if (sl->deadline <= t) {
				if (sl->state == WAITING) {
					char m[96];
					snprintf(m, sizeof(m),
					         "the request header did not arrive within %d s",
					         g->o.header_timeout);
					refuse(g, sl, sl->fd, 408, m);
				} else {
					close(sl->fd);
					sl->state = FREE;
				}
				if (sl->state == FREE)
					continue;
			}
			if (sl->deadline - t < timeout)
				timeout = (int)(sl->deadline - t) + 1;
			g->pidx[n] = i;
			g->pfd[n++] = (struct pollfd){.fd = sl->fd, .events = POLLIN};
		}
		if (poll(g->pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			usleep(10000);
		if (g->pfd[0].revents)
			break;
		for (int i = 2; i < n; i++)
			if (g->pfd[i].revents)
				readable(g, &g->slots[g->pidx[i]]);
		if (g->pfd[1].revents)
			admit(g);
	}
	return NULL;
}

int http_gate_start(struct http_gate **out, const struct http_gate_opts *o, struct err *e)
{
	struct http_gate *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (g == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	g->o = *o;
	g->nslots = o->max_pending + 64;
	g->slots = calloc((size_t)g->nslots, sizeof(*g->slots));
	g->pfd = calloc((size_t)g->nslots + 2, sizeof(*g->pfd));
	g->pidx = calloc((size_t)g->nslots + 2, sizeof(*g->pidx));
	g->peek = malloc(o->limits.max_head + 1);
	g->wake[0] = g->wake[1] = -1;
	if (g->slots == NULL || g->pfd == NULL || g->pidx == NULL || g->peek == NULL ||
	    pipe2(g->wake, O_CLOEXEC) < 0 || pthread_create(&g->thread, NULL, run, g) != 0) {
		if (g->wake[0] >= 0) {
			close(g->wake[0]);
			close(g->wake[1]);
		}
		free(g->slots);
		free(g->pfd);
		free(g->pidx);
		free(g->peek);
		free(g);
		return err_set(e, WW_ENOMEM, "could not start the connection gate");
	}
	*out = g;
	return 0;
}

void http_gate_stop(struct http_gate *g)
{
	if (g == NULL)
		return;
	if (write(g->wake[1], "x", 1) < 0)
		log_warn("could not stop the connection gate", "reason=\"%s\"", strerror(errno));
	pthread_join(g->thread, NULL);
	for (int i = 0; i < g->nslots; i++)
		if (g->slots[i].state != FREE)
			close(g->slots[i].fd);
	close(g->wake[0]);
	close(g->wake[1]);
	free(g->slots);
	free(g->pfd);
	free(g->pidx);
	free(g->peek);
	free(g);
}
