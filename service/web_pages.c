/*
 * web_pages.c - the home page, the interventions list, compare and the error
 * page (web_intervention.c has one intervention and its projection)
 *
 * Each page calls the API function of the same data and renders its
 * document: the list takes exactly the parameters of /v1/interventions, so a
 * filtered view is a bookmarkable URL and its JSON and CSV are one link away.
 */
#include "api_internal.h"
#include "vocab.h"
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const as_of_only[] = {"as_of", NULL};

/* Moves the HTML in b into out->text; WW_ENOMEM when b failed. */
int web_finish(struct api_result *out, struct buf *b, struct err *e)
{
	if (b->failed || b->data == NULL) {
		buf_free(b);
		return err_set(e, WW_ENOMEM, "out of memory rendering the page");
	}
	free(out->text);
	out->text = b->data;
	out->text_len = b->len;
	out->limit = 0; /* no Link header: the page has its own paging links */
	memset(b, 0, sizeof(*b));
	return 0;
}

/* "?as_of=..." (attribute-escaped) when the request has one, for links. */
void web_as_of_query(struct buf *b, const struct api_params *p, char first)
{
	const char *as_of = api_param(p, "as_of");

	if (as_of == NULL)
		return;
	buf_add(b, first == '?' ? "?" : "&amp;", first == '?' ? 1 : 5);
	buf_adds(b, "as_of=");
	web_url_part(b, as_of);
}

/* ---- home ---- */

/* <input type="hidden"> carrying parameter name into the form's next
 * request, when the request has it. */
static void hidden_param(struct buf *b, const struct api_params *p, const char *name)
{
	const char *v = api_param(p, name);

	if (v == NULL)
		return;
	buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	web_attr(b, v);
	buf_adds(b, "\">");
}

int web_home(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct api_result themes = {0};
	struct web_params wp;
	struct buf b = {0};
	json_t *data, *t;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, as_of_only, e)) < 0)
		return rc;
	web_params_init(&wp, p, as_of_only);
	if ((rc = api_themes(&themes, db, &wp.p, e)) < 0 || (rc = api_result_json(&themes, e)) < 0)
		goto done;
	out->version = themes.version;
	web_page_begin(&b, "What works against knife crime, drugs and violence against women",
	               "/v1/themes");
	buf_adds(&b, "<h1>What works: interventions against knife crime, substance misuse and "
	             "violence against women and girls</h1>\n"
	             "<p class=\"lede\">whatworks collects evaluations of interventions, pools "
	             "their effects and estimates what each is worth: how much crime it "
	             "prevents, how sure we can be, and whether the benefits exceed the cost. "
	             "Every figure links to the evaluation and the source it came from.</p>\n"
	             "<form class=\"search\" role=\"search\" method=\"get\" "
	             "action=\"/interventions\">"
	             "<label for=\"q\">Search interventions</label>"
	             "<div class=\"row\"><input type=\"search\" id=\"q\" name=\"q\" "
	             "maxlength=\"200\" autocomplete=\"off\">");
	hidden_param(&b, p, "as_of");
	buf_adds(&b, "<button type=\"submit\">Search</button></div>"
	             "<p class=\"hint\">For example: knife, mentoring, drug court</p></form>\n"
	             "<h2>Themes</h2>\n<ul class=\"cards\">\n");
	data = json_object_get(themes.body, "data");
	json_array_foreach(data, i, t)
	{
		const char *id = web_str(t, "id");
		buf_adds(&b, "<li class=\"card\"><h3><a href=\"/interventions?theme=");
		web_url_part(&b, id);
		buf_adds(&b, "&amp;sort=-band,-bcr");
		web_as_of_query(&b, p, '&');
		buf_adds(&b, "\">");
		web_text(&b, web_str(t, "name") ? web_str(t, "name") : web_theme_name(id));
		buf_printf(&b,
		           "</a></h3><p><span class=\"big\">%lld</span> interventions, "
		           "<span class=\"big\">%lld</span> evaluations</p>"
		           "<p class=\"hint\">Ranked by value for money</p></li>\n",
		           (long long)json_integer_value(json_object_get(t, "interventions")),
		           (long long)json_integer_value(json_object_get(t, "evaluations")));
	}
	buf_adds(
	    &b, "</ul>\n<h2>How to read a page</h2>\n<ol>\n"
	        "<li><strong>Effect</strong>: how much crime changed where the intervention was "
	        "evaluated, pooled across evaluations and discounted for weaker designs.</li>\n"
	        "<li><strong>Evidence rating</strong> (0 to 5): how sure we can be, from the "
	        "quality and number of evaluations.</li>\n"
	        "<li><strong>Value for money</strong>: the benefit-cost ratio (pounds of harm "
	        "avoided per pound spent) with its uncertainty, and the chance that benefits "
	        "exceed costs.</li>\n"
	        "<li><strong>Local projection</strong>: what it might achieve in your police force "
	        "area at the scale you choose.</li>\n</ol>\n"
	        "<p class=\"formats\">The themes as <a href=\"/v1/themes\">JSON</a> or <a "
	        "href=\"/v1/themes?format=csv\">CSV</a>; every score as <a "
	        "href=\"/v1/scores?format=csv\">CSV</a>. The <a href=\"/openapi.json\">API "
	        "description</a> lists everything else.</p>\n");
	web_page_end(&b, &out->version, api_param(p, "as_of"));
	rc = web_finish(out, &b, e);
