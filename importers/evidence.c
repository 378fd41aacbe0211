/*
 * evidence.c - documents from buffers and JSON, error lists, checks across a set
 *
 * ev_parse reads one file with yamldoc and hands the tree to the rules
 * (evidence_rules.c); ev_from_json turns JSON into the same tree first, so a
 * feed's documents meet exactly the same checks. ev_check_set looks across
 * documents: ids unique within a kind, evaluations naming interventions that
 * exist. It sorts instead of comparing pairs, and computes "did you mean"
 * only for the references that are missing.
 */
#include "evidence.h"
#include "utf8.h"

#include "err.h"
#include "evidence_rules.h"
#include "yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[EV_KIND_COUNT] = {
    "intervention", "evaluation", "unit-costs", "deflators", "areas", "category-map", "baselines",
};

const char *ev_kind_name(enum ev_kind k)
{
	return (int)k >= 0 && k < EV_KIND_COUNT ? kind_names[k] : NULL;
}

int ev_kind_parse(const char *name)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

/* ---- errors ---- */

int ev_errors_add_msg(struct ev_errors *errs, const char *path, int line, int col,
                      const char *field, const char *msg)
{
	struct ev_error *e;

	if (errs->n >= EV_MAX_ERRORS) {
		char **v = realloc(errs->dropped_paths, (errs->n_dropped_paths + 1) * sizeof(*v));
		errs->dropped++;
		if (v == NULL)
			return WW_ENOMEM;
		errs->dropped_paths = v;
		if ((v[errs->n_dropped_paths] = strdup(path ? path : "")) == NULL)
			return WW_ENOMEM;
		errs->n_dropped_paths++;
		return 0;
	}
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 16;
		struct ev_error *v = realloc(errs->v, cap * sizeof(*v));

		if (v == NULL)
			return WW_ENOMEM;
		errs->v = v;
		errs->cap = cap;
	}
	e = &errs->v[errs->n];
	/* a non-UTF-8 path, a value cut by a message buffer, an ESC or a newline
	 * in a value: errors go to terminals, JSON and PostgreSQL text */
	e->path = utf8_clean_dup(path ? path : "");
	e->field = utf8_clean_dup(field ? field : "");
	e->message = utf8_clean_dup(msg);
	e->line = line;
	e->col = col;
	if (e->path == NULL || e->field == NULL || e->message == NULL) {
		free(e->path);
		free(e->field);
		free(e->message);
		return WW_ENOMEM;
	}
	errs->n++;
	return 0;
}

int ev_errors_add(struct ev_errors *errs, const char *path, int line, int col, const char *field,
                  const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ev_errors_add_msg(errs, path, line, col, field, msg);
}

int ev_errors_move(struct ev_errors *to, struct ev_errors *from)
{
	size_t room = to->n < EV_MAX_ERRORS ? EV_MAX_ERRORS - to->n : 0;
	size_t keep = from->n < room ? from->n : room;

	if (to->n + keep > to->cap) {
		size_t cap = to->cap ? to->cap : 16;
		struct ev_error *v;

		while (cap < to->n + keep)
			cap *= 2;
		if ((v = realloc(to->v, cap * sizeof(*v))) == NULL)
			return WW_ENOMEM;
		to->v = v;
		to->cap = cap;
	}
	if (keep > 0)
		memcpy(to->v + to->n, from->v, keep * sizeof(*from->v));
	to->n += keep;
	to->dropped += from->n - keep + from->dropped;
	for (size_t i = keep; i < from->n; i++) {
		free(from->v[i].path);
		free(from->v[i].field);
		free(from->v[i].message);
	}
	free(from->v);
	memset(from, 0, sizeof(*from));
	return 0;
}

void ev_error_format(const struct ev_error *e, char *buf, size_t size)
{
	char pos[32] = "";
	const char *sep = e->field[0] ? ": " : "";

	if (e->line > 0)
		snprintf(pos, sizeof(pos), ":%d:%d", e->line, e->col);
	snprintf(buf, size, "%s%s: %s%s%s", e->path, pos, e->field, sep, e->message);
}

