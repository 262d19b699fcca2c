//! IPv6 prefix-set algorithms that decide whether a config's routes capture all IPv6 traffic.
//!
//! [`PrefixSet`] answers coverage and uncovered-remainder questions, and
//! [`find_redundant`] finds routes made pointless by duplicates or wider routes.
//!
//! Prefixes are handled as inclusive `u128` address ranges, so every operation is
//! plain integer arithmetic; the only care needed is at `u128::MAX`, where `last + 1`
//! does not exist.

use ipnet::{Ipv6Net, Ipv6Subnets};

/// A set of IPv6 addresses stored as sorted, disjoint ranges of `u128`, with
/// overlapping and adjacent ranges merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixSet {
    /// Inclusive `(first, last)` ranges. Merging adjacent ranges keeps each covered
    /// region in one piece, so a prefix is covered exactly when one range holds it.
    ranges: Vec<(u128, u128)>,
}

impl PrefixSet {
    /// Returns the empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the union of `iter` in O(n log n) by sorting the ranges and merging them in place.
    #[must_use]
    pub fn from_prefixes<I: IntoIterator<Item = Ipv6Net>>(iter: I) -> Self {
        let iter = iter.into_iter();
        // Room for the most the iterator can give (a filtered list gives an upper bound), so
        // the list is not copied while it grows; room never filled costs no memory.
        let (low, high) = iter.size_hint();
        let mut ranges: Vec<(u128, u128)> = Vec::with_capacity(high.unwrap_or(low));
        ranges.extend(iter.map(|net| bounds(&net)));
        ranges.sort_unstable();
        ranges.dedup_by(|(first, last), prev| {
            // A range that ends at `u128::MAX` absorbs everything after it, which
            // `checked_add` returning `None` expresses without overflowing.
            let joins = prev.1.checked_add(1).is_none_or(|next| *first <= next);
            if joins {
                prev.1 = prev.1.max(*last);
            }
            joins
        });
        Self { ranges }
    }

    /// Returns whether every address of `net` is in the set, in O(log n).
    #[must_use]
    pub fn covers(&self, net: &Ipv6Net) -> bool {
        let (first, last) = bounds(net);
        // The only range that can hold `first` is the last one starting at or before it.
        let after = self.ranges.partition_point(|&(start, _)| start <= first);
        after > 0 && self.ranges[after - 1].1 >= last
    }

    /// Returns the part of `net` not in the set as the fewest, largest prefixes, sorted by
    /// address, one at a time: routes scattered over a wide prefix leave millions of them.
    ///
    /// Each gap between covered ranges is converted separately; gaps are never
    /// adjacent, so no prefix from one gap could merge with a prefix from another.
    pub fn uncovered(&self, net: &Ipv6Net) -> impl Iterator<Item = Ipv6Net> + '_ {
        let (first, last) = bounds(net);
        let start = self.ranges.partition_point(|&(_, end)| end < first);
        let mut ranges = self.ranges[start..].iter();
        // `cursor` is the first address of `net` not yet accounted for; `None` means
        // the covered part ran through `u128::MAX`, so nothing is left.
        let mut cursor = Some(first);
        let gaps = std::iter::from_fn(move || {
            loop {
                let gap_first = cursor.filter(|&gap_first| gap_first <= last)?;
                match ranges.next() {
                    Some(&(range_first, range_last)) if range_first <= last => {
                        cursor = range_last.checked_add(1);
                        if range_first > gap_first {
                            return Some((gap_first, range_first - 1));
                        }
                    }
                    _ => {
                        cursor = None;
                        return Some((gap_first, last));
                    }
                }
            }
        });
        gaps.flat_map(|(gap_first, gap_last)| range_to_prefixes(gap_first, gap_last))
    }

    /// Returns the part of `net` that is in the set as the fewest, largest prefixes, sorted by
    /// address, one at a time.
    pub fn covered_within(&self, net: &Ipv6Net) -> impl Iterator<Item = Ipv6Net> + '_ {
        let (first, last) = bounds(net);
        let start = self.ranges.partition_point(|&(_, end)| end < first);
        self.ranges[start..]
            .iter()
            .take_while(move |&&(range_first, _)| range_first <= last)
            .flat_map(move |&(range_first, range_last)| {
                range_to_prefixes(range_first.max(first), range_last.min(last))
            })
    }

    /// Returns whether the set holds no addresses.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// Converts an inclusive address range into the minimal list of CIDR prefixes, sorted by
