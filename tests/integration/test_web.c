/*
 * test_web.c - the HTML pages of `whatworks serve` over real HTTP against a
 * real PostgreSQL: every page renders, evidence text is escaped, the cache
 * conventions (ETag, 304, gzip, as_of) hold, errors are pages, search
 * stems words
 */
#include "test_http_support.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pgtest db;
static struct ht_daemon d;

/* What the fixture adds to ht_fixture: markup where text belongs, and a
 * headline score with money figures (and a break-even figure). */
static void web_fixture(struct pgtest *t)
{
	pgtest_exec(t,
	            "INSERT INTO evaluations (id, source_id, path, blob, commit, valid_from, body,"
	            " intervention, title, design, quality, country, areas, published) VALUES"
	            " ('xss-2021', 1, 'evaluations/xss-2021.yaml', 'e9', '" HT_COMMIT "', 1,"
	            " '{\"source\": {\"citation\": \"Doe <b>J</b> (2021)\","
	            " \"url\": \"javascript:alert(2)\", \"doi\": \"10.1/x\\\"y\"},"
	            " \"notes\": \"*noted* <img src=x onerror=alert(4)>\"}',"
	            " 'street-triage', '<script>alert(1)</script>', 'rct', 4, 'GB', '{}', '2021')",
	            0, NULL);
	pgtest_exec(t,
	            "UPDATE interventions SET body = body || '{\"mechanism\": \"Works **because** "
	            "<script>alert(5)</script> [x](javascript:alert(6))\"}'"
	            " WHERE id = 'street-triage'",
	            0, NULL);
	pgtest_exec(
	    t,
	    "INSERT INTO interventions (id, source_id, path, blob, commit, valid_from, body,"
	    " name, themes, level, sectors, tags) VALUES ('quote-test', 1,"
	    " 'interventions/quote-test.yaml', 'b9', '" HT_COMMIT "', 1,"
	    " '{\"summary\": \"Attribute test\"}', 'Q\"><img src=x onerror=alert(3)>',"
	    " '{vawg}', 'person', '{charity}', '{}'), ('zebra', 1, 'interventions/zebra.yaml',"
	    " 'b8', '" HT_COMMIT "', 1, '{\"summary\": \"Lessons\"}', 'Zebra knife lessons',"
	    " '{substance-misuse}', 'person', '{education}', '{}')",
	    0, NULL);
	pgtest_exec(
	    t,
	    "INSERT INTO scores (intervention, crime_type, run_id, params, figures, band, bcr, npv,"
	    " p_bcr_gt1, bcr_p05, bcr_p95, evidence_rating, pct_change, harmful, headline)"
	    " VALUES ('street-triage', 'violence-with-injury', 1, '{}',"
	    " '{\"outcomes\": [{\"evaluation\": \"triage-2020\", \"design\": \"rct\", \"quality\": "
	    "4,"
	    " \"y\": -0.22, \"s\": 0.1, \"in_basis\": true}, {\"evaluation\": \"xss-2021\","
	    " \"design\": \"rct\", \"quality\": 4, \"y\": -0.1, \"s\": 0.2, \"in_basis\": true}],"
	    " \"mu\": -0.2, \"se\": 0.09, \"ci_low\": -0.376, \"ci_high\": -0.024,"
	    " \"mu_adj\": -0.15, \"se_adj\": 0.09, \"ci_adj_low\": -0.326, \"ci_adj_high\": 0.026,"
	    " \"pct_change_adj\": -13.9, \"unit_cost\": 14050, \"unit_cost_unit\": \"crime\","
	    " \"unit_cost_price_year\": 2016, \"unit_cost_flag\": \"verified\","
	    " \"unit_cost_source\": \"Home Office <costs>\", \"baseline_rate\": 0.4,"
	    " \"baseline_per\": \"participant\", \"baseline_years\": 1, \"r_source\": "
	    "\"evaluation\", \"r_evaluation\": \"triage-2020\", \"baseline_flag\": \"secondary\","
	    " \"baseline_source\": \"Triage trial <report>\", \"baseline_note\": \"control arm\","
	    " \"costs\": [{\"evaluation\": \"triage-2020\", \"amount\": 900, \"price_year\": 2020,"
	    " \"flag\": \"secondary\"}], \"cost_per\": \"participant\", \"discount\": 0.035,"
	    " \"horizon_years\": 2, \"horizon_source\": \"follow-up\", \"pv_benefits\": 3000,"
	    " \"pv_costs\": 1000, \"npv\": 2000, \"breakeven_k\": 0.05, \"r\": 0.4,"
	    " \"unit_cost_b\": 14050, \"cost_b\": 900, \"decay\": 0, \"seed\": \"1f\","
	    " \"draws\": 1000, \"bcr\": 3.0, \"crime_type\": \"violence-with-injury\","
	    " \"breakeven_cost\": 2700, \"breakeven_p05\": 1200, \"breakeven_p95\": 4100,"
	    " \"breakeven_per\": \"participant\", \"insufficient_reasons\": []}',"
	    " 'high', 3.0, 2000, 0.91, 1.4, 4.8, 4, -18.1, false, true),"
	    " ('drug-courts', 'reoffending', 1, '{}', '{\"mu_adj\": 0.3, \"se_adj\": 0.1}',"
	    " 'insufficient', NULL, NULL, NULL, NULL, NULL, 3, 35, true, true)",
	    0, NULL);
}

