/*
 * test_yamldoc.c - the YAML reader: positions, core-schema scalars, hostile input
 */
#include "err.h"
#include "yamldoc.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct yamldoc_limits limits = {1024 * 1024, 32, 100000};

struct collected {
	char text[4096];
	int n;
};

static void collect(void *ctx, int line, int col, const char *field, const char *msg)
{
	struct collected *c = ctx;
	size_t len = strlen(c->text);

	snprintf(c->text + len, sizeof(c->text) - len, "%s%d:%d: %s%s%s", c->n ? "\n" : "", line,
	         col, field, *field ? ": " : "", msg);
	c->n++;
}

/* Parses s; returns the rc and fills *c with every report. */
static int parse(const char *s, size_t len, struct yamldoc **doc, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	return yamldoc_parse(doc, s, len, &limits, collect, c);
}

Test(yamldoc, positions_are_one_based)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "a: 1\nb:\n  - x\n  - {c: 'd'}\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), 0, "%s", c.text);
	const struct yamldoc_node *root = yamldoc_root(doc), *b = yamldoc_get(root, "b");

	cr_assert_eq(root->type, YAMLDOC_MAP);
	cr_assert_eq(root->n, 2);
	cr_assert_eq(yamldoc_get(root, "a")->line, 1);
	cr_assert_eq(yamldoc_get(root, "a")->col, 4);
	cr_assert_eq(yamldoc_get_key(root, "b")->line, 2);
	cr_assert_eq(yamldoc_get_key(root, "b")->col, 1);
	cr_assert_eq(b->type, YAMLDOC_SEQ);
	cr_assert_eq(b->n, 2);
	cr_assert_eq(b->items[0]->line, 3);
	cr_assert_eq(b->items[0]->col, 5);
	const struct yamldoc_node *d = yamldoc_get(b->items[1], "c");
	cr_assert_eq(d->line, 4);
	cr_assert_eq(d->col, 9);
	cr_assert_str_eq(d->text, "d");
	cr_assert_eq(d->scalar, YAMLDOC_STR);
	cr_assert_null(yamldoc_get(root, "zz"));
	yamldoc_free(doc);
}

struct scalar_case {
	const char *yaml;
	enum yamldoc_scalar type;
	long long i;
	double d;
	bool b;
};

Test(yamldoc, core_schema_scalars)
{
	static const struct scalar_case cases[] = {
	    {"~", YAMLDOC_NULL},
	    {"null", YAMLDOC_NULL},
	    {"NULL", YAMLDOC_NULL},
	    {"", YAMLDOC_NULL},
	    {"true", YAMLDOC_BOOL, 0, 0, true},
	    {"False", YAMLDOC_BOOL, 0, 0, false},
	    {"12", YAMLDOC_INT, 12, 12},
	    {"-3", YAMLDOC_INT, -3, -3},
	    {"+7", YAMLDOC_INT, 7, 7},
	    {"0o17", YAMLDOC_INT, 15, 15},
	    {"0x1F", YAMLDOC_INT, 31, 31},
	    {"1.5", YAMLDOC_FLOAT, 0, 1.5},
	    {".5", YAMLDOC_FLOAT, 0, 0.5},
	    {"-1e3", YAMLDOC_FLOAT, 0, -1000},
	    {"2.", YAMLDOC_FLOAT, 0, 2},
	    {"99999999999999999999", YAMLDOC_FLOAT, 0, 1e20},
	    /* more than 15 significant digits: rounded to what PostgreSQL stores */
	    {"0.12345678901234567", YAMLDOC_FLOAT, 0, 0.123456789012346},
	    {"-123456.78901234567e-3", YAMLDOC_FLOAT, 0, -123.456789012346},
	    {"0.000123456789012345", YAMLDOC_FLOAT, 0, 0.000123456789012345},
	    {"-0.0", YAMLDOC_FLOAT, 0, 0},
	    {"yes", YAMLDOC_STR},
	    {"NO", YAMLDOC_STR},
	    {"2021-05", YAMLDOC_STR},
	    {"0.1.2", YAMLDOC_STR},
	    {"1_000", YAMLDOC_STR},
	    {"'12'", YAMLDOC_STR},
	    {"\"true\"", YAMLDOC_STR},
	    {"!!str 12", YAMLDOC_STR},
	    {"|\n  12\n", YAMLDOC_STR},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char buf[64];
		struct collected c;
		struct yamldoc *doc;

		snprintf(buf, sizeof(buf), "v: %s\n", cases[k].yaml);
		cr_assert_eq(parse(buf, strlen(buf), &doc, &c), 0, "%s: %s", cases[k].yaml, c.text);
		const struct yamldoc_node *v = yamldoc_get(yamldoc_root(doc), "v");
		cr_assert_eq(v->scalar, cases[k].type, "%s resolved as %d", cases[k].yaml,
		             v->scalar);
		if (cases[k].type == YAMLDOC_INT)
			cr_assert_eq(v->i, cases[k].i, "%s", cases[k].yaml);
		if (cases[k].type == YAMLDOC_INT || cases[k].type == YAMLDOC_FLOAT) {
			cr_assert_eq(v->d, cases[k].d, "%s", cases[k].yaml);
			cr_assert_eq(signbit(v->d), signbit(cases[k].d), "%s: sign", cases[k].yaml);
		}
		if (cases[k].type == YAMLDOC_BOOL)
			cr_assert_eq(v->b, cases[k].b, "%s", cases[k].yaml);
		yamldoc_free(doc);
	}
}

