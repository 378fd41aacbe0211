/*
 * db_score.c - reading scoring inputs, writing score rows
 *
 * A refresh reads the interventions to score with their evaluations in one
 * query, scores them on several threads (the model is re-entrant; the
 * reference data and the query result are only read) and streams the rows to
 * the scores table with COPY, in the query's order, each as soon as it and
 * those before it are ready. The rows are those one thread would write.
 */
#include "db_score.h"
#include "config.h"
#include "jsontext.h"
#include "log.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int score_params_load(struct vfm_params *out, struct err *e)
{
	struct vfm_params p = vfm_params_default();
	struct err ce = {0};
	int rc;

	/* the WHATWORKS_VFM_* rows are in config.c's table, with every setting */
	if ((rc = config_env_load(CONFIG_VFM, &p, e)) < 0)
		return rc;
	if (vfm_params_check(&p, &ce) < 0)
		return err_set(e, WW_EINVALID, "scoring parameters: %s", ce.msg);
	*out = p;
	return 0;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static json_t *load_text(PGresult *r, int row, int col, struct err *e)
{
	json_error_t je;
	json_t *j = jsontext_load(PQgetvalue(r, row, col), &je);
	if (j == NULL)
		err_set(e, WW_EDB, "could not read scoring input: %s", je.text);
	return j;
}

/*
 * One reference entry as the model reads it: the entry, the id of its file
 * as "reference", and "source" (the entry's own, else the file's citation
 * and url), so every figure a score uses names where it was seen.
 */
#define REF_ENTRY                                                                                  \
	"x || jsonb_build_object('reference', d.id) || CASE WHEN x ? 'source' THEN '{}'::jsonb"    \
	" ELSE jsonb_build_object('source', concat_ws(' ', d.body->'source'->>'citation',"         \
	" d.body->'source'->>'url')) END"

int db_score_reference(json_t **out, PGconn *c, struct err *e)
{
	return db_query_json(
	    out, c, e, "read the reference data",
	    "SELECT json_build_object("
	    " 'unit_costs', coalesce((SELECT jsonb_agg(" REF_ENTRY
	    " ORDER BY d.id, x->>'crime_type')"
	    "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	    "   WHERE d.kind = 'unit-costs' AND d.valid_to IS NULL), '[]'),"
	    " 'crosswalk', coalesce((SELECT jsonb_agg(" REF_ENTRY
	    " ORDER BY d.id, x->>'crime_type')"
	    "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	    "   WHERE d.kind = 'category-map' AND d.valid_to IS NULL), '[]'),"
	    " 'baselines', coalesce((SELECT jsonb_agg(" REF_ENTRY
	    "   ORDER BY d.id, x->>'crime_type', x->>'cohort')"
	    "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	    "   WHERE d.kind = 'baselines' AND d.valid_to IS NULL), '[]'),"
	    " 'deflators', coalesce((SELECT jsonb_agg(x ORDER BY (x->>'year')::int, d.id)"
	    "   FROM reference_data d, jsonb_array_elements(d.body->'entries') x"
	    "   WHERE d.kind = 'deflators' AND d.valid_to IS NULL), '[]'))::text",
	    0, NULL);
}

/* ---- score rows as COPY text ---------------------------------------------- */

#define COPY_NULL "\\N"
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A text column, as x->>'key' of the row's JSON gave it before. */
static void put_text(struct db_copy *b, const json_t *v)
{
	if (json_is_string(v))
		db_copy_escaped(b, json_string_value(v), json_string_length(v));
	else if (v == NULL || json_is_null(v))
		db_copy_raw(b, COPY_NULL, 2);
	else
		jsontext_put(b, v, 1);
}

/* A number column: the number as the JSON text of the row had it, read by
 * PostgreSQL's own float8 or int4 input. Zero is written "0": the row used to
 * pass through numeric, which has no negative zero. */
static void put_number(struct db_copy *b, const json_t *v, const char *if_null)
{
	if (json_is_real(v) && json_real_value(v) == 0)
		db_copy_raw(b, "0", 1);
	else if (json_is_number(v))
		jsontext_put(b, v, 0);
	else
		db_copy_raw(b, if_null, strlen(if_null));
}

static void put_bool(struct db_copy *b, int v)
{
	db_copy_raw(b, v ? "t" : "f", 1);
}

