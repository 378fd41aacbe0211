/*
 * api_interventions.c - /v1/interventions and /v1/interventions/{id}
 *
 * The list joins each intervention to its headline score (the scores row
 * with headline = true) so it can be filtered and sorted on the value-for-
 * money figures. Scores are not versioned: with as_of the evidence is as of
 * that run and the scores are the current ones (each carries its run_id on
 * the item endpoint).
 */
#include "api_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const list_allowed[] = {"theme", "level",        "sector",  "tag",     "q",
                                           "band",  "min_evidence", "harmful", "min_bcr", "sort",
                                           "limit", "offset",       "cursor",  "as_of",   NULL};

static const struct api_sort_col list_sort[] = {
    {"id", "id"},
    {"name", "name"},
    {"level", "level"},
    {"band", "band_rank"}, /* implausible < insufficient < poor < ... < very-high */
    {"bcr", "bcr"},
    {"p_bcr_gt1", "p_bcr_gt1"},
    {"evidence_rating", "evidence_rating"},
    {"pct_change", "pct_change"},
    {"evaluations", "evaluations"},
    {"relevance", "relevance"}, /* how well the words of ?q match (NULL without q) */
    {NULL, NULL},
};

static const char *const list_columns[] = {"id",
                                           "name",
                                           "themes",
                                           "level",
                                           "sectors",
                                           "tags",
                                           "evaluations",
                                           "crime_type",
                                           "band",
                                           "bcr",
                                           "p_bcr_gt1",
                                           "evidence_rating",
                                           "pct_change",
                                           "harmful",
                                           "insufficient_reason",
                                           "summary",
                                           "provenance.commit",
                                           "provenance.path",
                                           NULL};

static const char *const score_columns[] = {"intervention",
                                            "crime_type",
                                            "headline",
                                            "band",
                                            "bcr",
                                            "npv",
                                            "p_bcr_gt1",
                                            "bcr_p05",
                                            "bcr_p95",
                                            "evidence_rating",
                                            "pct_change",
                                            "harmful",
                                            "insufficient_reason",
                                            "run_id",
                                            "computed_at",
                                            NULL};

/* Current evaluations of intervention a.id: the trigger-kept count (schema
 * 004) for the current evidence base, a count of versions as of a past run. */
#define EVAL_COUNT(a)                                                                              \
	"(CASE WHEN $1::bigint IS NULL THEN coalesce((SELECT c.n FROM evaluation_counts c"         \
	" WHERE c.intervention = " a ".id), 0) ELSE (SELECT count(*) FROM evaluations e"           \
	" WHERE e.intervention = " a ".id AND " API_VISIBLE("e") ") END)"

/* The full-text document of an intervention (schema 013's function; indexed on
 * interventions (013) and intervention_list (017)). */
#define SEARCH_DOC(a, summary)                                                                     \
	"intervention_search_doc(" a ".name, " summary ", " a ".tags, " a ".themes)"