/* Twelve months of recorded crime in one force, and the category map. */
static void crime_fixture(struct pgtest *t)
{
	static const char *const sql[] = {
	    "INSERT INTO reference_data (kind, id, source_id, path, blob, commit, valid_from, body)"
	    " VALUES ('category-map', 'map', 1, 'm.yaml', 'b', 'c', 1,"
	    " '{\"entries\": [{\"crime_type\": \"violence-with-injury\","
	    " \"police_uk_category\": \"violent-crime\"}]}')",
	    /* the forces a projection may name (others are refused) */
	    "INSERT INTO reference_data (kind, id, source_id, path, blob, commit, valid_from, body)"
	    " VALUES ('areas', 'forces', 1, 'a.yaml', 'b', 'c', 1,"
	    " '{\"entries\": [{\"id\": \"testshire\", \"name\": \"Testshire Police\","
	    " \"country\": \"england\", \"body\": \"pcc\"}]}')",
	    "INSERT INTO police_forces (id, name, run_id) VALUES ('testshire', 'Testshire Police', "
	    "1)",
	    "INSERT INTO crime_units (force, month, published, run_id, rows)"
	    " SELECT 'testshire', make_date(2024, m, 1), '2024-12', 1, 0 FROM generate_series(1, "
	    "12) m",
	    "INSERT INTO crime_counts (force, month, category, count, run_id)"
	    " SELECT 'testshire', make_date(2024, m, 1), 'violent-crime', 99 + m, 1"
	    " FROM generate_series(1, 12) m",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		pgtest_exec(t, sql[i], 0, NULL);
}

static void up(void)
{
	pgtest_setup(&db, "web");
	ht_fixture(&db);
	web_fixture(&db);
	crime_fixture(&db);
	ht_start(&d, db.conninfo, NULL);
}

static void down(void)
{
	if (d.pid > 0)
		cr_expect_eq(ht_stop(&d), 0, "exit status; see %s", d.log);
	pgtest_teardown(&db);
}

TestSuite(web, .init = up, .fini = down, .timeout = 60);

/* GET target as a browser would; asserts the status. */
static void page(struct ht_resp *r, const char *target, long status)
{
	const char *h[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
	char buf[256];

	ht_request(r, &d, "GET", target, h, NULL);
	cr_assert_eq(r->status, status, "%s: status %ld, body %.400s", target, r->status, r->body);
	cr_assert_not_null(ht_header(r, "Content-Type", buf, sizeof(buf)), "%s", target);
	cr_expect_str_eq(buf, "text/html; charset=utf-8", "%s", target);
	cr_expect(strncmp(r->body, "<!DOCTYPE html>", 15) == 0, "%s", target);
}

static void expect_in(const struct ht_resp *r, const char *s, const char *target)
{
	cr_expect(strstr(r->body, s) != NULL, "%s: \"%s\" is not on the page", target, s);
}

static void expect_not_in(const struct ht_resp *r, const char *s, const char *target)
{
	cr_expect(strstr(r->body, s) == NULL, "%s: \"%s\" is on the page", target, s);
}

Test(web, every_page_renders_with_a_safe_policy)
{
	static const char *const pages[][2] = {
	    {"/", "<a href=\"/v1/themes?format=csv\">CSV</a>"},
	    {"/interventions", "Street triage"},
	    {"/interventions/street-triage", "Triage in A&amp;E"},
	    {"/interventions/street-triage/projection", "Police force area"},
	    {"/compare?a=street-triage&b=hot-spots", "<a href=\"/v1/interventions/hot-spots\">"},
	    {"/compare", "Choose two to four"},
	};
	struct ht_resp r;
	char buf[512];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		page(&r, pages[i][0], 200);
		expect_in(&r, pages[i][1], pages[i][0]);
		expect_in(&r, "<main id=\"main\"", pages[i][0]);
		cr_assert_not_null(ht_header(&r, "Content-Security-Policy", buf, sizeof(buf)));
		cr_expect(strstr(buf, "default-src 'none'") != NULL, "%s", buf);
		cr_expect(strstr(buf, "unsafe-inline") == NULL, "%s", buf);
		cr_expect_str_eq(ht_header(&r, "X-Content-Type-Options", buf, sizeof(buf)),
		                 "nosniff");
		/* no script, no style attribute: nothing the policy would block */
		expect_not_in(&r, "<script", pages[i][0]);
		expect_not_in(&r, " style=", pages[i][0]);
		ht_free(&r);
	}
	/* one request renders a page: the stylesheet is in it, allowed by its hash */
	page(&r, "/", 200);
	expect_in(&r, "<style>", "/");
	expect_in(&r, "@media print", "/");
	ht_header(&r, "Content-Security-Policy", buf, sizeof(buf));
	const char *css = strstr(r.body, "<style>") + 7, *end = strstr(css, "</style>");
	unsigned char md[SHA256_DIGEST_LENGTH];
	char want[80] = "style-src 'sha256-";
	cr_assert_not_null(end);
	SHA256((const unsigned char *)css, (size_t)(end - css), md);
	EVP_EncodeBlock((unsigned char *)want + strlen(want), md, sizeof(md));
	cr_expect(strstr(buf, want) != NULL, "the policy %s does not name the page's style (%s)",
	          buf, want);
	expect_not_in(&r, "<link rel=\"stylesheet\"", "/");
	ht_free(&r);
}

Test(web, evidence_text_is_escaped_for_its_context)
{
	struct ht_resp r;
	const char *t = "/interventions/street-triage";

	page(&r, t, 200);
	/* the title shows as text */
	expect_in(&r, "&lt;script&gt;alert(1)&lt;/script&gt;", t);
	expect_not_in(&r, "<script>alert(1)", t);
	/* the citation's markup is text; the javascript: URL is not a link */
	expect_in(&r, "Doe &lt;b&gt;J&lt;/b&gt; (2021)", t);
	expect_not_in(&r, "href=\"javascript:", t);
	/* a quote in a DOI cannot leave its attribute */
	expect_in(&r, "href=\"https://doi.org/10.1/x&quot;y\"", t);
	/* Markdown renders; raw HTML in it does not */
	expect_in(&r, "<strong>because</strong>", t);
	expect_not_in(&r, "<script>alert(5)", t);
	expect_not_in(&r, "onerror=alert(4)>", t);
	expect_in(&r, "<em>noted</em>", t);
	expect_in(&r, "Home Office &lt;costs&gt;", t);
	ht_free(&r);

	t = "/interventions?theme=vawg";
	page(&r, t, 200);
	expect_in(&r, "Q&quot;&gt;&lt;img src=x onerror=alert(3)&gt;", t);
	expect_not_in(&r, "<img", t);
	ht_free(&r);
	/* request values are escaped too */
	t = "/interventions?q=%22%3E%3Cb%3Ex";
	page(&r, t, 200);
	expect_in(&r, "value=\"&quot;&gt;&lt;b&gt;x\"", t);
	expect_not_in(&r, "\"><b>x", t);
	ht_free(&r);
}

Test(web, intervention_page_in_emmie_order_with_its_figures)
{
	struct ht_resp r;
	const char *t = "/interventions/street-triage";
	const char *order[] = {"At a glance",    ">Effect<",    "Mechanism",   "Moderators",
	                       "Implementation", ">Economics<", "Evaluations", "Provenance"};
	const char *last = NULL;

	page(&r, t, 200);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(r.body, order[i]);
		cr_expect_not_null(at, "%s is missing", order[i]);
		cr_expect(at == NULL || last == NULL || at > last, "%s is out of order", order[i]);
		if (at != NULL)
			last = at;
	}
	/* the forest plot and the table behind it */
	expect_in(&r, "aria-labelledby=\"forest-t forest-d\"", t);
	expect_in(&r, "<caption id=\"effect-t\">", t);
	/* the BCR drawn with its interval, P(BCR > 1), break-even figures */
	expect_in(&r, "aria-labelledby=\"bcr-t bcr-d\"", t);
	expect_in(&r, "interval from 1.40 to 4.80", t);
	expect_in(&r, "91% chance that the benefits exceed the cost", t);
	expect_in(&r,
	          "<dt>Break-even cost</dt><dd>\xC2\xA3"
	          "2,700 per participant (90 % interval \xC2\xA3"
	          "1,200 to \xC2\xA3"
	          "4,100)",
	          t);
	expect_in(&r,
	          "It pays for itself if it costs less than \xC2\xA3"
	          "2,700 per participant",
	          t);
	expect_in(&r, "<dt>Break-even effect</dt><dd>the cost is repaid by a reduction of 5", t);
	expect_in(&r,
	          "\xC2\xA3"
	          "2,700",
	          t);
	expect_in(&r, "verified in the source", t);
	expect_in(&r, "secondary source", t);
	/* the baseline says where it comes from, as every input does */
	expect_in(&r,
	          "evaluation triage-2020; Triage trial &lt;report&gt; <span class=\"tag flag\">"
	          "secondary source</span>; control arm",
	          t);
	/* links to the JSON and CSV of what is on screen */
	expect_in(&r, "href=\"/v1/interventions/street-triage\"", t);
	expect_in(&r, "href=\"/v1/interventions/street-triage?format=csv\"", t);
	ht_free(&r);

	t = "/interventions/drug-courts";
	page(&r, t, 200);
	expect_in(&r, "Warning: this intervention may cause harm", t);
	ht_free(&r);
	t = "/interventions/hot-spots";
	page(&r, t, 200);
	expect_not_in(&r, "may cause harm", t);
	expect_in(&r, "not been scored yet", t);
	ht_free(&r);
}

