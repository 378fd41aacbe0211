/*
 * rawhttp.c - raw bytes to the daemon and what comes back
 */
#include "rawhttp.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int raw_connect(int port)
{
	struct sockaddr_in a;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect to %d", port);
	return fd;
}

size_t raw_exchange(int port, const char *bytes, size_t len, char *out, size_t size)
{
	int fd = raw_connect(port);
	size_t n = 0, off = 0;
	ssize_t k;

	while (off < len && (k = send(fd, bytes + off, len - off, MSG_NOSIGNAL)) > 0)
		off += (size_t)k;
	while (n + 1 < size && (k = recv(fd, out + n, size - 1 - n, 0)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd);
	return n;
}

int raw_status(const char *resp)
{
	int st = 0;
	if (sscanf(resp, "HTTP/1.%*d %d", &st) != 1)
		return 0;
	return st;
}

int raw_status_lines(const char *resp)
{
	int n = 0;
	for (const char *p = resp; (p = strstr(p, "HTTP/1.")) != NULL; p++)
		if (p == resp || p[-1] == '\n')
			n++;
	return n;
}

const char *raw_body(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");
	return p ? p + 4 : "";
}

long raw_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
