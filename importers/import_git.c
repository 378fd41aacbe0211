/*
 * import_git.c - a git commit into the evidence base, all or nothing
 *
 * The plan of one run:
 *   1. lock the source, mark runs a crashed process left "running" as failed;
 *   2. snapshot the commit: the changed files (incremental), or every file
 *      compared with the database by blob id (first import, force push);
 *   3. parse and validate what changed; cross-check ids against the rest of
 *      the evidence base (duplicates, missing or removed interventions);
 *   4. when anything is wrong, record every error and change nothing; else
 *      retract, write and score in one transaction.
 * Records are keyed by kind and id, not path: a renamed file is a new version
 * of the same record, so its history carries on.
 */
#include "import.h"
#include "db_score.h"
#include "gitsrc.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted set of borrowed strings. */
struct strset {
	const char **v;
	size_t n, cap;
};

static int strset_add(struct strset *s, const char *x)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		const char **nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = x;
	return 0;
}

static void strset_sort(struct strset *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

static int strset_has(const struct strset *s, const char *x)
{
	return s->n > 0 && bsearch(&x, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

/* "kind\x1fid" keys, owned. */
static char *key_of(const char *kind, const char *id)
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

struct run {
	PGconn *c;
	const struct import_git_opts *o;
	struct import_result *res;
	struct db_source src;
	struct gitsrc_snapshot *snap;
	struct ev_doc **docs; /* parsed, valid files */
	const char **blobs;   /* each doc's blob id, borrowed from snap */
	size_t n_docs;
	struct strset parsed_paths; /* files parsed in this run */
	struct strset gone_paths;   /* files deleted in this run */
	struct strset new_keys;     /* kind\x1fid of docs (owned strings) */
	struct db_records at_paths; /* current records at parsed or deleted paths */
	json_t *retract;            /* [[kind, id]] to retract */
	json_t *touched;            /* intervention ids whose evidence changed */
	int reference_changed;
	int files_rejected;
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_docs; i++)
		ev_doc_free(r->docs[i]);
	free(r->docs);
	free(r->blobs);
	free(r->parsed_paths.v);
	free(r->gone_paths.v);
	for (size_t i = 0; i < r->new_keys.n; i++)
		free((char *)r->new_keys.v[i]);
	free(r->new_keys.v);
	db_records_free(&r->at_paths);
	json_decref(r->retract);
	json_decref(r->touched);
	gitsrc_snapshot_free(r->snap);
}

static void default_name(char *out, size_t size, const struct import_git_opts *o)
{
	const char *loc = o->location;
	const char *base = strrchr(loc, '/');
	size_t n;

	base = (base && base[1]) ? base + 1 : loc;
	snprintf(out, size, "git:%s", base);
	n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".git") == 0)
		out[n - 4] = '\0';
	if (o->subpath && o->subpath[0]) {
		n = strlen(out);
		snprintf(out + n, size - n, "/%s", o->subpath);
	}
}