/* True when s has a letter or digit: something full-text search can find. */
static int has_word(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Appends " AND <cond>" for each filter given; values are bound. The
 * intervention's columns are i.*, its full-text document doc, its summary
 * summary, the headline score's columns s.*. *search receives the parameter
 * number of the full-text query, 0 when there is none. */
static int add_filters(struct qb *q, const struct api_params *p, const char *doc,
                       const char *summary, int *search, struct err *e)
{
	char arr[QB_VALUE_MAX];
	int rc;

	if ((rc = api_param_list(p, "theme", API_LIST_ENUM, vocab_themes, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.themes && $%d::text[]", qb_param(q, arr));
	if ((rc = api_param_list(p, "level", API_LIST_ENUM, vocab_levels, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.level = ANY($%d::text[])", qb_param(q, arr));
	if ((rc = api_param_list(p, "sector", API_LIST_ENUM, vocab_sectors, arr, sizeof(arr), e)) <
	    0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.sectors && $%d::text[]", qb_param(q, arr));
	if ((rc = api_param_list(p, "tag", API_LIST_ID, NULL, arr, sizeof(arr), e)) < 0)
		return rc;
	if (rc)
		qb_sql(q, " AND i.tags && $%d::text[]", qb_param(q, arr));
	if ((rc = api_param_search(p, "q", arr, sizeof(arr), e)) < 0)
		return rc;
	*search = 0;
	if (rc && has_word(api_param(p, "q"))) {
		/* full-text search (schema 013): stemmed words, the GIN index */
		*search = qb_param(q, api_param(p, "q"));
		qb_sql(q, " AND %s @@ websearch_to_tsquery('english', $%d)", doc, *search);
	} else if (rc) {
		/* no word to search for (only punctuation): the text as written */
		int k = qb_param(q, arr);
		qb_sql(q, " AND (i.name ILIKE $%d OR %s ILIKE $%d)", k, summary, k);
	}
	if ((rc = api_score_filters(q, p, e)) < 0)
		return rc;
	return 0;
}

/* The page items and the figures the list filters and sorts on: the list
 * rows (schema 016) for the current evidence, the versions and the scores
 * joined as of a past run. */
#define LIST_AS_OF                                                                                 \
	"SELECT i.id, i.name, i.level, i.themes, i.sectors, i.tags,"                               \
	" i.body->>'summary' AS summary, i.commit, i.path, s.crime_type, s.band,"                  \
	" array_position(%s, s.band) AS band_rank, s.bcr, s.p_bcr_gt1, s.evidence_rating,"         \
	" s.pct_change, s.harmful, s.insufficient_reason%s, %s AS relevance"                       \
	" FROM interventions i LEFT JOIN scores s ON s.intervention = i.id AND s.headline"

/* ts_rank of the search parameter k against doc, or a NULL relevance. */
static void relevance_of(char *out, size_t size, const char *doc, int k)
{
	if (k > 0)
		snprintf(out, size, "ts_rank(%s, websearch_to_tsquery('english', $%d))", doc, k);
	else
		snprintf(out, size, "NULL::real");
}

int api_interventions_list(struct api_result *out, PGconn *db, const struct api_params *p,
                           struct err *e)
{
	struct api_page pg;
	struct qb q, filters;
	char order[1024], relevance[200], bands[128];
	int rc, by_count, search = 0;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, list_allowed, e)) < 0)
		return rc;
	/* a search lists the best matches first unless told otherwise */
	if ((rc = api_parse_sort(p, list_sort,
	                         has_word(api_param(p, "q")) ? "-relevance,name" : "name", "id",
	                         order, sizeof(order), e)) < 0)
		return rc;
	/* bound first: $1 run, $2 limit, $3 offset; then validate filters */
	qb_init(&q);
	qb_init(&filters);
	qb_param(&filters, NULL);
	qb_param(&filters, NULL);
	qb_param(&filters, NULL);
	if ((rc = add_filters(&filters, p, SEARCH_DOC("i", "i.summary"), "i.summary", &search, e)) <
	    0)
		return rc;
	if ((rc = api_parse_page(&pg, db, p, "interventions", list_allowed, 50, 500, e)) < 0)
		return rc;
	api_bind_run(&q, pg.run);
	qb_param_ll(&q, pg.limit);
	qb_param_ll(&q, pg.offset);
	for (int k = 3; k < filters.n; k++)
		qb_param(&q, filters.values[k]);
	if (pg.run <= 0) {
		/* one table: the filtered rows, the page's stored items in order. The
		 * headline score's columns are the row's own, named s.* for the filters */
		relevance_of(relevance, sizeof(relevance), SEARCH_DOC("i", "i.summary"), search);
		qb_sql(&q,
		       "WITH m AS (SELECT i.id, i.name, i.level, i.band_rank, i.bcr, i.p_bcr_gt1,"
		       " i.evidence_rating, i.pct_change, i.evaluations, i.item, %s AS relevance"
		       " FROM intervention_list i CROSS JOIN LATERAL (SELECT i.band, i.bcr,"
		       " i.evidence_rating, i.harmful) s WHERE $1::bigint IS NULL%s),"
		       " p AS (SELECT * FROM m ORDER BY %s LIMIT $2 OFFSET $3)"
		       " SELECT (SELECT count(*) FROM m), " API_VERSION_SQL
		       "::text, (SELECT count(*) FROM p),"
		       " coalesce((SELECT json_agg(p.item ORDER BY %s) FROM p), '[]'::json)::text",
		       relevance, filters.sql, order, order);
		q.prepare = 1; /* one shape per filter set and order: planned once */
		return api_list_text(out, &q, db, &pg, list_columns, -1, e);
	}
	qb_init(&filters);
	qb_param(&filters, NULL);
	qb_param(&filters, NULL);
	qb_param(&filters, NULL);
	if ((rc = add_filters(&filters, p, SEARCH_DOC("i", "i.body->>'summary'"),
	                      "i.body->>'summary'", &search, e)) < 0)
		return rc;
	relevance_of(relevance, sizeof(relevance), SEARCH_DOC("i", "i.body->>'summary'"), search);
	by_count = strstr(order, "evaluations") != NULL;
	if (vocab_band_order_sql(bands, sizeof(bands)) < 0)
		return err_set(e, WW_ENOMEM, "band order does not fit %zu bytes", sizeof(bands));
	qb_sql(&q, "WITH m AS (" LIST_AS_OF " WHERE " API_VISIBLE("i") "%s),", bands,
	       by_count ? ", " EVAL_COUNT("i") " AS evaluations" : "", relevance, filters.sql);
	qb_sql(&q, " p AS (SELECT * FROM m ORDER BY %s LIMIT $2 OFFSET $3)", order);
	/* total, version, items on the page, the page: passed through as text */
	qb_sql(&q,
	       " SELECT (SELECT count(*) FROM m), " API_VERSION_SQL
	       "::text, (SELECT count(*) FROM p),"
	       " coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.name,"
	       " 'themes', p.themes, 'level', p.level, 'sectors', p.sectors, 'tags', p.tags,"
	       " 'summary', p.summary, 'evaluations', %s, 'crime_type', p.crime_type,"
	       " 'band', p.band, 'bcr', p.bcr, 'p_bcr_gt1', p.p_bcr_gt1,"
	       " 'evidence_rating', p.evidence_rating, 'pct_change', p.pct_change,"
	       " 'harmful', p.harmful, 'insufficient_reason', p.insufficient_reason,"
	       " 'provenance', json_build_object('commit', p.commit, 'path', p.path))"
	       " ORDER BY %s) FROM p), '[]'::json)::text",
	       by_count ? "p.evaluations" : EVAL_COUNT("p"), order);
	return api_list_text(out, &q, db, &pg, list_columns, -1, e);
}

static const char *const get_allowed[] = {"as_of", NULL};

int api_intervention_get(struct api_result *out, PGconn *db, const char *id,
                         const struct api_params *p, struct err *e)
{
	long long run;
	struct qb q;
	int rc;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if ((rc = api_check_params(p, get_allowed, e)) < 0)
		return rc;
	if ((rc = api_parse_as_of(&run, db, p, e)) < 0)
		return rc;
	if (!api_is_id(id))
		return err_set(e, WW_ENOTFOUND, "intervention \"%.80s\" does not exist", id);
	qb_init(&q);
	api_bind_run(&q, run);
	qb_param(&q, id);
	qb_sql(
	    &q,
	    "SELECT " API_VERSION_SQL "::text,"
	    " (SELECT json_build_object('id', i.id, 'name', i.name, 'themes', i.themes,"
	    " 'level', i.level, 'sectors', i.sectors, 'tags', i.tags,"
	    " 'summary', i.body->>'summary', 'body', i.body,"
	    " 'provenance', " API_PROVENANCE(
	        "i") ","
	             " 'evaluations', coalesce((SELECT json_agg(json_build_object('id', e.id,"
	             " 'title', e.title, 'design', e.design, 'quality', e.quality,"
	             " 'published', e.published, 'body', e.body,"
	             " 'provenance', " API_PROVENANCE(
	                 "e") ") ORDER BY e.id)"
	                      " FROM evaluations e WHERE e.intervention = i.id AND " API_VISIBLE(
	                          "e") "),"
	                               " '[]'::json),"
	                               " 'scores', coalesce((SELECT json_agg(json_build_object("
	                               "'intervention', s.intervention, 'crime_type', s.crime_type,"
	                               " 'headline', s.headline, 'band', s.band, 'bcr', s.bcr, "
	                               "'npv', s.npv,"
	                               " 'p_bcr_gt1', s.p_bcr_gt1, 'bcr_p05', s.bcr_p05, "
	                               "'bcr_p95', s.bcr_p95,"
	                               " 'evidence_rating', s.evidence_rating, 'pct_change', "
	                               "s.pct_change,"
	                               " 'harmful', s.harmful, 'insufficient_reason', "
	                               "s.insufficient_reason,"
	                               " 'run_id', s.run_id, 'computed_at', s.computed_at, "
	                               "'figures', s.figures,"
	                               " 'params', s.params) ORDER BY s.headline DESC, "
	                               "s.crime_type)"
	                               " FROM scores s WHERE s.intervention = i.id), '[]'::json))"
	                               " FROM interventions i WHERE i.id = $2 AND " API_VISIBLE(
	                                   "i") ")::text");
	return api_item_text(out, &q, db, "intervention", id, "scores", score_columns, e);
}
