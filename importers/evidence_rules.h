/*
 * evidence_rules.h - the contract of each kind, checked over a yamldoc tree
 *
 * Internal to the evidence module: evidence.c reads a file or JSON into a
 * tree, evidence_rules.c checks it against the tables of keys and builds the
 * canonical body.
 */
#ifndef WW_EVIDENCE_RULES_H
#define WW_EVIDENCE_RULES_H

#include "evidence.h"
#include "yamldoc.h"

/*
 * Checks root against the contract of its kind and reports every problem to
 * errs under doc->path. Fills doc's kind, id and position, the intervention
 * an evaluation names, and doc->body (the canonical JSON with defaults
 * filled in). Returns 0, WW_EINVALID (doc->body NULL), or WW_ENOMEM.
 */
int ev_rules_check(struct ev_doc *doc, const struct yamldoc_node *root, struct ev_errors *errs);

/* Adds an already formatted message; like ev_errors_add without printf. */
int ev_errors_add_msg(struct ev_errors *errs, const char *path, int line, int col,
                      const char *field, const char *msg);

/* Whether s matches ^[a-z0-9][a-z0-9-]{1,79}$. */
int ev_id_valid(const char *s, size_t len);

#endif
