/*
 * test_http_docker.c - what can be checked of the Docker files without a
 * Docker engine: docker-compose.yml parses and says what it should, the
 * Dockerfile starts from Debian 12, takes its packages from the Makefile
 * (make deps) and copies only paths that exist.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *s;

	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

Test(http_docker, compose_parses_and_names_what_it_needs)
{
	char *text = slurp("docker-compose.yml");
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, scalars = 0;

	cr_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	while (!done) {
		cr_assert(yaml_parser_parse(&p, &ev), "docker-compose.yml: %s at line %zu",
		          p.problem, p.problem_mark.line + 1);
		scalars += ev.type == YAML_SCALAR_EVENT;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	cr_expect_gt(scalars, 10);
	static const char *const needed[] = {"image: postgres:15",
	                                     "pg_isready",
	                                     "condition: service_healthy",
	                                     "WHATWORKS_DATABASE_URL",
	                                     "/readyz",
	                                     "pg_basebackup",
	                                     "WHATWORKS_READ_DATABASE_URL",
	                                     "option httpchk GET /readyz",
	                                     "whatworks import git",
	                                     "whatworks serve",
	                                     "dockerfile: Dockerfile",
	                                     NULL};
	for (int i = 0; needed[i]; i++)
		cr_expect(strstr(text, needed[i]) != NULL, "docker-compose.yml lacks %s",
		          needed[i]);
	free(text);
}

Test(http_docker, dockerfile_uses_the_makefile_package_list)
{
	char *text = slurp("Dockerfile");
	char *make = slurp("Makefile");
	struct stat st;
	int from = 0;

	cr_expect(strstr(make, "DEB_PACKAGES") != NULL && strstr(make, "\ndeps:") != NULL);
	cr_expect(strstr(text, "make deps") != NULL,
	          "the Dockerfile must install DEB_PACKAGES through make deps");
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strncmp(line, "FROM ", 5) == 0) {
			from = 1;
			cr_expect(strncmp(line, "FROM debian:12", 14) == 0 ||
			              strncmp(line, "FROM debian:bookworm", 20) == 0,
			          "not a Debian 12 base: %s", line);
		}
		/* apt-get may bootstrap make itself, nothing else: the list is the Makefile's */
		if (strstr(line, "apt-get install") != NULL)
			cr_expect(strstr(line, "--no-install-recommends make") != NULL,
			          "a package list outside the Makefile: %s", line);
		if (strncmp(line, "COPY ", 5) == 0) {
			char copy[512], *words[16], *save = NULL;
			int n = 0;
			snprintf(copy, sizeof(copy), "%s", line + 5);
			for (char *w = strtok_r(copy, " ", &save); w && n < 16;
			     w = strtok_r(NULL, " ", &save))
				words[n++] = w;
			/* every source (all words but the last) exists */
			for (int i = 0; i + 1 < n; i++)
				if (strncmp(words[i], "--", 2) != 0)
					cr_expect_eq(
					    stat(words[i], &st), 0,
					    "the Dockerfile copies %s, which does not exist",
					    words[i]);
		}
	}
	cr_expect(from, "no FROM line");
	free(text);
	free(make);
}
