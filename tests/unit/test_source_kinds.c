/*
 * test_source_kinds.c - the table of source kinds, as the sources file,
 * the scheduler and `whatworks import` see it
 */
#include "err.h"
#include "source_kinds.h"
#include "sources.h"

#include <criterion/criterion.h>
#include <string.h>

Test(source_kinds, every_kind_has_one_complete_row)
{
	static const enum source_kind ids[] = {SOURCE_GIT, SOURCE_FEED, SOURCE_POLICE_UK};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct source_kind_def *d = source_kind_of(ids[i]);
		cr_assert_not_null(d);
		cr_expect_eq(source_kind_find(d->name), d, "%s", d->name);
		cr_expect_str_eq(sources_kind_name(ids[i]), d->name);
		cr_expect_not_null(d->run, "%s", d->name);
		cr_expect_not_null(d->cli, "%s", d->name);
	}
	cr_expect(source_kind_of(SOURCE_GIT)->versions_evidence);
	cr_expect(source_kind_of(SOURCE_FEED)->versions_evidence);
	cr_expect_not(source_kind_of(SOURCE_POLICE_UK)->versions_evidence);
	cr_expect_null(source_kind_find("svn"));
}

Test(source_kinds, the_sources_file_takes_its_rules_from_the_rows)
{
	struct sources s;
	struct err e = {0};
	char names[128];
	const char *ok = "[a]\nkind = police-uk\n[b]\nkind = feed\nlocation = https://x.org\n";
	const char *no_loc = "[a]\nkind = git\n";
	const char *not_url = "[a]\nkind = feed\nlocation = /srv/x\n";
	const char *ref = "[a]\nkind = feed\nlocation = https://x.org\nref = main\n";
	const char *bad = "[a]\nkind = svn\n";

	cr_assert_eq(sources_parse(&s, "f", ok, strlen(ok), &e), 0, "%s", e.msg);
	cr_assert_eq(s.v[0].kind, SOURCE_POLICE_UK, "police-uk needs no location");
	sources_free(&s);
	cr_assert_eq(sources_parse(&s, "f", no_loc, strlen(no_loc), &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "has no location") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(sources_parse(&s, "f", not_url, strlen(not_url), &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "http:// or https:// URL") != NULL, "%s", e.msg);
	err_clear(&e);
	cr_assert_eq(sources_parse(&s, "f", ref, strlen(ref), &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "ref and path are for git sources") != NULL, "%s", e.msg);
	err_clear(&e);
	source_kinds_list(names, sizeof(names));
	cr_assert_str_eq(names, "git, feed or police-uk");
	cr_assert_eq(sources_parse(&s, "f", bad, strlen(bad), &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "f:2: unknown kind \"svn\" (expected git, feed or police-uk)");
}
