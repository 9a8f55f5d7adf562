#!/usr/bin/env python3
"""Generates src/parse/raw/generated.rs: Rust code that copies libpg_query's C parse tree
straight into pg_query's protobuf structs, without the protobuf round trip.

Why: `pg_query::parse` spends about 70 % of its time encoding the tree to protobuf in C and
decoding it again in Rust; the Postgres grammar itself is about 15 %.

How: libpg_query describes every node's output with one macro call per field in
`src/include/pg_query_outfuncs_defs.c` (the same file drives its JSON and protobuf writers),
its tags in `pg_query_outfuncs_conds.c` and its enums in `pg_query_enum_defs.c`. This script
reads those, asks the C compiler for each field's offset, size and signedness in the pinned
libpg_query headers, reads pg_query's `protobuf.rs` for the Rust field names and types, and
writes one converter per node. The layout is only valid for the exact pg_query version
Cargo.toml pins and for 64-bit non-Windows targets; src/parse/raw falls back to the protobuf
path everywhere else, and tests/raw_tree.rs checks the two paths give equal trees.

Usage: python3 scripts/gen-raw-tree.py [--check] [PATH_TO_pg_query-18.1.0]
(default: the pg_query source `cargo metadata` names; --check compares instead of writing, exit 1 when stale)
"""

import json
import os
import re
import subprocess
import sys
import tempfile

PG_QUERY_VERSION = "18.1.0"
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "parse", "raw", "generated.rs")


CHECK = "--check" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--check"]


def crate_dir():
    """pg_query's source: the argument, else where cargo keeps it for this workspace."""
    if ARGS:
        return ARGS[0]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    cargo = os.environ.get("CARGO", "cargo")
    rustc = os.environ.get("RUSTC", "rustc")
    host = re.search(r"^host: (\S+)$", subprocess.run([rustc, "-vV"], check=True, capture_output=True,
                                                      text=True).stdout, re.M).group(1)
    # Offline, and only this machine's platform: a build downloads just the crates of its own
    # target, so resolving every platform's dependencies offline fails on a fresh machine.
    meta = subprocess.run([cargo, "metadata", "--format-version", "1", "--offline",
                           "--filter-platform", host], cwd=root,
                          check=True, capture_output=True, text=True).stdout
    for pkg in json.loads(meta)["packages"]:
        if pkg["name"] == "pg_query" and pkg["version"] == PG_QUERY_VERSION:
            return os.path.dirname(pkg["manifest_path"])
    sys.exit(f"pg_query {PG_QUERY_VERSION} is not among this workspace's packages")


def parse_defs(text):
    """{typename_c: (proto_name, c_struct, [(macro, args)])} in file order."""
    funcs = {}
    head = re.compile(r"^_out(\w+)\(OUT_TYPE\((\w+), (\w+)\) out, const (\w+) \*node\)\n\{\n(.*?)^\}",
                      re.S | re.M)
    for m in head.finditer(text):
        name_c, proto, _, c_struct, body = m.groups()
        fields = []
        for line in body.splitlines():
            if not line.strip():
                continue
            fm = re.match(r"\s*(WRITE_\w+)\((.*)\);\s*$", line)
            if not fm:
                sys.exit(f"unexpected line in _out{name_c}: {line!r}")
            fields.append((fm.group(1), [a.strip() for a in fm.group(2).split(",")]))
        funcs[name_c] = (proto, c_struct, fields)
    return funcs


def parse_conds(text):
    """[(tag, proto_typename, typename_c)]"""
    out = []
    for m in re.finditer(r"case T_(\w+):\s*\n\s*OUT_NODE\((\w+), (\w+), [^)]*\);", text):
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def parse_enums(text):
    """{enum_type: [(enumerator, proto_value)]}"""
    enums = {}
    for m in re.finditer(r"_enumToInt(\w+)\(\w+ value\) \{\n  switch\(value\) \{\n(.*?)\n  \}", text, re.S):
        enums[m.group(1)] = [(e, int(v)) for e, v in re.findall(r"case (\w+): return (-?\d+);", m.group(2))]
    return enums


