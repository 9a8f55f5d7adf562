"""Noise report of pglint on the corpus that scripts/corpus/build.sh writes.

Usage (from the repository root):
    python3 scripts/corpus/noise.py --pglint target/release/pglint [--corpus target/corpus/out]
    python3 scripts/corpus/noise.py            # reuse <corpus>/../lint/<project>.json

With --pglint it runs `pglint --format json <corpus>/<project>` for every project (a
directory of the corpus with a plan.txt) and keeps the JSON in <corpus>/../lint/; then it
prints Markdown tables (the ones NOISE.md holds) to stdout. Standard library only; the
output depends only on the JSON and the corpus files, in a fixed order.

Certain false positives: a finding of a rule that claims a hazard on a relation that
existed before the migration (HAZARD_RULES), whose relation (taken from the message, see
TARGET) is not among the relations that existed before that migration ran
(prestate.json, recorded from pg_class by build_corpus.py).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

SEVERITIES = ("error", "warning", "info")

# Rules whose finding says that other connections are hurt (blocked, rewritten, scanned,
# broken) because a relation that existed before the migration is touched. For each, the
# patterns that take that relation from the message (the first that matches; group "rel").
NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
REL = rf"(?:{NAME}\.)?(?P<rel>{NAME})"          # [schema.]relation
COLREL = rf"(?:{NAME}\.)?(?P<rel>{NAME})\.{NAME}"  # [schema.]relation.column
TARGET = {
    # index-locks
    "index-not-concurrent": [rf"^Building \d+ indexes on {REL} \(", rf"takes a SHARE lock on {REL}:"],
    "constraint-builds-index": [rf"ACCESS EXCLUSIVE lock on {REL}:"],
    # the table when pglint knows it, else the index itself
    "drop-index-not-concurrent": [rf"^Dropping \d+ indexes of {REL} \(", rf"ACCESS EXCLUSIVE lock on {REL}:", rf"^Dropping index {REL} "],
    "reindex-not-concurrent": [rf"^REINDEX \w+ {REL} blocks"],
    # locks
    "access-exclusive-then-slow": [rf"^While ACCESS EXCLUSIVE on {REL}(?:,| and )", rf"earlier in the transaction on {REL} is still held"],
    "check-without-not-valid": [rf"^Adding \d+ check constraints to {REL} \(", rf"scans all of {REL} while"],
    "column-type-change": [rf"rewrites all of {REL} and rebuilds", rf"^Changing {COLREL} from"],
    "fk-without-not-valid": [rf"^Adding \d+ foreign keys to {REL} \(", rf"validates every row of {REL} while"],
    "lock-table": [rf" on {REL} and holds it"],
    "missing-lock-timeout": [rf"the first for [A-Z ]+? on {REL}:", rf"waits for [A-Z ]+? on {REL} with no lock_timeout"],
    "set-not-null-scan": [rf"^SET NOT NULL on \d+ columns of {REL} \(", rf"^SET NOT NULL on {COLREL} scans"],
    "table-rewrite-command": [rf" rewrites {REL} and all its indexes"],
    "validate-in-same-transaction": [rf" scans {REL} while"],
    "volatile-default": [rf"^Adding {COLREL} with"],
    "refresh-matview-blocking": [rf"^Refreshing {REL} takes"],
    # django
    "runpython-holds-locks": [rf" on {REL} is held"],
    # compat: the old application code still running breaks on the existing relation
    "add-unique-may-fail": [rf" on {REL} fails if"],
    "not-null-column-without-default": [rf"^Adding \d+ columns to {REL} as NOT NULL", rf"^Adding {COLREL} as NOT NULL"],
    "not-null-default-dropped": [rf"NOT NULL columns \({COLREL}", rf"NOT NULL column {COLREL} makes"],
    "drop-column": [rf"^Dropping \d+ columns of {REL} \(", rf"^Dropping {COLREL} breaks"],
    "drop-table": [rf"^Dropping {REL} breaks"],
    "rename-column": [rf"^Renaming \d+ columns of {REL} \(", rf"^Renaming {COLREL} to"],
    "rename-table": [rf"^Renaming {REL} to"],
    # partitioning
    "attach-partition-scan": [rf"^Attaching {REL} to"],
    "detach-partition-blocking": [rf"^Detaching {REL} from"],
    "partitioned-index-locks": [rf" on partitioned table {REL} takes"],
}
HAZARD_RULES = tuple(sorted(TARGET))

RENAME = re.compile(
    rf"(?is)^ALTER\s+(?:TABLE|INDEX|SEQUENCE|VIEW|MATERIALIZED\s+VIEW)\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?"
    rf"(?:{NAME}\.)?(?P<old>{NAME})\s+RENAME\s+TO\s+(?P<new>{NAME})\s*$"
)


def unquote(name):
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name


def target_of(rule, message):
    for pattern in TARGET[rule]:
        m = re.search(pattern, message)
        if m:
            return unquote(m.group("rel"))
    return None


def natural_key(path):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", path)]


def split_statements(sql):
    """Statements of a file (comments dropped), enough for sqlmigrate output and RunSQL."""
    out, buf, i, n = [], [], 0, len(sql)
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(sql[i : j + 1])
            i = j + 1
            continue
        if c == "$":
            m = re.match(r"\$[A-Za-z_0-9]*\$", sql[i:])
            if m:
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                buf.append(sql[i:j])
                i = j
                continue
        if c == ";":
            out.append("".join(buf).strip())
            buf = []
            i += 1
            continue
        buf.append(c)
        i += 1
    out.append("".join(buf).strip())
    return [s for s in out if s]


def is_transaction_control(stmt):
    return re.fullmatch(r"(?is)(BEGIN|COMMIT|START\s+TRANSACTION)(\s+TRANSACTION|\s+WORK)?", stmt) is not None


def plan_order_paths(root):
    """The project's .sql files in plan order: each squash's originals just before it (the
    order build_corpus.py replayed them in), then the files of no plan in natural order."""
    with open(os.path.join(root, "plan.txt"), encoding="utf-8") as f:
        plan = [line.strip() for line in f if line.strip()]
    with open(os.path.join(root, "build.json"), encoding="utf-8") as f:
        squashes = json.load(f).get("squashes", {})
    keys = []
    for key in plan:
        keys.extend(squashes.get(key, []))
        keys.append(key)
    existing = set()
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".sql"):
                rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                existing.add(rel[: -len(".sql")])
    seen, ordered = set(), []
    for key in keys + sorted(existing, key=natural_key):
        if key in existing and key not in seen:
            seen.add(key)
            ordered.append(os.path.join(root, key + ".sql"))
    return ordered


def load_project(corpus, lint_dir, project, pglint, order="directory"):
    root = os.path.join(corpus, project)
    lint_json = os.path.join(lint_dir, project + ("" if order == "directory" else ".plan-order") + ".json")
    if pglint:
        os.makedirs(lint_dir, exist_ok=True)
        paths = [root] if order == "directory" else plan_order_paths(root)
        proc = subprocess.run(
            [pglint, "--format", "json", "--fail-on", "never", *paths],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode not in (0, 1):
            sys.exit(f"{pglint} on {root} exited {proc.returncode}: {proc.stderr[-2000:]}")
        with open(lint_json, "w", encoding="utf-8") as f:
            f.write(proc.stdout)
    with open(lint_json, encoding="utf-8") as f:
        report = json.load(f)
    with open(os.path.join(root, "prestate.json"), encoding="utf-8") as f:
        prestate = {k: set(v) for k, v in json.load(f).items()}
    with open(os.path.join(root, "plan.txt"), encoding="utf-8") as f:
        plan = [line.strip() for line in f if line.strip()]

    files, lines = {}, {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".sql"):
                rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    text = f.read()
                stmts = [s for s in split_statements(text) if not is_transaction_control(s)]
                key = rel[: -len(".sql")]
                lines[key] = text.split("\n")
                files[key] = len(stmts)
                # A relation renamed by the migration existed before it under its old name.
                if key in prestate:
                    for stmt in stmts:
                        m = RENAME.match(stmt)
                        if m and unquote(m.group("old")) in prestate[key]:
                            prestate[key].add(unquote(m.group("new")))

    findings = []
    for item in report["findings"]:
        rel = os.path.relpath(os.path.join(root, item["path"]), root).replace(os.sep, "/")
        key = rel[: -len(".sql")] if rel.endswith(".sql") else rel
        findings.append(dict(item, key=key))
    with open(os.path.join(root, "build.json"), encoding="utf-8") as f:
        squashes = json.load(f).get("squashes", {})
    squashy = set(squashes) | {k for v in squashes.values() for k in v}
    return {"files": files, "findings": findings, "prestate": prestate, "plan": plan,
            "lines": lines, "squashy": squashy}


def order_report(files, plan):
    """How pglint's directory order (natural order of the paths) differs from the plan."""
    directory = sorted(files, key=natural_key)
    pos = {k: i for i, k in enumerate(plan)}
    in_plan = [k for k in directory if k in pos]
    # Migrations linted before some migration that ran earlier than them.
    early, lowest = 0, None
    for k in reversed(in_plan):
        if lowest is not None and lowest < pos[k]:
            early += 1
        lowest = pos[k] if lowest is None else min(lowest, pos[k])
    return {"in_plan": len(in_plan), "outside_plan": len(directory) - len(in_plan), "linted_too_early": early}


