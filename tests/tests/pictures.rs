//! The pictures `Machine::svg` draws, which rustdoc shows on every derived enum's page:
//! well-formed SVG that names every state, event, action and role, for the NumaFlow
//! machines, the shared test machines and random ones.

use std::collections::BTreeSet;

use lifecycle_examples::numaflow::pipeline::PipelinePhase;
use lifecycle_examples::numaflow::vertex::VertexPhase;
use lifecycle_model::Lifecycle;
use lifecycle_model::machine::Machine;
use lifecycle_tests::strategies;
use lifecycle_tests::{DoorState, ReleasePhase};
use proptest::prelude::*;

/// Every text the picture shows, after XML unescaping; panics unless `svg` parses.
fn texts(svg: &str) -> BTreeSet<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}:\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Asserts the picture of `machine` parses and shows everything the declaration names.
fn check(machine: &Machine) -> Result<(), TestCaseError> {
    let svg = machine.svg();
    let texts = texts(&svg);
    // Events that share a move share a label: `pause, fail`.
    let words: BTreeSet<&str> = texts.iter().flat_map(|t| t.split(", ")).collect();
    for state in &machine.states {
        prop_assert!(
            texts.contains(state),
            "state {state:?} missing from {texts:?}"
        );
    }
    for event in &machine.events {
        prop_assert!(
            words.contains(event.name.as_str()),
            "event {:?} missing",
            event.name
        );
    }
    for action in &machine.actions {
        prop_assert!(
            texts.contains(&action.name),
            "action {:?} missing",
            action.name
        );
        for &r in &action.roles {
            let role = &machine.roles[r].name;
            prop_assert!(words.contains(role.as_str()), "role {role:?} missing");
        }
    }
    prop_assert!(svg == machine.svg(), "the same machine drew two pictures");
    Ok(())
}

#[test]
fn the_numaflow_pictures_name_every_state_event_and_action() {
    for machine in [PipelinePhase::machine(), VertexPhase::machine()] {
        check(&machine).unwrap();
    }
    // The vertex's table: `scale` for three roles, on `replicas`.
    let texts = texts(&VertexPhase::machine().svg());
    for cell in [
        "action",
        "roles",
        "scale",
        "Source, Sink, MapUdf",
        "replicas",
    ] {
        assert!(texts.contains(cell), "{cell:?} missing from {texts:?}");
    }
}

#[test]
fn the_shared_test_machines_draw() {
    check(&DoorState::machine()).unwrap();
    check(&ReleasePhase::machine()).unwrap();
}

#[test]
fn a_terminal_state_is_a_double_circle_and_each_initial_state_has_a_start_dot() {
    let machine = PipelinePhase::machine();
    let svg = machine.svg();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    // A start dot is a filled black circle without a label.
    let ellipses: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("ellipse"))
        .collect();
    let dots = ellipses
        .iter()
        .filter(|n| n.attribute("fill") == Some("#000000ff"))
        .count();
    assert_eq!(dots, machine.initial.len(), "{svg}");
    // `Deleting`, the one terminal state, is drawn as two rings.
    assert_eq!(machine.terminal.len(), 1);
    assert_eq!(ellipses.len(), dots + 2, "{svg}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Names that need escaping (quotes, `&`-free but `'`, `\`, non-ASCII), loops,
    /// states without moves, shared moves: the picture parses and names them all.
    #[test]
    fn any_machine_draws_a_picture_that_names_everything(machine in strategies::machine()) {
        check(&machine)?;
    }
}
