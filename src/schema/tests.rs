use super::*;
use crate::parse::parse_file;
use crate::source::SourceFile;
use crate::span::Span;

/// Replays `sql` as file `file` into `cat`.
fn replay(cat: &mut Catalog, file: usize, sql: &str) {
    let m = parse_file(SourceFile::new(format!("{file}.sql"), sql));
    for s in &m.statements {
        let node = s
            .node()
            .unwrap_or_else(|| panic!("syntax error in test SQL: {:?}", s.node));
        cat.apply(
            node,
            Origin {
                file: FileId(file),
                span: s.span,
            },
        );
    }
}

fn catalog(sql: &str) -> Catalog {
    let mut cat = Catalog::default();
    replay(&mut cat, 0, sql);
    cat
}

/// `schema.name`, or `name` in public.
fn q(name: &str) -> QualifiedName {
    match name.split_once('.') {
        Some((s, n)) => QualifiedName::new(s, n),
        None => QualifiedName::public(name),
    }
}

fn list(v: &[String]) -> String {
    v.join(", ")
}

/// A compact, exact rendering of the whole catalog, for whole-state assertions.
fn dump(cat: &Catalog) -> String {
    let mut out = String::new();
    for t in cat.tables() {
        out.push_str(&format!("table {}", t.name));
        if let Some(p) = &t.partitioned_by {
            let keys: Vec<String> = p
                .keys
                .iter()
                .zip(&p.key_exprs)
                .map(|(k, e)| match k {
                    IndexKey::Column(c) => c.clone(),
                    IndexKey::Expression => format!("({})", e.clone().unwrap_or_default()),
                })
                .collect();
            out.push_str(&format!(
                " partitioned by {:?} ({})",
                p.strategy,
                keys.join(", ")
            ));
        }
        if let Some(p) = &t.partition_of {
            out.push_str(&format!(" partition of {} {}", p.parent, p.bound.text));
        }
        if t.columns_unknown {
            out.push_str(" columns unknown");
        }
        out.push('\n');
        for c in &t.columns {
            out.push_str(&format!("  {} {}", c.name, c.type_name));
            if c.not_null {
                out.push_str(" not null");
            }
            if let Some(d) = &c.default {
                out.push_str(&format!(" default {d}"));
            }
            if let Some(s) = c.serial {
                out.push_str(&format!(" serial={s}"));
            }
            if let Some(i) = c.identity {
                out.push_str(&format!(" identity={i:?}"));
            }
            if let Some(g) = &c.generated {
                out.push_str(&format!(" generated={} stored={}", g.expr, g.stored));
            }
            out.push('\n');
        }
        for c in &t.constraints {
            out.push_str(&format!("  constraint {} ", c.name));
            match &c.kind {
                ConstraintKind::PrimaryKey { columns } => {
                    out.push_str(&format!("PRIMARY KEY ({})", list(columns)))
                }
                ConstraintKind::Unique { columns } => {
                    out.push_str(&format!("UNIQUE ({})", list(columns)))
                }
                ConstraintKind::Check => out.push_str(&format!(
                    "CHECK {} on ({})",
                    c.expr.clone().unwrap_or_default(),
                    list(&c.expr_columns)
                )),
                ConstraintKind::ForeignKey {
                    columns,
                    references,
                    ref_columns,
                } => out.push_str(&format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({})",
                    list(columns),
                    references,
                    list(ref_columns)
                )),
                ConstraintKind::Exclusion => {
                    out.push_str(&format!("EXCLUDE on ({})", list(&c.expr_columns)))
                }
            }
            if c.not_valid {
                out.push_str(" NOT VALID");
            }
            if c.deferrable {
                out.push_str(" DEFERRABLE");
            }
            if c.initially_deferred {
                out.push_str(" INITIALLY DEFERRED");
            }
            if let Some(i) = &c.index {
                out.push_str(&format!(" index={i}"));
            }
            out.push('\n');
        }
    }
    for i in cat.indexes() {
        let keys: Vec<String> = i
            .keys
            .iter()
            .enumerate()
            .map(|(n, k)| {
                let mut s = match k {
                    IndexKey::Column(c) => c.clone(),
                    IndexKey::Expression => {
                        format!("({})", i.key_expr(n).unwrap_or_default())
                    }
                };
                if let Some(o) = i.opclass(n) {
                    s.push(' ');
                    s.push_str(o);
                }
                if i.is_descending(n) {
                    s.push_str(" DESC");
                }
                s
            })
            .collect();
        out.push_str(&format!(
            "index {} on {} using {} ({})",
            i.name,
            i.table,
            i.method,
            keys.join(", ")
        ));
        if i.unique {
            out.push_str(" unique");
        }
        if !i.include.is_empty() {
            out.push_str(&format!(" include ({})", list(&i.include)));
        }
        if let Some(p) = &i.predicate {
            out.push_str(&format!(" where {p}"));
        }
        if i.concurrently {
            out.push_str(" concurrently");
        }
        if i.only {
            out.push_str(" only");
        }
        if let Some(c) = &i.constraint {
            out.push_str(&format!(" constraint={c}"));
        }
        if let Some(a) = &i.attached_to {
            out.push_str(&format!(" attached_to={a}"));
        }
        out.push('\n');
    }
    for v in cat.views() {
        out.push_str(&format!(
            "{} {}\n",
            if v.materialized { "matview" } else { "view" },
            v.name
        ));
    }
    out
}

#[track_caller]
fn assert_dump(cat: &Catalog, expected: &str) {
    let got = dump(cat);
    let expected = expected
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_eq!(
        got, expected,
        "\n--- got ---\n{got}--- expected ---\n{expected}"
    );
}

const DJANGO_BOOK: &str = r#"
CREATE TABLE "shop_author" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY);
CREATE TABLE "shop_tag" ("id" serial NOT NULL PRIMARY KEY);
CREATE TABLE "shop_book" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "title" varchar(200) NOT NULL, "isbn" varchar(13) NOT NULL UNIQUE, "author_id" bigint NOT NULL, "pages" integer NOT NULL, "code" varchar(10) NOT NULL, CONSTRAINT "book_pages_gte_0" CHECK ("pages" >= 0));
ALTER TABLE "shop_book" ADD CONSTRAINT "shop_book_author_id_title_ee8b7262_uniq" UNIQUE ("author_id", "title");
ALTER TABLE "shop_book" ADD CONSTRAINT "shop_book_author_id_82b8ab51_fk_shop_author_id" FOREIGN KEY ("author_id") REFERENCES "shop_author" ("id") DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX "shop_book_author_id_82b8ab51" ON "shop_book" ("author_id");
CREATE INDEX "shop_book_isbn_d60b4a22_like" ON "shop_book" ("isbn" varchar_pattern_ops);
CREATE INDEX "shop_book_code_cfa209c8_like" ON "shop_book" ("code" varchar_pattern_ops);
ALTER TABLE "shop_book" ADD COLUMN "publisher_id" integer NULL CONSTRAINT "shop_book_publisher_id_04743c27_fk_shop_tag_id" REFERENCES "shop_tag"("id") DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS "shop_book_publisher_id_04743c27_fk_shop_tag_id" IMMEDIATE;
ALTER TABLE "shop_book" ALTER COLUMN "pages" TYPE bigint USING "pages"::bigint;
DROP INDEX IF EXISTS "shop_book_code_cfa209c8_like";
ALTER TABLE "shop_book" RENAME COLUMN "code" TO "sku";
"#;

