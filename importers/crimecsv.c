/*
 * crimecsv.c - counting the crimes in a data.police.uk street-level CSV
 */
#include "crimecsv.h"

#include <stdio.h>
#include <string.h>

void crimecsv_init(struct crimecsv *c, const char *month, const struct crimecsv_category *cats,
                   size_t ncats)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->month, sizeof(c->month), "%s", month);
	c->cats = cats;
	c->ncats = ncats < CRIMECSV_MAX_CATEGORIES ? ncats : CRIMECSV_MAX_CATEGORIES;
	c->line = 1;
	c->col_month = c->col_type = c->col_reported = -1;
}

static int fail(struct crimecsv *c, struct err *e, const char *fmt, const char *a, const char *b)
{
	char msg[600];

	snprintf(msg, sizeof(msg), fmt, a, b);
	c->bad = 1;
	return err_set(e, WW_EINVALID, "line %ld: %s", c->line, msg);
}

static void keep(char *dst, size_t size, const struct crimecsv *c)
{
	snprintf(dst, size, "%.*s", (int)c->flen, c->field);
}

static int end_field(struct crimecsv *c, struct err *e)
{
	if (!c->header_done) {
		char name[64];
		/* a UTF-8 byte order mark may precede the first name */
		size_t skip =
		    c->col == 0 && c->flen >= 3 && memcmp(c->field, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
		snprintf(name, sizeof(name), "%.*s", (int)(c->flen - skip), c->field + skip);
		if (strcmp(name, "Month") == 0)
			c->col_month = c->col;
		else if (strcmp(name, "Crime type") == 0)
			c->col_type = c->col;
		else if (strcmp(name, "Reported by") == 0)
			c->col_reported = c->col;
	} else if (c->col == c->col_month || c->col == c->col_type || c->col == c->col_reported) {
		if (c->overflow)
			return fail(c, e, "a field is longer than %s bytes", "1024", "");
		if (c->col == c->col_month)
			keep(c->v_month, sizeof(c->v_month), c);
		else if (c->col == c->col_type)
			keep(c->v_type, sizeof(c->v_type), c);
		else
			keep(c->v_reported, sizeof(c->v_reported), c);
	}
	c->col++;
	c->flen = 0;
	c->overflow = 0;
	c->field_started = 0;
	return 0;
}

static int end_row(struct crimecsv *c, struct err *e)
{
	char a[32], b[32];
	size_t i;

	if (c->col == 0 && c->flen == 0 && !c->field_started)
		return 0; /* a blank line */
	if (end_field(c, e) < 0)
		return WW_EINVALID;
	if (!c->header_done) {
		if (c->col_month < 0 || c->col_type < 0 || c->col_reported < 0)
			return fail(c, e, "the header lacks the column \"%s\"%s",
			            c->col_month < 0  ? "Month"
			            : c->col_type < 0 ? "Crime type"
			                              : "Reported by",
			            "");
		c->header_done = 1;
		c->ncols = c->col;
		c->col = 0;
		return 0;
	}
	if (c->col != c->ncols) {
		snprintf(a, sizeof(a), "%d", c->col);
		snprintf(b, sizeof(b), "%d", c->ncols);
		return fail(c, e, "row has %s fields, the header has %s", a, b);
	}
	c->col = 0;
	if (strcmp(c->v_month, c->month) != 0)
		return fail(c, e, "row is for month \"%s\", the file for %s", c->v_month, c->month);
	if (c->rows == 0)
		snprintf(c->reported_by, sizeof(c->reported_by), "%s", c->v_reported);
	else if (strcmp(c->v_reported, c->reported_by) != 0)
		return fail(c, e, "row is reported by \"%s\", the file's first row by \"%s\"",
		            c->v_reported, c->reported_by);
	for (i = 0; i < c->ncats; i++)
		if (strcmp(c->cats[i].name, c->v_type) == 0)
			break;
	if (i == c->ncats)
		return fail(c, e, "crime type \"%s\" is not a data.police.uk category of %s",
		            c->v_type, c->month);
	c->counts[i]++;
	c->rows++;
	return 0;
}

static void append(struct crimecsv *c, char ch)
{
	c->field_started = 1;
	if (c->flen < sizeof(c->field))
		c->field[c->flen++] = ch;
	else
		c->overflow = 1;
}

int crimecsv_feed(struct crimecsv *c, const char *buf, size_t len, struct err *e)
{
	if (c->bad)
		return err_set(e, WW_EINVALID, "the file was already found invalid");
	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];
		if (c->in_quotes) {
			if (!c->quote_pending) {
				if (ch == '"')
					c->quote_pending = 1;
				else
					append(c, ch);
				if (ch == '\n')
					c->line++;
				continue;
			}
			c->quote_pending = 0;
			if (ch == '"') {
				append(c, '"');
				continue;
			}
			c->in_quotes = 0; /* the closing quote: ch is read as unquoted */
		}
		if (ch == '"' && c->flen == 0 && !c->field_started) {
			c->in_quotes = 1;
			c->field_started = 1;
		} else if (ch == ',') {
			if (end_field(c, e) < 0)
				return WW_EINVALID;
		} else if (ch == '\n') {
			if (end_row(c, e) < 0)
				return WW_EINVALID;
			c->line++;
		} else if (ch != '\r') {
			append(c, ch);
		}
	}
	return 0;
}

int crimecsv_finish(struct crimecsv *c, struct err *e)
{
	if (c->bad)
		return err_set(e, WW_EINVALID, "the file was already found invalid");
	if (c->in_quotes && !c->quote_pending) {
		c->bad = 1;
		return err_set(e, WW_EINVALID, "line %ld: the file ends inside a quoted field",
		               c->line);
	}
	c->in_quotes = 0;
	if ((c->col > 0 || c->flen > 0 || c->field_started) && end_row(c, e) < 0)
		return WW_EINVALID;
	if (!c->header_done) {
		c->bad = 1;
		return err_set(e, WW_EINVALID, "the file is empty: no header row");
	}
	return 0;
}