/* What every row of one refresh shares, as COPY fields. */
struct row_common {
	const char *run; /* the run id, or \N */
	struct db_copy params;
};

/*
 * One score object as a line of COPY scores (COPY_COLUMNS): the scalar columns
 * from the score's keys, the figures the whole object as compact JSON.
 */
#define COPY_COLUMNS                                                                               \
	"intervention, crime_type, run_id, params, figures, band, bcr, npv, p_bcr_gt1, bcr_p05,"   \
	" bcr_p95, evidence_rating, pct_change, harmful, insufficient_reason, headline,"           \
	" breakeven_cost, implausible"

static void put_row(struct db_copy *b, const json_t *s, const char *iv, int headline,
                    const struct row_common *rc)
{
	static const char *const reals[] = {"bcr", "npv", "p_bcr_gt1", "bcr_p05", "bcr_p95"};
	const json_t *harmful = json_object_get(s, "harmful");

	db_copy_escaped(b, iv, strlen(iv));
	db_copy_raw(b, "\t", 1);
	put_text(b, json_object_get(s, "crime_type"));
	db_copy_raw(b, "\t", 1);
	db_copy_raw(b, rc->run, strlen(rc->run));
	db_copy_raw(b, "\t", 1);
	db_copy_raw(b, rc->params.buf, rc->params.len);
	db_copy_raw(b, "\t", 1);
	jsontext_put(b, s, 1);
	db_copy_raw(b, "\t", 1);
	put_text(b, json_object_get(s, "band"));
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		db_copy_raw(b, "\t", 1);
		put_number(b, json_object_get(s, reals[i]), COPY_NULL);
	}
	db_copy_raw(b, "\t", 1);
	put_number(b, json_object_get(s, "evidence_rating"), "0");
	db_copy_raw(b, "\t", 1);
	put_number(b, json_object_get(s, "pct_change"), COPY_NULL);
	db_copy_raw(b, "\t", 1);
	put_bool(b, json_is_true(harmful));
	db_copy_raw(b, "\t", 1);
	put_text(b, json_object_get(s, "insufficient_reason"));
	db_copy_raw(b, "\t", 1);
	put_bool(b, headline);
	db_copy_raw(b, "\t", 1);
	put_number(b, json_object_get(s, "breakeven_cost"), COPY_NULL);
	db_copy_raw(b, "\t", 1);
	put_bool(b, json_is_true(json_object_get(s, "implausible")));
	db_copy_raw(b, "\n", 1);
}

/* ---- scoring on several threads ------------------------------------------ */

/* One intervention: its row of the read query until it is scored, then its
 * score rows as COPY text or why it failed. */
struct slot {
	PGresult *row;    /* the database's part: id, body, evaluations */
	const json_t *iv; /* this run's version of the intervention, or NULL */
	json_t *evs;      /* this run's evaluations of it (borrowed bodies), or NULL */
	struct db_copy rows;
	int n_rows;
	int rc;
	int done; /* under job.lock */
	struct err e;
};

#define SLOT_BLOCK 256 /* slots are allocated in blocks so they never move */

/*
 * The interventions of one refresh, read one row at a time while workers
 * score those already read. Workers only read their row, ref and p, so each
 * intervention is scored exactly as a single thread would score it; the
 * caller writes the slots in row order.
 */
struct job {
	const json_t *ref;
	const struct vfm_params *p;
	const struct row_common *common;
	pthread_mutex_t lock;
	pthread_cond_t more;  /* a row was read, the reading ended, or stop */
	pthread_cond_t ready; /* a slot is done */
	/* under lock: */
	struct slot **blocks;
	int n_blocks;
	int n;        /* rows read */
	int read_all; /* n is final */
	int next;     /* the row the next worker takes */
	int stop;     /* the caller gave up: take no more */
};

/* Slot i (< n). The blocks array only changes while rows are read: lock. */
static struct slot *slot_at(struct job *j, int i)
{
	return &j->blocks[i / SLOT_BLOCK][i % SLOT_BLOCK];
}

/* Appends a read row as slot n; WW_ENOMEM. Under lock. */
static int slot_add(struct job *j, PGresult *row)
{
	if (j->n == j->n_blocks * SLOT_BLOCK) {
		struct slot **b = realloc(j->blocks, (size_t)(j->n_blocks + 1) * sizeof(*b));

		if (b == NULL)
			return WW_ENOMEM;
		j->blocks = b;
		if ((b[j->n_blocks] = calloc(SLOT_BLOCK, sizeof(**b))) == NULL)
			return WW_ENOMEM;
		j->n_blocks++;
	}
	slot_at(j, j->n)->row = row;
	j->n++;
	return 0;
}

