// `enforce_initial` adds the create-time rule beside the transition rule; the machine and
// its client-side twin know it too.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(schema, enforce_initial)]
#[lifecycle(event(start: Idle -> Busy), event(stop: Busy -> Idle))]
#[lifecycle(event(retire: Idle -> Retired))]
enum Worker {
    #[lifecycle(initial)]
    Idle,
    Busy,
    #[lifecycle(terminal)]
    Retired,
}

fn main() {
    let schema = serde_json::to_value(schemars::schema_for!(Worker)).unwrap();
    let rules = schema["x-kubernetes-validations"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1]["rule"], "oldSelf.hasValue() || self in ['Idle']");
    assert_eq!(rules[1]["optionalOldSelf"], true);
    assert_eq!(rules[1]["message"], "phase must start in an initial state of the Worker lifecycle: Idle");
    assert_eq!(rules[1]["reason"], "FieldValueInvalid");
    let machine = Worker::machine();
    assert!(machine.enforce_initial);
    assert_eq!(
        machine.start_denial(1).as_deref(),
        Some("phase cannot start at Busy; it may start at Idle")
    );
}
