/*
 * test_db_copy.c - rows for COPY ... FROM STDIN, text format
 */
#include "db.h"

#include <criterion/criterion.h>
#include <string.h>

static void expect_buf(struct db_copy *b, const char *want)
{
	cr_assert_eq(b->oom, 0);
	cr_expect_eq(b->len, strlen(want), "got \"%.*s\"", (int)b->len, b->buf);
	cr_expect(memcmp(b->buf, want, b->len) == 0, "got \"%.*s\"", (int)b->len, b->buf);
}

Test(db_copy, fields_rows_and_escapes)
{
	struct db_copy b = {0};

	db_copy_text(&b, "plain");
	db_copy_text(&b, NULL);
	db_copy_int(&b, -42);
	db_copy_text(&b, "tab\there\nnew\rcr\\back \\N naïve");
	db_copy_end_row(&b);
	db_copy_text(&b, "");
	db_copy_end_row(&b);
	expect_buf(&b, "plain\t\\N\t-42\ttab\\there\\nnew\\rcr\\\\back \\\\N naïve\n\n");
	cr_expect_eq(b.rows, 2);
	db_copy_free(&b);
}

Test(db_copy, arrays_quote_every_element)
{
	static const char *const v[] = {"a", "with \"quote\"", "back\\slash", "{b,c}", "", "NULL"};
	struct db_copy b = {0};

	db_copy_array(&b, v, 0);
	db_copy_array(&b, v, sizeof(v) / sizeof(v[0]));
	db_copy_end_row(&b);
	/* array syntax escapes " and \ with \, then COPY doubles every \ */
	expect_buf(&b, "{}\t{\"a\",\"with \\\\\"quote\\\\\"\",\"back\\\\\\\\slash\",\"{b,c}\",\"\","
	               "\"NULL\"}\n");
	db_copy_free(&b);
}

Test(db_copy, appending_nothing_from_an_empty_buffer_is_nothing)
{
	struct db_copy rows = {0}, b = {0};

	db_copy_append(&b, rows.buf, rows.len); /* NULL, 0: an intervention with no rows */
	db_copy_raw(&b, NULL, 0);
	cr_expect_eq(b.len, 0);
	cr_expect_eq(b.oom, 0);
	db_copy_free(&b);
}

Test(db_copy, raw_and_escaped_pieces_make_one_field)
{
	struct db_copy b = {0};

	db_copy_text(&b, "id");
	db_copy_begin_field(&b);
	db_copy_raw(&b, "{\"k\":", 5);
	db_copy_escaped(&b, "\"a\\\"b\"}", 7);
	db_copy_end_row(&b);
	expect_buf(&b, "id\t{\"k\":\"a\\\\\"b\"}\n");
	db_copy_free(&b);
}