/* Scores a slot's row into its rows. Can be called on any thread. */
static void score_slot(struct job *j, struct slot *sl)
{
	const char *id = PQgetvalue(sl->row, 0, 0);
	json_t *iv = NULL, *evs = NULL, *scores = NULL;
	struct err se = {0};
	int rc;

	/* this run's version of the intervention, else the stored one; the
	 * stored evaluations it keeps, and this run's (the model sorts them) */
	if ((iv = sl->iv ? json_incref((json_t *)sl->iv) : load_text(sl->row, 0, 1, &sl->e)) ==
	        NULL ||
	    (evs = load_text(sl->row, 0, 2, &sl->e)) == NULL) {
		sl->rc = WW_EDB;
		goto cleanup;
	}
	if (sl->evs != NULL && json_array_extend(evs, sl->evs) < 0) {
		sl->rc = err_set(&sl->e, WW_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = vfm_score_intervention(&scores, iv, evs, j->ref, j->p, &se)) < 0) {
		sl->rc = err_set(&sl->e, rc, "could not score intervention \"%s\": %s", id, se.msg);
		goto cleanup;
	}
	const json_t *head = vfm_headline(scores);
	for (size_t k = 0; k < json_array_size(scores); k++) {
		const json_t *s = json_array_get(scores, k);
		put_row(&sl->rows, s, id, s == head, j->common);
		sl->n_rows++;
	}
	if (sl->rows.oom)
		sl->rc =
		    err_set(&sl->e, WW_ENOMEM, "out of memory writing the scores of \"%s\"", id);
cleanup:
	json_decref(iv);
	json_decref(evs);
	json_decref(scores);
	json_decref(sl->evs);
	sl->evs = NULL;
	PQclear(sl->row);
	sl->row = NULL;
}

static void *score_worker(void *arg)
{
	struct job *j = arg;
	struct slot *sl;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->stop && j->next >= j->n && !j->read_all)
			pthread_cond_wait(&j->more, &j->lock);
		if (j->stop || j->next >= j->n)
			break;
		sl = slot_at(j, j->next++);
		pthread_mutex_unlock(&j->lock);
		score_slot(j, sl);
		pthread_mutex_lock(&j->lock);
		sl->done = 1;
		pthread_cond_signal(&j->ready);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

#define SCORE_THREADS_MAX 16
#define SCORE_THREADS_MIN_WORK 32 /* fewer interventions are scored on one thread */

/* The workers of a job: none while the calling thread scores alone. */
struct crew {
	int want;       /* threads to start */
	int background; /* even one: the calling thread has other work */
	int min_rows;   /* once this many rows are read */
	int started;
	pthread_t tid[SCORE_THREADS_MAX];
};

/*
 * How many threads score: WHATWORKS_SCORE_THREADS when set (for tests and
 * tuning), else one per online CPU once there are enough interventions. In
 * the background (beside the caller's own writes, which keep PostgreSQL busy
 * on a CPU of the same machine) one CPU fewer, and at least one thread, so
 * the calling thread is free: measured on 2 CPUs, 2 threads there made the
 * full import slower than 1.
 */
static int crew_init(struct crew *w, int background, struct err *e)
{
	int t = 0, rc;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(w, 0, sizeof(*w));
	if ((rc = config_env_int("score_threads", &t, e)) < 0)
		return rc;
	w->min_rows = t > 0 ? 1 : SCORE_THREADS_MIN_WORK;
	w->background = background;
	if (t == 0)
		t = background ? (cpus > 2 ? (int)cpus - 1 : 1) : (cpus > 1 ? (int)cpus : 1);
	w->want = t > SCORE_THREADS_MAX ? SCORE_THREADS_MAX : t;
	return 0;
}

static void crew_start(struct crew *w, struct job *j)
{
	while ((w->want > 1 || w->background) && w->started < w->want &&
	       pthread_create(&w->tid[w->started], NULL, score_worker, j) == 0)
		w->started++;
	w->want = 0; /* started what could be: a thread that would not start is not retried */
}

