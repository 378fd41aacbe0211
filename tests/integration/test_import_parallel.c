/*
 * test_import_parallel.c - changed files parsed on several threads give what
 * one thread gives: the same documents written, the same errors in the same
 * order, the same counts, also where the cap on kept errors falls
 */
#include "feed.h"
#include "gitrepo.h"
#include "import.h"
#include "pgtest.h"
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pgtest pg;
static struct gitrepo repo;
static char data_dir[256];

static void setup(void)
{
	pgtest_setup(&pg, "par");
	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
	setenv("WHATWORKS_DATA_DIR", data_dir, 1);
}

static void teardown(void)
{
	pgtest_teardown(&pg);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}

static int import_on(struct pgtest *t, int threads, struct import_result *res)
{
	struct import_control ctl = {.parse_threads = threads};
	struct import_git_opts o = {
	    .name = "partner", .location = repo.dir, .data_dir = data_dir, .ctl = &ctl};
	struct err e = {0};
	int rc = import_git(t->conn, &o, res, &e);
	if (rc != 0 && rc != WW_EINVALID)
		cr_log_error("import failed: %s", e.msg);
	return rc;
}

/* n interventions iv-NNN and n evaluations ev-NNN naming them. */
static void write_valid(int n)
{
	char path[64], id[32], iv[32], *doc;

	for (int i = 0; i < n; i++) {
		snprintf(iv, sizeof(iv), "iv-%03d", i);
		snprintf(path, sizeof(path), "interventions/%s.yaml", iv);
		doc = gitrepo_intervention(iv, "Intervention");
		gitrepo_write(&repo, path, doc);
		free(doc);
		snprintf(id, sizeof(id), "ev-%03d", i);
		snprintf(path, sizeof(path), "evaluations/%s.yaml", id);
		doc = gitrepo_evaluation(id, iv, 0.5 + i / 1000.0);
		gitrepo_write(&repo, path, doc);
		free(doc);
	}
}

/* Every error of res as "path:line:col: field: message", one a line. */
static char *errors_text(const struct import_result *res)
{
	size_t cap = 1024, len = 0;
	char *s = malloc(cap), line[1200];

	cr_assert(s != NULL);
	s[0] = '\0';
	for (size_t i = 0; i < res->errs.n; i++) {
		ev_error_format(&res->errs.v[i], line, sizeof(line));
		size_t n = strlen(line);
		while (len + n + 2 > cap)
			cr_assert((s = realloc(s, cap *= 2)) != NULL);
		memcpy(s + len, line, n);
		s[len + n] = '\n';
		s[len += n + 1] = '\0';
	}
	return s;
}

/* What an import wrote, independent of the run and the clock. */
static const char *WRITTEN_MD5 =
    "SELECT md5(concat_ws('|',"
    " (SELECT string_agg(concat_ws(',', version_id, id, path, blob, body::text), ';'"
    "   ORDER BY version_id) FROM interventions),"
    " (SELECT string_agg(concat_ws(',', version_id, id, path, blob, body::text), ';'"
    "   ORDER BY version_id) FROM evaluations),"
    " (SELECT string_agg(concat_ws(',', evaluation_version, ordinal, body::text), ';'"
    "   ORDER BY evaluation_version, ordinal) FROM outcomes),"
    " (SELECT string_agg(concat_ws(',', intervention, crime_type, band, bcr, figures::text),"
    "   ';' ORDER BY intervention, crime_type) FROM scores)))";

TestSuite(import_parallel, .init = setup, .fini = teardown, .timeout = 120);

Test(import_parallel, threads_write_the_documents_of_one_thread)
{
	struct pgtest one;
	struct import_result a, b;
	char c[41];

	write_valid(100);
	gitrepo_commit(&repo, "two hundred files", c);
	pgtest_setup(&one, "par1");
	cr_assert_eq(import_on(&pg, 4, &a), 0);
	cr_assert_eq(import_on(&one, 1, &b), 0);
	cr_expect_eq(a.n.added, 200);
	cr_expect_eq(a.n.added, b.n.added);
	cr_expect_eq(a.n.rejected, b.n.rejected);
	char *ma = pgtest_value(&pg, WRITTEN_MD5, 0, NULL);
	char *mb = pgtest_value(&one, WRITTEN_MD5, 0, NULL);
	cr_expect_str_eq(ma, mb, "four threads wrote other records than one");
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM scores", 0, NULL),
	             pgtest_int(&one, "SELECT count(*) FROM scores", 0, NULL));
	free(ma);
	free(mb);
	import_result_free(&a);
	import_result_free(&b);
	pgtest_teardown(&one);
}

