//! Diagrams and schemas of both shared machines against goldens written by hand from the
//! declarations in `tests/src/lib.rs`.

use lifecycle_model::Lifecycle;
use lifecycle_tests::{DoorState, ReleasePhase};
use serde_json::Value;

/// A file under `tests/golden/`.
fn golden(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/").to_owned() + name;
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn golden_json(name: &str) -> Value {
    serde_json::from_str(&golden(name)).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

#[test]
fn door_mermaid_matches_golden() {
    assert_eq!(DoorState::MERMAID, golden("door.mmd"));
}

#[test]
fn door_dot_matches_golden() {
    assert_eq!(DoorState::DOT, golden("door.dot"));
}

#[test]
fn release_mermaid_matches_golden() {
    assert_eq!(ReleasePhase::MERMAID, golden("release.mmd"));
}

#[test]
fn release_dot_matches_golden() {
    assert_eq!(ReleasePhase::DOT, golden("release.dot"));
}

#[test]
fn every_copy_of_a_diagram_agrees() {
    // The inherent consts, the trait consts and the runtime rendering.
    assert_eq!(DoorState::MERMAID, <DoorState as Lifecycle>::MERMAID);
    assert_eq!(DoorState::MERMAID, DoorState::machine().mermaid());
    assert_eq!(DoorState::DOT, <DoorState as Lifecycle>::DOT);
    assert_eq!(DoorState::DOT, DoorState::machine().dot());
    assert_eq!(ReleasePhase::MERMAID, <ReleasePhase as Lifecycle>::MERMAID);
    assert_eq!(ReleasePhase::MERMAID, ReleasePhase::machine().mermaid());
    assert_eq!(ReleasePhase::DOT, <ReleasePhase as Lifecycle>::DOT);
    assert_eq!(ReleasePhase::DOT, ReleasePhase::machine().dot());
}

#[test]
fn release_schema_matches_golden() {
    let schema = serde_json::to_value(schemars::schema_for!(ReleasePhase)).unwrap();
    assert_eq!(
        schema,
        golden_json("release.schema.json"),
        "actual:\n{}",
        serde_json::to_string_pretty(&schema).unwrap()
    );
}

#[test]
fn door_has_no_schema_but_a_transition_rule() {
    // DoorState does not opt into `schema`; its machine still has a rule, since some
    // moves (Opened -> Locked) are illegal.
    let rule = DoorState::machine().transition_rule().unwrap();
    assert_eq!(
        rule,
        "self == oldSelf || (oldSelf == 'Closed' && self in ['Opened', 'Locked', 'Demolished']) || (oldSelf == 'Opened' && self in ['Closed']) || (oldSelf == 'Locked' && self in ['Closed', 'Demolished'])"
    );
}

#[test]
fn release_action_rules_match_golden() {
    let mut schema = schemars::json_schema!({ "type": "object" });
    lifecycle_model::schema::action_rules::<ReleasePhase>(&mut schema);
    let schema = serde_json::to_value(schema).unwrap();
    assert_eq!(
        schema,
        golden_json("release.action-rules.json"),
        "actual:\n{}",
        serde_json::to_string_pretty(&schema).unwrap()
    );
}

#[test]
fn action_rules_append_to_existing_validations() {
    let mut schema = schemars::json_schema!({
        "type": "object",
        "x-kubernetes-validations": [{ "rule": "true" }],
    });
    lifecycle_model::schema::action_rules::<ReleasePhase>(&mut schema);
    let rules = schema
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["rule"], "true");
    assert_eq!(rules[1]["fieldPath"], ".traffic");
}

#[test]
fn dot_quotes_keywords_and_escapes_labels_mermaid_aliases_odd_names() {
    use lifecycle_model::machine::{EventSpec, Machine};
    let mut m = Machine::new("Odd", ["node", "say\"hi\"", "two words"]);
    m.initial = vec![0];
    m.events.push(EventSpec::new("go", [0], 1));
    m.events.push(EventSpec::new("again", [1], 2));
    let dot = m.dot();
    assert!(dot.contains("    \"node\" [label=\"node\"];\n"), "{dot}");
    assert!(
        dot.contains("    \"say\\\"hi\\\"\" [label=\"say\\\"hi\\\"\"];\n"),
        "{dot}"
    );
    assert!(dot.contains("    __start -> \"node\";\n"), "{dot}");
    let mermaid = m.mermaid();
    assert!(
        mermaid.contains("    state \"say#quot;hi#quot;\" as s1\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    state \"two words\" as s2\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("    s1 --> s2: again\n"), "{mermaid}");
    assert!(mermaid.contains("    [*] --> node\n"), "{mermaid}");
}
