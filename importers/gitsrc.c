/*
 * gitsrc.c - a bare mirror per source, fetched with libgit2, read from trees
 */
#include "gitsrc.h"
#include "clock.h"
#include "evidence.h"
#include "log.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_ENTRIES 200000 /* YAML files listed from one tree */

struct listing {
	struct gitsrc_snapshot *s;
	size_t cap, wcap;
	const char *subpath;
	int failed;
};

const char *gitsrc_mode_name(enum gitsrc_mode m)
{
	switch (m) {
	case GITSRC_FULL: return "full";
	case GITSRC_INCREMENTAL: return "incremental";
	case GITSRC_REWRITTEN: return "rewritten";
	case GITSRC_UNCHANGED: return "unchanged";
	}
	return "unknown";
}

static int git_fail(struct err *e, int code, const char *what)
{
	const git_error *ge = git_error_last();
	return err_set(e, code, "could not %s: %s", what,
	               ge && ge->message ? ge->message : "unknown error");
}

void gitsrc_redact(char *out, size_t size, const char *location)
{
	const char *scheme = strstr(location, "://");
	const char *at;

	if (scheme == NULL || (at = strchr(scheme + 3, '@')) == NULL ||
	    (strchr(scheme + 3, '/') != NULL && strchr(scheme + 3, '/') < at)) {
		snprintf(out, size, "%s", location);
		return;
	}
	snprintf(out, size, "%.*s***%s", (int)(scheme + 3 - location), location, at);
}

