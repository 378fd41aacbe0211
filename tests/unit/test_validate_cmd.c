/*
 * test_validate_cmd.c - `whatworks validate` on temporary folders of files
 */
#include "cmd.h"
#include "evidence.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IVN(id)                                                                                    \
	"kind: intervention\nid: " id "\nname: N\nthemes: [vawg]\nlevel: person\nsummary: S\n"
#define EVN(id, iv)                                                                                \
	"kind: evaluation\nid: " id "\nintervention: " iv "\ntitle: T\nsource: {citation: C}\n"    \
	"design: rct\nquality: 3\nsubmitted_by: S\noutcomes: [{crime_type: robbery, effect: "      \
	"{measure: smd, estimate: 0}}]\n"

static char dir[64];
static char tmp[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	strcpy(tmp, "/tmp/ww-validate-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	cr_assert_eq(chdir(tmp), 0);
	strcpy(dir, ".");
	cr_redirect_stdout();
	cr_redirect_stderr();
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	if (chdir("/") == 0)
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int run(int argc, const char **argv)
{
	int rc = cmd_validate(argc, (char **)argv);

	fflush(stdout);
	fflush(stderr);
	return rc;
}

Test(validate_cmd, valid_tree, .init = setup, .fini = teardown)
{
	put("ev/interventions/a.yaml", IVN("aa-one"));
	put("ev/evaluations/b.yml", EVN("bb-one", "aa-one"));
	put("ev/README.md", "not yaml");
	put("ev/.git/x.yaml", "not: [valid");
	const char *argv[] = {"validate", "ev"};

	cr_assert_eq(run(2, argv), 0);
	cr_assert_stdout_eq_str("");
	cr_assert_stderr_eq_str("2 files valid\n");
}

Test(validate_cmd, errors_in_sorted_order, .init = setup, .fini = teardown)
{
	put("ev/b/fd.yaml", IVN("focused-deterrence"));
	put("ev/b/focused-deterrence.yaml", IVN("focused-deterrence"));
	put("ev/a/x.yaml", EVN("ev-x", "focused-deterence"));
	put("ev/a/bad.yaml",
	    "kind: intervention\nid: bb\nname: N\nthemse: [vawg]\nlevel: person\nsummary: S\n");
	put("ev/c.yaml", "");
	const char *argv[] = {"validate", "ev/"};

	cr_assert_eq(run(2, argv), 1);
	cr_assert_stdout_eq_str(
	    "ev/a/bad.yaml:1:1: missing required key \"themes\"\n"
	    "ev/a/bad.yaml:4:1: unknown key \"themse\" (did you mean \"themes\"?)\n"
	    "ev/c.yaml:1:1: file is empty; it must hold one YAML document\n"
	    "ev/b/fd.yaml:2:5: duplicate id \"focused-deterrence\" (also in "
	    "ev/b/focused-deterrence.yaml:2:5)\n"
	    "ev/b/focused-deterrence.yaml:2:5: duplicate id \"focused-deterrence\" (also in "
	    "ev/b/fd.yaml:2:5)\n"
	    "ev/a/x.yaml:3:15: intervention \"focused-deterence\" does not exist (did you mean "
	    "\"focused-deterrence\"?)\n");
	cr_assert_stderr_eq_str("6 errors in 5 of 5 files\n");
}

Test(validate_cmd, json_and_quiet, .init = setup, .fini = teardown)
{
	put("x.yaml", "kind: intervention\nid: xx\n");
	put("ok.yaml", IVN("ok-one"));
	const char *argv[] = {"validate", "--format", "json", "-q", "x.yaml", "ok.yaml"};

	cr_assert_eq(run(6, argv), 1);
	cr_assert_stdout_eq_str("{\n"
	                        "  \"valid\": false,\n"
	                        "  \"files\": 2,\n"
	                        "  \"errors\": [\n"
	                        "    {\n"
	                        "      \"path\": \"x.yaml\",\n"
	                        "      \"line\": 1,\n"
	                        "      \"column\": 1,\n"
	                        "      \"field\": \"\",\n"
	                        "      \"message\": \"missing required key \\\"name\\\"\"\n"
	                        "    },\n"
	                        "    {\n"
	                        "      \"path\": \"x.yaml\",\n"
	                        "      \"line\": 1,\n"
	                        "      \"column\": 1,\n"
	                        "      \"field\": \"\",\n"
	                        "      \"message\": \"missing required key \\\"themes\\\"\"\n"
	                        "    },\n"
	                        "    {\n"
	                        "      \"path\": \"x.yaml\",\n"
	                        "      \"line\": 1,\n"
	                        "      \"column\": 1,\n"
	                        "      \"field\": \"\",\n"
	                        "      \"message\": \"missing required key \\\"level\\\"\"\n"
	                        "    },\n"
	                        "    {\n"
	                        "      \"path\": \"x.yaml\",\n"
	                        "      \"line\": 1,\n"
	                        "      \"column\": 1,\n"
	                        "      \"field\": \"\",\n"
	                        "      \"message\": \"missing required key \\\"summary\\\"\"\n"
	                        "    }\n"
	                        "  ]\n"
	                        "}\n");
	cr_assert_stderr_eq_str("");
}

Test(validate_cmd, unreadable_paths, .init = setup, .fini = teardown)
{
	mkdir("empty", 0755);
	const char *argv[] = {"validate", "missing.yaml", "empty"};

	cr_assert_eq(run(3, argv), 1);
	cr_assert_stdout_eq_str("missing.yaml: could not open: No such file or directory\n"
	                        "empty: no .yaml or .yml files found\n");
	cr_assert_stderr_eq_str("2 errors in 2 of 2 files\n");
}

Test(validate_cmd, usage_errors, .init = setup, .fini = teardown)
{
	const char *none[] = {"validate"};
	const char *bad[] = {"validate", "--bogus", "x"};
	const char *fmt[] = {"validate", "--format=xml", "x"};

	cr_assert_eq(run(1, none), 2);
	cr_assert_eq(run(3, bad), 2);
	cr_assert_eq(run(3, fmt), 2);
	cr_assert_stdout_eq_str("");
}

Test(validate_cmd, help, .init = setup, .fini = teardown)
{
	const char *argv[] = {"validate", "--help"};

	cr_assert_eq(run(2, argv), 0);
	cr_assert_stderr_eq_str("");
}

Test(validate_cmd, eleven_thousand_files, .init = setup, .fini = teardown)
{
	char rel[64];

	for (int i = 0; i < 5500; i++) {
		char text[1024];

		snprintf(rel, sizeof(rel), "big/interventions/iv-%d.yaml", i);
		snprintf(text, sizeof(text),
		         "kind: intervention\nid: iv-%d\nname: N\nthemes: [vawg]\nlevel: person\n"
		         "summary: S\n",
		         i);
		put(rel, text);
		snprintf(rel, sizeof(rel), "big/evaluations/ev-%d.yaml", i);
		snprintf(text, sizeof(text),
		         "kind: evaluation\nid: ev-%d\nintervention: iv-%d\ntitle: T\nsource: "
		         "{citation: C}\ndesign: rct\nquality: 3\nsubmitted_by: S\noutcomes: "
		         "[{crime_type: robbery, effect: {measure: smd, estimate: 0}}]\n",
		         i, i);
		put(rel, text);
	}
	const char *argv[] = {"validate", "big"};

	/* speed is measured by make bench, not asserted here */
	cr_assert_eq(run(2, argv), 0);
	cr_assert_stderr_eq_str("11000 files valid\n");
}

static void setup_files(void)
{
	strcpy(tmp, "/tmp/ww-validate-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	cr_assert_eq(chdir(tmp), 0);
	strcpy(dir, ".");
}

/* Runs validate with stdout and stderr going to out and err; returns its status. */
static int run_to(int argc, const char **argv, const char *out, const char *err)
{
	int o = open(out, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int e = open(err, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int saved_o = dup(1), saved_e = dup(2), rc;

	cr_assert(o >= 0 && e >= 0 && saved_o >= 0 && saved_e >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	rc = cmd_validate(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_o, 1);
	dup2(saved_e, 2);
	close(o);
	close(e);
	close(saved_o);
	close(saved_e);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t cap = 0;

	cr_assert_not_null(f, "%s", path);
	ssize_t n = getdelim(&s, &cap, '\0', f);
	fclose(f);
	cr_assert_not_null(s);
	if (n < 0)
		s[0] = '\0';
	return s;
}

Test(validate_cmd, threads_print_what_one_thread_prints, .init = setup_files, .fini = teardown)
{
	char rel[64], text[512];

	for (int i = 0; i < 150; i++) {
		snprintf(rel, sizeof(rel), "ev/iv-%03d.yaml", i);
		snprintf(text, sizeof(text),
		         "kind: intervention\nid: iv-%03d\nname: N\nthemes: [vawg]\nlevel: person\n"
		         "summary: S\n",
		         i);
		put(rel, text);
	}
	/* errors of every kind spread over the batch: each file's in order, the
	 * unreadable one in its place, then the checks across files */
	put("ev/iv-003.yaml", "kind: intervention\nid: iv-003\nnmae: N\n");
	put("ev/iv-040.yaml", "");
	put("ev/iv-077.yaml", IVN("iv-078"));
	put("ev/iv-120.yaml", "kind: intervention\nid: iv-120\n  bad: :\n");
	put("ev/zz.yaml", EVN("zz-one", "iv-1000"));
	char *big = malloc(EV_MAX_FILE_SIZE + 2);
	cr_assert_not_null(big);
	memset(big, '#', EV_MAX_FILE_SIZE + 1);
	big[EV_MAX_FILE_SIZE + 1] = '\0';
	put("ev/iv-099.yaml", big);
	free(big);

	const char *one[] = {"validate", "--jobs", "1", "ev"};
	const char *four[] = {"validate", "-j", "4", "ev"};
	const char *json1[] = {"validate", "--jobs=1", "--format=json", "ev"};
	const char *json4[] = {"validate", "--jobs=4", "--format=json", "ev"};
	cr_assert_eq(run_to(4, one, "out1", "err1"), 1);
	cr_assert_eq(run_to(4, four, "out4", "err4"), 1);
	cr_assert_eq(run_to(4, json1, "json1", "jerr1"), 1);
	cr_assert_eq(run_to(4, json4, "json4", "jerr4"), 1);

	char *o1 = slurp("out1"), *o4 = slurp("out4"), *e1 = slurp("err1"), *e4 = slurp("err4");
	char *j1 = slurp("json1"), *j4 = slurp("json4");
	cr_expect_str_eq(o4, o1);
	cr_expect_str_eq(e4, e1);
	cr_expect_str_eq(j4, j1);
	cr_expect_str_eq(
	    o1, "ev/iv-003.yaml:1:1: missing required key \"name\"\n"
	        "ev/iv-003.yaml:1:1: missing required key \"themes\"\n"
	        "ev/iv-003.yaml:1:1: missing required key \"level\"\n"
	        "ev/iv-003.yaml:1:1: missing required key \"summary\"\n"
	        "ev/iv-003.yaml:3:1: unknown key \"nmae\" (did you mean \"name\"?)\n"
	        "ev/iv-040.yaml:1:1: file is empty; it must hold one YAML document\n"
	        "ev/iv-099.yaml: file is too large (1048577 bytes; the limit is 1048576)\n"
	        "ev/iv-120.yaml:3:6: invalid YAML: mapping values are not allowed in this "
	        "context\n"
	        "ev/iv-077.yaml:2:5: duplicate id \"iv-078\" (also in ev/iv-078.yaml:2:5)\n"
	        "ev/iv-078.yaml:2:5: duplicate id \"iv-078\" (also in ev/iv-077.yaml:2:5)\n"
	        "ev/zz.yaml:3:15: intervention \"iv-1000\" does not exist (did you mean "
	        "\"iv-000\"?)\n");
	cr_expect_str_eq(e1, "11 errors in 7 of 151 files\n");
	free(o1);
	free(o4);
	free(e1);
	free(e4);
	free(j1);
	free(j4);
}

Test(validate_cmd, jobs_must_be_a_small_number, .init = setup, .fini = teardown)
{
	const char *zero[] = {"validate", "--jobs", "0", "x"};
	const char *word[] = {"validate", "--jobs=many", "x"};

	cr_assert_eq(run(4, zero), 2);
	cr_assert_eq(run(3, word), 2);
	cr_assert_stdout_eq_str("");
}

/* A link inside the folder to a file outside it was followed and its values
 * echoed in errors (a partner's pull request could print a CI secret). */
Test(validate_cmd, symlinks_are_skipped_and_said, .init = setup, .fini = teardown)
{
	put("ev/interventions/a.yaml", IVN("aa-one"));
	put("secret.txt", "kind: intervention\nid: TOKEN-abc123\n");
	cr_assert_eq(symlink("../../secret.txt", "ev/interventions/leak.yaml"), 0);
	const char *argv[] = {"validate", "ev"};

	cr_assert_eq(run(2, argv), 0);
	cr_assert_stdout_eq_str("");
	cr_assert_stderr_eq_str("ev/interventions/leak.yaml: symbolic link skipped\n"
	                        "1 file valid\n");
}

/* `validate FIFO` blocked for ever in open(). */
Test(validate_cmd, fifos_are_never_opened, .init = setup, .fini = teardown, .timeout = 20)
{
	cr_assert_eq(mkfifo("pipe.yaml", 0600), 0);
	put("ev/a.yaml", IVN("aa-one"));
	cr_assert_eq(mkfifo("ev/b.yaml", 0600), 0);
	const char *argv[] = {"validate", "pipe.yaml", "ev"};

	cr_assert_eq(run(3, argv), 1);
	cr_assert_stdout_eq_str("pipe.yaml: not a regular file or folder (a FIFO, socket or device "
	                        "is never read)\n");
}

/* A path that is not UTF-8 made --format json print "errors": [] (jansson
 * refused the string); an ESC or a newline in a value reached the terminal
 * raw, so a file could clear the screen or forge an error line. */
Test(validate_cmd, error_text_is_utf8_without_control_characters, .init = setup, .fini = teardown)
{
	put("bad\xff.yaml", "kind: intervention\nid: xx\nname: N\nthemes: [vawg]\nlevel: person\n");
	const char *json[] = {"validate", "--format", "json", "-q", "bad\xff.yaml"};

	cr_assert_eq(run(5, json), 1);
	cr_assert_stdout_eq_str("{\n"
	                        "  \"valid\": false,\n"
	                        "  \"files\": 1,\n"
	                        "  \"errors\": [\n"
	                        "    {\n"
	                        "      \"path\": \"bad?.yaml\",\n"
	                        "      \"line\": 1,\n"
	                        "      \"column\": 1,\n"
	                        "      \"field\": \"\",\n"
	                        "      \"message\": \"missing required key \\\"summary\\\"\"\n"
	                        "    }\n"
	                        "  ]\n"
	                        "}\n");
}

Test(validate_cmd, control_characters_are_escaped, .init = setup, .fini = teardown)
{
	put("esc.yaml", "kind: intervention\nid: yy\nname: N\nthemes: [vawg]\nlevel: person\n"
	                "summary: S\n\"a\\e[2Jb\\nok.yaml:1:1: fine\": 1\n");
	const char *text[] = {"validate", "esc.yaml"};

	cr_assert_eq(run(2, text), 1);
	cr_assert_stdout_eq_str(
	    "esc.yaml:7:1: unknown key \"a\\x1b[2Jb\\nok.yaml:1:1: fine\"; "
	    "allowed keys are \"kind\", \"id\", \"name\", \"themes\", \"level\", \"cohort\", "
	    "\"summary\", \"mechanism\", \"moderators\", \"implementation\", "
	    "\"sectors\", \"tags\", \"toolkit_ratings\" or \"extra\"\n");
}

/* Past 1,000 set errors the files of the errors only counted were not: the
 * summary said "1500 errors in 1000 of 1500 files". */
Test(validate_cmd, summary_counts_files_past_1000_errors, .init = setup, .fini = teardown)
{
	char path[64], text[512];
	const char *argv[] = {"validate", "-q", "ev"};
	const char *argv2[] = {"validate", "ev"};

	for (int i = 0; i < 1500; i++) {
		snprintf(path, sizeof(path), "ev/e%04d.yaml", i);
		snprintf(text, sizeof(text), EVN("ev-%04d", "no-such-%04d"), i, i);
		put(path, text);
	}
	cr_assert_eq(run(3, argv), 1);
	cr_assert_eq(run(2, argv2), 1);
	cr_assert_stderr_eq_str("1500 errors in 1500 of 1500 files\n");
}