#[test]
fn django_book_migration() {
    let cat = catalog(DJANGO_BOOK);
    assert_dump(
        &cat,
        "
        table shop_author
          id bigint not null identity=ByDefault
          constraint shop_author_pkey PRIMARY KEY (id) index=shop_author_pkey
        table shop_book
          id bigint not null identity=ByDefault
          title varchar(200) not null
          isbn varchar(13) not null
          author_id bigint not null
          pages bigint not null
          sku varchar(10) not null
          publisher_id integer
          constraint shop_book_pkey PRIMARY KEY (id) index=shop_book_pkey
          constraint shop_book_isbn_key UNIQUE (isbn) index=shop_book_isbn_key
          constraint book_pages_gte_0 CHECK pages >= 0 on (pages)
          constraint shop_book_author_id_title_ee8b7262_uniq UNIQUE (author_id, title) index=shop_book_author_id_title_ee8b7262_uniq
          constraint shop_book_author_id_82b8ab51_fk_shop_author_id FOREIGN KEY (author_id) REFERENCES shop_author (id) DEFERRABLE INITIALLY DEFERRED
          constraint shop_book_publisher_id_04743c27_fk_shop_tag_id FOREIGN KEY (publisher_id) REFERENCES shop_tag (id) DEFERRABLE INITIALLY DEFERRED
        table shop_tag
          id integer not null default nextval('shop_tag_id_seq'::regclass) serial=serial
          constraint shop_tag_pkey PRIMARY KEY (id) index=shop_tag_pkey
        index shop_author_pkey on shop_author using btree (id) unique constraint=shop_author_pkey
        index shop_book_author_id_82b8ab51 on shop_book using btree (author_id)
        index shop_book_author_id_title_ee8b7262_uniq on shop_book using btree (author_id, title) unique constraint=shop_book_author_id_title_ee8b7262_uniq
        index shop_book_isbn_d60b4a22_like on shop_book using btree (isbn varchar_pattern_ops)
        index shop_book_isbn_key on shop_book using btree (isbn) unique constraint=shop_book_isbn_key
        index shop_book_pkey on shop_book using btree (id) unique constraint=shop_book_pkey
        index shop_tag_pkey on shop_tag using btree (id) unique constraint=shop_tag_pkey
        ",
    );
}

#[test]
fn queries_on_the_django_book_schema() {
    let cat = catalog(DJANGO_BOOK);
    let book = q("shop_book");
    let indexes: Vec<String> = cat.indexes_of(&book).map(|i| i.name.to_string()).collect();
    assert_eq!(
        indexes,
        [
            "shop_book_pkey",
            "shop_book_isbn_key",
            "shop_book_author_id_title_ee8b7262_uniq",
            "shop_book_author_id_82b8ab51",
            "shop_book_isbn_d60b4a22_like",
        ]
    );
    let fks: Vec<&str> = cat
        .foreign_keys_of(&book)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        fks,
        [
            "shop_book_author_id_82b8ab51_fk_shop_author_id",
            "shop_book_publisher_id_04743c27_fk_shop_tag_id"
        ]
    );
    let author = q("shop_author");
    let referencing: Vec<(String, &str)> = cat
        .foreign_keys_referencing(&author)
        .map(|(t, c)| (t.name.to_string(), c.name.as_str()))
        .collect();
    assert_eq!(
        referencing,
        [(
            "shop_book".to_string(),
            "shop_book_author_id_82b8ab51_fk_shop_author_id"
        )]
    );
    assert_eq!(
        cat.index_of_constraint(&book, "shop_book_isbn_key")
            .map(|i| i.name.to_string()),
        Some("shop_book_isbn_key".to_string())
    );
    assert!(cat.index_of_constraint(&book, "book_pages_gte_0").is_none());
    let t = cat.table(&book).unwrap();
    assert_eq!(t.column("pages").unwrap().type_name, "bigint");
    assert!(t.column("code").is_none());
    assert_eq!(t.primary_key_columns(), Some(&["id".to_string()][..]));
    // `public.shop_book` and `shop_book` are one table.
    assert!(
        cat.table(&QualifiedName::new("public", "shop_book"))
            .is_some()
    );
    assert_eq!(cat.tables().count(), 3);
    assert_eq!(t.created.file, FileId(0));
}

#[test]
fn type_names_are_normalised() {
    let cat = catalog(
        "CREATE TABLE t (
            a int, b int4, c integer, d pg_catalog.int4, e int8, f bigint, g int2, h smallint,
            i timestamp with time zone, j timestamptz, k timestamp, l timestamp without time zone,
            m varchar(20), n character varying(30), o bool, p boolean, q float8,
            r double precision, s numeric(10, 2), t decimal, u text[], v integer[][],
            w char(3), x real, y timestamp(3), z uuid, aa jsonb, ab myschema.mytype,
            ac varchar, ad \"char\", ae time with time zone, af interval, ag bit varying(5)
        );",
    );
    let t = cat.table(&q("t")).unwrap();
    let types: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}={}", c.name, c.type_name))
        .collect();
    assert_eq!(
        types,
        [
            "a=integer",
            "b=integer",
            "c=integer",
            "d=integer",
            "e=bigint",
            "f=bigint",
            "g=smallint",
            "h=smallint",
            "i=timestamptz",
            "j=timestamptz",
            "k=timestamp",
            "l=timestamp",
            "m=varchar(20)",
            "n=varchar(30)",
            "o=boolean",
            "p=boolean",
            "q=double precision",
            "r=double precision",
            "s=numeric(10, 2)",
            "t=numeric",
            "u=text[]",
            "v=integer[][]",
            "w=char(3)",
            "x=real",
            "y=timestamp(3)",
            "z=uuid",
            "aa=jsonb",
            "ab=myschema.mytype",
            "ac=varchar",
            "ad=char",
            "ae=timetz",
            "af=interval",
            "ag=varbit(5)",
        ]
    );
}

