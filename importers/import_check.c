/*
 * import_check.c - an import's cross-checks, pure (see import_check.h)
 */
#include "import_check.h"

#include <stdlib.h>
#include <string.h>

char *import_key(const char *kind, const char *id)
{
	size_t a = strlen(kind), b = strlen(id);
	char *k = malloc(a + b + 2);
	if (k == NULL)
		return NULL;
	memcpy(k, kind, a);
	k[a] = '\x1f';
	memcpy(k + a + 1, id, b + 1);
	return k;
}

/* Appends [x, y]; -1 when memory runs out. */
static int append_pair(json_t *a, const char *x, const char *y)
{
	return json_array_append_new(a, json_pack("[ss]", x, y));
}

static int append_str(json_t *a, const char *s)
{
	return json_array_append_new(a, json_string(s));
}

/* Whether the set holds kind\x1fid: 1, 0, or -1 when memory runs out. */
static int has_key(const struct strset *s, const char *kind, const char *id)
{
	char *k = import_key(kind, id);
	int has;

	if (k == NULL)
		return -1;
	has = strset_has(s, k);
	free(k);
	return has;
}

static int add_doc_keys(struct import_keys *k, const struct ev_doc *d)
{
	const char *kind = ev_kind_name(d->kind);
	char *key = import_key(kind, d->id);

	if (key == NULL || strset_add(&k->new_keys, key) < 0) {
		free(key);
		return -1;
	}
	if (append_pair(k->keys, kind, d->id) < 0)
		return -1;
	if (d->kind == EV_EVALUATION &&
	    append_pair(k->ref_keys, "intervention", d->intervention) < 0)
		return -1;
	return 0;
}

/* What the files at changed paths held before and no longer hold is retracted. */
static int add_retractions(struct import_keys *k, const struct db_records *at_paths)
{
	for (size_t i = 0; i < at_paths->n; i++) {
		const struct db_record *old = &at_paths->v[i];
		int kept = has_key(&k->new_keys, old->kind, old->id);
		if (kept < 0)
			return -1;
		if (kept)
			continue;
		if (append_pair(k->retract, old->kind, old->id) < 0)
			return -1;
		if (strcmp(old->kind, "intervention") == 0 &&
		    (strset_add(&k->retracted, old->id) < 0 ||
		     append_str(k->gone_ivs, old->id) < 0))
			return -1;
	}
	strset_sort(&k->retracted);
	return 0;
}

int import_keys_build(struct import_keys *k, const struct import_check_in *in)
{
	memset(k, 0, sizeof(*k));
	if ((k->keys = json_array()) == NULL || (k->ref_keys = json_array()) == NULL ||
	    (k->gone_ivs = json_array()) == NULL || (k->retract = json_array()) == NULL)
		goto nomem;
	for (size_t i = 0; i < in->n_docs; i++)
		if (add_doc_keys(k, in->docs[i]) < 0)
			goto nomem;
	strset_sort(&k->new_keys);
	if (add_retractions(k, in->at_paths) < 0)
		goto nomem;
	return 0;
nomem:
	import_keys_free(k);
	return WW_ENOMEM;
}

void import_keys_free(struct import_keys *k)
{
	if (k == NULL)
		return;
	strset_free_all(&k->new_keys);
	strset_free(&k->retracted);
	json_decref(k->keys);
	json_decref(k->ref_keys);
	json_decref(k->gone_ivs);
	json_decref(k->retract);
	memset(k, 0, sizeof(*k));
}

void import_lookups_free(struct import_lookups *l)
{
	if (l == NULL)
		return;
	db_records_free(&l->same_keys);
	db_records_free(&l->named);
	db_records_free(&l->referencing);
	for (size_t i = 0; i < l->n_all_ids; i++)
		free(l->all_ids[i]);
	free(l->all_ids);
	memset(l, 0, sizeof(*l));
}

/* Interventions that exist after this run, bar those it defines (sorted). */
static int known_ids(struct strset *known, const struct import_keys *k,
                     const struct import_lookups *l)
{
	if (l->have_all_ids) {
		for (size_t i = 0; i < l->n_all_ids; i++)
			if (!strset_has(&k->retracted, l->all_ids[i]) &&
			    strset_add(known, l->all_ids[i]) < 0)
				return -1;
	} else {
		for (size_t i = 0; i < l->named.n; i++)
			if (!strset_has(&k->retracted, l->named.v[i].id) &&
			    strset_add(known, l->named.v[i].id) < 0)
				return -1;
	}
	strset_sort(known);
	return 0;
}

/* Intervention ids the run's own files define (sorted). */
static int here_ids(struct strset *here, const struct import_check_in *in)
{
	for (size_t i = 0; i < in->n_docs; i++)
		if (in->docs[i]->kind == EV_INTERVENTION && strset_add(here, in->docs[i]->id) < 0)
			return -1;
	strset_sort(here);
	return 0;
}

