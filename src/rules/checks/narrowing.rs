//! Type changes that can fail on existing values: the new type cannot hold every value of the
//! old one (a shorter varchar, a smaller integer, text parsed as a number).

/// Which existing values `new` cannot take from `old`, in words; `None` when every value fits.
pub fn narrowing(old: &str, new: &str) -> Option<&'static str> {
    let length = |t: &str, base: &str| -> Option<Option<u32>> {
        let rest = t.strip_prefix(base)?;
        if rest.is_empty() {
            return Some(None);
        }
        rest.strip_prefix('(')?
            .strip_suffix(')')?
            .trim()
            .parse()
            .ok()
            .map(Some)
    };
    let text_len = |t: &str| -> Option<Option<u32>> {
        if t == "text" {
            return Some(None);
        }
        length(t, "varchar").or_else(|| length(t, "char"))
    };
    if let (Some(o), Some(Some(n))) = (text_len(old), text_len(new)) {
        return match o {
            Some(o) if o <= n => None,
            _ => Some("a longer value"),
        };
    }
    let int_rank = |t: &str| match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        _ => None,
    };
    if let (Some(o), Some(n)) = (int_rank(old), int_rank(new)) {
        return (n < o).then_some("a value out of the new range");
    }
    if let (Some((op, os)), Some((np, ns))) = (numeric(old), numeric(new)) {
        // Fewer decimal places round; fewer digits before the point fail.
        return (np - ns < op - os).then_some("a value with more digits before the decimal point");
    }
    let is_text = text_len(old).is_some();
    let parsed = matches!(
        canonical(new),
        "smallint"
            | "integer"
            | "bigint"
            | "numeric"
            | "real"
            | "double precision"
            | "boolean"
            | "uuid"
            | "date"
            | "timestamp"
            | "timestamptz"
            | "time"
            | "json"
            | "jsonb"
            | "inet"
    );
    (is_text && parsed).then_some("a value that does not parse as the new type")
}

/// `numeric(p, s)` → `(p, s)`.
fn numeric(t: &str) -> Option<(i64, i64)> {
    let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
    let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
    Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
}

/// The type without its modifier: `numeric(10, 2)` → `numeric`.
fn canonical(t: &str) -> &str {
    t.split('(').next().unwrap_or(t).trim()
}

#[cfg(test)]
mod tests {
    use super::narrowing;

    #[test]
    fn knows_which_changes_can_fail() {
        assert!(narrowing("varchar(100)", "varchar(50)").is_some());
        assert!(narrowing("text", "varchar(50)").is_some());
        assert!(narrowing("varchar", "varchar(50)").is_some());
        assert!(narrowing("varchar(50)", "varchar(100)").is_none());
        assert!(narrowing("varchar(50)", "text").is_none());
        assert!(narrowing("bigint", "integer").is_some());
        assert!(narrowing("integer", "bigint").is_none());
        assert!(narrowing("numeric(10, 2)", "numeric(8, 2)").is_some());
        assert!(narrowing("numeric(10, 2)", "numeric(12, 2)").is_none());
        assert!(narrowing("varchar(20)", "integer").is_some());
        assert!(narrowing("text", "jsonb").is_some());
        assert!(narrowing("integer", "text").is_none());
        assert!(narrowing("timestamp", "timestamptz").is_none());
    }
}