#[test]
fn serial_identity_generated_and_defaults() {
    let cat = catalog(
        "CREATE TABLE s.t (
            a serial, b bigserial PRIMARY KEY, c smallserial,
            d int GENERATED ALWAYS AS IDENTITY, e int GENERATED BY DEFAULT AS IDENTITY,
            f int GENERATED ALWAYS AS (d * 2) STORED,
            g timestamptz DEFAULT now() NOT NULL, h text NULL DEFAULT 'x'
        );",
    );
    assert_dump(
        &cat,
        "
        table s.t
          a integer not null default nextval('s.t_a_seq'::regclass) serial=serial
          b bigint not null default nextval('s.t_b_seq'::regclass) serial=bigserial
          c smallint not null default nextval('s.t_c_seq'::regclass) serial=smallserial
          d integer not null identity=Always
          e integer not null identity=ByDefault
          f integer generated=d * 2 stored=true
          g timestamptz not null default now()
          h text default 'x'
          constraint t_pkey PRIMARY KEY (b) index=s.t_pkey
        index s.t_pkey on s.t using btree (b) unique constraint=t_pkey
        ",
    );
}

#[test]
fn inline_constraints_get_postgres_default_names() {
    let cat = catalog(
        "CREATE TABLE p (id int PRIMARY KEY);
         CREATE TABLE c (
            id int PRIMARY KEY,
            code text UNIQUE,
            p_id int REFERENCES p DEFERRABLE,
            q_id int NOT NULL REFERENCES p (id) ON DELETE CASCADE,
            n int CHECK (n > 0),
            lo int, hi int,
            CHECK (lo < hi),
            UNIQUE (lo, hi),
            FOREIGN KEY (lo) REFERENCES p NOT VALID,
            CONSTRAINT named_check CHECK (hi > 0)
         );",
    );
    assert_dump(
        &cat,
        "
        table c
          id integer not null
          code text
          p_id integer
          q_id integer not null
          n integer
          lo integer
          hi integer
          constraint c_pkey PRIMARY KEY (id) index=c_pkey
          constraint c_code_key UNIQUE (code) index=c_code_key
          constraint c_n_check CHECK n > 0 on (n)
          constraint c_check CHECK lo < hi on (lo, hi)
          constraint c_lo_hi_key UNIQUE (lo, hi) index=c_lo_hi_key
          constraint named_check CHECK hi > 0 on (hi)
          constraint c_p_id_fkey FOREIGN KEY (p_id) REFERENCES p (id) DEFERRABLE
          constraint c_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id)
          constraint c_lo_fkey FOREIGN KEY (lo) REFERENCES p (id) NOT VALID
        table p
          id integer not null
          constraint p_pkey PRIMARY KEY (id) index=p_pkey
        index c_code_key on c using btree (code) unique constraint=c_code_key
        index c_lo_hi_key on c using btree (lo, hi) unique constraint=c_lo_hi_key
        index c_pkey on c using btree (id) unique constraint=c_pkey
        index p_pkey on p using btree (id) unique constraint=p_pkey
        ",
    );
    let c = cat.table(&q("c")).unwrap();
    assert_eq!(c.constraint("c_q_id_fkey").unwrap().on_delete, 'c');
    assert_eq!(c.constraint("c_p_id_fkey").unwrap().on_delete, 'a');
}

#[test]
fn create_table_if_not_exists_keeps_the_first() {
    let mut cat = catalog("CREATE TABLE t (a int);");
    replay(&mut cat, 1, "CREATE TABLE IF NOT EXISTS t (b int);");
    let t = cat.table(&q("t")).unwrap();
    assert_eq!(t.columns.len(), 1);
    assert_eq!(t.columns[0].name, "a");
    assert_eq!(t.created.file, FileId(0));
}

#[test]
fn a_plain_create_table_replaces_a_stale_one() {
    // PostgreSQL would refuse it if the table were there: the model's table is stale.
    let mut cat = catalog(
        "CREATE TABLE t (a int PRIMARY KEY, b int); CREATE INDEX t_b ON t (b);
         CREATE TABLE u (t_id int REFERENCES t);",
    );
    replay(&mut cat, 1, "CREATE TABLE t (c int PRIMARY KEY);");
    let t = cat.table(&q("t")).unwrap();
    assert_eq!(t.columns.len(), 1);
    assert_eq!(t.columns[0].name, "c");
    assert_eq!(t.created.file, FileId(1));
    assert!(cat.index(&q("t_b")).is_none());
    assert_eq!(
        cat.index(&q("t_pkey")).unwrap().keys,
        [IndexKey::Column("c".into())]
    );
    assert_eq!(
        cat.table_provenance(&q("t"), FileId(1)),
        Provenance::ThisFile
    );
    assert_eq!(
        cat.table_provenance(&q("u"), FileId(1)),
        Provenance::Earlier
    );
}

#[test]
fn provenance_as_seen_from_a_file() {
    let mut cat = Catalog::default();
    // Nothing from before file 0: what is missing is unknown, not absent.
    replay(&mut cat, 0, "CREATE TABLE t (a int, b int);");
    assert_eq!(
        cat.index_provenance(&q("t_x"), FileId(0)),
        Provenance::Unknown
    );
    assert_eq!(
        cat.table_provenance(&q("v"), FileId(0)),
        Provenance::Unknown
    );
    assert_eq!(
        cat.column_provenance(&q("t"), "a", FileId(0)),
        Provenance::ThisFile
    );
    replay(
        &mut cat,
        1,
        "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t RENAME COLUMN a TO d;
         CREATE INDEX t_b ON t (b);",
    );
    let file = FileId(1);
    assert_eq!(
        cat.column_provenance(&q("t"), "b", file),
        Provenance::Earlier
    );
    assert_eq!(
        cat.column_provenance(&q("t"), "c", file),
        Provenance::ThisFile
    );
    assert_eq!(
        cat.column_provenance(&q("t"), "d", file),
        Provenance::ThisFile
    );
    assert_eq!(
        cat.column_provenance(&q("t"), "a", file),
        Provenance::Absent
    );
    assert_eq!(cat.index_provenance(&q("t_b"), file), Provenance::ThisFile);
    assert_eq!(cat.index_provenance(&q("t_x"), file), Provenance::Absent);
    assert_eq!(cat.table_provenance(&q("t"), file), Provenance::Earlier);
    assert_eq!(cat.table_provenance(&q("v"), file), Provenance::Absent);
    assert_eq!(
        cat.index_provenance(&q("t_b"), FileId(2)),
        Provenance::Earlier
    );
    // The rename keeps where the column was added.
    assert_eq!(cat.column(&q("t"), "d").unwrap().origin.file, FileId(0));
}

#[test]
fn a_column_remembers_whether_old_rows_got_null() {
    let cat = catalog(
        "CREATE TABLE t (id int);
         ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int DEFAULT NULL, ADD COLUMN c int DEFAULT 1,
           ADD COLUMN d serial, ADD COLUMN e int GENERATED ALWAYS AS IDENTITY;
         ALTER TABLE t ALTER COLUMN c DROP DEFAULT, ALTER COLUMN a SET DEFAULT 2;",
    );
    let null = |c: &str| cat.column(&q("t"), c).unwrap().added_null;
    assert!(null("a") && null("b"));
    assert!(!null("c") && !null("d") && !null("e"));
}

