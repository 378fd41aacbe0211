/*
 * test_import_check.c - an import's cross-checks without PostgreSQL
 *
 * Each case sets out the run (documents, records at its paths) and what the
 * lookups found, as import_run would gather them, and checks the errors, the
 * retractions and what scoring revisits.
 */
#include "err.h"
#include "import_check.h"

#include <criterion/criterion.h>
#include <string.h>

#define SRC 7

static struct ev_doc iv(const char *id, const char *path)
{
	struct ev_doc d = {.kind = EV_INTERVENTION, .path = (char *)path, .line = 2, .col = 5};
	snprintf(d.id, sizeof(d.id), "%s", id);
	return d;
}

static struct ev_doc ev(const char *id, const char *names, const char *path)
{
	struct ev_doc d = {.kind = EV_EVALUATION, .path = (char *)path, .line = 2, .col = 5};
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.intervention, sizeof(d.intervention), "%s", names);
	return d;
}

static struct db_record rec(const char *kind, const char *id, const char *path, long long src,
                            const char *ref)
{
	struct db_record r = {.path = (char *)path, .source_id = src};
	snprintf(r.kind, sizeof(r.kind), "%s", kind);
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.source_name, sizeof(r.source_name), "%s", src == SRC ? "mine" : "theirs");
	snprintf(r.ref, sizeof(r.ref), "%s", ref ? ref : "");
	return r;
}

/* One run: documents, records at the changed paths, and the changed paths. */
struct fixture {
	struct ev_doc *docs[8];
	size_t n_docs;
	struct db_records at_paths;
	struct strset parsed, gone;
	struct import_check_in in;
	struct import_keys k;
	struct import_lookups l;
	struct import_verdict v;
	struct ev_errors errs;
};

static void setup(struct fixture *f, struct ev_doc *docs, size_t n, struct db_record *at,
                  size_t n_at)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f->docs[f->n_docs++] = &docs[i];
		cr_assert_eq(strset_add(&f->parsed, docs[i].path), 0);
	}
	f->at_paths = (struct db_records){at, n_at};
	strset_sort(&f->parsed);
	f->in = (struct import_check_in){SRC,          "mine",     f->docs, f->n_docs,
	                                 &f->at_paths, &f->parsed, &f->gone};
	cr_assert_eq(import_keys_build(&f->k, &f->in), 0);
}

/* Runs the check with lookups l (borrowed: not freed here). */
static void check(struct fixture *f, struct import_lookups l)
{
	f->l = l;
	cr_assert_eq(import_check(&f->v, &f->in, &f->k, &f->l, &f->errs), 0);
}

static void teardown(struct fixture *f)
{
	import_keys_free(&f->k);
	json_decref(f->v.touched);
	ev_errors_free(&f->errs);
	strset_free(&f->parsed);
	strset_free(&f->gone);
}

static int has_error(const struct fixture *f, const char *path, const char *needle)
{
	for (size_t i = 0; i < f->errs.n; i++)
		if (strcmp(f->errs.v[i].path, path) == 0 && strstr(f->errs.v[i].message, needle))
			return 1;
	return 0;
}