Test(web, pages_share_the_cache_conventions)
{
	struct ht_resp r, again;
	char etag[128], json_etag[128], buf[256], inm[160];

	page(&r, "/interventions/street-triage", 200);
	cr_assert_not_null(ht_header(&r, "ETag", etag, sizeof(etag)));
	cr_expect(strstr(etag, "-html") != NULL, "%s", etag);
	cr_expect_not_null(ht_header(&r, "X-Evidence-Version", buf, sizeof(buf)));
	ht_free(&r);
	ht_get(&r, &d, "/v1/interventions/street-triage");
	ht_header(&r, "ETag", json_etag, sizeof(json_etag));
	cr_expect_str_neq(etag, json_etag, "the page and the JSON share an ETag");
	ht_free(&r);

	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	const char *h[] = {inm, NULL};
	ht_request(&again, &d, "GET", "/interventions/street-triage", h, NULL);
	cr_expect_eq(again.status, 304);
	cr_expect_eq(again.len, 0);
	ht_free(&again);

	const char *gz[] = {"Accept-Encoding: gzip", NULL};
	ht_request(&r, &d, "GET", "/interventions", gz, NULL);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(ht_header(&r, "Content-Encoding", buf, sizeof(buf)), "gzip");
	cr_expect(strstr(ht_header(&r, "ETag", buf, sizeof(buf)), "-html-gz") != NULL, "%s", buf);
	ht_free(&r);

	/* as_of: the evidence as a commit left it, said in the footer */
	page(&r, "/interventions/street-triage?as_of=" HT_COMMIT, 200);
	expect_in(&r, "(as of <code>" HT_COMMIT "</code>)", "as_of");
	ht_free(&r);
	page(&r, "/interventions/street-triage?as_of=abcdef0", 404);
	expect_in(&r, "Page not found", "as_of");
	ht_free(&r);
}

