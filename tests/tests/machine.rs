//! The plain-data machine, built by hand and checked against answers written out by hand:
//! name lookup, diagram aliases for names that are not identifiers, and where the CEL
//! message's list of moves is cut.

use lifecycle_model::machine::{
    EventSpec, Machine, Operation, Problem, WriteRequest, Writers, verb_problem,
};

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
    use lifecycle_model::machine::{ActionSpec, RoleSpec};
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
    let mut writers = Writers::new("releases.example.com", "releases", "spec.stage");
    writers.users = vec![
        "system:serviceaccount:ci:release-bot".to_owned(),
        "o'brien".to_owned(),
    ];
    writers.user_groups = vec!["release-managers".to_owned()];
    let rule = m.writer_rule(&writers).unwrap();
    assert_eq!(
        rule.resources,
        ["releases", "releases/status", "releases/scale"]
    );
    assert_eq!(rule.operations, ["CREATE", "UPDATE"]);
    // On create there is no old object: the phase moves from the default state.
    assert_eq!(
        rule.old_phase,
        "oldObject == null ? 'Draft' : (has(oldObject.spec) && has(oldObject.spec.stage) ? oldObject.spec.stage : 'Draft')"
    );
    assert_eq!(
        rule.new_phase,
        "(has(object.spec) && has(object.spec.stage) ? object.spec.stage : 'Draft')"
    );
    let [validation] = &rule.validations[..] else {
        panic!("one validation: {:?}", rule.validations);
    };
    // Quotes in a user name are escaped inside the CEL string; no event names a verb, so
    // the authorizer is never asked.
    assert_eq!(
        validation.expression,
        "variables.oldPhase == variables.newPhase || (request.userInfo.username in ['system:serviceaccount:ci:release-bot', 'o\\'brien'] || request.userInfo.groups.exists(g, g in ['release-managers']))"
    );
    assert_eq!(
        validation.message,
        "spec.stage may be changed only by system:serviceaccount:ci:release-bot, o'brien or members of release-managers"
    );
    assert!(
        validation.message_expression.ends_with(
            "+ ': ' + request.userInfo.username + ' may not move it from ' + (variables.oldPhase == '' ? '(unset)' : variables.oldPhase) + ' to ' + (variables.newPhase == '' ? '(unset)' : variables.newPhase)"
        ),
        "{}",
        validation.message_expression
    );
}

#[test]
fn an_events_verb_lets_its_holders_make_its_moves_and_the_denial_names_it() {
    let mut m = release();
    m.events[0] = m.events[0].clone().with_verb("approve-release");
    m.events[1] = m.events[1].clone().with_verb("ship");
    let writers = Writers::new("example.com", "releases", "status.phase");
    let rule = m.writer_rule(&writers).unwrap();
    let expression = &rule.validations[0].expression;
    assert!(
        expression.contains(
            "authorizer.group('example.com').resource('releases').namespace(request.namespace).name(request.name).check('ship').allowed()"
        ),
        "{expression}"
    );
    assert_eq!(
        rule.validations[0].message,
        "status.phase may be changed only by holders of verb approve-release or ship on releases.example.com"
    );
    let request = |verbs: &[String], old, new| {
        m.writer_verdict(
            &writers,
            &WriteRequest {
                operation: Operation::Update,
                username: "carol",
                groups: &[],
                verbs,
                old,
                new,
            },
        )
    };
    let approve = ["approve-release".to_owned()];
    assert_eq!(request(&approve, Some("Draft"), Some("Built")), Ok(()));
    // A verb grants its own event's moves, not another's.
    assert_eq!(
        request(&approve, Some("Built"), Some("Shipped")),
        Err("status.phase may be changed only by holders of verb approve-release or ship on releases.example.com: carol may not move it from Built to Shipped without verb ship".to_owned())
    );
    // A move no event makes needs a named writer, and an unset phase is shown as such.
    assert_eq!(
        request(&approve, None, Some("Shipped")),
        Err("status.phase may be changed only by holders of verb approve-release or ship on releases.example.com: carol may not move it from (unset) to Shipped".to_owned())
    );
}

