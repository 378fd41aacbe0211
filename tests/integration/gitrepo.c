/*
 * gitrepo.c - throwaway git repositories for tests
 */
#include "gitrepo.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sh(const char *cmd)
{
	int rc = system(cmd);
	cr_assert(rc == 0, "command failed (%d): %s", rc, cmd);
}

void gitrepo_git(struct gitrepo *g, const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
	         "git -C '%s' -c user.name='Test Partner' -c user.email=partner@example.org "
	         "-c commit.gpgsign=false %s >/dev/null 2>&1",
	         g->dir, args);
	sh(cmd);
}

void gitrepo_init(struct gitrepo *g)
{
	snprintf(g->dir, sizeof(g->dir), "/tmp/ww-repo.XXXXXX");
	cr_assert(mkdtemp(g->dir) != NULL);
	gitrepo_git(g, "init -q -b main");
}

void gitrepo_write(struct gitrepo *g, const char *path, const char *content)
{
	char full[1024], cmd[1200];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", g->dir, path);
	if (content == NULL) {
		cr_assert(unlink(full) == 0, "could not delete %s", full);
		return;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	sh(cmd);
	f = fopen(full, "w");
	cr_assert(f != NULL, "could not write %s", full);
	fputs(content, f);
	fclose(f);
}

void gitrepo_commit(struct gitrepo *g, const char *message, char *out)
{
	char cmd[1024];
	FILE *p;

	gitrepo_git(g, "add -A");
	snprintf(cmd, sizeof(cmd), "commit -q --allow-empty -m '%s'", message);
	gitrepo_git(g, cmd);
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD", g->dir);
	p = popen(cmd, "r");
	cr_assert(p != NULL);
	cr_assert(fgets(out, 41, p) != NULL);
	out[40] = '\0';
	pclose(p);
}

void gitrepo_remove(struct gitrepo *g)
{
	tmpdir_remove(g->dir);
}

void tmpdir_make(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/ww-data.XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
}

void tmpdir_remove(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	sh(cmd);
}

char *gitrepo_intervention(const char *id, const char *name)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
	                   "kind: intervention\n"
	                   "id: %s\n"
	                   "name: %s\n"
	                   "themes: [knife-crime]\n"
	                   "level: person\n"
	                   "summary: A test intervention.\n",
	                   id, name) > 0);
	return s;
}

char *gitrepo_evaluation(const char *id, const char *intervention, double rr)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
	                   "kind: evaluation\n"
	                   "id: %s\n"
	                   "intervention: %s\n"
	                   "title: A test evaluation\n"
	                   "source:\n"
	                   "  citation: Test (2020)\n"
	                   "  published: 2020\n"
	                   "design: rct\n"
	                   "quality: 5\n"
	                   "outcomes:\n"
	                   "  - crime_type: violence-with-injury\n"
	                   "    effect: {measure: risk-ratio, estimate: %.2f, ci95: [%.2f, %.2f]}\n"
	                   "    baseline: {rate: 0.4, per: participant, years: 1}\n"
	                   "cost: {amount: 1000, per: participant, price_year: 2019}\n"
	                   "submitted_by: Test Partner\n",
	                   id, intervention, rr, rr * 0.8, rr * 1.2) > 0);
	return s;
}

char *gitrepo_unit_costs(int amount)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
	                   "kind: unit-costs\n"
	                   "id: test-unit-costs\n"
	                   "title: Test unit costs\n"
	                   "source: {citation: Test (2018)}\n"
	                   "entries:\n"
	                   "  - {crime_type: violence-with-injury, amount: %d, unit: crime,"
	                   " price_year: 2015, flag: secondary}\n",
	                   amount) > 0);
	return s;
}

const char gitrepo_deflators[] = "kind: deflators\n"
                                 "id: test-deflators\n"
                                 "title: Test deflators\n"
                                 "source: {citation: Test (2026)}\n"
                                 "base: 2024-25 = 100\n"
                                 "entries:\n"
                                 "  - {year: 2015, index: 74.5804, flag: secondary}\n"
                                 "  - {year: 2019, index: 80.8738, flag: secondary}\n"
                                 "  - {year: 2024, index: 100.0, flag: secondary}\n";
