//! proptest strategies for random machines, built with the runtime model.

use lifecycle_model::machine::{EventSpec, Machine};
use proptest::prelude::*;

/// A random machine of `2..=max_states` states and up to `2 * states` events, each with
/// one to three sources. Its graph need not pass the derive's checks: the table, the
/// renderings and the rules must agree on any graph.
pub fn machine(max_states: usize) -> impl Strategy<Value = Machine> {
    (2..=max_states)
        .prop_flat_map(|n| {
            let event = (proptest::collection::vec(0..n, 1..=3), 0..n);
            (
                Just(n),
                proptest::collection::vec(event, 0..=2 * n),
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(|(n, events, initial, terminal)| {
            let mut m = Machine::new("Random", (0..n).map(|i| format!("S{i}")));
            m.initial = (0..n).filter(|&i| initial[i] || i == 0).collect();
            m.terminal = (0..n).filter(|&i| terminal[i]).collect();
            for (i, (mut from, to)) in events.into_iter().enumerate() {
                from.sort_unstable();
                from.dedup();
                m.events.push(EventSpec::new(format!("e{i}"), from, to));
            }
            m
        })
}
