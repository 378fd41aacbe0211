/*
 * evidence_rules.c - the keys, types and bounds of every kind, as tables
 *
 * Each kind is a table of keys (struct field): type, whether required, bounds,
 * allowed values, a nested table for maps, a default. check_map() walks a map
 * against a table, reports every problem with the field path and position,
 * and builds the canonical JSON body in table order with defaults filled in,
 * so downstream code never guesses. Checks that relate keys to each other
 * (ci95 around the estimate, period from before to, events within n) run
 * after a map's keys, on the values that passed.
 *
 * Reference data kinds. The evidence base also ships the reference data the
 * value-for-money model needs, versioned and validated exactly like evidence
 * (one document per file, unknown keys an error, all errors reported). Every
 * reference kind has:
 *
 *   kind     unit-costs | deflators | areas | category-map | baselines
 *   id       id (^[a-z0-9][a-z0-9-]{1,79}$), unique within its kind
 *   title    required string, at most 300 characters
 *   source   required map, as in evaluations: citation (required string),
 *            url (http/https), doi ("10.NNNN/..."), published (YYYY, YYYY-MM
 *            or YYYY-MM-DD)
 *   notes    optional string
 *   entries  required list of at least one map, as below
 *
 *   kind: unit-costs (e.g. Home Office RR99 unit costs of crime); entries:
 *     crime_type  required id, the unit-cost key: unique within the file and
 *                 across all unit-costs files (ev_check_set)
 *     amount      required number > 0, pounds
 *     unit        required: crime | victim | reoffence | reoffender |
 *                 attendance | user-year
 *     public_purse optional number, 0 <= public_purse <= amount: the part paid
 *                 from public budgets (police, criminal justice, NHS, victim
 *                 services), same unit and price year
 *     price_year  required integer 1900 to the current year (the financial
 *                 year starting in it; a future price year is refused)
 *     flag        required: verified | secondary ("unverified" is refused:
 *                 unverified figures may not be shipped)
 *     source      optional string, when the entry's source is not the file's
 *     note        optional string
 *
 *   kind: deflators (e.g. HM Treasury GDP deflators); also
 *     base        required string, e.g. "2024-25 = 100"
 *   entries:
 *     year        required integer 1900-2100, unique within the file
 *     index       required number > 0
 *     flag        required: verified | secondary
 *
 *   kind: areas (police force areas); entries:
 *     id          required id, unique within the file
 *     name        required string, at most 200 characters
 *     country     required: england | wales
 *     body        required: pcc | pfcc | mayor | police-authority (who commissions)
 *
 *   kind: category-map (the crosswalk from outcome crime types); entries:
 *     crime_type          required id, unique within the file
 *     police_uk_category  optional id (the projection's category)
 *     unit_cost           optional id: the unit-costs key valuing the outcome
 *     rule                optional string <= 400: why it is valued this way,
 *                         or why it is left unvalued
 *
 *   kind: baselines (national reference baselines); entries:
 *     crime_type  required id; cohort required id; (crime_type, cohort)
 *                 unique within the file and across baselines files
 *     rate        required number >= 0; per required participant | area;
 *                 years number > 0 (default 1); a participant rate above
 *                 EV_PARTICIPANT_RATE_MAX a year is refused
 *     flag        required verified | secondary; note, source optional strings
 *
 * The reference kinds take no extra: map.
 */
#include "evidence_rules.h"

#include "err.h"
#include "vocab.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIELD_MAX 512

enum ftype {
	F_KIND,    /* the kind name, checked before the table is chosen */
	F_ID,      /* an id */
	F_STR,     /* a non-empty string of at most max characters (0: no bound) */
	F_ENUM,    /* one of vals */
	F_FLAG,    /* verified | secondary */
	F_ENUMS,   /* a list of at least min of vals, no repeats */
	F_IDS,     /* a list of ids, no repeats */
	F_INT,     /* an integer within the bounds */
	F_NUM,     /* a number within the bounds */
	F_DATE,    /* YYYY, YYYY-MM or YYYY-MM-DD */
	F_MONTH,   /* YYYY-MM */
	F_URL,     /* http or https URL */
	F_DOI,     /* 10.NNNN/suffix */
	F_COUNTRY, /* ISO 3166-1 alpha-2 */
	F_MAP,     /* a map checked against sub */
	F_MAPS,    /* a list of at least min maps checked against sub */
	F_FREE,    /* any map, kept as it is */
	F_EFFECT,  /* an effect map, its table chosen by measure */
	F_CI,      /* [lo, hi] */
};

/* flags */
#define REQ 1u     /* required */
#define LO 2u      /* min applies */
#define HI 4u      /* max applies */
#define LO_EX 8u   /* min is exclusive */
#define UNIQUE 16u /* unique within the enclosing list of maps */

struct vctx;
struct schema;

struct field {
	const char *key;
	enum ftype type;
	unsigned flags;
	double min, max;
	const char *const *vals;
	const struct schema *sub;
	const char *def; /* default, as JSON text */
};

struct schema {
	const struct field *fields;
	const char *measure; /* effect tables: the measure they are for */
	void (*check)(struct vctx *c, const struct yamldoc_node *m, json_t *out);
};

struct vctx {
	const char *file;
	struct ev_errors *errs;
	char path[FIELD_MAX];
	size_t plen;
	int nerr;
	int nomem;
};

/* ---- allowed values ---- */

/* the lists are in service/vocab.c */

/* ISO 3166-1 alpha-2, officially assigned codes */
static const char iso_countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ"
    "CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFO"
    "FRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJE"
    "JMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMO"
    "MPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPW"
    "PYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTM"
    "TNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/* ---- tables ---- */

#define NOB 0, 0

