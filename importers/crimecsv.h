/*
 * crimecsv.h - counting the crimes in a data.police.uk street-level CSV
 *
 * Pure: bytes in (any chunking), counts per category out. The archive holds
 * one file per force and month ("2024-01/2024-01-merseyside-street.csv")
 * with the columns Crime ID, Month, Reported by, Falls within, Longitude,
 * Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category,
 * Context; only Month, Reported by and Crime type are read (found by name in
 * the header, so column order does not matter). Fields follow RFC 4180:
 * quotes, doubled quotes, commas and newlines inside quotes, CRLF or LF.
 *
 * Each row must name the file's month, the same reporting force as the
 * first row, and a crime type that is the label of one of the month's
 * categories (GET /crime-categories?date=); anything else, a row with the
 * wrong number of fields, a missing header or a file that ends inside quotes
 * is WW_EINVALID with the line number, and the counts must not be used.
 */
#ifndef WW_CRIMECSV_H
#define WW_CRIMECSV_H

#include "err.h"

#include <stddef.h>

#define CRIMECSV_MAX_CATEGORIES 64
#define CRIMECSV_FIELD_MAX 1024

struct crimecsv_category {
	char id[64];    /* "violent-crime" */
	char name[128]; /* "Violence and sexual offences" */
};

struct crimecsv {
	/* set by crimecsv_init */
	char month[8]; /* YYYY-MM */
	const struct crimecsv_category *cats;
	size_t ncats;
	/* results */
	long counts[CRIMECSV_MAX_CATEGORIES]; /* by index into cats */
	long rows;                            /* data rows counted */
	char reported_by[128];                /* of the first row */
	/* parser state */
	long line;
	int in_quotes, quote_pending, field_started, header_done;
	int col, ncols, col_month, col_type, col_reported;
	char field[CRIMECSV_FIELD_MAX];
	size_t flen;
	int overflow;
	char v_month[16], v_type[128], v_reported[128];
	int bad;
};

/* Starts counting a file of month (YYYY-MM) against the month's categories
 * (borrowed; at most CRIMECSV_MAX_CATEGORIES). Can't fail. */
void crimecsv_init(struct crimecsv *c, const char *month, const struct crimecsv_category *cats,
                   size_t ncats);

/* Parses len more bytes. 0 or WW_EINVALID (the message has the line). */
int crimecsv_feed(struct crimecsv *c, const char *buf, size_t len, struct err *e);

/* The end of the file. 0 or WW_EINVALID. */
int crimecsv_finish(struct crimecsv *c, struct err *e);

#endif
