#!/usr/bin/env python3
"""genrepo.py DIR INTERVENTIONS EVALUATIONS

Writes a git repository of generated, valid evidence: INTERVENTIONS
intervention files and EVALUATIONS evaluation files spread over them (three
crime types, so each intervention is scored up to three times), unit costs and
deflators so every score is costed, in folders of at most 1,000 files,
committed as one commit. For benchmarks only:
the figures are made up and never shipped.
"""
import os
import random
import subprocess
import sys

THEMES = ["knife-crime", "substance-misuse", "vawg"]
CRIME_TYPES = ["violence-with-injury", "robbery", "domestic-abuse"]
REFERENCE = {
    "unit-costs.yaml": """kind: unit-costs
id: bench-unit-costs
title: Benchmark unit costs (made up)
source: {citation: Generated for a benchmark}
entries:
  - {crime_type: violence-with-injury, amount: 14050, unit: crime, price_year: 2015, flag: secondary}
  - {crime_type: robbery, amount: 11320, unit: crime, price_year: 2015, flag: secondary}
  - {crime_type: domestic-abuse, amount: 34015, unit: victim, price_year: 2016, flag: secondary}
""",
    "deflators.yaml": """kind: deflators
id: bench-deflators
title: Benchmark deflators (made up)
source: {citation: Generated for a benchmark}
base: 2024-25 = 100
entries:
  - {year: 2015, index: 74.5804, flag: secondary}
  - {year: 2018, index: 78.7948, flag: secondary}
  - {year: 2019, index: 80.8738, flag: secondary}
  - {year: 2024, index: 100.0, flag: secondary}
""",
}
MEASURES = [
    "effect: {measure: risk-ratio, estimate: %(e).3f, ci95: [%(lo).3f, %(hi).3f]}",
    "effect: {measure: percent-change, estimate: %(p).1f, ci95: [%(plo).1f, %(phi).1f]}",
    "effect: {measure: counts, treatment: {events: %(a)d, n: 200}, control: {events: %(c)d, n: 200}}",
]


def main():
    root, n_iv, n_ev = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(42)
    os.makedirs(os.path.join(root, "reference"), exist_ok=True)
    for name, text in REFERENCE.items():
        with open(os.path.join(root, "reference", name), "w") as f:
            f.write(text)
    for i in range(n_iv):
        d = os.path.join(root, "interventions", "%03d" % (i // 1000))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "iv-%06d.yaml" % i), "w") as f:
            f.write("kind: intervention\nid: iv-%06d\nname: Generated intervention %d\n"
                    "themes: [%s]\nlevel: person\nsummary: Generated for a benchmark.\n"
                    "sectors: [police, charity]\n" % (i, i, THEMES[i % 3]))
    for j in range(n_ev):
        d = os.path.join(root, "evaluations", "%03d" % (j // 1000))
        os.makedirs(d, exist_ok=True)
        e = rnd.uniform(0.5, 1.1)
        p = (e - 1) * 100
        eff = MEASURES[j % 3] % {"e": e, "lo": e * 0.8, "hi": e * 1.2, "p": p,
                                 "plo": p - 10, "phi": p + 10,
                                 "a": rnd.randint(20, 60), "c": rnd.randint(40, 80)}
        with open(os.path.join(d, "ev-%06d.yaml" % j), "w") as f:
            f.write("kind: evaluation\nid: ev-%06d\nintervention: iv-%06d\n"
                    "title: Generated evaluation %d\n"
                    "source:\n  citation: Generated (2020)\n  published: 2020\n"
                    "design: %s\nquality: %d\nstudies: 1\nsample_size: 400\ncountry: GB\n"
                    "outcomes:\n  - crime_type: %s\n    %s\n"
                    "    baseline: {rate: 0.4, per: participant, years: 1}\n"
                    "    follow_up_months: 12\n"
                    "cost: {amount: %d, per: participant, price_year: 2019}\n"
                    "submitted_by: Benchmark\n"
                    % (j, j % n_iv, j, "rct" if j % 2 else "quasi-experimental",
                       5 if j % 2 else 4, CRIME_TYPES[(j // n_iv) % 3], eff,
                       rnd.randint(200, 3000)))
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.org",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.org")
    subprocess.run(["git", "init", "-q", "-b", "main", root], check=True)
    subprocess.run(["git", "-C", root, "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", root, "commit", "-q", "-m", "generated"], check=True, env=env)


if __name__ == "__main__":
    main()