static void check_period(struct vctx *c, const struct yamldoc_node *m, json_t *out);
static void check_ratio(struct vctx *c, const struct yamldoc_node *m, json_t *out);
static void check_arm(struct vctx *c, const struct yamldoc_node *m, json_t *out);
static void check_baseline(struct vctx *c, const struct yamldoc_node *m, json_t *out);
static void check_priced(struct vctx *c, const struct yamldoc_node *m, json_t *out);

static const struct field source_fields[] = {{"citation", F_STR, REQ, NOB},
                                             {"url", F_URL, 0, NOB},
                                             {"doi", F_DOI, 0, NOB},
                                             {"published", F_DATE, 0, NOB},
                                             {NULL}};
static const struct schema source_schema = {source_fields};

static const struct field period_fields[] = {
    {"from", F_MONTH, REQ, NOB}, {"to", F_MONTH, REQ, NOB}, {NULL}};
static const struct schema period_schema = {period_fields, NULL, check_period};

static const struct field baseline_fields[] = {{"rate", F_NUM, REQ | LO, 0, 0},
                                               {"per", F_ENUM, REQ, NOB, vocab_baseline_per},
                                               {"years", F_NUM, LO | LO_EX, 0, 0, NULL, NULL, "1"},
                                               {"flag", F_FLAG, 0, NOB, vocab_flags},
                                               {"note", F_STR, 0, NOB},
                                               {NULL}};
static const struct schema baseline_schema = {baseline_fields, NULL, check_baseline};

static const struct field cost_fields[] = {{"amount", F_NUM, REQ | LO | LO_EX, 0, 0},
                                           {"per", F_ENUM, REQ, NOB, vocab_cost_per},
                                           {"price_year", F_INT, REQ | LO | HI, 1900, 2100},
                                           {"flag", F_FLAG, 0, NOB, vocab_flags},
                                           {"source", F_STR, 0, NOB},
                                           {"note", F_STR, 0, NOB},
                                           {NULL}};
static const struct schema cost_schema = {cost_fields, NULL, check_priced};

static const struct field ratio_fields[] = {{"measure", F_ENUM, REQ, NOB, vocab_measures},
                                            {"estimate", F_NUM, REQ | LO | LO_EX, 0, 0},
                                            {"ci95", F_CI, 0, NOB},
                                            {"se", F_NUM, LO | LO_EX, 0, 0},
                                            {NULL}};
static const struct field pct_fields[] = {{"measure", F_ENUM, REQ, NOB, vocab_measures},
                                          {"estimate", F_NUM, REQ | LO | LO_EX, -100, 0},
                                          {"ci95", F_CI, 0, NOB},
                                          {"se", F_NUM, LO | LO_EX, 0, 0}, /* of ln(1 + p/100) */
                                          {NULL}};
static const struct field smd_fields[] = {{"measure", F_ENUM, REQ, NOB, vocab_measures},
                                          {"estimate", F_NUM, REQ, NOB},
                                          {"ci95", F_CI, 0, NOB},
                                          {"se", F_NUM, LO | LO_EX, 0, 0},
                                          {NULL}};
static const struct field arm_fields[] = {
    {"events", F_INT, REQ | LO, 0, 0}, {"n", F_INT, REQ | LO, 1, 0}, {NULL}};
static const struct schema arm_schema = {arm_fields, NULL, check_arm};
static const struct field counts_fields[] = {{"measure", F_ENUM, REQ, NOB, vocab_measures},
                                             {"treatment", F_MAP, REQ, NOB, NULL, &arm_schema},
                                             {"control", F_MAP, REQ, NOB, NULL, &arm_schema},
                                             {NULL}};

/* one for each of vocab_measures[] */
static const struct schema effect_schemas[] = {
    {ratio_fields, "risk-ratio", check_ratio}, {ratio_fields, "rate-ratio", check_ratio},
    {ratio_fields, "odds-ratio", check_ratio}, {pct_fields, "percent-change", check_ratio},
    {smd_fields, "smd", check_ratio},          {counts_fields, "counts", NULL},
};

static const struct field outcome_fields[] = {
    {"crime_type", F_ID, REQ, NOB},        {"description", F_STR, 0, NOB},
    {"effect", F_EFFECT, REQ, NOB},        {"baseline", F_MAP, 0, NOB, NULL, &baseline_schema},
    {"follow_up_months", F_INT, LO, 1, 0}, {NULL}};
static const struct schema outcome_schema = {outcome_fields};

/* A toolkit's published rating of the intervention, worded as the toolkit
 * words it, shown beside whatworks' own rating. */
static const struct field toolkit_rating_fields[] = {{"toolkit", F_ENUM, REQ, NOB, vocab_toolkits},
                                                     {"rating", F_STR, REQ | HI, 0, 100},
                                                     {"url", F_URL, 0, NOB},
                                                     {"seen", F_MONTH, 0, NOB},
                                                     {NULL}};
static const struct schema toolkit_rating_schema = {toolkit_rating_fields};

static const struct field intervention_fields[] = {
    {"kind", F_KIND, REQ, NOB},
    {"id", F_ID, REQ, NOB},
    {"name", F_STR, REQ | HI, 0, 200},
    {"themes", F_ENUMS, REQ | LO, 1, 0, vocab_themes},
    {"level", F_ENUM, REQ, NOB, vocab_levels},
    {"cohort", F_ID, 0, NOB},
    {"summary", F_STR, REQ | HI, 0, 2000},
    {"mechanism", F_STR, 0, NOB},
    {"moderators", F_STR, 0, NOB},
    {"implementation", F_STR, 0, NOB},
    {"sectors", F_ENUMS, 0, NOB, vocab_sectors},
    {"tags", F_IDS, 0, NOB},
    {"toolkit_ratings", F_MAPS, LO, 1, 0, NULL, &toolkit_rating_schema},
    {"extra", F_FREE, 0, NOB},
    {NULL}};