int import_needs_all_ids(const struct import_check_in *in, const struct import_keys *k,
                         const struct import_lookups *l)
{
	struct strset known = {0}, here = {0};
	int rc = 0;

	if (known_ids(&known, k, l) < 0 || here_ids(&here, in) < 0) {
		rc = WW_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < in->n_docs && rc == 0; i++) {
		const struct ev_doc *d = in->docs[i];
		if (d->kind == EV_EVALUATION && !strset_has(&known, d->intervention) &&
		    !strset_has(&here, d->intervention))
			rc = 1;
	}
cleanup:
	strset_free(&known);
	strset_free(&here);
	return rc;
}

/* Whether record o is replaced by this run: an update at a changed path, or a rename. */
static int replaced_here(const struct import_check_in *in, const struct db_record *o)
{
	return o->source_id == in->source_id &&
	       (strset_has(in->parsed_paths, o->path) || strset_has(in->gone_paths, o->path));
}

/* The same id held elsewhere: another file of this source, or another source. */
static int report_owners(const struct import_check_in *in, const struct db_records *same,
                         struct ev_errors *errs)
{
	for (size_t i = 0; i < same->n; i++) {
		const struct db_record *o = &same->v[i];
		if (replaced_here(in, o))
			continue;
		for (size_t j = 0; j < in->n_docs; j++) {
			const struct ev_doc *d = in->docs[j];
			int rc;
			if (strcmp(d->id, o->id) != 0 ||
			    strcmp(ev_kind_name(d->kind), o->kind) != 0)
				continue;
			if (o->source_id == in->source_id)
				rc = ev_errors_add(errs, d->path, d->line, d->col, "id",
				                   "duplicate id \"%s\" (also in %s)", d->id,
				                   o->path);
			else
				rc = ev_errors_add(
				    errs, d->path, d->line, d->col, "id",
				    "id \"%s\" is already owned by source \"%s\" (%s), "
				    "so source \"%s\" cannot import it; rename it or "
				    "remove it from one source",
				    d->id, o->source_name, o->path, in->source_name);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Evaluations name interventions that exist after the run (with "did you mean"). */
static int report_missing(const struct import_check_in *in, const struct import_keys *k,
                          const struct import_lookups *l, struct ev_errors *errs)
{
	struct strset known = {0};
	int rc = 0;

	if (known_ids(&known, k, l) < 0)
		rc = WW_ENOMEM;
	else if (ev_check_set(in->docs, in->n_docs, known.v, known.n, errs) == WW_ENOMEM)
		rc = WW_ENOMEM;
	strset_free(&known);
	return rc;
}

/* A removed intervention must not leave evaluations naming it. */
static int report_orphans(const struct import_check_in *in, const struct import_keys *k,
                          const struct db_records *referencing, struct ev_errors *errs)
{
	for (size_t i = 0; i < referencing->n; i++) {
		const struct db_record *ev = &referencing->v[i];
		const struct db_record *iv = NULL;
		int rewritten = has_key(&k->new_keys, "evaluation", ev->id);
		if (rewritten < 0)
			return WW_ENOMEM;
		if (rewritten || replaced_here(in, ev))
			continue;
		for (size_t j = 0; j < in->at_paths->n && iv == NULL; j++)
			if (strcmp(in->at_paths->v[j].kind, "intervention") == 0 &&
			    strcmp(in->at_paths->v[j].id, ev->ref) == 0)
				iv = &in->at_paths->v[j];
		if (ev_errors_add(errs, iv ? iv->path : ev->path, 0, 0, "",
		                  "intervention \"%s\" is removed but evaluation \"%s\" (%s) "
		                  "still names it",
		                  ev->ref, ev->id, ev->path) < 0)
			return WW_ENOMEM;
	}
	return 0;
}

/* What scoring must revisit: the interventions of new and replaced records. */
static int touched(struct import_verdict *out, const struct import_check_in *in)
{
	for (size_t i = 0; i < in->n_docs; i++) {
		const struct ev_doc *d = in->docs[i];
		if (d->kind == EV_INTERVENTION || d->kind == EV_EVALUATION) {
			const char *iv = d->kind == EV_INTERVENTION ? d->id : d->intervention;
			if (append_str(out->touched, iv) < 0)
				return -1;
		} else {
			out->reference_changed = 1;
		}
	}
	for (size_t i = 0; i < in->at_paths->n; i++) {
		const struct db_record *old = &in->at_paths->v[i];
		if (strcmp(old->kind, "intervention") == 0 ||
		    strcmp(old->kind, "evaluation") == 0) {
			const char *iv =
			    strcmp(old->kind, "intervention") == 0 ? old->id : old->ref;
			if (append_str(out->touched, iv) < 0)
				return -1;
		} else {
			out->reference_changed = 1;
		}
	}
	return 0;
}

int import_check(struct import_verdict *out, const struct import_check_in *in,
                 const struct import_keys *k, const struct import_lookups *l,
                 struct ev_errors *errs)
{
	memset(out, 0, sizeof(*out));
	if ((out->touched = json_array()) == NULL || report_owners(in, &l->same_keys, errs) < 0 ||
	    report_missing(in, k, l, errs) < 0 ||
	    report_orphans(in, k, &l->referencing, errs) < 0 || touched(out, in) < 0) {
		json_decref(out->touched);
		memset(out, 0, sizeof(*out));
		return WW_ENOMEM;
	}
	return 0;
}