Test(yamldoc, special_floats)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "a: .inf\nb: -.Inf\nc: .NaN\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), 0);
	cr_assert(isinf(yamldoc_get(yamldoc_root(doc), "a")->d));
	cr_assert(yamldoc_get(yamldoc_root(doc), "b")->d < 0);
	cr_assert(isnan(yamldoc_get(yamldoc_root(doc), "c")->d));
	cr_assert_null(yamldoc_to_json(yamldoc_root(doc)), "JSON has no infinity");
	yamldoc_free(doc);
}

struct bad_case {
	const char *name;
	const char *yaml;
	const char *want; /* every report, "line:col: [field: ]message", one a line */
};

Test(yamldoc, refuses_bad_input)
{
	static const struct bad_case cases[] = {
	    {"empty", "", "1:1: file is empty; it must hold one YAML document"},
	    {"comments only", "# nothing\n\n",
	     "1:1: file is empty; it must hold one YAML document"},
	    {"two documents", "a: 1\n---\nb: 2\n",
	     "2:1: file holds more than one YAML document; put each in its own file"},
	    {"anchor", "a: &x 1\nb: 2\n",
	     "1:4: anchors and aliases (\"&x\", \"*x\") are not allowed; write the value out"},
	    {"alias", "a: [1]\nb: *y\n",
	     "2:4: anchors and aliases (\"&y\", \"*y\") are not allowed; write the value out"},
	    {"tag", "a: !foo 1\n", "1:4: tag \"!foo\" is not supported; only \"!!str\" is"},
	    {"map tag", "a: !!set {x: 1}\n", "1:4: tag \"tag:yaml.org,2002:set\" is not supported"},
	    {"complex key", "? [a]\n: 1\n", "1:3: map keys must be plain text, not a list"},
	    {"duplicate key", "a: 1\nb: 2\na: 3\n",
	     "3:1: a: duplicate key \"a\" (first at line 1, column 1)"},
	    {"nested duplicates", "x:\n  - {k: 1, k: 2}\n  - y: 1\n    y: 2\n",
	     "2:12: x[0].k: duplicate key \"k\" (first at line 2, column 6)\n"
	     "4:5: x[1].y: duplicate key \"y\" (first at line 3, column 5)"},
	    {"syntax", "a: [1, 2\n",
	     "2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence "
	     "that starts at line 1, column 4)"},
	    {"nul", "a: 1\nb: x\0y\n", "2:5: file is not text: it contains a NUL byte"},
	    {"latin-1", "name: caf\xe9\n",
	     "1:10: invalid UTF-8 byte sequence; files must be UTF-8 text"},
	    {"overlong", "a: \xc0\x80\n",
	     "1:4: invalid UTF-8 byte sequence; files must be UTF-8 text"},
	    {"surrogate", "a: \xed\xa0\x80\n",
	     "1:4: invalid UTF-8 byte sequence; files must be UTF-8 text"},
	    {"truncated", "a: \xe2\x82",
	     "1:4: invalid UTF-8 byte sequence; files must be UTF-8 text"},
	    {"utf-16",
	     "\xff\xfe"
	     "a\0:\0",
	     "1:1: invalid UTF-8 byte sequence; files must be UTF-8 text"},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct collected c;
		struct yamldoc *doc;
		size_t len = strlen(cases[k].yaml);

		if (strcmp(cases[k].name, "nul") == 0)
			len = 12;
		if (strcmp(cases[k].name, "utf-16") == 0)
			len = 6;
		cr_expect_eq(parse(cases[k].yaml, len, &doc, &c), WW_EINVALID, "%s", cases[k].name);
		cr_expect_str_eq(c.text, cases[k].want, "%s", cases[k].name);
		yamldoc_free(doc);
	}
}