void ev_errors_free(struct ev_errors *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->n; i++) {
		free(errs->v[i].path);
		free(errs->v[i].field);
		free(errs->v[i].message);
	}
	free(errs->v);
	for (size_t i = 0; i < errs->n_dropped_paths; i++)
		free(errs->dropped_paths[i]);
	free(errs->dropped_paths);
	errs->dropped_paths = NULL;
	errs->v = NULL;
	errs->n = errs->cap = errs->dropped = errs->n_dropped_paths = 0;
}

/* ---- documents ---- */

struct report_ctx {
	const char *path;
	struct ev_errors *errs;
	int nomem;
};

static void report_yaml(void *ctx, int line, int col, const char *field, const char *msg)
{
	struct report_ctx *r = ctx;

	if (ev_errors_add_msg(r->errs, r->path, line, col, field, msg) != 0)
		r->nomem = 1;
}

static int doc_new(struct ev_doc **out, const char *path)
{
	struct ev_doc *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL || (d->path = strdup(path ? path : "")) == NULL) {
		free(d);
		return WW_ENOMEM;
	}
	*out = d;
	return 0;
}

void ev_doc_free(struct ev_doc *doc)
{
	if (doc == NULL)
		return;
	json_decref(doc->body);
	free(doc->keys);
	free(doc->path);
	free(doc);
}

