/*
 * test_feed_sched.c - the feed between two real instances, the scheduler on
 * one database from two places, stale runs, and webhooks from each host
 */
#include "feed.h"
#include "gitrepo.h"
#include "hook_verify.h"
#include "import.h"
#include "pgtest.h"
#include "scheduler.h"
#include "stubhttp.h"
#include "rawhttp.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char data_dir[256];

static void mkdata(void)
{
	tmpdir_make(data_dir, sizeof(data_dir));
	setenv("WHATWORKS_DATA_DIR", data_dir, 1);
}

static void rmdata(void)
{
	tmpdir_remove(data_dir);
}

static void seed(struct gitrepo *g, const char *prefix)
{
	char id[64], ev[64], c[41], *doc;

	gitrepo_init(g);
	snprintf(id, sizeof(id), "%s-mentoring", prefix);
	snprintf(ev, sizeof(ev), "%s-mentoring-rct", prefix);
	doc = gitrepo_intervention(id, "Mentoring");
	gitrepo_write(g, "interventions/m.yaml", doc);
	free(doc);
	doc = gitrepo_evaluation(ev, id, 0.8);
	gitrepo_write(g, "evaluations/m.yaml", doc);
	free(doc);
	gitrepo_commit(g, "evidence", c);
}

static int git_import(struct pgtest *t, struct gitrepo *g, const char *name,
                      struct import_result *res)
{
	struct import_git_opts o = {.name = name, .location = g->dir, .data_dir = data_dir};
	struct err e = {0};
	int rc = import_git(t->conn, &o, res, &e);
	if (rc != 0 && rc != WW_EINVALID)
		cr_log_error("import failed: %s", e.msg);
	return rc;
}

static const char *DOCS_MD5 =
    "SELECT md5(coalesce(string_agg(k || id || b, ',' ORDER BY k, id), '')) FROM ("
    " SELECT 'i' k, id, body::text b FROM interventions WHERE valid_to IS NULL"
    " UNION ALL SELECT 'e', id, body::text FROM evaluations WHERE valid_to IS NULL"
    " UNION ALL SELECT kind, id, body::text FROM reference_data WHERE valid_to IS NULL) x";

/* Waits (generous deadline) until sql returns a value >= want; returns it. */
static long long wait_for(struct pgtest *t, const char *sql, long long want)
{
	long long v = 0;
	for (int i = 0; i < 600; i++) {
		if ((v = pgtest_int(t, sql, 0, NULL)) >= want)
			return v;
		usleep(50000);
	}
	return v;
}

TestSuite(feed, .timeout = 120);