Test(import_check, same_id_in_another_file_of_the_source_is_a_duplicate)
{
	struct fixture f;
	struct ev_doc d[] = {iv("iv-a", "b.yaml")};
	struct db_record same[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	setup(&f, d, 1, NULL, 0);
	check(&f, (struct import_lookups){.same_keys = {same, 1}});
	cr_assert_eq(f.errs.n, 1);
	cr_assert(has_error(&f, "b.yaml", "duplicate id \"iv-a\" (also in a.yaml)"));
	teardown(&f);
}

Test(import_check, same_id_in_another_source_is_owned_by_it)
{
	struct fixture f;
	struct ev_doc d[] = {iv("iv-a", "b.yaml")};
	struct db_record same[] = {rec("intervention", "iv-a", "x.yaml", SRC + 1, NULL)};
	setup(&f, d, 1, NULL, 0);
	check(&f, (struct import_lookups){.same_keys = {same, 1}});
	cr_assert(has_error(&f, "b.yaml", "already owned by source \"theirs\" (x.yaml)"));
	teardown(&f);
}

Test(import_check, a_record_at_a_changed_path_is_an_update_not_a_duplicate)
{
	struct fixture f;
	struct ev_doc d[] = {iv("iv-a", "a.yaml")};
	struct db_record at[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	struct db_record same[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	setup(&f, d, 1, at, 1);
	check(&f, (struct import_lookups){.same_keys = {same, 1}});
	cr_assert_eq(f.errs.n, 0);
	cr_assert_eq(json_array_size(f.k.retract), 0, "kept, so not retracted");
	teardown(&f);
}

Test(import_check, what_a_changed_file_no_longer_holds_is_retracted)
{
	struct fixture f;
	struct ev_doc d[] = {iv("iv-b", "a.yaml")};
	struct db_record at[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	setup(&f, d, 1, at, 1);
	cr_assert_eq(json_array_size(f.k.retract), 1);
	cr_assert_str_eq(json_string_value(json_array_get(json_array_get(f.k.retract, 0), 1)),
	                 "iv-a");
	cr_assert(strset_has(&f.k.retracted, "iv-a"));
	cr_assert_eq(json_array_size(f.k.gone_ivs), 1);
	check(&f, (struct import_lookups){0});
	cr_assert_eq(f.errs.n, 0);
	/* both the new and the retracted intervention are rescored */
	cr_assert_eq(json_array_size(f.v.touched), 2);
	cr_assert_eq(f.v.reference_changed, 0);
	teardown(&f);
}

Test(import_check, an_unknown_name_asks_for_every_id_and_suggests_one)
{
	struct fixture f;
	struct ev_doc d[] = {ev("ev-a", "iv-alpa", "e.yaml")};
	char *all[] = {"iv-alpha", "iv-beta"};
	setup(&f, d, 1, NULL, 0);
	cr_assert_eq(json_array_size(f.k.ref_keys), 1);
	cr_assert_eq(import_needs_all_ids(&f.in, &f.k, &(struct import_lookups){0}), 1);
	check(&f, (struct import_lookups){.all_ids = all, .n_all_ids = 2, .have_all_ids = 1});
	cr_assert(has_error(&f, "e.yaml", "did you mean \"iv-alpha\""));
	teardown(&f);
}

Test(import_check, a_name_found_or_defined_here_needs_no_more_ids)
{
	struct fixture f;
	struct ev_doc d[] = {ev("ev-a", "iv-a", "e.yaml"), ev("ev-b", "iv-b", "f.yaml"),
	                     iv("iv-b", "g.yaml")};
	struct db_record named[] = {rec("intervention", "iv-a", "a.yaml", SRC + 1, NULL)};
	struct import_lookups l = {.named = {named, 1}};
	setup(&f, d, 3, NULL, 0);
	cr_assert_eq(import_needs_all_ids(&f.in, &f.k, &l), 0);
	check(&f, l);
	cr_assert_eq(f.errs.n, 0);
	teardown(&f);
}

Test(import_check, a_name_this_run_removes_does_not_resolve)
{
	struct fixture f;
	struct ev_doc d[] = {ev("ev-a", "iv-a", "e.yaml")};
	struct db_record at[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	struct db_record named[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	struct import_lookups l = {.named = {named, 1}};
	setup(&f, d, 1, at, 1);
	cr_assert_eq(import_needs_all_ids(&f.in, &f.k, &l), 1);
	check(&f, l);
	cr_assert(has_error(&f, "e.yaml", "intervention \"iv-a\" does not exist"));
	teardown(&f);
}

Test(import_check, a_removed_intervention_still_named_elsewhere_is_an_error)
{
	struct fixture f;
	struct db_record at[] = {rec("intervention", "iv-a", "a.yaml", SRC, NULL)};
	struct db_record refs[] = {rec("evaluation", "ev-x", "x.yaml", SRC + 1, "iv-a"),
	                           rec("evaluation", "ev-y", "a.yaml", SRC, "iv-a")};
	setup(&f, NULL, 0, at, 1);
	cr_assert_eq(strset_add(&f.gone, "a.yaml"), 0);
	check(&f, (struct import_lookups){.referencing = {refs, 2}});
	/* ev-y sits at a path this run changed, so it is handled here */
	cr_assert_eq(f.errs.n, 1);
	cr_assert(has_error(&f, "a.yaml", "is removed but evaluation \"ev-x\" (x.yaml)"));
	teardown(&f);
}

Test(import_check, reference_documents_flag_a_full_rescore)
{
	struct fixture f;
	struct ev_doc d[] = {{.kind = EV_UNIT_COSTS, .id = "uc", .path = "uc.yaml"}};
	setup(&f, d, 1, NULL, 0);
	cr_assert_eq(json_array_size(f.k.ref_keys), 0);
	check(&f, (struct import_lookups){0});
	cr_assert_eq(f.v.reference_changed, 1);
	cr_assert_eq(json_array_size(f.v.touched), 0);
	teardown(&f);
}
