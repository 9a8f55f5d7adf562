//! Postgres's names for unnamed objects (`makeObjectName` / `ChooseRelationName`):
//! `{table}_pkey`, `{table}_{cols}_key`, `{table}_{cols}_fkey`, `{table}_{col}_check`,
//! `{table}_{cols}_excl`, `{table}_{cols}_idx`, shortened to 63 bytes, with a number
//! appended to the label while the name is taken.

/// NAMEDATALEN - 1.
pub const MAX_IDENT: usize = 63;

/// The byte length of the longest prefix of `s` of at most `n` bytes on a char boundary.
fn clip(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `makeObjectName`: `name1[_name2][_label]`, shortening the longer of name1/name2 first.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    let mut name2chars = 0;
    if let Some(n2) = name2 {
        name2chars = n2.len();
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let avail = MAX_IDENT.saturating_sub(overhead);
    let mut name1chars = name1.len();
    while name1chars + name2chars > avail {
        if name1chars > name2chars {
            name1chars -= 1;
        } else {
            name2chars -= 1;
        }
    }
    let mut out = clip(name1, name1chars).to_string();
    if let Some(n2) = name2 {
        out.push('_');
        out.push_str(clip(n2, name2chars));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// `ChooseRelationName` / `ChooseConstraintName`: the first free name among `label`,
/// `label1`, `label2`, …
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    choose_name_from(name1, name2, label, 0, taken).0
}

/// [`choose_name`] for a caller that knows every candidate before pass `from` is taken (pass
/// 0 is `label`, pass k is `label{k}`): returns the name and its pass. Without the hint, the
/// n-th unnamed index on the same columns would probe n names.
pub fn choose_name_from(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    from: u32,
    taken: impl Fn(&str) -> bool,
) -> (String, u32) {
    if from == 0 {
        let first = make_object_name(name1, name2, label);
        if !taken(&first) {
            return (first, 0);
        }
    }
    // Terminates: only finitely many names are taken.
    let mut pass = from.max(1);
    loop {
        let candidate = make_object_name(name1, name2, &format!("{label}{pass}"));
        if !taken(&candidate) {
            return (candidate, pass);
        }
        pass = pass.saturating_add(1);
    }
}

/// Column names joined by `_`, as Postgres builds the middle part of index and FK names.
pub fn column_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c.as_ref());
        if out.len() > MAX_IDENT {
            break;
        }
    }
    out
}
