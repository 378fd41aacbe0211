/*
 * import_git.c - a git commit into the evidence base, all or nothing
 *
 * The git kind of import_run: the fetch is a snapshot of the commit (the
 * changed files when the last imported commit is an ancestor, every file on
 * a first import or after a force push), a document is a YAML blob read
 * straight from the tree. Everything else (plan, checks, the transaction) is
 * import_run.c, shared with the feed.
 */
#include "import_run.h"
#include "gitsrc.h"

#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct git_ctx {
	const struct import_git_opts *o;
	struct gitsrc_snapshot *snap;
	struct import_change *changes;
};

static void default_name(char *out, size_t size, const struct import_git_opts *o)
{
	const char *loc = o->location;
	const char *base = strrchr(loc, '/');
	size_t n;

	base = (base && base[1]) ? base + 1 : loc;
	snprintf(out, size, "git:%s", base);
	n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".git") == 0)
		out[n - 4] = '\0';
	if (o->subpath && o->subpath[0]) {
		n = strlen(out);
		snprintf(out + n, size - n, "/%s", o->subpath);
	}
}

static int git_fetch(void *ctx, const struct db_source *src, struct import_changes *ch,
                     struct err *e)
{
	struct git_ctx *g = ctx;
	const struct import_git_opts *o = g->o;
	struct gitsrc_snapshot *s;
	int rc;

	rc = gitsrc_snapshot(&g->snap, o->location, o->ref, o->subpath, o->data_dir,
	                     src->last_commit, e);
	if (rc < 0)
		return rc;
	s = g->snap;
	if ((g->changes = calloc(s->n_entries + 1, sizeof(*g->changes))) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n_entries; i++) {
		g->changes[i].path = s->entries[i].path;
		g->changes[i].blob = s->entries[i].blob;
		g->changes[i].deleted = s->entries[i].status == GITSRC_DELETED;
	}
	ch->mode = gitsrc_mode_name(s->mode);
	ch->incremental = s->mode == GITSRC_INCREMENTAL;
	ch->commit = s->commit;
	ch->message = "commit already imported";
	ch->author = s->author;
	ch->committed_at = s->commit_time;
	ch->v = g->changes;
	ch->n = s->n_entries;
	if (s->mode == GITSRC_UNCHANGED)
		ch->mode = "unchanged";
	return 0;
}

/* Reads a file's blob; one that cannot be read adds its error and is rejected.
 * Safe on several threads at once (gitsrc_read). */
static int git_load(const struct git_ctx *g, size_t i, char **buf, size_t *len,
                    struct ev_errors *errs, struct err *e)
{
	const struct gitsrc_entry *en = &g->snap->entries[i];
	struct err re = {0};
	int rc;

	/* the path is stored as text and shown as JSON: a name git allows but
	 * that is not UTF-8 is this file's error, not the whole import's */
	if (!utf8_valid(en->path, strlen(en->path)))
		return ev_errors_add(errs, en->path, 0, 0, "",
		                     "the file name is not valid UTF-8; rename the file") < 0
		           ? err_set(e, WW_ENOMEM, "out of memory")
		           : WW_EINVALID;
	rc = gitsrc_read(g->snap, en->blob, buf, len, &re);

	if (rc == WW_EINVALID)
		return ev_errors_add(errs, en->path, 0, 0, "", "%s", re.msg) < 0
		           ? err_set(e, WW_ENOMEM, "out of memory")
		           : WW_EINVALID;
	if (rc < 0)
		return err_set(e, rc, "%s", re.msg);
	return 0;
}

/*
 * A file that cannot be read or does not parse adds its errors and is
 * rejected. It reads through the object database, never the repository, so
 * the files of a batch are read and parsed on several threads at once: the
 * reads wait on the disk in parallel as well.
 */
static int git_parse(const void *ctx, size_t i, struct ev_doc **doc, struct ev_errors *errs,
                     struct err *e)
{
	const struct git_ctx *g = ctx;
	const char *path = g->snap->entries[i].path;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = git_load(g, i, &buf, &len, errs, e)) == 0 &&
	    (rc = ev_parse(doc, path, buf, len, errs)) == WW_ENOMEM)
		rc = err_set(e, rc, "out of memory parsing \"%s\"", path);
	free(buf);
	return rc;
}

int import_git(PGconn *c, const struct import_git_opts *o, struct import_result *res, struct err *e)
{
	static const struct import_source_ops ops = {.fetch = git_fetch, .parse = git_parse};
	struct git_ctx g = {.o = o};
	struct db_source src = {0};
	int rc;

	snprintf(src.kind, sizeof(src.kind), "git");
	if (o->name && o->name[0])
		snprintf(src.name, sizeof(src.name), "%s", o->name);
	else
		default_name(src.name, sizeof(src.name), o);
	snprintf(src.location, sizeof(src.location), "%s", o->location);
	snprintf(src.ref, sizeof(src.ref), "%s", o->ref ? o->ref : "");
	snprintf(src.subpath, sizeof(src.subpath), "%s", o->subpath ? o->subpath : "");
	rc = import_run(c, &src, o->trigger, o->ctl, &ops, &g, res, e);
	free(g.changes);
	gitsrc_snapshot_free(g.snap);
	return rc;
}