Test(web, filters_sorting_and_paging_use_the_api_parameters)
{
	struct ht_resp r;
	const char *t;

	t = "/interventions?theme=substance-misuse";
	page(&r, t, 200);
	expect_in(&r, "Drug courts", t);
	expect_not_in(&r, "Street triage", t);
	expect_in(&r, "<option value=\"substance-misuse\" selected>", t);
	expect_in(&r, "href=\"/v1/interventions?theme=substance-misuse\"", t);
	expect_in(&r, "href=\"/v1/interventions?theme=substance-misuse&amp;format=csv\"", t);
	ht_free(&r);

	t = "/interventions?harmful=true";
	page(&r, t, 200);
	expect_in(&r, "Drug courts", t);
	expect_not_in(&r, ">Street triage<", t);
	ht_free(&r);

	t = "/interventions?sort=-bcr&limit=1";
	page(&r, t, 200);
	expect_in(&r, "Interventions 1 to 1 of 5", t);
	expect_in(&r, ">Street triage</a>", t);
	expect_in(&r, "href=\"/interventions?sort=-bcr&amp;limit=1&amp;offset=1\"", t);
	ht_free(&r);

	t = "/interventions?q=drug";
	page(&r, t, 200);
	expect_in(&r, "Drug courts", t);
	expect_not_in(&r, "Hot spots policing", t);
	ht_free(&r);

	/* a bad parameter is a page naming it */
	t = "/interventions?band=great";
	page(&r, t, 400);
	expect_in(&r, "parameter &quot;band&quot;", t);
	ht_free(&r);
}

