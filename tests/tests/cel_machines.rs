//! Over random machines, the CEL transition rule that the derive puts in the schema gives
//! the verdict the declared events give, for every ordered pair of states; and the rule
//! grows linearly with the transitions. The expected verdicts are worked out here from
//! the event list, not by the `Machine` methods the rule is rendered from.

use std::collections::HashSet;

use kube_core::cel::{Validator, compile_schema};
use lifecycle_model::machine::Machine;
use lifecycle_tests::strategies;
use proptest::prelude::*;
use serde_json::{Value, json};

/// A schema with the machine's phase as its only field, as `phase_schema` builds it: the
/// enum holds the states and their former names.
fn schema(machine: &Machine) -> Value {
    let mut names = machine.states.clone();
    names.extend(machine.aliases.iter().map(|(old, _)| old.clone()));
    let mut phase = json!({ "type": "string", "enum": names });
    if let Some(rule) = machine.transition_rule() {
        phase["x-kubernetes-validations"] = json!([{
            "rule": rule,
            "message": machine.transition_message(),
            "reason": "FieldValueInvalid",
        }]);
    }
    json!({ "type": "object", "properties": { "phase": phase } })
}

/// Every legal (from, to) move, read straight off the declared events: each event moves
/// from each of its sources to its target, and staying put is always legal.
fn declared_moves(machine: &Machine) -> HashSet<(usize, usize)> {
    let mut moves: HashSet<(usize, usize)> = (0..machine.states.len()).map(|s| (s, s)).collect();
    for event in &machine.events {
        for &from in &event.from {
            moves.insert((from, event.to));
        }
    }
    moves
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn cel_verdicts_equal_the_declared_events(machine in strategies::machine()) {
        let compiled = compile_schema(&schema(&machine));
        prop_assert!(!compiled.has_errors(), "{:?}", compiled.compilation_errors());
        let validator = Validator::new();
        let legal = declared_moves(&machine);
        for (from, old) in machine.states.iter().enumerate() {
            for (to, new) in machine.states.iter().enumerate() {
                let verdict = validator.validate_compiled(
                    &compiled,
                    &json!({ "phase": new }),
                    Some(&json!({ "phase": old })),
                );
                prop_assert_eq!(
                    verdict.is_ok(),
                    legal.contains(&(from, to)),
                    "{} -> {}: {:?}", old, new, verdict
                );
            }
        }
    }
}

/// A machine with former names for some of its states: `Old0` for the state at
/// `renamed[0]`, and so on.
fn with_aliases() -> impl Strategy<Value = Machine> {
    strategies::machine().prop_flat_map(|machine| {
        let n = machine.states.len();
        (Just(machine), prop::collection::vec(0..n, 0..3)).prop_map(|(mut machine, renamed)| {
            machine.aliases = renamed
                .into_iter()
                .enumerate()
                .map(|(i, state)| (format!("Old{i}"), state))
                .collect();
            machine
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A stored phase under a former name moves as its state does, and may always be
    /// rewritten to its new name; writing a former name anew is refused, except by
    /// leaving the field as it is (or where every move is legal and there is no rule).
    #[test]
    fn former_names_move_as_their_states_and_are_rewritten_to_the_new_name(machine in with_aliases()) {
        let compiled = compile_schema(&schema(&machine));
        prop_assert!(!compiled.has_errors(), "{:?}", compiled.compilation_errors());
        let validator = Validator::new();
        let legal = declared_moves(&machine);
        let stored: Vec<(String, usize)> = (0..machine.states.len())
            .map(|s| (machine.states[s].clone(), s))
            .chain(machine.aliases.iter().cloned())
            .collect();
        for (old, from) in &stored {
            for (new, to) in &stored {
                let verdict = validator.validate_compiled(
                    &compiled,
                    &json!({ "phase": new }),
                    Some(&json!({ "phase": old })),
                );
                let canonical = machine.states[*to] == *new;
                let expected = machine.transition_rule().is_none()
                    || old == new
                    || (canonical && (legal.contains(&(*from, *to)) || from == to));
                prop_assert_eq!(verdict.is_ok(), expected, "{} -> {}: {:?}", old, new, verdict);
            }
        }
    }
}

/// Kubernetes estimates a rule's cost when the CRD is written and refuses a rule above
/// 10,000,000 (and a CRD above 100,000,000). Over a string enum, each `==` and each `in`
/// element costs about one unit per 10 characters of the longest value, plus one: with
/// `L` the longest state name, the rule costs at most `(clauses + transitions) * (2 + L/10)`,
/// far below the limit. What grows is the text, so the bound is on length: a fixed prefix,
/// per clause its frame and the state's name, per transition the name and a separator.
fn length_bound(machine: &Machine) -> usize {
    let name = machine.states.iter().map(String::len).max().unwrap_or(0) + 2;
    let clauses = (0..machine.states.len())
        .filter(|&s| !machine.targets(s).is_empty())
        .count();
    let transitions: usize = (0..machine.states.len())
        .map(|s| machine.targets(s).len())
        .sum();
    "self == oldSelf".len()
        + clauses * (" || (oldSelf ==  && self in [])".len() + name)
        + transitions * (name + 2)
}

#[test]
fn a_256_state_rule_stays_within_a_linear_bound() {
    let machine = strategies::ring(256);
    let rule = machine.transition_rule().expect("a ring has illegal moves");
    assert!(
        rule.len() <= length_bound(&machine),
        "{} > {}",
        rule.len(),
        length_bound(&machine)
    );
    // 256 clauses of four targets: about 20 KiB.
    assert!(rule.len() < 24 * 1024, "{}", rule.len());

    // Doubling the machine doubles the rule, give or take the constant prefix.
    let half = strategies::ring(128).transition_rule().unwrap().len();
    let ratio = rule.len() as f64 / half as f64;
    assert!((1.95..=2.05).contains(&ratio), "growth {ratio}");
}

#[test]
fn a_256_state_rule_compiles_and_judges_like_the_events() {
    let machine = strategies::ring(256);
    let compiled = compile_schema(&schema(&machine));
    assert!(!compiled.has_errors());
    let validator = Validator::new();
    let legal = declared_moves(&machine);
    for (from, to) in [(0, 1), (0, 4), (0, 5), (255, 3), (255, 4), (17, 17)] {
        let verdict = validator.validate_compiled(
            &compiled,
            &json!({ "phase": machine.states[to] }),
            Some(&json!({ "phase": machine.states[from] })),
        );
        assert_eq!(
            verdict.is_ok(),
            legal.contains(&(from, to)),
            "{from} -> {to}"
        );
    }
}