#[test]
fn alter_table_with_many_subcommands() {
    let cat = catalog(
        "CREATE TABLE t (id int, a int, b text DEFAULT 'x', c int NOT NULL, d int);
         ALTER TABLE t
            ADD COLUMN e timestamptz NOT NULL DEFAULT now(),
            ADD COLUMN IF NOT EXISTS a text,
            DROP COLUMN IF EXISTS zz,
            ALTER COLUMN a SET NOT NULL,
            ALTER COLUMN c DROP NOT NULL,
            ALTER COLUMN b DROP DEFAULT,
            ALTER COLUMN a SET DEFAULT 42,
            ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY,
            ALTER COLUMN d TYPE varchar(10),
            ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID,
            ADD CONSTRAINT t_pk PRIMARY KEY (id);
         ALTER TABLE t ALTER COLUMN id SET GENERATED BY DEFAULT;
         ALTER TABLE t VALIDATE CONSTRAINT a_pos;
         ALTER TABLE t ADD CONSTRAINT e_pos CHECK (e > now()) NOT VALID;
         ALTER TABLE IF EXISTS missing ADD COLUMN x int;",
    );
    assert_dump(
        &cat,
        "
        table t
          id integer not null identity=ByDefault
          a integer not null default 42
          b text
          c integer
          d varchar(10)
          e timestamptz not null default now()
          constraint a_pos CHECK a > 0 on (a)
          constraint t_pk PRIMARY KEY (id) index=t_pk
          constraint e_pos CHECK e > now() on (e) NOT VALID
        index t_pk on t using btree (id) unique constraint=t_pk
        ",
    );
    let cat2 = {
        let mut c = cat.clone();
        replay(
            &mut c,
            1,
            "ALTER TABLE t ALTER COLUMN id DROP IDENTITY, DROP CONSTRAINT t_pk, DROP CONSTRAINT IF EXISTS nope;",
        );
        c
    };
    let t = cat2.table(&q("t")).unwrap();
    assert_eq!(t.column("id").unwrap().identity, None);
    assert!(t.primary_key().is_none());
    assert!(cat2.index(&q("t_pk")).is_none());
    assert_eq!(cat2.indexes_of(&q("t")).count(), 0);
}

#[test]
fn rename_constraint_renames_its_index_and_back() {
    let mut cat = catalog(
        "CREATE TABLE t (id int, code text, CONSTRAINT t_code UNIQUE (code), CHECK (id > 0));
         ALTER TABLE t RENAME CONSTRAINT t_code TO t_code_uniq;
         ALTER TABLE t RENAME CONSTRAINT t_id_check TO id_positive;",
    );
    assert_dump(
        &cat,
        "
        table t
          id integer
          code text
          constraint t_code_uniq UNIQUE (code) index=t_code_uniq
          constraint id_positive CHECK id > 0 on (id)
        index t_code_uniq on t using btree (code) unique constraint=t_code_uniq
        ",
    );
    replay(&mut cat, 0, "ALTER INDEX t_code_uniq RENAME TO t_code_key;");
    let t = cat.table(&q("t")).unwrap();
    assert_eq!(t.constraints[0].name, "t_code_key");
    assert_eq!(
        cat.index_of_constraint(&q("t"), "t_code_key").unwrap().name,
        q("t_code_key")
    );
}

#[test]
fn constraints_using_an_existing_index() {
    let cat = catalog(
        "CREATE TABLE t (id bigint NOT NULL, code text NOT NULL);
         CREATE UNIQUE INDEX CONCURRENTLY t_id_idx ON t (id);
         CREATE UNIQUE INDEX CONCURRENTLY t_code_idx ON t (code);
         ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;
         ALTER TABLE t ADD CONSTRAINT t_code_uniq UNIQUE USING INDEX t_code_idx DEFERRABLE;
         ALTER TABLE t ADD CONSTRAINT other UNIQUE USING INDEX missing_idx;",
    );
    assert_dump(
        &cat,
        "
        table t
          id bigint not null
          code text not null
          constraint t_pkey PRIMARY KEY (id) index=t_pkey
          constraint t_code_uniq UNIQUE (code) DEFERRABLE index=t_code_uniq
        index t_code_uniq on t using btree (code) unique concurrently constraint=t_code_uniq
        index t_pkey on t using btree (id) unique concurrently constraint=t_pkey
        ",
    );
}

/// Unnamed indexes take the first free `_idx{n}`, as Postgres does, also after a drop frees
/// an earlier one (the name hints that keep thousands of them linear must not skip it).
#[test]
fn unnamed_index_names_fill_gaps_left_by_drops() {
    let names = |cat: &Catalog| -> Vec<String> {
        cat.indexes_of(&q("t"))
            .map(|i| i.name.name.to_string())
            .collect()
    };
    let mut sql = "CREATE TABLE t (c int);\n".to_string();
    sql.push_str(&"CREATE INDEX ON t (c);\n".repeat(4));
    let cat = catalog(&sql);
    assert_eq!(names(&cat), ["t_c_idx", "t_c_idx1", "t_c_idx2", "t_c_idx3"]);
    sql.push_str("DROP INDEX t_c_idx1;\nCREATE INDEX ON t (c);\nCREATE INDEX t_c_idx5 ON t (c);\n");
    sql.push_str(
        "ALTER INDEX t_c_idx RENAME TO other;\nCREATE INDEX ON t (c);\nCREATE INDEX ON t (c);\n",
    );
    let cat = catalog(&sql);
    assert_eq!(
        names(&cat),
        // A renamed index moves to the end of the table's list.
        [
            "t_c_idx2", "t_c_idx3", "t_c_idx1", "t_c_idx5", "other", "t_c_idx", "t_c_idx4"
        ]
    );
}

#[test]
fn index_shapes() {
    let cat = catalog(
        "CREATE TABLE s.t (id int, email text, tags text[], created timestamptz, a int);
         CREATE INDEX CONCURRENTLY IF NOT EXISTS t_email ON s.t (lower(email) text_pattern_ops, created DESC) INCLUDE (a) WHERE a > 0;
         CREATE INDEX IF NOT EXISTS t_email ON s.t (id);
         CREATE UNIQUE INDEX ON s.t (email) NULLS NOT DISTINCT;
         CREATE INDEX ON s.t (email);
         CREATE INDEX ON s.t (lower(email));
         CREATE INDEX ON s.t ((a + id));
         CREATE INDEX t_tags ON s.t USING gin (tags);
         CREATE INDEX t_only ON ONLY s.t (created);",
    );
    assert_dump(
        &cat,
        "
        table s.t
          id integer
          email text
          tags text[]
          created timestamptz
          a integer
        index s.t_email on s.t using btree ((lower(email)) text_pattern_ops, created DESC) include (a) where a > 0 concurrently
        index s.t_email_idx on s.t using btree (email) unique
        index s.t_email_idx1 on s.t using btree (email)
        index s.t_expr_idx on s.t using btree ((a + id))
        index s.t_lower_idx on s.t using btree ((lower(email)))
        index s.t_only on s.t using btree (created) only
        index s.t_tags on s.t using gin (tags)
        ",
    );
    let i = cat.index(&q("s.t_email")).unwrap();
    assert!(i.partial);
    assert_eq!(
        i.keys,
        [IndexKey::Expression, IndexKey::Column("created".into())]
    );
    assert_eq!(i.expr_columns, ["email", "a"]);
    assert!(cat.index(&q("s.t_email_idx")).unwrap().nulls_not_distinct);
    // An index lives in its table's schema.
    assert!(cat.index(&q("t_email")).is_none());
}

