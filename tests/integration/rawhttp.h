/*
 * rawhttp.h - raw bytes to the daemon and what comes back, for the cases a
 * client library would tidy up (bad framing, doubled status lines)
 */
#ifndef WW_RAWHTTP_H
#define WW_RAWHTTP_H

#include <stddef.h>
#include <sys/types.h>

/* Connects to 127.0.0.1:port; returns the socket (asserts). */
int raw_connect(int port);
/* Sends bytes on a new connection and reads until the server closes or
 * 10 s pass; returns the bytes read into out (NUL-terminated, truncated). */
size_t raw_exchange(int port, const char *bytes, size_t len, char *out, size_t size);
/* The status of the first status line of a raw response, or 0. */
int raw_status(const char *resp);
/* How many times "HTTP/1." starts a line in resp. */
int raw_status_lines(const char *resp);
/* The body after the first blank line (points into resp), or "". */
const char *raw_body(const char *resp);
/* Resident memory of a process in KiB, from /proc. */
long raw_rss_kb(pid_t pid);

#endif