def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "–"


def ratio(a, b):
    return f"{a / b:.2f}" if b else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="target/corpus/out")
    ap.add_argument("--lint-dir", default=None, help="where the JSON is kept (default <corpus>/../lint)")
    ap.add_argument("--pglint", default=None, help="run this pglint first (else reuse the JSON)")
    ap.add_argument("--order", choices=("directory", "plan"), default="directory",
                    help="lint the project directory (pglint's natural order, the baseline) or "
                    "its files in plan order")
    ap.add_argument("--examples", type=int, default=5, help="rules to show an example of")
    ap.add_argument("--fp-list", default=None, metavar="FILE",
                    help="also write every certain false positive, one per line, to FILE")
    ap.add_argument("projects", nargs="*")
    args = ap.parse_args()
    corpus = os.path.abspath(args.corpus)
    lint_dir = args.lint_dir or os.path.join(os.path.dirname(corpus), "lint")
    projects = args.projects or sorted(
        d for d in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, d, "plan.txt"))
    )
    data = {p: load_project(corpus, lint_dir, p, args.pglint, args.order) for p in projects}

    severity_of = {}
    per_rule = collections.defaultdict(collections.Counter)  # rule -> project -> n
    fp_rule = collections.defaultdict(collections.Counter)
    unknown_rule = collections.Counter()
    rows = []
    totals = collections.Counter()
    examples = {}
    fp_lines = []
    for p in projects:
        d = data[p]
        files, findings = d["files"], d["findings"]
        nontrivial = {k for k, n in files.items() if n > 0}
        sev = collections.Counter(f["severity"] for f in findings)
        with_finding = {f["key"] for f in findings}
        with_warning = {f["key"] for f in findings if f["severity"] in ("error", "warning")}
        hazard = fp = unknown = if_exists = fp_squash = 0
        for f in sorted(findings, key=lambda f: (f["key"], f["line"], f["column"], f["rule"])):
            rule = f["rule"]
            severity_of[rule] = f["severity"]
            per_rule[rule][p] += 1
            examples.setdefault(rule, (p, f))
            if rule in TARGET:
                hazard += 1
                target = target_of(rule, f["message"])
                src = d["lines"].get(f["key"], [])
                line = src[f["line"] - 1] if 0 < f["line"] <= len(src) else ""
                if target is None or f["key"] not in d["prestate"]:
                    unknown += 1
                    unknown_rule[rule] += 1
                elif target not in d["prestate"][f["key"]] and re.search(r"(?i)\bIF\s+EXISTS\b", line):
                    # DROP ... IF EXISTS of a relation that only older deployments have (one
                    # a squash no longer creates): absent here, present there. Not certain.
                    if_exists += 1
                elif target not in d["prestate"][f["key"]]:
                    fp += 1
                    if f["key"] in d["squashy"]:
                        fp_squash += 1
                    fp_rule[rule][p] += 1
                    fp_lines.append(f"{p}/{f['key']}.sql:{f['line']}\t{rule}\t{target}\t{f['message']}")
        order = order_report(files, d["plan"])
        row = {
            "project": p,
            "files": len(files),
            "nontrivial": len(nontrivial),
            "statements": sum(files.values()),
            "findings": len(findings),
            "error": sev["error"],
            "warning": sev["warning"],
            "info": sev["info"],
            "with_finding": len(with_finding & nontrivial),
            "with_finding_all": len(with_finding),
            "with_warning": len(with_warning & nontrivial),
            "hazard": hazard,
            "fp": fp,
            "unknown": unknown,
            "if_exists": if_exists,
            "fp_squash": fp_squash,
            "plan": len(d["plan"]),
            "too_early": order["linted_too_early"],
            "outside_plan": order["outside_plan"],
        }
        rows.append(row)
        totals.update({k: v for k, v in row.items() if k != "project"})

    out = []
    w = out.append
    w("### Corpus and headline figures\n")
    w("| project | migration files | with SQL | statements | findings | findings / file with SQL | findings / file | errors + warnings / file with SQL | files with SQL with a finding | … with an error or warning |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows + [dict(totals, project="**total**")]:
        w(f"| {r['project']} | {r['files']} | {r['nontrivial']} | {r['statements']} | {r['findings']} | "
          f"{ratio(r['findings'], r['nontrivial'])} | {ratio(r['findings'], r['files'])} | "
          f"{ratio(r['error'] + r['warning'], r['nontrivial'])} | {r['with_finding']} ({pct(r['with_finding'], r['nontrivial'])}) | "
          f"{r['with_warning']} ({pct(r['with_warning'], r['nontrivial'])}) |")
    w("")
    w("### By severity\n")
    w("| project | error | warning | info | errors / file with SQL | warnings / file with SQL | infos / file with SQL |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows + [dict(totals, project="**total**")]:
        w(f"| {r['project']} | {r['error']} | {r['warning']} | {r['info']} | {ratio(r['error'], r['nontrivial'])} | "
          f"{ratio(r['warning'], r['nontrivial'])} | {ratio(r['info'], r['nontrivial'])} |")
    w("")
    w("### Certain false positives (hazard on a relation that did not exist before the migration)\n")
    w("| project | hazard-rule findings | certain false positives | share | of which in squashed or replaced migrations | absent relation but `IF EXISTS` (not counted) | relation not determined |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows + [dict(totals, project="**total**")]:
        w(f"| {r['project']} | {r['hazard']} | {r['fp']} | {pct(r['fp'], r['hazard'])} | {r['fp_squash']} | "
          f"{r['if_exists']} | {r['unknown']} |")
    w("")
    w("### By rule (findings; certain false positives in brackets for hazard rules)\n")
    w("| rule | severity | " + " | ".join(projects) + " | total | per file with SQL |")
    w("|---|---|" + "---:|" * (len(projects) + 2))
    order = sorted(per_rule, key=lambda r: (-sum(per_rule[r].values()), r))
    for rule in order:
        cells = []
        for p in projects + [None]:
            n = sum(per_rule[rule].values()) if p is None else per_rule[rule][p]
            f = sum(fp_rule[rule].values()) if p is None else fp_rule[rule][p]
            cells.append(f"{n} [{f}]" if rule in TARGET and n else str(n))
        mark = " (hazard)" if rule in TARGET else ""
        w(f"| {rule}{mark} | {severity_of[rule]} | " + " | ".join(cells)
          + f" | {ratio(sum(per_rule[rule].values()), totals['nontrivial'])} |")
    w("")
    w("### Directory order against plan order\n")
    w("| project | migrations in plan | files outside the plan (squash originals, unused squashes) | plan migrations linted before one that ran earlier |")
    w("|---|---:|---:|---:|")
    for r in rows:
        w(f"| {r['project']} | {r['plan']} | {r['outside_plan']} | {r['too_early']} |")
    w("")
    if args.examples:
        w(f"### An example of each of the {args.examples} noisiest rules\n")
        for rule in order[: args.examples]:
            p, f = examples[rule]
            w(f"- `{rule}` ({p}/{f['key']}.sql:{f['line']}): {f['message']}")
        w("")
    if unknown_rule:
        w("Hazard findings whose relation was not determined: "
          + ", ".join(f"{r} {n}" for r, n in sorted(unknown_rule.items())) + "\n")
    print("\n".join(out))
    if args.fp_list:
        with open(args.fp_list, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in fp_lines)


if __name__ == "__main__":
    main()
