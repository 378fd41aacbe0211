/*
 * test_import_git.c - git repositories the tests build, imported into a real
 * PostgreSQL: add, modify, delete, rename, rejection, duplicates, the same
 * commit twice, a force push, references inside one commit
 */
#include "gitrepo.h"
#include "import.h"
#include "pgtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pgtest pg;
static struct gitrepo repo;
static char data_dir[256];

static void setup(void)
{
	pgtest_setup(&pg, "import");
	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
}

static void teardown(void)
{
	pgtest_teardown(&pg);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}

static void write_doc(const char *path, char *doc)
{
	gitrepo_write(&repo, path, doc);
	free(doc);
}

/* Imports the repository; returns the code and fills res (freed by caller). */
static int import(struct import_result *res, const char *name, const char *subpath)
{
	struct import_git_opts o = {
	    .name = name, .location = repo.dir, .subpath = subpath, .data_dir = data_dir};
	struct err e = {0};
	int rc = import_git(pg.conn, &o, res, &e);
	if (rc != 0 && rc != WW_EINVALID)
		cr_log_error("import failed: %s", e.msg);
	return rc;
}

static long long count(const char *sql)
{
	return pgtest_int(&pg, sql, 0, NULL);
}

static void seed(char *commit)
{
	write_doc("interventions/mentoring.yaml", gitrepo_intervention("mentoring", "Mentoring"));
	write_doc("evaluations/mentoring-rct.yaml",
	          gitrepo_evaluation("mentoring-rct", "mentoring", 0.8));
	gitrepo_commit(&repo, "first evidence", commit);
}

TestSuite(import_git, .init = setup, .fini = teardown, .timeout = 60);