static const struct field evaluation_fields[] = {
    {"kind", F_KIND, REQ, NOB},
    {"id", F_ID, REQ, NOB},
    {"intervention", F_ID, REQ, NOB},
    {"title", F_STR, REQ | HI, 0, 300},
    {"source", F_MAP, REQ, NOB, NULL, &source_schema},
    {"design", F_ENUM, REQ, NOB, vocab_designs},
    {"quality", F_INT, REQ | LO | HI, 1, 5},
    {"studies", F_INT, LO, 1, 0, NULL, NULL, "1"},
    {"sample_size", F_INT, LO, 1, 0},
    {"country", F_COUNTRY, 0, NOB},
    {"areas", F_IDS, 0, NOB},
    {"period", F_MAP, 0, NOB, NULL, &period_schema},
    {"outcomes", F_MAPS, REQ | LO, 1, 0, NULL, &outcome_schema},
    {"cost", F_MAP, 0, NOB, NULL, &cost_schema},
    {"submitted_by", F_STR, REQ, NOB},
    {"licence", F_STR, 0, NOB, NULL, NULL, "\"OGL-3.0\""},
    {"notes", F_STR, 0, NOB},
    {"extra", F_FREE, 0, NOB},
    {NULL}};

static const struct field unit_cost_entry[] = {{"crime_type", F_ID, REQ | UNIQUE, NOB},
                                               {"amount", F_NUM, REQ | LO | LO_EX, 0, 0},
                                               {"unit", F_ENUM, REQ, NOB, vocab_cost_units},
                                               {"public_purse", F_NUM, LO, 0, 0},
                                               {"price_year", F_INT, REQ | LO | HI, 1900, 2100},
                                               {"flag", F_FLAG, REQ, NOB, vocab_flags},
                                               {"source", F_STR, 0, NOB},
                                               {"note", F_STR, 0, NOB},
                                               {NULL}};
static const struct field deflator_entry[] = {{"year", F_INT, REQ | LO | HI | UNIQUE, 1900, 2100},
                                              {"index", F_NUM, REQ | LO | LO_EX, 0, 0},
                                              {"flag", F_FLAG, REQ, NOB, vocab_flags},
                                              {NULL}};
static const struct field area_entry[] = {{"id", F_ID, REQ | UNIQUE, NOB},
                                          {"name", F_STR, REQ | HI, 0, 200},
                                          {"country", F_ENUM, REQ, NOB, vocab_nations},
                                          {"body", F_ENUM, REQ, NOB, vocab_bodies},
                                          {NULL}};
static const struct field category_entry[] = {{"crime_type", F_ID, REQ | UNIQUE, NOB},
                                              {"police_uk_category", F_ID, 0, NOB},
                                              {"unit_cost", F_ID, 0, NOB},
                                              {"rule", F_STR, HI, 0, 400},
                                              {NULL}};
static const struct field baselines_entry[] = {{"crime_type", F_ID, REQ, NOB},
                                               {"cohort", F_ID, REQ, NOB},
                                               {"rate", F_NUM, REQ | LO, 0, 0},
                                               {"per", F_ENUM, REQ, NOB, vocab_baseline_per},
                                               {"years", F_NUM, LO | LO_EX, 0, 0, NULL, NULL, "1"},
                                               {"flag", F_FLAG, REQ, NOB, vocab_flags},
                                               {"note", F_STR, 0, NOB},
                                               {"source", F_STR, 0, NOB},
                                               {NULL}};
static const struct schema unit_cost_entry_schema = {unit_cost_entry, NULL, check_priced};
static const struct schema baselines_entry_schema = {baselines_entry, NULL, check_baseline};
static const struct schema deflator_entry_schema = {deflator_entry};
static const struct schema area_entry_schema = {area_entry};
static const struct schema category_entry_schema = {category_entry};

#define REFERENCE_HEAD                                                                             \
	{"kind", F_KIND, REQ, NOB}, {"id", F_ID, REQ, NOB}, {"title", F_STR, REQ | HI, 0, 300},    \
	{                                                                                          \
		"source", F_MAP, REQ, NOB, NULL, &source_schema                                    \
	}
#define REFERENCE_TAIL(entry)                                                                      \
	{"notes", F_STR, 0, NOB}, {"entries", F_MAPS, REQ | LO, 1, 0, NULL, &entry},               \
	{                                                                                          \
		NULL                                                                               \
	}

static const struct field unit_costs_fields[] = {REFERENCE_HEAD,
                                                 REFERENCE_TAIL(unit_cost_entry_schema)};
static const struct field deflators_fields[] = {
    REFERENCE_HEAD, {"base", F_STR, REQ, NOB}, REFERENCE_TAIL(deflator_entry_schema)};
static const struct field areas_fields[] = {REFERENCE_HEAD, REFERENCE_TAIL(area_entry_schema)};
static const struct field category_map_fields[] = {REFERENCE_HEAD,
                                                   REFERENCE_TAIL(category_entry_schema)};
static const struct field baselines_fields[] = {REFERENCE_HEAD,
                                                REFERENCE_TAIL(baselines_entry_schema)};

/* in the order of enum ev_kind */
static const struct schema kind_schemas[EV_KIND_COUNT] = {
    {intervention_fields}, {evaluation_fields},   {unit_costs_fields}, {deflators_fields},
    {areas_fields},        {category_map_fields}, {baselines_fields},
};

/* ---- reporting ---- */

