use super::*;
use crate::parse::parse_file;
use crate::source::SourceFile;

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
                        format!("({})", i.key_exprs[n].clone().unwrap_or_default())
                    }
                };
                if let Some(o) = &i.opclasses[n] {
                    s.push(' ');
                    s.push_str(o);
                }
                if i.descending[n] {
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
