/*
 * yamldoc.h - one YAML document as a tree of nodes that remember where they are
 *
 * Reads a buffer with libyaml's event API into maps, lists and scalars, each
 * with the 1-based line and column it starts at. Plain scalars are resolved
 * with the YAML 1.2 core schema (null, true/false, int, float); quoted and
 * block scalars, and anything tagged !!str, are strings.
 *
 * Hostile input is bounded: the size, nesting depth and node count have
 * limits, anchors and aliases are refused outright (so "billion laughs" fails
 * at its first anchor), and the buffer must be UTF-8 text without NUL bytes.
 * One document per buffer; an empty buffer is an error. Duplicate keys in a
 * map are reported (all of them) but do not stop the tree being built.
 *
 * Only this file and the evidence code include yaml.h.
 */
#ifndef WW_YAMLDOC_H
#define WW_YAMLDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum yamldoc_type { YAMLDOC_SCALAR, YAMLDOC_SEQ, YAMLDOC_MAP };

/* How a scalar resolved (core schema). Keys keep their text whatever it is. */
enum yamldoc_scalar { YAMLDOC_STR, YAMLDOC_NULL, YAMLDOC_BOOL, YAMLDOC_INT, YAMLDOC_FLOAT };

struct yamldoc_node {
	enum yamldoc_type type;
	int line, col; /* 1-based; 0 for trees built from JSON */
	/* scalars */
	enum yamldoc_scalar scalar;
	const char *text; /* the scalar's text, NUL-terminated */
	size_t len;
	bool b;      /* YAMLDOC_BOOL */
	long long i; /* YAMLDOC_INT */
	double d;    /* YAMLDOC_FLOAT, and YAMLDOC_INT as a double */
	/* lists: items[0..n); maps: items[2k] is a key (always a scalar) and
	 * items[2k+1] its value, in document order, n counting pairs */
	struct yamldoc_node **items;
	size_t n;
};

struct yamldoc_limits {
	size_t max_size;  /* bytes */
	int max_depth;    /* nested maps and lists */
	size_t max_nodes; /* scalars, maps and lists */
};

/*
 * Receives each problem: where it is (1-based, 0 when unknown), the path of
 * the node ("outcomes[0].effect", "" for the whole document) and a message in
 * the PostgreSQL style. Must not fail; may be NULL.
 */
typedef void (*yamldoc_report_fn)(void *ctx, int line, int col, const char *field, const char *msg);

struct yamldoc;

/*
 * Parses buf (len bytes, need not be NUL-terminated). Returns 0 and sets *out
 * when the document is well formed. Returns WW_EINVALID after reporting every
 * problem found: *out is still set when the tree is complete and only
 * duplicate keys were found (the first of each key is the one looked up),
 * NULL otherwise. Returns WW_ENOMEM with *out NULL when memory runs out.
 * The caller frees *out with yamldoc_free.
 */
int yamldoc_parse(struct yamldoc **out, const char *buf, size_t len,
                  const struct yamldoc_limits *limits, yamldoc_report_fn report, void *ctx);

/*
 * Builds the tree JSON would have given (strings as quoted scalars, numbers
 * and literals as resolved plain scalars, every position 0). Returns 0,
 * WW_EINVALID when j is deeper than max_depth levels, or WW_ENOMEM.
 */
int yamldoc_from_json(struct yamldoc **out, const json_t *j, int max_depth);

/* The document's root node; borrowed, lives as long as doc. */
const struct yamldoc_node *yamldoc_root(const struct yamldoc *doc);

void yamldoc_free(struct yamldoc *doc);

/* The value of the first pair whose key is key, or NULL (also when m is not a
 * map). Borrowed. */
const struct yamldoc_node *yamldoc_get(const struct yamldoc_node *m, const char *key);

/* The key node of the same pair, for error positions, or NULL. */
const struct yamldoc_node *yamldoc_get_key(const struct yamldoc_node *m, const char *key);

/*
 * Converts a node into JSON the way the core schema reads it (plain scalars as
 * null, booleans, integers and reals; everything else as strings; map pairs
 * in document order). Returns a new reference, or NULL when memory runs out
 * or a number is infinite or NaN (JSON has no such numbers).
 */
json_t *yamldoc_to_json(const struct yamldoc_node *n);

/* "a map", "a list", "a string", "an integer", "empty", ...: what a node is, for
 * messages like "must be a string, not a list". Never NULL. */
const char *yamldoc_describe(const struct yamldoc_node *n);

#endif
