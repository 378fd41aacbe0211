/*
 * import_run.c - one import of a source into the evidence base, all or nothing
 *
 * The plan of one run, for every kind of source:
 *   1. lock the source, mark runs a crashed process left "running" as failed;
 *   2. fetch (the kind's callback): the changed documents (incremental), or
 *      every document, compared with the database by blob (full);
 *   3. parse and validate what changed; cross-check ids against the rest of
 *      the evidence base (duplicates, ids owned by another source, missing or
 *      removed interventions);
 *   4. when anything is wrong, record every error and change nothing; else
 *      retract, write and score in one transaction.
 * Records are keyed by kind and id, not path: a renamed file is a new version
 * of the same record, so its history carries on.
 */
#include "import_run.h"
#include "clock.h"
#include "import_check.h"
#include "db_score.h"
#include "db_sources.h"
#include "log.h"
#include "parallel.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Records changed by one run from which the planner statistics are refreshed. */
#define IMPORT_ANALYZE_AT 1000

struct run {
	PGconn *c;
	const struct import_changes *ch;
	const struct import_source_ops *ops;
	void *ctx;
	struct import_result *res;
	struct db_source *src;
	struct ev_doc **docs; /* parsed, valid files */
	const char **blobs;   /* each doc's blob id, borrowed from ch */
	size_t n_docs;
	struct strset parsed_paths; /* files parsed in this run */
	struct strset gone_paths;   /* files deleted in this run */
	struct db_records at_paths; /* current records at parsed or deleted paths */
	json_t *retract;            /* [[kind, id]] to retract */
	json_t *touched;            /* intervention ids whose evidence changed */
	int reference_changed;
	int files_rejected;
	int parse_threads; /* import_control.parse_threads */
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_docs; i++)
		ev_doc_free(r->docs[i]);
	free(r->docs);
	free(r->blobs);
	free(r->parsed_paths.v);
	free(r->gone_paths.v);
	db_records_free(&r->at_paths);
	json_decref(r->retract);
	json_decref(r->touched);
}

/* Parses change i; a document that does not parse adds its errors and counts as rejected. */
static int parse_entry(struct run *r, size_t i, struct err *e)
{
	struct ev_doc *doc = NULL;
	int rc = r->ops->parse(r->ctx, i, &doc, &r->res->errs, e);

	if (rc == WW_EINVALID) {
		r->files_rejected++;
		return 0;
	}
	if (rc < 0)
		return rc;
	r->blobs[r->n_docs] = r->ch->v[i].blob;
	r->docs[r->n_docs++] = doc;
	return 0;
}

/* One change parsed on its own, merged into the run in change order afterwards. */
struct parse_slot {
	size_t i; /* index into ch->v */
	struct ev_doc *doc;
	struct ev_errors errs;
	struct err e;
	int rc;
	int done;
};

struct parse_batch {
	const struct import_source_ops *ops;
	const void *ctx;
	struct parse_slot *v;
};

static int fatal(int rc)
{
	return rc < 0 && rc != WW_EINVALID;
}

/* On any thread: everything it touches is slot k's own, or ctx only read. */
static int batch_work(void *ctx, size_t k)
{
	struct parse_batch *b = ctx;
	struct parse_slot *s = &b->v[k];

	s->rc = b->ops->parse(b->ctx, s->i, &s->doc, &s->errs, &s->e);
	s->done = 1;
	return fatal(s->rc);
}

/* Adds slot s to the run exactly as parse_entry would have. */
static int merge_slot(struct run *r, struct parse_slot *s, struct err *e)
{
	struct ev_errors *all = &r->res->errs;

	assert(s->done);
	if (fatal(s->rc))
		return err_set(e, s->rc, "%s", s->e.msg);
	/*
	 * The cap on kept errors falls inside this file: which of its errors
	 * are kept depends on how many came before, so parse it again here,
	 * into the run's list, as one thread does. Happens once at most.
	 */
	if (all->n < EV_MAX_ERRORS && (s->errs.dropped > 0 || all->n + s->errs.n > EV_MAX_ERRORS)) {
		ev_doc_free(s->doc);
		s->doc = NULL;
		return parse_entry(r, s->i, e);
	}
	if (ev_errors_move(all, &s->errs) < 0)
		return err_set(e, WW_ENOMEM, "out of memory");
	if (s->rc == WW_EINVALID) {
		r->files_rejected++;
		return 0;
	}
	r->blobs[r->n_docs] = r->ch->v[s->i].blob;
	r->docs[r->n_docs++] = s->doc;
	s->doc = NULL;
	return 0;
}