/* Checks tree (which may be NULL after parse errors) and hands over doc. */
static int finish(struct ev_doc **out, struct ev_doc *doc, const struct yamldoc_node *root, int rc,
                  struct ev_errors *errs)
{
	if (root != NULL && rc != WW_ENOMEM) {
		int r = ev_rules_check(doc, root, errs);

		if (rc == 0 || r == WW_ENOMEM)
			rc = r;
	}
	if (rc != 0) {
		ev_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* Puts errs->v[from..n) in line and column order, keeping the order of
 * errors at the same place (insertion sort: stable, and a file has few). */
static void sort_errors(struct ev_errors *errs, size_t from)
{
	for (size_t i = from + 1; i < errs->n; i++) {
		struct ev_error e = errs->v[i];
		size_t j = i;

		while (j > from &&
		       (errs->v[j - 1].line > e.line ||
		        (errs->v[j - 1].line == e.line && errs->v[j - 1].col > e.col))) {
			errs->v[j] = errs->v[j - 1];
			j--;
		}
		errs->v[j] = e;
	}
}

int ev_parse(struct ev_doc **out, const char *path, const char *buf, size_t len,
             struct ev_errors *errs)
{
	static const struct yamldoc_limits limits = {EV_MAX_FILE_SIZE, EV_MAX_DEPTH, EV_MAX_NODES};
	struct report_ctx r = {path, errs, 0};
	struct yamldoc *y = NULL;
	struct ev_doc *doc;
	size_t first = errs->n;
	int rc;

	*out = NULL;
	if (doc_new(&doc, path) != 0)
		return WW_ENOMEM;
	rc = yamldoc_parse(&y, buf, len, &limits, report_yaml, &r);
	if (r.nomem)
		rc = WW_ENOMEM;
	rc = finish(out, doc, y ? yamldoc_root(y) : NULL, rc, errs);
	yamldoc_free(y);
	sort_errors(errs, first);
	return rc;
}

int ev_from_json(struct ev_doc **out, const char *path, const json_t *body, struct ev_errors *errs)
{
	struct yamldoc *y = NULL;
	struct ev_doc *doc;
	int rc;

	*out = NULL;
	if (doc_new(&doc, path) != 0)
		return WW_ENOMEM;
	rc = yamldoc_from_json(&y, body, EV_MAX_DEPTH);
	if (rc == WW_EINVALID &&
	    ev_errors_add(errs, doc->path, 0, 0, "", "maps and lists nest deeper than %d levels",
	                  EV_MAX_DEPTH) != 0)
		rc = WW_ENOMEM;
	rc = finish(out, doc, y ? yamldoc_root(y) : NULL, rc, errs);
	yamldoc_free(y);
	return rc;
}

/* ---- did you mean ---- */

#define DYM_MAX 100
#define EV_DYM_MAX 100 /* missing references that get a "did you mean" */

/* Optimal string alignment distance (an adjacent swap costs 1), or limit + 1
 * once it is certain to exceed limit. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t limit)
{
	size_t rows[3][DYM_MAX + 1], *pp = rows[0], *p = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best = cur[0] = i;

		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = p[j - 1] + cost;

			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		size_t *t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
	return p[lb];
}

const char *ev_did_you_mean(const char *s, const char *const *candidates, size_t n)
{
	size_t ls = strlen(s), limit, best_d;
	const char *best = NULL;

	if (ls == 0 || ls > DYM_MAX)
		return NULL;
	limit = ls <= 3 ? 1 : ls <= 8 ? 2 : 3;
	best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		size_t lc = strlen(candidates[i]), d;

		if (lc > DYM_MAX || (lc > ls ? lc - ls : ls - lc) > limit)
			continue;
		d = edit_distance(s, ls, candidates[i], lc, limit);
		if (d < best_d && d > 0) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

/* ---- checks across a set ---- */

struct ranked {
	const struct ev_doc *doc;
	size_t idx; /* position in the input, so the first file stays first */
};

static int cmp_docs(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int r;

	if (x->doc->kind != y->doc->kind)
		return x->doc->kind < y->doc->kind ? -1 : 1;
	if ((r = strcmp(x->doc->id, y->doc->id)) != 0)
		return r;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Reports ids used more than once within a kind, on every file involved: the
 * first (in input order) names the second, the others name the first. v is
 * sorted by kind, id and input position.
 */
static int report_duplicates(const struct ranked *v, size_t n, struct ev_errors *errs, int *bad)
{
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && v[j].doc->kind == v[i].doc->kind &&
		       strcmp(v[j].doc->id, v[i].doc->id) == 0)
			j++;
		for (size_t k = i; j - i > 1 && k < j; k++) {
			const struct ev_doc *d = v[k].doc, *other = v[k == i ? i + 1 : i].doc;

			*bad = 1;
			if (ev_errors_add(errs, d->path, d->line, d->col, "",
			                  "duplicate id \"%s\" (also in %s:%d:%d)", d->id,
			                  other->path, other->line, other->col) != 0)
				return WW_ENOMEM;
		}
		i = j;
	}
	return 0;
}

/* Reports evaluations whose intervention is neither in docs nor known. */
static int report_missing(struct ev_doc *const *docs, size_t n, const char *const *known,
                          size_t n_known, struct ev_errors *errs, int *bad)
{
	const char **ids;
	size_t nids = 0, dym_left = EV_DYM_MAX;
	int rc = 0;

	ids = malloc((n + n_known + 1) * sizeof(*ids));
	if (ids == NULL)
		return WW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (docs[i]->kind == EV_INTERVENTION)
			ids[nids++] = docs[i]->id;
	for (size_t i = 0; i < n_known; i++)
		ids[nids++] = known[i];
	qsort(ids, nids, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct ev_doc *d = docs[i];
		const char *key = d->intervention, *dym = NULL;

		if (d->kind != EV_EVALUATION || d->intervention[0] == '\0' ||
		    bsearch(&key, ids, nids, sizeof(*ids), cmp_str) != NULL)
			continue;
		*bad = 1;
		/* a suggestion compares with every id: only for the first
		 * EV_DYM_MAX missing references, and only for errors kept, so
		 * thousands of near misses cost no more than a hundred */
		if (dym_left > 0 && errs->n < EV_MAX_ERRORS) {
			dym_left--;
			dym = ev_did_you_mean(key, ids, nids);
		}
		if (dym != NULL)
			rc = ev_errors_add(
			    errs, d->path, d->ref_line, d->ref_col, "",
			    "intervention \"%s\" does not exist (did you mean \"%s\"?)", key, dym);
		else
			rc = ev_errors_add(errs, d->path, d->ref_line, d->ref_col, "",
			                   "intervention \"%s\" does not exist", key);
	}
	free(ids);
	return rc;
}

struct placed_key {
	const struct ev_doc *doc;
	const struct ev_entry_key *k;
	size_t idx; /* of the document in the input */
};

static int cmp_placed(const void *a, const void *b)
{
	const struct placed_key *x = a, *y = b;
	int r = strcmp(x->k->key, y->k->key);

	if (r != 0)
		return r;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return (x->k->entry > y->k->entry) - (x->k->entry < y->k->entry);
}

/*
 * Reports entry keys of kind defined twice: unit-cost keys are looked up
 * across every unit-costs file, reference baselines across every baselines
 * file, so a second definition anywhere would be ambiguous. Repeats within
 * one unit-costs file are reported by its own rules already.
 */
static int report_entry_keys(struct ev_doc *const *docs, size_t n, enum ev_kind kind,
                             struct ev_errors *errs, int *bad)
{
	struct placed_key *v;
	size_t nv = 0, total = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (docs[i]->kind == kind)
			total += docs[i]->n_keys;
	if (total < 2)
		return 0;
	if ((v = malloc(total * sizeof(*v))) == NULL)
		return WW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; docs[i]->kind == kind && j < docs[i]->n_keys; j++)
			v[nv++] = (struct placed_key){docs[i], &docs[i]->keys[j], i};
	qsort(v, nv, sizeof(*v), cmp_placed);
	for (size_t i = 1, first = 0; i < nv && rc == 0; i++) {
		const struct placed_key *a = &v[first], *b = &v[i];

		if (strcmp(a->k->key, b->k->key) != 0) {
			first = i;
			continue;
		}
		if (kind == EV_UNIT_COSTS && a->doc == b->doc)
			continue;
		*bad = 1;
		if (kind == EV_UNIT_COSTS)
			rc = ev_errors_add(errs, b->doc->path, b->k->line, b->k->col, "",
			                   "entries[%zu].crime_type: unit-cost key \"%s\" is "
			                   "also defined in %s:%d:%d; a key must be defined once "
			                   "across all unit-costs files",
			                   b->k->entry, b->k->key, a->doc->path, a->k->line,
			                   a->k->col);
		else
			rc = ev_errors_add(errs, b->doc->path, b->k->line, b->k->col, "",
			                   "entries[%zu]: reference baseline \"%s\" (crime_type/"
			                   "cohort) is also defined in %s:%d:%d",
			                   b->k->entry, b->k->key, a->doc->path, a->k->line,
			                   a->k->col);
	}
	free(v);
	return rc;
}

int ev_check_set(struct ev_doc *const *docs, size_t n, const char *const *known_ids, size_t n_known,
                 struct ev_errors *errs)
{
	struct ranked *v;
	size_t nv = 0;
	int bad = 0, rc;

	v = malloc((n ? n : 1) * sizeof(*v));
	if (v == NULL)
		return WW_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (docs[i]->id[0] != '\0')
			v[nv++] = (struct ranked){docs[i], i};
	qsort(v, nv, sizeof(*v), cmp_docs);
	rc = report_duplicates(v, nv, errs, &bad);
	free(v);
	if (rc == 0)
		rc = report_missing(docs, n, known_ids, n_known, errs, &bad);
	if (rc == 0)
		rc = report_entry_keys(docs, n, EV_UNIT_COSTS, errs, &bad);
	if (rc == 0)
		rc = report_entry_keys(docs, n, EV_BASELINES, errs, &bad);
	if (rc != 0)
		return rc;
	return bad ? WW_EINVALID : 0;
}
