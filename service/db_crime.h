/*
 * db_crime.h - recorded crime from data.police.uk in the database
 *
 * What the police-uk source writes (schema/007_crime_counts.sql): the forces
 * and each month's categories as fetched, and the crime counts of each
 * (force, month) unit, written with the unit's completion record in one
 * transaction. Only rows; the importer decides what to fetch.
 */
#ifndef WW_DB_CRIME_H
#define WW_DB_CRIME_H

#include "db.h"
#include "db_import.h"
#include "err.h"

#include <jansson.h>

/* Upserts the forces, forces = [{"id", "name"}, ...] as GET /forces returns. */
int db_crime_forces_write(PGconn *c, long long run_id, const json_t *forces, struct err *e);

/* Upserts the categories of month (YYYY-MM), cats = [{"url", "name"}, ...]. */
int db_crime_categories_write(PGconn *c, long long run_id, const char *month, const json_t *cats,
                              struct err *e);

/* The units stored from publication published (YYYY-MM): *out is a new
 * object whose keys are "YYYY-MM/force". */
int db_crime_units_done(json_t **out, PGconn *c, const char *published, struct err *e);

/*
 * Stores one unit in one transaction: counts = [{"category", "count"}, ...]
 * replaces the rows of (force, month): rows of categories not in counts are
 * deleted, the others upserted (a row whose count did not change keeps the
 * run that wrote it), and the unit is recorded as stored from published.
 * Adds to n: added, updated, unchanged, removed (rows). On failure nothing
 * of the unit is stored. Must be called outside a transaction. rows < 0
 * records a gap: the publication holds no file for the unit (counts empty).
 */
int db_crime_unit_write(PGconn *c, long long run_id, const char *published, const char *force,
                        const char *month, const json_t *counts, long rows, struct db_counts *n,
                        struct err *e);

/* The units of publication published with implausibly few rows: under a
 * quarter of their force's median month (forces with three months or more),
 * as [{unit, rows, median}]. */
int db_crime_low_units(json_t **out, PGconn *c, const char *published, struct err *e);

#endif
