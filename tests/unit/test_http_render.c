/*
 * test_http_render.c - the pure parts of HTTP (and the buffer they write to)
 */
#include "buf.h"
#include "http.h"

#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

Test(buf, appends_and_prints_past_any_capacity)
{
	struct buf b = {0};
	char big[3000];

	buf_adds(&b, "a");
	buf_add(&b, "bc", 2);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "[%d]%s", 42, big);
	cr_assert_eq(b.len, 3 + 4 + 2999);
	cr_assert_eq(strncmp(b.data, "abc[42]xxx", 10), 0);
	cr_assert_eq(b.data[b.len], '\0');
	cr_assert_not(b.failed);
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.data, "");
	buf_free(&b);
	cr_assert_null(b.data);
	buf_free(NULL);
}

Test(http_render, accept_picks_json_csv_or_nothing)
{
	static const struct {
		const char *accept;
		int csv_ok, want;
	} cases[] = {
	    {NULL, 1, HTTP_REP_JSON},
	    {"", 1, HTTP_REP_JSON},
	    {"text/csv", 1, HTTP_REP_CSV},
	    {"text/csv", 0, -1},
	    {"application/json;q=0.5, text/csv", 1, HTTP_REP_CSV},
	    {"text/csv;q=0.2, */*", 1, HTTP_REP_JSON},
	    {"*/*", 1, HTTP_REP_JSON},
	    {"text/*", 1, HTTP_REP_CSV},
	    {"image/png", 1, -1},
	    {"application/json;q=0", 1, -1},
	    {"TEXT/CSV", 1, HTTP_REP_CSV},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(http_accept_pick(cases[i].accept, cases[i].csv_ok), cases[i].want,
		             "Accept: %s", cases[i].accept ? cases[i].accept : "(none)");
}

Test(http_render, gzip_when_accepted_with_a_positive_q)
{
	cr_assert_eq(http_accepts_gzip(NULL), 0);
	cr_assert_eq(http_accepts_gzip("gzip, deflate"), 1);
	cr_assert_eq(http_accepts_gzip("gzip;q=0"), 0);
	cr_assert_eq(http_accepts_gzip("*"), 1);
	cr_assert_eq(http_accepts_gzip("*;q=0.5, gzip;q=0"), 0);
	cr_assert_eq(http_accepts_gzip("br"), 0);
}

Test(http_render, csv_quotes_and_joins)
{
	struct buf b = {0};
	json_t *rows =
	    json_pack("[{s:s, s:i, s:[s,s], s:n}, {s:s, s:f, s:[], s:b}]", "name", "a, \"b\"", "n",
	              1, "tags", "x", "y", "z", "name", "line\nbreak", "n", 1.5, "tags", "z", 1);
	const char *const cols[] = {"name", "n", "tags", "z", NULL};

	cr_assert_eq(http_csv_render(&b, rows, cols), 0);
	cr_assert_str_eq(b.data, "\xEF\xBB\xBFname,n,tags,z\r\n"
	                         "\"a, \"\"b\"\"\",1,x;y,\r\n"
	                         "\"line\nbreak\",1.5,,true\r\n");
	buf_free(&b);
	json_decref(rows);
}

Test(http_render, gzip_round_trips)
{
	struct buf z = {0};
	const char *text = "hello hello hello hello hello";
	unsigned char out[64];
	z_stream s = {0};

	cr_assert_eq(http_gzip(&z, text, strlen(text)), 0);
	cr_assert(z.len > 10);
	cr_assert_eq(inflateInit2(&s, 16 + MAX_WBITS), Z_OK);
	s.next_in = (unsigned char *)z.data;
	s.avail_in = (unsigned)z.len;
	s.next_out = out;
	s.avail_out = sizeof(out);
	cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(s.total_out, strlen(text));
	cr_assert_eq(memcmp(out, text, strlen(text)), 0);
	inflateEnd(&s);
	buf_free(&z);
}

Test(http_render, etags_per_representation_and_weak_matching)
{
	char t[64];

	http_etag_variant(t, sizeof(t), "\"v1\"", HTTP_REP_CSV, 1);
	cr_assert_str_eq(t, "\"v1-csv-gz\"");
	http_etag_variant(t, sizeof(t), "\"v1\"", HTTP_REP_JSON, 0);
	cr_assert_str_eq(t, "\"v1\"");
	http_etag_variant(t, sizeof(t), "v1", HTTP_REP_JSON, 1);
	cr_assert_str_eq(t, "\"v1-gz\"");
	cr_assert(http_etag_match("\"v1\"", "\"v1\""));
	cr_assert(http_etag_match("W/\"v1\"", "\"v1\""));
	cr_assert(http_etag_match("\"a\", \"v1\"", "\"v1\""));
	cr_assert(http_etag_match("*", "\"v1\""));
	cr_assert_not(http_etag_match("\"v10\"", "\"v1\""));
	cr_assert_not(http_etag_match(NULL, "\"v1\""));
}

Test(http_render, cors_origins)
{
	cr_assert(http_origin_allowed("*", "https://a.org"));
	cr_assert(http_origin_allowed("https://a.org, https://b.org", "https://b.org"));
	cr_assert_not(http_origin_allowed("https://a.org", "https://a.org.evil"));
	cr_assert_not(http_origin_allowed("", "https://a.org"));
	cr_assert_not(http_origin_allowed("*", ""));
}

Test(http_render, link_header_keeps_the_query_and_replaces_paging)
{
	struct buf b = {0};

	http_link_header(&b, "/v1/x", "theme=vawg&offset=10&limit=10", 10, 10, 35, NULL, 0);
	cr_assert_str_eq(b.data, "</v1/x?theme=vawg&limit=10&offset=0>; rel=\"first\", "
	                         "</v1/x?theme=vawg&limit=10&offset=0>; rel=\"prev\", "
	                         "</v1/x?theme=vawg&limit=10&offset=20>; rel=\"next\", "
	                         "</v1/x?theme=vawg&limit=10&offset=30>; rel=\"last\"");
	buf_reset(&b);
	http_link_header(&b, "/v1/x", "cursor=abc", 10, 0, -1, "n+/=", 1);
	cr_assert_str_eq(b.data, "</v1/x?offset=0>; rel=\"first\", "
	                         "</v1/x?cursor=n%2B%2F%3D>; rel=\"next\"");
	buf_free(&b);
}

/* FNV-1a's steps from a basis one digit short of the standard one
 * (14695981039346656037): stable, which is all an ETag needs. */
Test(http_render, hash_is_stable_and_tells_inputs_apart)
{
	cr_assert_eq(http_hash("", 0), 1469598103934665603ULL);
	cr_assert_eq(http_hash("abc", 3), http_hash("abcd", 3));
	cr_assert_neq(http_hash("a", 1), http_hash("b", 1));
}
