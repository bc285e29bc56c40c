use std::collections::HashSet;
use std::hash::Hash;

/// Keeps the first item of each key, in order: a target named twice is one target.
pub fn unique_by<T, K: Eq + Hash>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(key(item)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unique_by;

    #[test]
    fn first_of_each_key_in_order() {
        let kept = unique_by(
            [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5)],
            |(k, _)| *k,
        );
        assert_eq!(kept, [("a", 1), ("b", 2), ("c", 4)]);
    }
}