static int is_yaml(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Any path component starting with a dot (.github, .hidden.yaml) is not evidence. */
static int is_hidden(const char *path)
{
	for (const char *p = path; *p; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return 1;
	return 0;
}

static int add_warning(struct gitsrc_snapshot *s, size_t *cap, const char *fmt, const char *path)
{
	char buf[1200];

	if (s->n_warnings == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **nw = realloc(s->warnings, ncap * sizeof(*nw));
		if (nw == NULL)
			return -1;
		s->warnings = nw;
		*cap = ncap;
	}
	snprintf(buf, sizeof(buf), fmt, path);
	if ((s->warnings[s->n_warnings] = strdup(buf)) == NULL)
		return -1;
	s->n_warnings++;
	return 0;
}

static int add_entry(struct listing *l, enum gitsrc_status st, const char *path, const git_oid *oid)
{
	struct gitsrc_snapshot *s = l->s;

	if (s->n_entries >= MAX_ENTRIES)
		return -1;
	if (s->n_entries == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		struct gitsrc_entry *ne = realloc(s->entries, ncap * sizeof(*ne));
		if (ne == NULL)
			return -1;
		s->entries = ne;
		l->cap = ncap;
	}
	struct gitsrc_entry *en = &s->entries[s->n_entries];
	en->status = st;
	if ((en->path = strdup(path)) == NULL)
		return -1;
	if (oid)
		git_oid_tostr(en->blob, sizeof(en->blob), oid);
	else
		en->blob[0] = '\0';
	s->n_entries++;
	return 0;
}

/* Classifies one tree entry: 1 take it, 0 pass over it (warned where useful). */
static int wanted(struct listing *l, const char *path, git_filemode_t mode)
{
	if (is_hidden(path) || !is_yaml(path))
		return 0;
	if (mode == GIT_FILEMODE_LINK) {
		if (add_warning(l->s, &l->wcap, "%s: symbolic link skipped", path) < 0)
			l->failed = 1;
		return 0;
	}
	if (mode == GIT_FILEMODE_COMMIT) {
		if (add_warning(l->s, &l->wcap, "%s: submodule skipped", path) < 0)
			l->failed = 1;
		return 0;
	}
	return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static int walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct listing *l = payload;
	char path[PATH_MAX];
	git_filemode_t mode = git_tree_entry_filemode(entry);
	const char *name = git_tree_entry_name(entry);

	snprintf(path, sizeof(path), "%s%s%s%s", l->subpath, l->subpath[0] ? "/" : "", root, name);
	if (mode == GIT_FILEMODE_TREE)
		return name[0] == '.' ? 1 : 0; /* skip hidden folders */
	if (mode == GIT_FILEMODE_COMMIT) {
		if (add_warning(l->s, &l->wcap, "%s: submodule skipped", path) < 0)
			l->failed = 1;
		return 0;
	}
	if (!wanted(l, path, mode))
		return 0;
	if (add_entry(l, GITSRC_ADDED, path, git_tree_entry_id(entry)) < 0) {
		l->failed = 1;
		return -1;
	}
	return 0;
}

/* The tree at subpath inside a commit's tree; *out NULL when the path is absent. */
static int subtree(git_tree **out, git_repository *repo, git_commit *commit, const char *subpath,
                   struct err *e)
{
	git_tree *root = NULL;
	git_tree_entry *te = NULL;
	int rc = 0;

	*out = NULL;
	if (git_commit_tree(&root, commit) < 0)
		return git_fail(e, WW_EIO, "read the commit's tree");
	if (subpath[0] == '\0') {
		*out = root;
		return 0;
	}
	if (git_tree_entry_bypath(&te, root, subpath) < 0) {
		rc = err_set(e, WW_ENOTFOUND, "path \"%s\" does not exist in commit %.12s", subpath,
		             git_oid_tostr_s(git_commit_id(commit)));
		goto cleanup;
	}
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE) {
		rc = err_set(e, WW_EINVALID, "path \"%s\" is not a folder", subpath);
		goto cleanup;
	}
	if (git_tree_lookup(out, repo, git_tree_entry_id(te)) < 0)
		rc = git_fail(e, WW_EIO, "read the tree");
cleanup:
	git_tree_entry_free(te);
	git_tree_free(root);
	return rc;
}

static int isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void mirror_path(char *out, size_t size, const char *data_dir, const char *location)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	char name[64];
	size_t n = 0;
	const char *base = strrchr(location, '/');

	for (const char *p = location; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	base = base && base[1] ? base + 1 : location;
	for (const char *p = base; *p && n < 40; p++)
		name[n++] = (isalnum_ascii(*p) || *p == '-') ? *p : '_';
	name[n] = '\0';
	snprintf(out, size, "%s/mirrors/%s-%016llx.git", data_dir, name, (unsigned long long)h);
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return (mkdir(buf, 0700) < 0 && errno != EEXIST) ? -1 : 0;
}

/* A local path becomes absolute: the mirror lives elsewhere. */
static void absolute_location(char *out, size_t size, const char *location)
{
	char real[PATH_MAX];

	if (strstr(location, "://") == NULL && location[0] != '/' &&
	    realpath(location, real) != NULL)
		snprintf(out, size, "%s", real);
	else
		snprintf(out, size, "%s", location);
}

/*
 * A repository on this machine lends its objects to the mirror (git's
 * alternates), so fetching copies references, not the whole history: the
 * mirror stays a mirror, at a fraction of the cost. When the source later
 * prunes an object the last import needed, the import falls back to
 * comparing the tree with the database. Returns 1 when the file was written.
 */
static int link_local_objects(const char *mirror, const char *url)
{
	git_repository *src = NULL;
	char file[PATH_MAX + 32], want[PATH_MAX + 2], have[PATH_MAX + 2] = "";
	FILE *f;
	int n;

	if (strstr(url, "://") != NULL ||
	    git_repository_open_ext(&src, url, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return 0;
	n = snprintf(want, sizeof(want), "%sobjects\n", git_repository_path(src));
	git_repository_free(src);
	if (n < 0 || (size_t)n >= sizeof(want))
		return 0;
	snprintf(file, sizeof(file), "%s/objects/info/alternates", mirror);
	if ((f = fopen(file, "r")) != NULL) {
		size_t got = fread(have, 1, sizeof(have) - 1, f);
		have[got] = '\0';
		fclose(f);
		if (strcmp(have, want) == 0)
			return 0;
	}
	if ((f = fopen(file, "w")) == NULL)
		return 0;
	fputs(want, f);
	return fclose(f) == 0;
}

static int open_mirror(git_repository **repo, git_remote **remote, const char *url,
                       const char *data_dir, struct err *e)
{
	char path[PATH_MAX], mirrors[PATH_MAX];
	const char *have;

	snprintf(mirrors, sizeof(mirrors), "%s/mirrors", data_dir);
	if (mkdirs(mirrors) < 0)
		return err_set(e, WW_EIO, "could not create folder \"%s\": %s", mirrors,
		               strerror(errno));
	mirror_path(path, sizeof(path), data_dir, url);
	if (git_repository_open_bare(repo, path) < 0) {
		if (git_repository_init(repo, path, 1) < 0)
			return git_fail(e, WW_EIO, "create the mirror");
	}
	/* reopen once the alternates file is in place, so the object database sees it */
	if (link_local_objects(path, url)) {
		git_repository_free(*repo);
		if (git_repository_open_bare(repo, path) < 0)
			return git_fail(e, WW_EIO, "open the mirror");
	}
	if (git_remote_lookup(remote, *repo, "origin") < 0) {
		if (git_remote_create_with_fetchspec(remote, *repo, "origin", url,
		                                     "+refs/heads/*:refs/heads/*") < 0)
			return git_fail(e, WW_EIO, "configure the mirror");
		return 0;
	}
	have = git_remote_url(*remote);
	if (have == NULL || strcmp(have, url) != 0) {
		git_remote_free(*remote);
		*remote = NULL;
		if (git_remote_set_url(*repo, "origin", url) < 0 ||
		    git_remote_lookup(remote, *repo, "origin") < 0)
			return git_fail(e, WW_EIO, "configure the mirror");
	}
	return 0;
}

/* Fetches every branch and tag; returns the remote's default branch in head. */
static int fetch(git_remote *remote, char *head, size_t head_size, const char *shown, struct err *e)
{
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
	git_buf buf = {0};
	char *specs[] = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
	git_strarray refspecs = {specs, 2};
	char what[600];

	snprintf(what, sizeof(what), "fetch \"%.500s\"", shown);
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0)
		return git_fail(e, WW_EUPSTREAM, what);
	head[0] = '\0';
	if (git_remote_default_branch(&buf, remote) == 0) {
		snprintf(head, head_size, "%s", buf.ptr);
		git_buf_dispose(&buf);
	}
	git_remote_disconnect(remote);
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_fetch(remote, &refspecs, &fo, "whatworks fetch") < 0)
		return git_fail(e, WW_EUPSTREAM, what);
	return 0;
}

static int resolve(git_commit **out, git_repository *repo, const char *ref, const char *head,
                   struct err *e)
{
	git_object *obj = NULL;
	char spec[512];
	int rc;

	if (ref == NULL || ref[0] == '\0') {
		if (head[0] == '\0')
			return err_set(e, WW_ENOTFOUND,
			               "the remote has no default branch; name one with --ref");
		ref = head;
	}
	/* a branch first, then a tag, then anything git understands (a commit id) */
	snprintf(spec, sizeof(spec), "refs/heads/%s", ref);
	rc = git_revparse_single(&obj, repo, spec);
	if (rc < 0) {
		snprintf(spec, sizeof(spec), "refs/tags/%s", ref);
		rc = git_revparse_single(&obj, repo, spec);
	}
	if (rc < 0)
		rc = git_revparse_single(&obj, repo, ref);
	if (rc < 0)
		return err_set(e, WW_ENOTFOUND, "ref \"%s\" does not exist in the repository", ref);
	rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return err_set(e, WW_EINVALID, "ref \"%s\" does not name a commit", ref);
	return 0;
}

static int list_all(struct listing *l, git_repository *repo, git_commit *commit, struct err *e)
{
	git_tree *tree = NULL;
	int rc = subtree(&tree, repo, commit, l->subpath, e);

	if (rc < 0)
		return rc;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, l) < 0 || l->failed)
		rc = l->s->n_entries >= MAX_ENTRIES
		         ? err_set(e, WW_ENOMEM, "the repository has more than %d YAML files",
		                   MAX_ENTRIES)
		         : err_set(e, WW_ENOMEM, "out of memory listing the tree");
	git_tree_free(tree);
	return rc;
}