static void verr(struct vctx *c, const struct yamldoc_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verr(struct vctx *c, const struct yamldoc_node *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->nerr++;
	if (ev_errors_add_msg(c->errs, c->file, n ? n->line : 0, n ? n->col : 0, c->path, msg) != 0)
		c->nomem = 1;
}

/* Appends n bytes of s to the path, cut at its size; every field visited
 * pushes, so no printf here. */
static void path_add(struct vctx *c, const char *s, size_t n)
{
	size_t room = sizeof(c->path) - 1 - c->plen;

	if (n > room)
		n = room;
	memcpy(c->path + c->plen, s, n);
	c->plen += n;
	c->path[c->plen] = '\0';
}

/* Appends ".key" (or "key" at the top) to the path; returns the old length. */
static size_t push_key(struct vctx *c, const char *key)
{
	size_t old = c->plen;

	if (old > 0)
		path_add(c, ".", 1);
	path_add(c, key, strlen(key));
	return old;
}

static size_t push_index(struct vctx *c, size_t i)
{
	size_t old = c->plen;
	char num[24], *p = num + sizeof(num);

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	*--p = '[';
	path_add(c, p, (size_t)(num + sizeof(num) - p));
	return old;
}

static void pop(struct vctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* '"a", "b" or "c"' into buf */
static void list_values(const char *const *vals, char *buf, size_t size)
{
	size_t len = 0, n = 0;

	while (vals[n] != NULL)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s\"%s\"",
		                 i == 0       ? ""
		                 : i + 1 == n ? " or "
		                              : ", ",
		                 vals[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* ---- scalars ---- */

static bool in_list(const char *s, const char *const *vals)
{
	for (size_t i = 0; vals[i] != NULL; i++)
		if (strcmp(s, vals[i]) == 0)
			return true;
	return false;
}

static size_t list_len(const char *const *vals)
{
	size_t n = 0;

	while (vals[n] != NULL)
		n++;
	return n;
}

/* The text of a scalar usable as a string, or NULL after reporting. */
static const char *want_text(struct vctx *c, const struct yamldoc_node *n)
{
	if (n->type != YAMLDOC_SCALAR || n->scalar == YAMLDOC_NULL) {
		verr(c, n, "must be a string, not %s", yamldoc_describe(n));
		return NULL;
	}
	if (n->len == 0) {
		verr(c, n, "must not be empty");
		return NULL;
	}
	if (strlen(n->text) != n->len) {
		verr(c, n, "must not contain a NUL character");
		return NULL;
	}
	return n->text;
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

int ev_id_valid(const char *s, size_t len)
{
	if (len < 2 || len > EV_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && i > 0)))
			return 0;
	}
	return 1;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* YYYY, YYYY-MM or YYYY-MM-DD (a real date); parts says which are allowed. */
static bool date_ok(const char *s, bool year_ok, bool day_ok)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t len = strlen(s);
	int y, m, d;

	if (len < 4 || !digits(s, 4))
		return false;
	y = atoi(s);
	if (len == 4)
		return year_ok;
	if ((len != 7 && len != 10) || s[4] != '-' || !digits(s + 5, 2))
		return false;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m < 1 || m > 12)
		return false;
	if (len == 7)
		return true;
	if (!day_ok || s[7] != '-' || !digits(s + 8, 2))
		return false;
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static bool url_ok(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	if (*host == '\0' || *host == '/' || *host == '.')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static bool doi_ok(const char *s)
{
	size_t n = 0;

	if (strncmp(s, "10.", 3) != 0)
		return false;
	for (s += 3; s[n] >= '0' && s[n] <= '9'; n++)
		;
	if (n < 4 || n > 9 || s[n] != '/' || s[n + 1] == '\0')
		return false;
	for (s += n + 1; *s; s++)
		if ((unsigned char)*s <= ' ')
			return false;
	return true;
}

static bool country_ok(const char *s)
{
	if (strlen(s) != 2)
		return false;
	for (const char *p = iso_countries; *p; p += 2)
		if (p[0] == s[0] && p[1] == s[1])
			return true;
	return false;
}

static json_t *check_enum(struct vctx *c, const struct yamldoc_node *n, const char *const *vals)
{
	const char *s = want_text(c, n), *dym;
	char allowed[512];

	if (s == NULL)
		return NULL;
	if (in_list(s, vals))
		return json_string(s);
	list_values(vals, allowed, sizeof(allowed));
	dym = ev_did_you_mean(s, vals, list_len(vals));
	if (dym != NULL)
		verr(c, n, "\"%s\" is not one of %s (did you mean \"%s\"?)", s, allowed, dym);
	else
		verr(c, n, "\"%s\" is not one of %s", s, allowed);
	return NULL;
}

static json_t *check_id(struct vctx *c, const struct yamldoc_node *n)
{
	const char *s = want_text(c, n);

	if (s == NULL)
		return NULL;
	if (!ev_id_valid(s, n->len)) {
		verr(c, n,
		     "\"%s\" is not a valid id: use 2 to %d lower-case letters, digits and "
		     "hyphens, starting with a letter or digit",
		     s, EV_ID_MAX);
		return NULL;
	}
	return json_string(s);
}

/* Integers as -?(0|[1-9][0-9]*); other numbers without a 0x, 0o or 0b base
 * (YAML reads +202, -001, 0o17 and 0x7E4 as integers). */
static bool plain_number(const char *s, bool integer)
{
	const char *p = s;

	if (*p == '-' || (!integer && *p == '+'))
		p++;
	if (p[0] == '0' && p[1] != '\0' && strchr("xXoObB", p[1]) != NULL)
		return false;
	if (!integer)
		return true;
	if (p[0] == '0')
		return p[1] == '\0';
	return p[0] >= '1' && p[0] <= '9' && strspn(p, "0123456789") == strlen(p);
}

static json_t *check_number(struct vctx *c, const struct yamldoc_node *n, const struct field *f)
{
	bool integer = f->type == F_INT;

	if (n->type != YAMLDOC_SCALAR ||
	    (n->scalar != YAMLDOC_INT && (integer || n->scalar != YAMLDOC_FLOAT))) {
		verr(c, n, "must be %s, not %s", integer ? "an integer" : "a number",
		     yamldoc_describe(n));
		return NULL;
	}
	if (!isfinite(n->d)) {
		verr(c, n, "must be a finite number, not %s", n->text);
		return NULL;
	}
	if (!plain_number(n->text, integer)) {
		verr(c, n, "must be written as a plain decimal %s, not %s",
		     integer ? "integer (like 2021)" : "number (like 0.85)", n->text);
		return NULL;
	}
	if ((f->flags & LO) && (f->flags & HI) && (n->d < f->min || n->d > f->max)) {
		verr(c, n, "must be between %g and %g, not %s", f->min, f->max, n->text);
		return NULL;
	}
	if ((f->flags & LO) && (f->flags & LO_EX) && n->d <= f->min) {
		verr(c, n, "must be greater than %g, not %s", f->min, n->text);
		return NULL;
	}
	if ((f->flags & LO) && n->d < f->min) {
		verr(c, n, "must be at least %g, not %s", f->min, n->text);
		return NULL;
	}
	return n->scalar == YAMLDOC_INT ? json_integer(n->i) : json_real(n->d);
}

static json_t *check_string(struct vctx *c, const struct yamldoc_node *n, const struct field *f)
{
	const char *s = want_text(c, n);
	size_t chars;

	if (s == NULL)
		return NULL;
	chars = utf8_chars(s, n->len);
	if ((f->flags & HI) && (double)chars > f->max) {
		verr(c, n, "is too long (%zu characters; the limit is %g)", chars, f->max);
		return NULL;
	}
	return json_stringn(s, n->len);
}

static json_t *check_pattern(struct vctx *c, const struct yamldoc_node *n, enum ftype type)
{
	const char *s;

	if (type == F_DATE && n->type == YAMLDOC_SCALAR && n->scalar == YAMLDOC_INT &&
	    n->len == 4 && digits(n->text, 4))
		return json_string(n->text); /* published: 2021, not +202, -001 or 0o17 */
	if ((s = want_text(c, n)) == NULL)
		return NULL;
	switch (type) {
	case F_DATE:
		if (date_ok(s, true, true))
			return json_string(s);
		verr(c, n, "\"%s\" is not a date; use YYYY, YYYY-MM or YYYY-MM-DD", s);
		return NULL;
	case F_MONTH:
		if (date_ok(s, false, false))
			return json_string(s);
		verr(c, n, "\"%s\" is not a month; use YYYY-MM", s);
		return NULL;
	case F_URL:
		if (url_ok(s))
			return json_string(s);
		verr(c, n, "\"%s\" is not an http or https URL", s);
		return NULL;
	case F_DOI:
		if (doi_ok(s))
			return json_string(s);
		verr(c, n,
		     "\"%s\" is not a DOI; write it as \"10.NNNN/suffix\", without "
		     "\"https://doi.org/\"",
		     s);
		return NULL;
	case F_COUNTRY:
		if (country_ok(s))
			return json_string(s);
		if (strcmp(s, "UK") == 0 || strcmp(s, "uk") == 0) {
			verr(c, n,
			     "\"%s\" is not an ISO 3166-1 alpha-2 country code (did you mean "
			     "\"GB\"?)",
			     s);
		} else if (n->len == 2 &&
		           country_ok((char[]){(char)(s[0] & ~0x20), (char)(s[1] & ~0x20), 0})) {
			verr(c, n,
			     "\"%s\" is not an ISO 3166-1 alpha-2 country code (did you mean "
			     "\"%c%c\"?)",
			     s, s[0] & ~0x20, s[1] & ~0x20);
		} else {
			verr(c, n,
			     "\"%s\" is not an ISO 3166-1 alpha-2 country code such as \"GB\" or "
			     "\"US\"",
			     s);
		}
		return NULL;
	default: return NULL;
	}
}

struct keyed {
	const struct yamldoc_node *n;
	size_t idx;
};

static bool numeric(const struct yamldoc_node *n)
{
	return n->type == YAMLDOC_SCALAR &&
	       (n->scalar == YAMLDOC_INT || n->scalar == YAMLDOC_FLOAT);
}

/* Numbers compare as numbers (2020 and 0x7E4 are one year), the rest as text. */
static int cmp_value(const struct yamldoc_node *x, const struct yamldoc_node *y)
{
	bool xn = numeric(x), yn = numeric(y);

	if (xn && yn)
		return (x->d > y->d) - (x->d < y->d);
	if (xn != yn)
		return xn ? -1 : 1;
	return strcmp(x->text, y->text);
}

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = cmp_value(x->n, y->n);

	return r != 0 ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Reports each of v[0..n) whose text repeats an earlier one: with the path of
 * the list plus "[idx]" plus suffix (may be ""), and message
 * "<what> "<text>" (also in <path>[first])" or, when what is NULL,
 * ""<text>" is listed more than once". Sorts v.
 */
static void report_repeats(struct vctx *c, struct keyed *v, size_t n, const char *suffix,
                           const char *what)
{
	char list[FIELD_MAX];

	snprintf(list, sizeof(list), "%s", c->path);
	qsort(v, n, sizeof(*v), cmp_keyed);
	for (size_t i = 1, first = 0; i < n; i++) {
		size_t old;

		if (cmp_value(v[i].n, v[first].n) != 0) {
			first = i;
			continue;
		}
		old = push_index(c, v[i].idx);
		if (*suffix)
			push_key(c, suffix);
		if (what != NULL)
			verr(c, v[i].n, "duplicate %s \"%s\" (also in %s[%zu])", what, v[i].n->text,
			     list, v[first].idx);
		else
			verr(c, v[i].n, "\"%s\" is listed more than once", v[i].n->text);
		pop(c, old);
	}
}

static json_t *check_list(struct vctx *c, const struct yamldoc_node *n, const struct field *f)
{
	json_t *arr;
	struct keyed *seen;
	size_t nseen = 0;

	if (n->type != YAMLDOC_SEQ) {
		verr(c, n, "must be a list, not %s", yamldoc_describe(n));
		return NULL;
	}
	if ((f->flags & LO) && (double)n->n < f->min) {
		verr(c, n, "must list at least %g item%s", f->min, f->min == 1 ? "" : "s");
		return NULL;
	}
	arr = json_array();
	seen = malloc((n->n ? n->n : 1) * sizeof(*seen));
	if (arr == NULL || seen == NULL) {
		c->nomem = 1;
		free(seen);
		return arr;
	}
	for (size_t i = 0; i < n->n; i++) {
		size_t old = push_index(c, i);
		json_t *v = f->type == F_ENUMS ? check_enum(c, n->items[i], f->vals)
		                               : check_id(c, n->items[i]);

		pop(c, old);
		if (v != NULL) {
			json_array_append_new(arr, v);
			seen[nseen++] = (struct keyed){n->items[i], i};
		}
	}
	report_repeats(c, seen, nseen, "", NULL);
	free(seen);
	return arr;
}

static json_t *check_map(struct vctx *c, const struct yamldoc_node *m, const struct schema *s);

static json_t *check_maps(struct vctx *c, const struct yamldoc_node *n, const struct field *f)
{
	json_t *arr;
	struct keyed *seen;

	if (n->type != YAMLDOC_SEQ) {
		verr(c, n, "must be a list of maps, not %s", yamldoc_describe(n));
		return NULL;
	}
	if ((f->flags & LO) && (double)n->n < f->min) {
		verr(c, n, "must list at least %g item%s", f->min, f->min == 1 ? "" : "s");
		return NULL;
	}
	arr = json_array();
	seen = malloc((n->n ? n->n : 1) * sizeof(*seen));
	if (arr == NULL || seen == NULL) {
		c->nomem = 1;
		free(seen);
		return arr;
	}
	for (size_t i = 0; i < n->n; i++) {
		size_t old = push_index(c, i);
		json_t *v = check_map(c, n->items[i], f->sub);

		pop(c, old);
		if (v != NULL)
			json_array_append_new(arr, v);
	}
	for (const struct field *u = f->sub->fields; u->key != NULL; u++) {
		size_t nseen = 0;

		if (!(u->flags & UNIQUE))
			continue;
		for (size_t i = 0; i < n->n; i++) {
			const struct yamldoc_node *v = yamldoc_get(n->items[i], u->key);

			if (v != NULL && v->type == YAMLDOC_SCALAR && v->scalar != YAMLDOC_NULL)
				seen[nseen++] = (struct keyed){v, i};
		}
		report_repeats(c, seen, nseen, u->key, u->key);
	}
	free(seen);
	return arr;
}

static bool has_nonfinite(const struct yamldoc_node *n)
{
	if (n->type == YAMLDOC_SCALAR)
		return n->scalar == YAMLDOC_FLOAT && !isfinite(n->d);
	for (size_t i = 0; i < (n->type == YAMLDOC_MAP ? 2 * n->n : n->n); i++)
		if (has_nonfinite(n->items[i]))
			return true;
	return false;
}

static json_t *check_ci(struct vctx *c, const struct yamldoc_node *n)
{
	static const struct field num = {"ci95", F_NUM, 0, NOB};
	json_t *lo, *hi;

	if (n->type != YAMLDOC_SEQ || n->n != 2) {
		verr(c, n, "must be a list of two numbers [lower, upper], not %s",
		     n->type == YAMLDOC_SEQ ? "a list of another length" : yamldoc_describe(n));
		return NULL;
	}
	lo = check_number(c, n->items[0], &num);
	hi = check_number(c, n->items[1], &num);
	if (lo == NULL || hi == NULL) {
		json_decref(lo);
		json_decref(hi);
		return NULL;
	}
	if (n->items[0]->d > n->items[1]->d) {
		verr(c, n, "lower bound %s is above the upper bound %s", n->items[0]->text,
		     n->items[1]->text);
		json_decref(lo);
		json_decref(hi);
		return NULL;
	}
	return json_pack("[oo]", lo, hi);
}

static json_t *check_effect(struct vctx *c, const struct yamldoc_node *n)
{
	const struct yamldoc_node *mn = yamldoc_get(n, "measure");
	char allowed[256];
	json_t *j;
	size_t old;

	if (n->type != YAMLDOC_MAP) {
		verr(c, n, "must be a map, not %s", yamldoc_describe(n));
		return NULL;
	}
	if (mn == NULL) {
		list_values(vocab_measures, allowed, sizeof(allowed));
		verr(c, n, "missing required key \"measure\" (one of %s)", allowed);
		return NULL;
	}
	old = push_key(c, "measure");
	j = check_enum(c, mn, vocab_measures);
	pop(c, old);
	if (j == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(effect_schemas) / sizeof(effect_schemas[0]); i++)
		if (strcmp(effect_schemas[i].measure, json_string_value(j)) == 0) {
			json_decref(j);
			return check_map(c, n, &effect_schemas[i]);
		}
	json_decref(j);
	return NULL;
}

static json_t *check_value(struct vctx *c, const struct yamldoc_node *n, const struct field *f)
{
	switch (f->type) {
	case F_KIND: return json_string(n->text); /* checked before the table was chosen */
	case F_ID: return check_id(c, n);
	case F_STR: return check_string(c, n, f);
	case F_FLAG:
		if (n->type == YAMLDOC_SCALAR && strcmp(n->text, "unverified") == 0) {
			verr(c, n,
			     "\"unverified\" figures may not be shipped; verify the figure, or use "
			     "\"secondary\" for one taken from a published source");
			return NULL;
		}
		return check_enum(c, n, f->vals);
	case F_ENUM: return check_enum(c, n, f->vals);
	case F_ENUMS:
	case F_IDS: return check_list(c, n, f);
	case F_INT:
	case F_NUM: return check_number(c, n, f);
	case F_DATE:
	case F_MONTH:
	case F_URL:
	case F_DOI:
	case F_COUNTRY: return check_pattern(c, n, f->type);
	case F_MAP: return check_map(c, n, f->sub);
	case F_MAPS: return check_maps(c, n, f);
	case F_EFFECT: return check_effect(c, n);
	case F_CI: return check_ci(c, n);
	case F_FREE:
		if (n->type != YAMLDOC_MAP) {
			verr(c, n, "must be a map, not %s", yamldoc_describe(n));
			return NULL;
		}
		if (has_nonfinite(n)) {
			verr(c, n, "must not hold infinite or NaN numbers (JSON has none)");
			return NULL;
		}
		return yamldoc_to_json(n);
	}
	return NULL;
}

static bool is_effect_key(const char *key)
{
	static const char *const keys[] = {"measure",   "estimate", "ci95", "se",
	                                   "treatment", "control",  NULL};

	return in_list(key, keys);
}

static void unknown_key(struct vctx *c, const struct yamldoc_node *key, const struct schema *s)
{
	const char *names[32], *dym;
	size_t n = 0;

	if (s->measure != NULL && is_effect_key(key->text)) {
		verr(c, key, "key \"%s\" is not allowed with measure \"%s\"", key->text,
		     s->measure);
		return;
	}
	for (const struct field *f = s->fields; f->key != NULL && n < 32; f++)
		names[n++] = f->key;
	dym = ev_did_you_mean(key->text, names, n);
	if (dym != NULL) {
		verr(c, key, "unknown key \"%s\" (did you mean \"%s\"?)", key->text, dym);
	} else {
		char allowed[512];

		names[n] = NULL;
		list_values(names, allowed, sizeof(allowed));
		verr(c, key, "unknown key \"%s\"; allowed keys are %s", key->text, allowed);
	}
}

/* Checks map m against s; returns the canonical map (possibly incomplete
 * when errors were reported), or NULL when m is no map. */
static json_t *check_map(struct vctx *c, const struct yamldoc_node *m, const struct schema *s)
{
	json_t *out;
	int before = c->nerr;

	if (m->type != YAMLDOC_MAP) {
		verr(c, m, "must be a map, not %s", yamldoc_describe(m));
		return NULL;
	}
	if ((out = json_object()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	for (const struct field *f = s->fields; f->key != NULL; f++) {
		const struct yamldoc_node *v = yamldoc_get(m, f->key);
		json_t *j = NULL;

		if (v == NULL && f->def != NULL) {
			j = json_loads(f->def, JSON_DECODE_ANY, NULL);
		} else if (v == NULL) {
			if (f->flags & REQ)
				verr(c, m, "missing required key \"%s\"", f->key);
			continue;
		} else {
			int nerr = c->nerr;
			size_t old = push_key(c, f->key);

			j = check_value(c, v, f);
			pop(c, old);
			if (j == NULL && c->nerr == nerr)
				c->nomem = 1;
		}
		if (j != NULL && json_object_set_new(out, f->key, j) != 0)
			c->nomem = 1;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct field *f = s->fields;

		while (f->key != NULL && strcmp(f->key, m->items[2 * i]->text) != 0)
			f++;
		if (f->key == NULL)
			unknown_key(c, m->items[2 * i], s);
	}
	if (s->check != NULL && c->nerr == before)
		s->check(c, m, out);
	return out;
}

/* ---- checks across the keys of one map ---- */

static void check_period(struct vctx *c, const struct yamldoc_node *m, json_t *out)
{
	const char *from = json_string_value(json_object_get(out, "from"));
	const char *to = json_string_value(json_object_get(out, "to"));

	if (from != NULL && to != NULL && strcmp(from, to) > 0) {
		size_t old = push_key(c, "to");

		verr(c, yamldoc_get(m, "to"), "\"%s\" is before \"from\" (\"%s\")", to, from);
		pop(c, old);
	}
}

static void check_ratio(struct vctx *c, const struct yamldoc_node *m, json_t *out)
{
	const char *measure = json_string_value(json_object_get(out, "measure"));
	const json_t *ci = json_object_get(out, "ci95");
	const struct yamldoc_node *est = yamldoc_get(m, "estimate"), *civ = yamldoc_get(m, "ci95");
	size_t old;

	if (ci != NULL && json_object_get(out, "se") != NULL) {
		old = push_key(c, "se");
		verr(c, yamldoc_get_key(m, "se"), "give either \"ci95\" or \"se\", not both");
		pop(c, old);
	}
	if (ci == NULL || civ == NULL)
		return;
	old = push_key(c, "ci95");
	if (strstr(measure, "-ratio") != NULL && civ->items[0]->d <= 0)
		verr(c, yamldoc_get_key(m, "ci95"),
		     "lower bound %s is not a ratio; ratios are greater than 0",
		     civ->items[0]->text);
	else if (strcmp(measure, "percent-change") == 0 && civ->items[0]->d <= -100)
		verr(c, yamldoc_get_key(m, "ci95"),
		     "lower bound %s is not possible; a percent change is greater than -100",
		     civ->items[0]->text);
	else if (est != NULL && civ->items[0]->d > est->d)
		verr(c, yamldoc_get_key(m, "ci95"), "lower bound %s is above the estimate %s",
		     civ->items[0]->text, est->text);
	else if (est != NULL && civ->items[1]->d < est->d)
		verr(c, yamldoc_get_key(m, "ci95"), "upper bound %s is below the estimate %s",
		     civ->items[1]->text, est->text);
	pop(c, old);
}

static void check_arm(struct vctx *c, const struct yamldoc_node *m, json_t *out)
{
	json_int_t events = json_integer_value(json_object_get(out, "events"));
	json_int_t n = json_integer_value(json_object_get(out, "n"));

	if (json_object_get(out, "events") != NULL && json_object_get(out, "n") != NULL &&
	    events > n) {
		size_t old = push_key(c, "events");

		verr(c, yamldoc_get(m, "events"),
		     "events (%" JSON_INTEGER_FORMAT ") cannot exceed n (%" JSON_INTEGER_FORMAT ")",
		     events, n);
		pop(c, old);
	}
}

/* The year now (UTC): price years after it are refused. */
static int current_year(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return 2100;
	return tm.tm_year + 1900;
}

/* A participant baseline above EV_PARTICIPANT_RATE_MAX events a year is a
 * slip (48 for 0.48), not a rate: refused with the figure. */
static void check_baseline(struct vctx *c, const struct yamldoc_node *m, json_t *out)
{
	const char *per = json_string_value(json_object_get(out, "per"));
	double rate = json_number_value(json_object_get(out, "rate"));
	double years = json_number_value(json_object_get(out, "years"));
	size_t old;

	if (per == NULL || strcmp(per, "participant") != 0 || !(years > 0) ||
	    rate / years <= EV_PARTICIPANT_RATE_MAX)
		return;
	old = push_key(c, "rate");
	verr(c, yamldoc_get(m, "rate"),
	     "%g per participant over %g year(s) is %g a year, above the bound of %d a year: "
	     "a rate is events per participant (0.48, not 48)",
	     rate, years, rate / years, EV_PARTICIPANT_RATE_MAX);
	pop(c, old);
}

/* Costs: no price year in the future; a public-purse part within the amount. */
static void check_priced(struct vctx *c, const struct yamldoc_node *m, json_t *out)
{
	const json_t *py = json_object_get(out, "price_year"), *pp;
	int now = current_year();
	size_t old;

	if (json_is_integer(py) && json_integer_value(py) > now) {
		old = push_key(c, "price_year");
		verr(c, yamldoc_get(m, "price_year"),
		     "price year %" JSON_INTEGER_FORMAT " is in the future (this is %d)",
		     json_integer_value(py), now);
		pop(c, old);
	}
	pp = json_object_get(out, "public_purse");
	if (json_is_number(pp) &&
	    json_number_value(pp) > json_number_value(json_object_get(out, "amount"))) {
		old = push_key(c, "public_purse");
		verr(c, yamldoc_get(m, "public_purse"),
		     "public_purse %g is above the amount %g: it is the part of the amount paid "
		     "from public budgets",
		     json_number_value(pp), json_number_value(json_object_get(out, "amount")));
		pop(c, old);
	}
}

/* ---- documents ---- */

/* Records the key and position of every entry of a unit-costs or baselines
 * document, for ev_check_set. 0 or -1 on out of memory. */
static int collect_keys(struct ev_doc *doc, const struct yamldoc_node *root)
{
	const struct yamldoc_node *en = yamldoc_get(root, "entries");

	if (en == NULL || en->type != YAMLDOC_SEQ || en->n == 0)
		return 0;
	if ((doc->keys = calloc(en->n, sizeof(*doc->keys))) == NULL)
		return -1;
	for (size_t i = 0; i < en->n; i++) {
		const struct yamldoc_node *ct = yamldoc_get(en->items[i], "crime_type");
		const struct yamldoc_node *co = yamldoc_get(en->items[i], "cohort");
		struct ev_entry_key *k = &doc->keys[doc->n_keys];

		if (ct == NULL || ct->type != YAMLDOC_SCALAR)
			continue;
		if (doc->kind == EV_BASELINES) {
			if (co == NULL || co->type != YAMLDOC_SCALAR)
				continue;
			snprintf(k->key, sizeof(k->key), "%.80s/%.80s", ct->text, co->text);
		} else {
			snprintf(k->key, sizeof(k->key), "%.80s", ct->text);
		}
		k->entry = i;
		k->line = ct->line;
		k->col = ct->col;
		doc->n_keys++;
	}
	return 0;
}

int ev_rules_check(struct ev_doc *doc, const struct yamldoc_node *root, struct ev_errors *errs)
{
	struct vctx c = {.file = doc->path, .errs = errs};
	const struct yamldoc_node *kn, *v;
	char allowed[256];
	json_t *body, *kj;
	int kind;

	doc->body = NULL;
	if (root->type != YAMLDOC_MAP) {
		verr(&c, root,
		     "a document must be a map of keys such as \"kind\" and \"id\", not %s",
		     yamldoc_describe(root));
		return WW_EINVALID;
	}
	if ((kn = yamldoc_get(root, "kind")) == NULL) {
		list_values(vocab_kinds, allowed, sizeof(allowed));
		verr(&c, root, "missing required key \"kind\" (one of %s)", allowed);
		return c.nomem ? WW_ENOMEM : WW_EINVALID;
	}
	push_key(&c, "kind");
	kj = check_enum(&c, kn, vocab_kinds);
	pop(&c, 0);
	if (kj == NULL)
		return c.nomem || c.nerr == 0 ? WW_ENOMEM : WW_EINVALID;
	kind = ev_kind_parse(json_string_value(kj));
	json_decref(kj);
	doc->kind = (enum ev_kind)kind;

	body = check_map(&c, root, &kind_schemas[kind]);
	if ((v = yamldoc_get(root, "id")) != NULL) {
		doc->line = v->line;
		doc->col = v->col;
		if (json_object_get(body, "id") != NULL)
			snprintf(doc->id, sizeof(doc->id), "%s", v->text);
	}
	if (kind == EV_EVALUATION && (v = yamldoc_get(root, "intervention")) != NULL) {
		doc->ref_line = v->line;
		doc->ref_col = v->col;
		if (json_object_get(body, "intervention") != NULL)
			snprintf(doc->intervention, sizeof(doc->intervention), "%s", v->text);
	}
	if (!c.nomem && c.nerr == 0 && body != NULL &&
	    (kind == EV_UNIT_COSTS || kind == EV_BASELINES) && collect_keys(doc, root) != 0)
		c.nomem = 1;
	if (c.nomem || c.nerr > 0 || body == NULL) {
		json_decref(body);
		return c.nomem ? WW_ENOMEM : WW_EINVALID;
	}
	doc->body = body;
	return 0;
}
