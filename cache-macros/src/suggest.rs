//! "Did you mean ...?" for misspelt argument and option names.

/// The candidate closest to `typo`, if it is close enough to be a plausible misspelling.
pub(crate) fn closest<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let allowed = (typo.chars().count() / 3).max(1);
    let close = candidates
        .iter()
        .map(|candidate| (edit_distance(typo, candidate), *candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    // Else a shortened or lengthened name (`org` for `org_id`), if only one candidate fits.
    close.or_else(|| {
        let mut words = candidates
            .iter()
            .copied()
            .filter(|candidate| extends(candidate, typo) || extends(typo, candidate));
        match (words.next(), words.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

/// Whether `long` is `short` with `_`-separated words added before or after it.
fn extends(long: &str, short: &str) -> bool {
    !short.is_empty()
        && (long
            .strip_prefix(short)
            .is_some_and(|rest| rest.starts_with('_'))
            || long
                .strip_suffix(short)
                .is_some_and(|rest| rest.ends_with('_')))
}

/// Edit distance over chars, counting a swap of two adjacent chars as one edit (`cahce`, `tlt`),
/// as well as insertions, deletions and substitutions (optimal string alignment distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows i-2, i-1 and i of the distance table.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut distance = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                distance = distance.min(before[j - 2] + 1);
            }
            current[j] = distance;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{closest, edit_distance};

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("servce_id", "service_id"), 1);
        assert_eq!(edit_distance("cahce", "cache"), 1);
        assert_eq!(edit_distance("tll", "ttl"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(closest("cahce", ["ttl", "cache", "crate"]), Some("cache"));
        assert_eq!(closest("tll", ["ttl", "cache", "crate"]), Some("ttl"));
        assert_eq!(closest("expire", ["cache", "crate"]), None);
        assert_eq!(closest("zone", ["organisation_id"]), None);
        assert_eq!(closest("org", ["org_id", "name"]), Some("org_id"));
        assert_eq!(closest("service", ["service_id"]), Some("service_id"));
        assert_eq!(closest("org_id_value", ["org_id"]), Some("org_id"));
        assert_eq!(closest("id", ["org_id", "service_id"]), None);
    }
}