Test(yamldoc, duplicates_still_give_a_tree)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "a: 1\na: 2\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), WW_EINVALID);
	cr_assert_not_null(doc);
	cr_assert_str_eq(yamldoc_get(yamldoc_root(doc), "a")->text, "1", "the first one counts");
	yamldoc_free(doc);
}

Test(yamldoc, duplicates_in_a_big_map)
{
	char buf[4096] = "";
	struct collected c;
	struct yamldoc *doc;

	for (int i = 0; i < 40; i++)
		sprintf(buf + strlen(buf), "k%d: 1\n", i);
	strcat(buf, "k7: 2\n");
	cr_assert_eq(parse(buf, strlen(buf), &doc, &c), WW_EINVALID);
	cr_assert_str_eq(c.text, "41:1: k7: duplicate key \"k7\" (first at line 8, column 1)");
	yamldoc_free(doc);
}

Test(yamldoc, utf8_columns_count_characters)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "name: café\nx: \"ü\"\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), 0, "%s", c.text);
	cr_assert_str_eq(yamldoc_get(yamldoc_root(doc), "name")->text, "café");
	yamldoc_free(doc);
	s = "é: [\n";
	cr_assert_eq(parse(s, strlen(s), &doc, &c), WW_EINVALID);
	cr_assert(strncmp(c.text, "2:1: invalid YAML", 17) == 0, "%s", c.text);
}

Test(yamldoc, billion_laughs_fails_fast)
{
	static const char *s =
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct collected c;
	struct yamldoc *doc;

	cr_assert_eq(parse(s, strlen(s), &doc, &c), WW_EINVALID);
	cr_assert_null(doc);
	cr_assert_str_eq(
	    c.text,
	    "1:4: anchors and aliases (\"&a\", \"*a\") are not allowed; write the value out");
}

Test(yamldoc, depth_bomb)
{
	size_t n = 500000;
	char *s = malloc(n + 1);
	struct collected c;
	struct yamldoc *doc;

	memset(s, '[', n);
	s[n] = '\0';
	cr_assert_eq(parse(s, n, &doc, &c), WW_EINVALID);
	cr_assert_str_eq(c.text,
	                 "1:33: [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
	                 "[0][0][0][0][0][0][0][0][0][0][0][0]: maps and lists nest deeper "
	                 "than 32 levels");
	free(s);
}

Test(yamldoc, depth_at_the_limit_is_fine)
{
	char s[128];
	struct collected c;
	struct yamldoc *doc;

	memset(s, '[', 32);
	memset(s + 32, ']', 32);
	s[64] = '\0';
	cr_assert_eq(parse(s, 64, &doc, &c), 0, "%s", c.text);
	yamldoc_free(doc);
}

Test(yamldoc, too_many_nodes)
{
	size_t n = 100001, len = 0;
	char *s = malloc(2 * n + 4);
	struct collected c;
	struct yamldoc *doc;

	s[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		s[len++] = '0';
		s[len++] = ',';
	}
	s[len - 1] = ']';
	cr_assert_eq(parse(s, len, &doc, &c), WW_EINVALID);
	cr_assert_str_eq(c.text, "1:200000: file has more than 100000 values; split it up");
	free(s);
}

