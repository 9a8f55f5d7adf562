//! `{placeholder}` filling for rule texts.

/// Replaces each `{name}` with its value; `{{` and `}}` stand for literal braces. A
/// placeholder without a value is kept as written, and the rule tests catch it.
pub fn fill(template: &str, vars: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    // memchr's vectorised search: rule texts are filled for every finding, and a byte loop
    // over them was 5 % of a run's instructions with every rule on.
    while let Some(i) = memchr::memchr2(b'{', b'}', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{')
            && let Some(end) = memchr::memchr(b'}', tail.as_bytes())
            && let Some((_, value)) = vars.iter().find(|(k, _)| *k == &tail[1..end])
        {
            out.push_str(value);
            rest = &tail[end + 1..];
            continue;
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders a text uses.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        match tail.find('}') {
            Some(end) => {
                out.push(&tail[1..end]);
                rest = &tail[end + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_and_keeps_unknown() {
        let vars = vec![("table", "shop_book".to_string())];
        assert_eq!(
            fill("lock {table} ({mode}) {{x}}", &vars),
            "lock shop_book ({mode}) {x}"
        );
        assert_eq!(
            placeholders("a {table} b {{no}} {mode}"),
            vec!["table", "mode"]
        );
    }
}