Test(import_git, first_import_adds_records_with_provenance)
{
	char c1[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_str_eq(res.status, "succeeded");
	cr_expect_str_eq(res.mode, "full");
	cr_expect_str_eq(res.commit, c1);
	cr_expect_eq(res.n.added, 2);
	cr_expect_eq(res.n.removed, 0);
	import_result_free(&res);

	const char *p[1] = {c1};
	cr_expect_eq(pgtest_int(&pg,
	                        "SELECT count(*) FROM evaluations WHERE id = 'mentoring-rct'"
	                        " AND commit = $1 AND path = 'evaluations/mentoring-rct.yaml'"
	                        " AND author = 'Test Partner <partner@example.org>'"
	                        " AND committed_at IS NOT NULL AND length(blob) = 40"
	                        " AND valid_to IS NULL AND intervention = 'mentoring'",
	                        1, p),
	             1);
	cr_expect_eq(count("SELECT count(*) FROM outcomes"), 1);
	char *ct = pgtest_value(&pg, "SELECT crime_type || '/' || measure FROM outcomes", 0, NULL);
	cr_expect_str_eq(ct, "violence-with-injury/risk-ratio");
	free(ct);
	char *last =
	    pgtest_value(&pg, "SELECT last_commit FROM sources WHERE name = 'partner'", 0, NULL);
	cr_expect_str_eq(last, c1);
	free(last);
	/* defaults are filled into the stored body */
	cr_expect_eq(count("SELECT (body->>'studies')::int FROM evaluations"), 1);
}

Test(import_git, modify_is_incremental_and_keeps_history)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	write_doc("evaluations/mentoring-rct.yaml",
	          gitrepo_evaluation("mentoring-rct", "mentoring", 0.7));
	gitrepo_commit(&repo, "better estimate", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_str_eq(res.mode, "incremental");
	cr_expect_eq(res.n.updated, 1);
	cr_expect_eq(res.n.added, 0);
	import_result_free(&res);

	cr_expect_eq(count("SELECT count(*) FROM evaluations WHERE id = 'mentoring-rct'"), 2);
	const char *p[2] = {c1, c2};
	cr_expect_eq(
	    pgtest_int(&pg,
	               "SELECT count(*) FROM evaluations WHERE commit = $1 AND removed_in = $2"
	               " AND valid_to IS NOT NULL",
	               2, p),
	    1);
	char *est =
	    pgtest_value(&pg,
	                 "SELECT body->'outcomes'->0->'effect'->>'estimate' FROM evaluations"
	                 " WHERE valid_to IS NULL",
	                 0, NULL);
	cr_expect_str_eq(est, "0.7");
	free(est);
	/* the intervention was not touched: still one version */
	cr_expect_eq(count("SELECT count(*) FROM interventions"), 1);
}

Test(import_git, delete_retracts_the_record)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	gitrepo_write(&repo, "evaluations/mentoring-rct.yaml", NULL);
	gitrepo_commit(&repo, "withdraw", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_eq(res.n.removed, 1);
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM evaluations WHERE valid_to IS NULL"), 0);
	const char *p[1] = {c2};
	cr_expect_eq(
	    pgtest_int(&pg, "SELECT count(*) FROM evaluations WHERE removed_in = $1", 1, p), 1);
}

Test(import_git, rename_keeps_the_records_history)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	gitrepo_git(&repo, "mv evaluations/mentoring-rct.yaml evaluations/renamed.yaml");
	gitrepo_commit(&repo, "rename", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_eq(res.n.updated, 1);
	cr_expect_eq(res.n.removed, 0);
	cr_expect_eq(res.n.added, 0);
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM evaluations WHERE id = 'mentoring-rct'"), 2);
	char *path =
	    pgtest_value(&pg, "SELECT path FROM evaluations WHERE valid_to IS NULL", 0, NULL);
	cr_expect_str_eq(path, "evaluations/renamed.yaml");
	free(path);
}

Test(import_git, invalid_commit_is_rejected_and_last_good_keeps_serving)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	/* one good change and one bad file in the same commit: neither lands */
	write_doc("evaluations/mentoring-rct.yaml",
	          gitrepo_evaluation("mentoring-rct", "mentoring", 0.5));
	gitrepo_write(&repo, "interventions/bad.yaml",
	              "kind: intervention\nid: bad-one\nname: Bad\nthemes: [knife-crime]\n"
	              "level: person\nsumary: misspelt\n");
	gitrepo_commit(&repo, "broken", c2);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	cr_expect_str_eq(res.status, "rejected");
	cr_expect_gt(res.errs.n, 0);
	long long run = res.run_id;
	import_result_free(&res);

	char id[24];
	const char *p[1] = {id};
	snprintf(id, sizeof(id), "%lld", run);
	char *st = pgtest_value(&pg, "SELECT status FROM import_runs WHERE id = $1", 1, p);
	cr_expect_str_eq(st, "rejected");
	free(st);
	/* every error is recorded with file, line and column */
	cr_expect_eq(pgtest_int(&pg,
	                        "SELECT count(*) FROM import_errors WHERE run_id = $1"
	                        " AND path = 'interventions/bad.yaml' AND line = 6 AND col = 1"
	                        " AND message LIKE '%did you mean \"summary\"%'",
	                        1, p),
	             1);
	cr_expect_eq(pgtest_int(&pg,
	                        "SELECT count(*) FROM import_errors WHERE run_id = $1"
	                        " AND message LIKE '%missing required key \"summary\"%'",
	                        1, p),
	             1);
	/* nothing changed: the old estimate is current, the source still at c1 */
	char *est =
	    pgtest_value(&pg,
	                 "SELECT body->'outcomes'->0->'effect'->>'estimate' FROM evaluations"
	                 " WHERE valid_to IS NULL",
	                 0, NULL);
	cr_expect_str_eq(est, "0.8");
	free(est);
	char *last = pgtest_value(&pg, "SELECT last_commit FROM sources", 0, NULL);
	cr_expect_str_eq(last, c1);
	free(last);
	cr_expect_eq(count("SELECT count(*) FROM interventions"), 1);

	/* fixing the file imports both changes */
	gitrepo_write(&repo, "interventions/bad.yaml", NULL);
	gitrepo_commit(&repo, "fixed", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_str_eq(res.mode, "incremental");
	cr_expect_eq(res.n.updated, 1);
	import_result_free(&res);
}

Test(import_git, duplicate_ids_across_files_name_both)
{
	char c1[41];
	struct import_result res;

	write_doc("interventions/a.yaml", gitrepo_intervention("mentoring", "Mentoring"));
	write_doc("interventions/b.yaml", gitrepo_intervention("mentoring", "Mentoring again"));
	gitrepo_commit(&repo, "dup", c1);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	int found = 0;
	for (size_t i = 0; i < res.errs.n; i++) {
		char line[1024];
		ev_error_format(&res.errs.v[i], line, sizeof(line));
		if (strstr(line, "duplicate id \"mentoring\"") &&
		    strstr(line, "interventions/a.yaml") && strstr(line, "interventions/b.yaml"))
			found = 1;
	}
	cr_expect(found, "no duplicate-id error naming both files");
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM interventions"), 0);
}

Test(import_git, duplicate_of_a_record_already_imported)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	write_doc("interventions/copy.yaml", gitrepo_intervention("mentoring", "Copy"));
	gitrepo_commit(&repo, "copy", c2);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	char line[1024];
	cr_assert_gt(res.errs.n, 0);
	ev_error_format(&res.errs.v[0], line, sizeof(line));
	cr_expect(strstr(line,
	                 "interventions/copy.yaml:2:5: id: duplicate id \"mentoring\" (also in "
	                 "interventions/mentoring.yaml)") == line,
	          "got: %s", line);
	import_result_free(&res);
}