/// address (ipnet's [`Ipv6Subnets`]). An empty range (`first > last`) gives none.
pub fn range_to_prefixes(first: u128, last: u128) -> impl Iterator<Item = Ipv6Net> {
    let range = (first <= last).then(|| Ipv6Subnets::new(first.into(), last.into(), 0));
    range.into_iter().flatten()
}

/// One redundant item reported by [`find_redundant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redundant {
    /// The caller's index of the redundant item.
    pub index: usize,
    /// The caller's index of an item that contains it.
    pub container: usize,
    /// Whether the item is an exact duplicate of `container` rather than strictly inside it.
    pub exact: bool,
}

/// Reports each redundant item of `items`, sorted by index.
///
/// Items are `(key, index, prefix)`, and only items with equal keys (the same gateway and
/// metric) make each other redundant. An exact duplicate points to the first occurrence, that
/// is the one with the smallest index; any other item inside another prefix points to the
/// first occurrence of its outermost container.
///
/// Runs in O(n log n) and sorts `items` in place, with no copy: two prefixes are either nested
/// or disjoint, so after sorting by key, start address and then length, a single sweep that
/// remembers the current outermost prefix sees every container before what it contains.
#[must_use]
pub fn find_redundant<K: Ord + Copy>(items: &mut [(K, usize, Ipv6Net)]) -> Vec<Redundant> {
    for item in items.iter_mut() {
        item.2 = item.2.trunc();
    }
    items.sort_unstable_by_key(|&(key, index, net)| {
        (key, u128::from(net.network()), net.prefix_len(), index)
    });

    let mut redundant = Vec::new();
    // The first occurrence of the previous distinct prefix; duplicates sort next to it.
    let mut run: Option<(K, Ipv6Net, usize)> = None;
    // The key, last address and index of the current outermost prefix.
    let mut outer: Option<(K, u128, usize)> = None;
    for &(key, index, net) in items.iter() {
        match run {
            Some((run_key, run_net, run_index)) if run_key == key && run_net == net => {
                redundant.push(Redundant {
                    index,
                    container: run_index,
                    exact: true,
                });
                continue;
            }
            _ => run = Some((key, net, index)),
        }

        let (first, last) = bounds(&net);
        match outer {
            Some((outer_key, outer_last, outer_index))
                if outer_key == key && first <= outer_last =>
            {
                redundant.push(Redundant {
                    index,
                    container: outer_index,
                    exact: false,
                });
            }
            _ => outer = Some((key, last, index)),
        }
    }
    redundant.sort_unstable_by_key(|r| r.index);
    redundant
}

/// Returns the inclusive address range of `net`, ignoring any host bits.
fn bounds(net: &Ipv6Net) -> (u128, u128) {
    let net = net.trunc();
    (u128::from(net.network()), u128::from(net.broadcast()))
}

/// At most this many uncovered prefixes are named in a message; the rest are counted.
pub const MAX_LISTED: usize = 8;

/// What the routes leave of the required prefixes. Routes scattered over a wide prefix can
/// leave millions of holes, so only the first few are kept.
pub struct Uncovered {
    /// The first holes, in address order: all of them when there are at most [`MAX_LISTED`].
    pub first: Vec<Ipv6Net>,
    /// How many holes there are in all.
    pub count: usize,
    /// The required prefixes that have holes.
    pub required: Vec<Ipv6Net>,
    /// For each of `required`, the few routed parts inside it, when there are at most
    /// [`MAX_EXCEPTIONS`] in each: "fc00::/7 except fd15:53b6:dead::/64" reads better than
    /// the dozens of holes around one routed /64.
    pub exceptions: Option<Vec<Vec<Ipv6Net>>>,
}