/* Makes the workers take no more rows and waits for them. */
static void crew_stop(struct crew *w, struct job *j)
{
	pthread_mutex_lock(&j->lock);
	j->stop = 1;
	pthread_cond_broadcast(&j->more);
	pthread_mutex_unlock(&j->lock);
	for (int t = 0; t < w->started; t++)
		pthread_join(w->tid[t], NULL);
	w->started = 0;
}

/* ---- reading and writing -------------------------------------------------- */

/* This run's documents, not yet in the database, found by intervention id. */
/* A document of this run under the intervention id it is found by. */
struct pending_doc {
	const char *key;
	const struct db_doc *doc;
};

/* This run's documents, not yet in the database, found by intervention id. */
struct pending {
	struct pending_doc *ivs; /* interventions, by id */
	struct pending_doc *evs; /* evaluations, by the intervention they name */
	size_t n_ivs, n_evs;
};

static int cmp_pending(const void *a, const void *b)
{
	return strcmp(((const struct pending_doc *)a)->key, ((const struct pending_doc *)b)->key);
}

static int pending_init(struct pending *pd, const struct db_doc *docs, size_t n)
{
	memset(pd, 0, sizeof(*pd));
	if ((pd->ivs = calloc(n + 1, sizeof(*pd->ivs))) == NULL ||
	    (pd->evs = calloc(n + 1, sizeof(*pd->evs))) == NULL)
		return WW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(docs[i].kind, "intervention") == 0) {
			pd->ivs[pd->n_ivs++] = (struct pending_doc){docs[i].id, &docs[i]};
		} else if (strcmp(docs[i].kind, "evaluation") == 0) {
			const char *iv =
			    json_string_value(json_object_get(docs[i].body, "intervention"));
			pd->evs[pd->n_evs++] = (struct pending_doc){iv ? iv : "", &docs[i]};
		}
	}
	qsort(pd->ivs, pd->n_ivs, sizeof(*pd->ivs), cmp_pending);
	qsort(pd->evs, pd->n_evs, sizeof(*pd->evs), cmp_pending);
	return 0;
}

static void pending_free(struct pending *pd)
{
	free(pd->ivs);
	free(pd->evs);
	memset(pd, 0, sizeof(*pd));
}

