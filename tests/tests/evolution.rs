//! Lifecycles that evolve. Former names of states (`#[lifecycle(alias = "...")]`, or
//! serde's own `#[serde(alias = "...")]`): serde reads them, the machine knows them, the
//! schema's enum admits them, and the transition rule lets a stored object in a former
//! name move as its state does and be renamed on its next write. Retired states
//! (`#[lifecycle(retired)]`): kept for the objects stored in them, which may only leave
//! by their exits; the typed handle of one has only those exits as methods.

use kube_core::cel::{Validator, compile_schema};
use lifecycle_model::schema::phase_schema;
use lifecycle_model::{HasPhase, Lifecycle, Typed};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A job whose `Retrying` state is now `Backoff` (it was `Waiting` before that), and
/// whose `Halted` is now `Stopped`.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(phase_field = "status.phase")]
#[lifecycle(event(fail: Running -> Backoff), event(retry: Backoff -> Running))]
#[lifecycle(event(stop: Running | Backoff -> Stopped))]
enum Job {
    #[lifecycle(initial, ready)]
    Running,
    #[serde(alias = "Retrying", alias = "Waiting")]
    #[lifecycle(reconciling)]
    Backoff,
    #[serde(alias = "Halted")]
    #[lifecycle(alias = "Halted", terminal)]
    Stopped,
}

#[test]
fn former_names_are_read_by_serde_and_known_to_the_machine() {
    let machine = Job::machine();
    assert_eq!(
        machine.aliases,
        [
            ("Retrying".to_owned(), 1),
            ("Waiting".to_owned(), 1),
            ("Halted".to_owned(), 2)
        ]
    );
    assert_eq!(machine.resolve("Waiting"), Some(1));
    let read: Job = serde_json::from_value(json!("Retrying")).unwrap();
    assert_eq!(read, Job::Backoff);
    assert_eq!(serde_json::to_value(read).unwrap(), json!("Backoff"));
}

/// A controller on the runtime layer writes the phase by its name with every status
/// write, so its next write renames a stored former name.
#[test]
fn a_status_write_carries_the_phase_by_its_new_name() {
    let stored: Job = serde_json::from_value(json!("Retrying")).unwrap();
    let body = lifecycle_model::kube::StatusPatch::new(stored, "2026-12-05T00:00:00Z").body(&[]);
    assert_eq!(body["status"]["phase"], "Backoff");
}

#[test]
fn the_server_admits_a_former_name_as_its_state_and_renames_it() {
    let phase = serde_json::to_value(phase_schema::<Job>()).unwrap();
    assert_eq!(
        phase["enum"],
        json!([
            "Running", "Backoff", "Stopped", "Retrying", "Waiting", "Halted"
        ])
    );
    let schema = json!({ "type": "object", "properties": { "phase": phase } });
    let compiled = compile_schema(&schema);
    assert!(
        !compiled.has_errors(),
        "{:?}",
        compiled.compilation_errors()
    );
    let validator = Validator::new();
    let verdict = |old: &str, new: &str| -> Result<(), Value> {
        validator
            .validate_compiled(
                &compiled,
                &json!({ "phase": new }),
                Some(&json!({ "phase": old })),
            )
            .map_err(|e| json!(format!("{e:?}")))
    };
    // Renamed on the next write; moving as the state it names.
    assert_eq!(verdict("Retrying", "Backoff"), Ok(()));
    assert_eq!(verdict("Retrying", "Running"), Ok(()));
    assert_eq!(verdict("Halted", "Stopped"), Ok(()));
    assert_eq!(verdict("Retrying", "Retrying"), Ok(()), "left as it is");
    // Not where its state may not go, and a former name is not written anew.
    assert!(verdict("Halted", "Running").is_err());
    assert!(verdict("Running", "Retrying").is_err());
    assert!(verdict("Backoff", "Waiting").is_err());
}

/// The writer policy's twin: a verb moves a stored former name as its state, and says
/// what is missing in the same words.
#[test]
fn a_verb_moves_a_former_name_as_its_state() {
    use lifecycle_model::machine::{EventSpec, Machine, Operation, WriteRequest, Writers};
    let mut desired = Machine::new("Desired", ["Running", "Paused"]);
    desired.default_state = Some(0);
    desired.aliases.push(("Halted".to_owned(), 1));
    desired
        .events
        .push(EventSpec::new("pause", [0], 1).with_verb("pause"));
    desired
        .events
        .push(EventSpec::new("resume", [1], 0).with_verb("resume"));
    let writers = Writers::new("example.com", "jobs", "spec.desiredPhase");
    let resume = WriteRequest {
        operation: Operation::Update,
        username: "bob",
        groups: &[],
        verbs: &["resume".to_owned()],
        old: Some("Halted"),
        new: Some("Running"),
    };
    assert_eq!(desired.writer_verdict(&writers, &resume), Ok(()));
    let without = WriteRequest {
        verbs: &[],
        ..resume
    };
    assert_eq!(
        desired.writer_verdict(&writers, &without).unwrap_err(),
        "spec.desiredPhase may be changed only by holders of verb pause or resume on jobs.example.com: \
         bob may not move it from Halted to Running without verb resume"
    );
}

/// An order whose `Legacy` state is kept only for the orders stored in it: they resume.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[lifecycle(module = order_phase, phase_field = "status.phase")]
#[lifecycle(event(finish: Running -> Done), event(resume: Legacy -> Running))]
enum OrderPhase {
    #[lifecycle(initial)]
    Running,
    #[lifecycle(retired)]
    Legacy,
    #[lifecycle(terminal)]
    Done,
}

#[derive(Clone, Debug, PartialEq)]
struct Order {
    phase: OrderPhase,
}

impl HasPhase<OrderPhase> for Order {
    fn phase(&self) -> Option<OrderPhase> {
        Some(self.phase)
    }
    fn set_phase(&mut self, phase: OrderPhase) {
        self.phase = phase;
    }
}

#[test]
fn a_retired_state_is_only_left_by_its_exits() {
    let machine = OrderPhase::machine();
    assert_eq!(machine.retired, [1]);
    assert!(machine.problems().is_empty(), "{:?}", machine.problems());
    assert_eq!(machine.strands(Some("Legacy")), None, "it has a way out");

    let phase = serde_json::to_value(phase_schema::<OrderPhase>()).unwrap();
    let schema = json!({ "type": "object", "properties": { "phase": phase } });
    let compiled = compile_schema(&schema);
    let validator = Validator::new();
    let admitted = |old: &str, new: &str| {
        let verdict = validator.validate_compiled(
            &compiled,
            &json!({ "phase": new }),
            Some(&json!({ "phase": old })),
        );
        verdict.is_ok()
    };
    assert!(admitted("Legacy", "Legacy"), "stored, left as it is");
    assert!(admitted("Legacy", "Running"), "by its exit");
    assert!(!admitted("Legacy", "Done"));
    assert!(!admitted("Running", "Legacy"), "nothing moves in");

    // The typed handle of a stored legacy order: its one method is its exit.
    let stored: Typed<Order, order_phase::Legacy> = Typed::try_new(Order {
        phase: OrderPhase::Legacy,
    })
    .unwrap();
    let resumed = stored.resume();
    assert_eq!(resumed.state(), OrderPhase::Running);
    assert_eq!(resumed.finish().state(), OrderPhase::Done);
}
