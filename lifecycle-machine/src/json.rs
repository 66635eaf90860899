//! The machine as a versioned JSON document: what travels with a CRD, what tools outside
//! Rust read, and what `lifecycle diff` compares.
//!
//! Every reference names its target (a state, a role) rather than giving its index, so a
//! document reads on its own. The format is identified by its `format` member,
//! [`FORMAT`]; members a reader does not know are ignored, so later additions keep the
//! version. The attribute reference (`lifecycle_model::reference`) documents each member.
//!
//! ```
//! use lifecycle_machine::{EventSpec, Machine};
//!
//! let mut door = Machine::new("Door", ["Open", "Closed"]);
//! door.initial = vec![1];
//! door.events.push(EventSpec::new("open", [1], 0).with_verb("open"));
//! let json = door.to_json();
//! assert!(json.contains(r#""format": "lifecycle.machine/v1""#));
//! assert!(json.contains(r#""from": ["#));
//! assert_eq!(Machine::from_json(&json).unwrap(), door);
//!
//! let wrong = json.replace(r#""to": "Open""#, r#""to": "Ajar""#);
//! assert_eq!(
//!     Machine::from_json(&wrong).unwrap_err().to_string(),
//!     "event `open` leads to `Ajar`, which is not a state of `Door`; its states are: Open, Closed"
//! );
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ActionSpec, EventSpec, Machine, RoleSpec};

/// The `format` member of every document this version writes and reads.
pub const FORMAT: &str = "lifecycle.machine/v1";

/// The annotation of a CustomResourceDefinition that carries its kind's lifecycles: a
/// JSON object from the path of each phase field (`status.phase`) to its machine's
/// document (`lifecycle_model::crd` writes and reads it).
pub const MACHINES_ANNOTATION: &str = "lifecycle.rs/machines";

/// Why a document does not read as a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Not JSON, or not of the document's shape: serde_json's message.
    Syntax(String),
    /// A `format` other than [`FORMAT`].
    Format(String),
    /// A state listed twice.
    DuplicateState(String),
    /// A role listed twice.
    DuplicateRole(String),
    /// A reference to a state the document does not list: where it stands, the name.
    UnknownState {
        /// Where the name stands, as the message says it (`event \`open\` leads to`).
        place: String,
        /// The name.
        name: String,
        /// The machine's name.
        machine: String,
        /// The states there are.
        states: Vec<String>,
    },
    /// A state listed under two conditions: a state stands for one at most.
    TwoConditions {
        /// The state.
        state: String,
        /// The conditions it is listed under.
        conditions: [&'static str; 2],
    },
    /// A reference to a role the document does not list.
    UnknownRole {
        /// The action that names it.
        action: String,
        /// The name.
        name: String,
        /// The roles there are.
        roles: Vec<String>,
    },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax(message) => write!(f, "not a machine document: {message}"),
            JsonError::Format(format) => write!(
                f,
                "format `{format}` is not one this version reads; it reads `{FORMAT}`"
            ),
            JsonError::DuplicateState(name) => write!(f, "state `{name}` is listed twice"),
            JsonError::DuplicateRole(name) => write!(f, "role `{name}` is listed twice"),
            JsonError::TwoConditions { state, conditions } => write!(
                f,
                "state `{state}` is listed under both `{}` and `{}`; a state stands for one condition at most",
                conditions[0], conditions[1]
            ),
            JsonError::UnknownState {
                place,
                name,
                machine,
                states,
            } => write!(
                f,
                "{place} `{name}`, which is not a state of `{machine}`; its states are: {}",
                states.join(", ")
            ),
            JsonError::UnknownRole {
                action,
                name,
                roles,
            } => write!(
                f,
                "action `{action}` names role `{name}`, which is not declared; the roles are: {}",
                if roles.is_empty() {
                    "(none)".to_owned()
                } else {
                    roles.join(", ")
                }
            ),
        }
    }
}

impl std::error::Error for JsonError {}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    format: String,
    name: String,
    states: Vec<String>,
    #[serde(default)]
    initial: Vec<String>,
    #[serde(default)]
    enforce_initial: bool,
    #[serde(default)]
    terminal: Vec<String>,
    #[serde(default)]
    default_state: Option<String>,
    #[serde(default)]
    events: Vec<EventDocument>,
    #[serde(default)]
    roles: Vec<RoleDocument>,
    #[serde(default)]
    actions: Vec<ActionDocument>,
    #[serde(default)]
    phase_field: Option<String>,
    #[serde(default)]
    conditions: ConditionsDocument,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<AliasDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    retired: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct AliasDocument {
    name: String,
    state: String,
}

