/*
 * err.h - error codes and the caller-provided error buffer
 *
 * Functions that can fail return int: 0, or one of the negative codes below.
 * The human-readable reason goes into a struct err owned by the caller (no
 * allocation, like jansson's json_error_t). The first error set wins: callers
 * propagate, they never overwrite a more precise message.
 *
 * Messages follow the PostgreSQL style: lower-case, no final period, name the
 * thing, say what to do where that helps.
 */
#ifndef WW_ERR_H
#define WW_ERR_H

#include <stddef.h>

enum {
	WW_OK = 0,
	WW_ENOTFOUND = -1, /* the thing asked for does not exist */
	WW_EINVALID = -2,  /* input breaks the contract: bad file, bad parameter */
	WW_ECONFLICT = -3, /* clashes with what is already there */
	WW_EUPSTREAM = -4, /* a remote (git host, API, feed) failed or misbehaved */
	WW_EDB = -5,       /* PostgreSQL failed or is unreachable */
	WW_ENOMEM = -6,    /* out of memory, or a size bound was reached */
	WW_EIO = -7,       /* local file or system call failed */
	WW_EAUTH = -8,     /* missing or wrong credentials */
};

struct err {
	int code;
	char msg[1024];
};

/* Sets e (when e is not NULL and still empty) and returns code. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Clears e so it can be reused. */
void err_clear(struct err *e);

/* A short name for a code ("invalid", "not found", ...); never NULL. */
const char *err_code_name(int code);

#endif