#[test]
fn exclusion_constraint() {
    let cat = catalog(
        "CREATE TABLE r (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (room > 0));",
    );
    assert_dump(
        &cat,
        "
        table r
          room integer
          during tstzrange
          constraint r_room_during_excl EXCLUDE on (room, during) index=r_room_during_excl
        index r_room_during_excl on r using gist (room, during) where room > 0 constraint=r_room_during_excl
        ",
    );
}

#[test]
fn drop_column_removes_indexes_and_constraints_on_it() {
    let mut cat = catalog(
        "CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, other int);
         CREATE TABLE c (id int PRIMARY KEY, p_code text REFERENCES p (code), p_id int REFERENCES p);
         CREATE INDEX p_code_other ON p (other, code);
         CREATE INDEX p_lower ON p (lower(code));
         CREATE INDEX p_other ON p (other) WHERE code IS NOT NULL;
         CREATE INDEX p_incl ON p (other) INCLUDE (code);
         CREATE INDEX p_keep ON p (other);
         ALTER TABLE p ADD CONSTRAINT both_check CHECK (code <> '' OR other > 0);
         ALTER TABLE p DROP COLUMN code;",
    );
    assert_dump(
        &cat,
        "
        table c
          id integer not null
          p_code text
          p_id integer
          constraint c_pkey PRIMARY KEY (id) index=c_pkey
          constraint c_p_code_fkey FOREIGN KEY (p_code) REFERENCES p (code)
          constraint c_p_id_fkey FOREIGN KEY (p_id) REFERENCES p (id)
        table p
          id integer not null
          other integer
          constraint p_pkey PRIMARY KEY (id) index=p_pkey
        index c_pkey on c using btree (id) unique constraint=c_pkey
        index p_keep on p using btree (other)
        index p_pkey on p using btree (id) unique constraint=p_pkey
        ",
    );
    // With CASCADE the foreign keys pointing at the column go too.
    replay(&mut cat, 1, "ALTER TABLE p DROP COLUMN id CASCADE;");
    let c = cat.table(&q("c")).unwrap();
    let fks: Vec<&str> = c.foreign_keys().map(|f| f.name.as_str()).collect();
    assert_eq!(fks, ["c_p_code_fkey"]);
    assert!(cat.index(&q("p_pkey")).is_none());
    assert_eq!(cat.foreign_keys_referencing(&q("p")).count(), 1);
}

#[test]
fn drop_table_restrict_and_cascade() {
    let base = "CREATE TABLE a (id int PRIMARY KEY);
        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
        CREATE TABLE x (id int);
        CREATE INDEX a_extra ON a (id);";
    let mut cat = catalog(base);
    replay(&mut cat, 1, "DROP TABLE IF EXISTS nope, a;");
    assert!(cat.table(&q("a")).is_none());
    assert!(cat.index(&q("a_pkey")).is_none());
    assert!(cat.index(&q("a_extra")).is_none());
    assert_eq!(cat.indexes_of(&q("a")).count(), 0);
    // Without CASCADE the foreign key pointing at it is left alone.
    assert_eq!(cat.foreign_keys_of(&q("b")).count(), 1);

    let mut cat = catalog(base);
    replay(
        &mut cat,
        1,
        "DROP TABLE \"x\" CASCADE; DROP TABLE public.a CASCADE;",
    );
    assert_dump(
        &cat,
        "
        table b
          id integer not null
          a_id integer
          constraint b_pkey PRIMARY KEY (id) index=b_pkey
        index b_pkey on b using btree (id) unique constraint=b_pkey
        ",
    );
    assert_eq!(cat.foreign_keys_referencing(&q("a")).count(), 0);
}

#[test]
fn drop_index_of_a_constraint_needs_cascade() {
    let mut cat = catalog(
        "CREATE TABLE t (id int PRIMARY KEY, a int);
         CREATE INDEX t_a ON t (a);
         DROP INDEX t_pkey;
         DROP INDEX CONCURRENTLY IF EXISTS t_a, missing;",
    );
    assert!(cat.index(&q("t_pkey")).is_some());
    assert!(cat.index(&q("t_a")).is_none());
    replay(&mut cat, 0, "DROP INDEX t_pkey CASCADE;");
    assert!(cat.index(&q("t_pkey")).is_none());
    assert!(cat.table(&q("t")).unwrap().constraints.is_empty());
}

#[test]
fn renames_keep_origin_and_follow_references() {
    let mut cat = catalog(
        "CREATE TABLE a (id int PRIMARY KEY, parent_id int REFERENCES a);
         CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));
         CREATE INDEX b_a_id ON b (a_id);",
    );
    replay(
        &mut cat,
        1,
        "ALTER TABLE a RENAME TO a2;
         ALTER TABLE b RENAME TO b2;
         ALTER TABLE a2 RENAME COLUMN id TO pk;
         ALTER TABLE b2 RENAME a_id TO a2_id;
         ALTER INDEX b_a_id RENAME TO b2_a2_id;",
    );
    assert_dump(
        &cat,
        "
        table a2
          pk integer not null
          parent_id integer
          constraint a_pkey PRIMARY KEY (pk) index=a_pkey
          constraint a_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES a2 (pk)
        table b2
          id integer not null
          a2_id integer
          constraint b_pkey PRIMARY KEY (id) index=b_pkey
          constraint b_a_id_fkey FOREIGN KEY (a2_id) REFERENCES a2 (pk)
        index a_pkey on a2 using btree (pk) unique constraint=a_pkey
        index b2_a2_id on b2 using btree (a2_id)
        index b_pkey on b2 using btree (id) unique constraint=b_pkey
        ",
    );
    let a2 = cat.table(&q("a2")).unwrap();
    assert_eq!(a2.created.file, FileId(0));
    assert_eq!(a2.column("pk").unwrap().origin.file, FileId(0));
    let referencing: Vec<String> = cat
        .foreign_keys_referencing(&q("a2"))
        .map(|(t, c)| format!("{}.{}", t.name, c.name))
        .collect();
    assert_eq!(referencing, ["a2.a_parent_id_fkey", "b2.b_a_id_fkey"]);
    assert_eq!(cat.foreign_keys_referencing(&q("a")).count(), 0);
    assert_eq!(cat.indexes_of(&q("b2")).count(), 2);
    assert_eq!(cat.indexes_of(&q("b")).count(), 0);
}

