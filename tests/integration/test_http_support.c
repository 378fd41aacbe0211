/*
 * test_http_support.c - the daemon under test, a libcurl client and fixtures
 */
#include "test_http_support.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <sys/prctl.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0);
	cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

void ht_start(struct ht_daemon *d, const char *conninfo, const char *const *args)
{
	const char *bin = getenv("WHATWORKS_BIN");
	static int counter;
	char listen[64];

	cr_assert(bin != NULL && bin[0] != '\0',
	          "WHATWORKS_BIN is not set: run through 'make integration'");
	memset(d, 0, sizeof(*d));
	d->port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
	snprintf(d->log, sizeof(d->log), "/tmp/whatworks-http-%d-%d.log", (int)getpid(), ++counter);
	d->pid = fork();
	cr_assert(d->pid >= 0);
	if (d->pid == 0) {
		const char *argv[64] = {bin,      "serve",     "--listen", listen, "--database-url",
		                        conninfo, "--threads", "2"};
		int n = 8, fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		for (int i = 0; args != NULL && args[i] != NULL && n < 62; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* a test that fails half-way must not leave its daemon behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		struct ht_resp r;
		int status;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			cr_assert_fail("whatworks serve exited at start; see %s", d->log);
		ht_request(&r, d, "GET", "/healthz", NULL, NULL);
		long st = r.status;
		ht_free(&r);
		if (st == 200)
			return;
		usleep(50000);
	}
	cr_assert_fail("whatworks serve did not answer /healthz within 10 s; see %s", d->log);
}

int ht_stop(struct ht_daemon *d)
{
	int status = -1;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			cr_assert(WIFEXITED(status), "whatworks serve died of a signal; see %s",
			          d->log);
			return WEXITSTATUS(status);
		}
		usleep(10000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	cr_assert_fail("whatworks serve did not exit within 10 s of SIGTERM; see %s", d->log);
	return -1;
}

struct sink {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *cls)
{
	struct sink *s = cls;
	char *d = realloc(s->data, s->len + size * n + 1);
	if (d == NULL)
		return 0;
	memcpy(d + s->len, p, size * n);
	s->len += size * n;
	d[s->len] = '\0';
	s->data = d;
	return size * n;
}

void ht_request(struct ht_resp *r, const struct ht_daemon *d, const char *method,
                const char *target, const char *const *headers, const char *body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct sink hs = {0}, bs = {0};
	char url[16384];

	memset(r, 0, sizeof(*r));
	cr_assert(c != NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, target);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bs);
	/* keep the URL as written: no path squashing */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	h = curl_slist_append(h, "Expect:");
	for (int i = 0; headers != NULL && headers[i] != NULL; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = 0;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	r->headers = hs.data ? hs.data : strdup("");
	r->body = bs.data ? bs.data : strdup("");
	r->len = bs.len;
}

void ht_get(struct ht_resp *r, const struct ht_daemon *d, const char *target)
{
	ht_request(r, d, "GET", target, NULL, NULL);
}

const char *ht_header(const struct ht_resp *r, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	const char *p = r->headers, *found = NULL;

	/* the last response's value wins (after 1xx interim responses) */
	while (p != NULL && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			found = p + n + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (found == NULL)
		return NULL;
	while (*found == ' ')
		found++;
	size_t len = strcspn(found, "\r\n");
	snprintf(buf, size, "%.*s", (int)len, found);
	return buf;
}

json_t *ht_json(const struct ht_resp *r)
{
	json_error_t je;
	json_t *j = json_loadb(r->body, r->len, 0, &je);
	cr_assert(j != NULL, "body is not JSON (%s): %.200s", je.text, r->body);
	return j;
}

void ht_free(struct ht_resp *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

json_t *ht_wait_request(const struct ht_daemon *d, const char *url)
{
	struct timespec pause = {0, 50 * 1000000L};

	/* bounded: a run that never finishes fails the test, after about 60 s */
	for (int i = 0; i < 1200; i++) {
		struct ht_resp r;
		ht_get(&r, d, url);
		cr_assert_eq(r.status, 200, "GET %s: %ld %s", url, r.status, r.body);
		json_t *j = ht_json(&r);
		ht_free(&r);
		const char *st =
		    json_string_value(json_object_get(json_object_get(j, "data"), "status"));
		cr_assert_not_null(st, "GET %s: no status", url);
		if (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
			return j;
		json_decref(j);
		nanosleep(&pause, NULL);
	}
	cr_assert_fail("the import requested at %s did not finish; see %s", url, d->log);
	return NULL;
}

void ht_fixture(struct pgtest *t)
{
	pgtest_exec(t,
	            "INSERT INTO sources (id, name, kind, location, last_commit, last_run_id)"
	            " VALUES (1, 'evidence', 'git', '/srv/evidence', '" HT_COMMIT "', 1)",
	            0, NULL);
	pgtest_exec(t,
	            "INSERT INTO import_runs (id, source_id, status, commit, mode, added,"
	            " finished_at, duration_ms) VALUES (1, 1, 'succeeded', '" HT_COMMIT
	            "', 'full', 5, now(), 12.5)",
	            0, NULL);
	pgtest_exec(t, "SELECT setval('import_runs_id_seq', 1), setval('sources_id_seq', 1)", 0,
	            NULL);
	pgtest_exec(
	    t,
	    "INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body,"
	    " name, themes, level, sectors, tags) VALUES"
	    " ('street-triage', 1, 'interventions/street-triage.yaml', 'b1', '" HT_COMMIT
	    "', 1, '{\"summary\": \"Mentors, \\\"trusted\\\" adults, on call\"}',"
	    " 'Street triage', '{knife-crime}', 'person', '{police,health}', '{youth,a&e}'),"
	    " ('hot-spots', 1, 'interventions/hot-spots.yaml', 'b2', '" HT_COMMIT
	    "', 1, '{\"summary\": \"Patrols where crime concentrates\"}',"
	    " 'Hot spots policing', '{knife-crime,vawg}', 'place', '{police}', '{}'),"
	    " ('drug-courts', 1, 'interventions/drug-courts.yaml', 'b3', '" HT_COMMIT
	    "', 1, '{\"summary\": \"Supervised treatment\"}',"
	    " 'Drug courts', '{substance-misuse}', 'person', '{probation}', '{}')",
	    0, NULL);
	pgtest_exec(t,
	            "INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	            " intervention, title, design, quality, country, areas, published) VALUES"
	            " ('braga-2014', 1, 'evaluations/braga-2014.yaml', 'e1', '" HT_COMMIT
	            "', 1, '{\"studies\": 19, \"submitted_by\": \"College of Policing\"}',"
	            " 'hot-spots', 'Hot spots policing effects', 'meta-analysis', 5, 'US', '{}',"
	            " '2014'),"
	            " ('triage-2020', 1, 'evaluations/triage-2020.yaml', 'e2', '" HT_COMMIT
	            "', 1, '{\"studies\": 1}', 'street-triage', 'Triage in A&E', 'rct', 4, 'GB',"
	            " '{west-midlands}', '2020-03')",
	            0, NULL);
}