done:
	api_result_free(&themes);
	return rc;
}

/* ---- the interventions list ---- */

struct opt {
	const char *value, *label;
};

static void select_field(struct buf *b, const char *name, const char *label, const struct opt *opts,
                         const char *current)
{
	buf_printf(b,
	           "<div class=\"field\"><label for=\"f-%s\">%s</label><select id=\"f-%s\" "
	           "name=\"%s\">",
	           name, label, name, name);
	for (size_t i = 0; opts[i].label != NULL; i++) {
		int sel =
		    current != NULL ? strcmp(current, opts[i].value) == 0 : opts[i].value[0] == 0;
		buf_adds(b, "<option value=\"");
		web_attr(b, opts[i].value);
		buf_printf(b, "\"%s>%s</option>", sel ? " selected" : "", opts[i].label);
	}
	if (current != NULL) {
		/* a value from a shared link that the menu does not list (a comma list) */
		size_t i;
		for (i = 0; opts[i].label != NULL && strcmp(current, opts[i].value) != 0; i++)
			;
		if (opts[i].label == NULL) {
			buf_adds(b, "<option selected value=\"");
			web_attr(b, current);
			buf_adds(b, "\">");
			web_text(b, current);
			buf_adds(b, "</option>");
		}
	}
	buf_adds(b, "</select></div>");
}

/* A menu of a vocabulary's ids (vocab.h), "any" first. */
static void vocab_field(struct buf *b, const char *name, const char *label, const char *any,
                        const char *const *ids, const char *const *labels, const char *current)
{
	struct opt opts[16];
	size_t n = 0;

	opts[n++] = (struct opt){"", any};
	for (size_t i = 0; ids[i] != NULL && n + 1 < sizeof(opts) / sizeof(opts[0]); i++)
		opts[n++] = (struct opt){ids[i], labels[i]};
	opts[n] = (struct opt){NULL, NULL};
	select_field(b, name, label, opts, current);
}

static const struct opt band_opts[] = {{"", "Any"},
                                       {"very-high", "Very high"},
                                       {"high", "High"},
                                       {"medium", "Medium"},
                                       {"low", "Low"},
                                       {"poor", "Poor"},
                                       {"insufficient", "Not enough data"},
                                       {NULL, NULL}};
static const struct opt evidence_opts[] = {
    {"", "Any"},        {"1", "1 or more"},     {"2", "2 or more"}, {"3", "3 or more"},
    {"4", "4 or more"}, {"5", "5 (strongest)"}, {NULL, NULL}};
static const struct opt harmful_opts[] = {
    {"", "Show all"}, {"false", "Hide harmful"}, {"true", "Only harmful"}, {NULL, NULL}};
static const struct opt sort_opts[] = {{"", "Best match when searching, else name"},
                                       {"name", "Name (A to Z)"},
                                       {"-band,-bcr", "Value for money (best first)"},
                                       {"-bcr", "Benefit-cost ratio (highest first)"},
                                       {"-evidence_rating", "Evidence rating (strongest first)"},
                                       {"pct_change", "Effect (largest reduction first)"},
                                       {"-evaluations", "Number of evaluations"},
                                       {"-name", "Name (Z to A)"},
                                       {NULL, NULL}};