#[derive(Serialize, Deserialize)]
struct EventDocument {
    name: String,
    from: Vec<String>,
    to: String,
    #[serde(default)]
    verb: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct RoleDocument {
    name: String,
    #[serde(default)]
    cel: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ActionDocument {
    name: String,
    states: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    field: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct ConditionsDocument {
    #[serde(default)]
    ready: Vec<String>,
    #[serde(default)]
    reconciling: Vec<String>,
    #[serde(default)]
    stalled: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    suspended: Vec<String>,
}

impl Machine {
    /// The machine as a [`FORMAT`] document, indented.
    ///
    /// Indices out of range (a hand-built machine that [`Machine::problems`] would
    /// refuse) are written as `#index`, which [`Machine::from_json`] refuses.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_json_value()).unwrap_or_default()
    }

    /// The same document as [`Machine::to_json`], as a JSON value, to embed in another
    /// document.
    pub fn to_json_value(&self) -> serde_json::Value {
        let state = |i: &usize| {
            self.states
                .get(*i)
                .cloned()
                .unwrap_or_else(|| format!("#{i}"))
        };
        let states = |list: &[usize]| list.iter().map(state).collect::<Vec<_>>();
        let role = |i: &usize| {
            self.roles
                .get(*i)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| format!("#{i}"))
        };
        let document = Document {
            format: FORMAT.to_owned(),
            name: self.name.clone(),
            states: self.states.clone(),
            initial: states(&self.initial),
            enforce_initial: self.enforce_initial,
            terminal: states(&self.terminal),
            default_state: self.default_state.as_ref().map(state),
            events: self
                .events
                .iter()
                .map(|e| EventDocument {
                    name: e.name.clone(),
                    from: states(&e.from),
                    to: state(&e.to),
                    verb: e.verb.clone(),
                })
                .collect(),
            roles: self
                .roles
                .iter()
                .map(|r| RoleDocument {
                    name: r.name.clone(),
                    cel: r.cel.clone(),
                })
                .collect(),
            actions: self
                .actions
                .iter()
                .map(|a| ActionDocument {
                    name: a.name.clone(),
                    states: states(&a.states),
                    roles: a.roles.iter().map(role).collect(),
                    field: a.field.clone(),
                })
                .collect(),
            phase_field: self.phase_field.clone(),
            conditions: ConditionsDocument {
                ready: states(&self.ready),
                reconciling: states(&self.reconciling),
                stalled: states(&self.stalled),
                suspended: states(&self.suspended),
            },
            retired: states(&self.retired),
            aliases: self
                .aliases
                .iter()
                .map(|(name, s)| AliasDocument {
                    name: name.clone(),
                    state: state(s),
                })
                .collect(),
        };
        serde_json::to_value(&document).unwrap_or_default()
    }

    /// Reads a [`FORMAT`] document back; [`Machine::to_json`] of the result gives the
    /// same document again. Members this version does not know are ignored.
    ///
    /// # Errors
    ///
    /// When the text is not a document of this shape, its `format` is another, a state
    /// or role is listed twice, or a reference names a state or role not listed; the
    /// message says what is wrong and what is allowed.
    pub fn from_json(text: &str) -> Result<Machine, JsonError> {
        let document = serde_json::from_str(text).map_err(|e| JsonError::Syntax(e.to_string()))?;
        Machine::from_document(document)
    }

    /// Reads a document already parsed as a JSON value, as [`Machine::from_json`] reads
    /// its text.
    ///
    /// # Errors
    ///
    /// As [`Machine::from_json`]'s.
    pub fn from_json_value(value: serde_json::Value) -> Result<Machine, JsonError> {
        let document =
            serde_json::from_value(value).map_err(|e| JsonError::Syntax(e.to_string()))?;
        Machine::from_document(document)
    }

    fn from_document(document: Document) -> Result<Machine, JsonError> {
        if document.format != FORMAT {
            return Err(JsonError::Format(document.format));
        }
        if let Some(twice) = repeated(&document.states) {
            return Err(JsonError::DuplicateState(twice));
        }
        let role_names: Vec<String> = document.roles.iter().map(|r| r.name.clone()).collect();
        if let Some(twice) = repeated(&role_names) {
            return Err(JsonError::DuplicateRole(twice));
        }
        let index = |place: &str, name: &String| {
            document
                .states
                .iter()
                .position(|s| s == name)
                .ok_or_else(|| JsonError::UnknownState {
                    place: place.to_owned(),
                    name: name.clone(),
                    machine: document.name.clone(),
                    states: document.states.clone(),
                })
        };
        let indices = |place: &str, names: &[String]| {
            names
                .iter()
                .map(|n| index(place, n))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut events = Vec::with_capacity(document.events.len());
        for e in &document.events {
            let from = indices(&format!("event `{}` fires from", e.name), &e.from)?;
            let to = index(&format!("event `{}` leads to", e.name), &e.to)?;
            events.push(EventSpec {
                name: e.name.clone(),
                from,
                to,
                verb: e.verb.clone(),
            });
        }
        let mut actions = Vec::with_capacity(document.actions.len());
        for a in &document.actions {
            let states = indices(&format!("action `{}` is allowed in", a.name), &a.states)?;
            let roles =
                a.roles
                    .iter()
                    .map(|r| {
                        role_names.iter().position(|n| n == r).ok_or_else(|| {
                            JsonError::UnknownRole {
                                action: a.name.clone(),
                                name: r.clone(),
                                roles: role_names.clone(),
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
            actions.push(ActionSpec {
                name: a.name.clone(),
                states,
                roles,
                field: a.field.clone(),
            });
        }
        let aliases = document
            .aliases
            .iter()
            .map(|a| {
                let state = index(&format!("former name `{}` names", a.name), &a.state)?;
                Ok((a.name.clone(), state))
            })
            .collect::<Result<Vec<_>, JsonError>>()?;
        let listed = [
            ("ready", &document.conditions.ready),
            ("reconciling", &document.conditions.reconciling),
            ("stalled", &document.conditions.stalled),
            ("suspended", &document.conditions.suspended),
        ];
        for (i, (first, states)) in listed.iter().enumerate() {
            for (second, others) in &listed[i + 1..] {
                if let Some(state) = states.iter().find(|s| others.contains(s)) {
                    return Err(JsonError::TwoConditions {
                        state: state.clone(),
                        conditions: [first, second],
                    });
                }
            }
        }
        Ok(Machine {
            aliases,
            retired: indices("a retired state is", &document.retired)?,
            name: document.name.clone(),
            states: document.states.clone(),
            initial: indices("an initial state is", &document.initial)?,
            enforce_initial: document.enforce_initial,
            terminal: indices("a terminal state is", &document.terminal)?,
            default_state: document
                .default_state
                .as_ref()
                .map(|s| index("the default state is", s))
                .transpose()?,
            events,
            roles: document
                .roles
                .iter()
                .map(|r| RoleSpec {
                    name: r.name.clone(),
                    cel: r.cel.clone(),
                })
                .collect(),
            actions,
            phase_field: document.phase_field.clone(),
            ready: indices("a ready state is", &document.conditions.ready)?,
            reconciling: indices("a reconciling state is", &document.conditions.reconciling)?,
            stalled: indices("a stalled state is", &document.conditions.stalled)?,
            suspended: indices("a suspended state is", &document.conditions.suspended)?,
        })
    }
}

/// The value at the dotted `path` of `object` (`status.phase`), as a phase field is
/// read from an object.
///
/// ```
/// let pipeline = serde_json::json!({ "status": { "phase": "Running" } });
/// let phase = lifecycle_machine::json::value_at(&pipeline, "status.phase");
/// assert_eq!(phase, Some(&serde_json::json!("Running")));
/// assert_eq!(lifecycle_machine::json::value_at(&pipeline, "spec.phase"), None);
/// ```
pub fn value_at<'a>(object: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .try_fold(object, |value, key| value.get(key))
}

/// The first name that appears twice in `names`.
fn repeated(names: &[String]) -> Option<String> {
    names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
        .map(|(_, n)| n.clone())
}

/// Why the machines an annotation [`MACHINES_ANNOTATION`] carries cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CarriedError {
    /// The annotation is not a JSON object: serde_json's message.
    NotAnObject(String),
    /// The machine of one phase field does not read.
    Machine {
        /// The phase field's path.
        path: String,
        /// What is wrong with its document.
        error: JsonError,
    },
}

impl fmt::Display for CarriedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CarriedError::NotAnObject(message) => write!(
                f,
                "annotation {MACHINES_ANNOTATION} is not a JSON object of machines by phase field: {message}"
            ),
            CarriedError::Machine { path, error } => {
                write!(f, "the machine of {path} in {MACHINES_ANNOTATION}: {error}")
            }
        }
    }
}

impl std::error::Error for CarriedError {}

/// The machines the text of a [`MACHINES_ANNOTATION`] annotation carries, each with the
/// path of its phase field, in the order of their paths.
///
/// # Errors
///
/// When the text is not a JSON object, or a machine in it does not read
/// ([`Machine::from_json`]).
pub fn carried(text: &str) -> Result<Vec<(String, Machine)>, CarriedError> {
    let machines: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| CarriedError::NotAnObject(e.to_string()))?;
    machines
        .into_iter()
        .map(
            |(path, document)| match Machine::from_json_value(document) {
                Ok(machine) => Ok((path, machine)),
                Err(error) => Err(CarriedError::Machine { path, error }),
            },
        )
        .collect()
}
