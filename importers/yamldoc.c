/*
 * yamldoc.c - libyaml events into a positioned node tree (see yamldoc.h)
 *
 * Nodes and strings live in one arena per document, freed at once. The
 * children of each open map or list gather in a growable array per nesting
 * level and are copied into the arena when the container closes, so a
 * document costs a handful of allocations whatever its size.
 */
#include "yamldoc.h"

#include "err.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define ARENA_ALIGN 16
#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_SEQ "tag:yaml.org,2002:seq"
#define TAG_MAP "tag:yaml.org,2002:map"
#define FIELD_MAX 512

struct chunk {
	struct chunk *next;
	size_t used, cap;
};

struct yamldoc {
	struct chunk *chunks;
	size_t next_cap;
	struct yamldoc_node *root;
};

/* An open map or list: its node and the children gathered so far. */
struct frame {
	struct yamldoc_node *node;
	struct yamldoc_node **kids;
	size_t n, cap;
};

struct state {
	struct yamldoc *doc;
	const struct yamldoc_limits *lim;
	yamldoc_report_fn report;
	void *ctx;
	struct frame *stack; /* lim->max_depth + 1 frames */
	int depth;
	size_t nodes;
	int ndocs;
	int errors;
	int fatal; /* 0, WW_EINVALID or WW_ENOMEM: stop reading */
};