static void filters_form(struct buf *b, const struct api_params *p)
{
	buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/interventions\" "
	            "aria-labelledby=\"filters-h\"><h2 id=\"filters-h\">Filter and sort</h2>"
	            "<div class=\"field wide\"><label for=\"f-q\">Words in the name, summary or "
	            "tags</label><input type=\"search\" id=\"f-q\" name=\"q\" maxlength=\"200\" "
	            "value=\"");
	web_attr(b, api_param(p, "q"));
	buf_adds(b, "\"></div>");
	vocab_field(b, "theme", "Theme", "Any theme", vocab_themes, vocab_theme_labels,
	            api_param(p, "theme"));
	vocab_field(b, "level", "Works with", "Any", vocab_levels, vocab_level_labels,
	            api_param(p, "level"));
	vocab_field(b, "sector", "Sector", "Any sector", vocab_sectors, vocab_sector_labels,
	            api_param(p, "sector"));
	select_field(b, "band", "Value for money", band_opts, api_param(p, "band"));
	select_field(b, "min_evidence", "Evidence rating", evidence_opts,
	             api_param(p, "min_evidence"));
	select_field(b, "harmful", "Harmful", harmful_opts, api_param(p, "harmful"));
	select_field(b, "sort", "Sort by", sort_opts, api_param(p, "sort"));
	hidden_param(b, p, "tag");
	hidden_param(b, p, "limit");
	hidden_param(b, p, "as_of");
	buf_adds(b, "<div class=\"actions\"><button type=\"submit\">Apply</button> "
	            "<a href=\"/interventions\">Clear all</a></div></form>\n");
}

static void number_cell(struct buf *b, const json_t *o, const char *key, int decimals,
                        const char *suffix)
{
	int ok;
	double v = web_dbl(o, key, &ok);

	buf_adds(b, "<td class=\"num\">");
	if (ok) {
		web_num(b, v, decimals);
		buf_adds(b, suffix);
	} else {
		buf_adds(b, "<span class=\"na\">n/a</span>");
	}
	buf_adds(b, "</td>");
}

void web_themes_text(struct buf *b, const json_t *themes)
{
	size_t i;
	json_t *t;

	json_array_foreach(themes, i, t)
	{
		if (i > 0)
			buf_adds(b, ", ");
		web_text(b, web_theme_name(json_string_value(t)));
	}
}

static void page_link(struct buf *b, const struct api_params *p, long long offset, const char *rel,
                      const char *label)
{
	static const char *const skip[] = {"offset", "cursor", NULL};

	buf_adds(b, "<a rel=\"");
	buf_adds(b, rel);
	buf_adds(b, "\" href=\"/interventions?");
	if (web_query(b, p, skip) > 0)
		buf_adds(b, "&amp;");
	buf_printf(b, "offset=%lld\">%s</a>", offset, label);
}

