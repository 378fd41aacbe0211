/*
 * web_html.c - the HTML builder: escaping for each context, Markdown through
 * libcmark, numbers for people, and the page around a body
 *
 * Pure code: buffers in, buffers out. Escaping is the one defence against
 * markup in the evidence (an evaluation titled <script>...</script> must show
 * as text), so every evidence string reaches the page through web_text,
 * web_url_part, web_link_out or web_markdown.
 */
#include "vocab.h"
#include "web.h"

#include <cmark.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void web_text(struct buf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	for (run = s; *s != '\0'; s++) {
		const char *rep;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_adds(b, rep);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

void web_url_part(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			buf_add(b, s, 1);
		} else {
			char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_add(b, pct, 3);
		}
	}
}

void web_link_out(struct buf *b, const char *url, const char *label)
{
	if (url == NULL)
		return;
	if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0) {
		web_text(b, label ? label : url);
		return;
	}
	buf_adds(b, "<a href=\"");
	web_attr(b, url);
	buf_adds(b, "\" rel=\"noopener noreferrer\">");
	web_text(b, label ? label : url);
	buf_adds(b, "</a>");
}

void web_markdown(struct buf *b, const char *md)
{
	char *html;

	if (md == NULL || md[0] == '\0')
		return;
		/* cmark 0.29+ drops raw HTML and javascript:/data: links unless told
		 * CMARK_OPT_UNSAFE; older versions need CMARK_OPT_SAFE */
#ifdef CMARK_OPT_SAFE
	html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
#else
	html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT);
#endif
	if (html == NULL) {
		b->failed = 1;
		return;
	}
	buf_adds(b, html);
	free(html);
}

void web_num(struct buf *b, double v, int decimals)
{
	char raw[64], out[96];
	size_t n, o = 0, int_len, i;
	const char *p = raw;

	if (!isfinite(v)) {
		buf_adds(b, "n/a");
		return;
	}
	snprintf(raw, sizeof(raw), "%.*f", decimals, v);
	/* drop trailing zeros after the point, then the point */
	if (decimals > 0) {
		n = strlen(raw);
		while (n > 0 && raw[n - 1] == '0')
			raw[--n] = '\0';
		if (n > 0 && raw[n - 1] == '.')
			raw[--n] = '\0';
	}
	if (strcmp(raw, "-0") == 0)
		snprintf(raw, sizeof(raw), "0");
	if (*p == '-') {
		/* a real minus sign reads better and screen readers say "minus" */
		o += (size_t)snprintf(out, sizeof(out), "\xE2\x88\x92");
		p++;
	}
	int_len = strcspn(p, ".");
	for (i = 0; i < int_len; i++) {
		if (i > 0 && (int_len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = p[i];
	}
	snprintf(out + o, sizeof(out) - o, "%s", p + int_len);
	buf_adds(b, out);
}

const char *web_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

double web_dbl(const json_t *obj, const char *key, int *ok)
{
	const json_t *v = json_object_get(obj, key);

	*ok = json_is_number(v);
	return *ok ? json_number_value(v) : 0;
}

void web_page_begin(struct buf *b, const char *title, const char *json_href)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	            "<link rel=\"icon\" href=\"data:,\">\n"
	            "<title>");
	web_text(b, title);
	buf_adds(b, " - whatworks</title>\n<style>");
	buf_add(b, web_css, web_css_len);
	buf_adds(b, "</style>\n");
	if (json_href != NULL) {
		buf_adds(b, "<link rel=\"alternate\" type=\"application/json\" href=\"");
		web_attr(b, json_href);
		buf_adds(b, "\">\n");
	}
	buf_adds(b, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
	            "<header class=\"site\"><div class=\"wrap\">"
	            "<a class=\"brand\" href=\"/\">whatworks</a>"
	            "<nav aria-label=\"Main\"><ul>"
	            "<li><a href=\"/\">Home</a></li>"
	            "<li><a href=\"/interventions\">Interventions</a></li>"
	            "<li><a href=\"/compare\">Compare</a></li>"
	            "<li><a href=\"/openapi.json\">API</a></li>"
	            "</ul></nav></div></header>\n<main id=\"main\" class=\"wrap\">\n");
}