/* Parses one file; a file that does not parse adds its errors and counts as rejected. */
static int parse_entry(struct run *r, const struct gitsrc_entry *en, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	struct ev_doc *doc = NULL;
	struct err re = {0};
	int rc = gitsrc_read(r->snap, en->blob, &buf, &len, &re);

	if (rc == WW_EINVALID) {
		r->files_rejected++;
		return ev_errors_add(&r->res->errs, en->path, 0, 0, "", "%s", re.msg) < 0
		           ? err_set(e, WW_ENOMEM, "out of memory")
		           : 0;
	}
	if (rc < 0)
		return err_set(e, rc, "%s", re.msg);
	rc = ev_parse(&doc, en->path, buf, len, &r->res->errs);
	free(buf);
	if (rc == WW_EINVALID) {
		r->files_rejected++;
		return 0;
	}
	if (rc < 0)
		return err_set(e, rc, "out of memory parsing \"%s\"", en->path);
	r->blobs[r->n_docs] = en->blob;
	r->docs[r->n_docs++] = doc;
	return 0;
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
	struct gitsrc_snapshot *s = r->snap;
	struct db_records all = {0};
	struct strset tree_paths = {0};
	json_t *paths = NULL;
	int rc = 0;

	if ((r->docs = calloc(s->n_entries + 1, sizeof(*r->docs))) == NULL ||
	    (r->blobs = calloc(s->n_entries + 1, sizeof(*r->blobs))) == NULL)
		return nomem(e);
	if (s->mode == GITSRC_INCREMENTAL) {
		if ((paths = json_array()) == NULL)
			return nomem(e);
		for (size_t i = 0; i < s->n_entries; i++) {
			struct gitsrc_entry *en = &s->entries[i];
			if (strset_add(en->status == GITSRC_DELETED ? &r->gone_paths
			                                            : &r->parsed_paths,
			               en->path) < 0 ||
			    json_array_append_new(paths, json_string(en->path)) < 0) {
				rc = nomem(e);
				goto cleanup;
			}
		}
		rc = db_current_by_paths(&r->at_paths, r->c, r->src.id, paths, e);
		goto cleanup;
	}
	/* full or rewritten: compare every file of the tree with the database by blob */
	if ((rc = db_current_by_paths(&all, r->c, r->src.id, NULL, e)) < 0)
		goto cleanup;
	if (all.n > 1)
		qsort(all.v, all.n, sizeof(*all.v), cmp_record_path);
	for (size_t i = 0; i < s->n_entries; i++)
		if (strset_add(&tree_paths, s->entries[i].path) < 0) {
			rc = nomem(e);
			goto cleanup;
		}
	strset_sort(&tree_paths);
	/* a path whose record has the same blob is unchanged and not parsed */
	for (size_t i = 0; i < s->n_entries; i++) {
		struct gitsrc_entry *en = &s->entries[i];
		struct db_record probe = {.path = en->path};
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

/* Step 3: parse what changed and cross-check it against the evidence base. */
static int validate(struct run *r, struct err *e)
{
	struct gitsrc_snapshot *s = r->snap;
	struct db_records others = {0}, refs = {0};
	json_t *keys = NULL, *ref_keys = NULL, *gone_ivs = NULL;
	struct strset retracted = {0}; /* intervention ids retracted by this run */
	struct strset known = {0};     /* intervention ids that exist after this run */
	struct strset here = {0};      /* intervention ids defined by this run's files */
	char **all_ids = NULL;
	size_t n_all = 0;
	int rc = 0;

	for (size_t i = 0; i < s->n_entries; i++) {
		struct gitsrc_entry *en = &s->entries[i];
		if (en->status == GITSRC_DELETED || !strset_has(&r->parsed_paths, en->path))
			continue;
		if ((rc = parse_entry(r, en, e)) < 0)
			return rc;
	}
	if ((keys = json_array()) == NULL || (r->retract = json_array()) == NULL ||
	    (r->touched = json_array()) == NULL || (ref_keys = json_array()) == NULL ||
	    (gone_ivs = json_array()) == NULL) {
		rc = nomem(e);
		goto cleanup;
	}
	for (size_t i = 0; i < r->n_docs; i++) {
		const char *kind = ev_kind_name(r->docs[i]->kind);
		char *k = key_of(kind, r->docs[i]->id);
		if (k == NULL || strset_add(&r->new_keys, k) < 0) {
			free(k);
			rc = nomem(e);
			goto cleanup;
		}
		json_array_append_new(keys, json_pack("[ss]", kind, r->docs[i]->id));
		if (r->docs[i]->kind == EV_EVALUATION)
			json_array_append_new(
			    ref_keys, json_pack("[ss]", "intervention", r->docs[i]->intervention));
	}
	strset_sort(&r->new_keys);

	/* what the files at changed paths held before and no longer hold is retracted */
	for (size_t i = 0; i < r->at_paths.n; i++) {
		const struct db_record *old = &r->at_paths.v[i];
		char *k = key_of(old->kind, old->id);
		int kept = k && strset_has(&r->new_keys, k);
		free(k);
		if (kept)
			continue;
		json_array_append_new(r->retract, json_pack("[ss]", old->kind, old->id));
		if (strcmp(old->kind, "intervention") == 0) {
			strset_add(&retracted, old->id);
			json_array_append_new(gone_ivs, json_string(old->id));
		}
	}
	strset_sort(&retracted);

	/* the same id held elsewhere: another file of this source, or another source */
	if ((rc = db_current_by_keys(&others, r->c, keys, e)) < 0)
		goto cleanup;
	for (size_t i = 0; i < others.n; i++) {
		const struct db_record *o = &others.v[i];
		if (o->source_id == r->src.id &&
		    (strset_has(&r->parsed_paths, o->path) || strset_has(&r->gone_paths, o->path)))
			continue; /* replaced by this run: an update, or a rename */
		for (size_t j = 0; j < r->n_docs; j++) {
			const struct ev_doc *d = r->docs[j];
			if (strcmp(d->id, o->id) != 0 ||
			    strcmp(ev_kind_name(d->kind), o->kind) != 0)
				continue;
			if (o->source_id == r->src.id)
				ev_errors_add(&r->res->errs, d->path, d->line, d->col, "id",
				              "duplicate id \"%s\" (also in %s)", d->id, o->path);
			else
				ev_errors_add(&r->res->errs, d->path, d->line, d->col, "id",
				              "id \"%s\" is already owned by source \"%s\" (%s); "
				              "rename it or remove it from one source",
				              d->id, o->source_name, o->path);
		}
	}

	/* interventions named by new evaluations that exist and stay */
	if (json_array_size(ref_keys) > 0) {
		if ((rc = db_current_by_keys(&refs, r->c, ref_keys, e)) < 0)
			goto cleanup;
		for (size_t i = 0; i < refs.n; i++)
			if (!strset_has(&retracted, refs.v[i].id))
				strset_add(&known, refs.v[i].id);
		strset_sort(&known);
	}
	/* a name that resolves nowhere: take every id, for "did you mean" */
	for (size_t i = 0; i < r->n_docs; i++)
		if (r->docs[i]->kind == EV_INTERVENTION && strset_add(&here, r->docs[i]->id) < 0) {
			rc = nomem(e);
			goto cleanup;
		}
	strset_sort(&here);
	for (size_t i = 0; i < r->n_docs; i++) {
		const struct ev_doc *d = r->docs[i];
		if (d->kind != EV_EVALUATION || strset_has(&known, d->intervention) ||
		    strset_has(&here, d->intervention))
			continue;
		if ((rc = db_intervention_ids(&all_ids, &n_all, r->c, e)) < 0)
			goto cleanup;
		free(known.v);
		memset(&known, 0, sizeof(known));
		for (size_t j = 0; j < n_all; j++)
			if (!strset_has(&retracted, all_ids[j]))
				strset_add(&known, all_ids[j]);
		strset_sort(&known);
		break;
	}
	if (ev_check_set(r->docs, r->n_docs, known.v, known.n, &r->res->errs) == WW_ENOMEM) {
		rc = nomem(e);
		goto cleanup;
	}

	/* a removed intervention must not leave evaluations naming it */
	if (json_array_size(gone_ivs) > 0) {
		db_records_free(&refs);
		if ((rc = db_current_referencing(&refs, r->c, gone_ivs, e)) < 0)
			goto cleanup;
		for (size_t i = 0; i < refs.n; i++) {
			const struct db_record *ev = &refs.v[i];
			char *k = key_of("evaluation", ev->id);
			int handled = (k && strset_has(&r->new_keys, k)) ||
			              (ev->source_id == r->src.id &&
			               (strset_has(&r->parsed_paths, ev->path) ||
			                strset_has(&r->gone_paths, ev->path)));
			free(k);
			if (handled)
				continue;
			const struct db_record *iv = NULL;
			for (size_t j = 0; j < r->at_paths.n && iv == NULL; j++)
				if (strcmp(r->at_paths.v[j].kind, "intervention") == 0 &&
				    strcmp(r->at_paths.v[j].id, ev->ref) == 0)
					iv = &r->at_paths.v[j];
			ev_errors_add(&r->res->errs, iv ? iv->path : ev->path, 0, 0, "",
			              "intervention \"%s\" is removed but evaluation \"%s\" (%s) "
			              "still names it",
			              ev->ref, ev->id, ev->path);
		}
	}

	/* what scoring must revisit */
	for (size_t i = 0; i < r->n_docs; i++) {
		const struct ev_doc *d = r->docs[i];
		if (d->kind == EV_INTERVENTION)
			json_array_append_new(r->touched, json_string(d->id));
		else if (d->kind == EV_EVALUATION)
			json_array_append_new(r->touched, json_string(d->intervention));
		else
			r->reference_changed = 1;
	}
	for (size_t i = 0; i < r->at_paths.n; i++) {
		const struct db_record *old = &r->at_paths.v[i];
		if (strcmp(old->kind, "intervention") == 0)
			json_array_append_new(r->touched, json_string(old->id));
		else if (strcmp(old->kind, "evaluation") == 0)
			json_array_append_new(r->touched, json_string(old->ref));
		else
			r->reference_changed = 1;
	}
cleanup:
	for (size_t i = 0; i < n_all; i++)
		free(all_ids[i]);
	free(all_ids);
	free(retracted.v);
	free(known.v);
	free(here.v);
	db_records_free(&others);
	db_records_free(&refs);
	json_decref(keys);
	json_decref(ref_keys);
	json_decref(gone_ivs);
	return rc;
}

/* Step 4: write everything in one transaction. */
static int write_all(struct run *r, struct err *e)
{
	struct db_commit_meta m = {r->snap->commit, r->snap->author, r->snap->commit_time};
	json_t *docs = json_array();
	struct strset old_keys = {0};
	int rc = 0;

	if (docs == NULL)
		return nomem(e);
	for (size_t i = 0; i < r->at_paths.n && rc == 0; i++) {
		char *k = key_of(r->at_paths.v[i].kind, r->at_paths.v[i].id);
		if (k == NULL || strset_add(&old_keys, k) < 0) {
			free(k);
			rc = nomem(e);
		}
	}
	strset_sort(&old_keys);
	for (size_t i = 0; i < r->n_docs && rc == 0; i++) {
		const struct ev_doc *d = r->docs[i];
		char *k = key_of(ev_kind_name(d->kind), d->id);
		/* an update when the same record was at one of the changed paths */
		if (k != NULL && strset_has(&old_keys, k))
			r->res->n.updated++;
		else
			r->res->n.added++;
		free(k);
		json_array_append_new(docs,
		                      json_pack("{s:s, s:s, s:s, s:s, s:O}", "kind",
		                                ev_kind_name(d->kind), "id", d->id, "path", d->path,
		                                "blob", r->blobs[i], "body", d->body));
	}
	r->res->n.removed = (int)json_array_size(r->retract);
	if (rc < 0 || (rc = db_begin(r->c, e)) < 0)
		goto cleanup;
	if ((rc = db_records_retract(r->c, r->res->run_id, r->snap->commit, r->retract, e)) < 0 ||
	    (rc = db_records_write(r->c, r->res->run_id, r->src.id, &m, docs, e)) < 0 ||
	    (rc = db_source_advance(r->c, r->src.id, r->snap->commit, r->res->run_id, e)) < 0)
		goto rollback;
	/* readers never see evidence without its scores: same transaction */
	if ((rc = db_score_refresh(r->c, r->res->run_id, r->touched, r->reference_changed, NULL,
	                           e)) < 0)
		goto rollback;
	if ((rc = db_run_finish(r->c, r->res->run_id, "succeeded", gitsrc_mode_name(r->snap->mode),
	                        r->snap->commit, r->src.last_commit, &r->res->n, NULL, e)) < 0)
		goto rollback;
	rc = db_commit(r->c, e);
	goto cleanup;
rollback:
	db_rollback(r->c);
cleanup:
	for (size_t i = 0; i < old_keys.n; i++)
		free((char *)old_keys.v[i]);
	free(old_keys.v);
	json_decref(docs);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Records a failed run; the original error stays in e. */
static void fail_run(struct run *r, struct err *e)
{
	struct err ignore = {0};

	snprintf(r->res->status, sizeof(r->res->status), "failed");
	db_run_finish(r->c, r->res->run_id, "failed", r->res->mode, r->res->commit,
	              r->src.last_commit, &r->res->n, e->msg, &ignore);
}

int import_git(PGconn *c, const struct import_git_opts *o, struct import_result *res, struct err *e)
{
	struct run r = {.c = c, .o = o, .res = res};
	double t0 = now_ms();
	int locked = 0, rc;

	memset(res, 0, sizeof(*res));
	snprintf(r.src.kind, sizeof(r.src.kind), "git");
	if (o->name && o->name[0])
		snprintf(r.src.name, sizeof(r.src.name), "%s", o->name);
	else
		default_name(r.src.name, sizeof(r.src.name), o);
	snprintf(r.src.location, sizeof(r.src.location), "%s", o->location);
	snprintf(r.src.ref, sizeof(r.src.ref), "%s", o->ref ? o->ref : "");
	snprintf(r.src.subpath, sizeof(r.src.subpath), "%s", o->subpath ? o->subpath : "");

	if ((rc = db_source_ensure(c, &r.src, e)) < 0)
		return rc;
	if ((rc = db_source_lock(c, r.src.id, e)) < 0)
		return rc;
	locked = 1;
	if ((rc = db_runs_fail_stale(c, r.src.id, e)) < 0 ||
	    (rc = db_source_refresh(c, &r.src, e)) < 0 ||
	    (rc = db_run_start(c, r.src.id, o->trigger ? o->trigger : "manual", &res->run_id, e)) <
	        0)
		goto cleanup;
	snprintf(res->previous, sizeof(res->previous), "%s", r.src.last_commit);

	double t_fetch = now_ms();
	rc = gitsrc_snapshot(&r.snap, o->location, o->ref, o->subpath, o->data_dir,
	                     r.src.last_commit, e);
	t_fetch = now_ms() - t_fetch;
	if (rc < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	snprintf(res->mode, sizeof(res->mode), "%s", gitsrc_mode_name(r.snap->mode));
	snprintf(res->commit, sizeof(res->commit), "%s", r.snap->commit);
	if (r.snap->mode == GITSRC_UNCHANGED) {
		snprintf(res->status, sizeof(res->status), "succeeded");
		rc = db_run_finish(c, res->run_id, "succeeded", res->mode, res->commit,
		                   r.src.last_commit, &res->n, "commit already imported", e);
		goto cleanup;
	}
	double t_plan = now_ms();
	if ((rc = plan(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	double t_parse = now_ms();
	t_plan = t_parse - t_plan;
	if ((rc = validate(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	t_parse = now_ms() - t_parse;
	if (res->errs.n > 0) {
		struct err ignore = {0};
		res->n.rejected = r.files_rejected > 0 ? r.files_rejected : 1;
		res->n.added = res->n.updated = res->n.removed = 0;
		snprintf(res->status, sizeof(res->status), "rejected");
		char msg[128];
		snprintf(msg, sizeof(msg),
		         "%zu errors; nothing imported, commit %.12s stays current",
		         res->errs.n + res->errs.dropped,
		         r.src.last_commit[0] ? r.src.last_commit : "(none)");
		db_run_errors(c, res->run_id, &res->errs, &ignore);
		db_run_finish(c, res->run_id, "rejected", res->mode, res->commit, r.src.last_commit,
		              &res->n, msg, &ignore);
		rc = err_set(e, WW_EINVALID, "commit %.12s rejected: %zu errors", res->commit,
		             res->errs.n + res->errs.dropped);
		goto cleanup;
	}
	double t_write = now_ms();
	if ((rc = write_all(&r, e)) < 0) {
		fail_run(&r, e);
		goto cleanup;
	}
	t_write = now_ms() - t_write;
	log_info("import timing", "run=%lld fetch_ms=%.1f plan_ms=%.1f parse_ms=%.1f write_ms=%.1f",
	         res->run_id, t_fetch, t_plan, t_parse, t_write);
	snprintf(res->status, sizeof(res->status), "succeeded");
cleanup:
	res->duration_ms = now_ms() - t0;
	if (locked)
		db_source_unlock(c, r.src.id);
	run_free(&r);
	return rc;
}

void import_result_free(struct import_result *res)
{
	if (res != NULL)
		ev_errors_free(&res->errs);
}
