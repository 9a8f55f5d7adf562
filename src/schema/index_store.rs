//! The catalog's indexes, stored so that the questions checks ask for every new index stay
//! cheap on a table with thousands of them: "the table's indexes" without a name lookup per
//! index, and "earlier indexes that start with the same keys" without walking them all.

use super::fast_hash::{FastMap, FxHasher};
use std::hash::{Hash, Hasher};

use super::{Index, QualifiedName};

/// A slot in [`IndexStore::slots`]. Slots are never reused, so their order is the order in
/// which indexes were stored.
type Slot = u32;

#[derive(Debug, Clone, Default)]
pub struct IndexStore {
    /// Every index stored so far; `None` once removed.
    slots: Vec<Option<Box<Index>>>,
    by_name: FastMap<QualifiedName, Slot>,
    /// A table's indexes, in the order they were stored.
    by_table: FastMap<QualifiedName, Vec<Slot>>,
    /// [`leading_keys_hash`] of every prefix of every index's keys → the indexes with it, in
    /// the order they were stored.
    by_leading_keys: FastMap<u64, Vec<Slot>>,
    /// The most keys any stored index has had.
    max_keys: usize,
}

/// What two indexes must share for one to duplicate, or to be a redundant prefix of, the
/// other: table, method, predicate, the first `prefix` key texts, and `total` keys in all.
/// Only a filter: the checks compare the candidates in full.
fn leading_keys_hash(ix: &Index, prefix: usize, total: usize) -> u64 {
    let mut h = FxHasher::default();
    ix.table.hash(&mut h);
    ix.method.hash(&mut h);
    ix.predicate.hash(&mut h);
    total.hash(&mut h);
    for i in 0..prefix {
        ix.key_text(i).hash(&mut h);
    }
    h.finish()
}

fn slot_of(index: usize) -> Slot {
    Slot::try_from(index).expect("fewer than 4 billion indexes")
}

impl IndexStore {
    pub fn get(&self, name: &QualifiedName) -> Option<&Index> {
        self.at(*self.by_name.get(name)?)
    }

    fn at(&self, slot: Slot) -> Option<&Index> {
        self.slots.get(slot as usize)?.as_deref()
    }

    pub fn contains(&self, name: &QualifiedName) -> bool {
        self.by_name.contains_key(name)
    }