void web_page_end(struct buf *b, const struct api_version *v, const char *as_of)
{
	buf_adds(b, "</main>\n<footer class=\"site\"><div class=\"wrap\"><p>");
	if (v != NULL && v->run_id > 0) {
		buf_printf(b, "Evidence version: import run %lld", v->run_id);
		if (v->commit[0] != '\0') {
			buf_adds(b, ", commit <code>");
			buf_add(b, v->commit, strlen(v->commit) < 12 ? strlen(v->commit) : 12);
			buf_adds(b, "</code>");
		}
		if (as_of != NULL) {
			buf_adds(b, " (as of <code>");
			web_text(b, as_of);
			buf_adds(b, "</code>)");
		}
		buf_adds(b, ".");
	} else if (v != NULL) {
		buf_adds(b, "No evidence has been imported yet.");
	}
	buf_adds(b, " Figures are estimates with uncertainty; read the evidence behind each "
	            "one before you commission.</p></div></footer>\n</body>\n</html>\n");
}

/* ---- parameters ---- */

static const char *wp_get(void *ctx, const char *name)
{
	struct web_params *w = ctx;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return w->values[i];
	for (size_t i = 0; w->pass != NULL && w->pass[i] != NULL; i++)
		if (strcmp(w->pass[i], name) == 0)
			return w->base && w->base->get ? w->base->get(w->base->ctx, name) : NULL;
	return NULL;
}

void web_params_init(struct web_params *w, const struct api_params *base, const char *const *pass)
{
	memset(w, 0, sizeof(*w));
	w->base = base;
	w->pass = pass;
	w->p.get = wp_get;
	w->p.name_at = NULL;
	w->p.ctx = w;
}

void web_params_set(struct web_params *w, const char *name, const char *value)
{
	if (w->n < sizeof(w->names) / sizeof(w->names[0])) {
		w->names[w->n] = name;
		w->values[w->n++] = value;
	}
}

int web_query(struct buf *b, const struct api_params *p, const char *const *skip)
{
	const char *name;
	int n = 0;

	if (p == NULL || p->name_at == NULL)
		return 0;
	for (size_t i = 0; (name = p->name_at(p->ctx, i)) != NULL; i++) {
		const char *v = p->get(p->ctx, name);
		int skipped = v == NULL || v[0] == '\0';
		for (size_t k = 0; !skipped && skip != NULL && skip[k] != NULL; k++)
			skipped = strcmp(skip[k], name) == 0;
		/* a name given twice is written once, as the API reads it */
		for (size_t j = 0; !skipped && j < i; j++)
			skipped = strcmp(p->name_at(p->ctx, j), name) == 0;
		if (skipped)
			continue;
		buf_adds(b, n++ ? "&amp;" : "");
		web_url_part(b, name);
		buf_adds(b, "=");
		web_url_part(b, v);
	}
	return n;
}

const char *web_theme_name(const char *id)
{
	const char *name = vocab_label(vocab_themes, vocab_theme_labels, id);

	if (id == NULL)
		return "";
	return name != NULL ? name : id;
}

const char *web_band_name(const char *band)
{
	static const char *const names[][2] = {
	    {"very-high", "Very high value"}, {"high", "High value"},
	    {"medium", "Medium value"},       {"low", "Low value"},
	    {"poor", "Poor value"},           {"insufficient", "Not enough data"},
	};
	for (size_t i = 0; band != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(band, names[i][0]) == 0)
			return names[i][1];
	return band ? band : "Not scored";
}

const char *web_rating_words(long long r)
{
	static const char *const words[] = {"no usable estimate", "very weak", "weak",
	                                    "moderate",           "good",      "strong"};
	return r >= 0 && r <= 5 ? words[r] : "not rated";
}

void web_pct(struct buf *b, double v)
{
	web_num(b, fabs(v) < 10 ? round(v * 10) / 10 : round(v), fabs(v) < 10 ? 1 : 0);
	buf_adds(b, "%");
}

void web_money(struct buf *b, double v)
{
	if (v < 0) {
		buf_adds(b, "\xE2\x88\x92");
		v = -v;
	}
	buf_adds(b, "\xC2\xA3");
	web_num(b, v, v < 100 ? 2 : 0);
}

void web_dt(struct buf *b, const char *term)
{
	buf_adds(b, "<dt>");
	buf_adds(b, term);
	buf_adds(b, "</dt><dd>");
}