#[test]
fn set_schema_moves_the_table_and_its_indexes() {
    let mut cat = catalog(
        "CREATE TABLE t (id int PRIMARY KEY); CREATE INDEX t_id ON t (id);
         CREATE TABLE r (t_id int REFERENCES t);
         ALTER TABLE t SET SCHEMA archive;",
    );
    assert!(cat.table(&q("t")).is_none());
    assert!(cat.table(&q("archive.t")).is_some());
    assert!(cat.index(&q("archive.t_pkey")).is_some());
    assert!(cat.index(&q("archive.t_id")).is_some());
    assert_eq!(
        cat.index_of_constraint(&q("archive.t"), "t_pkey")
            .unwrap()
            .name,
        q("archive.t_pkey")
    );
    let fk = cat.foreign_keys_of(&q("r")).next().unwrap();
    assert!(
        matches!(&fk.kind, ConstraintKind::ForeignKey { references, .. } if references == &q("archive.t"))
    );
    replay(&mut cat, 0, "DROP INDEX archive.t_id;");
    assert_eq!(cat.indexes_of(&q("archive.t")).count(), 1);
}

#[test]
fn partitions_declared_attached_and_detached() {
    let mut cat = catalog(
        "CREATE TABLE m (id bigint NOT NULL, at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
         CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE m_old PARTITION OF m FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
         CREATE TABLE m_def PARTITION OF m DEFAULT;
         CREATE TABLE l (id int, kind text) PARTITION BY LIST (kind);
         CREATE TABLE l_ab PARTITION OF l (kind NOT NULL) FOR VALUES IN ('a', 'b');
         CREATE TABLE h (id int) PARTITION BY HASH (id, (id + 1));
         CREATE TABLE h0 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
         CREATE TABLE m_2025 (id bigint NOT NULL, at timestamptz NOT NULL, kind text);
         ALTER TABLE m ATTACH PARTITION m_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         ALTER TABLE m DETACH PARTITION m_old CONCURRENTLY;",
    );
    assert_dump(
        &cat,
        "
        table h partitioned by Hash (id, (id + 1))
          id integer
        table h0 partition of h FOR VALUES WITH (MODULUS 2, REMAINDER 0)
          id integer
        table l partitioned by List (kind)
          id integer
          kind text
        table l_ab partition of l FOR VALUES IN ('a', 'b')
          id integer
          kind text not null
        table m partitioned by Range (at)
          id bigint not null
          at timestamptz not null
          kind text
        table m_2024 partition of m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
          id bigint not null
          at timestamptz not null
          kind text
        table m_2025 partition of m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
          id bigint not null
          at timestamptz not null
          kind text
        table m_def partition of m DEFAULT
          id bigint not null
          at timestamptz not null
          kind text
        table m_old
          id bigint not null
          at timestamptz not null
          kind text
        ",
    );
    let parts: Vec<String> = cat
        .partitions_of(&q("m"))
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(parts, ["m_2024", "m_def", "m_2025"]);
    let b = &cat
        .table(&q("m_2024"))
        .unwrap()
        .partition_of
        .as_ref()
        .unwrap()
        .bound;
    assert_eq!(
        b.kind,
        BoundKind::Range {
            from: vec!["'2024-01-01'".into()],
            to: vec!["'2025-01-01'".into()]
        }
    );
    assert_eq!(
        cat.table(&q("l_ab"))
            .unwrap()
            .partition_of
            .as_ref()
            .unwrap()
            .bound
            .kind,
        BoundKind::List {
            values: vec!["'a'".into(), "'b'".into()]
        }
    );
    // Column changes reach partitions; ONLY does not.
    replay(
        &mut cat,
        1,
        "ALTER TABLE m ADD COLUMN note text; ALTER TABLE ONLY m ALTER COLUMN kind SET NOT NULL;",
    );
    assert!(cat.table(&q("m_2025")).unwrap().column("note").is_some());
    assert!(
        !cat.table(&q("m_2025"))
            .unwrap()
            .column("kind")
            .unwrap()
            .not_null
    );
    assert!(cat.table(&q("m")).unwrap().column("kind").unwrap().not_null);
    // Dropping the parent drops its partitions, not a detached one.
    replay(&mut cat, 1, "DROP TABLE m;");
    let left: Vec<String> = cat.tables().map(|t| t.name.to_string()).collect();
    assert_eq!(left, ["h", "h0", "l", "l_ab", "m_old"]);
    assert_eq!(cat.partitions_of(&q("m")).count(), 0);
}

#[test]
fn partition_indexes_attach() {
    let cat = catalog(
        "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE INDEX m_at ON ONLY m (at);
         CREATE INDEX CONCURRENTLY m1_at ON m1 (at);
         ALTER INDEX m_at ATTACH PARTITION m1_at;",
    );
    let i = cat.index(&q("m1_at")).unwrap();
    assert_eq!(i.attached_to, Some(q("m_at")));
    assert!(cat.index(&q("m_at")).unwrap().only);
    let mut cat = cat;
    replay(&mut cat, 0, "ALTER INDEX m_at RENAME TO m_at_idx;");
    assert_eq!(
        cat.index(&q("m1_at")).unwrap().attached_to,
        Some(q("m_at_idx"))
    );
}

#[test]
fn views_and_materialized_views() {
    let mut cat = catalog(
        "CREATE TABLE t (id int);
         CREATE VIEW v AS SELECT id FROM t;
         CREATE OR REPLACE VIEW v AS SELECT id, 1 AS one FROM t;
         CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
         CREATE UNIQUE INDEX mv_id ON mv (id);
         CREATE TABLE copy AS SELECT * FROM t;
         CREATE TABLE copy2 (a, b) AS SELECT 1, 2;
         ALTER VIEW v RENAME TO v2;",
    );
    assert_dump(
        &cat,
        "
        table copy columns unknown
        table copy2 columns unknown
          a ?
          b ?
        table t
          id integer
        index mv_id on mv using btree (id) unique
        matview mv
        view v2
        ",
    );
    assert_eq!(cat.view(&q("v2")).unwrap().created.span.start, 34);
    replay(
        &mut cat,
        1,
        "DROP MATERIALIZED VIEW mv; DROP VIEW IF EXISTS v2, nope;",
    );
    assert_eq!(cat.views().count(), 0);
    assert!(cat.index(&q("mv_id")).is_none());
}

