// `schema` emits a schemars `JsonSchema`: the states as a string enum plus the transition rule.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(schema)]
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
    assert_eq!(schema["type"], "string");
    assert_eq!(
        schema["enum"],
        serde_json::json!(["Idle", "Busy", "Retired"])
    );
    let rule = &schema["x-kubernetes-validations"][0];
    assert_eq!(
        rule["rule"],
        "self == oldSelf || (oldSelf == 'Idle' && self in ['Busy', 'Retired']) || (oldSelf == 'Busy' && self in ['Idle'])"
    );
    assert_eq!(rule["reason"], "FieldValueInvalid");
}
