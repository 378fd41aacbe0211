/*
 * test_web_html.c - the pages' HTML builder: each context's escaping,
 * Markdown with raw HTML and unsafe links dropped, numbers for people, and
 * charts that carry their text alternative
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

typedef void (*emit_fn)(struct buf *, const char *);

static char *run(emit_fn f, const char *in)
{
	struct buf b = {0};
	f(&b, in);
	buf_add(&b, "", 0);
	cr_assert(!b.failed);
	return b.data;
}

Test(web_html, text_and_attribute_escaping)
{
	static const char *const cases[][2] = {
	    {"plain", "plain"},
	    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
	    {"\"><img src=x>", "&quot;&gt;&lt;img src=x&gt;"},
	    {"it's A&E", "it&#39;s A&amp;E"},
	    {"&amp;", "&amp;amp;"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = run(web_text, cases[i][0]);
		cr_expect_str_eq(out, cases[i][1], "web_text(%s)", cases[i][0]);
		free(out);
	}
	struct buf b = {0};
	web_text(&b, NULL);
	cr_expect_eq(b.len, 0);
}

Test(web_html, url_parts_are_percent_encoded)
{
	static const char *const cases[][2] = {
	    {"knife-crime", "knife-crime"}, {"a b&c=d", "a%20b%26c%3Dd"}, {"\"><", "%22%3E%3C"},
	    {"-band,-bcr", "-band%2C-bcr"}, {"caf\xC3\xA9", "caf%C3%A9"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = run(web_url_part, cases[i][0]);
		cr_expect_str_eq(out, cases[i][1], "web_url_part(%s)", cases[i][0]);
		free(out);
	}
}

Test(web_html, only_http_links_are_links)
{
	static const char *const cases[][2] = {
	    {"https://example.org/a?b=1&c=\"2\"",
	     "<a href=\"https://example.org/a?b=1&amp;c=&quot;2&quot;\" rel=\"noopener "
	     "noreferrer\">label</a>"},
	    {"HTTP://example.org",
	     "<a href=\"HTTP://example.org\" rel=\"noopener noreferrer\">label</a>"},
	    {"javascript:alert(1)", "label"},
	    {" javascript:alert(1)", "label"},
	    {"data:text/html,<b>", "label"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = {0};
		web_link_out(&b, cases[i][0], "label");
		buf_add(&b, "", 0);
		cr_expect_str_eq(b.data, cases[i][1], "web_link_out(%s)", cases[i][0]);
		buf_free(&b);
	}
}

Test(web_html, markdown_renders_without_raw_html)
{
	static const char *const cases[][3] = {
	    /* input, must contain, must not contain */
	    {"**bold** and *em*", "<strong>bold</strong> and <em>em</em>", "**"},
	    {"<script>alert(1)</script>", "", "<script"},
	    {"text <img src=x onerror=alert(1)> more", "text", "<img"},
	    {"[x](javascript:alert(1))", "<a href=\"\">x</a>", "javascript:"},
	    {"[x](https://example.org)", "<a href=\"https://example.org\">x</a>", "<script"},
	    {"- one\n- two\n", "<li>one</li>", "<script"},
	    {"a & b < c", "a &amp; b &lt; c", "a & b"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = run(web_markdown, cases[i][0]);
		cr_expect(strstr(out, cases[i][1]) != NULL, "%s gave %s", cases[i][0], out);
		cr_expect(strstr(out, cases[i][2]) == NULL, "%s gave %s", cases[i][0], out);
		free(out);
	}
}

Test(web_html, numbers_for_people)
{
	static const struct {
		double v;
		int dec;
		const char *want;
	} cases[] = {
	    {0, 0, "0"},
	    {1234567, 0, "1,234,567"},
	    {1234.5, 2, "1,234.5"},
	    {3.0, 2, "3"},
	    {-0.25, 2,
	     "\xE2\x88\x92"
	     "0.25"},
	    {-0.001, 1, "0"},
	    {-14050, 0,
	     "\xE2\x88\x92"
	     "14,050"},
	    {999, 0, "999"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = {0};
		web_num(&b, cases[i].v, cases[i].dec);
		buf_add(&b, "", 0);
		cr_expect_str_eq(b.data, cases[i].want, "web_num(%g, %d)", cases[i].v,
		                 cases[i].dec);
		buf_free(&b);
	}
	struct buf b = {0};
	web_num(&b, NAN, 2);
	cr_expect_str_eq(b.data, "n/a");
	buf_free(&b);
}

Test(web_svg, charts_name_themselves_and_escape_labels)
{
	struct web_forest_row rows[] = {
	    {"<b>study</b>", -0.2, 0.1, 0},
	    {"Pooled", -0.2, 0.1, 1},
	    {"Adjusted for quality", -0.15, 0, 2},
	};
	struct buf b = {0};

	web_svg_forest(&b, rows, 3, "f");
	buf_add(&b, "", 0);
	cr_expect(strstr(b.data, "role=\"img\" aria-labelledby=\"f-t f-d\"") != NULL);
	cr_expect(strstr(b.data, "<title id=\"f-t\">") != NULL);
	cr_expect(strstr(b.data, "&lt;b&gt;study&lt;/b&gt;") != NULL);
	cr_expect(strstr(b.data, "<b>") == NULL);
	/* one interval line per row that has one; two diamonds */
	size_t ci = 0, dia = 0;
	for (const char *p = b.data; (p = strstr(p, "class=\"ci\"")) != NULL; p++)
		ci++;
	for (const char *p = b.data; (p = strstr(p, "<polygon")) != NULL; p++)
		dia++;
	cr_expect_eq(ci, 2);
	cr_expect_eq(dia, 2);
	cr_expect(strstr(b.data, " style=") == NULL, "no inline styles (CSP)");
	buf_free(&b);

	web_svg_bcr(&b, 2.5, 1.2, 4.0, "r");
	buf_add(&b, "", 0);
	cr_expect(strstr(b.data, "ratio 2.50 with a 90% interval from 1.20 to 4.00") != NULL);
	cr_expect(strstr(b.data, "break-even") != NULL);
	buf_free(&b);

	const char *labels[] = {"2025-01", "2025-02", "<x>"};
	double values[] = {10, 12, 9};
	web_svg_trend(&b, labels, values, 3, "t");
	buf_add(&b, "", 0);
	cr_expect(strstr(b.data, "<polyline") != NULL);
	cr_expect(strstr(b.data, "&lt;x&gt;") != NULL);
	buf_free(&b);
}

Test(web_html, error_page_escapes_the_message)
{
	size_t len = 0;
	char *page = web_error_page(404, "intervention \"<x>\" does not exist", &len);

	cr_assert_not_null(page);
	cr_expect_eq(len, strlen(page));
	cr_expect(strstr(page, "<h1>Page not found</h1>") != NULL);
	cr_expect(strstr(page, "intervention &quot;&lt;x&gt;&quot; does not exist") != NULL);
	free(page);
}