Test(yamldoc, too_large)
{
	size_t n = 1024 * 1024 + 1;
	char *s = malloc(n);
	struct collected c;
	struct yamldoc *doc;

	memset(s, '#', n);
	cr_assert_eq(parse(s, n, &doc, &c), WW_EINVALID);
	cr_assert_str_eq(c.text, "0:0: file is too large (1048577 bytes; the limit is 1048576)");
	free(s);
}

Test(yamldoc, to_json_keeps_order_and_types)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "z: 1\na: [true, ~, 1.5, '2', x]\nm: {k: v}\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), 0);
	json_t *j = yamldoc_to_json(yamldoc_root(doc));
	char *out = json_dumps(j, JSON_COMPACT);
	cr_assert_str_eq(out, "{\"z\":1,\"a\":[true,null,1.5,\"2\",\"x\"],\"m\":{\"k\":\"v\"}}");
	free(out);
	json_decref(j);
	yamldoc_free(doc);
}

Test(yamldoc, from_json)
{
	json_t *j = json_loads("{\"s\":\"12\",\"i\":12,\"r\":0.1,\"b\":false,\"n\":null,\"l\":[1]}",
	                       0, NULL);
	struct yamldoc *doc;

	cr_assert_eq(yamldoc_from_json(&doc, j, 32), 0);
	const struct yamldoc_node *r = yamldoc_root(doc);
	cr_assert_eq(yamldoc_get(r, "s")->scalar, YAMLDOC_STR);
	cr_assert_eq(yamldoc_get(r, "i")->scalar, YAMLDOC_INT);
	cr_assert_str_eq(yamldoc_get(r, "i")->text, "12");
	cr_assert_str_eq(yamldoc_get(r, "r")->text, "0.1");
	cr_assert_eq(yamldoc_get(r, "b")->scalar, YAMLDOC_BOOL);
	cr_assert_eq(yamldoc_get(r, "n")->scalar, YAMLDOC_NULL);
	cr_assert_eq(yamldoc_get(r, "l")->type, YAMLDOC_SEQ);
	cr_assert_eq(yamldoc_get(r, "l")->line, 0);
	json_t *back = yamldoc_to_json(r);
	cr_assert(json_equal(j, back));
	json_decref(back);
	yamldoc_free(doc);
	json_decref(j);

	/* a real with more digits than are stored is rounded as YAML's are */
	j = json_loads("{\"r\":0.12345678901234567}", 0, NULL);
	cr_assert_eq(yamldoc_from_json(&doc, j, 32), 0);
	cr_assert_eq(yamldoc_get(yamldoc_root(doc), "r")->d, 0.123456789012346);
	cr_assert_str_eq(yamldoc_get(yamldoc_root(doc), "r")->text, "0.123456789012346");
	yamldoc_free(doc);
	json_decref(j);

	j = json_loads("[[[[1]]]]", 0, NULL);
	cr_assert_eq(yamldoc_from_json(&doc, j, 2), WW_EINVALID);
	cr_assert_null(doc);
	json_decref(j);
}

/* What Windows editors write: a UTF-8 byte-order mark before the first key. */
Test(yamldoc, utf8_bom_is_not_content)
{
	struct collected c;
	struct yamldoc *doc;
	const char *s = "\xEF\xBB\xBFkind: intervention\nid: x\n";

	cr_assert_eq(parse(s, strlen(s), &doc, &c), 0, "%s", c.text);
	const struct yamldoc_node *root = yamldoc_root(doc);
	cr_assert_str_eq(yamldoc_get(root, "kind")->text, "intervention");
	cr_expect_eq(yamldoc_get_key(root, "kind")->line, 1);
	cr_expect_eq(yamldoc_get_key(root, "kind")->col, 1);
	cr_expect_eq(yamldoc_get_key(root, "id")->line, 2);
	yamldoc_free(doc);

	/* a mark and nothing else is an empty file; a mark mid-file is still text */
	cr_expect_neq(parse("\xEF\xBB\xBF", 3, &doc, &c), 0);
	cr_expect(strstr(c.text, "file is empty") != NULL, "%s", c.text);
}