#[test]
fn origins_across_files() {
    let mut cat = Catalog::default();
    replay(&mut cat, 0, "CREATE TABLE t (id int);");
    replay(
        &mut cat,
        1,
        "ALTER TABLE t ADD COLUMN a int;\nCREATE INDEX t_a ON t (a);",
    );
    let t = cat.table(&q("t")).unwrap();
    assert_eq!(t.created.file, FileId(0));
    assert_eq!(t.column("a").unwrap().origin.file, FileId(1));
    let i = cat.index(&q("t_a")).unwrap();
    assert_eq!(i.origin.file, FileId(1));
    assert_eq!(i.origin.span, crate::span::Span::new(32, 57));
}

#[test]
fn long_names_are_truncated_like_postgres() {
    let long = "a".repeat(60);
    let cat = catalog(&format!(
        "CREATE TABLE {long} (id int PRIMARY KEY, {long}_col int UNIQUE);"
    ));
    let t = cat.table(&q(&long)).unwrap();
    let names: Vec<&str> = t.constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[0], format!("{}_pkey", "a".repeat(58)));
    assert_eq!(names[0].len(), 63);
    // Both parts shortened, the longer first.
    assert_eq!(names[1].len(), 63);
    assert!(names[1].ends_with("_key"), "{}", names[1]);
    assert_eq!(make_object_name("tbl", Some("col"), "fkey"), "tbl_col_fkey");
}

#[test]
fn apply_never_panics_on_odd_input() {
    let cat = catalog(
        "ALTER TABLE missing ADD COLUMN a int, DROP COLUMN b;
         ALTER TABLE missing RENAME TO other;
         ALTER TABLE missing RENAME COLUMN a TO b;
         ALTER INDEX missing RENAME TO x;
         DROP TABLE missing; DROP INDEX missing; DROP VIEW missing;
         CREATE TABLE t (id int, id2 int REFERENCES nowhere);
         ALTER TABLE t ADD COLUMN id int;
         ALTER TABLE t RENAME COLUMN id TO id2;
         ALTER TABLE t RENAME TO t;
         ALTER TABLE t ADD PRIMARY KEY (nosuch);
         ALTER TABLE t ADD PRIMARY KEY (id);
         ALTER TABLE t ADD PRIMARY KEY (id2);
         ALTER TABLE t ATTACH PARTITION t FOR VALUES IN (1);
         ALTER TABLE t ATTACH PARTITION nosuch DEFAULT;
         ALTER TABLE t DETACH PARTITION nosuch;
         ALTER TABLE t ALTER CONSTRAINT nosuch DEFERRABLE;
         ALTER TABLE t VALIDATE CONSTRAINT nosuch;
         ALTER TABLE t ALTER COLUMN nosuch TYPE int;
         ALTER TABLE t OWNER TO bob, SET (fillfactor = 50), ENABLE ROW LEVEL SECURITY;
         CREATE INDEX ON t (id);
         CREATE TABLE t2 (LIKE t INCLUDING ALL, extra int);
         CREATE TABLE t3 (LIKE nosuch);
         CREATE TABLE p PARTITION OF nosuch FOR VALUES IN (1);
         SELECT 1; INSERT INTO t VALUES (1); UPDATE t SET id = 1; SET lock_timeout = '1s';
         CREATE SEQUENCE s; CREATE EXTENSION IF NOT EXISTS pg_trgm; COMMENT ON TABLE t IS 'x';
         CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
         DO $$ BEGIN END $$;
         ALTER TABLE t ALTER CONSTRAINT t_id2_fkey DEFERRABLE INITIALLY DEFERRED;",
    );
    assert_dump(
        &cat,
        "
        table p
        table t
          id integer not null
          id2 integer
          constraint t_id2_fkey FOREIGN KEY (id2) REFERENCES nowhere () DEFERRABLE INITIALLY DEFERRED
          constraint t_pkey PRIMARY KEY (id) index=t_pkey
        table t2
          id integer not null
          id2 integer
          extra integer
        table t3
        index t_id_idx on t using btree (id)
        index t_pkey on t using btree (id) unique constraint=t_pkey
        ",
    );
}

#[test]
fn many_statements_stay_fast() {
    // 3,000 tables with an FK to one hub table, an index each, then renames and drops:
    // anything quadratic would show as seconds here.
    let mut sql = String::from("CREATE TABLE hub (id bigint PRIMARY KEY);\n");
    for i in 0..3000 {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, hub_id bigint REFERENCES hub);\n\
             CREATE INDEX t{i}_hub ON t{i} (hub_id);\n"
        ));
    }
    for i in 0..3000 {
        sql.push_str(&format!("ALTER TABLE t{i} RENAME TO u{i};\n"));
    }
    let start = std::time::Instant::now();
    let mut cat = catalog(&sql);
    replay(
        &mut cat,
        1,
        "ALTER TABLE hub RENAME COLUMN id TO pk; DROP TABLE hub CASCADE;",
    );
    assert!(start.elapsed().as_secs() < 30);
    assert_eq!(cat.tables().count(), 3000);
    assert_eq!(cat.indexes().count(), 6000);
    assert_eq!(cat.foreign_keys_of(&q("u17")).count(), 0);
    assert_eq!(cat.indexes_of(&q("u17")).count(), 2);
}

#[test]
fn pg_dump_schema_output() {
    let cat = catalog(
        "SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.shop_book (
    id bigint NOT NULL,
    title character varying(200) NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    author_id integer
);
ALTER TABLE public.shop_book ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.shop_book_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);
CREATE TABLE public.shop_author (id integer NOT NULL);
CREATE SEQUENCE public.shop_author_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.shop_author_id_seq OWNED BY public.shop_author.id;
ALTER TABLE ONLY public.shop_author ALTER COLUMN id SET DEFAULT nextval('public.shop_author_id_seq'::regclass);
CREATE TABLE public.ev (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.ev_2024 (id bigint NOT NULL, at date NOT NULL);
ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE ONLY public.shop_author ADD CONSTRAINT shop_author_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.shop_book ADD CONSTRAINT shop_book_pkey PRIMARY KEY (id);
CREATE INDEX shop_book_author_id_82b8ab51 ON public.shop_book USING btree (author_id);
CREATE INDEX ev_at_idx ON ONLY public.ev USING btree (at);
CREATE INDEX ev_2024_at_idx ON public.ev_2024 USING btree (at);
ALTER INDEX public.ev_at_idx ATTACH PARTITION public.ev_2024_at_idx;
ALTER TABLE ONLY public.shop_book
    ADD CONSTRAINT shop_book_author_id_82b8ab51_fk_shop_author_id FOREIGN KEY (author_id) REFERENCES public.shop_author(id) DEFERRABLE INITIALLY DEFERRED;
",
    );
    assert_dump(
        &cat,
        "
        table ev partitioned by Range (at)
          id bigint not null
          at date not null
        table ev_2024 partition of ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
          id bigint not null
          at date not null
        table shop_author
          id integer not null default nextval('public.shop_author_id_seq'::regclass)
          constraint shop_author_pkey PRIMARY KEY (id) index=shop_author_pkey
        table shop_book
          id bigint not null identity=ByDefault
          title varchar(200) not null
          created timestamptz not null default now()
          author_id integer
          constraint shop_book_pkey PRIMARY KEY (id) index=shop_book_pkey
          constraint shop_book_author_id_82b8ab51_fk_shop_author_id FOREIGN KEY (author_id) REFERENCES shop_author (id) DEFERRABLE INITIALLY DEFERRED
        index ev_2024_at_idx on ev_2024 using btree (at) attached_to=ev_at_idx
        index ev_at_idx on ev using btree (at) only
        index shop_author_pkey on shop_author using btree (id) unique constraint=shop_author_pkey
        index shop_book_author_id_82b8ab51 on shop_book using btree (author_id)
        index shop_book_pkey on shop_book using btree (id) unique constraint=shop_book_pkey
        ",
    );
}