Test(feed, two_instances_documents_equal_unchanged_costs_one_request)
{
	struct pgtest a, b, c;
	struct gitrepo g;
	struct ht_daemon d;
	struct import_result res;
	struct err e = {0};
	char url[64];
	int requests = 0;

	mkdata();
	pgtest_setup(&a, "feeda");
	pgtest_setup(&b, "feedb");
	pgtest_setup(&c, "feedc");
	seed(&g, "local");
	cr_assert_eq(git_import(&a, &g, "local", &res), 0);
	import_result_free(&res);
	/* the origin re-reads its evidence version on every request, so the test
	 * needs no wait after importing into it */
	const char *args[] = {"--version-ttl-ms", "0", NULL};
	ht_start(&d, a.conninfo, args);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", d.port);

	struct feed_opts o = {.url = url, .name = "north", .page_limit = 1};
	cr_assert_eq(feed_import(b.conn, &o, &res, &requests, &e), 0, "%s", e.msg);
	cr_expect_str_eq(res.mode, "full");
	cr_expect_eq(res.n.added, 2, "added %d, requests %d, commit %s, see %s", res.n.added,
	             requests, res.commit, d.log);
	cr_expect_geq(requests, 2, "one page per document with page_limit 1");
	import_result_free(&res);
	char *ma = pgtest_value(&a, DOCS_MD5, 0, NULL), *mb = pgtest_value(&b, DOCS_MD5, 0, NULL);
	cr_expect_str_eq(ma, mb, "the documents differ between the instances");
	free(ma);
	free(mb);
	/* provenance names the origin and its commit */
	char *commit = pgtest_value(&a, "SELECT commit FROM interventions", 0, NULL);
	char want[128];
	snprintf(want, sizeof(want), "feed:%s/intervention/local-mentoring", url);
	const char *p[1] = {want};
	cr_expect_eq(pgtest_int(&b, "SELECT count(*) FROM interventions WHERE path = $1", 1, p), 1);
	char *bc = pgtest_value(&b, "SELECT commit FROM interventions", 0, NULL);
	cr_expect_str_eq(bc, commit);
	free(bc);
	free(commit);

	/* unchanged: one request, mode unchanged */
	cr_assert_eq(feed_import(b.conn, &o, &res, &requests, &e), 0, "%s", e.msg);
	cr_expect_eq(requests, 1);
	cr_expect_str_eq(res.mode, "unchanged");
	import_result_free(&res);

	/* a document gone from the origin is retracted */
	gitrepo_write(&g, "evaluations/m.yaml", NULL);
	char c2[41];
	gitrepo_commit(&g, "drop the evaluation", c2);
	cr_assert_eq(git_import(&a, &g, "local", &res), 0);
	import_result_free(&res);
	cr_assert_eq(feed_import(b.conn, &o, &res, &requests, &e), 0, "%s", e.msg);
	cr_expect_eq(res.n.removed, 1);
	import_result_free(&res);
	cr_expect_eq(
	    pgtest_int(&b, "SELECT count(*) FROM evaluations WHERE valid_to IS NULL", 0, NULL), 0);

	/* an id another source owns: rejected, naming both, nothing written */
	cr_assert_eq(git_import(&c, &g, "mine", &res), 0);
	import_result_free(&res);
	cr_assert_eq(feed_import(c.conn, &o, &res, &requests, &e), WW_EINVALID);
	char line[1024];
	cr_assert_gt(res.errs.n, 0);
	ev_error_format(&res.errs.v[0], line, sizeof(line));
	cr_expect(strstr(line, "already owned by source \"mine\"") != NULL, "got: %s", line);
	cr_expect(strstr(line, "source \"north\"") != NULL, "got: %s", line);
	cr_expect(strstr(line, url) != NULL, "the error names the origin: %s", line);
	import_result_free(&res);
	cr_expect_eq(pgtest_int(&c, "SELECT count(*) FROM interventions", 0, NULL), 1);

	ht_stop(&d);
	gitrepo_remove(&g);
	pgtest_teardown(&a);
	pgtest_teardown(&b);
	pgtest_teardown(&c);
	rmdata();
}

/* Each page names the next one in its Link header, so a page is requested
 * while the one before it is parsed: a walk still costs one request a page. */
Test(feed, a_walk_of_many_pages_asks_for_each_page_once)
{
	struct pgtest a, b;
	struct gitrepo g;
	struct ht_daemon d;
	struct import_result res;
	struct err e = {0};
	char url[64], c[41];
	int requests = 0;

	mkdata();
	pgtest_setup(&a, "feedpa");
	pgtest_setup(&b, "feedpb");
	seed(&g, "local");
	for (int i = 0; i < 4; i++) {
		char path[64], id[32];
		snprintf(path, sizeof(path), "interventions/x%d.yaml", i);
		snprintf(id, sizeof(id), "local-extra-%d", i);
		char *doc = gitrepo_intervention(id, "Extra");
		gitrepo_write(&g, path, doc);
		free(doc);
	}
	gitrepo_commit(&g, "more", c);
	cr_assert_eq(git_import(&a, &g, "local", &res), 0);
	cr_assert_eq(res.n.added, 6);
	import_result_free(&res);
	const char *args[] = {"--version-ttl-ms", "0", NULL};
	ht_start(&d, a.conninfo, args);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", d.port);

	struct feed_opts o = {.url = url, .name = "north", .page_limit = 1};
	cr_assert_eq(feed_import(b.conn, &o, &res, &requests, &e), 0, "%s", e.msg);
	cr_expect_eq(res.n.added, 6);
	cr_expect_eq(requests, 6, "one request a page, got %d", requests);
	import_result_free(&res);
	char *ma = pgtest_value(&a, DOCS_MD5, 0, NULL), *mb = pgtest_value(&b, DOCS_MD5, 0, NULL);
	cr_expect_str_eq(ma, mb, "the documents differ between the instances");
	free(ma);
	free(mb);

	ht_stop(&d);
	gitrepo_remove(&g);
	pgtest_teardown(&a);
	pgtest_teardown(&b);
	rmdata();
}