/*
 * Parses the changed files: one after the other for a small batch, else on
 * several threads, each into its own slot, merged in change order so
 * documents, errors and counts are those of one thread.
 */
static int parse_changes(struct run *r, struct err *e)
{
	const struct import_changes *ch = r->ch;
	struct parse_slot *slots = NULL;
	size_t n = 0;
	int threads, rc = 0;

	for (size_t i = 0; i < ch->n; i++)
		if (!ch->v[i].deleted && strset_has(&r->parsed_paths, ch->v[i].path))
			n++;
	threads = par_threads(n, r->parse_threads);
	if (threads <= 1 || (slots = calloc(n, sizeof(*slots))) == NULL) {
		for (size_t i = 0; i < ch->n && rc == 0; i++)
			if (!ch->v[i].deleted && strset_has(&r->parsed_paths, ch->v[i].path))
				rc = parse_entry(r, i, e);
		return rc;
	}
	for (size_t i = 0, k = 0; i < ch->n; i++)
		if (!ch->v[i].deleted && strset_has(&r->parsed_paths, ch->v[i].path))
			slots[k++].i = i;
	/* jansson seeds its hash once; do it before the threads make objects */
	json_object_seed(0);
	struct parse_batch b = {r->ops, r->ctx, slots};
	struct par_ops po = {NULL, batch_work};
	par_run(n, threads, &po, &b);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = merge_slot(r, &slots[k], e);
	for (size_t k = 0; k < n; k++) {
		ev_doc_free(slots[k].doc);
		ev_errors_free(&slots[k].errs);
	}
	free(slots);
	return rc;
}

static int cmp_record_path(const void *a, const void *b)
{
	return strcmp(((const struct db_record *)a)->path, ((const struct db_record *)b)->path);
}

static int nomem(struct err *e)
{
	return err_set(e, WW_ENOMEM, "out of memory");
}

