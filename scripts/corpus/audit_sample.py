"""A seeded random sample of the findings noise.py's run kept, for the blind audit of NOISE.md.

Usage (from the repository root, after noise.py --pglint ...):
    python3 scripts/corpus/audit_sample.py [--seed 14] [--n 60] [--corpus target/corpus/out] [--lint-dir DIR]

Prints each finding (project, file, line, rule, message, related places) with the SQL lines of
its statement, so each can be judged on its own: acted on, true but dismissible, or false.
The sample depends only on the kept JSON and the seed.
"""

import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="target/corpus/out")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--lint-dir", default=None, help="where noise.py kept the JSON (default <corpus>/../lint)")
    args = ap.parse_args()
    lint_dir = args.lint_dir or os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "lint")
    findings = []
    for name in sorted(os.listdir(lint_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(lint_dir, name), encoding="utf-8") as fh:
            report = json.load(fh)
        for f in report["findings"]:
            findings.append((name[:-5], f))
    findings.sort(key=lambda pf: (pf[0], pf[1]["path"], pf[1]["line"], pf[1]["column"], pf[1]["rule"]))
    sample = random.Random(args.seed).sample(findings, min(args.n, len(findings)))
    for i, (project, f) in enumerate(sample, 1):
        path = f["path"]
        rel = path.split(f"/{project}/", 1)[-1]
        print(f"### {i}. {project}/{rel}:{f['line']} `{f['rule']}` ({f['severity']})")
        print(f"> {f['message']}")
        for r in f.get("related", [])[:6]:
            print(f">   related {os.path.basename(r['path'])}:{r['line']}: {r['label']}")
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            lo, hi = max(0, f["line"] - 4), min(len(lines), f["end_line"] + 2)
            print("```sql")
            for n in range(lo, hi):
                print(f"{n + 1:4} {lines[n][:220]}")
            print("```")
        except OSError:
            pass
        print()


if __name__ == "__main__":
    main()
