/*
 * cmd_validate.c - `whatworks validate PATH...`: check evidence files, no database
 *
 * Reads every *.yaml / *.yml under the paths given (folders recursively, in
 * sorted order, hidden folders skipped), checks each file and then the set
 * (duplicate ids, missing interventions), prints every error as
 * "file:line:col: field: message" on stdout and a summary on stderr. Exit
 * status 0 when everything is valid, 1 when anything is invalid or could not
 * be read, 2 on a usage error. Each file is read with one read into a buffer
 * reused for the next and copied out; the copies are parsed on a few threads
 * while the next files are read (parallel.h), and the results are printed in
 * file order, so the output does not depend on the number of threads.
 */
#include "cmd.h"
#include "err.h"
#include "evidence.h"
#include "parallel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file: read on the main thread, parsed on any, printed in order. */
struct file_slot {
	char *buf; /* the file's contents, freed once parsed */
	size_t len;
	struct ev_errors errs; /* why it could not be read, or its parse errors */
	struct ev_doc *doc;
	int rc;      /* ev_parse's code */
	bool failed; /* could not be read: errs says why, nothing parsed */
	bool nomem;
};

struct run {
	FILE *note; /* what was skipped and why (stderr) */
	bool json, quiet;
	int jobs;                /* --jobs; 0: par_threads chooses */
	struct file_slot *slots; /* one per file */
	char **files;            /* paths to check, in order */
	size_t nfiles, capfiles;
	struct ev_doc **docs; /* valid documents, for the checks across files */
	size_t ndocs;
	char *buf; /* file contents, reused */
	size_t bufcap;
	json_t *jerrors; /* --format json */
	size_t nerrors, bad_files;
	size_t nmissing; /* paths that gave no file to check */
	int nomem;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: whatworks validate [--format text|json] [--quiet] [-j N] PATH...\n"
	        "\n"
	        "Checks evidence files against the evidence format without a database.\n"
	        "PATH is a file or a folder; folders are searched for *.yaml and *.yml\n"
	        "files (hidden folders such as .git are skipped). Each error is printed\n"
	        "on stdout as FILE:LINE:COL: FIELD: MESSAGE, then a summary on stderr.\n"
	        "\n"
	        "  --format text|json  json prints {\"valid\", \"files\", \"errors\": [{\"path\",\n"
	        "                      \"line\", \"column\", \"field\", \"message\"}]}\n"
	        "  -q, --quiet         no summary line\n"
	        "  -j, --jobs N        parse on N threads (default: one per core, at most %d)\n"
	        "  -h, --help          this text\n"
	        "\n"
	        "Exit status: 0 all valid, 1 invalid or unreadable files, 2 usage error.\n",
	        PAR_MAX_THREADS);
}

static int add_file(struct run *r, const char *path)
{
	if (r->nfiles == r->capfiles) {
		size_t cap = r->capfiles ? r->capfiles * 2 : 64;
		char **v = realloc(r->files, cap * sizeof(*v));

		if (v == NULL)
			return WW_ENOMEM;
		r->files = v;
		r->capfiles = cap;
	}
	if ((r->files[r->nfiles] = strdup(path)) == NULL)
		return WW_ENOMEM;
	r->nfiles++;
	return 0;
}