#[test]
fn a_writer_rule_may_keep_creates_for_its_writers() {
    let m = release();
    let mut writers = Writers::new("example.com", "releases", "spec.stage");
    writers.users = vec!["bot".to_owned()];
    writers.only_writers_create = true;
    let rule = m.writer_rule(&writers).unwrap();
    assert_eq!(rule.validations.len(), 2);
    assert_eq!(
        rule.validations[0].expression,
        "request.operation != 'CREATE' || (request.userInfo.username in ['bot'])"
    );
    let create = |username| {
        m.writer_verdict(
            &writers,
            &WriteRequest {
                operation: Operation::Create,
                username,
                groups: &[],
                verbs: &[],
                old: None,
                new: None,
            },
        )
    };
    assert_eq!(create("bot"), Ok(()));
    assert_eq!(
        create("alice"),
        Err("releases.example.com are created only by bot: alice may not create one".to_owned())
    );
}

#[test]
fn a_writer_rule_needs_a_selectable_field_and_may_name_nobody() {
    let m = release();
    for field in ["spec.the-stage", ""] {
        assert_eq!(m.writer_rule(&Writers::new("g", "r", field)), None);
    }
    let nobody = m
        .writer_rule(&Writers::new("", "things", "status.phase"))
        .unwrap();
    assert_eq!(
        nobody.validations[0].message,
        "status.phase may be changed only by nobody"
    );
    assert_eq!(
        nobody.validations[0].expression,
        "variables.oldPhase == variables.newPhase || false"
    );
    // Without a default state an absent phase matches no state name.
    assert!(nobody.old_phase.ends_with(": '')"));
    assert!(nobody.old_phase.starts_with("oldObject == null ? '' : "));
}

#[test]
fn only_well_formed_verbs_of_an_events_own_grant_it() {
    assert_eq!(verb_problem("resume-pipeline"), None);
    for bad in ["", "Pause", "pause_all", "9lives", "pause!"] {
        assert!(
            verb_problem(bad).unwrap().contains("lower-case letters"),
            "{bad}"
        );
    }
    for own in ["patch", "update", "delete", "get", "escalate"] {
        assert!(
            verb_problem(own).unwrap().contains("Kubernetes' own verbs"),
            "{own}"
        );
    }
}

#[test]
fn enforcing_initial_states_needs_a_default_that_is_one() {
    let mut m = release();
    m.default_state = Some(1);
    assert!(
        m.problems().is_empty(),
        "without enforcement, initial is advice"
    );
    m.enforce_initial = true;
    assert_eq!(m.problems(), [Problem::DefaultNotInitial { state: 1 }]);
    assert_eq!(
        Problem::DefaultNotInitial { state: 1 }.message(&m),
        "`#[default]` state `Built` is not initial, yet `enforce_initial` lets a phase start only in Draft: an absent phase would read as a state no object may start in; mark `Built` `#[lifecycle(initial)]` or make an initial state the default"
    );
    m.default_state = Some(0);
    assert!(m.problems().is_empty());
}

#[test]
fn a_former_name_must_name_one_state_only() {
    let mut m = release();
    m.aliases = vec![
        ("Drafted".into(), 0),
        ("Built".into(), 0),
        ("Drafted".into(), 1),
    ];
    assert_eq!(
        m.problems(),
        [
            Problem::AliasTaken { alias: 1 },
            Problem::AliasTaken { alias: 2 }
        ]
    );
    assert_eq!(
        Problem::AliasTaken { alias: 1 }.message(&m),
        "`Built` cannot be a former name of `Draft`: it already names the state `Built`"
    );
    assert_eq!(
        Problem::AliasTaken { alias: 2 }.message(&m),
        "`Drafted` cannot be a former name of `Built`: it already names another state"
    );
    m.aliases.truncate(1);
    assert!(m.problems().is_empty());
}

#[derive(lifecycle_model::Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[lifecycle(event(start: Queued -> Running), event(stop: Running -> Queued))]
#[lifecycle(event(hold: Queued | Running -> Held), event(release: Held -> Queued))]
enum Job {
    #[lifecycle(initial)]
    Queued,
    #[lifecycle(initial)]
    Running,
    #[default]
    Held,
}

#[derive(lifecycle_model::Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[lifecycle(event(start: Queued -> Running), event(stop: Running -> Queued))]
enum Task {
    #[lifecycle(initial)]
    Queued,
    #[default]
    #[lifecycle(initial)]
    Running,
}

#[test]
fn an_object_without_a_phase_enters_the_default_when_it_is_initial_else_the_first_initial() {
    use lifecycle_model::Lifecycle;
    assert_eq!(Task::entry(), Task::Running);
    // `Held` is what an absent phase reads as, but no object starts there.
    assert_eq!(Job::entry(), Job::Queued);
    assert!(Job::machine().initial.contains(&Job::entry().index()));
}
