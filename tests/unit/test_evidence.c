/*
 * test_evidence.c - the evidence format: one case per rule and per message
 */
#include "err.h"
#include "evidence.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An intervention: 6 lines, more keys go on line 7. */
#define IV "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg]\nlevel: person\nsummary: S\n"
/* An evaluation without outcomes: 8 lines. */
#define EV_HEAD                                                                                    \
	"kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\nsource: {citation: C}\n"    \
	"design: rct\nquality: 3\nsubmitted_by: S\n"
/* ... with one outcome (lines 9-11); more keys go on line 12. */
#define EV                                                                                         \
	EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {measure: risk-ratio, estimate: " \
	        "0.8}\n"
/* An outcome whose effect is a block map from line 12 (measure), 13, 14 ... */
#define EV_EFFECT EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect:\n      measure: "
/* Reference data: 4 lines, entries on line 5, the first entry on line 6. */
#define REF(kind) "kind: " kind "\nid: ref-one\ntitle: T\nsource: {citation: C}\n"
#define UC_ENTRY                                                                                   \
	"  - {crime_type: robbery, amount: 100, unit: crime, price_year: 2015, flag: verified}\n"

#define ID_MSG                                                                                     \
	" is not a valid id: use 2 to 80 lower-case letters, digits and hyphens, starting with a " \
	"letter or digit"
#define SECTORS                                                                                    \
	"\"police\", \"health\", \"education\", \"local-government\", \"charity\", "               \
	"\"probation\", "                                                                          \
	"\"housing\", \"youth-justice\" or \"other\""
#define MEASURES                                                                                   \
	"\"risk-ratio\", \"rate-ratio\", \"odds-ratio\", \"percent-change\", \"smd\" or "          \
	"\"counts\""

/* Every error of one file, formatted, one a line ("" when valid). */
static char *errors_of(const char *yaml, size_t len, struct ev_doc **docp)
{
	struct ev_errors errs = {0};
	struct ev_doc *doc = NULL;
	size_t cap = 1 << 16, used = 0;
	char *out = calloc(1, cap);
	int rc = ev_parse(&doc, "t.yaml", yaml, len, &errs);

	cr_assert(rc == 0 || rc == WW_EINVALID, "rc %d", rc);
	cr_assert_eq(rc == 0, errs.n == 0, "rc %d with %zu errors", rc, errs.n);
	cr_assert_eq(rc == 0, doc != NULL);
	for (size_t i = 0; i < errs.n; i++) {
		used += strlen(out + used);
		if (i)
			out[used++] = '\n';
		ev_error_format(&errs.v[i], out + used, cap - used);
	}
	ev_errors_free(&errs);
	if (docp != NULL)
		*docp = doc;
	else
		ev_doc_free(doc);
	return out;
}

struct rule_case {
	const char *name;
	const char *yaml;
	const char *want;
};

/* want with "YEAR" replaced by the current year (price years after it are
 * refused) */
static void with_year(char *out, size_t size, const char *want)
{
	const char *y = strstr(want, "YEAR");
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (y == NULL)
		snprintf(out, size, "%s", want);
	else
		snprintf(out, size, "%.*s%d%s", (int)(y - want), want, tm.tm_year + 1900, y + 4);
}

static void run_cases(const struct rule_case *cases, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char *got = errors_of(cases[k].yaml, strlen(cases[k].yaml), NULL);
		char want[4096];

		with_year(want, sizeof(want), cases[k].want);
		cr_expect_str_eq(got, want, "case \"%s\" gave\n%s", cases[k].name, got);
		free(got);
	}
}

