//! Sorting with a single copy of the standard library's sort in the program.
//!
//! `slice::sort_unstable_by` is generic over the element and the comparison, so every call site
//! with its own types compiles its own copy of the sort: 2 to 4 KB of wasm each, and the npm
//! package had 29 of them (64 KB). These helpers sort a permutation of indices with the
//! comparison behind `&dyn Fn`, which is one instance of the sort for the whole program, and
//! then move the elements into place with a short generic loop. The indirection costs a call per
//! comparison, which is small beside the path comparisons that dominate every sort here.
//!
//! Equal elements may end in any order, as with `sort_unstable_by`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` by `compare`.
pub fn sort_by<T>(v: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = permutation(v.len(), &|a, b| compare(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().map(|i| {
        slots[i as usize]
            .take()
            .expect("a permutation names every index exactly once")
    }));
}

/// Sorts `v` by its elements' order.
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// Sorts `v` by `compare` and removes consecutive equal elements (by `Eq`), leaving each value
/// once.
pub fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    sort(v);
    v.dedup();
}

/// Collecting into a B-tree without a sort. `collect()` into a `BTreeMap` or `BTreeSet` sorts
/// its input with the standard stable sort first, another copy of a sort for every key type;
/// inserting one by one uses the tree's own `insert`, which each of these types has anyway.
/// Inputs here are small or already in key order, where inserting costs about the same.
pub trait CollectTree: Iterator + Sized {
    /// Collects `(key, value)` pairs into a map; a later pair replaces an earlier one with the
    /// same key, as with `collect()`.
    fn collect_map<K: Ord, V>(self) -> BTreeMap<K, V>
    where
        Self: Iterator<Item = (K, V)>,
    {
        let mut map = BTreeMap::new();
        map.extend(self);
        map
    }

    /// Collects values into a set.
    fn collect_set<T: Ord>(self) -> BTreeSet<T>
    where
        Self: Iterator<Item = T>,
    {
        let mut set = BTreeSet::new();
        set.extend(self);
        set
    }
}

impl<I: Iterator> CollectTree for I {}

/// The order of `0..len` under `compare`: the one place the standard sort is instantiated.
#[inline(never)]
fn permutation(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let len = u32::try_from(len).expect("a list to sort holds fewer than 2^32 elements");
    let mut order: Vec<u32> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| compare(a as usize, b as usize));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_orders_every_element_and_keeps_each_one() {
        let mut v: Vec<String> = ["b/c", "a", "b", "a/z", "", "b/a"]
            .into_iter()
            .map(String::from)
            .collect();
        sort(&mut v);
        assert_eq!(v, ["", "a", "a/z", "b", "b/a", "b/c"]);
    }

    #[test]
    fn sorting_by_a_key_uses_that_key_only() {
        let mut v = vec![(3, 'x'), (1, 'y'), (2, 'z'), (1, 'y')];
        sort_by(&mut v, |a, b| b.0.cmp(&a.0));
        assert_eq!(v, [(3, 'x'), (2, 'z'), (1, 'y'), (1, 'y')]);
    }

    #[test]
    fn sort_dedup_leaves_each_value_once() {
        let mut v = vec![5, 1, 5, 3, 1, 1];
        sort_dedup(&mut v);
        assert_eq!(v, [1, 3, 5]);
    }

    #[test]
    fn collecting_a_map_keeps_the_last_value_of_a_repeated_key_like_collect() {
        let pairs = [(2, "b"), (1, "a"), (2, "c")];
        let ours = pairs.into_iter().collect_map();
        let std: BTreeMap<_, _> = pairs.into_iter().collect();
        assert_eq!(ours, std);
        assert_eq!(ours[&2], "c");
        assert_eq!([3, 1, 3].into_iter().collect_set(), BTreeSet::from([1, 3]));
    }

    #[test]
    fn empty_and_single_lists_are_left_as_they_are() {
        let mut empty: Vec<u8> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort(&mut one);
        assert_eq!(one, [7]);
    }

    proptest::proptest! {
        #[test]
        fn sorting_gives_what_the_standard_sort_gives(mut v in proptest::collection::vec(0u16..50, 0..200)) {
            let mut expected = v.clone();
            expected.sort();
            sort(&mut v);
            proptest::prop_assert_eq!(v, expected);
        }
    }
}