#define STUB_DOC(id)                                                                               \
	"{\"kind\": \"intervention\", \"id\": \"" id "\", \"body\": {\"kind\": \"intervention\","  \
	" \"id\": \"" id "\", \"name\": \"Stub\", \"themes\": [\"knife-crime\"],"                  \
	" \"level\": \"person\", \"summary\": \"A test intervention.\"}}"
#define STUB_META(next)                                                                            \
	"\"meta\": {\"total\": 3, \"limit\": 1, \"offset\": 0, \"next_cursor\": " next ","         \
	" \"evidence_version\": {\"run_id\": 1, \"commit\": \"abc1234\"}}"

/* A Link header is only a hint: when it names another page than
 * meta.next_cursor, the page it named is dropped and the right one read. */
Test(feed, a_link_header_naming_another_page_is_not_followed)
{
	struct stubhttp *s = stubhttp_start();
	struct pgtest b;
	struct import_result res;
	struct err e = {0};
	int requests = 0;
	const struct stub_resp p1 = {
	    .body = "{\"data\": [" STUB_DOC("s-one") "], " STUB_META("\"c2\"") "}",
	    .link = "</v1/export?limit=1&cursor=zz>; rel=\"next\""};
	const struct stub_resp wrong = {
	    .body = "{\"data\": [" STUB_DOC("s-wrong") "], " STUB_META("null") "}"};
	const struct stub_resp p2 = {
	    .body = "{\"data\": [" STUB_DOC("s-two") "], " STUB_META("\"c3\"") "}",
	    .link = "</v1/export?limit=1&offset=0>; rel=\"first\", "
	            "</v1/export?limit=1&cursor=c3>; rel=\"next\""};
	const struct stub_resp p3 = {
	    .body = "{\"data\": [" STUB_DOC("s-three") "], " STUB_META("null") "}"};

	stubhttp_on(s, "/v1/export", &p1, 1);
	stubhttp_on(s, "/v1/export?cursor=zz", &wrong, 1);
	stubhttp_on(s, "/v1/export?cursor=c2", &p2, 1);
	stubhttp_on(s, "/v1/export?cursor=c3", &p3, 1);
	pgtest_setup(&b, "feedlink");
	struct feed_opts o = {.url = stubhttp_url(s), .name = "stub", .page_limit = 1};
	cr_assert_eq(feed_import(b.conn, &o, &res, &requests, &e), 0, "%s", e.msg);
	cr_expect_eq(res.n.added, 3);
	import_result_free(&res);
	cr_expect_eq(pgtest_int(&b,
	                        "SELECT count(*) FROM interventions WHERE id IN ('s-one', 's-two',"
	                        " 's-three') AND valid_to IS NULL",
	                        0, NULL),
	             3);
	cr_expect_eq(pgtest_int(&b, "SELECT count(*) FROM interventions", 0, NULL), 3);
	/* the page after c2 was asked for once, while c2 was parsed */
	cr_expect_eq(stubhttp_count(s, "/v1/export?cursor=c2"), 1);
	cr_expect_eq(stubhttp_count(s, "/v1/export?cursor=c3"), 1);
	cr_expect_leq(stubhttp_count(s, "/v1/export?cursor=zz"), 1);
	cr_expect_eq(requests, 4);
	pgtest_teardown(&b);
	stubhttp_stop(s);
}