/* Step 2: which files to parse, which are gone; the records now at those paths. */
static int plan(struct run *r, struct err *e)
{
	const struct import_changes *s = r->ch;
	struct db_records all = {0};
	struct strset tree_paths = {0};
	json_t *paths = NULL;
	int rc = 0;

	if ((r->docs = calloc(s->n + 1, sizeof(*r->docs))) == NULL ||
	    (r->blobs = calloc(s->n + 1, sizeof(*r->blobs))) == NULL)
		return nomem(e);
	if (s->incremental) {
		if ((paths = json_array()) == NULL)
			return nomem(e);
		for (size_t i = 0; i < s->n; i++) {
			const struct import_change *en = &s->v[i];
			if (strset_add(en->deleted ? &r->gone_paths : &r->parsed_paths, en->path) <
			        0 ||
			    json_array_append_new(paths, json_string(en->path)) < 0) {
				rc = nomem(e);
				goto cleanup;
			}
		}
		rc = db_current_by_paths(&r->at_paths, r->c, r->src->id, paths, e);
		goto cleanup;
	}
	/* full or rewritten: compare every file of the tree with the database by blob */
	if ((rc = db_current_by_paths(&all, r->c, r->src->id, NULL, e)) < 0)
		goto cleanup;
	if (all.n > 1)
		qsort(all.v, all.n, sizeof(*all.v), cmp_record_path);
	for (size_t i = 0; i < s->n; i++)
		if (strset_add(&tree_paths, s->v[i].path) < 0) {
			rc = nomem(e);
			goto cleanup;
		}
	strset_sort(&tree_paths);
	/* a path whose record has the same blob is unchanged and not parsed */
	for (size_t i = 0; i < s->n; i++) {
		const struct import_change *en = &s->v[i];
		struct db_record probe = {.path = (char *)en->path};
		const struct db_record *have =
		    all.n ? bsearch(&probe, all.v, all.n, sizeof(*all.v), cmp_record_path) : NULL;
		if (have != NULL && strcmp(have->blob, en->blob) == 0) {
			r->res->n.unchanged++;
			continue;
		}
		if (strset_add(&r->parsed_paths, en->path) < 0) {
			rc = nomem(e);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < all.n; i++)
		if (!strset_has(&tree_paths, all.v[i].path) &&
		    strset_add(&r->gone_paths, all.v[i].path) < 0) {
			rc = nomem(e);
			goto cleanup;
		}
	/* the records at parsed or gone paths, taken from `all` (no second query) */
	strset_sort(&r->parsed_paths);
	strset_sort(&r->gone_paths);
	r->at_paths.v = calloc(all.n + 1, sizeof(*r->at_paths.v));
	if (r->at_paths.v == NULL) {
		rc = nomem(e);
		goto cleanup;
	}
	for (size_t i = 0; i < all.n; i++) {
		if (!strset_has(&r->parsed_paths, all.v[i].path) &&
		    !strset_has(&r->gone_paths, all.v[i].path))
			continue;
		r->at_paths.v[r->at_paths.n] = all.v[i];
		all.v[i].path = NULL; /* moved */
		r->at_paths.n++;
	}
cleanup:
	strset_sort(&r->parsed_paths);
	strset_sort(&r->gone_paths);
	free(tree_paths.v);
	db_records_free(&all);
	json_decref(paths);
	return rc;
}

/* The run as the cross-checks see it. */
static struct import_check_in check_in(const struct run *r)
{
	return (struct import_check_in){.source_id = r->src->id,
	                                .source_name = r->src->name,
	                                .docs = r->docs,
	                                .n_docs = r->n_docs,
	                                .at_paths = &r->at_paths,
	                                .parsed_paths = &r->parsed_paths,
	                                .gone_paths = &r->gone_paths};
}

/* Step 3a: what the cross-checks need from the database, all of it first. */
static int gather(struct run *r, const struct import_keys *k, struct import_lookups *l,
                  struct err *e)
{
	struct import_check_in in = check_in(r);
	int rc;

	if ((rc = db_current_by_keys(&l->same_keys, r->c, k->keys, e)) < 0)
		return rc;
	if (json_array_size(k->ref_keys) > 0 &&
	    (rc = db_current_by_keys(&l->named, r->c, k->ref_keys, e)) < 0)
		return rc;
	/* a name that resolves nowhere: take every id, for "did you mean" */
	if ((rc = import_needs_all_ids(&in, k, l)) < 0)
		return nomem(e);
	if (rc == 1) {
		if ((rc = db_intervention_ids(&l->all_ids, &l->n_all_ids, r->c, e)) < 0)
			return rc;
		l->have_all_ids = 1;
	}
	if (json_array_size(k->gone_ivs) > 0 &&
	    (rc = db_current_referencing(&l->referencing, r->c, k->gone_ivs, e)) < 0)
		return rc;
	return 0;
}

/* Step 3: parse what changed, gather the lookups, then cross-check (import_check). */
static int validate(struct run *r, struct err *e)
{
	struct import_check_in in;
	struct import_keys k = {0};
	struct import_lookups l = {0};
	struct import_verdict v = {0};
	int rc;

	if ((rc = parse_changes(r, e)) < 0)
		return rc;
	in = check_in(r);
	if (import_keys_build(&k, &in) < 0)
		return nomem(e);
	if ((rc = gather(r, &k, &l, e)) < 0)
		goto cleanup;
	if (import_check(&v, &in, &k, &l, &r->res->errs) < 0) {
		rc = nomem(e);
		goto cleanup;
	}
	r->retract = json_incref(k.retract);
	r->touched = v.touched;
	r->reference_changed = v.reference_changed;
cleanup:
	import_keys_free(&k);
	import_lookups_free(&l);
	return rc;
}

/* Step 4: write everything in one transaction. */
static int write_all(struct run *r, struct err *e)
{
	struct db_commit_meta m = {r->ch->commit, r->ch->author, r->ch->committed_at};
	struct db_doc *docs = calloc(r->n_docs + 1, sizeof(*docs));
	struct strset old_keys = {0};
	struct db_score_job *scoring = NULL;
	json_t *closing = NULL;
	size_t n_ref = 0; /* reference documents, at the start of docs */
	int rc = 0;

	if (docs == NULL)
		return nomem(e);
	for (size_t i = 0; i < r->at_paths.n && rc == 0; i++) {
		char *k = import_key(r->at_paths.v[i].kind, r->at_paths.v[i].id);
		if (k == NULL || strset_add(&old_keys, k) < 0) {
			free(k);
			rc = nomem(e);
		}
	}
	strset_sort(&old_keys);
	for (size_t i = 0; i < r->n_docs && rc == 0; i++) {
		const struct ev_doc *d = r->docs[i];
		char *k = import_key(ev_kind_name(d->kind), d->id);
		/* an update when the same record was at one of the changed paths */
		if (k != NULL && strset_has(&old_keys, k))
			r->res->n.updated++;
		else
			r->res->n.added++;
		free(k);
	}
	/* reference data first, then interventions and evaluations */
	for (int pass = 0; pass < 2 && rc == 0; pass++)
		for (size_t i = 0; i < r->n_docs; i++) {
			const struct ev_doc *d = r->docs[i];
			int reference = d->kind != EV_INTERVENTION && d->kind != EV_EVALUATION;
			if (reference != (pass == 0))
				continue;
			docs[n_ref++] = (struct db_doc){ev_kind_name(d->kind), d->id, d->path,
			                                r->blobs[i], d->body};
		}
	n_ref = 0;
	while (n_ref < r->n_docs && strcmp(docs[n_ref].kind, "intervention") != 0 &&
	       strcmp(docs[n_ref].kind, "evaluation") != 0)
		n_ref++;
	r->res->n.removed = (int)json_array_size(r->retract);
	/*
	 * What this run retracts, then what it replaces, closed in one go. Only
	 * a record that was at a changed path can be replaced: the same key
	 * anywhere else was rejected as a duplicate, so a new one closes nothing.
	 */
	if (rc == 0 && (closing = json_deep_copy(r->retract)) == NULL)
		rc = nomem(e);
	for (size_t i = 0; i < r->n_docs && rc == 0; i++) {
		char *k = import_key(docs[i].kind, docs[i].id);
		if (k == NULL || (strset_has(&old_keys, k) &&
		                  json_array_append_new(
		                      closing, json_pack("[ss]", docs[i].kind, docs[i].id)) < 0))
			rc = nomem(e);
		free(k);
	}
	if (rc < 0 || (rc = db_begin(r->c, e)) < 0)
		goto cleanup;
	/*
	 * Readers never see evidence without its scores: same transaction. The
	 * reference data goes first, since scoring reads it; scoring starts from
	 * the records this run leaves and its own documents, and runs on its
	 * threads while the interventions and evaluations are written.
	 */
	if ((rc = db_records_retract(r->c, r->res->run_id, r->ch->commit, closing, e)) < 0 ||
	    (rc = db_records_write(r->c, r->res->run_id, r->src->id, &m, docs, n_ref, e)) < 0 ||
	    (rc = db_score_start(&scoring, r->c, r->res->run_id, r->touched, r->reference_changed,
	                         docs + n_ref, r->n_docs - n_ref, e)) < 0 ||
	    (rc = db_records_write(r->c, r->res->run_id, r->src->id, &m, docs + n_ref,
	                           r->n_docs - n_ref, e)) < 0 ||
	    (rc = db_source_advance(r->c, r->src->id,
	                            r->ch->position ? r->ch->position : r->ch->commit,
	                            r->res->run_id, e)) < 0)
		goto rollback;
	rc = db_score_finish(scoring, r->c, NULL, e);
	scoring = NULL;
	if (rc < 0 ||
	    (rc = db_run_finish(r->c, r->res->run_id, "succeeded", r->ch->mode, r->ch->commit,
	                        r->res->previous, &r->res->n, NULL, e)) < 0)
		goto rollback;
	rc = db_commit(r->c, e);
	goto cleanup;
rollback:
	db_score_cancel(scoring);
	db_rollback(r->c);
cleanup:
	strset_free_all(&old_keys);
	free(docs);
	json_decref(closing);
	return rc;
}

/* Records a failed run; the original error stays in e. */
static void fail_run(struct run *r, struct err *e)
{
	struct err ignore = {0};

	snprintf(r->res->status, sizeof(r->res->status), "failed");
	/* nothing a failed run wrote was kept */
	memset(&r->res->n, 0, sizeof(r->res->n));
	db_run_finish(r->c, r->res->run_id, "failed", r->res->mode, r->res->commit,
	              r->res->previous, &r->res->n, e->msg, &ignore);
}

/* Takes the source's lock, or says (1) that this run should be skipped. */
static int lock_source(PGconn *c, const struct db_source *src, const struct import_control *ctl,
                       struct err *e)
{
	int rc;

	if (ctl == NULL || !ctl->skip_if_busy) {
		const char *t = getenv("WHATWORKS_IMPORT_LOCK_TIMEOUT");
		return db_source_lock_wait(c, src->id, src->name,
		                           t && t[0] ? atoi(t) : IMPORT_LOCK_TIMEOUT_S, e);
	}
	if ((rc = db_source_trylock(c, src->id, e)) < 0)
		return rc;
	return rc == 1 ? 0 : 1;
}

int import_run(PGconn *c, struct db_source *src, const char *trigger,
               const struct import_control *ctl, const struct import_source_ops *ops, void *ctx,
               struct import_result *res, struct err *e)
{
	struct import_changes ch = {0};
	struct run r = {.c = c,
	                .ch = &ch,
	                .ops = ops,
	                .ctx = ctx,
	                .res = res,
	                .src = src,
	                .parse_threads = ctl != NULL ? ctl->parse_threads : 0};
	double t0 = clock_ms();
	int locked = 0, rc;

	memset(res, 0, sizeof(*res));
	if ((rc = db_source_ensure(c, src, e)) < 0)
		return rc;
	if ((rc = lock_source(c, src, ctl, e)) < 0)
		return rc;
	if (rc == 0)
		locked = 1;
	if (rc == 0 && ctl != NULL && ctl->skip_if_ran_within_s > 0) {
		rc = db_source_ran_within(c, src->id, ctl->skip_if_ran_within_s, e);
		if (rc < 0)
			goto cleanup;
	}
	if (rc == 1) {
		snprintf(res->status, sizeof(res->status), "skipped");
		rc = IMPORT_SKIPPED;
		goto cleanup;
	}
	if ((rc = db_runs_fail_stale(c, src->id, e)) < 0 ||
	    (rc = db_source_refresh(c, src, e)) < 0 ||
	    (rc = db_run_start(c, src->id, trigger ? trigger : "manual", &res->run_id, e)) < 0)
		goto cleanup;
	snprintf(res->previous, sizeof(res->previous), "%s", src->last_commit);

	double t_fetch = clock_ms();
	rc = ops->fetch(ctx, src, &ch, e);
	t_fetch = clock_ms() - t_fetch;
	if (rc < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	if (ch.previous != NULL)
		snprintf(res->previous, sizeof(res->previous), "%s", ch.previous);
	snprintf(res->mode, sizeof(res->mode), "%s", ch.mode);
	snprintf(res->commit, sizeof(res->commit), "%s", ch.commit ? ch.commit : "");
	if (strcmp(ch.mode, "unchanged") == 0) {
		snprintf(res->status, sizeof(res->status), "succeeded");
		rc = db_run_finish(c, res->run_id, "succeeded", res->mode, res->commit,
		                   res->previous, &res->n, ch.message, e);
		goto cleanup;
	}
	double t_plan = clock_ms();
	if ((rc = plan(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	double t_parse = clock_ms();
	t_plan = t_parse - t_plan;
	if ((rc = validate(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	t_parse = clock_ms() - t_parse;
	if (res->errs.n > 0) {
		struct err ignore = {0};
		res->n.rejected = r.files_rejected > 0 ? r.files_rejected : 1;
		res->n.added = res->n.updated = res->n.removed = 0;
		snprintf(res->status, sizeof(res->status), "rejected");
		char msg[128];
		snprintf(
		    msg, sizeof(msg), "%zu errors; nothing imported, commit %.12s stays current",
		    res->errs.n + res->errs.dropped, res->previous[0] ? res->previous : "(none)");
		db_run_errors(c, res->run_id, &res->errs, &ignore);
		db_run_finish(c, res->run_id, "rejected", res->mode, res->commit, res->previous,
		              &res->n, msg, &ignore);
		rc = err_set(e, WW_EINVALID, "commit %.12s rejected: %zu errors", res->commit,
		             res->errs.n + res->errs.dropped);
		goto cleanup;
	}
	double t_write = clock_ms();
	if ((rc = write_all(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	t_write = clock_ms() - t_write;
	/*
	 * After a large change the planner's statistics are stale until autovacuum
	 * gets round to it, and the next one-file import is planned as a scan of
	 * every record. Refresh them now, after the commit (readers are not kept
	 * waiting); a failure here costs speed, not correctness.
	 */
	double t_analyze = 0;
	if (res->n.added + res->n.updated + res->n.removed >= IMPORT_ANALYZE_AT) {
		struct err ignore = {0};
		t_analyze = clock_ms();
		db_analyze_evidence(c, &ignore);
		t_analyze = clock_ms() - t_analyze;
	}
	log_info("import timing",
	         "run=%lld source=\"%s\" fetch_ms=%.1f plan_ms=%.1f parse_ms=%.1f write_ms=%.1f "
	         "analyze_ms=%.1f",
	         res->run_id, src->name, t_fetch, t_plan, t_parse, t_write, t_analyze);
	snprintf(res->status, sizeof(res->status), "succeeded");
cleanup:
	res->duration_ms = clock_ms() - t0;
	if (locked)
		db_source_unlock(c, src->id);
	run_free(&r);
	return rc;
}

void import_result_free(struct import_result *res)
{
	if (res != NULL)
		ev_errors_free(&res->errs);
}
