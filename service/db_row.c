/*
 * db_row.c - one row of text values from a read query (see db_row.h)
 */
#include "db_row.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

/* A struct db_row is the PGresult itself, under a name the API may hold. */

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int db_row_query(struct db_row **out, PGconn *c, const char *sql, int n, const char *const *values,
                 int nfields, int prepare, struct err *e)
{
	PGresult *res;
	char msg[512];

	*out = NULL;
	res = prepare ? db_exec_prepared(c, sql, n, values)
	              : PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		int code = db_error_code(res);
		snprintf(msg, sizeof(msg), "%s",
		         res ? PQresultErrorMessage(res) : PQerrorMessage(c));
		trim(msg);
		PQclear(res);
		if (code == WW_EINVALID)
			return err_set(e, code, "a parameter value was refused by the database: %s",
			               msg);
		return err_set(e, WW_EDB, "could not read the evidence base: %s", msg);
	}
	if (PQntuples(res) != 1 || PQnfields(res) != nfields) {
		PQclear(res);
		return err_set(e, WW_EDB, "could not read the evidence base: unexpected result");
	}
	*out = (struct db_row *)res;
	return 0;
}

const char *db_row_value(const struct db_row *r, int col, size_t *len)
{
	const PGresult *res = (const PGresult *)r;

	if (PQgetisnull(res, 0, col)) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = (size_t)PQgetlength(res, 0, col);
	return PQgetvalue(res, 0, col);
}

void db_row_free(struct db_row *r)
{
	PQclear((PGresult *)r);
}