/* The first of v (n, sorted) whose key is not below key. */
static size_t pending_lower(const struct pending_doc *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Fills a slot's pending parts for intervention id; WW_ENOMEM. */
static int pending_fill(const struct pending *pd, struct slot *sl, const char *id)
{
	size_t i = pending_lower(pd->ivs, pd->n_ivs, id);

	if (i < pd->n_ivs && strcmp(pd->ivs[i].key, id) == 0)
		sl->iv = pd->ivs[i].doc->body;
	for (i = pending_lower(pd->evs, pd->n_evs, id);
	     i < pd->n_evs && strcmp(pd->evs[i].key, id) == 0; i++) {
		if (sl->evs == NULL && (sl->evs = json_array()) == NULL)
			return WW_ENOMEM;
		if (json_array_append(sl->evs, (json_t *)pd->evs[i].doc->body) < 0)
			return WW_ENOMEM;
	}
	return 0;
}

/*
 * Reads the interventions to score, one row at a time, into the job's slots,
 * and starts the crew once there are enough: every current one when all is
 * set, and those named in ids_text (touched ones, this run's). Each comes
 * with the evaluations the database holds for it, as one JSON array built
 * from their text (jsonb_agg would rebuild every body as jsonb first); this
 * run's documents, not written yet, are added from pd (the caller has closed
 * the versions they replace). An id that is neither stored nor in pd is gone
 * and not scored.
 */
static int read_rows(PGconn *c, struct job *j, struct crew *w, int all, const char *ids_text,
                     const struct pending *pd, struct err *e)
{
	const char *ip[2] = {all ? "t" : "f", ids_text};
	const char *what = "read the evidence to score";
	PGresult *res;
	int rc = 0;

	if (!PQsendQueryParams(
	        c,
	        "WITH ids AS (SELECT i.id FROM interventions i WHERE $1::bool AND i.valid_to IS "
	        "NULL"
	        "  UNION SELECT jsonb_array_elements_text($2::jsonb))"
	        " SELECT ids.id, i.body::text, (SELECT '[' || coalesce(string_agg(v.body::text, ','"
	        "  ORDER BY v.id COLLATE \"C\"), '') || ']'"
	        "  FROM evaluations v WHERE v.intervention = ids.id AND v.valid_to IS NULL)"
	        " FROM ids LEFT JOIN interventions i ON i.id = ids.id AND i.valid_to IS NULL"
	        " ORDER BY ids.id",
	        2, NULL, ip, NULL, NULL, 0))
		return db_error(c, NULL, e, what);
	if (!PQsetSingleRowMode(c))
		rc = db_error(c, NULL, e, what);
	while ((res = PQgetResult(c)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (st == PGRES_SINGLE_TUPLE && rc == 0) {
			struct slot one = {0};
			if ((rc = pending_fill(pd, &one, PQgetvalue(res, 0, 0))) < 0) {
				err_set(e, rc, "out of memory");
				json_decref(one.evs);
				PQclear(res);
				continue;
			}
			if (PQgetisnull(res, 0, 1) && one.iv == NULL) {
				json_decref(one.evs); /* gone: its scores are deleted */
				PQclear(res);
				continue;
			}
			pthread_mutex_lock(&j->lock);
			if ((rc = slot_add(j, res)) < 0) {
				err_set(e, rc, "out of memory");
				json_decref(one.evs);
			} else {
				slot_at(j, j->n - 1)->iv = one.iv;
				slot_at(j, j->n - 1)->evs = one.evs;
				pthread_cond_signal(&j->more);
			}
			pthread_mutex_unlock(&j->lock);
			if (rc == 0 && w->want > 0 && j->n >= w->min_rows)
				crew_start(w, j);
			if (rc == 0)
				continue;
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && rc == 0) {
			rc = db_error(c, res, e, what);
		}
		PQclear(res);
	}
	pthread_mutex_lock(&j->lock);
	j->read_all = 1;
	pthread_cond_broadcast(&j->more);
	pthread_mutex_unlock(&j->lock);
	return rc;
}

/*
 * Streams every slot's lines to the COPY out on c in row order, each as soon
 * as it and those before it are scored (here when the crew is empty). On the
 * first failure (in row order: the same one a single thread would meet) the
 * COPY is abandoned and e says why. *rows receives the lines written,
 * *scored the time the last one was.
 */
static int copy_slots(struct db_copy *out, struct job *j, struct crew *w, size_t *rows,
                      struct timespec *scored, struct err *e)
{
	int rc = 0;

	for (int i = 0; i < j->n && rc == 0; i++) {
		struct slot *sl = slot_at(j, i);

		if (w->started == 0) {
			score_slot(j, sl);
		} else {
			pthread_mutex_lock(&j->lock);
			while (!sl->done)
				pthread_cond_wait(&j->ready, &j->lock);
			pthread_mutex_unlock(&j->lock);
		}
		if (sl->rc < 0)
			rc = err_set(e, sl->rc, "%s", sl->e.msg);
		else
			db_copy_append(out, sl->rows.buf, sl->rows.len);
		*rows += (size_t)sl->n_rows;
		db_copy_free(&sl->rows);
	}
	clock_gettime(CLOCK_MONOTONIC, scored);
	if (rc < 0) {
		db_copy_abort(out);
		return rc;
	}
	return db_copy_end(out, e);
}

/*
 * Deletes the scores to replace (every one, or those of the touched ids, which
 * include every intervention read) and streams the new rows in.
 */
static int write_scores(PGconn *c, struct job *j, struct crew *w, const char *touched_text, int all,
                        size_t *rows, struct timespec *scored, struct err *e)
{
	const char *dp[2] = {all ? "t" : "f", touched_text};
	struct db_copy out = {0};
	PGresult *r;
	int rc;

	/* two statements, not "$1 OR ...", so the partial case uses the index */
	r = db_query(c, e, "delete old scores",
	             all ? "DELETE FROM scores WHERE $1::bool AND $2::jsonb IS NOT NULL"
	                 : "DELETE FROM scores WHERE NOT $1::bool AND intervention = ANY"
	                   " (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))",
	             2, dp);
	if (r == NULL)
		return WW_EDB;
	PQclear(r);
	if (j->n == 0)
		return 0;
	if ((rc = db_copy_begin(&out, c, "write scores",
	                        "COPY scores (" COPY_COLUMNS ") FROM STDIN", e)) == 0)
		rc = copy_slots(&out, j, w, rows, scored, e);
	db_copy_free(&out);
	return rc;
}

/* The run_id column: run_id, or for 0 the current evidence version. */
static int run_field(char *out, size_t size, PGconn *c, long long run_id, struct err *e)
{
	PGresult *r;

	if (run_id > 0) {
		snprintf(out, size, "%lld", run_id);
		return 0;
	}
	r = db_query(c, e, "find the evidence version",
	             "SELECT max(id) FROM import_runs WHERE status = 'succeeded'"
	             " AND mode IS DISTINCT FROM 'unchanged'",
	             0, NULL);
	if (r == NULL)
		return WW_EDB;
	/* none: the NOT NULL column refuses the rows, as it always did */
	snprintf(out, size, "%s", PQgetisnull(r, 0, 0) ? COPY_NULL : PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static void job_free(struct job *j)
{
	for (int i = 0; i < j->n; i++) {
		PQclear(slot_at(j, i)->row);
		json_decref(slot_at(j, i)->evs);
		free(slot_at(j, i)->rows.buf);
	}
	for (int b = 0; b < j->n_blocks; b++)
		free(j->blocks[b]);
	free(j->blocks);
	pthread_cond_destroy(&j->ready);
	pthread_cond_destroy(&j->more);
	pthread_mutex_destroy(&j->lock);
}

/* A refresh between db_score_start and db_score_finish. */
struct db_score_job {
	long long run_id;
	int all;
	struct vfm_params p;
	struct row_common common;
	struct pending pd;
	struct job j;
	int j_init;
	struct crew w;
	json_t *params, *ref;
	char *params_text, *touched_text;
	char run[24];
	struct timespec t0, t1;
};

void db_score_cancel(struct db_score_job *job)
{
	if (job == NULL)
		return;
	if (job->j_init) {
		crew_stop(&job->w, &job->j);
		job_free(&job->j);
	}
	pending_free(&job->pd);
	free(job->common.params.buf);
	json_decref(job->params);
	json_decref(job->ref);
	free(job->params_text);
	free(job->touched_text);
	free(job);
}

/* touched and this run's intervention ids, as a JSON array's text. */
static char *ids_text(const json_t *touched, const struct pending *pd)
{
	json_t *ids = touched ? json_copy((json_t *)touched) : json_array();
	char *text;

	for (size_t i = 0; ids != NULL && i < pd->n_ivs; i++)
		if (json_array_append_new(ids, json_string(pd->ivs[i].key)) < 0) {
			json_decref(ids);
			ids = NULL;
		}
	text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
	json_decref(ids);
	return text;
}

int db_score_start(struct db_score_job **out, PGconn *c, long long run_id, const json_t *touched,
                   int all, const struct db_doc *pending, size_t n_pending, struct err *e)
{
	struct db_score_job *job = calloc(1, sizeof(*job));
	char *ids = NULL;
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	if (job == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &job->t0);
	job->run_id = run_id;
	if ((rc = score_params_load(&job->p, e)) < 0 ||
	    (rc = crew_init(&job->w, n_pending > 0, e)) < 0)
		goto fail;
	if (pending_init(&job->pd, pending, n_pending) < 0 ||
	    (job->params = vfm_params_to_json(&job->p)) == NULL ||
	    (job->params_text = json_dumps(job->params, DUMP_FLAGS)) == NULL ||
	    (job->touched_text = touched ? json_dumps(touched, JSON_COMPACT) : strdup("[]")) ==
	        NULL ||
	    (ids = ids_text(touched, &job->pd)) == NULL) {
		rc = err_set(e, WW_ENOMEM, "out of memory");
		goto fail;
	}
	if (!all) {
		/* parameters changed since the stored scores: everything is stale */
		const char *pp[1] = {job->params_text};
		r = db_query(c, e, "compare scoring parameters",
		             "SELECT EXISTS (SELECT 1 FROM score_params WHERE params <> $1::jsonb)",
		             1, pp);
		if (r == NULL) {
			rc = WW_EDB;
			goto fail;
		}
		all = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
	}
	job->all = all;
	if ((rc = db_score_reference(&job->ref, c, e)) < 0 ||
	    (rc = run_field(job->run, sizeof(job->run), c, run_id, e)) < 0)
		goto fail;
	job->common.run = job->run;
	db_copy_escaped(&job->common.params, job->params_text, strlen(job->params_text));
	if (job->common.params.oom) {
		rc = err_set(e, WW_ENOMEM, "out of memory");
		goto fail;
	}
	job->j.ref = job->ref;
	job->j.p = &job->p;
	job->j.common = &job->common;
	pthread_mutex_init(&job->j.lock, NULL);
	pthread_cond_init(&job->j.more, NULL);
	pthread_cond_init(&job->j.ready, NULL);
	job->j_init = 1;
	rc = read_rows(c, &job->j, &job->w, all, ids, &job->pd, e);
	clock_gettime(CLOCK_MONOTONIC, &job->t1);
	if (rc < 0)
		goto fail;
	free(ids);
	*out = job;
	return 0;
fail:
	free(ids);
	db_score_cancel(job);
	return rc;
}

int db_score_finish(struct db_score_job *job, PGconn *c, int *rescored, struct err *e)
{
	struct timespec t2, t_scored = job->t1;
	int threads = job->w.started > 0 ? job->w.started : 1;
	size_t rows = 0;
	PGresult *r;
	int rc;

	if (rescored)
		*rescored = 0;
	rc = write_scores(c, &job->j, &job->w, job->touched_text, job->all, &rows, &t_scored, e);
	if (rc < 0)
		goto cleanup;
	/* every stored score now uses these parameters (a change rescored them all) */
	const char *pp[1] = {job->params_text};
	r = db_query(c, e, "record the scoring parameters",
	             "INSERT INTO score_params (id, params) VALUES (1, $1::jsonb)"
	             " ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params",
	             1, pp);
	if (r == NULL) {
		rc = WW_EDB;
		goto cleanup;
	}
	PQclear(r);
	if (rescored)
		*rescored = job->j.n;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	/* read_ms: until the last row was read (scoring starts before);
	 * score_ms: from then until the last row was sent, other work between */
	log_info("scored",
	         "run=%lld interventions=%d rows=%zu all=%d threads=%d pending=%zu read_ms=%.1f "
	         "score_ms=%.1f total_ms=%.1f",
	         job->run_id, job->j.n, rows, job->all, threads, job->pd.n_ivs + job->pd.n_evs,
	         ms_between(&job->t0, &job->t1), ms_between(&job->t1, &t_scored),
	         ms_between(&job->t0, &t2));
cleanup:
	db_score_cancel(job);
	return rc;
}

int db_score_refresh(PGconn *c, long long run_id, const json_t *touched, int all, int *rescored,
                     struct err *e)
{
	struct db_score_job *job;
	int rc;

	if ((rc = db_score_start(&job, c, run_id, touched, all, NULL, 0, e)) < 0)
		return rc;
	return db_score_finish(job, c, rescored, e);
}

int db_score_get(json_t **intervention, json_t **scores, PGconn *c, const char *id, struct err *e)
{
	const char *p[1] = {id};
	PGresult *r =
	    db_query(c, e, "read the scores",
	             "SELECT i.body::text, coalesce((SELECT json_agg(s.figures ORDER BY"
	             "  s.crime_type) FROM scores s WHERE s.intervention = i.id), '[]')::text"
	             " FROM interventions i WHERE i.id = $1 AND i.valid_to IS NULL",
	             1, p);

	*intervention = *scores = NULL;
	if (r == NULL)
		return WW_EDB;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_set(e, WW_ENOTFOUND, "intervention \"%s\" does not exist", id);
	}
	*intervention = load_text(r, 0, 0, e);
	*scores = load_text(r, 0, 1, e);
	PQclear(r);
	if (*intervention == NULL || *scores == NULL) {
		json_decref(*intervention);
		json_decref(*scores);
		*intervention = *scores = NULL;
		return WW_EDB;
	}
	return 0;
}

int db_score_headlines(json_t **rows, PGconn *c, struct err *e)
{
	return db_query_json(
	    rows, c, e, "read the scores",
	    "SELECT coalesce(json_agg(json_build_object('intervention', s.intervention,"
	    " 'crime_type', s.crime_type, 'band', s.band, 'bcr', s.bcr,"
	    " 'p_bcr_gt1', s.p_bcr_gt1, 'evidence_rating', s.evidence_rating,"
	    " 'breakeven_cost', s.breakeven_cost)"
	    " ORDER BY s.bcr DESC NULLS LAST, s.intervention), '[]')::text"
	    " FROM scores s WHERE s.headline",
	    0, NULL);
}