static bool is_yaml(const char *name)
{
	size_t len = strlen(name);

	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names carry a type byte in front (see walk) */
static int cmp_entry(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Prints or records one error (text: at once on stdout). */
static void emit(struct run *r, const struct ev_error *e, FILE *out)
{
	r->nerrors++;
	if (r->json) {
		json_t *o = json_pack("{s:s, s:i, s:i, s:s, s:s}", "path", e->path, "line", e->line,
		                      "column", e->col, "field", e->field, "message", e->message);

		if (o == NULL || json_array_append_new(r->jerrors, o) != 0)
			r->nomem = 1;
		return;
	}
	char line[4096];

	ev_error_format(e, line, sizeof(line));
	fprintf(out, "%s\n", line);
}

/* An error about a path as a whole (unreadable, no files, too large). */
static void emit_path(struct run *r, FILE *out, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void emit_path(struct run *r, FILE *out, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	struct ev_error e = {(char *)path, 0, 0, "", msg};

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(r, &e, out);
	r->bad_files++;
}

/* Adds the YAML files under dir, sorted, skipping hidden entries. */
static int walk(struct run *r, const char *dir, FILE *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (d == NULL) {
		emit_path(r, out, dir, "could not open folder: %s", strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* files the type says are not YAML are dropped without a stat */
		if ((de->d_type == DT_REG && !is_yaml(de->d_name)) || de->d_type == DT_FIFO ||
		    de->d_type == DT_SOCK || de->d_type == DT_CHR || de->d_type == DT_BLK)
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (v == NULL) {
				rc = WW_ENOMEM;
				break;
			}
			names = v;
		}
		/* one byte in front of the name keeps its type: 'f' file, 'd' dir, '?' ask */
		if ((names[n] = malloc(strlen(de->d_name) + 2)) == NULL) {
			rc = WW_ENOMEM;
			break;
		}
		names[n][0] = de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd' : '?';
		strcpy(names[n] + 1, de->d_name);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_entry);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t dl = strlen(dir);
		const char *name = names[i] + 1;
		char *path = malloc(dl + strlen(name) + 2);
		struct stat st = {0};
		bool link = false;

		if (path == NULL) {
			rc = WW_ENOMEM;
			break;
		}
		sprintf(path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
		if (names[i][0] == 'f') {
			st.st_mode = S_IFREG;
		} else if (names[i][0] == 'd') {
			st.st_mode = S_IFDIR;
		} else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			/* never followed: a link could point at a file outside the
			 * folder and its values would be echoed in errors (the git
			 * importer skips links too) */
			link = true;
			if (!r->quiet)
				fprintf(r->note, "%s: symbolic link skipped\n", path);
		}
		if (S_ISDIR(st.st_mode) && !link)
			rc = walk(r, path, out);
		else if (S_ISREG(st.st_mode) && is_yaml(name))
			rc = add_file(r, path);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Records why a file could not be read, as its one error. */
static void read_error(struct file_slot *f, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void read_error(struct file_slot *f, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->failed = true;
	if (ev_errors_add(&f->errs, path, 0, 0, "", "%s", msg) != 0)
		f->nomem = true;
}

/* Reads path into r->buf, with one read when the file does not change
 * meanwhile; returns the length, or -1 after recording why in f. */
static ssize_t read_file(struct run *r, const char *path, struct file_slot *f)
{
	/* O_NONBLOCK: a FIFO put in the file's place cannot block the open */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	size_t len = 0;

	if (fd < 0 || fstat(fd, &st) != 0) {
		read_error(f, path, "could not open file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		read_error(f, path, "not a regular file (a FIFO, socket or device is never read)");
		close(fd);
		return -1;
	}
	if (st.st_size > EV_MAX_FILE_SIZE) {
		read_error(f, path, "file is too large (%lld bytes; the limit is %d)",
		           (long long)st.st_size, EV_MAX_FILE_SIZE);
		close(fd);
		return -1;
	}
	if (r->bufcap < (size_t)st.st_size + 1) {
		size_t cap = (size_t)st.st_size + 1 < 65536 ? 65536 : EV_MAX_FILE_SIZE + 1;
		char *b = realloc(r->buf, cap);

		if (b == NULL) {
			close(fd);
			f->nomem = true;
			return -1;
		}
		r->buf = b;
		r->bufcap = cap;
	}
	for (;;) {
		ssize_t got = read(fd, r->buf + len, r->bufcap - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			read_error(f, path, "could not read file: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len == (size_t)st.st_size)
			break;          /* all of it: no second read to see the end */
		if (len == r->bufcap) { /* grew while we read */
			read_error(f, path, "file is too large (the limit is %d bytes)",
			           EV_MAX_FILE_SIZE);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return (ssize_t)len;
}

/* On the main thread, in file order: reads file k and keeps a copy for the parse. */
static int load_file(void *ctx, size_t k)
{
	struct run *r = ctx;
	struct file_slot *f = &r->slots[k];
	ssize_t len = read_file(r, r->files[k], f);

	if (len >= 0 && (f->buf = malloc((size_t)len + 1)) == NULL)
		f->nomem = true;
	else if (len >= 0)
		memcpy(f->buf, r->buf, (size_t)len);
	f->len = len >= 0 ? (size_t)len : 0;
	return f->nomem; /* out of memory: read no more */
}

/* On any thread: parses file k into its own slot. */
static int parse_file(void *ctx, size_t k)
{
	struct run *r = ctx;
	struct file_slot *f = &r->slots[k];

	if (f->buf != NULL) {
		f->rc = ev_parse(&f->doc, r->files[k], f->buf, f->len, &f->errs);
		if (f->rc == WW_ENOMEM)
			f->nomem = true;
		free(f->buf);
		f->buf = NULL;
	}
	return f->nomem;
}

/* Prints file k's errors and keeps its document, as checking it alone would. */
static void merge_file(struct run *r, size_t k, FILE *out)
{
	struct file_slot *f = &r->slots[k];

	if (f->nomem) {
		r->nomem = 1;
		return;
	}
	for (size_t i = 0; i < f->errs.n; i++)
		emit(r, &f->errs.v[i], out);
	if (f->failed) {
		r->bad_files++;
		return;
	}
	if (f->rc == 0) {
		r->docs[r->ndocs++] = f->doc;
		f->doc = NULL;
	} else {
		r->bad_files++;
	}
	r->nerrors += f->errs.dropped;
}

/* Reads and parses every file (parsing on several threads), then prints in file order. */
static void check_files(struct run *r, FILE *out)
{
	static const struct par_ops ops = {load_file, parse_file};
	int threads = par_threads(r->nfiles, r->jobs);
	size_t n;

	if ((r->slots = calloc(r->nfiles ? r->nfiles : 1, sizeof(*r->slots))) == NULL) {
		r->nomem = 1;
		return;
	}
	/* jansson seeds its hash once; do it before the threads make objects */
	json_object_seed(0);
	n = par_run(r->nfiles, threads, &ops, r);
	for (size_t k = 0; k < n && !r->nomem; k++)
		merge_file(r, k, out);
	for (size_t k = 0; k < r->nfiles; k++) {
		free(r->slots[k].buf);
		ev_doc_free(r->slots[k].doc);
		ev_errors_free(&r->slots[k].errs);
	}
	free(r->slots);
	r->slots = NULL;
}

/* Checks across the valid files; counts the files that gain errors. */
static void check_set(struct run *r, FILE *out)
{
	struct ev_errors errs = {0};
	const char *last = NULL;

	if (ev_check_set(r->docs, r->ndocs, NULL, 0, &errs) == WW_ENOMEM)
		r->nomem = 1;
	for (size_t i = 0; i < errs.n; i++)
		emit(r, &errs.v[i], out);
	/* the files of the errors kept and of those only counted (past 1,000) */
	size_t np = errs.n + errs.n_dropped_paths;
	char **paths = malloc((np ? np : 1) * sizeof(*paths));

	if (paths == NULL) {
		r->nomem = 1;
	} else {
		for (size_t i = 0; i < errs.n; i++)
			paths[i] = errs.v[i].path;
		for (size_t i = 0; i < errs.n_dropped_paths; i++)
			paths[errs.n + i] = errs.dropped_paths[i];
		qsort(paths, np, sizeof(*paths), cmp_name);
		for (size_t i = 0; i < np; i++) {
			if (last == NULL || strcmp(last, paths[i]) != 0)
				r->bad_files++;
			last = paths[i];
		}
		free(paths);
	}
	r->nerrors += errs.dropped;
	ev_errors_free(&errs);
}

/* Parses the options; returns 0, or 2 after printing a usage error, or -1 for --help. */
static int parse_args(struct run *r, int argc, char **argv, int *first_path, FILE *err)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i], *fmt = NULL, *jobs = NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return -1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			r->quiet = true;
		} else if ((strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) && i + 1 < argc) {
			jobs = argv[++i];
		} else if (strncmp(a, "--jobs=", 7) == 0) {
			jobs = a + 7;
		} else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
			fmt = argv[++i];
		} else if (strncmp(a, "--format=", 9) == 0) {
			fmt = a + 9;
		} else {
			fprintf(err, "whatworks validate: unknown option \"%s\"\n", a);
			usage(err);
			return 2;
		}
		if (fmt != NULL && strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0) {
			fprintf(
			    err,
			    "whatworks validate: unknown format \"%s\"; use \"text\" or \"json\"\n",
			    fmt);
			return 2;
		}
		if (fmt != NULL)
			r->json = strcmp(fmt, "json") == 0;
		if (jobs != NULL) {
			char *end;
			long j = strtol(jobs, &end, 10);

			if (end == jobs || *end != '\0' || j < 1 || j > PAR_MAX_THREADS) {
				fprintf(err,
				        "whatworks validate: --jobs must be a number from 1 to %d, "
				        "not \"%s\"\n",
				        PAR_MAX_THREADS, jobs);
				return 2;
			}
			r->jobs = (int)j;
		}
	}
	if (i >= argc) {
		fprintf(err, "whatworks validate: no PATH given\n");
		usage(err);
		return 2;
	}
	*first_path = i;
	return 0;
}

static void summary(struct run *r, FILE *out, FILE *err)
{
	if (r->json) {
		json_t *o = json_pack("{s:b, s:I, s:O}", "valid", r->nerrors == 0, "files",
		                      (json_int_t)(r->nfiles + r->nmissing), "errors", r->jerrors);
		char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

		if (s == NULL)
			r->nomem = 1;
		else
			fprintf(out, "%s\n", s);
		free(s);
		json_decref(o);
	}
	if (r->nomem)
		fprintf(err, "whatworks validate: out of memory\n");
	else if (r->quiet)
		return;
	else if (r->nerrors == 0)
		fprintf(err, "%zu file%s valid\n", r->nfiles, r->nfiles == 1 ? "" : "s");
	else
		fprintf(err, "%zu error%s in %zu of %zu file%s\n", r->nerrors,
		        r->nerrors == 1 ? "" : "s", r->bad_files, r->nfiles + r->nmissing,
		        r->nfiles + r->nmissing == 1 ? "" : "s");
}

static int validate(int argc, char **argv, FILE *out, FILE *err)
{
	struct run r = {.note = err};
	int first, rc;

	if ((rc = parse_args(&r, argc, argv, &first, err)) != 0) {
		if (rc == -1)
			usage(out);
		return rc == -1 ? 0 : rc;
	}
	r.jerrors = json_array();
	if (r.jerrors == NULL)
		return 1;
	for (int i = first; i < argc && !r.nomem; i++) {
		struct stat st;
		size_t before = r.nfiles;

		if (stat(argv[i], &st) != 0) {
			emit_path(&r, out, argv[i], "could not open: %s", strerror(errno));
			r.nmissing++;
		} else if (S_ISDIR(st.st_mode)) {
			if (walk(&r, argv[i], out) != 0) {
				r.nomem = 1;
			} else if (r.nfiles == before) {
				emit_path(&r, out, argv[i], "no .yaml or .yml files found");
				r.nmissing++;
			}
		} else if (!S_ISREG(st.st_mode)) {
			emit_path(&r, out, argv[i],
			          "not a regular file or folder (a FIFO, socket or device is never "
			          "read)");
			r.nmissing++;
		} else if (add_file(&r, argv[i]) != 0) {
			r.nomem = 1;
		}
	}
	r.docs = malloc((r.nfiles ? r.nfiles : 1) * sizeof(*r.docs));
	if (r.docs == NULL)
		r.nomem = 1;
	if (!r.nomem)
		check_files(&r, out);
	if (!r.nomem)
		check_set(&r, out);
	summary(&r, out, err);
	fflush(out);

	for (size_t i = 0; i < r.ndocs; i++)
		ev_doc_free(r.docs[i]);
	for (size_t i = 0; i < r.nfiles; i++)
		free(r.files[i]);
	free(r.docs);
	free(r.files);
	free(r.buf);
	json_decref(r.jerrors);
	return r.nomem || r.nerrors > 0 ? 1 : 0;
}

int cmd_validate(int argc, char **argv)
{
	return validate(argc, argv, stdout, stderr);
}
