//! Growing lists by a quarter instead of doubling. Lists that live until the end of a run (the
//! findings, a table's columns and constraints in the catalog) would otherwise keep up to half
//! of their room unused; a quarter still keeps pushes amortised O(1).

/// Pushes `item`, growing a full `list` by a quarter (at least `min` items).
pub fn push_gently<T>(list: &mut Vec<T>, item: T, min: usize) {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 4).max(min));
    }
    list.push(item);
}

/// [`push_gently`] for every item.
pub fn extend_gently<T>(list: &mut Vec<T>, items: impl Iterator<Item = T>, min: usize) {
    for item in items {
        push_gently(list, item, min);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_by_a_quarter() {
        let mut v: Vec<u32> = vec![0; 100];
        v.shrink_to_fit();
        push_gently(&mut v, 1, 1);
        assert_eq!(v.capacity(), 125);
        let mut w: Vec<u32> = Vec::new();
        extend_gently(&mut w, 0..3, 1);
        assert_eq!((w.len(), w.capacity()), (3, 3));
    }
}