static int diff_entry(struct listing *l, git_repository *repo, const git_tree_entry *gone,
                      const git_tree_entry *came, const char *prefix);

/*
 * Compares two trees entry by entry (both are sorted the same way) and goes
 * down only into subtrees whose ids differ, so the work follows what changed,
 * not the size of the repository; libgit2's tree diff walked every entry.
 * Either tree may be NULL (a folder added or removed).
 */
static int diff_trees(struct listing *l, git_repository *repo, const git_tree *a, const git_tree *b,
                      const char *prefix)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);
		const git_tree_entry *gone = NULL, *came = NULL;

		if (c < 0) {
			gone = ea;
			i++;
		} else if (c > 0) {
			came = eb;
			j++;
		} else {
			i++;
			j++;
			if (git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) &&
			    git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb))
				continue;
			gone = ea;
			came = eb;
		}
		if (diff_entry(l, repo, gone, came, prefix) < 0)
			return -1;
	}
	return 0;
}

/* One name that differs: gone (old side), came (new side), either may be NULL. */
static int diff_entry(struct listing *l, git_repository *repo, const git_tree_entry *gone,
                      const git_tree_entry *came, const char *prefix)
{
	const char *name = git_tree_entry_name(gone ? gone : came);
	int gone_tree = gone && git_tree_entry_type(gone) == GIT_OBJECT_TREE;
	int came_tree = came && git_tree_entry_type(came) == GIT_OBJECT_TREE;
	char path[PATH_MAX];
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "", name);
	if (name[0] == '.')
		return 0; /* hidden files and folders are not evidence */
	if (gone_tree || came_tree) {
		git_tree *ta = NULL, *tb = NULL;
		if ((gone_tree && git_tree_lookup(&ta, repo, git_tree_entry_id(gone)) < 0) ||
		    (came_tree && git_tree_lookup(&tb, repo, git_tree_entry_id(came)) < 0))
			rc = -1;
		else
			rc = diff_trees(l, repo, ta, tb, path);
		git_tree_free(ta);
		git_tree_free(tb);
		if (rc < 0)
			return rc;
	}
	/* a file that went away, or stopped being a file */
	if (gone && !gone_tree && is_yaml(path) && !(came && !came_tree))
		if (add_entry(l, GITSRC_DELETED, path, NULL) < 0)
			return -1;
	if (came && !came_tree && wanted(l, path, git_tree_entry_filemode(came)))
		if (add_entry(l, gone && !gone_tree ? GITSRC_MODIFIED : GITSRC_ADDED, path,
		              git_tree_entry_id(came)) < 0)
			return -1;
	return l->failed ? -1 : 0;
}