int web_interventions(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	struct buf b = {0};
	json_t *items, *it;
	size_t i;
	int rc;

	/* the API checks and applies every parameter, as for /v1/interventions */
	if ((rc = api_interventions_list(out, db, p, e)) < 0 || (rc = api_result_json(out, e)) < 0)
		return rc;
	items = json_object_get(out->body, "data");
	web_page_begin(&b, "Interventions", NULL);
	buf_adds(&b, "<h1>Interventions</h1>\n");
	filters_form(&b, p);
	buf_printf(&b, "<section aria-labelledby=\"results-h\"><h2 id=\"results-h\">");
	if (out->total == 0)
		buf_adds(&b, "No interventions match");
	else if (json_array_size(items) < (size_t)out->total)
		buf_printf(&b, "Interventions %lld to %lld of %lld", out->offset + 1,
		           out->offset + (long long)json_array_size(items), out->total);
	else
		buf_printf(&b, "%lld intervention%s", out->total, out->total == 1 ? "" : "s");
	buf_adds(&b, "</h2>\n<p class=\"formats\">This list as <a href=\"/v1/interventions");
	{
		struct buf q = {0};
		int n = web_query(&q, p, NULL);
		if (n > 0) {
			buf_adds(&b, "?");
			buf_add(&b, q.data, q.len);
		}
		buf_adds(&b, "\">JSON</a> or <a href=\"/v1/interventions?");
		if (n > 0) {
			buf_add(&b, q.data, q.len);
			buf_adds(&b, "&amp;");
		}
		buf_adds(&b, "format=csv\">CSV</a>.</p>\n");
		buf_free(&q);
	}
	if (json_array_size(items) > 0) {
		buf_adds(&b, "<div class=\"scroll\" role=\"region\" aria-labelledby=\"results-h\" "
		             "tabindex=\"0\"><table class=\"list\"><thead><tr>"
		             "<th scope=\"col\">Intervention</th><th scope=\"col\">Themes</th>"
		             "<th scope=\"col\">Value for money</th>"
		             "<th scope=\"col\" class=\"num\">Benefit-cost ratio</th>"
		             "<th scope=\"col\" class=\"num\">Chance benefits exceed cost</th>"
		             "<th scope=\"col\" class=\"num\">Effect on crime</th>"
		             "<th scope=\"col\" class=\"num\">Evidence rating</th>"
		             "<th scope=\"col\" class=\"num\">Evaluations</th>"
		             "</tr></thead><tbody>\n");
	}
	json_array_foreach(items, i, it)
	{
		const char *id = web_str(it, "id");
		int ok;
		double pb;
		buf_adds(&b, "<tr><th scope=\"row\"><a href=\"/interventions/");
		web_url_part(&b, id);
		web_as_of_query(&b, p, '?');
		buf_adds(&b, "\">");
		web_text(&b, web_str(it, "name"));
		buf_adds(&b, "</a>");
		if (json_is_true(json_object_get(it, "harmful")))
			buf_adds(&b, " <strong class=\"tag harm\">May cause harm</strong>");
		buf_adds(&b, "</th><td>");
		web_themes_text(&b, json_object_get(it, "themes"));
		buf_adds(&b, "</td><td><span class=\"band band-");
		web_attr(&b, web_str(it, "band") ? web_str(it, "band") : "none");
		buf_adds(&b, "\">");
		web_text(&b, web_band_name(web_str(it, "band")));
		buf_adds(&b, "</span></td>");
		number_cell(&b, it, "bcr", 2, "");
		pb = web_dbl(it, "p_bcr_gt1", &ok);
		buf_adds(&b, "<td class=\"num\">");
		if (ok)
			buf_printf(&b, "%.0f%%", pb * 100);
		else
			buf_adds(&b, "<span class=\"na\">n/a</span>");
		buf_adds(&b, "</td>");
		number_cell(&b, it, "pct_change", 0, "%");
		buf_printf(&b, "<td class=\"num\">%lld of 5</td>",
		           (long long)json_integer_value(json_object_get(it, "evidence_rating")));
		number_cell(&b, it, "evaluations", 0, "");
		buf_adds(&b, "</tr>\n");
	}
	if (json_array_size(items) > 0)
		buf_adds(&b, "</tbody></table></div>\n");
	if (out->total > 0 && out->limit > 0 &&
	    (out->offset > 0 || out->offset + out->limit < out->total)) {
		buf_adds(&b, "<nav class=\"pages\" aria-label=\"Pages\">");
		if (out->offset > 0)
			page_link(&b, p, out->offset > out->limit ? out->offset - out->limit : 0,
			          "prev", "Previous page");
		if (out->offset + out->limit < out->total)
			page_link(&b, p, out->offset + out->limit, "next", "Next page");
		buf_adds(&b, "</nav>\n");
	}
	buf_adds(&b, "<p class=\"hint\">Compare up to four side by side on the <a "
	             "href=\"/compare\">compare page</a>.</p></section>\n");
	web_page_end(&b, &out->version, api_param(p, "as_of"));
	json_decref(out->body);
	out->body = NULL;
	return web_finish(out, &b, e);
}

/* ---- compare ---- */

static const char *const compare_allowed[] = {"a", "b", "c", "d", "as_of", NULL};

struct col {
	struct api_result r;
	const json_t *iv, *score, *fig;
};

static void compare_row(struct buf *b, const char *label, struct col *cols, size_t n,
                        void (*cell)(struct buf *, const struct col *))
{
	buf_adds(b, "<tr><th scope=\"row\">");
	buf_adds(b, label);
	buf_adds(b, "</th>");
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, "<td>");
		cell(b, &cols[i]);
		buf_adds(b, "</td>");
	}
	buf_adds(b, "</tr>\n");
}

static void num_or_na(struct buf *b, const json_t *o, const char *key, int dec, const char *suffix)
{
	int ok;
	double v = web_dbl(o, key, &ok);
	if (!ok) {
		buf_adds(b, "<span class=\"na\">n/a</span>");
		return;
	}
	web_num(b, v, dec);
	buf_adds(b, suffix);
}