Test(import_git, same_commit_twice_changes_nothing)
{
	char c1[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	long long versions =
	    count("SELECT count(*) FROM evaluations") + count("SELECT count(*) FROM interventions");
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_str_eq(res.mode, "unchanged");
	cr_expect_eq(res.n.added + res.n.updated + res.n.removed, 0);
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM evaluations") +
	                 count("SELECT count(*) FROM interventions"),
	             versions);
}

Test(import_git, force_push_compares_the_tree_with_the_database)
{
	char c1[41], c2[41], c3[41];
	struct import_result res;

	seed(c1);
	write_doc("interventions/extra.yaml", gitrepo_intervention("extra", "Extra"));
	gitrepo_commit(&repo, "extra", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	/* rewrite history: drop c2, change the evaluation instead */
	gitrepo_git(&repo, "reset -q --hard HEAD~1");
	write_doc("evaluations/mentoring-rct.yaml",
	          gitrepo_evaluation("mentoring-rct", "mentoring", 0.6));
	gitrepo_commit(&repo, "rewritten", c3);
	gitrepo_git(&repo, "reflog expire --expire=now --all");
	gitrepo_git(&repo, "gc -q --prune=now");
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_str_eq(res.mode, "rewritten");
	cr_expect_eq(res.n.updated, 1);   /* the evaluation */
	cr_expect_eq(res.n.removed, 1);   /* extra, gone with c2 */
	cr_expect_eq(res.n.unchanged, 1); /* mentoring, same blob */
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM interventions WHERE valid_to IS NULL"), 1);
	char *last = pgtest_value(&pg, "SELECT last_commit FROM sources", 0, NULL);
	cr_expect_str_eq(last, c3);
	free(last);
}

Test(import_git, evaluation_may_name_an_intervention_of_the_same_commit)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	write_doc("interventions/new.yaml", gitrepo_intervention("new-thing", "New thing"));
	write_doc("evaluations/new-eval.yaml", gitrepo_evaluation("new-eval", "new-thing", 0.9));
	gitrepo_commit(&repo, "new intervention and its evaluation", c2);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	cr_expect_eq(res.n.added, 2);
	import_result_free(&res);
}

Test(import_git, missing_intervention_suggests_the_closest)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	write_doc("evaluations/x.yaml", gitrepo_evaluation("x-eval", "mentorin", 0.9));
	gitrepo_commit(&repo, "typo", c2);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	char line[1024];
	cr_assert_gt(res.errs.n, 0);
	ev_error_format(&res.errs.v[0], line, sizeof(line));
	cr_expect(strstr(line, "evaluations/x.yaml:3:") == line, "got: %s", line);
	cr_expect(strstr(line, "did you mean \"mentoring\"") != NULL, "got: %s", line);
	import_result_free(&res);
}

