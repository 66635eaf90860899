//! The CEL of a `ValidatingAdmissionPolicy` that guards who may move the phase: the API
//! server's CRD rules judge a change by the objects alone, an admission policy also sees
//! `request.userInfo`.

use crate::Machine;
use crate::cel::{cel_string, is_field_path};

/// The expressions of a writer policy for one phase field, as a
/// `ValidatingAdmissionPolicy` takes them: two variables that read the phase before and
/// after the request (the default state where the field is absent), one validation and
/// its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterRule {
    /// The field, from the object's root (`spec.lifecycle.desiredPhase`).
    pub field: String,
    /// The CEL of variable `oldPhase`: the phase of `oldObject`.
    pub old_phase: String,
    /// The CEL of variable `newPhase`: the phase of `object`.
    pub new_phase: String,
    /// The validation: the phase stays put, or a writer asks.
    pub expression: String,
    /// The denial in the requester's terms: who asked, the move, who may make it.
    pub message_expression: String,
    /// The static message the server falls back to.
    pub message: String,
}

impl Machine {
    /// The writer rule for the phase at `field` (a dotted path from the object's root):
    /// only `writers`, user names as the API server authenticates them
    /// (`system:serviceaccount:NAMESPACE:NAME` for a ServiceAccount), may change it;
    /// everyone else's requests pass only when the phase stays put. `None` when `field`
    /// is not a dotted path of identifiers.
    pub fn writer_rule(&self, field: &str, writers: &[String]) -> Option<WriterRule> {
        if !is_field_path(field) {
            return None;
        }
        let names: Vec<String> = writers.iter().map(|w| cel_string(w)).collect();
        let message = writers_message(field, writers);
        Some(WriterRule {
            field: field.to_owned(),
            old_phase: self.phase_value("oldObject", field),
            new_phase: self.phase_value("object", field),
            expression: format!(
                "variables.oldPhase == variables.newPhase || request.userInfo.username in [{}]",
                names.join(", ")
            ),
            message_expression: format!(
                "{} + ': ' + request.userInfo.username + ' may not move it from ' + variables.oldPhase + ' to ' + variables.newPhase",
                cel_string(&message)
            ),
            message,
        })
    }

    /// The verdict [`Machine::writer_rule`]'s policy gives `username` moving the phase
    /// from `old` to `new` (`None`: the field is absent, read as the default state): `Ok`
    /// when the phase stays put or `username` is a writer, otherwise the denial, word
    /// for word as the policy's `messageExpression` renders it.
    pub fn writer_verdict(
        &self,
        field: &str,
        writers: &[String],
        username: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), String> {
        let default = self
            .default_state
            .map(|d| self.states[d].as_str())
            .unwrap_or_default();
        let (from, to) = (old.unwrap_or(default), new.unwrap_or(default));
        if from == to || writers.iter().any(|w| w == username) {
            return Ok(());
        }
        Err(format!(
            "{}: {username} may not move it from {from} to {to}",
            writers_message(field, writers)
        ))
    }
}

/// The static message of a writer rule: the field and who may change it.
fn writers_message(field: &str, writers: &[String]) -> String {
    let who = match writers.len() {
        0 => "nobody".to_owned(),
        _ => writers.join(", "),
    };
    format!("{field} may be changed only by {who}")
}
