/*
 * test_hooks_sources.c - webhook signatures (GitHub's documented vector),
 * push payloads, repository URL matching, and the sources file's errors
 */
#include "cmd.h"
#include "hook_verify.h"
#include "sources.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VEC_SECRET "It's a Secret to Everybody"
#define VEC_BODY "Hello, World!"
#define VEC_SIG "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

Test(hook_verify, github_documented_vector)
{
	char hex[65];

	hook_hmac_hex(VEC_SECRET, VEC_BODY, strlen(VEC_BODY), hex);
	cr_assert_str_eq(hex, VEC_SIG);
	cr_assert(
	    hook_verify(HOOK_GITHUB, "sha256=" VEC_SIG, VEC_SECRET, VEC_BODY, strlen(VEC_BODY)));
}

Test(hook_verify, table)
{
	static const struct {
		enum hook_host host;
		const char *given, *secret, *body;
		int ok;
	} cases[] = {
	    {HOOK_GITHUB, "sha256=" VEC_SIG, VEC_SECRET, VEC_BODY, 1},
	    {HOOK_GITHUB, VEC_SIG, VEC_SECRET, VEC_BODY, 0},                 /* no sha256= */
	    {HOOK_GITHUB, "sha256=" VEC_SIG, VEC_SECRET, "Hello, World", 0}, /* body changed */
	    {HOOK_GITHUB, "sha256=" VEC_SIG, "another secret", VEC_BODY, 0},
	    {HOOK_GITHUB, "sha1=" VEC_SIG, VEC_SECRET, VEC_BODY, 0},
	    {HOOK_GITHUB, "sha256=757107ea", VEC_SECRET, VEC_BODY, 0}, /* truncated */
	    {HOOK_GITHUB, NULL, VEC_SECRET, VEC_BODY, 0},
	    {HOOK_GITHUB, "sha256=" VEC_SIG, "", VEC_BODY, 0}, /* no secret: never */
	    {HOOK_GITEA, VEC_SIG, VEC_SECRET, VEC_BODY, 1},
	    {HOOK_GITEA, "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17",
	     VEC_SECRET, VEC_BODY, 1},
	    {HOOK_GITEA, "sha256=" VEC_SIG, VEC_SECRET, VEC_BODY, 0},
	    {HOOK_GITEA, "zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	     VEC_SECRET, VEC_BODY, 0},
	    {HOOK_GITLAB, "token-1", "token-1", "{}", 1},
	    {HOOK_GITLAB, "token-2", "token-1", "{}", 0},
	    {HOOK_GITLAB, "token-1x", "token-1", "{}", 0},
	    {HOOK_GITLAB, "", "token-1", "{}", 0},
	    {HOOK_UNKNOWN, VEC_SIG, VEC_SECRET, VEC_BODY, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(hook_verify(cases[i].host, cases[i].given, cases[i].secret,
		                         cases[i].body, strlen(cases[i].body)),
		             cases[i].ok, "case %zu", i);
}

Test(hook_verify, same_repo)
{
	static const struct {
		const char *a, *b;
		int same;
	} cases[] = {
	    {"https://github.com/org/evidence.git", "https://github.com/org/evidence", 1},
	    {"https://GitHub.com/org/evidence/", "git@github.com:org/evidence.git", 1},
	    {"https://github.com/org/evidence", "ssh://git@github.com/org/evidence.git", 1},
	    {"https://github.com:443/org/evidence", "https://github.com/org/evidence", 1},
	    {"https://github.com/org/evidence", "https://github.com/org/Evidence", 0},
	    {"https://github.com/org/evidence", "https://github.com/org/evidence-2", 0},
	    {"/srv/git/evidence", "/srv/git/evidence.git", 1},
	    {"", "https://github.com/org/evidence", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(hook_same_repo(cases[i].a, cases[i].b), cases[i].same, "case %zu", i);
}

Test(hook_verify, push_payloads)
{
	struct hook_push p;
	const char *gh =
	    "{\"ref\":\"refs/heads/main\",\"after\":\"abc\",\"repository\":"
	    "{\"clone_url\":\"https://github.com/o/r.git\",\"default_branch\":\"main\"}}";
	const char *gl = "{\"ref\":\"refs/heads/main\",\"project\":{\"git_http_url\":"
	                 "\"https://gitlab.com/o/r.git\"}}";

	cr_assert_eq(hook_parse_push(HOOK_GITHUB, "push", gh, strlen(gh), &p), 0);
	cr_expect(p.is_push);
	cr_expect_str_eq(p.ref, "refs/heads/main");
	cr_expect_str_eq(p.default_branch, "main");
	cr_expect_eq(p.n_urls, 1);
	cr_assert_eq(hook_parse_push(HOOK_GITHUB, "ping", gh, strlen(gh), &p), 0);
	cr_expect(!p.is_push);
	cr_assert_eq(hook_parse_push(HOOK_GITLAB, "Push Hook", gl, strlen(gl), &p), 0);
	cr_expect(p.is_push);
	cr_expect_str_eq(p.urls[0], "https://gitlab.com/o/r.git");
	cr_expect_eq(hook_parse_push(HOOK_GITEA, "push", "[1]", 3, &p), -1);
}

static void expect_error(const char *text, const char *want)
{
	struct sources s;
	struct err e = {0};

	cr_assert_eq(sources_parse(&s, "sources.conf", text, strlen(text), &e), WW_EINVALID,
	             "accepted: %s", text);
	cr_expect(strstr(e.msg, want) != NULL, "got \"%s\", want \"%s\"", e.msg, want);
}

Test(sources, errors_name_file_and_line)
{
	expect_error("[a]\nkind = git\nlocation = /x\ninterval = 5x\n",
	             "sources.conf:4: invalid interval \"5x\"");
	expect_error("# c\n[a]\nkind = svn\n", "sources.conf:3: unknown kind \"svn\"");
	expect_error("[a]\nkind = git\n", "sources.conf:1: source \"a\" has no location");
	expect_error("[a]\nlocation = /x\n", "sources.conf:1: source \"a\" has no kind");
	expect_error("kind = git\n", "sources.conf:1: `key = value` before the first [NAME]");
	expect_error("[a]\nkind = git\nlocation = /x\n[a]\n",
	             "sources.conf:4: source \"a\" is already defined at line 1");
	expect_error("[a]\nkind = git\nlocation = /x\ncolour = red\n",
	             "sources.conf:4: unknown key \"colour\"");
	expect_error("[a b]\n", "sources.conf:1: invalid source name \"a b\"");
	expect_error("[a]\nkind = feed\nlocation = ftp://x\n", "a feed's location must be");
	expect_error("[a]\nkind = feed\nlocation = http://x\nref = main\n",
	             "ref and path are for git sources");
	expect_error("[a]\nkind = git\nlocation = /x\njust words\n",
	             "sources.conf:4: expected `key = value` or [NAME]");
	expect_error("[a]\nkind = git\nlocation = /x\ntimeout = 0\n",
	             "sources.conf:4: timeout must be at least 1s");
	/* 30 days of milliseconds overflowed an int: a signed webhook was then
	 * accepted and no import ever ran */
	expect_error("[a]\nkind = git\nlocation = /x\ndebounce = 30d\n",
	             "sources.conf:4: invalid debounce \"30d\": expected seconds or a number "
	             "with s, m, h or d, at most 1h");
	expect_error("[a]\nkind = git\nlocation = /x\ninterval = 99999999999d\n",
	             "invalid interval");
}

Test(sources, long_durations_in_range)
{
	const char *text = "[a]\nkind = git\nlocation = /x\ndebounce = 1h\ninterval = 30d\n"
	                   "jitter = 30d\ntimeout = 30d\n";
	struct sources s;
	struct err e = {0};

	cr_assert_eq(sources_parse(&s, "f", text, strlen(text), &e), 0, "%s", e.msg);
	cr_expect_eq(s.v[0].debounce_ms, 3600000);
	cr_expect_eq(s.v[0].interval_s, 30 * 86400);
	cr_expect_eq(s.v[0].jitter_s, 30 * 86400);
	sources_free(&s);
}

Test(sources, a_valid_file)
{
	const char *text = "# partners\n"
	                   "[evidence]\n"
	                   "kind = git\n"
	                   "location = https://git.example.org/p/evidence.git\n"
	                   "ref = main\n"
	                   "path = evidence\n"
	                   "interval = 15m\n"
	                   "secret = \"s3cret\"\n"
	                   "\n"
	                   "[north]\n"
	                   "kind = feed\n"
	                   "location = https://north.example.org\n"
	                   "interval = 2h\n"
	                   "jitter = 0\n"
	                   "timeout = 90\n";
	struct sources s;
	struct err e = {0};

	cr_assert_eq(sources_parse(&s, "f", text, strlen(text), &e), 0, "%s", e.msg);
	cr_assert_eq(s.n, 2);
	cr_expect_str_eq(s.v[0].name, "evidence");
	cr_expect_eq(s.v[0].kind, SOURCE_GIT);
	cr_expect_eq(s.v[0].interval_s, 900);
	cr_expect_eq(s.v[0].jitter_s, 60);
	cr_expect_str_eq(s.v[0].secret, "s3cret");
	cr_expect_eq(s.v[0].line, 2);
	cr_expect_eq(s.v[1].kind, SOURCE_FEED);
	cr_expect_eq(s.v[1].interval_s, 7200);
	cr_expect_eq(s.v[1].jitter_s, 0);
	cr_expect_eq(s.v[1].timeout_s, 90);
	cr_expect_eq(s.v[1].line, 10);
	cr_expect_eq(sources_find(&s, "north"), &s.v[1]);
	cr_expect_null(sources_find(&s, "south"));
	sources_free(&s);
	cr_expect_eq(sources_duration("1d"), 86400);
	cr_expect_eq(sources_duration("-1"), -1);
	cr_expect_eq(sources_duration("m"), -1);
}

/* `whatworks sources` printed a password embedded in a git URL. */
Test(sources, listing_masks_passwords, .init = cr_redirect_stdout)
{
	char path[] = "/tmp/ww-sources-XXXXXX", want[512];
	int fd = mkstemp(path);
	const char *text =
	    "[p]\nkind = git\nlocation = https://bot:hunter2@git.example.org/e.git\n";
	const char *argv[] = {"sources", "--check", "--file", path, NULL};

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(cmd_sources(4, (char **)argv), 0);
	fflush(stdout);
	unlink(path);
	snprintf(want, sizeof(want),
	         "%s: 1 source\n\np (git, line 1)\n  location: https://***@git.example.org/e.git\n"
	         "  interval: none (webhooks and POST /v1/imports only)\n  timeout: 600s\n"
	         "  secret: none\n",
	         path);
	cr_assert_stdout_eq_str(want);
}
