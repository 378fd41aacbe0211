/*
 * db_score.h - value-for-money scores kept beside the evidence
 *
 * Scores are recomputed inside the import transaction for the interventions
 * an import touched, and for every intervention when reference data or the
 * scoring parameters change, so readers never see evidence without its
 * scores. The maths is vfm.c; this file only reads inputs and writes rows.
 */
#ifndef WW_DB_SCORE_H
#define WW_DB_SCORE_H

#include "db.h"
#include "db_import.h"
#include "err.h"
#include "vfm.h"

#include <jansson.h>

/*
 * The scoring parameters in force: the model's defaults, overridden by
 * WHATWORKS_VFM_DISCOUNT, WHATWORKS_VFM_DECAY, WHATWORKS_VFM_DRAWS,
 * WHATWORKS_VFM_BASE_YEAR and WHATWORKS_VFM_HORIZON. WW_EINVALID names the
 * variable at fault.
 */
int score_params_load(struct vfm_params *out, struct err *e);

/* {"unit_costs": [...], "deflators": [...]} from the current reference data. */
int db_score_reference(json_t **out, PGconn *c, struct err *e);

/*
 * Rescores the interventions in touched (a JSON array of ids; may name ids
 * that no longer exist, whose scores are then deleted), or all of them when
 * all is set or the stored scores were computed with other parameters.
 * run_id 0 means the current evidence version (the latest successful import
 * run that is not a re-import of mode 'unchanged').
 * *rescored (may be NULL) receives how many interventions were scored. Runs
 * in the caller's transaction, which a failure may leave aborted: roll back.
 * Scores on one thread per online CPU once 32 interventions are read
 * (WHATWORKS_SCORE_THREADS sets the count, for tests and tuning); the rows
 * are the same whatever the count.
 */
int db_score_refresh(PGconn *c, long long run_id, const json_t *touched, int all, int *rescored,
                     struct err *e);

/*
 * db_score_refresh in two steps, so that scoring runs while the caller writes
 * the evidence it scores: db_score_start reads what scoring needs as the
 * database holds it now and starts the scoring; pending (n_pending docs,
 * borrowed until db_score_finish or db_score_cancel; only interventions and
 * evaluations count) is this run's evidence, not written yet, whose previous
 * versions the caller has already closed; touched must name every
 * intervention of pending, and of pending's evaluations. Reference data is
 * read at the start: write it first. db_score_finish writes the scores and
 * frees the job; db_score_cancel stops and frees it (then roll back).
 * Between the two the connection is the caller's: the scoring threads never
 * use it.
 */
struct db_score_job;
int db_score_start(struct db_score_job **job, PGconn *c, long long run_id, const json_t *touched,
                   int all, const struct db_doc *pending, size_t n_pending, struct err *e);
int db_score_finish(struct db_score_job *job, PGconn *c, int *rescored, struct err *e);
void db_score_cancel(struct db_score_job *job);

/* An intervention's body and its current scores, for `whatworks score`. */
int db_score_get(json_t **intervention, json_t **scores, PGconn *c, const char *id, struct err *e);

/* Every intervention's headline score row (intervention, crime_type, band,
 * bcr, p_bcr_gt1, evidence_rating), best band first. */
int db_score_headlines(json_t **rows, PGconn *c, struct err *e);

#endif
