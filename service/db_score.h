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
 * The text json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15) |
 * JSON_ENCODE_ANY) gives, written faster as db_score_refresh writes the
 * figures; with copy set, escaped as a field of COPY's text format. v's
 * strings must be valid UTF-8 (jansson's checked constructors ensure it).
 * Malloc'd; NULL on out of memory. Exposed for tests.
 */
char *db_score_json_text(const json_t *v, int copy);

/*
 * json_loads(text, 0, je), reading PostgreSQL's JSON output several times
 * faster: the same values, and for input it is not sure of (invalid, or at
 * the limits) json_loads' own result. Exposed for tests.
 */
json_t *db_score_json_load(const char *text, json_error_t *je);

/* An intervention's body and its current scores, for `whatworks score`. */
int db_score_get(json_t **intervention, json_t **scores, PGconn *c, const char *id, struct err *e);

/* Every intervention's headline score row (intervention, crime_type, band,
 * bcr, p_bcr_gt1, evidence_rating), best band first. */
int db_score_headlines(json_t **rows, PGconn *c, struct err *e);

#endif