def parse_protobuf_rs(text):
    """({rust_struct: {field: (ident, rust_type)}}, {inner_struct: (variant, boxed)})"""
    structs = {}
    for m in re.finditer(r"pub struct (\w+) \{(?:\}|\n(.*?)\n\})", text, re.S):
        fields = {}
        for fm in re.finditer(r"pub (r#)?(\w+):\s*(.*?),\s*(?=#\[|$)", m.group(2) or "", re.S):
            fields[fm.group(2)] = (fm.group(1) or "") + fm.group(2), re.sub(r"\s+", "", fm.group(3))
        structs[m.group(1)] = fields
    variants = {}
    body = re.search(r"pub mod node \{.*?pub enum Node \{\n(.*?)\n    \}", text, re.S).group(1)
    body = re.sub(r"#\[.*?\]\n", "", body)
    for vm in re.finditer(r"(\w+)\(\s*(.*?),?\s*\),", body, re.S):
        inner = re.search(r"super::(\w+)", vm.group(2)).group(1)
        variants[inner] = (vm.group(1), "Box<" in vm.group(2))
    return structs, variants


def rust_name(proto, structs):
    key = proto.replace("_", "").lower()
    hits = [s for s in structs if s.lower() == key]
    if len(hits) != 1:
        sys.exit(f"no single Rust struct for {proto}: {hits}")
    return hits[0]


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.replace("__", "_").lower()


# Fields of the value nodes, which libpg_query writes by hand.
VALUE_NODES = {
    "Integer": ("Integer", [("WRITE_INT_FIELD", ["Integer", "ival", "ival", "ival"])]),
    "Float": ("Float", [("WRITE_STRING_FIELD", ["Float", "fval", "fval", "fval"])]),
    "Boolean": ("Boolean", [("WRITE_BOOL_FIELD", ["Boolean", "boolval", "boolval", "boolval"])]),
    "String": ("String", [("WRITE_STRING_FIELD", ["String", "sval", "sval", "sval"])]),
    "BitString": ("BitString", [("WRITE_STRING_FIELD", ["BitString", "bsval", "bsval", "bsval"])]),
}