/// At most this many routed parts are named with "except".
pub const MAX_EXCEPTIONS: usize = 2;

impl Uncovered {
    pub fn find(covered: &PrefixSet, required: &[Ipv6Net]) -> Self {
        let mut found = Self {
            first: Vec::new(),
            count: 0,
            required: Vec::new(),
            exceptions: Some(Vec::new()),
        };
        for net in required {
            let before = found.count;
            for hole in covered.uncovered(net) {
                if found.first.len() < MAX_LISTED {
                    found.first.push(hole);
                }
                found.count += 1;
            }
            if found.count > before {
                found.required.push(*net);
                let routed: Vec<Ipv6Net> = covered
                    .covered_within(net)
                    .take(MAX_EXCEPTIONS + 1)
                    .collect();
                found.exceptions = found
                    .exceptions
                    .take()
                    .filter(|_| routed.len() <= MAX_EXCEPTIONS)
                    .map(|mut all| {
                        all.push(routed);
                        all
                    });
            }
        }
        found
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The holes for a message: `3000::/4`; `fc00::/7 except fd15:53b6:dead::/64` when a
    /// few routed parts leave many holes; else the first few and how many more.
    pub fn describe(&self) -> String {
        if let (true, Some(exceptions)) = (self.count > MAX_LISTED, &self.exceptions) {
            return self
                .required
                .iter()
                .zip(exceptions)
                .map(|(net, routed)| match routed.as_slice() {
                    [] => net.to_string(),
                    routed => format!("{net} except {}", join(routed).replace(", ", " and ")),
                })
                .collect::<Vec<_>>()
                .join(", ");
        }
        let listed = join(&self.first);
        match self.count - self.first.len() {
            0 => listed,
            1 => format!("{listed} and 1 more prefix"),
            more => format!("{listed} and {more} more prefixes"),
        }
    }
}

/// Prefixes as a list for messages: `2000::/4, 3000::/4`.
pub fn join(nets: &[Ipv6Net]) -> String {
    use std::fmt::Write;
    let mut list = String::new();
    for (i, net) in nets.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        write!(list, "{separator}{net}").expect("writing to a String does not fail");
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    use proptest::prelude::*;

    /// Returns a mask of the lowest `bits` bits; `bits` is at most 128.
    fn low_mask(bits: u32) -> u128 {
        // Shifting a `u128` by 128 overflows, so the empty mask is special-cased.
        u128::MAX.checked_shr(128 - bits).unwrap_or(0)
    }

    fn net(text: &str) -> Ipv6Net {
        text.parse().expect("test prefixes are valid")
    }

    fn nets(texts: &[&str]) -> Vec<Ipv6Net> {
        texts.iter().map(|text| net(text)).collect()
    }

    fn listed(first: u128, last: u128) -> Vec<Ipv6Net> {
        range_to_prefixes(first, last).collect()
    }

    fn set(texts: &[&str]) -> PrefixSet {
        PrefixSet::from_prefixes(nets(texts))
    }

    fn redundant(index: usize, container: usize, exact: bool) -> Redundant {
        Redundant {
            index,
            container,
            exact,
        }
    }

    #[test]
    fn removing_lower_half_leaves_upper_half() {
        assert_eq!(
            set(&["2000::/4"])
                .uncovered(&net("2000::/3"))
                .collect::<Vec<_>>(),
            nets(&["3000::/4"])
        );
    }

    #[test]
    fn both_halves_cover_parent() {
        let halves = set(&["2000::/4", "3000::/4"]);
        assert!(halves.covers(&net("2000::/3")));
        assert!(
            halves
                .uncovered(&net("2000::/3"))
                .collect::<Vec<_>>()
                .is_empty()
        );
    }

    #[test]
    fn default_route_covers_everything() {
        let all = set(&["::/0"]);
        for text in [
            "::/0",
            "2000::/3",
            "fc00::/7",
            "::/128",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ] {
            assert!(all.covers(&net(text)), "{text}");
            assert!(
                all.uncovered(&net(text)).collect::<Vec<_>>().is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn adjacent_prefixes_merge_into_one_range() {
        let halves = set(&["3000::/4", "2000::/4"]);
        assert_eq!(halves.ranges.len(), 1);
        assert!(halves.covers(&net("2000::/3")));
        assert!(!halves.covers(&net("::/2")));
    }

    #[test]
    fn redirect_gateway_ipv6_routes_cover_global_and_ula_space() {
        let routes = set(&["::/3", "2000::/4", "3000::/4", "fc00::/7"]);
        assert!(routes.covers(&net("2000::/3")));
        assert!(routes.covers(&net("fc00::/7")));
        assert!(routes.covers(&net("::/2")));
        assert!(!routes.covers(&net("::/0")));
        assert_eq!(
            routes.uncovered(&net("::/0")).collect::<Vec<_>>(),
            nets(&[
                "4000::/2", "8000::/2", "c000::/3", "e000::/4", "f000::/5", "f800::/6", "fe00::/7"
            ])
        );
    }

    #[test]
    fn uncovered_with_several_holes_returns_maximal_prefixes_in_order() {
        let routes = set(&["2001:db8::/34", "2001:db8:6000::/35", "2001:db8:c000::/36"]);
        assert_eq!(
            routes.uncovered(&net("2001:db8::/32")).collect::<Vec<_>>(),
            nets(&[
                "2001:db8:4000::/35",
                "2001:db8:8000::/34",
                "2001:db8:d000::/36",
                "2001:db8:e000::/35"
            ]),
        );
    }

    #[test]
    fn uncovered_ignores_ranges_outside_the_queried_prefix() {
        let routes = set(&["::/8", "2001:db8::/33", "fe80::/10"]);
        assert_eq!(
            routes.uncovered(&net("2001:db8::/32")).collect::<Vec<_>>(),
            nets(&["2001:db8:8000::/33"])
        );
    }

    #[test]
    fn empty_set_leaves_whole_prefix_uncovered() {
        let empty = PrefixSet::new();
        assert!(empty.is_empty());
        assert!(!empty.covers(&net("::/128")));
        for text in [
            "::/0",
            "2000::/3",
            "::/128",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ] {
            assert_eq!(
                empty.uncovered(&net(text)).collect::<Vec<_>>(),
                nets(&[text])
            );
        }
    }

    #[test]
    fn single_address_prefixes_at_both_ends() {
        let ends = set(&["::/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]);
        assert!(ends.covers(&net("::/128")));
        assert!(ends.covers(&net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")));
        assert!(!ends.covers(&net("::1/128")));
        assert_eq!(
            ends.uncovered(&net("::/126")).collect::<Vec<_>>(),
            nets(&["::1/128", "::2/127"])
        );

        let holes = ends.uncovered(&net("::/0")).collect::<Vec<_>>();
        assert_eq!(holes.len(), 2 * 127);
        assert_eq!(holes.first(), Some(&net("::1/128")));
        assert_eq!(
            holes.last(),
            Some(&net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"))
        );
    }

    #[test]
    fn ranges_ending_at_the_last_address_do_not_overflow() {
        let top = set(&[
            "ff00::/8",
            "fff0::/12",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        ]);
        assert_eq!(
            top.ranges,
            vec![(u128::from(net("ff00::/8").network()), u128::MAX)]
        );
        assert!(top.covers(&net("ffff::/16")));
        assert_eq!(
            top.uncovered(&net("f000::/4")).collect::<Vec<_>>(),
            nets(&["f000::/5", "f800::/6", "fc00::/7", "fe00::/8"])
        );
        assert!(
            top.uncovered(&net("ff00::/8"))
                .collect::<Vec<_>>()
                .is_empty()
        );
        assert_eq!(
            listed(u128::MAX, u128::MAX),
            nets(&["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"])
        );
        assert_eq!(
            listed(u128::MAX - 2, u128::MAX),
            nets(&[
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd/128",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"
            ])
        );
    }

    #[test]
    fn range_to_prefixes_known_cases() {
        assert_eq!(listed(0, u128::MAX), nets(&["::/0"]));
        assert_eq!(listed(1, u128::MAX).len(), 128);
        assert_eq!(listed(0, u128::MAX - 1).len(), 128);
        assert_eq!(listed(0, 0), nets(&["::/128"]));
        assert_eq!(listed(5, 4), nets(&[]));
        assert_eq!(
            listed(1, 6),
            nets(&["::1/128", "::2/127", "::4/127", "::6/128"])
        );
        assert_eq!(listed(0, 255), nets(&["::/120"]));
        assert_eq!(
            listed(
                u128::from(net("2000::/3").network()),
                u128::from(net("3fff::/16").broadcast())
            ),
            nets(&["2000::/3"]),
        );
    }

    #[test]
    fn find_redundant_reports_later_exact_duplicates() {
        let items = [
            (0, net("2001:db8::/32")),
            (1, net("2001:db8::/32")),
            (2, net("2001:db9::/32")),
        ];
        assert_eq!(unkeyed(&items), vec![redundant(1, 0, true)]);
    }

    #[test]
    fn find_redundant_reports_contained_prefixes() {
        let items = [
            (0, net("2001:db8:1::/48")),
            (1, net("2000::/3")),
            (2, net("fc00::/7")),
        ];
        assert_eq!(unkeyed(&items), vec![redundant(0, 1, false)]);
    }

    #[test]
    fn find_redundant_ignores_disjoint_and_adjacent_prefixes() {
        let items = [
            (0, net("2000::/4")),
            (1, net("3000::/4")),
            (2, net("fc00::/7")),
            (3, net("::/128")),
        ];
        assert!(unkeyed(&items).is_empty());
    }

    #[test]
    fn find_redundant_points_nested_chain_to_outermost() {
        let items = [
            (0, net("2001:db8:1::/48")),
            (1, net("2001:db8::/32")),
            (2, net("2001:db8:1:2::/64")),
        ];
        assert_eq!(
            unkeyed(&items),
            vec![redundant(0, 1, false), redundant(2, 1, false)]
        );
    }

    #[test]
    fn find_redundant_reports_last_address_of_container() {
        let items = [
            (0, net("2001:db8::/126")),
            (1, net("2001:db8::3/128")),
            (2, net("2001:db8::4/128")),
        ];
        assert_eq!(unkeyed(&items), vec![redundant(1, 0, false)]);
    }

    #[test]
    fn find_redundant_points_through_duplicates_to_first_occurrence() {
        let items = [
            (0, net("2001:db8::/32")),
            (1, net("2001:db8:5::/48")),
            (2, net("2001:db8::/32")),
        ];
        assert_eq!(
            unkeyed(&items),
            vec![redundant(1, 0, false), redundant(2, 0, true)]
        );
    }

    #[test]
    fn find_redundant_prefers_exact_duplicate_over_outer_container() {
        let items = [
            (0, net("2000::/3")),
            (1, net("2001:db8::/32")),
            (2, net("2001:db8::/32")),
        ];
        assert_eq!(
            unkeyed(&items),
            vec![redundant(1, 0, false), redundant(2, 1, true)]
        );
    }

    #[test]
    fn find_redundant_handles_many_duplicates() {
        let items: Vec<(usize, Ipv6Net)> = (0..50).map(|i| (i, net("::/0"))).collect();
        let expected: Vec<Redundant> = (1..50).map(|i| redundant(i, 0, true)).collect();
        assert_eq!(unkeyed(&items), expected);
    }

    #[test]
    fn find_redundant_uses_caller_indices_and_masks_host_bits() {
        let items = [
            (
                9,
                Ipv6Net::new_assert("2001:db8::1".parse().expect("valid"), 32),
            ),
            (4, net("2001:db8::/32")),
        ];
        assert_eq!(unkeyed(&items), vec![redundant(9, 4, true)]);
    }

    #[test]
    fn two_hundred_thousand_routes_go_through() {
        // A fixed xorshift keeps the input reproducible without another dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let base = u128::from(net("2000::/3").network());
        let routes: Vec<(usize, Ipv6Net)> = (0..200_000)
            .map(|index| {
                let bits = (u128::from(next()) << 64) | u128::from(next());
                let prefix_len = 20 + (next() % 29) as u8;
                let start = base | (bits & low_mask(125));
                (
                    index,
                    Ipv6Net::new_assert(Ipv6Addr::from(start), prefix_len).trunc(),
                )
            })
            .collect();

        let routes_set = PrefixSet::from_prefixes(routes.iter().map(|&(_, net)| net));
        assert!(!routes_set.is_empty());
        let holes = routes_set.uncovered(&net("2000::/3")).collect::<Vec<_>>();
        assert!(holes.iter().all(|hole| !routes_set.covers(hole)));
        let reports = unkeyed(&routes);
        assert!(reports.windows(2).all(|pair| pair[0].index < pair[1].index));
    }

    /// Asserts the invariant the other operations rely on.
    fn assert_normalized(set: &PrefixSet) {
        for pair in set.ranges.windows(2) {
            let (_, prev_last) = pair[0];
            let (next_first, _) = pair[1];
            assert!(
                prev_last < u128::MAX && prev_last + 1 < next_first,
                "{pair:?}"
            );
        }
        assert!(set.ranges.iter().all(|&(first, last)| first <= last));
    }

    /// Counts the addresses of `set` inside `[first, last]`.
    fn covered_size(set: &PrefixSet, (first, last): (u128, u128)) -> u128 {
        set.ranges
            .iter()
            .filter(|&&(s, e)| s <= last && e >= first)
            .map(|&(s, e)| e.min(last) - s.max(first) + 1)
            .sum()
    }

    fn intersects(set: &PrefixSet, (first, last): (u128, u128)) -> bool {
        covered_size(set, (first, last)) > 0
    }

    fn size((first, last): (u128, u128)) -> u128 {
        last - first + 1
    }

    /// Builds a prefix inside `region` from random bits and a length below it.
    fn inside(region: Ipv6Net, bits: u128, extra: u8) -> Ipv6Net {
        let start =
            u128::from(region.network()) | (bits & low_mask(128 - u32::from(region.prefix_len())));
        Ipv6Net::new_assert(Ipv6Addr::from(start), region.prefix_len() + extra).trunc()
    }

    /// A random /8..=/16 region, a few prefixes inside it and a prefix to query.
    fn scenario() -> impl Strategy<Value = (Vec<Ipv6Net>, Ipv6Net, Vec<u128>)> {
        (any::<u128>(), 8u8..=16).prop_flat_map(|(bits, len)| {
            let region = Ipv6Net::new_assert(Ipv6Addr::from(bits), len).trunc();
            (
                prop::collection::vec((any::<u128>(), 0u8..=8), 0..8),
                (any::<u128>(), 0u8..=5),
                prop::collection::vec(any::<u128>(), 16),
            )
                .prop_map(move |(members, (query_bits, query_extra), samples)| {
                    let members = members
                        .into_iter()
                        .map(|(bits, extra)| inside(region, bits, extra))
                        .collect();
                    (members, inside(region, query_bits, query_extra), samples)
                })
        })
    }

    /// `find_redundant` with every item under the same key.
    fn unkeyed(items: &[(usize, Ipv6Net)]) -> Vec<Redundant> {
        let mut keyed: Vec<((), usize, Ipv6Net)> =
            items.iter().map(|&(index, net)| ((), index, net)).collect();
        find_redundant(&mut keyed)
    }

    /// The brute-force counterpart of `find_redundant`.
    fn find_redundant_reference(items: &[(u8, usize, Ipv6Net)]) -> Vec<Redundant> {
        let mut result: Vec<Redundant> = items
            .iter()
            .filter_map(|&(key, index, net)| {
                let items: Vec<(usize, Ipv6Net)> = items
                    .iter()
                    .filter(|&&(k, _, _)| k == key)
                    .map(|&(_, i, n)| (i, n))
                    .collect();
                let first_equal = items
                    .iter()
                    .filter(|&&(i, other)| other == net && i < index)
                    .map(|&(i, _)| i)
                    .min();
                if let Some(container) = first_equal {
                    return Some(Redundant {
                        index,
                        container,
                        exact: true,
                    });
                }
                let outermost = items
                    .iter()
                    .filter(|&&(_, other)| other != net && other.contains(&net))
                    .min_by_key(|&&(i, other)| (other.prefix_len(), i))?;
                Some(Redundant {
                    index,
                    container: outermost.0,
                    exact: false,
                })
            })
            .collect();
        result.sort_unstable_by_key(|r| r.index);
        result
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn uncovered_and_covered_parts_partition_the_query(
            (members, query, samples) in scenario(),
        ) {
            let set = PrefixSet::from_prefixes(members.iter().copied());
            assert_normalized(&set);
            let holes = set.uncovered(&query).collect::<Vec<_>>();

            prop_assert_eq!(set.covers(&query), holes.is_empty());
            for hole in &holes {
                prop_assert!(query.contains(hole), "{} outside {}", hole, query);
                prop_assert!(!intersects(&set, bounds(hole)), "{} overlaps the set", hole);
                // Maximal: the parent either leaves the query or touches the set.
                if let Some(parent) = hole.supernet() {
                    prop_assert!(
                        !query.contains(&parent) || intersects(&set, bounds(&parent)),
                        "{} could grow",
                        hole
                    );
                }
            }
            for pair in holes.windows(2) {
                prop_assert!(bounds(&pair[0]).1 < bounds(&pair[1]).0, "{:?} overlap", pair);
                prop_assert!(pair[0].supernet() != pair[1].supernet(), "{:?} could merge", pair);
            }
            let hole_size: u128 = holes.iter().map(|hole| size(bounds(hole))).sum();
            prop_assert_eq!(hole_size + covered_size(&set, bounds(&query)), size(bounds(&query)));

            // Check membership against the raw input, independent of the merged ranges.
            let (first, last) = bounds(&query);
            for sample in samples {
                let address = Ipv6Addr::from(first + sample % size((first, last)));
                let in_member = members.iter().any(|member| member.contains(&address));
                let in_hole = holes.iter().any(|hole| hole.contains(&address));
                prop_assert!(in_member != in_hole, "{} in member: {}", address, in_member);
            }
        }

        #[test]
        fn every_member_is_covered((members, _query, _samples) in scenario()) {
            let set = PrefixSet::from_prefixes(members.iter().copied());
            for member in &members {
                prop_assert!(set.covers(member));
                prop_assert!(set.uncovered(member).collect::<Vec<_>>().is_empty());
            }
        }

        #[test]
        fn range_to_prefixes_is_exact_and_minimal(
            first in any::<u128>(),
            len in any::<u128>(),
            shift in 0u32..128,
        ) {
            // Shifting spreads range lengths over every magnitude, not just huge ones.
            let last = first.saturating_add(len >> shift);
            let prefixes = listed(first, last);
            prop_assert_eq!(prefixes.first().map(|p| bounds(p).0), Some(first));
            prop_assert_eq!(prefixes.last().map(|p| bounds(p).1), Some(last));
            for pair in prefixes.windows(2) {
                prop_assert_eq!(bounds(&pair[0]).1 + 1, bounds(&pair[1]).0);
                prop_assert!(pair[0].supernet() != pair[1].supernet(), "{:?} could merge", pair);
            }
            // Minimal: greedy blocks grow and then shrink, so no size occurs more than twice.
            let mut per_len = [0u8; 129];
            for prefix in &prefixes {
                per_len[usize::from(prefix.prefix_len())] += 1;
            }
            prop_assert!(per_len.iter().all(|&count| count <= 2), "{:?}", prefixes);
        }

        #[test]
        fn find_redundant_matches_brute_force(
            entries in prop::collection::vec((0u8..3, any::<u128>(), 0u8..=4), 0..12),
        ) {
            let region = net("2001:db8::/32");
            // Indices run backwards so that caller indices and input positions differ.
            let items: Vec<(u8, usize, Ipv6Net)> = entries
                .iter()
                .enumerate()
                .map(|(position, &(key, bits, extra))| {
                    (key, 100 - position, inside(region, bits, extra))
                })
                .collect();
            let expected = find_redundant_reference(&items);
            prop_assert_eq!(find_redundant(&mut items.clone()), expected);
        }
    }

    #[test]
    fn uncovered_names_every_hole_when_there_are_few() {
        let covered = PrefixSet::from_prefixes([net("2000::/4")]);
        let found = Uncovered::find(&covered, &[net("2000::/3"), net("fc00::/7")]);
        assert_eq!(found.first, [net("3000::/4"), net("fc00::/7")]);
        assert_eq!(found.count, 2);
        assert_eq!(found.required, [net("2000::/3"), net("fc00::/7")]);
        assert_eq!(found.describe(), "3000::/4, fc00::/7");
    }

    #[test]
    fn uncovered_keeps_the_first_holes_and_counts_the_rest() {
        // Every other /16 of 2000::/8 is routed: 128 holes, and 2100::/8 to 3fff::/16 beyond.
        let routes = (0..128u128).map(|i| {
            Ipv6Net::new(((0x2000_u128 + 2 * i) << 112).into(), 16).expect("a valid prefix")
        });
        let covered = PrefixSet::from_prefixes(routes);
        let required = [net("2000::/3")];
        let found = Uncovered::find(&covered, &required);
        let all: Vec<Ipv6Net> = covered.uncovered(&required[0]).collect();
        assert_eq!(found.first, all[..MAX_LISTED]);
        assert_eq!(found.count, all.len());
        assert_eq!(found.required, required);
        let more = all.len() - MAX_LISTED;
        assert!(
            found
                .describe()
                .ends_with(&format!("2001::/16, 2003::/16, 2005::/16, 2007::/16, 2009::/16, 200b::/16, 200d::/16, 200f::/16 and {more} more prefixes")),
            "{}",
            found.describe()
        );
    }

    #[test]
    fn a_routed_slice_is_named_as_an_exception() {
        let covered = PrefixSet::from_prefixes([net("fd15:53b6:dead::/64"), net("2000::/3")]);
        let found = Uncovered::find(&covered, &[net("2000::/3"), net("fc00::/7")]);
        assert_eq!(found.count, 57);
        assert_eq!(found.describe(), "fc00::/7 except fd15:53b6:dead::/64");
        assert_eq!(
            covered.covered_within(&net("fc00::/7")).collect::<Vec<_>>(),
            [net("fd15:53b6:dead::/64")]
        );
    }

    #[test]
    fn one_more_hole_is_one_more_prefix() {
        let found = Uncovered {
            first: vec![net("2000::/4"); MAX_LISTED],
            count: MAX_LISTED + 1,
            required: vec![net("2000::/3")],
            exceptions: None,
        };
        assert!(found.describe().ends_with(" and 1 more prefix"));
    }
}