Test(import_git, removing_a_named_intervention_is_rejected)
{
	char c1[41], c2[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	gitrepo_write(&repo, "interventions/mentoring.yaml", NULL);
	gitrepo_commit(&repo, "remove", c2);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	char line[1024];
	cr_assert_gt(res.errs.n, 0);
	ev_error_format(&res.errs.v[0], line, sizeof(line));
	cr_expect(strstr(line, "intervention \"mentoring\" is removed but evaluation "
	                       "\"mentoring-rct\"") != NULL,
	          "got: %s", line);
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM interventions WHERE valid_to IS NULL"), 1);
}

Test(import_git, subpath_hidden_folders_and_symlinks)
{
	char c1[41];
	struct import_result res;

	write_doc("evidence/interventions/mentoring.yaml",
	          gitrepo_intervention("mentoring", "Mentoring"));
	gitrepo_write(&repo, ".github/workflows/ci.yml", "on: push\n");
	gitrepo_write(&repo, "evidence/.hidden/x.yaml", "not: evidence\n");
	gitrepo_write(&repo, "other/ignored.yaml", "not: evidence\n");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ln -s mentoring.yaml '%s/evidence/interventions/link.yaml'",
	         repo.dir);
	cr_assert(system(cmd) == 0);
	gitrepo_commit(&repo, "layout", c1);
	cr_assert_eq(import(&res, "partner", "evidence"), 0);
	cr_expect_eq(res.n.added, 1);
	import_result_free(&res);
	char *path = pgtest_value(&pg, "SELECT path FROM interventions", 0, NULL);
	cr_expect_str_eq(path, "evidence/interventions/mentoring.yaml");
	free(path);
}

Test(import_git, an_id_owned_by_another_source_names_both)
{
	char c1[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "first", NULL), 0);
	import_result_free(&res);
	/* the same repository imported as a second source claims the same ids */
	cr_assert_eq(import(&res, "second", NULL), WW_EINVALID);
	char line[1024];
	cr_assert_gt(res.errs.n, 0);
	ev_error_format(&res.errs.v[0], line, sizeof(line));
	cr_expect(strstr(line, "is already owned by source \"first\"") != NULL, "got: %s", line);
	import_result_free(&res);
}

Test(import_git, a_crashed_run_is_marked_failed_on_the_next_run)
{
	char c1[41];
	struct import_result res;

	seed(c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	pgtest_exec(&pg,
	            "INSERT INTO import_runs (source_id, status) SELECT id, 'running' FROM sources",
	            0, NULL);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);
	cr_expect_eq(count("SELECT count(*) FROM import_runs WHERE status = 'running'"), 0);
	cr_expect_eq(count("SELECT count(*) FROM import_runs WHERE status = 'failed'"), 1);
}

Test(import_git, incremental_folders_added_and_removed_under_the_path)
{
	char c1[41], c2[41];
	struct import_result res;

	write_doc("evidence/a/interventions/one.yaml", gitrepo_intervention("one", "One"));
	write_doc("evidence/b/interventions/two.yaml", gitrepo_intervention("two", "Two"));
	write_doc("outside/interventions/x.yaml", gitrepo_intervention("outside", "Outside"));
	gitrepo_commit(&repo, "two folders", c1);
	cr_assert_eq(import(&res, "partner", "evidence"), 0);
	cr_expect_eq(res.n.added, 2);
	import_result_free(&res);

	/* folder b goes, folder c/d comes, a hidden folder and a file outside the
	 * path change too: only b and c/d count */
	gitrepo_git(&repo, "rm -rq evidence/b");
	write_doc("evidence/c/d/three.yaml", gitrepo_intervention("three", "Three"));
	gitrepo_write(&repo, "evidence/.drafts/four.yaml", "not: evidence\n");
	write_doc("outside/interventions/x.yaml", gitrepo_intervention("outside", "Changed"));
	gitrepo_commit(&repo, "move things", c2);
	cr_assert_eq(import(&res, "partner", "evidence"), 0);
	cr_expect_str_eq(res.mode, "incremental");
	cr_expect_eq(res.n.added, 1);
	cr_expect_eq(res.n.removed, 1);
	cr_expect_eq(res.n.updated, 0);
	import_result_free(&res);
	char *ids = pgtest_value(&pg,
	                         "SELECT string_agg(id, ',' ORDER BY id) FROM interventions"
	                         " WHERE valid_to IS NULL",
	                         0, NULL);
	cr_expect_str_eq(ids, "one,three");
	free(ids);
}

