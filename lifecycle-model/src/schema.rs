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

/// The schema of the phase field: a string enum of the states (and their former names,
/// `#[lifecycle(alias = "...")]`, which stored objects may still hold), with the
/// transition rule
/// in `x-kubernetes-validations` unless every move is legal. Its `messageExpression`
/// tells the requester their move and where the old phase may go; `message` is the
/// fallback the server requires. A machine that enforces its initial states
/// (`#[lifecycle(enforce_initial)]`) adds [`Machine::initial_rule`] with
/// `optionalOldSelf: true`, which the server also runs when the field has no old value.
///
/// [`Machine::initial_rule`]: crate::machine::Machine::initial_rule
pub fn phase_schema<P: Lifecycle>() -> Schema {
    let machine = P::machine();
    let mut names = machine.states.clone();
    names.extend(machine.aliases.iter().map(|(old, _)| old.clone()));
    let mut schema = json!({
        "type": "string",
        "enum": names,
    });
    let mut rules = Vec::new();
    if let Some(rule) = machine.transition_rule() {
        rules.push(json!({
            "rule": rule,
            "message": machine.transition_message(),
            "messageExpression": machine.transition_message_expression(),
            "reason": TRANSITION_REASON,
        }));
    }
    if let Some(rule) = machine.initial_rule() {
        rules.push(json!({
            "rule": rule,
            "optionalOldSelf": true,
            "message": machine.initial_message(),
            "messageExpression": machine.initial_message_expression(),
            "reason": TRANSITION_REASON,
        }));
    }
    if !rules.is_empty() {
        schema["x-kubernetes-validations"] = Value::Array(rules);
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
                    "messageExpression": rule.message_expression,
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

/// The schema of one `metav1.Condition`, with the bounds and patterns Kubernetes declares
/// for it.
fn condition_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "status", "lastTransitionTime", "reason", "message"],
        "properties": {
            "type": {
                "type": "string",
                "maxLength": 316,
                "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
            },
            "status": { "type": "string", "enum": ["True", "False", "Unknown"] },
            "observedGeneration": { "type": "integer", "format": "int64", "minimum": 0 },
            "lastTransitionTime": { "type": "string", "format": "date-time" },
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024,
                "pattern": "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
            },
            "message": { "type": "string", "maxLength": 32768 },
        },
    })
}

impl schemars::JsonSchema for crate::conditions::Condition {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Condition".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> Schema {
        Schema::try_from(condition_schema()).unwrap_or_default()
    }
}

/// The schema of a `status.conditions` list: [`Condition`](crate::conditions::Condition)
/// entries in a list-map keyed by `type`, as Kubernetes' own types declare it, so that
/// server-side apply merges conditions by type instead of replacing the list. Use it on
/// the field:
///
/// ```
/// use lifecycle_model::conditions::Condition;
///
/// #[derive(schemars::JsonSchema)]
/// struct Status {
///     #[schemars(schema_with = "lifecycle_model::schema::conditions_schema")]
///     conditions: Vec<Condition>,
/// }
///
/// let schema = serde_json::to_value(schemars::schema_for!(Status)).unwrap();
/// let conditions = &schema["properties"]["conditions"];
/// assert_eq!(conditions["x-kubernetes-list-type"], "map");
/// assert_eq!(conditions["x-kubernetes-list-map-keys"], serde_json::json!(["type"]));
/// assert_eq!(conditions["items"]["properties"]["status"]["enum"][0], "True");
/// ```
pub fn conditions_schema(_: &mut schemars::SchemaGenerator) -> Schema {
    let schema = json!({
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        "items": condition_schema(),
    });
    Schema::try_from(schema).unwrap_or_default()
}
