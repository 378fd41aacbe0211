/*
 * web.h - the HTML pages of `whatworks serve`, for people rather than programs
 *
 * Each page is rendered from the documents the API endpoints return (api.h),
 * so a page shows exactly what /v1 serves for the same parameters; the HTTP
 * layer sends it through the same path as JSON (ETag, 304, gzip, the response
 * cache, the evidence version, as_of). A page function has the shape of an
 * API endpoint: on success out->text holds the HTML (owned) and out->version
 * the evidence version shown; errors are the API's (WW_EINVALID naming the
 * parameter, WW_ENOTFOUND for an unknown id), which http.c renders with
 * web_error_page.
 *
 * web_html.c is the escaping HTML builder and the Markdown renderer (libcmark,
 * raw HTML off); web_svg.c draws the charts; web_pages.c, web_intervention.c
 * and web_projection.c the pages. Every
 * string from the evidence goes through web_text, web_attr or web_url_part:
 * nothing from a request or the evidence is appended raw.
 */
#ifndef WW_WEB_H
#define WW_WEB_H

#include "api.h"
#include "http.h"

/* ---- pages (web_pages.c) ---- */

/* /: what the service is, the three themes with their counts, a search box. */
int web_home(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);
/* /interventions: the list with the parameters of /v1/interventions. */
int web_interventions(struct api_result *out, PGconn *db, const struct api_params *p,
                      struct err *e);
/* /interventions/{id}: one intervention in EMMIE order. */
int web_intervention(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                     struct err *e);
/* /interventions/{id}/projection (web_projection.c): choose an area and a
 * scale; the projection. */
int web_projection(struct api_result *out, PGconn *db, const char *id, const struct api_params *p,
                   struct err *e);
/* /compare?ids=a,b[,c[,d]]: two to four interventions side by side. */
int web_compare(struct api_result *out, PGconn *db, const struct api_params *p, struct err *e);

/* An HTML page for an error status with its message; malloc'd, *len bytes,
 * NULL when out of memory. */
char *web_error_page(int status, const char *message, size_t *len);

/* The stylesheet (generated from service/web.css by gen-css.sh), which every
 * page carries in a <style> element, so one request renders a page. */
extern const char web_css[];
extern const size_t web_css_len;
/* The Content-Security-Policy of every page: no script at all, no style but
 * that stylesheet (named by its SHA-256, so no 'unsafe-inline'), forms only
 * to this service. */
extern const char web_csp[];

/* ---- the HTML builder (web_html.c) ---- */

/* Appends s as HTML text or a double-quoted attribute value: & < > " ' escaped.
 * NULL appends nothing. */
void web_text(struct buf *b, const char *s);
#define web_attr web_text
/* Appends s percent-encoded for a URL query value or path segment. */
void web_url_part(struct buf *b, const char *s);
/* Appends an external link to url when it is http(s), else url as text. */
void web_link_out(struct buf *b, const char *url, const char *label);
/* Appends Markdown text rendered to HTML (libcmark, raw HTML and unsafe
 * links suppressed); NULL or empty appends nothing. */
void web_markdown(struct buf *b, const char *md);
/* Appends a number with digits grouped (12,345) and at most decimals places. */
void web_num(struct buf *b, double v, int decimals);
/* A percent change rounded for reading (one decimal below 10), with "%". */
void web_pct(struct buf *b, double v);
/* Pounds: a pound sign, grouped digits, pence below 100. */
void web_money(struct buf *b, double v);
/* Opens a definition: <dt>term</dt><dd> (term is written as it is: code's
 * own text, never evidence). */
void web_dt(struct buf *b, const char *term);
/* A JSON value's string, or NULL. */
const char *web_str(const json_t *obj, const char *key);
/* A JSON number as a double; 0 with *ok = 0 when absent or not a number. */
double web_dbl(const json_t *obj, const char *key, int *ok);

/* The page around a body. title is text (escaped here). */
void web_page_begin(struct buf *b, const char *title, const char *json_href);
void web_page_end(struct buf *b, const struct api_version *v, const char *as_of);

/* ---- request parameters (web_html.c) ---- */

/* The parameters an API call sees from a page: names in pass read through to
 * the request, names set with web_params_set override. name_at is NULL, so
 * the API function does not check names (the page did). */
struct web_params {
	struct api_params p;
	const struct api_params *base;
	const char *const *pass;
	const char *names[6];
	const char *values[6];
	size_t n;
};
void web_params_init(struct web_params *w, const struct api_params *base, const char *const *pass);
void web_params_set(struct web_params *w, const char *name, const char *value);
/* Appends the request's parameters as a query string without '?', escaped
 * for an attribute, leaving out the names in skip (NULL-terminated, may be
 * NULL); returns how many were written. */
int web_query(struct buf *b, const struct api_params *p, const char *const *skip);

/* Words for ids: a theme, a value-for-money band, an evidence rating. */
const char *web_theme_name(const char *id);
const char *web_band_name(const char *band);
const char *web_rating_words(long long rating);

/* Shared by the page files (web_pages.c). */
int web_finish(struct api_result *out, struct buf *b, struct err *e);
void web_as_of_query(struct buf *b, const struct api_params *p, char first);
void web_themes_text(struct buf *b, const json_t *themes);

/* ---- charts (web_svg.c) ---- */

/* One row of a forest plot: an estimate of ln(RR) and its standard error. */
struct web_forest_row {
	const char *label;
	double y, s; /* s <= 0: no interval */
	int kind;    /* 0 evaluation, 1 pooled (diamond), 2 adjusted (diamond) */
};
/* A forest plot of rows on the percent-change scale, with a title and a
 * description for assistive technology (the table next to it has the data). */
void web_svg_forest(struct buf *b, const struct web_forest_row *rows, size_t n,
                    const char *title_id);
/* The BCR with its 90% interval on a scale marking break-even (1). */
void web_svg_bcr(struct buf *b, double bcr, double lo, double hi, const char *title_id);
/* A line chart of monthly counts (labels "YYYY-MM"). */
void web_svg_trend(struct buf *b, const char *const *labels, const double *values, size_t n,
                   const char *title_id);

#endif
