/*
 * err.c - the caller-provided error buffer
 */
#include "err.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->code != 0)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* a value cut by %.80s or by the buffer, or bytes from outside: the
	 * message is shown as JSON and stored as text, so it is kept UTF-8 */
	utf8_repair(e->msg);
	return code;
}

void err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

const char *err_code_name(int code)
{
	switch (code) {
	case WW_OK: return "ok";
	case WW_ENOTFOUND: return "not found";
	case WW_EINVALID: return "invalid";
	case WW_ECONFLICT: return "conflict";
	case WW_EUPSTREAM: return "upstream";
	case WW_EDB: return "database";
	case WW_ENOMEM: return "out of memory";
	case WW_EIO: return "i/o";
	case WW_EAUTH: return "unauthorized";
	}
	return "unknown";
}