Test(feed, a_bad_url_and_a_dead_origin)
{
	struct pgtest b;
	struct import_result res;
	struct err e = {0};
	struct feed_opts o = {.url = "ftp://x"};

	pgtest_setup(&b, "feedbad");
	cr_expect_eq(feed_import(b.conn, &o, &res, NULL, &e), WW_EINVALID);
	o.url = "http://127.0.0.1:1";
	err_clear(&e);
	cr_expect_eq(feed_import(b.conn, &o, &res, NULL, &e), WW_EUPSTREAM);
	cr_expect_str_eq(res.status, "failed");
	import_result_free(&res);
	pgtest_teardown(&b);
}

TestSuite(scheduler, .timeout = 120);

static struct sources one_source(const char *name, const char *location, int interval)
{
	struct sources s = {0};
	s.n = 1;
	s.v = calloc(1, sizeof(*s.v));
	snprintf(s.v[0].name, sizeof(s.v[0].name), "%s", name);
	s.v[0].kind = SOURCE_GIT;
	snprintf(s.v[0].location, sizeof(s.v[0].location), "%s", location);
	s.v[0].interval_s = interval;
	s.v[0].timeout_s = 60;
	s.v[0].debounce_ms = 100;
	return s;
}

Test(scheduler, two_schedulers_on_one_database_import_a_source_once)
{
	struct pgtest t;
	struct gitrepo g;
	struct scheduler *s1, *s2;
	struct scheduler_counts n1, n2;
	struct err e = {0};

	mkdata();
	pgtest_setup(&t, "sched2");
	seed(&g, "two");
	struct sources src = one_source("partner", g.dir, 3600);
	struct scheduler_opts o = {t.conninfo, data_dir, &src};
	cr_assert_eq(scheduler_start(&s1, &o, &e), 0, "%s", e.msg);
	cr_assert_eq(scheduler_start(&s2, &o, &e), 0, "%s", e.msg);
	for (int i = 0; i < 600; i++) {
		scheduler_counts(s1, "partner", &n1);
		scheduler_counts(s2, "partner", &n2);
		if (n1.runs + n1.skipped >= 1 && n2.runs + n2.skipped >= 1)
			break;
		usleep(50000);
	}
	cr_expect_eq(n1.runs + n1.skipped, 1);
	cr_expect_eq(n2.runs + n2.skipped, 1);
	cr_expect_eq(n1.runs + n2.runs, 1, "one run between the two schedulers");
	cr_expect_eq(pgtest_int(&t, "SELECT count(*) FROM import_runs", 0, NULL), 1);
	cr_expect_eq(
	    pgtest_int(&t, "SELECT count(*) FROM import_runs WHERE status = 'succeeded'", 0, NULL),
	    1);
	cr_expect_eq(scheduler_stop(s1, 5000), 0);
	cr_expect_eq(scheduler_stop(s2, 5000), 0);
	free(src.v);
	gitrepo_remove(&g);
	pgtest_teardown(&t);
	rmdata();
}

Test(scheduler, a_stale_running_run_is_marked_failed_on_start)
{
	struct pgtest t;
	struct scheduler *s;
	struct err e = {0};

	mkdata();
	pgtest_setup(&t, "stale");
	pgtest_exec(&t,
	            "INSERT INTO sources (name, kind, location) VALUES ('partner', 'git', '/x')", 0,
	            NULL);
	pgtest_exec(&t,
	            "INSERT INTO import_runs (source_id, status) SELECT id, 'running' FROM sources",
	            0, NULL);
	struct sources src = one_source("partner", "/x", 0); /* never scheduled */
	struct scheduler_opts o = {t.conninfo, data_dir, &src};
	cr_assert_eq(scheduler_start(&s, &o, &e), 0, "%s", e.msg);
	cr_expect_eq(wait_for(&t, "SELECT count(*) FROM import_runs WHERE status = 'failed'", 1),
	             1);
	cr_expect_eq(
	    pgtest_int(&t, "SELECT count(*) FROM import_runs WHERE status = 'running'", 0, NULL),
	    0);
	cr_expect_eq(scheduler_stop(s, 5000), 0);
	free(src.v);
	pgtest_teardown(&t);
	rmdata();
}

/* ---- webhooks through the real daemon ---- */

static struct pgtest wt;
static struct gitrepo gh, gt, gl;
static struct ht_daemon wd;
static char conf_path[300];