def c_layout(base, funcs, conds, enums):
    """Compiles and runs a C program that prints the layout facts the converters need."""
    lines = [
        '#include "postgres.h"',
        '#include "access/relation.h"',
        '#include "nodes/parsenodes.h"',
        '#include "nodes/plannodes.h"',
        '#include "nodes/value.h"',
        '#include "nodes/pg_list.h"',
        "#include <stdio.h>",
        "#undef printf",
        "#include <stddef.h>",
        "#define F(T, f) printf(\"field %s %s %zu %zu %d\\n\", #T, #f, offsetof(T, f), "
        "sizeof(((T *)0)->f), (int)(((__typeof__(((T *)0)->f))-1) < 0));",
        "#define P(T, f) printf(\"field %s %s %zu %zu 0\\n\", #T, #f, offsetof(T, f), sizeof(((T *)0)->f));",
        "int main(void) {",
        '  printf("version %d\\n", PG_VERSION_NUM);',
        "  F(List, type) F(List, length) P(List, elements)",
        '  printf("size ListCell %zu\\n", sizeof(ListCell));',
        "  F(A_Const, isnull) F(A_Const, location) P(A_Const, val)",
    ]
    scalar = {"WRITE_INT_FIELD", "WRITE_UINT_FIELD", "WRITE_UINT64_FIELD", "WRITE_LONG_FIELD",
              "WRITE_BOOL_FIELD", "WRITE_CHAR_FIELD", "WRITE_ENUM_FIELD"}
    for name_c, (proto, c_struct, fields) in funcs.items():
        for macro, args in fields:
            fld = args[-1]
            if macro in scalar:
                lines.append(f"  F({c_struct}, {fld})")
            else:
                lines.append(f"  P({c_struct}, {fld})")
    for tag, _, _ in conds:
        lines.append(f'  printf("tag {tag} %d\\n", (int)T_{tag});')
    for values in enums.values():
        for e, _ in values:
            lines.append(f'  printf("enum {e} %d\\n", (int){e});')
    lines += ["  return 0;", "}"]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "layout.c"), os.path.join(tmp, "layout")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        lib = os.path.join(base, "libpg_query")
        incs = [lib, f"{lib}/vendor", f"{lib}/src/postgres/include", f"{lib}/src/include"]
        subprocess.run(["cc", "-w", *[f"-I{i}" for i in incs], src, "-o", exe], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    fields, tags, values, facts = {}, {}, {}, {}
    for line in out.splitlines():
        kind, *rest = line.split()
        if kind == "field":
            t, f, off, size, signed = rest
            fields[(t, f)] = (int(off), int(size), signed == "1")
        elif kind == "tag":
            tags[rest[0]] = int(rest[1])
        elif kind == "enum":
            values[rest[0]] = int(rest[1])
        elif kind == "version":
            facts["version"] = rest[0]
        else:
            facts[f"{kind} {rest[0]}"] = rest[-1]
    return fields, tags, values, facts


INT_TYPES = {(1, True): "i8", (2, True): "i16", (4, True): "i32", (8, True): "i64",
             (1, False): "u8", (2, False): "u16", (4, False): "u32", (8, False): "u64"}


def main():
    base = crate_dir()
    inc = os.path.join(base, "libpg_query", "src", "include")
    read = lambda p: open(p, encoding="utf-8").read()
    funcs = parse_defs(read(os.path.join(inc, "pg_query_outfuncs_defs.c")))
    conds = parse_conds(read(os.path.join(inc, "pg_query_outfuncs_conds.c")))
    enums = parse_enums(read(os.path.join(inc, "pg_query_enum_defs.c")))
    structs, variants = parse_protobuf_rs(read(os.path.join(base, "src", "protobuf.rs")))
    for name, (proto, fields) in VALUE_NODES.items():
        funcs[name] = (proto, name, fields)
    fields, tags, values, facts = c_layout(base, funcs, conds, enums)

    used_enums = set()
    out = []
    w = out.append
    w(f"// @generated by scripts/gen-raw-tree.py from pg_query {PG_QUERY_VERSION}'s libpg_query; do not edit.")
    w("// Offsets are those of 64-bit non-Windows targets; see src/parse/raw/mod.rs.")
    w("#![allow(clippy::all, unsafe_op_in_unsafe_fn, unused_variables)]")
    w("")
    w("use pg_query::protobuf as pb;")
    w("")
    w("use super::read::{Ctx, Fallback, at, c_char_string, c_string, list, node_box};")
    w("")
    w(f"pub const PG_VERSION_NUM: i32 = {facts['version']};")
    lst = fields[("List", "type")], fields[("List", "length")], fields[("List", "elements")]
    w(f"pub const LIST_LENGTH: usize = {lst[1][0]};")
    w(f"pub const LIST_ELEMENTS: usize = {lst[2][0]};")
    assert facts["size ListCell"] == "8"
    w(f"pub const A_CONST_ISNULL: usize = {fields[('A_Const', 'isnull')][0]};")
    w(f"pub const A_CONST_LOCATION: usize = {fields[('A_Const', 'location')][0]};")
    w(f"pub const A_CONST_VAL: usize = {fields[('A_Const', 'val')][0]};")
    for tag in ["List", "Integer", "Float", "Boolean", "String", "BitString", "A_Const", "RawStmt"]:
        if tag in tags:
            w(f"pub const T_{tag.upper()}: u32 = {tags[tag]};")
    w("")

    # Dispatch on the node tag through a table of small functions: one `match` over every
    # node would need a stack frame as large as all its arms in unoptimised builds, and the
    # conversion recurses once per level of the tree.
    wrappers = {}
    for tag, proto, name_c in conds:
        if tag in ("List", "IntList", "OidList", "A_Const"):
            continue  # written by hand in read.rs
        rs = rust_name(proto, structs)
        variant, boxed = variants[rs]
        conv = f"{snake(name_c)}(c, p)?"
        if boxed:
            conv = f"Box::new({conv})"
        fn = f"node_{snake(name_c)}"
        wrappers[tags[tag]] = fn
        w(f"unsafe fn {fn}(c: &mut Ctx, p: *const u8) -> Result<pb::node::Node, Fallback> {{")
        w(f"    Ok(pb::node::Node::{variant}({conv}))")
        w("}")
        w("")
    w("type NodeFn = unsafe fn(&mut Ctx, *const u8) -> Result<pb::node::Node, Fallback>;")
    w("")
    w("/// The converter for each node tag (`None` for tags left to protobuf or read by hand).")
    w(f"pub static NODE_FNS: [Option<NodeFn>; {max(wrappers) + 1}] = [")
    for t in range(max(wrappers) + 1):
        w(f"    Some({wrappers[t]}),   // {t}" if t in wrappers else f"    None,   // {t}")
    w("];")
    w("")

    for name_c, (proto, c_struct, flds) in funcs.items():
        rs = rust_name(proto, structs)
        rfields = structs[rs]
        w(f"pub unsafe fn {snake(name_c)}(c: &mut Ctx, p: *const u8) -> Result<pb::{rs}, Fallback> {{")
        w("    c.enter()?;")
        w(f"    let out = pb::{rs} {{")
        written = set()
        for macro, args in flds:
            outname, fld = (args[2], args[-1]) if macro == "WRITE_ENUM_FIELD" else (args[1], args[-1])
            if macro.startswith("WRITE_SPECIFIC_NODE"):
                outname = args[3]
            ident, rtype = rfields[outname]
            written.add(outname)
            off, size, signed = fields[(c_struct, fld)]
            if macro in ("WRITE_INT_FIELD", "WRITE_UINT_FIELD", "WRITE_UINT64_FIELD", "WRITE_LONG_FIELD"):
                ct = INT_TYPES[(size, signed)]
                w(f"        {ident}: at::<{ct}>(p, {off}) as {rtype},")
            elif macro == "WRITE_FLOAT_FIELD":
                assert size == 8
                w(f"        {ident}: at::<f64>(p, {off}),")
            elif macro == "WRITE_BOOL_FIELD":
                assert size == 1
                w(f"        {ident}: at::<u8>(p, {off}) != 0,")
            elif macro == "WRITE_CHAR_FIELD":
                assert size == 1
                w(f"        {ident}: c_char_string(at::<u8>(p, {off}))?,")
            elif macro == "WRITE_STRING_FIELD":
                w(f"        {ident}: c_string(at::<*const u8>(p, {off}))?,")
            elif macro == "WRITE_ENUM_FIELD":
                used_enums.add(args[1])
                ct = INT_TYPES[(size, signed)]
                w(f"        {ident}: enum_{snake(args[1])}(at::<{ct}>(p, {off}) as i64)?,")
            elif macro == "WRITE_LIST_FIELD":
                w(f"        {ident}: list(c, at::<*const u8>(p, {off}))?,")
            elif macro == "WRITE_NODE_PTR_FIELD":
                w(f"        {ident}: node_box(c, at::<*const u8>(p, {off}))?,")
            elif macro.startswith("WRITE_SPECIFIC_NODE"):
                # A pointer to, or (one case) an embedded, node of a known type.
                embedded = macro == "WRITE_SPECIFIC_NODE_FIELD"
                conv = f"{snake(args[1])}(c, {f'p.add({off})' if embedded else 'q'})?"
                if "Box<" in rtype:
                    conv = f"Box::new({conv})"
                if embedded:
                    w(f"        {ident}: Some({conv}),")
                else:
                    w(f"        {ident}: match at::<*const u8>(p, {off}) {{ q if q.is_null() => None, q => Some({conv}) }},")
            elif macro == "WRITE_BITMAPSET_FIELD":
                w(f"        {ident}: if at::<*const u8>(p, {off}).is_null() {{ Vec::new() }} else {{ return Err(Fallback) }},")
            else:
                sys.exit(f"unknown macro {macro}")
        if set(rfields) - written:
            w("        ..Default::default()")
        w("    };")
        w("    c.leave();")
        w("    Ok(out)")
        w("}")
        w("")

    for enum in sorted(used_enums):
        w(f"fn enum_{snake(enum)}(v: i64) -> Result<i32, Fallback> {{")
        w("    Ok(match v {")
        for e, pv in enums[enum]:
            w(f"        {values[e]} => {pv},")
        w("        _ => return Err(Fallback),")
        w("    })")
        w("}")
        w("")

    code = subprocess.run(["rustfmt", "--edition", "2024", "--emit", "stdout"], input="\n".join(out),
                          check=True, capture_output=True, text=True).stdout
    if CHECK:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != code:
                sys.exit(f"{os.path.normpath(OUT)} is stale: run python3 scripts/gen-raw-tree.py")
        print(f"{os.path.normpath(OUT)} is current")
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(code)
    print(f"wrote {os.path.normpath(OUT)}: {len(funcs)} converters, {len(used_enums)} enums")


if __name__ == "__main__":
    main()