/* The tree at subpath, or NULL when the commit has no such folder. */
static int subtree_or_none(git_tree **out, git_repository *repo, git_commit *commit,
                           const char *subpath, struct err *e)
{
	int rc = subtree(out, repo, commit, subpath, e);
	if (rc == WW_ENOTFOUND) {
		err_clear(e);
		*out = NULL;
		return 0;
	}
	return rc;
}

static int list_changes(struct listing *l, git_repository *repo, git_commit *old, git_commit *new,
                        struct err *e)
{
	git_tree *a = NULL, *b = NULL;
	int rc;

	if ((rc = subtree_or_none(&a, repo, old, l->subpath, e)) < 0 ||
	    (rc = subtree_or_none(&b, repo, new, l->subpath, e)) < 0)
		goto cleanup;
	if (diff_trees(l, repo, a, b, l->subpath) < 0)
		rc = l->s->n_entries >= MAX_ENTRIES
		         ? err_set(e, WW_ENOMEM, "the change has more than %d YAML files",
		                   MAX_ENTRIES)
		         : git_fail(e, WW_EIO, "compare the trees");
cleanup:
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}

int gitsrc_snapshot(struct gitsrc_snapshot **out, const char *location, const char *ref,
                    const char *subpath, const char *data_dir, const char *last_commit,
                    struct err *e)
{
	struct gitsrc_snapshot *s;
	struct listing l = {0};
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_commit *commit = NULL, *old = NULL;
	char url[PATH_MAX], shown[PATH_MAX], head[256], sub[PATH_MAX];
	const git_signature *sig;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(e, WW_ENOMEM, "out of memory");
	git_libgit2_init(); /* balanced by gitsrc_snapshot_free */
	/* normalise the sub-path: no leading or trailing slashes */
	snprintf(sub, sizeof(sub), "%s", subpath ? subpath : "");
	while (sub[0] == '/')
		memmove(sub, sub + 1, strlen(sub));
	for (size_t n = strlen(sub); n > 0 && sub[n - 1] == '/'; n--)
		sub[n - 1] = '\0';
	if (strcmp(sub, ".") == 0)
		sub[0] = '\0';
	l.s = s;
	l.subpath = sub;