Test(import_git, awkward_text_is_stored_exactly)
{
	char c1[41];
	struct import_result res;

	/* tab, backslash, quotes, braces, commas and non-ASCII in a name; a
	 * title over several lines: what the columns hold is what the body says */
	write_doc("interventions/odd.yaml",
	          gitrepo_intervention("odd", "\"Tab\\there \\\\ {a,b} \\\"q\\\" naïve\""));
	char *ev = gitrepo_evaluation("odd-rct", "odd", 0.8);
	char *title = strstr(ev, "title: A test evaluation\n");
	cr_assert_not_null(title);
	char *doc = NULL;
	cr_assert(asprintf(&doc, "%.*stitle: |\n  line one \\N\n  \tline two\n%s",
	                   (int)(title - ev), ev,
	                   title + strlen("title: A test evaluation\n")) > 0);
	free(ev);
	write_doc("evaluations/odd-rct.yaml", doc);
	gitrepo_commit(&repo, "odd text", c1);
	cr_assert_eq(import(&res, "partner", NULL), 0);
	import_result_free(&res);

	char *name = pgtest_value(&pg, "SELECT name FROM interventions WHERE id = 'odd'", 0, NULL);
	cr_expect_str_eq(name, "Tab\there \\ {a,b} \"q\" naïve");
	free(name);
	char *t = pgtest_value(&pg, "SELECT title FROM evaluations WHERE id = 'odd-rct'", 0, NULL);
	cr_expect_str_eq(t, "line one \\N\n\tline two\n");
	free(t);
	cr_expect_eq(count("SELECT count(*) FROM interventions WHERE name = body->>'name'"
	                   " AND themes = '{knife-crime}' AND level = 'person'"),
	             1);
	cr_expect_eq(count("SELECT count(*) FROM evaluations WHERE title = body->>'title'"
	                   " AND quality = 5 AND design = 'rct' AND published = '2020'"
	                   " AND areas = '{}' AND intervention = 'odd'"),
	             1);
}

/* A file name git allows but that is not UTF-8 failed the whole import with
 * PostgreSQL's bare COPY error, and the failed run said "12 added". */
Test(import_git, a_non_utf8_file_name_is_that_files_error)
{
	char c1[41];
	struct import_result res;

	write_doc("interventions/mentoring.yaml", gitrepo_intervention("mentoring", "Mentoring"));
	write_doc("evaluations/caf\xe9.yaml", gitrepo_evaluation("cafe-rct", "mentoring", 0.8));
	gitrepo_commit(&repo, "latin-1 name", c1);
	cr_assert_eq(import(&res, "partner", NULL), WW_EINVALID);
	cr_expect_str_eq(res.status, "rejected");
	cr_expect_eq(res.n.added, 0);
	cr_assert_eq(res.errs.n, 1);
	cr_expect_str_eq(res.errs.v[0].path, "evaluations/caf?.yaml");
	cr_expect(strstr(res.errs.v[0].message, "not valid UTF-8") != NULL, "%s",
	          res.errs.v[0].message);
	cr_expect_eq(count("SELECT count(*) FROM import_errors WHERE message LIKE '%UTF-8%'"), 1);
	import_result_free(&res);
}