static void c_themes(struct buf *b, const struct col *c)
{
	web_themes_text(b, json_object_get(c->iv, "themes"));
}
static void c_level(struct buf *b, const struct col *c)
{
	const char *l = web_str(c->iv, "level");
	web_text(b, l && strcmp(l, "place") == 0 ? "Places" : "People");
}
static void c_band(struct buf *b, const struct col *c)
{
	web_text(b, web_band_name(web_str(c->score, "band")));
}
static void c_bcr(struct buf *b, const struct col *c)
{
	num_or_na(b, c->score, "bcr", 2, "");
}
static void c_interval(struct buf *b, const struct col *c)
{
	int a, z;
	double lo = web_dbl(c->score, "bcr_p05", &a), hi = web_dbl(c->score, "bcr_p95", &z);
	if (!a || !z) {
		buf_adds(b, "<span class=\"na\">n/a</span>");
		return;
	}
	web_num(b, lo, 2);
	buf_adds(b, " to ");
	web_num(b, hi, 2);
}
static void c_pgt1(struct buf *b, const struct col *c)
{
	int ok;
	double v = web_dbl(c->score, "p_bcr_gt1", &ok);
	if (ok)
		buf_printf(b, "%.0f%%", v * 100);
	else
		buf_adds(b, "<span class=\"na\">n/a</span>");
}
static void c_effect(struct buf *b, const struct col *c)
{
	num_or_na(b, c->score, "pct_change", 0, "%");
	if (web_str(c->score, "crime_type") != NULL) {
		buf_adds(b, " <span class=\"hint\">(");
		web_text(b, web_str(c->score, "crime_type"));
		buf_adds(b, ")</span>");
	}
}
static void c_rating(struct buf *b, const struct col *c)
{
	long long r = (long long)json_integer_value(json_object_get(c->score, "evidence_rating"));
	buf_printf(b, "%lld of 5 (%s)", r, web_rating_words(r));
}
static void c_evals(struct buf *b, const struct col *c)
{
	buf_printf(b, "%zu", json_array_size(json_object_get(c->iv, "evaluations")));
}
static void c_harm(struct buf *b, const struct col *c)
{
	if (json_is_true(json_object_get(c->score, "harmful")))
		buf_adds(b, "<strong class=\"tag harm\">Yes: may increase crime</strong>");
	else
		buf_adds(b, "No evidence of harm");
}
static void c_summary(struct buf *b, const struct col *c)
{
	web_markdown(b, web_str(c->iv, "summary"));
}

static void compare_form(struct buf *b, const struct api_params *p, const json_t *all)
{
	static const char *const slots[] = {"a", "b", "c", "d"};
	size_t i;
	json_t *it;

	buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/compare\" "
	            "aria-labelledby=\"choose-h\"><h2 id=\"choose-h\">Choose two to four "
	            "interventions</h2>");
	for (size_t s = 0; s < 4; s++) {
		const char *cur = api_param(p, slots[s]);
		buf_printf(b,
		           "<div class=\"field\"><label for=\"c-%s\">Intervention %zu</label>"
		           "<select id=\"c-%s\" name=\"%s\"><option value=\"\">None</option>",
		           slots[s], s + 1, slots[s], slots[s]);
		json_array_foreach(all, i, it)
		{
			const char *id = web_str(it, "id");
			buf_adds(b, "<option value=\"");
			web_attr(b, id);
			buf_printf(b, "\"%s>",
			           cur && id && strcmp(cur, id) == 0 ? " selected" : "");
			web_text(b, web_str(it, "name"));
			buf_adds(b, "</option>");
		}
		buf_adds(b, "</select></div>");
	}
	hidden_param(b, p, "as_of");
	buf_adds(b, "<div class=\"actions\"><button type=\"submit\">Compare</button></div>"
	            "</form>\n");
}