Test(web, errors_are_pages_for_browsers_and_json_for_the_api)
{
	struct ht_resp r;
	char buf[128];
	const char *html[] = {"Accept: text/html", NULL};

	page(&r, "/interventions/no-such-thing", 404);
	expect_in(&r, "Page not found", "404");
	expect_in(&r, "intervention &quot;no-such-thing&quot; does not exist", "404");
	ht_free(&r);
	page(&r, "/no/such/page", 404);
	ht_free(&r);
	/* the API keeps its JSON errors, whatever the client accepts */
	ht_request(&r, &d, "GET", "/v1/nope", html, NULL);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(ht_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "application/json; charset=utf-8");
	ht_free(&r);
	ht_get(&r, &d, "/no/such/page");
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(ht_header(&r, "Content-Type", buf, sizeof(buf)),
	                 "application/json; charset=utf-8");
	ht_free(&r);
	page(&r, "/compare?x=1", 400);
	ht_free(&r);
}

Test(web, projection_page_explains_when_it_cannot_project)
{
	struct ht_resp r;
	const char *t = "/interventions/street-triage/projection?area=nowhere&units=10";

	page(&r, t, 200);
	expect_in(&r, "No projection can be made", t);
	expect_in(&r, "area &quot;nowhere&quot;", t);
	expect_in(&r, "value=\"10\"", t);
	ht_free(&r);
	page(&r, "/interventions/street-triage/projection?units=1&colour=red", 400);
	ht_free(&r);
}

Test(web, search_stems_and_finds_themes)
{
	struct ht_resp r;

	/* "knife" is in the name of zebra, and in the theme knife-crime of two
	 * others: the name counts most, so zebra comes first despite its name */
	ht_get(&r, &d, "/v1/interventions?q=knife");
	cr_expect_eq(r.status, 200);
	json_t *j = ht_json(&r), *data = json_object_get(j, "data");
	cr_expect_eq(json_array_size(data), 3, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(data, 0), "id")),
	                 "zebra");
	json_decref(j);
	ht_free(&r);
	/* a sort given wins over relevance */
	ht_get(&r, &d, "/v1/interventions?q=knife&sort=name");
	j = ht_json(&r);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "id")),
	    "hot-spots", "%s", r.body);
	json_decref(j);
	ht_free(&r);
	/* "mentor" finds "Mentors" (stemming) */
	ht_get(&r, &d, "/v1/interventions?q=mentor");
	j = ht_json(&r);
	cr_expect_str_eq(
	    json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "id")),
	    "street-triage", "%s", r.body);
	json_decref(j);
	ht_free(&r);
	/* "violence" finds the vawg theme spelled out */
	ht_get(&r, &d, "/v1/interventions?q=violence&theme=vawg");
	j = ht_json(&r);
	cr_expect_eq(json_array_size(json_object_get(j, "data")), 2, "%s", r.body);
	json_decref(j);
	ht_free(&r);
}

Test(web, projection_page_projects_and_draws_the_trend)
{
	struct ht_resp r;
	const char *t = "/interventions/street-triage/projection?area=testshire&units=50";

	page(&r, t, 200);
	expect_in(&r, "Projection for Testshire Police", t);
	/* 50 participants, r = 0.4, RR = exp(-0.15): 20 * (1 - 0.861) a year */
	expect_in(&r, "Crimes prevented in the first year</dt><dd>2.8", t);
	expect_in(&r, "<option value=\"testshire\" selected>Testshire Police</option>", t);
	expect_in(&r, "aria-labelledby=\"trend-t trend-d\"", t);
	expect_in(&r, "<th scope=\"row\">2024-12</th><td class=\"num\">111</td>", t);
	expect_in(&r,
	          "href=\"/v1/interventions/street-triage/projection?area=testshire&amp;units=50\"",
	          t);
	expect_not_in(&r, "No projection can be made", t);
	ht_free(&r);
}
