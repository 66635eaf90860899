//! The plain-data machine, built by hand and checked against answers written out by hand:
//! name lookup, diagram aliases for names that are not identifiers, and where the CEL
//! message's list of moves is cut.

use lifecycle_model::machine::{EventSpec, Machine};

fn release() -> Machine {
    let mut m = Machine::new("Release", ["Draft", "Built", "Shipped"]);
    m.initial = vec![0];
    m.terminal = vec![2];
    m.events = vec![
        EventSpec::new("build", [0], 1),
        EventSpec::new("ship", [1], 2),
    ];
    m
}

#[test]
fn state_index_finds_each_state_by_its_wire_name_only() {
    let m = release();
    assert_eq!(m.state_index("Draft"), Some(0));
    assert_eq!(m.state_index("Built"), Some(1));
    assert_eq!(m.state_index("Shipped"), Some(2));
    assert_eq!(
        m.state_index("built"),
        None,
        "wire names are case-sensitive"
    );
    assert_eq!(m.state_index("Halted"), None);
    assert_eq!(m.state_index(""), None);
}

#[test]
fn diagrams_alias_names_that_are_not_identifiers() {
    // `_draft` is an identifier; `9lives` and `in review` are not.
    let mut m = Machine::new("Odd", ["_draft", "9lives", "in review"]);
    m.initial = vec![0];
    m.events = vec![
        EventSpec::new("go", [0], 1),
        EventSpec::new("check", [1], 2),
    ];
    assert_eq!(
        m.mermaid(),
        "stateDiagram-v2\n\
         \x20   state \"9lives\" as s1\n\
         \x20   state \"in review\" as s2\n\
         \x20   [*] --> _draft\n\
         \x20   _draft --> s1: go\n\
         \x20   s1 --> s2: check\n"
    );
    let dot = m.dot();
    assert!(dot.contains("_draft -> \"9lives\""), "{dot}");
    assert!(dot.contains("\"9lives\" -> \"in review\""), "{dot}");
}

/// A machine whose message lists one move, `A -> <target>`, `len` bytes long.
fn one_move_of(len: usize) -> Machine {
    let target = "B".repeat(len - "A -> ".len());
    let mut m = Machine::new("Long", ["A".to_owned(), target]);
    m.events = vec![EventSpec::new("go", [0], 1)];
    m
}

#[test]
fn the_message_lists_480_bytes_of_moves_whole_and_cuts_longer_lists() {
    const PREFIX: &str = "phase may only follow the Long lifecycle: ";
    let whole = one_move_of(480).transition_message();
    assert_eq!(whole.len(), PREFIX.len() + 480, "{whole}");
    assert!(!whole.ends_with("..."), "480 bytes fit: {whole}");

    let cut = one_move_of(481).transition_message();
    assert_eq!(cut, format!("{PREFIX}; ..."), "481 bytes do not fit");
}

#[test]
fn a_cut_never_falls_inside_a_character() {
    // Two moves; the first ends with `ä` (two bytes) straddling byte 480 of the list for
    // one of the paddings, which a byte-indexed cut would split.
    for pad in 470..480 {
        let first = format!("{}ä", "x".repeat(pad - "A -> ".len()));
        let mut m = Machine::new("Umlaut", ["A".to_owned(), first, "C".to_owned()]);
        m.events = vec![EventSpec::new("go", [0], 1), EventSpec::new("on", [1], 2)];
        let message = m.transition_message();
        assert!(message.ends_with("; ..."), "{message}");
        assert!(message.starts_with("phase may only follow the Umlaut lifecycle: "));
    }
}

#[test]
fn field_paths_are_dotted_identifiers() {
    use lifecycle_model::machine::is_field_path;
    for good in [
        "phase",
        "status.phase",
        "spec.lifecycle.desiredPhase",
        "_x.y_2",
    ] {
        assert!(is_field_path(good), "{good}");
    }
    for bad in [
        "",
        "status.",
        ".phase",
        "status..phase",
        "9lives",
        "a-b",
        "a b",
        "a[0]",
    ] {
        assert!(!is_field_path(bad), "{bad:?}");
    }
}

#[test]
fn an_action_allowed_everywhere_for_every_role_is_reported() {
    use lifecycle_model::machine::{ActionSpec, Problem, RoleSpec};
    let mut m = release();
    m.roles = vec![
        RoleSpec::new("canary", None::<&str>),
        RoleSpec::new("stable", None::<&str>),
    ];
    m.actions = vec![
        ActionSpec::new("inspect", [0, 1, 2], [0, 1]),
        ActionSpec::new("promote", [1], [0]),
    ];
    assert_eq!(m.problems(), vec![Problem::UnusedAction { action: 0 }]);
    assert_eq!(
        m.problems()[0].message(&m),
        "action `inspect` is allowed in every state for every role, so it gates nothing"
    );
}

#[test]
fn problem_messages_name_the_parts_involved() {
    use lifecycle_model::machine::Problem;
    let mut m = release();
    m.initial.clear();
    assert_eq!(
        Problem::NoInitialState.message(&m),
        "`Release` has no initial state; mark one or more variants with `#[lifecycle(initial)]`"
    );
    let m = release();
    assert_eq!(
        Problem::Unreachable { state: 2 }.message(&m),
        "state `Shipped` is unreachable: no event leads to it from an initial state (Draft)"
    );
    assert_eq!(
        Problem::TerminalExit { event: 1, state: 2 }.message(&m),
        "event `ship` leaves terminal state `Shipped`; terminal states have no outgoing events"
    );
}

#[test]
fn the_writer_rule_reads_the_phase_with_its_default_and_names_who_may_move_it() {
    let mut m = release();
    m.default_state = Some(0);
    let writers = [
        "system:serviceaccount:ci:release-bot".to_owned(),
        "o'brien".to_owned(),
    ];
    let rule = m.writer_rule("spec.stage", &writers).unwrap();
    assert_eq!(
        rule.old_phase,
        "(has(oldObject.spec) && has(oldObject.spec.stage) ? oldObject.spec.stage : 'Draft')"
    );
    assert_eq!(
        rule.new_phase,
        "(has(object.spec) && has(object.spec.stage) ? object.spec.stage : 'Draft')"
    );
    // Quotes in a user name are escaped inside the CEL string.
    assert_eq!(
        rule.expression,
        "variables.oldPhase == variables.newPhase || request.userInfo.username in ['system:serviceaccount:ci:release-bot', 'o\\'brien']"
    );
    assert_eq!(
        rule.message,
        "spec.stage may be changed only by system:serviceaccount:ci:release-bot, o'brien"
    );
    assert!(
        rule.message_expression
            .ends_with("+ ': ' + request.userInfo.username + ' may not move it from ' + variables.oldPhase + ' to ' + variables.newPhase"),
        "{}",
        rule.message_expression
    );
}

#[test]
fn a_writer_rule_needs_a_selectable_field_and_may_name_nobody() {
    let m = release();
    assert_eq!(m.writer_rule("spec.the-stage", &[]), None);
    assert_eq!(m.writer_rule("", &[]), None);
    let nobody = m.writer_rule("status.phase", &[]).unwrap();
    assert_eq!(nobody.message, "status.phase may be changed only by nobody");
    assert!(
        nobody
            .expression
            .ends_with("request.userInfo.username in []")
    );
    // Without a default state an absent phase matches no state name.
    assert!(nobody.old_phase.ends_with(": '')"));
}
