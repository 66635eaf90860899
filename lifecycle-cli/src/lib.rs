//! The work of the `lifecycle` command, as functions the binary calls and tests drive.
//!
//! `lifecycle diff OLD NEW` reads the lifecycles each file holds, compares them by
//! [`Machine::diff`], prints each change with its class, and fails when one is breaking.
//! A file is either one machine document (`lifecycle.machine/v1`, as `Machine::to_json`
//! writes it) or CRDs, in YAML or JSON, one or several documents, carrying their
//! lifecycles in the annotation `lifecycle.rs/machines`.
//!
//! ```
//! use lifecycle_cli::diff;
//! use lifecycle_machine::{EventSpec, Machine};
//!
//! let mut old = Machine::new("Door", ["Open", "Closed"]);
//! old.initial = vec![1];
//! old.events.push(EventSpec::new("open", [1], 0));
//! old.events.push(EventSpec::new("close", [0], 1));
//! let mut new = old.clone();
//! new.events.pop();
//!
//! let mut out = Vec::new();
//! let breaking = diff(&old.to_json(), &new.to_json(), &mut out).unwrap();
//! assert!(breaking);
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "Door: breaking: objects in `Open` can no longer move: no event leaves it any more\n\
//!      Door: needs migration: event `close` is gone: Events, metrics and callers that name it change\n"
//! );
//! ```

#[cfg(feature = "plugin")]
pub mod plugin;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use lifecycle_machine::Machine;
use lifecycle_machine::diff::{Change, Class};
use lifecycle_machine::json::{CarriedError, JsonError, MACHINES_ANNOTATION, carried};
use serde_json::Value;

/// Why a file holds no lifecycle this command can read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// Neither JSON nor YAML.
    Syntax(String),
    /// A machine document that does not read.
    Machine {
        /// Where it stands: the machine's name, or the CRD and the phase field.
        place: String,
        /// What is wrong with it.
        error: JsonError,
    },
    /// A CRD whose annotation does not read.
    Carried {
        /// The CRD's name.
        crd: String,
        /// What is wrong with its annotation.
        error: Box<CarriedError>,
    },
    /// Documents, but no machine document and no CRD that carries one.
    NoLifecycle,
    /// Writing the report failed.
    Output(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Syntax(message) => write!(f, "neither JSON nor YAML: {message}"),
            ReadError::Machine { place, error } => write!(f, "{place}: {error}"),
            ReadError::Carried { crd, error } => write!(f, "{crd}: {error}"),
            ReadError::NoLifecycle => write!(
                f,
                "no lifecycle here: expected a machine document (format lifecycle.machine/v1) \
                 or CRDs with the annotation {MACHINES_ANNOTATION}"
            ),
            ReadError::Output(error) => write!(f, "writing the report: {error}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// The lifecycles `text` holds, by where they live: a machine document's name, or
/// `CRD-NAME PHASE-FIELD` for the machines CRDs carry.
///
/// # Errors
///
/// When `text` is neither JSON nor YAML, a machine in it does not read, or it holds
/// none.
pub fn lifecycles_in(text: &str) -> Result<BTreeMap<String, Machine>, ReadError> {
    let documents: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(value) => vec![value],
        Err(_) => {
            serde_saphyr::from_multiple(text).map_err(|e| ReadError::Syntax(e.to_string()))?
        }
    };
    let mut found = BTreeMap::new();
    for document in documents {
        if document.get("format").is_some() {
            let place = document["name"].as_str().unwrap_or("(unnamed)").to_owned();
            let machine =
                Machine::from_json_value(document).map_err(|error| ReadError::Machine {
                    place: place.clone(),
                    error,
                })?;
            found.insert(place, machine);
            continue;
        }
        let annotation = document
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(MACHINES_ANNOTATION))
            .and_then(Value::as_str);
        let Some(annotation) = annotation else {
            continue;
        };
        let crd = document
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        let machines = carried(annotation).map_err(|error| ReadError::Carried {
            crd: crd.to_owned(),
            error: Box::new(error),
        })?;
        for (path, machine) in machines {
            found.insert(format!("{crd} {path}"), machine);
        }
    }
    if found.is_empty() {
        return Err(ReadError::NoLifecycle);
    }
    Ok(found)
}

/// The changes from the lifecycles of `old` to those of `new`, each with where it
/// lives. Two single machine documents are compared whatever their names.
pub fn changes(
    old: &BTreeMap<String, Machine>,
    new: &BTreeMap<String, Machine>,
) -> Vec<(String, Change)> {
    if let ([(name, a)], [(_, b)]) = (
        old.iter().collect::<Vec<_>>().as_slice(),
        new.iter().collect::<Vec<_>>().as_slice(),
    ) && a.name == **name
    {
        return a
            .diff(b)
            .into_iter()
            .map(|c| ((*name).clone(), c))
            .collect();
    }
    let mut all = Vec::new();
    for (place, a) in old {
        match new.get(place) {
            Some(b) => all.extend(a.diff(b).into_iter().map(|c| (place.clone(), c))),
            None => all.push((
                place.clone(),
                Change {
                    class: Class::Breaking,
                    message: "this lifecycle is gone: nothing guards its objects' phase any more"
                        .to_owned(),
                },
            )),
        }
    }
    for place in new.keys().filter(|p| !old.contains_key(*p)) {
        all.push((
            place.clone(),
            Change {
                class: Class::Safe,
                message: "this lifecycle is new".to_owned(),
            },
        ));
    }
    all
}

/// Writes each change to `out` as `WHERE: CLASS: MEANING`, and says whether any is
/// breaking.
///
/// # Errors
///
/// When `out` fails.
pub fn report(changes: &[(String, Change)], out: &mut impl Write) -> std::io::Result<bool> {
    for (place, change) in changes {
        writeln!(out, "{place}: {change}")?;
    }
    Ok(changes.iter().any(|(_, c)| c.class == Class::Breaking))
}

/// `lifecycle diff` on two texts: [`lifecycles_in`] each, [`changes`], [`report`].
///
/// # Errors
///
/// When either text holds no lifecycle that reads, or `out` fails.
pub fn diff(old: &str, new: &str, out: &mut impl Write) -> Result<bool, ReadError> {
    let (old, new) = (lifecycles_in(old)?, lifecycles_in(new)?);
    report(&changes(&old, &new), out).map_err(ReadError::Output)
}