Test(import_parallel, threads_report_the_errors_of_one_thread_in_file_order)
{
	struct import_result res[3];
	const int threads[3] = {1, 2, 4};
	char c[41], *text[3];

	write_valid(100);
	/* invalid files spread over the batch, each with its own kind of mistake */
	gitrepo_write(&repo, "evaluations/ev-005.yaml", "kind: evaluation\nid: [not, an, id]\n");
	gitrepo_write(&repo, "evaluations/ev-050.yaml", "kind: evaluation\nid: ev-050\n  bad: :\n");
	gitrepo_write(&repo, "evaluations/ev-099.yaml", "");
	gitrepo_write(&repo, "interventions/iv-000.yaml",
	              "kind: intervention\nid: iv-000\nname: N\nthemes: [knife-crime]\n"
	              "level: person\nsumary: misspelt\n");
	gitrepo_write(&repo, "interventions/iv-063.yaml",
	              "kind: intervention\nid: iv-063\nname: N\nthemes: [no-such-theme]\n"
	              "level: everyone\nsummary: S\nextra: 1\n");
	gitrepo_commit(&repo, "five broken files", c);
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(import_on(&pg, threads[k], &res[k]), WW_EINVALID);
		text[k] = errors_text(&res[k]);
	}
	for (int k = 1; k < 3; k++) {
		cr_expect_str_eq(text[k], text[0], "%d threads, errors differ from one thread",
		                 threads[k]);
		cr_expect_eq(res[k].errs.dropped, res[0].errs.dropped);
		cr_expect_eq(res[k].n.rejected, res[0].n.rejected);
	}
	/* per file in file order (git lists evaluations/ before interventions/),
	 * then the checks across files */
	cr_expect_eq(res[0].n.rejected, 5);
	cr_expect_str_eq(
	    text[0],
	    "evaluations/ev-005.yaml:1:1: missing required key \"intervention\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"title\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"source\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"design\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"quality\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"outcomes\"\n"
	    "evaluations/ev-005.yaml:1:1: missing required key \"submitted_by\"\n"
	    "evaluations/ev-005.yaml:2:5: id: must be a string, not a list\n"
	    "evaluations/ev-050.yaml:3:6: invalid YAML: mapping values are not allowed in this "
	    "context\n"
	    "evaluations/ev-099.yaml:1:1: file is empty; it must hold one YAML document\n"
	    "interventions/iv-000.yaml:1:1: missing required key \"summary\"\n"
	    "interventions/iv-000.yaml:6:1: unknown key \"sumary\" (did you mean \"summary\"?)\n"
	    "interventions/iv-063.yaml:4:10: themes[0]: \"no-such-theme\" is not one of "
	    "\"knife-crime\", \"substance-misuse\" or \"vawg\"\n"
	    "interventions/iv-063.yaml:5:8: level: \"everyone\" is not one of \"person\" or "
	    "\"place\"\n"
	    "interventions/iv-063.yaml:7:8: extra: must be a map, not an integer\n"
	    "evaluations/ev-000.yaml:3:15: intervention \"iv-000\" does not exist (did you mean "
	    "\"iv-001\"?)\n"
	    "evaluations/ev-063.yaml:3:15: intervention \"iv-063\" does not exist (did you mean "
	    "\"iv-003\"?)\n");
	for (int k = 0; k < 3; k++) {
		free(text[k]);
		import_result_free(&res[k]);
	}
	/* rejected every time: nothing was written */
	cr_expect_eq(pgtest_int(&pg, "SELECT count(*) FROM interventions", 0, NULL), 0);
}

/* A file whose errors are found in another order than their lines. */
static void write_bad(int i)
{
	char path[64], doc[512];

	snprintf(path, sizeof(path), "interventions/bad-%03d.yaml", i);
	snprintf(doc, sizeof(doc),
	         "kind: intervention\nid: bad-%03d\nnmae: N\nthemes: [nope]\nlevel: x\n"
	         "sectors: [nowhere]\nextra: 1\n",
	         i);
	gitrepo_write(&repo, path, doc);
}

Test(import_parallel, the_cap_on_kept_errors_falls_where_one_thread_puts_it)
{
	struct import_result one, four;
	char c[41];

	/* some 1,400 errors in 170 files: the cap (1,000) falls inside a file */
	for (int i = 0; i < 170; i++)
		write_bad(i);
	gitrepo_commit(&repo, "many errors", c);
	cr_assert_eq(import_on(&pg, 1, &one), WW_EINVALID);
	cr_assert_eq(import_on(&pg, 4, &four), WW_EINVALID);
	cr_assert_eq(one.errs.n, EV_MAX_ERRORS);
	cr_assert_gt(one.errs.dropped, 0);
	cr_expect_eq(four.errs.n, one.errs.n);
	cr_expect_eq(four.errs.dropped, one.errs.dropped);
	cr_expect_eq(four.n.rejected, one.n.rejected);
	cr_expect_eq(one.n.rejected, 170);
	char *a = errors_text(&one), *b = errors_text(&four);
	cr_expect_str_eq(b, a, "four threads kept other errors than one");
	free(a);
	free(b);
	import_result_free(&one);
	import_result_free(&four);
}

Test(import_parallel, a_feed_parsed_on_threads_gives_the_origins_documents)
{
	static const char *DOCS_MD5 =
	    "SELECT md5(coalesce(string_agg(k || id || b, ',' ORDER BY k, id), '')) FROM ("
	    " SELECT 'i' k, id, body::text b FROM interventions WHERE valid_to IS NULL"
	    " UNION ALL SELECT 'e', id, body::text FROM evaluations WHERE valid_to IS NULL) x";
	struct pgtest dst;
	struct import_result res;
	struct ht_daemon d;
	struct err e = {0};
	char url[64], c[41];

	write_valid(50);
	gitrepo_commit(&repo, "a hundred files", c);
	cr_assert_eq(import_on(&pg, 1, &res), 0);
	import_result_free(&res);
	const char *args[] = {"--version-ttl-ms", "0", NULL};
	ht_start(&d, pg.conninfo, args);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", d.port);
	pgtest_setup(&dst, "pardst");
	struct import_control ctl = {.parse_threads = 4};
	struct feed_opts o = {.url = url, .name = "origin", .ctl = &ctl};
	cr_assert_eq(feed_import(dst.conn, &o, &res, NULL, &e), 0, "%s", e.msg);
	cr_expect_eq(res.n.added, 100);
	import_result_free(&res);
	char *ma = pgtest_value(&pg, DOCS_MD5, 0, NULL),
	     *mb = pgtest_value(&dst, DOCS_MD5, 0, NULL);
	cr_expect_str_eq(ma, mb, "the feed's documents differ from the origin's");
	free(ma);
	free(mb);
	ht_stop(&d);
	pgtest_teardown(&dst);
}