	absolute_location(url, sizeof(url), location);
	gitsrc_redact(shown, sizeof(shown), url);
	double t0 = clock_ms();
	if ((rc = open_mirror(&repo, &remote, url, data_dir, e)) < 0)
		goto fail;
	s->priv = repo;
	double t1 = clock_ms();
	if ((rc = fetch(remote, head, sizeof(head), shown, e)) < 0)
		goto fail;
	double t2 = clock_ms();
	if ((rc = resolve(&commit, repo, ref, head, e)) < 0)
		goto fail;
	git_oid_tostr(s->commit, sizeof(s->commit), git_commit_id(commit));
	sig = git_commit_author(commit);
	snprintf(s->author, sizeof(s->author), "%s <%s>", sig->name, sig->email);
	s->commit_time = (time_t)git_commit_time(commit);

	if (last_commit == NULL || last_commit[0] == '\0') {
		s->mode = GITSRC_FULL;
	} else if (strcmp(last_commit, s->commit) == 0) {
		s->mode = GITSRC_UNCHANGED;
	} else {
		git_oid oid;
		s->mode = GITSRC_REWRITTEN;
		if (git_oid_fromstr(&oid, last_commit) == 0 &&
		    git_commit_lookup(&old, repo, &oid) == 0 &&
		    git_graph_descendant_of(repo, git_commit_id(commit), &oid) == 1)
			s->mode = GITSRC_INCREMENTAL;
	}
	if (s->mode == GITSRC_INCREMENTAL)
		rc = list_changes(&l, repo, old, commit, e);
	else if (s->mode != GITSRC_UNCHANGED)
		rc = list_all(&l, repo, commit, e);
	log_debug("git snapshot", "open_ms=%.1f fetch_ms=%.1f list_ms=%.1f", t1 - t0, t2 - t1,
	          clock_ms() - t2);
	/* the object database the blobs are read from, on any thread */
	if (rc == 0 && git_repository_odb((git_odb **)&s->odb, repo) < 0)
		rc = git_fail(e, WW_EIO, "open the object database");
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < s->n_warnings; i++)
		log_warn("git source", "warning=\"%s\"", s->warnings[i]);
	git_commit_free(old);
	git_commit_free(commit);
	git_remote_free(remote);
	*out = s;
	return 0;
fail:
	git_commit_free(old);
	git_commit_free(commit);
	git_remote_free(remote);
	gitsrc_snapshot_free(s);
	return rc;
}

int gitsrc_read(const struct gitsrc_snapshot *s, const char *blob, char **buf, size_t *len,
                struct err *e)
{
	git_oid oid;
	git_odb_object *o = NULL;
	git_object_t type;
	size_t size;

	*buf = NULL;
	*len = 0;
	/* the size from the object's header first: a 200 MB blob is refused
	 * without being inflated into memory */
	if (git_oid_fromstr(&oid, blob) < 0 || git_odb_read_header(&size, &type, s->odb, &oid) < 0)
		return git_fail(e, WW_EIO, "read a blob");
	if (size > EV_MAX_FILE_SIZE)
		return err_set(e, WW_EINVALID, "file is larger than %d bytes", EV_MAX_FILE_SIZE);
	if (git_odb_read(&o, s->odb, &oid) < 0)
		return git_fail(e, WW_EIO, "read a blob");
	if (git_odb_object_type(o) != GIT_OBJECT_BLOB) {
		git_odb_object_free(o);
		return err_set(e, WW_EIO, "could not read a blob: object %s is not a blob", blob);
	}
	size = git_odb_object_size(o);
	if (size > EV_MAX_FILE_SIZE) {
		git_odb_object_free(o);
		return err_set(e, WW_EINVALID, "file is larger than %d bytes", EV_MAX_FILE_SIZE);
	}
	if ((*buf = malloc(size + 1)) == NULL) {
		git_odb_object_free(o);
		return err_set(e, WW_ENOMEM, "out of memory reading a blob");
	}
	memcpy(*buf, git_odb_object_data(o), size);
	(*buf)[size] = '\0';
	*len = size;
	git_odb_object_free(o);
	return 0;
}

void gitsrc_snapshot_free(struct gitsrc_snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_entries; i++)
		free(s->entries[i].path);
	free(s->entries);
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	git_odb_free(s->odb);
	git_repository_free(s->priv);
	free(s);
	git_libgit2_shutdown();
}
