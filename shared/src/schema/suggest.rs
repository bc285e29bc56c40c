//! "Did you mean ...?": the known key a mistyped one most likely meant.

/// The known key a mistyped key most likely meant: one that contains it or is contained in it
/// (`tags` → `amiTags`, `launchPermissions` → `launchPermission`), else the closest by edit distance.
pub fn nearest(
    unknown: &str,
    known: impl Iterator<Item = &'static str> + Clone,
) -> Option<&'static str> {
    let lower = unknown.to_ascii_lowercase();
    let contained = known
        .clone()
        .filter(|k| {
            let k = k.to_ascii_lowercase();
            k.contains(&lower) || lower.contains(&k)
        })
        .min_by_key(|k| k.len().abs_diff(unknown.len()));
    if contained.is_some() {
        return contained;
    }
    let limit = (unknown.len() / 3).max(2);
    known
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_containing_key_before_edit_distance() {
        let keys = [
            "name",
            "description",
            "amiTags",
            "kmsKeyId",
            "launchPermission",
        ];
        assert_eq!(nearest("tags", keys.iter().copied()), Some("amiTags"));
        assert_eq!(
            nearest("launchPermissions", keys.iter().copied()),
            Some("launchPermission")
        );
        assert_eq!(
            nearest("descrption", keys.iter().copied()),
            Some("description")
        );
        assert_eq!(nearest("zzzzzzzz", keys.iter().copied()), None);
    }
}
