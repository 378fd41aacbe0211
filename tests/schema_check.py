#!/usr/bin/python3
"""Checks schema/evidence.schema.json against the shipped evidence.

1. The schema is itself valid (draft 2020-12 metaschema).
2. Every *.yaml / *.yml under evidence/ validates against it.
3. A set of deliberately broken documents is rejected, each for the reason
   given, so a loosened schema is noticed.
4. Cross-file rules the schema cannot express: ids unique per kind,
   evaluations naming an intervention that exists, ci95 around the estimate,
   events <= n.

Uses Debian's python3-jsonschema and python3-yaml (apt-get install -y
python3-jsonschema python3-yaml). Run from the repository root:
    /usr/bin/python3 tests/schema_check.py [evidence-dir]
Exit status 0 when everything passes, 1 otherwise.
"""
import copy
import glob
import importlib.metadata
import json
import os
import re
import sys

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "schema", "evidence.schema.json")


class Loader(yaml.SafeLoader):
    """YAML 1.2-like: dates stay strings, as yaml-language-server and the C
    validator (libyaml scalars) see them."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def validator_class():
    # Debian 12 ships jsonschema 4.10, which has Draft202012Validator; fall
    # back to the newest draft available on older versions.
    for name in ("Draft202012Validator", "Draft201909Validator", "Draft7Validator"):
        cls = getattr(jsonschema, name, None)
        if cls is not None:
            return cls
    raise SystemExit("no usable jsonschema validator")


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = list(yaml.load_all(f, Loader=Loader))
    if len(docs) != 1:
        raise ValueError("expected exactly one YAML document, found %d" % len(docs))
    return docs[0]


def errors_of(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def where(e):
    return "/".join(str(p) for p in e.absolute_path) or "(document)"


EVAL = {
    "kind": "evaluation", "id": "x-eval", "intervention": "x-int", "title": "t",
    "source": {"citation": "c", "published": "2021"}, "design": "rct", "quality": 5,
    "outcomes": [{"crime_type": "reoffending",
                  "effect": {"measure": "risk-ratio", "estimate": 0.8, "ci95": [0.7, 0.9]}}],
    "submitted_by": "s",
}
INTERVENTION = {"kind": "intervention", "id": "x-int", "name": "n", "themes": ["vawg"],
                "level": "person", "summary": "s"}


def mutate(base, fn):
    d = copy.deepcopy(base)
    fn(d)
    return d


def setp(d, path, value):
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


def delp(d, path):
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


BROKEN = [
    ("unknown kind", {"kind": "study", "id": "x"}),
    ("missing kind", {"id": "x-int"}),
    ("intervention: unknown key (typo)", mutate(INTERVENTION, lambda d: setp(d, ["summery"], "s"))),
    ("intervention: bad theme", mutate(INTERVENTION, lambda d: setp(d, ["themes"], ["knife"]))),
    ("intervention: no themes", mutate(INTERVENTION, lambda d: setp(d, ["themes"], []))),
    ("intervention: bad level", mutate(INTERVENTION, lambda d: setp(d, ["level"], "group"))),
    ("intervention: id with capitals", mutate(INTERVENTION, lambda d: setp(d, ["id"], "Focused-Deterrence"))),
    ("intervention: name too long", mutate(INTERVENTION, lambda d: setp(d, ["name"], "n" * 201))),
    ("intervention: bad sector", mutate(INTERVENTION, lambda d: setp(d, ["sectors"], ["army"]))),
    ("intervention: unknown toolkit", mutate(INTERVENTION, lambda d: setp(d, ["toolkit_ratings"], [{"toolkit": "eif", "rating": "3"}]))),
    ("intervention: toolkit rating too long", mutate(INTERVENTION, lambda d: setp(d, ["toolkit_ratings"], [{"toolkit": "yef", "rating": "r" * 101}]))),
    ("intervention: toolkit rating without rating", mutate(INTERVENTION, lambda d: setp(d, ["toolkit_ratings"], [{"toolkit": "yef"}]))),
    ("intervention: toolkit seen not a month", mutate(INTERVENTION, lambda d: setp(d, ["toolkit_ratings"], [{"toolkit": "yef", "rating": "r", "seen": "2026"}]))),
    ("evaluation: quality 6", mutate(EVAL, lambda d: setp(d, ["quality"], 6))),
    ("evaluation: quality as text", mutate(EVAL, lambda d: setp(d, ["quality"], "5"))),
    ("evaluation: missing submitted_by", mutate(EVAL, lambda d: delp(d, ["submitted_by"]))),
    ("evaluation: bad design", mutate(EVAL, lambda d: setp(d, ["design"], "cohort"))),
    ("evaluation: no outcomes", mutate(EVAL, lambda d: setp(d, ["outcomes"], []))),
    ("evaluation: unknown force", mutate(EVAL, lambda d: setp(d, ["areas"], ["durham-constabulary"]))),
    ("evaluation: country lower case", mutate(EVAL, lambda d: setp(d, ["country"], "gb"))),
    ("evaluation: country not in ISO 3166-1", mutate(EVAL, lambda d: setp(d, ["country"], "XX"))),
    ("evaluation: country UK is not the ISO code", mutate(EVAL, lambda d: setp(d, ["country"], "UK"))),
    ("evaluation: bad published", mutate(EVAL, lambda d: setp(d, ["source", "published"], "21/02/2021"))),
    ("evaluation: url not http", mutate(EVAL, lambda d: setp(d, ["source", "url"], "ftp://example.org/x"))),
    ("evaluation: source without citation", mutate(EVAL, lambda d: delp(d, ["source", "citation"]))),
    ("evaluation: period month 13", mutate(EVAL, lambda d: setp(d, ["period"], {"from": "2016-13", "to": "2017-01"}))),
    ("effect: unknown measure", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect", "measure"], "hazard-ratio"))),
    ("effect: ratio estimate 0", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect", "estimate"], 0))),
    ("effect: ci95 with one bound", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect", "ci95"], [0.7]))),
    ("effect: ci95 and se both", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect", "se"], 0.1))),
    ("effect: percent-change -100", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "percent-change", "estimate": -100}))),
    ("effect: percent-change with ci95 and se", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "percent-change", "estimate": -10, "ci95": [-20, 0], "se": 0.05}))),
    ("effect: counts missing control", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "counts", "treatment": {"events": 1, "n": 10}}))),
    ("effect: counts n 0", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "counts", "treatment": {"events": 0, "n": 0}, "control": {"events": 1, "n": 5}}))),
    ("effect: counts with estimate", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "counts", "estimate": 0.5, "treatment": {"events": 1, "n": 5}, "control": {"events": 2, "n": 5}}))),
    ("outcome: baseline per person", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "baseline"], {"rate": 0.4, "per": "person"}))),
    ("outcome: follow_up 0", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "follow_up_months"], 0))),
    ("cost: per year", mutate(EVAL, lambda d: setp(d, ["cost"], {"amount": 100, "per": "year", "price_year": 2019}))),
    ("cost: negative", mutate(EVAL, lambda d: setp(d, ["cost"], {"amount": -1, "per": "participant", "price_year": 2019}))),
    ("unit-costs: unverified flag", {"kind": "unit-costs", "id": "u-x", "title": "t", "source": {"citation": "c"},
                                     "entries": [{"crime_type": "robbery", "amount": 1, "unit": "crime", "price_year": 2015, "flag": "unverified"}]}),
    ("unit-costs: unit incident", {"kind": "unit-costs", "id": "u-x", "title": "t", "source": {"citation": "c"},
                                   "entries": [{"crime_type": "robbery", "amount": 1, "unit": "incident", "price_year": 2015, "flag": "secondary"}]}),
    ("unit-costs: no entries", {"kind": "unit-costs", "id": "u-x", "title": "t", "source": {"citation": "c"}, "entries": []}),
    ("evaluation: period without to", mutate(EVAL, lambda d: setp(d, ["period"], {"from": "2016-08"}))),
    ("evaluation: empty notes", mutate(EVAL, lambda d: setp(d, ["notes"], ""))),
    ("reference: missing id", {"kind": "category-map", "title": "t", "source": {"citation": "c"},
                               "entries": [{"crime_type": "robbery", "police_uk_category": "robbery"}]}),
    ("deflators: missing base", {"kind": "deflators", "id": "d-x", "title": "t", "source": {"citation": "c"},
                                 "entries": [{"year": 2015, "index": 74.5, "flag": "secondary"}]}),
    ("areas: body council", {"kind": "areas", "id": "a-x", "title": "t", "source": {"citation": "c"},
                             "entries": [{"id": "durham", "name": "Durham", "country": "england", "body": "council"}]}),
    ("areas: country scotland", {"kind": "areas", "id": "a-x", "title": "t", "source": {"citation": "c"},
                                "entries": [{"id": "durham", "name": "Durham", "country": "scotland", "body": "pcc"}]}),
    ("category-map: rule too long", {"kind": "category-map", "id": "a-x", "title": "t", "source": {"citation": "c"},
                                     "entries": [{"crime_type": "robbery", "rule": "x" * 401}]}),
    ("cost: zero", mutate(EVAL, lambda d: setp(d, ["cost"], {"amount": 0, "per": "participant", "price_year": 2019}))),
    ("cost: flag unverified", mutate(EVAL, lambda d: setp(d, ["cost"], {"amount": 10, "per": "participant", "price_year": 2019, "flag": "unverified"}))),
    ("unit-costs: public_purse negative", {"kind": "unit-costs", "id": "u-x", "title": "t", "source": {"citation": "c"},
                                           "entries": [{"crime_type": "robbery", "amount": 10, "unit": "crime", "public_purse": -1, "price_year": 2015, "flag": "verified"}]}),
    ("baselines: no cohort", {"kind": "baselines", "id": "b-x", "title": "t", "source": {"citation": "c"},
                              "entries": [{"crime_type": "reoffending", "rate": 0.3, "per": "participant", "flag": "verified"}]}),
    ("baselines: per year", {"kind": "baselines", "id": "b-x", "title": "t", "source": {"citation": "c"},
                             "entries": [{"crime_type": "reoffending", "cohort": "adult", "rate": 0.3, "per": "year", "flag": "verified"}]}),
]

GOOD = [
    ("minimal evaluation", EVAL),
    ("minimal intervention", INTERVENTION),
    ("extra allows anything", mutate(EVAL, lambda d: setp(d, ["extra"], {"anything": {"nested": [1, 2]}}))),
    ("counts effect", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "counts", "treatment": {"events": 62, "n": 178}, "control": {"events": 85, "n": 178}}))),
    ("percent-change with se", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "percent-change", "estimate": -10, "se": 0.05}))),
    ("smd with se", mutate(EVAL, lambda d: setp(d, ["outcomes", 0, "effect"], {"measure": "smd", "estimate": -0.2, "se": 0.05}))),
    ("unquoted year", mutate(EVAL, lambda d: setp(d, ["source", "published"], 2021))),
    ("toolkit ratings", mutate(INTERVENTION, lambda d: setp(d, ["toolkit_ratings"], [{"toolkit": "yef", "rating": "impact: high; evidence security: 3/5", "url": "https://youthendowmentfund.org.uk/toolkit/", "seen": "2026-12"}, {"toolkit": "college-of-policing", "rating": "effect: reduced crime"}]))),
]


def cross_checks(docs):
    problems = []
    seen = {}
    interventions = set()
    for path, d in docs:
        if not isinstance(d, dict) or "id" not in d:
            continue
        key = (d.get("kind"), d["id"])
        if key in seen:
            problems.append("%s: duplicate %s id %r (also in %s)" % (path, key[0], key[1], seen[key]))
        seen[key] = path
        if d.get("kind") == "intervention":
            interventions.add(d["id"])
    unique_key = {"unit-costs": "crime_type", "deflators": "year", "areas": "id", "category-map": "crime_type"}
    for path, d in docs:
        k = unique_key.get(d.get("kind")) if isinstance(d, dict) else None
        if d.get("kind") == "baselines" if isinstance(d, dict) else False:
            vals = [(e.get("crime_type"), e.get("cohort")) for e in d.get("entries", []) if isinstance(e, dict)]
            for dup in sorted({str(x) for x in vals if vals.count(x) > 1}):
                problems.append("%s: entries: duplicate crime_type/cohort %s" % (path, dup))
        if k:
            vals = [e.get(k) for e in d.get("entries", []) if isinstance(e, dict)]
            for dup in sorted({str(x) for x in vals if vals.count(x) > 1}):
                problems.append("%s: entries: duplicate %s %s" % (path, k, dup))
    for path, d in docs:
        if not isinstance(d, dict) or d.get("kind") != "evaluation":
            continue
        if d.get("intervention") not in interventions:
            problems.append("%s: intervention %r does not exist" % (path, d.get("intervention")))
        for i, o in enumerate(d.get("outcomes", [])):
            e = o.get("effect", {})
            if "ci95" in e and "estimate" in e:
                lo, hi = e["ci95"]
                if not lo <= e["estimate"] <= hi:
                    problems.append("%s: outcomes[%d].effect.ci95 %s does not contain %s" % (path, i, e["ci95"], e["estimate"]))
            for arm in ("treatment", "control"):
                a = e.get(arm)
                if a and a.get("events", 0) > a.get("n", 0):
                    problems.append("%s: outcomes[%d].effect.%s.events above n" % (path, i, arm))
    return problems


def main():
    evidence = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "evidence")
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = validator_class()
    print("jsonschema %s, %s" % (importlib.metadata.version("jsonschema"), cls.__name__))
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        print("FAIL schema: $schema is not draft 2020-12")
        return 1
    cls.check_schema(schema)
    v = cls(schema)
    failed = 0

    files = sorted(glob.glob(os.path.join(evidence, "**", "*.yaml"), recursive=True) +
                   glob.glob(os.path.join(evidence, "**", "*.yml"), recursive=True))
    docs = []
    for path in files:
        rel = os.path.relpath(path, ROOT)
        try:
            doc = load(path)
        except Exception as ex:  # a YAML error is a failure of the file
            print("FAIL %s: %s" % (rel, ex))
            failed += 1
            continue
        docs.append((rel, doc))
        errs = errors_of(v, doc)
        for e in errs:
            print("FAIL %s: %s: %s" % (rel, where(e), e.message))
        failed += bool(errs)
    for p in cross_checks(docs):
        print("FAIL " + p)
        failed += 1
    print("%d evidence files checked" % len(files))

    for name, doc in BROKEN:
        errs = errors_of(v, doc)
        if not errs:
            print("FAIL broken document accepted: %s" % name)
            failed += 1
        elif len(errs) > 1:  # each fixture breaks one rule; more means a bad fixture
            print("FAIL broken document %s: %d errors, expected 1: %s" %
                  (name, len(errs), "; ".join(where(e) + ": " + e.message for e in errs)))
            failed += 1
    for name, doc in GOOD:
        for e in errors_of(v, doc):
            print("FAIL good document rejected: %s: %s: %s" % (name, where(e), e.message))
            failed += 1
    print("%d broken documents rejected, %d good ones accepted" % (len(BROKEN), len(GOOD)))

    # the schema's country codes are the validator's (importers/evidence_rules.c)
    with open(os.path.join(ROOT, "importers", "evidence_rules.c"), encoding="utf-8") as f:
        src = f.read()
    block = re.search(r"iso_countries\[\] =\s*((?:\"[A-Z]*\"\s*)+);", src)
    joined = "".join(re.findall(r'"([A-Z]*)"', block.group(1))) if block else ""
    codes = [joined[i:i + 2] for i in range(0, len(joined), 2)]
    if codes != schema["$defs"]["country"]["enum"]:
        print("FAIL the schema's ISO 3166-1 codes differ from the validator's (%d vs %d)" %
              (len(schema["$defs"]["country"]["enum"]), len(codes)))
        failed += 1
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