static void hooks_setup(void)
{
	FILE *f;

	mkdata();
	pgtest_setup(&wt, "hooks");
	seed(&gh, "gh");
	seed(&gt, "gt");
	seed(&gl, "gl");
	snprintf(conf_path, sizeof(conf_path), "%s/sources.conf", data_dir);
	f = fopen(conf_path, "w");
	cr_assert(f != NULL);
	fprintf(f,
	        "[gh]\nkind = git\nlocation = %s\nsecret = It's a Secret to Everybody\n"
	        "debounce = 2s\n\n"
	        "[gt]\nkind = git\nlocation = %s\nsecret = gitea-secret\ndebounce = 0\n\n"
	        "[gl]\nkind = git\nlocation = %s\nsecret = gitlab-token\ndebounce = 0\n\n"
	        "[ns]\nkind = git\nlocation = /nonexistent/no-secret\ninterval = 30d\n",
	        gh.dir, gt.dir, gl.dir);
	fclose(f);
	const char *args[] = {"--sources", conf_path, NULL};
	ht_start(&wd, wt.conninfo, args);
}

static void hooks_teardown(void)
{
	ht_stop(&wd);
	gitrepo_remove(&gh);
	gitrepo_remove(&gt);
	gitrepo_remove(&gl);
	pgtest_teardown(&wt);
	rmdata();
}

static long post_hook(const char *target, const char *const *headers, const char *body,
                      char *status_out)
{
	struct ht_resp r;
	ht_request(&r, &wd, "POST", target, headers, body);
	long st = r.status;
	if (status_out != NULL) {
		json_t *doc = r.len ? json_loads(r.body, 0, NULL) : NULL;
		const char *s =
		    json_string_value(json_object_get(json_object_get(doc, "data"), "status"));
		snprintf(status_out, 32, "%s", s ? s : "");
		json_decref(doc);
	}
	ht_free(&r);
	return st;
}

static long runs_of(const char *name)
{
	const char *p[1] = {name};
	return pgtest_int(&wt,
	                  "SELECT count(*) FROM import_runs r JOIN sources s ON s.id = r.source_id"
	                  " WHERE s.name = $1",
	                  1, p);
}

static void wait_succeeded(const char *name)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM import_runs r JOIN sources s ON s.id = r.source_id"
	         " WHERE s.name = '%s' AND r.status = 'succeeded'",
	         name);
	cr_assert_geq(wait_for(&wt, sql, 1), 1, "no import of %s; see %s", name, wd.log);
}

TestSuite(hooks, .init = hooks_setup, .fini = hooks_teardown, .timeout = 120);