Test(evidence, valid_examples_from_the_format)
{
	static const struct rule_case cases[] = {
	    {"intervention example",
	     "kind: intervention\nid: focused-deterrence\nname: Focused deterrence\n"
	     "themes: [knife-crime]\nlevel: place\nsummary: >\n  Group-violence call-ins that pair "
	     "a clear enforcement message with offers of support.\n"
	     "sectors: [police, local-government, charity]\n",
	     ""},
	    {"evaluation example",
	     "kind: evaluation\nid: checkpoint-durham-rct\nintervention: "
	     "checkpoint-deferred-prosecution\ntitle: Checkpoint deferred prosecution randomised "
	     "trial\nsource:\n  citation: Weir et al. (2021), The Police Journal\n  doi: "
	     "10.1177/0032258X211018774\n  published: 2021\ndesign: rct\nquality: 5\nsample_size: "
	     "356\ncountry: GB\nareas: [durham]\noutcomes:\n  - crime_type: reoffending\n    "
	     "description: any reoffence within 24 months\n    effect: {measure: counts, "
	     "treatment: {events: 62, n: 178}, control: {events: 85, n: 178}}\n    baseline: "
	     "{rate: 0.48, per: participant, years: 2}\n    follow_up_months: 24\nsubmitted_by: "
	     "Durham Constabulary\n",
	     ""},
	    {"everything optional",
	     IV "mechanism: M\nmoderators: M\nimplementation: I\n"
	        "sectors: [health]\ntags: [hot-spots, c2]\nextra: {any: [1, {x: y}], Key: ~}\n",
	     ""},
	    {"smd below zero", EV_EFFECT "smd\n      estimate: -0.3\n      se: 0.1\n", ""},
	    {"percent-change",
	     EV_EFFECT "percent-change\n      estimate: -21\n      ci95: [-35, -5]\n", ""},
	    {"percent-change with se (of ln(1 + p/100), as the model takes it)",
	     EV_EFFECT "percent-change\n      estimate: -21\n      se: 0.1\n", ""},
	    {"published forms",
	     EV "cost: {amount: 1, per: area-year, price_year: 2019, note: n}\n"
	        "period: {from: 2019-01, to: 2019-01}\ncountry: US\n",
	     ""},
	    {"leap day",
	     EV_HEAD "outcomes: [{crime_type: robbery, effect: {measure: smd, estimate: 0}}]\n"
	             "licence: CC-BY-4.0\nnotes: n\n",
	     ""},
	    {"unit costs",
	     REF("unit-costs") "entries:\n" UC_ENTRY "  - {crime_type: burglary, amount: 5.5, "
	                       "unit: victim, price_year: 2015, "
	                       "flag: secondary, note: n}\nnotes: n\n",
	     ""},
	    {"deflators",
	     REF("deflators") "base: \"2024-25 = 100\"\nentries: [{year: 2015, index: 74.5804, "
	                      "flag: secondary}, {year: 2016, index: 76, flag: verified}]\n",
	     ""},
	    {"areas",
	     REF("areas") "entries: [{id: avon-and-somerset, name: Avon and Somerset, "
	                  "country: england, body: pcc}, {id: dyfed-powys, name: Dyfed-Powys, "
	                  "country: "
	                  "wales, body: pfcc}]\n",
	     ""},
	    {"category map",
	     REF("category-map") "entries: [{crime_type: violence-with-injury, "
	                         "police_uk_category: violent-crime}]\n",
	     ""},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(evidence, document_rules)
{
	static const struct rule_case cases[] = {
	    {"not a map", "- a\n",
	     "t.yaml:1:1: a document must be a map of keys such as \"kind\" and \"id\", not a "
	     "list"},
	    {"no kind", "id: xx\n",
	     "t.yaml:1:1: missing required key \"kind\" (one of \"intervention\", \"evaluation\", "
	     "\"unit-costs\", \"deflators\", \"areas\", \"category-map\" or \"baselines\")"},
	    {"kind typo", "kind: interventon\nid: xx\n",
	     "t.yaml:1:7: kind: \"interventon\" is not one of \"intervention\", \"evaluation\", "
	     "\"unit-costs\", \"deflators\", \"areas\", \"category-map\" or \"baselines\" (did you "
	     "mean "
	     "\"intervention\"?)"},
	    {"kind not text", "kind: [a]\n", "t.yaml:1:7: kind: must be a string, not a list"},
	    {"syntax error", "kind: [\n",
	     "t.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow "
	     "node that starts at line 2, column 1)"},
	    {"duplicate key", IV "name: again\n",
	     "t.yaml:7:1: name: duplicate key \"name\" (first at line 3, column 1)"},
	    {"duplicate key and another error", IV "name: again\nlevel2: x\n",
	     "t.yaml:7:1: name: duplicate key \"name\" (first at line 3, column 1)\n"
	     "t.yaml:8:1: unknown key \"level2\" (did you mean \"level\"?)"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(evidence, intervention_rules)
{
	static const struct rule_case cases[] = {
	    {"unknown key with suggestion",
	     "kind: intervention\nid: iv-one\nname: N\nthemse: [vawg]\nlevel: person\nsummary: S\n",
	     "t.yaml:1:1: missing required key \"themes\"\n"
	     "t.yaml:4:1: unknown key \"themse\" (did you mean \"themes\"?)"},
	    {"unknown key without suggestion", IV "colour: blue\n",
	     "t.yaml:7:1: unknown key \"colour\"; allowed keys are \"kind\", \"id\", \"name\", "
	     "\"themes\", \"level\", \"cohort\", \"summary\", \"mechanism\", \"moderators\", "
	     "\"implementation\", "
	     "\"sectors\", \"tags\", \"toolkit_ratings\" or \"extra\""},
	    {"id pattern", "kind: intervention\nid: '-bad'\n",
	     "t.yaml:1:1: missing required key \"name\"\n"
	     "t.yaml:1:1: missing required key \"themes\"\n"
	     "t.yaml:1:1: missing required key \"level\"\n"
	     "t.yaml:1:1: missing required key \"summary\"\n"
	     "t.yaml:2:5: id: \"-bad\"" ID_MSG},
	    {"id too short", IV "tags: [x]\n", "t.yaml:7:8: tags[0]: \"x\"" ID_MSG},
	    {"id upper case", IV "tags: [Hot]\n", "t.yaml:7:8: tags[0]: \"Hot\"" ID_MSG},
	    {"tags not a list", IV "tags: hot\n", "t.yaml:7:7: tags: must be a list, not a string"},
	    {"tag twice", IV "tags: [ab, ab]\n",
	     "t.yaml:7:12: tags[1]: \"ab\" is listed more than once"},
	    {"themes empty",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: []\nlevel: person\nsummary: S\n",
	     "t.yaml:4:9: themes: must list at least 1 item"},
	    {"theme twice",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg, vawg]\nlevel: "
	     "person\nsummary: S\n",
	     "t.yaml:4:16: themes[1]: \"vawg\" is listed more than once"},
	    {"theme unknown",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [knife]\nlevel: person\nsummary: "
	     "S\n",
	     "t.yaml:4:10: themes[0]: \"knife\" is not one of \"knife-crime\", "
	     "\"substance-misuse\" or "
	     "\"vawg\""},
	    {"level typo",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg]\nlevel: plcae\nsummary: S\n",
	     "t.yaml:5:8: level: \"plcae\" is not one of \"person\" or \"place\" (did you mean "
	     "\"place\"?)"},
	    {"sector unknown", IV "sectors: [police, cops]\n",
	     "t.yaml:7:19: sectors[1]: \"cops\" is not one of " SECTORS},
	    {"summary empty",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg]\nlevel: person\nsummary: "
	     "''\n",
	     "t.yaml:6:10: summary: must not be empty"},
	    {"summary null",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg]\nlevel: person\nsummary:\n",
	     "t.yaml:6:9: summary: must be a string, not empty"},
	    {"name a map",
	     "kind: intervention\nid: iv-one\nname: {a: b}\nthemes: [vawg]\nlevel: "
	     "person\nsummary: S\n",
	     "t.yaml:3:7: name: must be a string, not a map"},
	    {"extra not a map", IV "extra: 5\n",
	     "t.yaml:7:8: extra: must be a map, not an integer"},
	    {"extra with infinity", IV "extra: {a: .inf}\n",
	     "t.yaml:7:8: extra: must not hold infinite or NaN numbers (JSON has none)"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The optional toolkit_ratings list: YEF, College of Policing or WSIPP
 * ratings as the toolkit words them. */
Test(evidence, toolkit_ratings)
{
	static const struct rule_case cases[] = {
	    {"two ratings",
	     IV "toolkit_ratings:\n  - {toolkit: yef, rating: 'impact: high'}\n"
	        "  - toolkit: college-of-policing\n    rating: reduced crime\n"
	        "    url: https://www.college.police.uk/research/crime-reduction-toolkit"
	        "\n    seen: 2026-12\n",
	     ""},
	    {"not a list", IV "toolkit_ratings: {toolkit: yef, rating: r}\n",
	     "t.yaml:7:18: toolkit_ratings: must be a list of maps, not a map"},
	    {"empty list", IV "toolkit_ratings: []\n",
	     "t.yaml:7:18: toolkit_ratings: must list at least 1 item"},
	    {"unknown toolkit", IV "toolkit_ratings: [{toolkit: eif, rating: r}]\n",
	     "t.yaml:7:29: toolkit_ratings[0].toolkit: \"eif\" is not one of \"yef\", "
	     "\"college-of-policing\" or \"wsipp\""},
	    {"rating missing", IV "toolkit_ratings: [{toolkit: yef}]\n",
	     "t.yaml:7:19: toolkit_ratings[0]: missing required key \"rating\""},
	    {"rating empty", IV "toolkit_ratings: [{toolkit: yef, rating: ''}]\n",
	     "t.yaml:7:42: toolkit_ratings[0].rating: must not be empty"},
	    {"bad url and month",
	     IV "toolkit_ratings: [{toolkit: wsipp, rating: r, url: x.org, "
	        "seen: 2026}]\n",
	     "t.yaml:7:52: toolkit_ratings[0].url: \"x.org\" is not an http or https URL\n"
	     "t.yaml:7:65: toolkit_ratings[0].seen: \"2026\" is not a month; use YYYY-MM"},
	    {"unknown key", IV "toolkit_ratings: [{toolkit: yef, rating: r, score: 3}]\n",
	     "t.yaml:7:45: toolkit_ratings[0]: unknown key \"score\"; allowed keys are "
	     "\"toolkit\", \"rating\", \"url\" or \"seen\""},
	};
	char yaml[512];
	char *got;

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));

	/* at most 100 characters */
	snprintf(yaml, sizeof(yaml), IV "toolkit_ratings: [{toolkit: yef, rating: %0100d}]\n", 0);
	got = errors_of(yaml, strlen(yaml), NULL);
	cr_expect_str_eq(got, "");
	free(got);
	snprintf(yaml, sizeof(yaml), IV "toolkit_ratings: [{toolkit: yef, rating: %0101d}]\n", 0);
	got = errors_of(yaml, strlen(yaml), NULL);
	cr_expect(strstr(got, "toolkit_ratings[0].rating:") != NULL, "%s", got);
	free(got);
}

/* The ratings are kept in the body, in table order, between tags and extra. */
Test(evidence, toolkit_ratings_in_the_body)
{
	struct ev_doc *doc;
	const char *yaml = IV "extra: {a: 1}\ntoolkit_ratings:\n"
	                      "  - {seen: 2026-12, rating: 'impact: moderate', toolkit: yef}\n"
	                      "tags: [ab]\n";
	char *got = errors_of(yaml, strlen(yaml), &doc);
	char *s;

	cr_assert_str_eq(got, "");
	free(got);
	s = json_dumps(doc->body, JSON_COMPACT);
	cr_expect_str_eq(s, "{\"kind\":\"intervention\",\"id\":\"iv-one\",\"name\":\"N\","
	                    "\"themes\":[\"vawg\"],\"level\":\"person\",\"summary\":\"S\","
	                    "\"tags\":[\"ab\"],\"toolkit_ratings\":[{\"toolkit\":\"yef\","
	                    "\"rating\":\"impact: moderate\",\"seen\":\"2026-12\"}],"
	                    "\"extra\":{\"a\":1}}");
	free(s);
	ev_doc_free(doc);
}

Test(evidence, evaluation_rules)
{
	static const struct rule_case cases[] = {
	    {"missing keys", "kind: evaluation\nid: ev-one\n",
	     "t.yaml:1:1: missing required key \"intervention\"\n"
	     "t.yaml:1:1: missing required key \"title\"\n"
	     "t.yaml:1:1: missing required key \"source\"\n"
	     "t.yaml:1:1: missing required key \"design\"\n"
	     "t.yaml:1:1: missing required key \"quality\"\n"
	     "t.yaml:1:1: missing required key \"outcomes\"\n"
	     "t.yaml:1:1: missing required key \"submitted_by\""},
	    {"design typo",
	     "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\nsource: {citation: C}\n"
	     "design: rtc\nquality: 3\nsubmitted_by: S\noutcomes: [{crime_type: robbery, effect: "
	     "{measure: smd, estimate: 0}}]\n",
	     "t.yaml:6:9: design: \"rtc\" is not one of \"meta-analysis\", \"systematic-review\", "
	     "\"rct\", \"quasi-experimental\", \"before-after-controlled\", \"before-after\" or "
	     "\"other\" (did you mean \"rct\"?)"},
	    {"studies zero", EV "studies: 0\n", "t.yaml:12:10: studies: must be at least 1, not 0"},
	    {"sample size float", EV "sample_size: 2.5\n",
	     "t.yaml:12:14: sample_size: must be an integer, not a number"},
	    {"sample size quoted", EV "sample_size: '25'\n",
	     "t.yaml:12:14: sample_size: must be an integer, not a string"},
	    {"country lower case", EV "country: gb\n",
	     "t.yaml:12:10: country: \"gb\" is not an ISO 3166-1 alpha-2 country code (did you "
	     "mean \"GB\"?)"},
	    {"country UK", EV "country: UK\n",
	     "t.yaml:12:10: country: \"UK\" is not an ISO 3166-1 alpha-2 country code (did you "
	     "mean \"GB\"?)"},
	    {"country unknown", EV "country: XX\n",
	     "t.yaml:12:10: country: \"XX\" is not an ISO 3166-1 alpha-2 country code such as "
	     "\"GB\" or \"US\""},
	    {"area twice", EV "areas: [durham, durham]\n",
	     "t.yaml:12:17: areas[1]: \"durham\" is listed more than once"},
	    {"period backwards", EV "period: {from: 2020-03, to: 2019-01}\n",
	     "t.yaml:12:29: period.to: \"2019-01\" is before \"from\" (\"2020-03\")"},
	    {"period month", EV "period: {from: 2019-13, to: 2019}\n",
	     "t.yaml:12:16: period.from: \"2019-13\" is not a month; use YYYY-MM\n"
	     "t.yaml:12:29: period.to: \"2019\" is not a month; use YYYY-MM"},
	    {"period incomplete", EV "period: {from: 2019-01}\n",
	     "t.yaml:12:9: period: missing required key \"to\""},
	    {"outcomes empty", EV_HEAD "outcomes: []\n",
	     "t.yaml:9:11: outcomes: must list at least 1 item"},
	    {"outcomes a map", EV_HEAD "outcomes: {a: b}\n",
	     "t.yaml:9:11: outcomes: must be a list of maps, not a map"},
	    {"outcome not a map", EV_HEAD "outcomes: [robbery]\n",
	     "t.yaml:9:12: outcomes[0]: must be a map, not a string"},
	    {"crime type and follow up",
	     EV_HEAD "outcomes:\n  - {crime_type: Robbery, effect: {measure: "
	             "smd, estimate: 0}, follow_up_months: 0}\n",
	     "t.yaml:10:18: outcomes[0].crime_type: \"Robbery\"" ID_MSG "\n"
	     "t.yaml:10:82: outcomes[0].follow_up_months: must be at least 1, not 0"},
	    {"unknown key in an outcome",
	     EV_HEAD "outcomes:\n  - {crime_type: robbery, effect: {measure: "
	             "smd, estimate: 0}, efect: 1}\n",
	     "t.yaml:10:64: outcomes[0]: unknown key \"efect\" (did you mean \"effect\"?)"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* EV with line lineno (1-based) replaced by line (which ends in "\n") */
static char *ev_with(int lineno, const char *line)
{
	static const char base[] = EV;
	char *out = malloc(sizeof(base) + strlen(line) + 1);
	const char *p = base;
	size_t len = 0;

	for (int l = 1; *p; l++) {
		const char *nl = strchr(p, '\n') + 1;

		if (l == lineno) {
			strcpy(out + len, line);
			len += strlen(line);
		} else {
			memcpy(out + len, p, (size_t)(nl - p));
			len += (size_t)(nl - p);
		}
		p = nl;
	}
	out[len] = '\0';
	return out;
}

Test(evidence, evaluation_values)
{
	static char long_title[400];
	static const struct {
		int line;
		const char *text, *want;
	} cases[] = {
	    {3, "intervention: Bad Id\n", "t.yaml:3:15: intervention: \"Bad Id\"" ID_MSG},
	    {3, "intervention: 12345\n", ""},
	    {7, "quality: 7\n", "t.yaml:7:10: quality: must be between 1 and 5, not 7"},
	    {7, "quality: 0\n", "t.yaml:7:10: quality: must be between 1 and 5, not 0"},
	    {7, "quality: 3.0\n", "t.yaml:7:10: quality: must be an integer, not a number"},
	    {7, "quality: '3'\n", "t.yaml:7:10: quality: must be an integer, not a string"},
	    {7, "quality: true\n", "t.yaml:7:10: quality: must be an integer, not true"},
	    {4, long_title, "t.yaml:4:8: title: is too long (301 characters; the limit is 300)"},
	    {4, "title: 1984\n", ""},
	    {8, "submitted_by: [a]\n", "t.yaml:8:15: submitted_by: must be a string, not a list"},
	};

	memcpy(long_title, "title: ", 7);
	memset(long_title + 7, 'x', 301);
	strcpy(long_title + 308, "\n");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *yaml = ev_with(cases[k].line, cases[k].text);
		char *got = errors_of(yaml, strlen(yaml), NULL);

		cr_expect_str_eq(got, cases[k].want, "%s gave\n%s", cases[k].text, got);
		free(got);
		free(yaml);
	}
}

Test(evidence, string_length_counts_characters)
{
	char yaml[2048] = "kind: intervention\nid: iv-one\nname: ";
	size_t len = strlen(yaml);

	for (int i = 0; i < 200; i++) {
		memcpy(yaml + len, "\xc3\xa9", 2); /* é: 200 characters, 400 bytes */
		len += 2;
	}
	strcpy(yaml + len, "\nthemes: [vawg]\nlevel: person\nsummary: S\n");
	char *got = errors_of(yaml, strlen(yaml), NULL);
	cr_assert_str_eq(got, "");
	free(got);
}

Test(evidence, source_rules)
{
	static const struct rule_case cases[] = {
	    {"no citation",
	     "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\n"
	     "source: {url: 'https://x.org'}\ndesign: rct\nquality: 3\nsubmitted_by: S\n"
	     "outcomes: [{crime_type: robbery, effect: {measure: smd, estimate: 0}}]\n",
	     "t.yaml:5:9: source: missing required key \"citation\""},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));

	/* the source line (5) varies; everything else is EV */
	static const struct {
		const char *source, *want;
	} src[] = {
	    {"{citation: C, url: 'ftp://x.org'}",
	     "t.yaml:5:28: source.url: \"ftp://x.org\" is not an http or https URL"},
	    {"{citation: C, url: 'https://'}",
	     "t.yaml:5:28: source.url: \"https://\" is not an http or https URL"},
	    {"{citation: C, url: 'http://x.org/a b'}",
	     "t.yaml:5:28: source.url: \"http://x.org/a b\" is not an http or https URL"},
	    {"{citation: C, url: 'https://x.org/p?q=1'}", ""},
	    {"{citation: C, doi: 10.1177/0032258X211018774}", ""},
	    {"{citation: C, doi: 'doi:10.1/x'}", "t.yaml:5:28: source.doi: \"doi:10.1/x\" is not a "
	                                         "DOI; write it as \"10.NNNN/suffix\", "
	                                         "without \"https://doi.org/\""},
	    {"{citation: C, published: 2021}", ""},
	    {"{citation: C, published: 2021-05}", ""},
	    {"{citation: C, published: 2020-02-29}", ""},
	    {"{citation: C, published: 2021-02-29}",
	     "t.yaml:5:34: source.published: \"2021-02-29\" is not a date; use YYYY, YYYY-MM or "
	     "YYYY-MM-DD"},
	    {"{citation: C, published: 2021-04-31}",
	     "t.yaml:5:34: source.published: \"2021-04-31\" is not a date; use YYYY, YYYY-MM or "
	     "YYYY-MM-DD"},
	    {"{citation: C, published: 21}", "t.yaml:5:34: source.published: \"21\" is not a date; "
	                                     "use YYYY, YYYY-MM or YYYY-MM-DD"},
	    {"{citation: C, published: May 2021}",
	     "t.yaml:5:34: source.published: \"May 2021\" is not a date; use YYYY, YYYY-MM or "
	     "YYYY-MM-DD"},
	    {"{citation: C, ur: x}",
	     "t.yaml:5:23: source: unknown key \"ur\" (did you mean \"url\"?)"},
	    {"[C]", "t.yaml:5:9: source: must be a map, not a list"},
	};
	for (size_t k = 0; k < sizeof(src) / sizeof(src[0]); k++) {
		char yaml[1024];

		snprintf(
		    yaml, sizeof(yaml),
		    "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\nsource: %s\n"
		    "design: rct\nquality: 3\nsubmitted_by: S\noutcomes: [{crime_type: robbery, "
		    "effect: {measure: smd, estimate: 0}}]\n",
		    src[k].source);
		char *got = errors_of(yaml, strlen(yaml), NULL);
		cr_expect_str_eq(got, src[k].want, "source %s", src[k].source);
		free(got);
	}
}

Test(evidence, effect_rules)
{
	static const struct rule_case cases[] = {
	    {"ci95 example from the format",
	     EV_EFFECT "risk-ratio\n      estimate: 0.73\n      ci95: [0.91, 1.2]\n",
	     "t.yaml:14:7: outcomes[0].effect.ci95: lower bound 0.91 is above the estimate 0.73"},
	    {"upper bound", EV_EFFECT "rate-ratio\n      estimate: 0.73\n      ci95: [0.5, 0.7]\n",
	     "t.yaml:14:7: outcomes[0].effect.ci95: upper bound 0.7 is below the estimate 0.73"},
	    {"bounds reversed",
	     EV_EFFECT "odds-ratio\n      estimate: 0.73\n      ci95: [1.2, 0.5]\n",
	     "t.yaml:14:13: outcomes[0].effect.ci95: lower bound 1.2 is above the upper bound 0.5"},
	    {"ratio bound at 0",
	     EV_EFFECT "risk-ratio\n      estimate: 0.73\n      ci95: [0, 1.1]\n",
	     "t.yaml:14:7: outcomes[0].effect.ci95: lower bound 0 is not a ratio; ratios are "
	     "greater than 0"},
	    {"ci95 of one", EV_EFFECT "risk-ratio\n      estimate: 0.73\n      ci95: [0.5]\n",
	     "t.yaml:14:13: outcomes[0].effect.ci95: must be a list of two numbers [lower, upper], "
	     "not "
	     "a list of another length"},
	    {"ci95 of text", EV_EFFECT "risk-ratio\n      estimate: 0.73\n      ci95: [a, 1]\n",
	     "t.yaml:14:14: outcomes[0].effect.ci95: must be a number, not a string"},
	    {"ci95 and se",
	     EV_EFFECT "risk-ratio\n      estimate: 0.73\n      ci95: [0.5, 0.9]\n      se: 0.1\n",
	     "t.yaml:15:7: outcomes[0].effect.se: give either \"ci95\" or \"se\", not both"},
	    {"se zero", EV_EFFECT "smd\n      estimate: 0.2\n      se: 0\n",
	     "t.yaml:14:11: outcomes[0].effect.se: must be greater than 0, not 0"},
	    {"ratio zero", EV_EFFECT "risk-ratio\n      estimate: 0\n",
	     "t.yaml:13:17: outcomes[0].effect.estimate: must be greater than 0, not 0"},
	    {"ratio text", EV_EFFECT "risk-ratio\n      estimate: low\n",
	     "t.yaml:13:17: outcomes[0].effect.estimate: must be a number, not a string"},
	    {"no estimate", EV_EFFECT "risk-ratio\n",
	     "t.yaml:12:7: outcomes[0].effect: missing required key \"estimate\""},
	    {"percent-change -100", EV_EFFECT "percent-change\n      estimate: -100\n",
	     "t.yaml:13:17: outcomes[0].effect.estimate: must be greater than -100, not -100"},
	    {"percent-change bound",
	     EV_EFFECT "percent-change\n      estimate: -50\n      ci95: [-100, 0]\n",
	     "t.yaml:14:7: outcomes[0].effect.ci95: lower bound -100 is not possible; a percent "
	     "change is greater than -100"},
	    {"percent-change with ci95 and se",
	     EV_EFFECT "percent-change\n      estimate: -50\n      ci95: [-60, -40]\n      se: 3\n",
	     "t.yaml:15:7: outcomes[0].effect.se: give either \"ci95\" or \"se\", not both"},
	    {"measure typo", EV_EFFECT "risk-rate\n      estimate: 1\n",
	     "t.yaml:12:16: outcomes[0].effect.measure: \"risk-rate\" is not one of " MEASURES
	     " (did you mean \"risk-ratio\"?)"},
	    {"no measure",
	     EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {estimate: 1}\n",
	     "t.yaml:11:13: outcomes[0].effect: missing required key \"measure\" (one of " MEASURES
	     ")"},
	    {"effect a number", EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: 0.8\n",
	     "t.yaml:11:13: outcomes[0].effect: must be a map, not a number"},
	    {"counts",
	     EV_EFFECT
	     "counts\n      treatment: {events: 62, n: 50}\n      control: {events: -1, n: 0}\n",
	     "t.yaml:13:27: outcomes[0].effect.treatment.events: events (62) cannot exceed n (50)\n"
	     "t.yaml:14:25: outcomes[0].effect.control.events: must be at least 0, not -1\n"
	     "t.yaml:14:32: outcomes[0].effect.control.n: must be at least 1, not 0"},
	    {"counts fractional",
	     EV_EFFECT
	     "counts\n      treatment: {events: 1.5, n: 50}\n      control: {events: 1, n: 2}\n",
	     "t.yaml:13:27: outcomes[0].effect.treatment.events: must be an integer, not a number"},
	    {"counts with estimate",
	     EV_EFFECT "counts\n      treatment: {events: 1, n: 5}\n      control: {events: 1, n: "
	               "2}\n      estimate: 1\n",
	     "t.yaml:15:7: outcomes[0].effect: key \"estimate\" is not allowed with measure "
	     "\"counts\""},
	    {"counts missing arm", EV_EFFECT "counts\n      treatment: {events: 1}\n",
	     "t.yaml:12:7: outcomes[0].effect: missing required key \"control\"\n"
	     "t.yaml:13:18: outcomes[0].effect.treatment: missing required key \"n\""},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(evidence, baseline_and_cost_rules)
{
	static const struct rule_case cases[] = {
	    {"baseline",
	     EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {measure: smd, estimate: 0}\n"
	             "    baseline: {rate: -1, per: person, years: 0}\n",
	     "t.yaml:12:22: outcomes[0].baseline.rate: must be at least 0, not -1\n"
	     "t.yaml:12:31: outcomes[0].baseline.per: \"person\" is not one of \"participant\" or "
	     "\"area\"\n"
	     "t.yaml:12:46: outcomes[0].baseline.years: must be greater than 0, not 0"},
	    {"baseline without rate",
	     EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {measure: smd, estimate: 0}\n"
	             "    baseline: {per: area}\n",
	     "t.yaml:12:15: outcomes[0].baseline: missing required key \"rate\""},
	    {"cost", EV "cost: {amount: -5, per: year, price_year: 1899}\n",
	     "t.yaml:12:16: cost.amount: must be greater than 0, not -5\n"
	     "t.yaml:12:25: cost.per: \"year\" is not one of \"participant\" or \"area-year\"\n"
	     "t.yaml:12:43: cost.price_year: must be between 1900 and 2100, not 1899"},
	    {"cost price year fraction",
	     EV "cost: {amount: 5, per: participant, price_year: 2019.5}\n",
	     "t.yaml:12:49: cost.price_year: must be an integer, not a number"},
	    {"cost incomplete", EV "cost: {amount: 5}\n",
	     "t.yaml:12:7: cost: missing required key \"per\"\n"
	     "t.yaml:12:7: cost: missing required key \"price_year\""},
	    /* plausibility guards (issue 9): file:line for each */
	    {"participant baseline above the bound",
	     EV_HEAD
	     "outcomes:\n  - crime_type: homicide\n    effect: {measure: smd, estimate: 0}\n"
	     "    baseline: {rate: 48, per: participant, years: 2}\n",
	     "t.yaml:12:22: outcomes[0].baseline.rate: 48 per participant over 2 year(s) is 24 a "
	     "year, above the bound of 10 a year: a rate is events per participant (0.48, not 48)"},
	    {"baseline flag and note",
	     EV_HEAD
	     "outcomes:\n  - crime_type: robbery\n    effect: {measure: smd, estimate: 0}\n"
	     "    baseline: {rate: 0.2, per: participant, flag: secondary, note: derived}\n",
	     ""},
	    {"baseline flag unverified",
	     EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {measure: smd, estimate: 0}\n"
	             "    baseline: {rate: 0.2, per: participant, flag: unverified}\n",
	     "t.yaml:12:51: outcomes[0].baseline.flag: \"unverified\" figures may not be shipped; "
	     "verify the figure, or use \"secondary\" for one taken from a published source"},
	    {"area baseline has no bound",
	     EV_HEAD "outcomes:\n  - crime_type: robbery\n    effect: {measure: smd, estimate: 0}\n"
	             "    baseline: {rate: 480, per: area}\n",
	     ""},
	    {"cost zero", EV "cost: {amount: 0, per: participant, price_year: 2019}\n",
	     "t.yaml:12:16: cost.amount: must be greater than 0, not 0"},
	    {"cost in the future", EV "cost: {amount: 5, per: participant, price_year: 2099}\n",
	     "t.yaml:12:49: cost.price_year: price year 2099 is in the future (this is YEAR)"},
	    {"cost flag and source",
	     EV "cost: {amount: 5, per: participant, price_year: 2019, flag: unverified, "
	        "source: WSIPP}\n",
	     "t.yaml:12:61: cost.flag: \"unverified\" figures may not be shipped; verify the "
	     "figure, or use \"secondary\" for one taken from a published source"},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(evidence, reference_rules)
{
	static const struct rule_case cases[] = {
	    {"unverified",
	     REF("unit-costs") "entries:\n  - {crime_type: robbery, amount: 100, unit: crime, "
	                       "price_year: 2015, flag: unverified}\n",
	     "t.yaml:6:77: entries[0].flag: \"unverified\" figures may not be shipped; verify the "
	     "figure, or use \"secondary\" for one taken from a published source"},
	    {"flag typo",
	     REF("unit-costs") "entries:\n  - {crime_type: robbery, amount: 100, unit: crime, "
	                       "price_year: 2015, flag: verifed}\n",
	     "t.yaml:6:77: entries[0].flag: \"verifed\" is not one of \"verified\" or "
	     "\"secondary\" "
	     "(did you mean \"verified\"?)"},
	    {"unit cost twice", REF("unit-costs") "entries:\n" UC_ENTRY UC_ENTRY,
	     "t.yaml:7:18: entries[1].crime_type: duplicate crime_type \"robbery\" (also in "
	     "entries[0])"},
	    {"unit cost fields",
	     REF("unit-costs") "entries:\n  - {crime_type: robbery, amount: -1, unit: "
	                       "offence, price_year: 15}\n",
	     "t.yaml:6:5: entries[0]: missing required key \"flag\"\n"
	     "t.yaml:6:35: entries[0].amount: must be greater than 0, not -1\n"
	     "t.yaml:6:45: entries[0].unit: \"offence\" is not one of \"crime\", \"victim\", "
	     "\"reoffence\", \"reoffender\", \"attendance\" or \"user-year\" (did you mean "
	     "\"reoffence\"?)\n"
	     "t.yaml:6:66: entries[0].price_year: must be between 1900 and 2100, not 15"},
	    {"no entries", REF("unit-costs") "entries: []\n",
	     "t.yaml:5:10: entries: must list at least 1 item"},
	    {"reference head",
	     "kind: areas\nid: ref-one\nentries: [{id: durham, name: Durham, country: england, "
	     "body: pcc}]\nextra: {}\n",
	     "t.yaml:1:1: missing required key \"title\"\n"
	     "t.yaml:1:1: missing required key \"source\"\n"
	     "t.yaml:4:1: unknown key \"extra\"; allowed keys are \"kind\", \"id\", \"title\", "
	     "\"source\", \"notes\" or \"entries\""},
	    {"deflators",
	     REF("deflators") "entries: [{year: 2015, index: 0, flag: secondary}, {year: 2015, "
	                      "index: 1, flag: secondary}]\n",
	     "t.yaml:1:1: missing required key \"base\"\n"
	     "t.yaml:5:31: entries[0].index: must be greater than 0, not 0\n"
	     "t.yaml:5:59: entries[1].year: duplicate year \"2015\" (also in entries[0])"},
	    {"areas",
	     REF("areas") "entries: [{id: durham, name: Durham, country: scotland, body: pcc}, "
	                  "{id: durham, name: D, country: wales, body: sheriff}]\n",
	     "t.yaml:5:47: entries[0].country: \"scotland\" is not one of \"england\" or "
	     "\"wales\"\n"
	     "t.yaml:5:74: entries[1].id: duplicate id \"durham\" (also in entries[0])\n"
	     "t.yaml:5:113: entries[1].body: \"sheriff\" is not one of \"pcc\", \"pfcc\", "
	     "\"mayor\" or \"police-authority\""},
	    {"category map",
	     REF("category-map") "entries: [{crime_type: robbery, police_uk_category: "
	                         "robbery}, {crime_type: robbery, police_uk_category: Robbery}]\n",
	     "t.yaml:5:76: entries[1].crime_type: duplicate crime_type \"robbery\" (also in "
	     "entries[0])\n"
	     "t.yaml:5:105: entries[1].police_uk_category: \"Robbery\"" ID_MSG},
	    {"crosswalk entries",
	     REF("category-map") "entries:\n  - {crime_type: offending, unit_cost: reoffender, "
	                         "rule: valued per reoffender}\n  - {crime_type: arrest, rule: "
	                         "\"an arrest is not a crime\"}\n  - {crime_type: robbery, "
	                         "unit_cost: Robbery, colour: red}\n",
	     "t.yaml:8:38: entries[2].unit_cost: \"Robbery\"" ID_MSG "\n"
	     "t.yaml:8:47: entries[2]: unknown key \"colour\"; allowed keys are \"crime_type\", "
	     "\"police_uk_category\", \"unit_cost\" or \"rule\""},
	    {"unit cost public purse and source",
	     REF("unit-costs") "entries:\n  - {crime_type: reoffence, amount: 100, unit: "
	                       "reoffence, "
	                       "public_purse: 40, price_year: 2019, flag: verified, source: MoJ}\n"
	                       "  - {crime_type: reoffender, amount: 100, unit: reoffender, "
	                       "public_purse: 140, price_year: 2019, flag: verified}\n",
	     "t.yaml:7:75: entries[1].public_purse: public_purse 140 is above the amount 100: it "
	     "is "
	     "the part of the amount paid from public budgets"},
	    {"unit cost zero and in the future",
	     REF("unit-costs") "entries:\n  - {crime_type: robbery, amount: 0, unit: crime, "
	                       "price_year: 2015, flag: verified}\n  - {crime_type: rape, amount: "
	                       "9, unit: crime, price_year: 2099, flag: verified}\n",
	     "t.yaml:6:35: entries[0].amount: must be greater than 0, not 0\n"
	     "t.yaml:7:60: entries[1].price_year: price year 2099 is in the future (this is YEAR)"},
	    {"baselines",
	     REF("baselines") "entries:\n  - {crime_type: reoffending, cohort: adult, rate: 0.25, "
	                      "per: participant, flag: verified, note: MoJ, source: S}\n"
	                      "  - {crime_type: reoffending, cohort: juvenile, rate: 12, per: "
	                      "participant, flag: secondary}\n  - {crime_type: all-crime, rate: 9, "
	                      "per: year, flag: verified}\n",
	     "t.yaml:7:55: entries[1].rate: 12 per participant over 1 year(s) is 12 a year, above "
	     "the bound of 10 a year: a rate is events per participant (0.48, not 48)\n"
	     "t.yaml:8:5: entries[2]: missing required key \"cohort\"\n"
	     "t.yaml:8:43: entries[2].per: \"year\" is not one of \"participant\" or \"area\""},
	    {"intervention cohort",
	     "kind: intervention\nid: iv-one\nname: N\nthemes: [vawg]\nlevel: person\n"
	     "summary: S\ncohort: Adults\n",
	     "t.yaml:7:9: cohort: \"Adults\"" ID_MSG},
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(evidence, body_is_canonical_with_defaults)
{
	struct ev_doc *doc;
	const char *yaml;
	char *got;

	yaml =
	    "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\n"
	    "source: {published: 2021, citation: C}\ndesign: rct\nquality: 3\nsubmitted_by: S\n"
	    "outcomes:\n  - crime_type: robbery\n    effect: {measure: risk-ratio, estimate: 0.8}\n"
	    "    baseline: {per: participant, rate: 2}\nsample_size: 356\n";
	got = errors_of(yaml, strlen(yaml), &doc);
	cr_assert_str_eq(got, "");
	free(got);
	cr_assert_eq(doc->kind, EV_EVALUATION);
	cr_assert_str_eq(doc->id, "ev-one");
	cr_assert_eq(doc->line, 2);
	cr_assert_eq(doc->col, 5);
	cr_assert_str_eq(doc->intervention, "iv-one");
	cr_assert_eq(doc->ref_line, 3);
	cr_assert_eq(doc->ref_col, 15);
	char *s = json_dumps(doc->body, JSON_COMPACT);
	cr_assert_str_eq(
	    s, "{\"kind\":\"evaluation\",\"id\":\"ev-one\",\"intervention\":\"iv-one\","
	       "\"title\":\"T\",\"source\":{\"citation\":\"C\",\"published\":\"2021\"},"
	       "\"design\":\"rct\",\"quality\":3,\"studies\":1,\"sample_size\":356,"
	       "\"outcomes\":[{\"crime_type\":\"robbery\",\"effect\":{\"measure\":"
	       "\"risk-ratio\",\"estimate\":0.80000000000000004},\"baseline\":{\"rate\":2,"
	       "\"per\":\"participant\",\"years\":1}}],\"submitted_by\":\"S\","
	       "\"licence\":\"OGL-3.0\"}");
	free(s);
	cr_assert(json_is_integer(json_object_get(doc->body, "quality")));
	cr_assert(json_is_integer(json_object_get(doc->body, "studies")));

	/* the body read back as JSON gives the same document */
	struct ev_errors errs = {0};
	struct ev_doc *again;
	cr_assert_eq(ev_from_json(&again, "feed/ev-one", doc->body, &errs), 0);
	cr_assert(json_equal(again->body, doc->body));
	cr_assert_str_eq(again->id, "ev-one");
	cr_assert_str_eq(again->intervention, "iv-one");
	ev_doc_free(again);
	ev_doc_free(doc);
	ev_errors_free(&errs);
}

Test(evidence, from_json_errors_have_no_position)
{
	json_t *j =
	    json_loads("{\"kind\":\"intervention\",\"id\":\"iv-one\",\"name\":\"N\","
	               "\"themes\":[\"vawg\"],\"level\":\"persn\",\"summary\":\"S\",\"x\":1}",
	               0, NULL);
	struct ev_errors errs = {0};
	struct ev_doc *doc;
	char buf[512];

	cr_assert_eq(ev_from_json(&doc, "feed/iv-one", j, &errs), WW_EINVALID);
	cr_assert_null(doc);
	cr_assert_eq(errs.n, 2);
	ev_error_format(&errs.v[0], buf, sizeof(buf));
	cr_assert_str_eq(buf, "feed/iv-one: level: \"persn\" is not one of \"person\" or \"place\" "
	                      "(did you mean \"person\"?)");
	ev_error_format(&errs.v[1], buf, sizeof(buf));
	cr_assert_str_eq(buf,
	                 "feed/iv-one: unknown key \"x\"; allowed keys are \"kind\", \"id\", "
	                 "\"name\", \"themes\", \"level\", \"cohort\", \"summary\", \"mechanism\", "
	                 "\"moderators\", \"implementation\", \"sectors\", \"tags\", "
	                 "\"toolkit_ratings\" or \"extra\"");
	ev_errors_free(&errs);
	json_decref(j);
}

Test(evidence, every_error_of_a_file)
{
	const char *yaml = "kind: intervention\nid: Bad\nname: ''\nthemse: [vawg]\nlevel: plcae\n"
	                   "summary: [x]\nsectors: [police, police, cops]\ntags: [a]\n";
	char *got = errors_of(yaml, strlen(yaml), NULL);

	cr_assert_str_eq(got,
	                 "t.yaml:1:1: missing required key \"themes\"\n"
	                 "t.yaml:2:5: id: \"Bad\"" ID_MSG "\n"
	                 "t.yaml:3:7: name: must not be empty\n"
	                 "t.yaml:4:1: unknown key \"themse\" (did you mean \"themes\"?)\n"
	                 "t.yaml:5:8: level: \"plcae\" is not one of \"person\" or \"place\" (did "
	                 "you mean \"place\"?)\n"
	                 "t.yaml:6:10: summary: must be a string, not a list\n"
	                 "t.yaml:7:19: sectors[1]: \"police\" is listed more than once\n"
	                 "t.yaml:7:27: sectors[2]: \"cops\" is not one of " SECTORS "\n"
	                 "t.yaml:8:8: tags[0]: \"a\"" ID_MSG);
	free(got);
}

Test(evidence, errors_past_the_limit_are_counted)
{
	struct ev_errors errs = {0};

	for (int i = 0; i < EV_MAX_ERRORS + 5; i++)
		cr_assert_eq(ev_errors_add(&errs, "p", 1, 1, "f", "error %d", i), 0);
	cr_assert_eq(errs.n, EV_MAX_ERRORS);
	cr_assert_eq(errs.dropped, 5);
	ev_errors_free(&errs);
}

Test(evidence, kind_names)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		cr_assert_eq(ev_kind_parse(ev_kind_name((enum ev_kind)k)), k);
	cr_assert_eq(ev_kind_parse("study"), -1);
	cr_assert_null(ev_kind_name(EV_KIND_COUNT));
}

Test(evidence, did_you_mean)
{
	static const char *const keys[] = {"themes", "theme-x", "level", "summary"};

	cr_assert_str_eq(ev_did_you_mean("themse", keys, 4), "themes");
	cr_assert_str_eq(ev_did_you_mean("levle", keys, 4), "level");
	cr_assert_str_eq(ev_did_you_mean("sumary", keys, 4), "summary");
	cr_assert_null(ev_did_you_mean("colour", keys, 4));
	cr_assert_null(ev_did_you_mean("", keys, 4));
	cr_assert_null(ev_did_you_mean("themes", keys, 0));
}

static struct ev_doc *doc_of(const char *path, const char *yaml)
{
	struct ev_errors errs = {0};
	struct ev_doc *doc;

	cr_assert_eq(ev_parse(&doc, path, yaml, strlen(yaml), &errs), 0, "%s", path);
	ev_errors_free(&errs);
	return doc;
}

static char *set_errors(struct ev_doc **docs, size_t n, const char *const *known, size_t nk,
                        int want_rc)
{
	struct ev_errors errs = {0};
	char *out = calloc(1, 8192);

	cr_assert_eq(ev_check_set(docs, n, known, nk, &errs), want_rc);
	for (size_t i = 0; i < errs.n; i++) {
		size_t used = strlen(out);

		if (i)
			out[used++] = '\n';
		ev_error_format(&errs.v[i], out + used, 8192 - used);
	}
	ev_errors_free(&errs);
	return out;
}

#define IVN(id)                                                                                    \
	"kind: intervention\nname: N\nid: " id "\nthemes: [vawg]\nlevel: person\nsummary: S\n"
#define EVN(id, iv)                                                                                \
	"kind: evaluation\nid: " id "\nintervention: " iv "\ntitle: T\nsource: {citation: C}\n"    \
	"design: rct\nquality: 3\nsubmitted_by: S\noutcomes: [{crime_type: robbery, effect: "      \
	"{measure: smd, estimate: 0}}]\n"

Test(evidence, set_duplicate_ids_name_both_files)
{
	struct ev_doc *docs[] = {
	    doc_of("interventions/fd.yaml",
	           "kind: intervention\nname: N\n\nid: focused-deterrence\n"
	           "themes: [vawg]\nlevel: person\nsummary: S\n"),
	    doc_of("interventions/focused-deterrence.yaml", IVN("focused-deterrence")),
	    doc_of("evaluations/a.yaml", EVN("focused-deterrence", "focused-deterrence")),
	};
	char *got = set_errors(docs, 3, NULL, 0, WW_EINVALID);

	cr_assert_str_eq(got,
	                 "interventions/fd.yaml:4:5: duplicate id \"focused-deterrence\" (also in "
	                 "interventions/focused-deterrence.yaml:3:5)\n"
	                 "interventions/focused-deterrence.yaml:3:5: duplicate id "
	                 "\"focused-deterrence\" (also in interventions/fd.yaml:4:5)");
	free(got);
	for (size_t i = 0; i < 3; i++)
		ev_doc_free(docs[i]);
}

Test(evidence, set_missing_interventions)
{
	static const char *const known[] = {"hot-spots-policing", "mentoring"};
	struct ev_doc *docs[] = {
	    doc_of("interventions/a.yaml", IVN("street-triage")),
	    doc_of("evaluations/x.yaml", EVN("ev-x", "hot-spot-policing")),
	    doc_of("evaluations/y.yaml", EVN("ev-y", "street-triage")),
	    doc_of("evaluations/z.yaml", EVN("ev-z", "mentoring")),
	    doc_of("evaluations/w.yaml", EVN("ev-w", "nothing-like-it")),
	};
	char *got = set_errors(docs, 5, known, 2, WW_EINVALID);

	cr_assert_str_eq(
	    got, "evaluations/x.yaml:3:15: intervention \"hot-spot-policing\" does not "
	         "exist (did you mean \"hot-spots-policing\"?)\n"
	         "evaluations/w.yaml:3:15: intervention \"nothing-like-it\" does not exist");
	free(got);
	got = set_errors(docs, 4, known, 1, WW_EINVALID); /* without "mentoring" known */
	cr_assert(
	    strstr(got, "evaluations/z.yaml:3:15: intervention \"mentoring\" does not exist") !=
	        NULL,
	    "%s", got);
	free(got);
	got = set_errors(docs, 1, NULL, 0, 0);
	cr_assert_str_eq(got, "");
	free(got);
	for (size_t i = 0; i < 5; i++)
		ev_doc_free(docs[i]);
}

Test(evidence, set_checks_a_large_set)
{
	size_t n = 20000;
	struct ev_doc **docs = calloc(n, sizeof(*docs));
	struct ev_errors errs = {0};
	for (size_t i = 0; i < n; i++) {
		docs[i] = calloc(1, sizeof(**docs));
		docs[i]->path = strdup("x.yaml");
		docs[i]->kind = i % 2 ? EV_EVALUATION : EV_INTERVENTION;
		snprintf(docs[i]->id, sizeof(docs[i]->id), "id-%zu", i);
		snprintf(docs[i]->intervention, sizeof(docs[i]->intervention), "id-%zu", i - 1);
	}
	/* a large valid chain: every evaluation names the intervention before it
	 * (speed is measured by make bench, not asserted here) */
	cr_assert_eq(ev_check_set(docs, n, NULL, 0, &errs), 0);
	cr_assert_eq(errs.n, 0);
	for (size_t i = 0; i < n; i++)
		ev_doc_free(docs[i]);
	free(docs);
}

Test(evidence, moved_errors_are_kept_and_counted_as_if_added)
{
	struct ev_errors to = {0}, from = {0};

	for (int i = 0; i < EV_MAX_ERRORS - 2; i++)
		cr_assert_eq(ev_errors_add(&to, "a.yaml", i + 1, 1, "", "error %d", i), 0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(ev_errors_add(&from, "b.yaml", i + 1, 2, "f", "late %d", i), 0);
	from.dropped = 3;
	cr_assert_eq(ev_errors_move(&to, &from), 0);
	/* two fit, the other three and the three already dropped are counted */
	cr_expect_eq(to.n, EV_MAX_ERRORS);
	cr_expect_eq(to.dropped, 6);
	cr_expect_str_eq(to.v[EV_MAX_ERRORS - 2].message, "late 0");
	cr_expect_str_eq(to.v[EV_MAX_ERRORS - 1].message, "late 1");
	cr_expect_str_eq(to.v[EV_MAX_ERRORS - 1].path, "b.yaml");
	cr_expect_eq(from.n, 0);
	cr_expect_null(from.v);
	cr_expect_eq(from.dropped, 0);
	/* into a full list: only counted */
	cr_assert_eq(ev_errors_add(&from, "c.yaml", 1, 1, "", "one more"), 0);
	cr_assert_eq(ev_errors_move(&to, &from), 0);
	cr_expect_eq(to.n, EV_MAX_ERRORS);
	cr_expect_eq(to.dropped, 7);
	/* into an empty list: everything moves */
	struct ev_errors empty = {0};
	cr_assert_eq(ev_errors_add(&from, "d.yaml", 2, 3, "x", "kept"), 0);
	cr_assert_eq(ev_errors_move(&empty, &from), 0);
	cr_expect_eq(empty.n, 1);
	cr_expect_str_eq(empty.v[0].field, "x");
	ev_errors_free(&empty);
	ev_errors_free(&to);
}

Test(evidence, set_unit_cost_and_baseline_keys_once_across_files)
{
	struct ev_doc *docs[] = {
	    doc_of("reference/a.yaml", REF("unit-costs") "entries:\n" UC_ENTRY),
	    doc_of("reference/b.yaml",
	           REF("unit-costs") "entries:\n"
	                             "  - {crime_type: rape, amount: 9, unit: "
	                             "crime, price_year: 2015, flag: verified}\n" UC_ENTRY),
	    doc_of("reference/c.yaml",
	           REF("baselines") "entries:\n"
	                            "  - {crime_type: reoffending, cohort: adult, "
	                            "rate: 0.25, per: participant, flag: verified}\n"
	                            "  - {crime_type: reoffending, cohort: adult, "
	                            "rate: 0.3, per: participant, flag: verified}\n"
	                            "  - {crime_type: reoffending, cohort: juvenile, "
	                            "rate: 0.3, per: participant, flag: verified}\n"),
	};
	char *got = set_errors(docs, 3, NULL, 0, WW_EINVALID);

	/* the ids repeat too (ref-one): those errors come first */
	cr_assert(strstr(got, "reference/b.yaml:7:18: entries[1].crime_type: unit-cost key "
	                      "\"robbery\" is also defined in reference/a.yaml:6:18; a key must "
	                      "be defined once across all unit-costs files") != NULL,
	          "%s", got);
	cr_assert(strstr(got, "reference/c.yaml:7:18: entries[1]: reference baseline "
	                      "\"reoffending/adult\" (crime_type/cohort) is also defined in "
	                      "reference/c.yaml:6:18") != NULL,
	          "%s", got);
	cr_assert(strstr(got, "juvenile") == NULL, "%s", got);
	free(got);
	for (size_t i = 0; i < 3; i++)
		ev_doc_free(docs[i]);
}

/* 4,000 near-miss references each compared with 4,000 ids took 26 s: only
 * the first 100 get a suggestion now. */
Test(evidence, did_you_mean_is_bounded)
{
	size_t n = 600, suggested = 0, plain = 0;
	struct ev_doc **docs = calloc(n, sizeof(*docs));
	struct ev_errors errs = {0};
	for (size_t i = 0; i < n; i++) {
		docs[i] = calloc(1, sizeof(**docs));
		docs[i]->path = strdup("x.yaml");
		docs[i]->kind = i % 2 ? EV_EVALUATION : EV_INTERVENTION;
		snprintf(docs[i]->id, sizeof(docs[i]->id), "intervention-%04zu", i);
		/* one letter off the intervention before it */
		snprintf(docs[i]->intervention, sizeof(docs[i]->intervention), "interventoin-%04zu",
		         i - 1);
	}
	cr_assert_eq(ev_check_set(docs, n, NULL, 0, &errs), WW_EINVALID);
	for (size_t i = 0; i < errs.n; i++) {
		if (strstr(errs.v[i].message, "did you mean") != NULL)
			suggested++;
		else
			plain++;
	}
	cr_expect_eq(suggested, 100);
	cr_expect_eq(plain, 200);
	ev_errors_free(&errs);
	for (size_t i = 0; i < n; i++)
		ev_doc_free(docs[i]);
	free(docs);
}

/* YAML reads +202, -001 and 0o17 as integers of four characters, and 0x7E4
 * and +2020 as 2020: they passed as years and escaped the duplicate check. */
Test(evidence, years_and_numbers_are_plain_decimals)
{
	static const struct rule_case cases[] = {
	    {"published +202",
	     "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\n"
	     "source: {citation: C, published: +202}\ndesign: rct\nquality: 3\nsubmitted_by: S\n"
	     "outcomes: [{crime_type: robbery, effect: {measure: smd, estimate: 0}}]\n",
	     "t.yaml:5:34: source.published: \"+202\" is not a date; use YYYY, YYYY-MM or "
	     "YYYY-MM-DD"},
	    {"published 0o17",
	     "kind: evaluation\nid: ev-one\nintervention: iv-one\ntitle: T\n"
	     "source: {citation: C, published: 0o17}\ndesign: rct\nquality: 3\nsubmitted_by: S\n"
	     "outcomes: [{crime_type: robbery, effect: {measure: smd, estimate: 0}}]\n",
	     "t.yaml:5:34: source.published: \"0o17\" is not a date; use YYYY, YYYY-MM or "
	     "YYYY-MM-DD"},
	    {"deflator year 0x7E4",
	     REF("deflators") "base: 2024-25 = 100\nentries:\n"
	                      "  - {year: 2020, index: 74.5, flag: secondary}\n"
	                      "  - {year: 0x7E4, index: 74.5, flag: secondary}\n",
	     "t.yaml:8:12: entries[1].year: must be written as a plain decimal integer (like "
	     "2021), not 0x7E4\n"
	     "t.yaml:8:12: entries[1].year: duplicate year \"0x7E4\" (also in entries[0])"},
	};
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