#[test]
fn drop_constraint_cascade_drops_dependent_foreign_keys() {
    let mut cat = catalog(
        "CREATE TABLE p (id int, code text, CONSTRAINT p_pk PRIMARY KEY (id), CONSTRAINT p_code UNIQUE (code));
         CREATE TABLE c (p_id int REFERENCES p, p_code text REFERENCES p (code));",
    );
    replay(&mut cat, 0, "ALTER TABLE p DROP CONSTRAINT p_pk CASCADE;");
    let fks: Vec<&str> = cat
        .foreign_keys_of(&q("c"))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(fks, ["c_p_code_fkey"]);
    assert!(cat.index(&q("p_pk")).is_none());
    replay(&mut cat, 0, "ALTER TABLE p DROP CONSTRAINT p_code;");
    assert!(cat.index(&q("p_code")).is_none());
    assert_eq!(cat.foreign_keys_of(&q("c")).count(), 1);
}

#[test]
fn add_column_with_inline_constraints() {
    let cat = catalog(
        "CREATE TABLE p (id bigint PRIMARY KEY);
         CREATE TABLE t (a int);
         ALTER TABLE t ADD COLUMN id bigint PRIMARY KEY, ADD COLUMN p_id bigint NOT NULL REFERENCES p DEFERRABLE INITIALLY DEFERRED, ADD COLUMN code text UNIQUE CHECK (code <> '');",
    );
    assert_dump(
        &cat,
        "
        table p
          id bigint not null
          constraint p_pkey PRIMARY KEY (id) index=p_pkey
        table t
          a integer
          id bigint not null
          p_id bigint not null
          code text
          constraint t_pkey PRIMARY KEY (id) index=t_pkey
          constraint t_p_id_fkey FOREIGN KEY (p_id) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED
          constraint t_code_key UNIQUE (code) index=t_code_key
          constraint t_code_check CHECK code <> '' on (code)
        index p_pkey on p using btree (id) unique constraint=p_pkey
        index t_code_key on t using btree (code) unique constraint=t_code_key
        index t_pkey on t using btree (id) unique constraint=t_pkey
        ",
    );
}

/// The catalog's private maps agree with the objects.
fn check_invariants(cat: &Catalog) {
    cat.indexes.assert_consistent();
    for idx in cat.indexes() {
        let name = &idx.name;
        if let Some(c) = &idx.constraint {
            let t = cat
                .tables
                .get(&idx.table)
                .expect("constraint index without table");
            let con = t.constraint(c).expect("index names a missing constraint");
            assert_eq!(con.index.as_ref(), Some(name));
        }
    }
    for (name, t) in &cat.tables {
        assert_eq!(name, &t.name);
        for c in &t.constraints {
            if let Some(i) = &c.index {
                assert_eq!(
                    cat.index(i).and_then(|x| x.constraint.as_deref()),
                    Some(c.name.as_str())
                );
            }
            if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
                assert!(cat.referenced_by[references].contains(name));
            }
        }
        if let Some(p) = &t.partition_of {
            assert!(cat.partitions[&p.parent].contains(name));
        }
    }
    for (parent, children) in &cat.partitions {
        for c in children {
            if let Some(t) = cat.tables.get(c) {
                assert_eq!(t.partition_of.as_ref().map(|p| &p.parent), Some(parent));
            }
        }
    }
}

#[test]
fn invariants_hold_after_every_statement_in_any_order() {
    let sql = [
        DJANGO_BOOK,
        "CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, other int);
         CREATE TABLE c (id int PRIMARY KEY, p_code text REFERENCES p (code), p_id int REFERENCES p);
         CREATE INDEX p_code_other ON p (other, code);
         ALTER TABLE p DROP COLUMN code;
         ALTER TABLE p RENAME TO p2; ALTER TABLE p2 SET SCHEMA s; ALTER TABLE s.p2 RENAME COLUMN id TO pk;
         CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE m2 (id int, at date);
         ALTER TABLE m ATTACH PARTITION m2 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         ALTER TABLE m RENAME TO mm; ALTER TABLE m1 RENAME TO mm1;
         ALTER TABLE mm DETACH PARTITION m2;
         CREATE UNIQUE INDEX u ON c (id); ALTER TABLE c ADD CONSTRAINT cu UNIQUE USING INDEX u;
         ALTER INDEX cu RENAME TO cu2; ALTER TABLE c RENAME CONSTRAINT cu2 TO cu3;
         ALTER TABLE c DROP CONSTRAINT c_pkey CASCADE; DROP INDEX cu3 CASCADE;
         DROP TABLE s.p2 CASCADE; DROP TABLE mm;
         CREATE TABLE c (x int); DROP TABLE c; DROP TABLE shop_author CASCADE;",
    ];
    let m: Vec<_> = sql
        .iter()
        .map(|s| parse_file(SourceFile::new("t.sql", *s)))
        .collect();
    let nodes: Vec<(&NodeEnum, Span)> = m
        .iter()
        .flat_map(|m| m.statements.iter())
        .filter_map(|s| s.node().map(|n| (n, s.span)))
        .collect();
    let origin = |span| Origin {
        file: FileId(0),
        span,
    };
    // In order, reversed, and strided (statements repeat or go missing): nothing panics and the maps stay consistent.
    let mut orders: Vec<Vec<usize>> = vec![(0..nodes.len()).collect()];
    orders.push((0..nodes.len()).rev().collect());
    for shift in [7, 13, 29] {
        orders.push(
            (0..nodes.len())
                .map(|i| (i * shift + 3) % nodes.len())
                .collect(),
        );
    }
    for order in orders {
        let mut cat = Catalog::default();
        for _ in 0..2 {
            for &i in &order {
                cat.apply(nodes[i].0, origin(nodes[i].1));
                check_invariants(&cat);
            }
        }
    }
}
