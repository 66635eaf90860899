//! The table of [`Machine::diff`]'s classes and messages, one case per kind of change.

use crate::Machine;
use crate::{ActionSpec, EventSpec};

/// Queued → Running ⇄ Retrying, Running → Done; `scale` in Running.
fn job() -> Machine {
    let mut m = Machine::new("Job", ["Queued", "Running", "Retrying", "Done"]);
    m.initial = vec![0];
    m.terminal = vec![3];
    m.default_state = Some(0);
    m.phase_field = Some("status.phase".to_owned());
    m.events
        .push(EventSpec::new("start", [0, 2], 1).with_verb("start"));
    m.events.push(EventSpec::new("retry", [1], 2));
    m.events.push(EventSpec::new("finish", [1], 3));
    m.actions
        .push(ActionSpec::new("scale", [1], []).with_field("replicas"));
    m
}

fn diff(edit: impl FnOnce(&mut Machine)) -> Vec<String> {
    let mut new = job();
    edit(&mut new);
    job().diff(&new).iter().map(ToString::to_string).collect()
}

/// A change made to [`job`].
type Edit = Box<dyn FnOnce(&mut Machine)>;

#[test]
fn each_kind_of_change_is_classified_with_its_meaning_for_objects() {
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        ("unchanged", Box::new(|_| {}), vec![]),
        (
            "a state added",
            Box::new(|m| m.states.push("Cancelled".into())),
            vec!["safe: `Cancelled` is a new state"],
        ),
        (
            "a state removed",
            Box::new(|m| {
                m.states[2] = "Backoff".into();
            }),
            vec![
                "breaking: `Retrying` is no longer a state: objects in `Retrying` can no longer be read or written",
                "safe: `Backoff` is a new state",
            ],
        ),
        (
            "a state retired: no way in, its exit kept",
            Box::new(|m| {
                m.retired = vec![2];
                m.events.retain(|e| e.name != "retry");
            }),
            vec![
                "needs migration: `Retrying` is retired: objects stored in it stay and may only leave, to Running; none starts in it or moves into it any more",
                "needs migration: objects in `Running` can no longer move to `Retrying`, which is retired",
                "needs migration: event `retry` is gone: Events, metrics and callers that name it change",
            ],
        ),
        (
            "a state renamed, its old name kept as an alias",
            Box::new(|m| {
                m.states[2] = "Backoff".into();
                m.aliases.push(("Retrying".into(), 2));
            }),
            vec![
                "needs migration: `Retrying` is now called `Backoff`: stored objects in `Retrying` read as `Backoff` and are renamed on their next write; clients that compare the stored name see both until then",
            ],
        ),
        (
            "the only way out of a state dropped",
            Box::new(|m| m.events[0].from = vec![0]),
            vec!["breaking: objects in `Retrying` can no longer move: no event leaves it any more"],
        ),
        (
            "one move dropped, another kept",
            Box::new(|m| m.events.retain(|e| e.name != "finish")),
            vec![
                "breaking: objects in `Running` can no longer move to `Done`",
                "needs migration: event `finish` is gone: Events, metrics and callers that name it change",
            ],
        ),
        (
            "a move added",
            Box::new(|m| m.events.push(EventSpec::new("cancel", [0], 3))),
            vec![
                "safe: objects in `Queued` may now move to `Done`",
                "safe: event `cancel` is new",
            ],
        ),
        (
            "an initial state dropped where the server enforces them",
            Box::new(|m| {
                m.enforce_initial = true;
                m.initial = vec![1];
            }),
            vec![
                "breaking: `Queued` is no longer initial: a create in `Queued` will be refused",
                "needs migration: the server now refuses creates that do not start in Running; stored objects keep their phase",
                "safe: `Running` is now initial",
            ],
        ),
        (
            "an initial state dropped where nothing enforces them",
            Box::new(|m| m.initial = vec![1]),
            vec![
                "safe: `Queued` is no longer initial; the server does not enforce initial states, so creates in it still pass",
                "safe: `Running` is now initial",
            ],
        ),
        (
            "the default changed",
            Box::new(|m| m.default_state = Some(1)),
            vec!["needs migration: objects without a phase read as `Running` instead of `Queued`"],
        ),
        (
            "a verb changed and one added",
            Box::new(|m| {
                m.events[0].verb = Some("run".into());
                m.events[1].verb = Some("retry".into());
            }),
            vec![
                "needs migration: `start` now needs RBAC verb `run`: grant it before upgrading",
                "needs migration: `retry` now needs RBAC verb `retry`: grant it before upgrading",
            ],
        ),
        (
            "a verb dropped",
            Box::new(|m| m.events[0].verb = None),
            vec![
                "needs migration: `start` no longer needs RBAC verb `start`: only the named writers may fire it",
            ],
        ),
        (
            "an action narrowed and widened",
            Box::new(|m| m.actions[0].states = vec![2]),
            vec![
                "breaking: action `scale` is no longer allowed in `Running`: such changes will be refused",
                "safe: action `scale` is now allowed in `Retrying`",
            ],
        ),
        (
            "an action added and one dropped",
            Box::new(|m| {
                m.actions[0] = ActionSpec::new("resize", [0], []).with_field("size");
            }),
            vec![
                "breaking: action `resize` is new: changes it gates are refused outside Queued",
                "safe: action `scale` is no longer gated: its field may change in every state",
            ],
        ),
        (
            "the phase field moved",
            Box::new(|m| m.phase_field = Some("spec.phase".into())),
            vec![
                "breaking: the phase field moves from `status.phase` to `spec.phase`: stored phases are not where the new version reads them",
            ],
        ),
    ];
    for (what, edit, expected) in cases {
        assert_eq!(diff(edit), expected, "{what}");
    }
}

#[test]
fn a_machine_has_no_changes_from_itself() {
    assert_eq!(job().diff(&job()), []);
}
