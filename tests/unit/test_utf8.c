/*
 * test_utf8.c - UTF-8 checks, cuts and repairs; error messages stay UTF-8
 */
#include "err.h"
#include "http_gate.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <string.h>

Test(utf8, valid_and_invalid)
{
	cr_expect(utf8_valid("caf\xc3\xa9", 5));
	cr_expect(utf8_valid("\xf0\x9f\x98\x80", 4));
	cr_expect(!utf8_valid("\xff", 1));
	cr_expect(!utf8_valid("\xc3", 1));             /* cut off */
	cr_expect(!utf8_valid("\xc0\xaf", 2));         /* overlong */
	cr_expect(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	cr_expect(!utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	cr_expect(!utf8_valid("a\0b", 3));             /* NUL */
}

Test(utf8, cut_on_a_boundary)
{
	cr_expect_eq(utf8_cut("ab\xc3\xa9", 4, 3), 2);
	cr_expect_eq(utf8_cut("ab\xc3\xa9", 4, 4), 4);
}

Test(utf8, repair)
{
	char a[] = "abc\xc3",
	     b[] = "a\xff"
	           "b\xe2\x82x",
	     c[] = "\x1b\xc3\xa9";
	utf8_repair(a);
	utf8_repair(b);
	utf8_repair(c);
	cr_expect_str_eq(a, "abc");
	cr_expect_str_eq(b, "a?bx");
	cr_expect_str_eq(c, "\x1b\xc3\xa9");
}

/* "%.80s" of 79 letters and an é cut the é in half; the message was then
 * refused by jansson and the reply was empty. */
Test(utf8, error_messages_are_utf8)
{
	struct err e = {0};
	char id[96];
	memset(id, 'a', 79);
	memcpy(id + 79, "\xc3\xa9", 3);
	err_set(&e, WW_ENOTFOUND, "evaluation \"%.80s\" does not exist", id);
	cr_expect(utf8_valid(e.msg, strlen(e.msg)), "%s", e.msg);
	cr_expect(strstr(e.msg, "aaa\" does not exist") != NULL, "%s", e.msg);
}

Test(utf8, request_targets)
{
	char msg[256];
	cr_expect_eq(http_target_check("/v1/x?q=caf%C3%A9&a=b", 21, msg, sizeof(msg)), 0);
	cr_expect_eq(http_target_check("/v1/x?q=%ff", 11, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "parameter \"q\"") != NULL, "%s", msg);
	cr_expect_eq(http_target_check("/v1/%00", 7, msg, sizeof(msg)), -1);
	cr_expect_eq(http_target_check("/v1/x?a=%zz", 11, msg, sizeof(msg)), 0);
}
