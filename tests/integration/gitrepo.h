/*
 * gitrepo.h - throwaway git repositories (and folders) for tests, built with
 * the git CLI
 */
#ifndef WW_GITREPO_H
#define WW_GITREPO_H

#include <stddef.h>

struct gitrepo {
	char dir[256];
};

/* Creates an empty repository on branch main in a new temporary folder. */
void gitrepo_init(struct gitrepo *g);
/* Writes (creating folders) or, with content NULL, deletes a file. */
void gitrepo_write(struct gitrepo *g, const char *path, const char *content);
/* Commits everything; returns the new commit id in out (41 bytes). */
void gitrepo_commit(struct gitrepo *g, const char *message, char *out);
/* Runs "git -C dir ARGS" and asserts success. */
void gitrepo_git(struct gitrepo *g, const char *args);
/* Removes the folder. */
void gitrepo_remove(struct gitrepo *g);

/* A new empty folder under /tmp (a data directory) into dir; removes it. */
void tmpdir_make(char *dir, size_t size);
void tmpdir_remove(const char *dir);

/* A valid intervention / evaluation document with the given ids. */
char *gitrepo_intervention(const char *id, const char *name);
char *gitrepo_evaluation(const char *id, const char *intervention, double rr);
/* Unit costs with one entry (violence-with-injury at amount, 2015 prices),
 * and deflators for 2015, 2019 and 2024: enough reference data to score. */
char *gitrepo_unit_costs(int amount);
extern const char gitrepo_deflators[];

#endif
