/*
 * source_kinds.c - the kinds of source, one table row each (see source_kinds.h)
 */
#include "source_kinds.h"
#include "cmd.h"
#include "feed.h"
#include "policeuk.h"

#include <stdio.h>
#include <string.h>

static int run_git(PGconn *c, const struct source_run *r, struct import_result *res, struct err *e)
{
	const struct source_conf *sc = r->sc;
	struct import_git_opts o = {.name = sc->name,
	                            .location = sc->location,
	                            .ref = sc->ref[0] ? sc->ref : NULL,
	                            .subpath = sc->path,
	                            .data_dir = r->data_dir,
	                            .trigger = r->trigger,
	                            .ctl = r->ctl};
	return import_git(c, &o, res, e);
}

static int run_feed(PGconn *c, const struct source_run *r, struct import_result *res, struct err *e)
{
	const struct source_conf *sc = r->sc;
	struct feed_opts o = {.name = sc->name,
	                      .url = sc->location,
	                      .token = sc->secret[0] ? sc->secret : NULL,
	                      .trigger = r->trigger,
	                      .ctl = r->ctl,
	                      .timeout_s = sc->timeout_s};
	return feed_import(c, &o, res, NULL, e);
}

/* police-uk writes crime counts, not evidence: only its run id and status are
 * carried into res. */
static int run_policeuk(PGconn *c, const struct source_run *r, struct import_result *res,
                        struct err *e)
{
	struct policeuk_settings st;
	struct policeuk_opts o = {.name = r->sc->name, .trigger = r->trigger};
	struct policeuk_result pr;
	int rc;

	if ((rc = policeuk_settings_load(&st, e)) < 0)
		return rc;
	if (r->sc->location[0] != '\0')
		snprintf(st.url, sizeof(st.url), "%.500s", r->sc->location);
	memset(&pr, 0, sizeof(pr));
	rc = policeuk_import(c, &st, &o, &pr, e);
	res->run_id = pr.run_id;
	snprintf(res->status, sizeof(res->status), "%s", pr.status);
	policeuk_result_free(&pr);
	return rc;
}

static const struct source_kind_def kinds[] = {
    {SOURCE_GIT, "git", 1, 1, 0, 1, run_git, cmd_import_git},
    {SOURCE_FEED, "feed", 1, 1, 1, 0, run_feed, cmd_import_feed},
    {SOURCE_POLICE_UK, "police-uk", 0, 0, 0, 0, run_policeuk, cmd_import_policeuk},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const struct source_kind_def *source_kind_find(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const struct source_kind_def *source_kind_of(enum source_kind id)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].id == id)
			return &kinds[i];
	return NULL;
}

void source_kinds_list(char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NKINDS && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s",
		                      i == 0            ? ""
		                      : i + 1 == NKINDS ? " or "
		                                        : ", ",
		                      kinds[i].name);
}