Test(hooks, github_good_bad_replayed_and_coalesced)
{
	char body[1024], sig[80], hdr_sig[128], st[32];
	snprintf(body, sizeof(body),
	         "{\"ref\":\"refs/heads/main\",\"after\":\"abc\",\"repository\":"
	         "{\"clone_url\":\"%s\"}}",
	         gh.dir);
	hook_hmac_hex("It's a Secret to Everybody", body, strlen(body), sig);
	snprintf(hdr_sig, sizeof(hdr_sig), "X-Hub-Signature-256: sha256=%s", sig);

	/* a burst of five pushes within the debounce: one import */
	for (int i = 0; i < 5; i++) {
		char del[64];
		snprintf(del, sizeof(del), "X-GitHub-Delivery: burst-%d", i);
		const char *h[] = {"X-GitHub-Event: push", hdr_sig, del,
		                   "Content-Type: application/json", NULL};
		cr_expect_eq(post_hook("/v1/hooks/git", h, body, st), 202);
	}
	wait_succeeded("gh");
	sleep(3); /* longer than the debounce: a second run would have started */
	cr_expect_eq(runs_of("gh"), 1, "five pushes, one import run; see %s", wd.log);

	/* the same delivery again: ignored */
	const char *h0[] = {"X-GitHub-Event: push", hdr_sig, "X-GitHub-Delivery: burst-0", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git", h0, body, st), 200);
	cr_expect_str_eq(st, "duplicate");

	/* a bad signature: 401, logged without the secret */
	const char *bad[] = {"X-GitHub-Event: push",
	                     "X-Hub-Signature-256: sha256="
	                     "0000000000000000000000000000000000000000000000000000000000000000",
	                     "X-GitHub-Delivery: bad-1", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git", bad, body, NULL), 401);
	const char *nosig[] = {"X-GitHub-Event: push", "X-GitHub-Delivery: bad-2", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git", nosig, body, NULL), 401);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "grep -q 'webhook refused' '%s'", wd.log);
	cr_expect_eq(system(cmd), 0, "the refusal is logged");
	snprintf(cmd, sizeof(cmd), "grep -q 'Secret to Everybody' '%s'", wd.log);
	cr_expect_neq(system(cmd), 0, "the secret appears in the log");

	/* a ping is not a push */
	const char *ping[] = {"X-GitHub-Event: ping", hdr_sig, "X-GitHub-Delivery: ping-1", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git", ping, body, st), 200);
	cr_expect_str_eq(st, "ignored");
	cr_expect_eq(runs_of("gh"), 1);
}

Test(hooks, gitea_forgejo_and_gitlab)
{
	const char *body = "{\"ref\":\"refs/heads/main\",\"after\":\"abc\"}";
	char sig[80], hs[128], st[32];

	hook_hmac_hex("gitea-secret", body, strlen(body), sig);
	snprintf(hs, sizeof(hs), "X-Gitea-Signature: %s", sig);
	const char *gitea[] = {"X-Gitea-Event: push", "X-GitHub-Event: push", hs,
	                       "X-Gitea-Delivery: g-1", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gt", gitea, body, st), 202);
	wait_succeeded("gt");
	snprintf(hs, sizeof(hs), "X-Forgejo-Signature: %s", sig);
	const char *forgejo[] = {"X-Forgejo-Event: push", hs, "X-Forgejo-Delivery: f-1", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gt", forgejo, body, st), 202);
	const char *gitea_bad[] = {"X-Gitea-Event: push", "X-Gitea-Signature: abcd",
	                           "X-Gitea-Delivery: g-2", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gt", gitea_bad, body, NULL), 401);

	const char *gitlab[] = {"X-Gitlab-Event: Push Hook", "X-Gitlab-Token: gitlab-token",
	                        "X-Gitlab-Event-UUID: l-1", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", gitlab, body, st), 202);
	wait_succeeded("gl");
	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", gitlab, body, st), 200);
	cr_expect_str_eq(st, "duplicate");
	const char *gitlab_bad[] = {"X-Gitlab-Event: Push Hook", "X-Gitlab-Token: nope",
	                            "X-Gitlab-Event-UUID: l-2", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", gitlab_bad, body, NULL), 401);

	/* an unknown source and one without a secret answer as a bad token does,
	 * so a caller cannot learn which sources exist */
	cr_expect_eq(post_hook("/v1/hooks/git?source=nope", gitlab, body, NULL), 401);
	cr_expect_eq(post_hook("/v1/hooks/git?source=ns", gitlab, body, NULL), 401);
	/* no host headers */
	const char *none[] = {"Content-Type: application/json", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", none, body, NULL), 400);
}

Test(hooks, bodies_over_one_mib_get_413)
{
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n + 1);
	cr_assert(big != NULL);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	const char *h[] = {"X-GitHub-Event: push", "X-GitHub-Delivery: big", NULL};
	cr_expect_eq(post_hook("/v1/hooks/git?source=gh", h, big, NULL), 413);
	free(big);
}

/* The status of what came back on fd within its receive timeout, or 0. */
static int reply_status(int fd)
{
	char resp[4096];
	ssize_t n = recv(fd, resp, sizeof(resp) - 1, 0);
	if (n <= 0)
		return 0;
	resp[n] = '\0';
	cr_expect(strstr(resp, "application/json") != NULL, "%s", resp);
	return raw_status(resp);
}

/* What can be checked before a body is read is checked before: a caller with
 * no chance of being accepted does not get to send a megabyte first. */
Test(hooks, refused_before_the_body)
{
	static const char *heads[] = {
	    "POST /v1/hooks/git?source=nope HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
	    "X-Hub-Signature-256: sha256=00\r\nContent-Length: 1000000\r\n\r\n",
	    "POST /v1/hooks/git?source=gh HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
	    "Content-Length: 1000000\r\n\r\n",
	    "POST /v1/hooks/git?source=gh HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
	    "X-Hub-Signature-256: sha256=00\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 1000000\r\n\r\n",
	    "POST /v1/imports HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n",
	};
	static const int want[] = {401, 401, 415, 403};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		int fd = raw_connect(wd.port);
		cr_assert_eq(send(fd, heads[i], strlen(heads[i]), MSG_NOSIGNAL),
		             (ssize_t)strlen(heads[i]));
		/* no body sent: before, the server waited for it */
		cr_expect_eq(reply_status(fd), want[i], "case %zu", i);
		close(fd);
	}
}

/* Unverified webhook bodies together hold at most 16 MiB: 24 clients sending
 * 1 MB each without finishing, the later ones are refused with a 503. */
Test(hooks, unauthenticated_bodies_are_capped)
{
	const char *head =
	    "POST /v1/hooks/git?source=gh HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
	    "X-Hub-Signature-256: sha256=00\r\nContent-Length: 1040000\r\n\r\n";
	size_t n = 1000000;
	char *chunk = malloc(n);
	int fds[24], refused = 0;
	struct timeval tv = {1, 0};

	cr_assert_not_null(chunk);
	memset(chunk, ' ', n);
	for (int i = 0; i < 24; i++) {
		size_t off = 0;
		ssize_t k;
		fds[i] = raw_connect(wd.port);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		send(fds[i], head, strlen(head), MSG_NOSIGNAL);
		while (off < n && (k = send(fds[i], chunk + off, n - off, MSG_NOSIGNAL)) > 0)
			off += (size_t)k;
		refused += reply_status(fds[i]) == 503;
	}
	for (int i = 0; i < 24; i++)
		close(fds[i]);
	free(chunk);
	cr_expect_geq(refused, 1, "no body was refused; see %s", wd.log);
}

/* A chunked body past the limit is answered 413 in JSON, not reset. */
Test(hooks, chunked_over_the_limit_is_413)
{
	const char *head =
	    "POST /v1/hooks/git?source=gh HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
	    "X-Hub-Signature-256: sha256=00\r\nTransfer-Encoding: chunked\r\n\r\n";
	char chunk[65536 + 16];
	int fd = raw_connect(wd.port), status = 0;
	size_t hl = (size_t)snprintf(chunk, sizeof(chunk), "10000\r\n");

	memset(chunk + hl, ' ', 65536);
	memcpy(chunk + hl + 65536, "\r\n", 2);
	cr_assert_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	for (int i = 0; i < 40; i++) /* 2.5 MiB in 64 KiB chunks */
		if (send(fd, chunk, hl + 65538, MSG_NOSIGNAL) <= 0)
			break;
	status = reply_status(fd);
	close(fd);
	cr_expect_eq(status, 413);
}

/* Delivery ids live in PostgreSQL: a replay to another daemon (here: the same
 * one restarted) is still a duplicate. */
Test(hooks, replays_are_caught_across_daemons)
{
	const char *body = "{\"ref\":\"refs/heads/main\",\"after\":\"abc\"}";
	const char *gitlab[] = {"X-Gitlab-Event: Push Hook", "X-Gitlab-Token: gitlab-token",
	                        "X-Gitlab-Event-UUID: across-1", NULL};
	const char *args[] = {"--sources", conf_path, NULL};
	char st[32];

	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", gitlab, body, st), 202);
	cr_expect_eq(pgtest_int(&wt,
	                        "SELECT count(*) FROM webhook_deliveries"
	                        " WHERE source = 'gl' AND delivery = 'across-1'",
	                        0, NULL),
	             1);
	ht_stop(&wd);
	ht_start(&wd, wt.conninfo, args);
	cr_expect_eq(post_hook("/v1/hooks/git?source=gl", gitlab, body, st), 200);
	cr_expect_str_eq(st, "duplicate");
}