int web_compare(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e)
{
	static const char *const slots[] = {"a", "b", "c", "d"};
	struct col cols[4];
	struct api_result all = {0};
	struct web_params wp;
	struct buf b = {0};
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(cols, 0, sizeof(cols));
	out->total = -1;
	if ((rc = api_check_params(p, compare_allowed, e)) < 0)
		return rc;
	web_params_init(&wp, p, as_of_only);
	web_params_set(&wp, "limit", "500");
	if ((rc = api_interventions_list(&all, db, &wp.p, e)) < 0 ||
	    (rc = api_result_json(&all, e)) < 0)
		goto done;
	out->version = all.version;
	web_params_init(&wp, p, as_of_only);
	for (size_t s = 0; s < 4; s++) {
		const char *id = api_param(p, slots[s]);
		size_t k;
		if (id == NULL)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(web_str(cols[k].iv, "id"), id) == 0)
				break;
		if (k < n)
			continue; /* the same one twice */
		if ((rc = api_intervention_get(&cols[n].r, db, id, &wp.p, e)) < 0 ||
		    (rc = api_result_json(&cols[n].r, e)) < 0) {
			api_result_free(&cols[n].r);
			goto done;
		}
		cols[n].iv = json_object_get(cols[n].r.body, "data");
		cols[n].score = json_array_get(json_object_get(cols[n].iv, "scores"), 0);
		n++;
	}
	web_page_begin(&b, "Compare interventions", NULL);
	buf_adds(&b, "<h1>Compare interventions</h1>\n");
	compare_form(&b, p, json_object_get(all.body, "data"));
	if (n >= 2) {
		buf_adds(&b, "<section aria-labelledby=\"cmp-h\"><h2 id=\"cmp-h\">Side by "
		             "side</h2><div class=\"scroll\" role=\"region\" "
		             "aria-labelledby=\"cmp-h\" tabindex=\"0\"><table class=\"compare\">"
		             "<thead><tr><td></td>");
		for (size_t i = 0; i < n; i++) {
			buf_adds(&b, "<th scope=\"col\"><a href=\"/interventions/");
			web_url_part(&b, web_str(cols[i].iv, "id"));
			web_as_of_query(&b, p, '?');
			buf_adds(&b, "\">");
			web_text(&b, web_str(cols[i].iv, "name"));
			buf_adds(&b, "</a></th>");
		}
		buf_adds(&b, "</tr></thead><tbody>\n");
		compare_row(&b, "Summary", cols, n, c_summary);
		compare_row(&b, "Themes", cols, n, c_themes);
		compare_row(&b, "Works with", cols, n, c_level);
		compare_row(&b, "Value for money", cols, n, c_band);
		compare_row(&b, "Benefit-cost ratio", cols, n, c_bcr);
		compare_row(&b, "90% interval of the ratio", cols, n, c_interval);
		compare_row(&b, "Chance benefits exceed cost", cols, n, c_pgt1);
		compare_row(&b, "Effect on crime", cols, n, c_effect);
		compare_row(&b, "Evidence rating", cols, n, c_rating);
		compare_row(&b, "Evaluations", cols, n, c_evals);
		compare_row(&b, "Harmful", cols, n, c_harm);
		buf_adds(&b, "</tbody></table></div><p class=\"formats\">The figures as JSON:");
		for (size_t i = 0; i < n; i++) {
			buf_adds(&b, i ? ", " : " ");
			buf_adds(&b, "<a href=\"/v1/interventions/");
			web_url_part(&b, web_str(cols[i].iv, "id"));
			web_as_of_query(&b, p, '?');
			buf_adds(&b, "\">");
			web_text(&b, web_str(cols[i].iv, "name"));
			buf_adds(&b, "</a>");
		}
		buf_adds(&b, "; all scores as <a href=\"/v1/scores?format=csv\">CSV</a>.</p>"
		             "</section>\n");
	} else {
		buf_adds(&b, "<p>Choose at least two interventions above to see them side by "
		             "side.</p>\n");
	}
	web_page_end(&b, &out->version, api_param(p, "as_of"));
	rc = web_finish(out, &b, e);
done:
	for (size_t i = 0; i < n; i++)
		api_result_free(&cols[i].r);
	api_result_free(&all);
	return rc;
}

/* ---- errors ---- */

char *web_error_page(int status, const char *message, size_t *len)
{
	struct buf b = {0};
	const char *title = status == 404   ? "Page not found"
	                    : status == 400 ? "There is a problem with the address"
	                    : status == 503 ? "Sorry, the service is unavailable"
	                                    : "Sorry, something went wrong";

	web_page_begin(&b, title, NULL);
	buf_adds(&b, "<h1>");
	web_text(&b, title);
	buf_adds(&b, "</h1>\n<p class=\"error\">");
	web_text(&b, message);
	buf_printf(&b,
	           "</p>\n<p>(HTTP status %d.) Go to the <a href=\"/\">home page</a> or "
	           "the <a href=\"/interventions\">list of interventions</a>.</p>\n",
	           status);
	web_page_end(&b, NULL, NULL);
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data;
}
