//! JSON schemas whose CEL rules make the API server enforce the lifecycle.
//!
//! `#[lifecycle(schema)]` makes the phase enum's `JsonSchema` call [`phase_schema`]; put
//! [`action_rules`] on the object that holds both the phase and the fields actions mutate:
//!
//! ```
//! use lifecycle_model::Lifecycle;
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(schema, event(start: Idle -> Busy), event(stop: Busy -> Idle))]
//! #[lifecycle(event(retire: Idle -> Retired))]
//! enum Worker {
//!     #[lifecycle(initial)]
//!     Idle,
//!     Busy,
//!     #[lifecycle(terminal)]
//!     Retired,
//! }
//!
//! let schema = serde_json::to_value(schemars::schema_for!(Worker)).unwrap();
//! assert_eq!(schema["enum"], serde_json::json!(["Idle", "Busy", "Retired"]));
//! let rule = &schema["x-kubernetes-validations"][0];
//! assert_eq!(
//!     rule["rule"],
//!     "self == oldSelf || (oldSelf == 'Idle' && self in ['Busy', 'Retired']) || (oldSelf == 'Busy' && self in ['Idle'])"
//! );
//! assert_eq!(rule["reason"], "FieldValueInvalid");
//! ```

use schemars::Schema;
use serde_json::{Value, json};

use crate::Lifecycle;

/// The `reason` of a failed transition rule.
pub const TRANSITION_REASON: &str = "FieldValueInvalid";
/// The `reason` of a failed action rule.
pub const ACTION_REASON: &str = "FieldValueForbidden";

/// The schema of the phase field: a string enum of the states, with the transition rule
/// in `x-kubernetes-validations` unless every move is legal.
pub fn phase_schema<P: Lifecycle>() -> Schema {
    let machine = P::machine();
    let mut schema = json!({
        "type": "string",
        "enum": machine.states,
    });
    if let Some(rule) = machine.transition_rule() {
        schema["x-kubernetes-validations"] = json!([{
            "rule": rule,
            "message": machine.transition_message(),
            "reason": TRANSITION_REASON,
        }]);
    }
    Schema::try_from(schema).unwrap_or_default()
}

/// A schemars transform that adds the object-level rule of every action of `P` that
/// names a field. Use it on the struct that holds the phase and those fields:
/// `#[schemars(transform = lifecycle_model::schema::action_rules::<MyPhase>)]`.
pub fn action_rules<P: Lifecycle>(schema: &mut Schema) {
    let machine = P::machine();
    for action in 0..machine.actions.len() {
        if let Some(rule) = machine.action_rule(action) {
            push_validation(
                schema,
                json!({
                    "rule": rule.rule,
                    "message": rule.message,
                    "fieldPath": rule.field_path,
                    "reason": ACTION_REASON,
                }),
            );
        }
    }
}

/// Appends `rule` to the schema's `x-kubernetes-validations`.
pub fn push_validation(schema: &mut Schema, rule: Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    match object
        .entry("x-kubernetes-validations")
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(rules) => rules.push(rule),
        other => *other = Value::Array(vec![rule]),
    }
}