    /// Every index, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Index> {
        let mut all: Vec<&Index> = self.by_name.values().filter_map(|&s| self.at(s)).collect();
        all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        all.into_iter()
    }

    /// The indexes of `table`, in the order they were stored.
    pub fn of_table<'a>(
        &'a self,
        table: &QualifiedName,
    ) -> impl DoubleEndedIterator<Item = &'a Index> + 'a {
        self.by_table
            .get(table)
            .into_iter()
            .flatten()
            .filter_map(|&s| self.at(s))
    }

    pub fn count_of(&self, table: &QualifiedName) -> usize {
        self.by_table.get(table).map_or(0, Vec::len)
    }

    /// Names of `table`'s indexes, in the order they were stored.
    pub fn names_of(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        self.of_table(table).map(|i| i.name.clone()).collect()
    }

    /// Indexes stored before `ix` whose first `prefix` keys, table, method and predicate may
    /// match those of `ix`, among those with `total` keys; in the order they were stored.
    pub fn earlier_with_leading_keys<'a>(
        &'a self,
        ix: &Index,
        prefix: usize,
        total: usize,
    ) -> impl Iterator<Item = &'a Index> + 'a {
        let before = self.by_name.get(&ix.name).copied().unwrap_or(Slot::MAX);
        let key = (prefix <= ix.keys.len() && prefix <= total)
            .then(|| leading_keys_hash(ix, prefix, total));
        key.and_then(|k| self.by_leading_keys.get(&k))
            .into_iter()
            .flatten()
            .take_while(move |&&s| s < before)
            .filter_map(|&s| self.at(s))
    }

    /// Where `name` stands in the order indexes were stored (`u32::MAX` when absent).
    pub fn order(&self, name: &QualifiedName) -> Slot {
        self.by_name.get(name).copied().unwrap_or(Slot::MAX)
    }

    /// The most keys any index stored so far has had.
    pub fn max_keys(&self) -> usize {
        self.max_keys
    }

    /// Stores `idx`, replacing an index of the same name.
    pub fn insert(&mut self, idx: Index) {
        self.remove(&idx.name);
        let slot = slot_of(self.slots.len());
        self.slots.push(None);
        self.link(slot, idx);
    }

    pub fn remove(&mut self, name: &QualifiedName) -> Option<Index> {
        let slot = *self.by_name.get(name)?;
        self.unlink(slot)
    }

    /// Removes every index of `table`, returning them in the order they were stored.
    pub fn remove_table(&mut self, table: &QualifiedName) -> Vec<Index> {
        self.by_table
            .get(table)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|slot| self.unlink(slot))
            .collect()
    }

    /// Changes the index called `name` (its name and table included), keeping its slot and
    /// so its place in its table's order.
    pub fn update(&mut self, name: &QualifiedName, change: impl FnOnce(&mut Index)) {
        let Some(&slot) = self.by_name.get(name) else {
            return;
        };
        if let Some(mut idx) = self.unlink(slot) {
            change(&mut idx);
            self.link(slot, idx);
        }
    }

    /// Puts `idx` in the empty `slot` and files it under its name, table and leading keys.
    fn link(&mut self, slot: Slot, idx: Index) {
        self.by_name.insert(idx.name.clone(), slot);
        insert_sorted(self.by_table.entry(idx.table.clone()).or_default(), slot);
        let n = idx.keys.len();
        self.max_keys = self.max_keys.max(n);
        for prefix in 1..=n {
            let list = self
                .by_leading_keys
                .entry(leading_keys_hash(&idx, prefix, n))
                .or_default();
            insert_sorted(list, slot);
        }
        self.slots[slot as usize] = Some(Box::new(idx));
    }

    /// Empties `slot` and takes its index out of every map.
    fn unlink(&mut self, slot: Slot) -> Option<Index> {
        let idx = *self.slots.get_mut(slot as usize)?.take()?;
        self.by_name.remove(&idx.name);
        if let Some(list) = self.by_table.get_mut(&idx.table) {
            list.retain(|&s| s != slot);
            if list.is_empty() {
                self.by_table.remove(&idx.table);
            }
        }
        let n = idx.keys.len();
        for prefix in 1..=n {
            let key = leading_keys_hash(&idx, prefix, n);
            if let Some(list) = self.by_leading_keys.get_mut(&key) {
                list.retain(|&s| s != slot);
                if list.is_empty() {
                    self.by_leading_keys.remove(&key);
                }
            }
        }
        Some(idx)
    }

    /// Every map agrees with the indexes themselves (for tests).
    #[cfg(test)]
    pub fn assert_consistent(&self) {
        for (name, &slot) in &self.by_name {
            let idx = self.at(slot).expect("a named slot holds an index");
            assert_eq!(name, &idx.name);
            assert!(
                self.by_table[&idx.table].contains(&slot),
                "{name} missing from its table's list"
            );
            let n = idx.keys.len();
            for prefix in 1..=n {
                assert!(self.by_leading_keys[&leading_keys_hash(idx, prefix, n)].contains(&slot));
            }
        }
        let live = self.slots.iter().filter(|s| s.is_some()).count();
        assert_eq!(live, self.by_name.len());
        for (table, list) in &self.by_table {
            assert!(!list.is_empty() && list.is_sorted());
            for &s in list {
                assert_eq!(&self.at(s).expect("listed slot is live").table, table);
            }
        }
        for list in self.by_leading_keys.values() {
            assert!(!list.is_empty() && list.is_sorted());
        }
    }
}

/// Adds `slot` to a list kept in slot order (a new slot goes last at once).
fn insert_sorted(list: &mut Vec<Slot>, slot: Slot) {
    let at = list.partition_point(|&s| s < slot);
    list.insert(at, slot);
}
