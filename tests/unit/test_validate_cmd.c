/*
 * test_validate_cmd.c - `whatworks validate` on temporary folders of files
 */
#include "cmd.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
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