static size_t chunk_header(void)
{
	return (sizeof(struct chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* Zeroed memory from the document's arena, or NULL. */
static void *arena_alloc(struct yamldoc *d, size_t size)
{
	struct chunk *c = d->chunks;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (c == NULL || c->cap - c->used < need) {
		size_t cap = d->next_cap > need ? d->next_cap : need;

		c = malloc(chunk_header() + cap);
		if (c == NULL)
			return NULL;
		c->next = d->chunks;
		c->used = 0;
		c->cap = cap;
		d->chunks = c;
		if (d->next_cap < 1024 * 1024)
			d->next_cap *= 2;
	}
	p = (char *)c + chunk_header() + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

static char *arena_strndup(struct yamldoc *d, const char *s, size_t len)
{
	char *p = arena_alloc(d, len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static struct yamldoc *doc_new(size_t hint)
{
	struct yamldoc *d = calloc(1, sizeof(*d));

	if (d != NULL)
		d->next_cap = hint < 4096 ? 4096 : hint;
	return d;
}

void yamldoc_free(struct yamldoc *doc)
{
	struct chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}

const struct yamldoc_node *yamldoc_root(const struct yamldoc *doc)
{
	return doc->root;
}

static void report(struct state *st, int line, int col, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void report(struct state *st, int line, int col, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	st->errors++;
	if (st->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->report(st->ctx, line, col, field, msg);
}

/*
 * Checks that buf is UTF-8 text: no NUL byte, no invalid, overlong or
 * surrogate sequence. Reports the first problem with its line and column
 * (in characters, as libyaml counts) and returns -1, or returns 0.
 */
static int check_text(struct state *st, const unsigned char *s, size_t len)
{
	int line = 1, col = 1;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t k, need;
		unsigned long cp;

		if (c == 0) {
			report(st, line, col, "", "file is not text: it contains a NUL byte");
			return -1;
		}
		if (c < 0x80) {
			i++;
			if (c == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (len - i <= need)
			goto bad;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
		col++;
	}
	return 0;
bad:
	report(st, line, col, "", "invalid UTF-8 byte sequence; files must be UTF-8 text");
	return -1;
}

/* The path of the node being built inside frames[0..upto), e.g. "a[2].b". */
static void frame_path(const struct state *st, int upto, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < upto && len < size; k++) {
		const struct frame *f = &st->stack[k];
		int w;

		if (f->node->type == YAMLDOC_SEQ)
			w = snprintf(buf + len, size - len, "[%zu]", f->n);
		else if (f->n % 2 == 1)
			w = snprintf(buf + len, size - len, "%s%s", len ? "." : "",
			             f->kids[f->n - 1]->text);
		else
			w = 0;
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= size)
		buf[size - 1] = '\0';
}

static bool is_digits(const char *s, size_t len, const char *set)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (strchr(set, s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

static bool one_of(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static bool is_float(const char *s)
{
	size_t i = 0, d = 0;

	if (s[i] == '-' || s[i] == '+')
		i++;
	while (s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++, d++;
	}
	if (d == 0)
		return false;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t e = 0;

		i++;
		if (s[i] == '-' || s[i] == '+')
			i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (e == 0)
			return false;
	}
	return s[i] == '\0';
}

/*
 * A number as the evidence base stores it: at most 15 significant digits
 * (what PostgreSQL gets and gives back) and no negative zero, so a document
 * scored before it is stored and after it is read back gives the same
 * figures.
 */
static double stored_double(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", v);
	return strtod(buf, NULL);
}

/* Significant digits of a decimal number's text, up to its exponent. */
static size_t significant_digits(const char *s)
{
	size_t n = 0;
	bool leading = true;

	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (leading && *s == '0')
			continue;
		leading = false;
		n++;
	}
	return n;
}

static void set_int(struct yamldoc_node *n, const char *digits, int base, bool neg)
{
	errno = 0;
	unsigned long long u = strtoull(digits, NULL, base);

	if (errno == ERANGE || u > (unsigned long long)LLONG_MAX + (neg ? 1 : 0)) {
		n->scalar = YAMLDOC_FLOAT; /* too big for an integer: keep it as a number */
		n->d = strtod(n->text, NULL);
		if (base != 10)
			n->d = neg ? -(double)u : (double)u;
		n->d = stored_double(n->d);
		return;
	}
	n->scalar = YAMLDOC_INT;
	n->i = neg ? (long long)(0 - u) : (long long)u;
	n->d = (double)n->i;
}

/* Resolves a plain scalar's text with the YAML 1.2 core schema. */
static void resolve_plain(struct yamldoc_node *n)
{
	const char *s = n->text;
	size_t len = n->len;

	/* only these letters can start a null or a boolean: most scalars skip
	 * the ten comparisons */
	bool word = len == 0 || strchr("~nNtTfF", s[0]) != NULL;

	n->scalar = YAMLDOC_STR;
	if (word && (len == 0 || strcmp(s, "~") == 0 || one_of(s, "null", "Null", "NULL"))) {
		n->scalar = YAMLDOC_NULL;
	} else if (word &&
	           (one_of(s, "true", "True", "TRUE") || one_of(s, "false", "False", "FALSE"))) {
		n->scalar = YAMLDOC_BOOL;
		n->b = s[0] == 't' || s[0] == 'T';
	} else if ((s[0] == '-' || s[0] == '+') ? is_digits(s + 1, len - 1, "0123456789")
	                                        : is_digits(s, len, "0123456789")) {
		set_int(n, s + (s[0] == '-' || s[0] == '+'), 10, s[0] == '-');
	} else if (len > 2 && s[0] == '0' && s[1] == 'o' && is_digits(s + 2, len - 2, "01234567")) {
		set_int(n, s + 2, 8, false);
	} else if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	           is_digits(s + 2, len - 2, "0123456789abcdefABCDEF")) {
		set_int(n, s + 2, 16, false);
	} else if (is_float(s)) {
		n->scalar = YAMLDOC_FLOAT;
		n->d = strtod(s, NULL);
		if (significant_digits(s) > 15)
			n->d = stored_double(n->d);
		if (n->d == 0)
			n->d = 0; /* no negative zero: PostgreSQL's numeric has none */
	} else {
		const char *t = s + (s[0] == '-' || s[0] == '+');

		if (one_of(t, ".inf", ".Inf", ".INF")) {
			n->scalar = YAMLDOC_FLOAT;
			n->d = s[0] == '-' ? -INFINITY : INFINITY;
		} else if (t == s && one_of(s, ".nan", ".NaN", ".NAN")) {
			n->scalar = YAMLDOC_FLOAT;
			n->d = NAN;
		}
	}
}

static struct yamldoc_node *new_node(struct state *st, enum yamldoc_type type, const yaml_mark_t *m)
{
	struct yamldoc_node *n;

	if (++st->nodes > st->lim->max_nodes) {
		report(st, (int)m->line + 1, (int)m->column + 1, "",
		       "file has more than %zu values; split it up", st->lim->max_nodes);
		st->fatal = WW_EINVALID;
		return NULL;
	}
	n = arena_alloc(st->doc, sizeof(*n));
	if (n == NULL) {
		st->fatal = WW_ENOMEM;
		return NULL;
	}
	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static int push_kid(struct state *st, struct frame *f, struct yamldoc_node *kid)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct yamldoc_node **v = realloc(f->kids, cap * sizeof(*v));

		if (v == NULL)
			return st->fatal = WW_ENOMEM;
		f->kids = v;
		f->cap = cap;
	}
	f->kids[f->n++] = kid;
	return 0;
}

/* Hands a finished node to the open container, or makes it the root. */
static void attach(struct state *st, struct yamldoc_node *n)
{
	struct frame *f;

	if (st->depth == 0) {
		st->doc->root = n;
		return;
	}
	f = &st->stack[st->depth - 1];
	if (f->node->type == YAMLDOC_MAP && f->n % 2 == 0 && n->type != YAMLDOC_SCALAR) {
		char field[FIELD_MAX];

		frame_path(st, st->depth - 1, field, sizeof(field));
		report(st, n->line, n->col, field, "map keys must be plain text, not %s",
		       yamldoc_describe(n));
		st->fatal = WW_EINVALID;
		return;
	}
	push_kid(st, f, n);
}

static int cmp_key(const void *a, const void *b)
{
	const struct yamldoc_node *const *x = a, *const *y = b;
	int c = strcmp((*x)->text, (*y)->text);

	if (c != 0)
		return c;
	return (*x)->line != (*y)->line ? (*x)->line - (*y)->line : (*x)->col - (*y)->col;
}

static void report_dup(struct state *st, const struct yamldoc_node *first,
                       const struct yamldoc_node *dup)
{
	char field[FIELD_MAX];
	size_t len;

	frame_path(st, st->depth, field, sizeof(field));
	len = strlen(field);
	snprintf(field + len, sizeof(field) - len, "%s%s", len ? "." : "", dup->text);
	report(st, dup->line, dup->col, field, "duplicate key \"%s\" (first at line %d, column %d)",
	       dup->text, first->line, first->col);
}

/* Reports every key of map m that repeats an earlier one. */
static void check_dups(struct state *st, const struct yamldoc_node *m)
{
	if (m->n <= 16) {
		for (size_t i = 1; i < m->n; i++)
			for (size_t j = 0; j < i; j++)
				if (strcmp(m->items[2 * i]->text, m->items[2 * j]->text) == 0) {
					report_dup(st, m->items[2 * j], m->items[2 * i]);
					break;
				}
		return;
	}
	/* big maps: sort the keys (by text, then position) and compare neighbours */
	const struct yamldoc_node **keys = malloc(m->n * sizeof(*keys));

	if (keys == NULL) {
		st->fatal = WW_ENOMEM;
		return;
	}
	for (size_t i = 0; i < m->n; i++)
		keys[i] = m->items[2 * i];
	qsort(keys, m->n, sizeof(*keys), cmp_key);
	for (size_t i = 1, first = 0; i < m->n; i++) {
		if (strcmp(keys[i]->text, keys[first]->text) == 0)
			report_dup(st, keys[first], keys[i]);
		else
			first = i;
	}
	free(keys);
}

static void open_container(struct state *st, enum yamldoc_type type, const yaml_event_t *ev)
{
	struct yamldoc_node *n;
	struct frame *f;

	if (st->depth >= st->lim->max_depth) {
		char field[FIELD_MAX];

		frame_path(st, st->depth, field, sizeof(field));
		report(st, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1, field,
		       "maps and lists nest deeper than %d levels", st->lim->max_depth);
		st->fatal = WW_EINVALID;
		return;
	}
	n = new_node(st, type, &ev->start_mark);
	if (n == NULL)
		return;
	f = &st->stack[st->depth++];
	f->node = n;
	f->n = 0;
}

static void close_container(struct state *st)
{
	struct frame *f = &st->stack[st->depth - 1];
	struct yamldoc_node *n = f->node;

	if (f->n > 0) {
		n->items = arena_alloc(st->doc, f->n * sizeof(*n->items));
		if (n->items == NULL) {
			st->fatal = WW_ENOMEM;
			return;
		}
		memcpy(n->items, f->kids, f->n * sizeof(*n->items));
	}
	n->n = n->type == YAMLDOC_MAP ? f->n / 2 : f->n;
	if (n->type == YAMLDOC_MAP)
		check_dups(st, n);
	st->depth--;
	attach(st, n);
}

static void add_scalar(struct state *st, const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	struct yamldoc_node *n = new_node(st, YAMLDOC_SCALAR, &ev->start_mark);

	if (n == NULL)
		return;
	n->len = ev->data.scalar.length;
	n->text = arena_strndup(st->doc, (const char *)ev->data.scalar.value, n->len);
	if (n->text == NULL) {
		st->fatal = WW_ENOMEM;
		return;
	}
	n->scalar = YAMLDOC_STR;
	if (tag != NULL && strcmp(tag, TAG_STR) != 0 && strcmp(tag, "!") != 0) {
		report(st, n->line, n->col, "", "tag \"%s\" is not supported; only \"!!str\" is",
		       tag);
		st->fatal = WW_EINVALID;
		return;
	}
	if (tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		resolve_plain(n);
	attach(st, n);
}

/* Refuses anchors, aliases and tags other than the plain ones. Returns -1
 * when the event is refused. */
static int check_event(struct state *st, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;

	switch (ev->type) {
	case YAML_ALIAS_EVENT: anchor = ev->data.alias.anchor; break;
	case YAML_SCALAR_EVENT: anchor = ev->data.scalar.anchor; break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		if (tag != NULL && strcmp((const char *)tag, TAG_SEQ) == 0)
			tag = NULL;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		if (tag != NULL && strcmp((const char *)tag, TAG_MAP) == 0)
			tag = NULL;
		break;
	default: return 0;
	}
	if (ev->type == YAML_ALIAS_EVENT || anchor != NULL) {
		report(st, line, col, "",
		       "anchors and aliases (\"&%s\", \"*%s\") are not allowed; write the "
		       "value out",
		       anchor, anchor);
		st->fatal = WW_EINVALID;
		return -1;
	}
	if (tag != NULL) {
		report(st, line, col, "", "tag \"%s\" is not supported", tag);
		st->fatal = WW_EINVALID;
		return -1;
	}
	return 0;
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static void offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void report_parser_error(struct state *st, const yaml_parser_t *p, const char *buf,
                                size_t len)
{
	int line, col;

	if (p->error == YAML_MEMORY_ERROR) {
		st->fatal = WW_ENOMEM;
		return;
	}
	st->fatal = WW_EINVALID;
	if (p->error == YAML_READER_ERROR) {
		offset_pos(buf, len, p->problem_offset, &line, &col);
		report(st, line, col, "", "invalid text: %s", p->problem ? p->problem : "unknown");
		return;
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (p->context != NULL)
		report(st, line, col, "", "invalid YAML: %s (%s that starts at line %d, column %d)",
		       p->problem ? p->problem : "syntax error", p->context,
		       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		report(st, line, col, "", "invalid YAML: %s",
		       p->problem ? p->problem : "syntax error");
}

/* Runs the events through the builder until the stream ends or reading stops. */
static void read_events(struct state *st, yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_event_t ev;
	bool done = false;

	while (!done && st->fatal == 0) {
		if (!yaml_parser_parse(p, &ev)) {
			report_parser_error(st, p, buf, len);
			return;
		}
		if (check_event(st, &ev) == 0) {
			switch (ev.type) {
			case YAML_STREAM_END_EVENT: done = true; break;
			case YAML_DOCUMENT_START_EVENT:
				if (++st->ndocs > 1) {
					report(st, (int)ev.start_mark.line + 1,
					       (int)ev.start_mark.column + 1, "",
					       "file holds more than one YAML document; put each "
					       "in its own file");
					st->fatal = WW_EINVALID;
				}
				break;
			case YAML_SCALAR_EVENT: add_scalar(st, &ev); break;
			case YAML_SEQUENCE_START_EVENT: open_container(st, YAMLDOC_SEQ, &ev); break;
			case YAML_MAPPING_START_EVENT: open_container(st, YAMLDOC_MAP, &ev); break;
			case YAML_SEQUENCE_END_EVENT:
			case YAML_MAPPING_END_EVENT: close_container(st); break;
			default: break;
			}
		}
		yaml_event_delete(&ev);
	}
}

int yamldoc_parse(struct yamldoc **out, const char *buf, size_t len,
                  const struct yamldoc_limits *limits, yamldoc_report_fn report_fn, void *ctx)
{
	struct state st = {.lim = limits, .report = report_fn, .ctx = ctx};
	yaml_parser_t parser;
	int rc;

	*out = NULL;
	/* a UTF-8 byte-order mark, as Windows editors write it, is not content
	 * (YAML 1.2 section 5.2); libyaml skips it only when it guesses the
	 * encoding, and we tell it the encoding */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (len > limits->max_size) {
		report(&st, 0, 0, "", "file is too large (%zu bytes; the limit is %zu)", len,
		       limits->max_size);
		return WW_EINVALID;
	}
	if (check_text(&st, (const unsigned char *)buf, len) != 0)
		return WW_EINVALID;
	st.doc = doc_new(len * 4);
	st.stack = calloc((size_t)limits->max_depth + 1, sizeof(*st.stack));
	if (st.doc == NULL || st.stack == NULL || !yaml_parser_initialize(&parser)) {
		free(st.stack);
		yamldoc_free(st.doc);
		return WW_ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	read_events(&st, &parser, buf, len);
	yaml_parser_delete(&parser);
	for (int k = 0; k <= limits->max_depth; k++)
		free(st.stack[k].kids);
	free(st.stack);

	if (st.fatal == 0 && st.doc->root == NULL) {
		report(&st, 1, 1, "", "file is empty; it must hold one YAML document");
		st.fatal = WW_EINVALID;
	}
	if (st.fatal != 0) {
		yamldoc_free(st.doc);
		return st.fatal;
	}
	*out = st.doc;
	rc = st.errors > 0 ? WW_EINVALID : 0;
	return rc;
}

static struct yamldoc_node *json_node(struct yamldoc *d, const json_t *j, int depth, int max_depth,
                                      int *rc);

/* A real rounded as it is stored (see stored_double), and its text. */
static double real_text(double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.15g", v == 0 ? 0.0 : v);
	v = strtod(buf, NULL);
	if (strpbrk(buf, ".eEn") == NULL && strlen(buf) + 2 < size)
		strcat(buf, ".0");
	return v;
}

static int json_kids(struct yamldoc *d, struct yamldoc_node *n, const json_t *j, int depth,
                     int max_depth)
{
	size_t count = json_is_object(j) ? json_object_size(j) * 2 : json_array_size(j);
	size_t k = 0;
	int rc = 0;

	n->n = json_is_object(j) ? count / 2 : count;
	if (count == 0)
		return 0;
	n->items = arena_alloc(d, count * sizeof(*n->items));
	if (n->items == NULL)
		return WW_ENOMEM;
	if (json_is_object(j)) {
		const char *key;
		const json_t *v;

		json_object_foreach((json_t *)j, key, v)
		{
			struct yamldoc_node *kn = arena_alloc(d, sizeof(*kn));

			if (kn == NULL || (kn->text = arena_strndup(d, key, strlen(key))) == NULL)
				return WW_ENOMEM;
			kn->type = YAMLDOC_SCALAR;
			kn->len = strlen(key);
			n->items[k++] = kn;
			if ((n->items[k++] = json_node(d, v, depth + 1, max_depth, &rc)) == NULL)
				return rc;
		}
		return 0;
	}
	for (k = 0; k < count; k++)
		if ((n->items[k] = json_node(d, json_array_get(j, k), depth + 1, max_depth, &rc)) ==
		    NULL)
			return rc;
	return 0;
}

static struct yamldoc_node *json_node(struct yamldoc *d, const json_t *j, int depth, int max_depth,
                                      int *rc)
{
	struct yamldoc_node *n;
	char num[64];

	if (depth > max_depth) {
		*rc = WW_EINVALID;
		return NULL;
	}
	n = arena_alloc(d, sizeof(*n));
	if (n == NULL) {
		*rc = WW_ENOMEM;
		return NULL;
	}
	n->type = YAMLDOC_SCALAR;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		n->type = json_is_object(j) ? YAMLDOC_MAP : YAMLDOC_SEQ;
		*rc = json_kids(d, n, j, depth, max_depth);
		return *rc == 0 ? n : NULL;
	case JSON_STRING:
		n->scalar = YAMLDOC_STR;
		n->len = json_string_length(j);
		n->text = arena_strndup(d, json_string_value(j), n->len);
		break;
	case JSON_INTEGER:
		n->scalar = YAMLDOC_INT;
		n->i = json_integer_value(j);
		n->d = (double)n->i;
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, n->i);
		n->text = arena_strndup(d, num, n->len = strlen(num));
		break;
	case JSON_REAL:
		n->scalar = YAMLDOC_FLOAT;
		n->d = real_text(json_real_value(j), num, sizeof(num));
		n->text = arena_strndup(d, num, n->len = strlen(num));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		n->scalar = YAMLDOC_BOOL;
		n->b = json_is_true(j);
		n->text = arena_strndup(d, n->b ? "true" : "false", n->len = n->b ? 4 : 5);
		break;
	case JSON_NULL:
		n->scalar = YAMLDOC_NULL;
		n->text = arena_strndup(d, "null", n->len = 4);
		break;
	}
	if (n->text == NULL) {
		*rc = WW_ENOMEM;
		return NULL;
	}
	return n;
}

int yamldoc_from_json(struct yamldoc **out, const json_t *j, int max_depth)
{
	struct yamldoc *d = doc_new(4096);
	int rc = 0;

	*out = NULL;
	if (d == NULL)
		return WW_ENOMEM;
	d->root = json_node(d, j, 0, max_depth, &rc);
	if (d->root == NULL) {
		yamldoc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static size_t find_pair(const struct yamldoc_node *m, const char *key)
{
	if (m == NULL || m->type != YAMLDOC_MAP)
		return (size_t)-1;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[2 * i]->text, key) == 0)
			return i;
	return (size_t)-1;
}

const struct yamldoc_node *yamldoc_get(const struct yamldoc_node *m, const char *key)
{
	size_t i = find_pair(m, key);

	return i == (size_t)-1 ? NULL : m->items[2 * i + 1];
}

const struct yamldoc_node *yamldoc_get_key(const struct yamldoc_node *m, const char *key)
{
	size_t i = find_pair(m, key);

	return i == (size_t)-1 ? NULL : m->items[2 * i];
}

json_t *yamldoc_to_json(const struct yamldoc_node *n)
{
	json_t *j;

	if (n->type == YAMLDOC_SCALAR) {
		switch (n->scalar) {
		case YAMLDOC_NULL: return json_null();
		case YAMLDOC_BOOL: return json_boolean(n->b);
		case YAMLDOC_INT: return json_integer(n->i);
		case YAMLDOC_FLOAT: return isfinite(n->d) ? json_real(n->d) : NULL;
		case YAMLDOC_STR: return json_stringn(n->text, n->len);
		}
		return NULL;
	}
	j = n->type == YAMLDOC_MAP ? json_object() : json_array();
	for (size_t i = 0; j != NULL && i < n->n; i++) {
		json_t *v =
		    yamldoc_to_json(n->type == YAMLDOC_MAP ? n->items[2 * i + 1] : n->items[i]);
		int r = v == NULL                ? -1
		        : n->type == YAMLDOC_MAP ? json_object_set_new(j, n->items[2 * i]->text, v)
		                                 : json_array_append_new(j, v);

		if (r != 0) {
			json_decref(j);
			j = NULL;
		}
	}
	return j;
}

const char *yamldoc_describe(const struct yamldoc_node *n)
{
	if (n->type == YAMLDOC_MAP)
		return "a map";
	if (n->type == YAMLDOC_SEQ)
		return "a list";
	switch (n->scalar) {
	case YAMLDOC_NULL: return "empty";
	case YAMLDOC_BOOL: return n->b ? "true" : "false";
	case YAMLDOC_INT: return "an integer";
	case YAMLDOC_FLOAT: return "a number";
	case YAMLDOC_STR: return "a string";
	}
	return "a value";
}
