//! What a version of a lifecycle makes of the phases already stored: the pre-upgrade
//! audit. An object is stranded when the new version cannot read its phase, or reads it
//! as a state it can no longer leave though the state is not terminal.

use crate::Machine;

impl Machine {
    /// Why an object whose phase field holds `stored` (`None` when unset) would be
    /// stranded under this machine, or `None` when it would not: the phase reads as a
    /// state (by its name or a former name, or unset with a default state, or unset
    /// before its first phase) from which it can still move, or which is terminal.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut job = Machine::new("Job", ["Running", "Backoff", "Stuck", "Done"]);
    /// job.initial = vec![0];
    /// job.terminal = vec![3];
    /// job.events.push(EventSpec::new("fail", [0], 1));
    /// job.events.push(EventSpec::new("retry", [1], 0));
    /// job.events.push(EventSpec::new("finish", [0], 3));
    /// job.events.push(EventSpec::new("jam", [0], 2));
    /// job.aliases.push(("Retrying".to_owned(), 1));
    ///
    /// assert_eq!(job.strands(Some("Retrying")), None, "a former name reads");
    /// assert_eq!(job.strands(Some("Done")), None, "terminal");
    /// assert_eq!(job.strands(None), None, "not started");
    /// assert_eq!(
    ///     job.strands(Some("Waiting")).as_deref(),
    ///     Some("`Waiting` is not a state of Job, nor a former name of one: the new version cannot read it, and the server refuses the object's next write; its states are: Running, Backoff, Stuck, Done")
    /// );
    /// assert_eq!(
    ///     job.strands(Some("Stuck")).as_deref(),
    ///     Some("objects in `Stuck` can no longer move: no event leaves it, and it is not terminal")
    /// );
    /// ```
    pub fn strands(&self, stored: Option<&str>) -> Option<String> {
        let state = match stored {
            Some(name) => match self.resolve(name) {
                Some(state) => state,
                None => {
                    return Some(format!(
                        "`{name}` is not a state of {}, nor a former name of one: the new version cannot read it, and the server refuses the object's next write; its states are: {}",
                        self.name,
                        self.states.join(", ")
                    ));
                }
            },
            None => self.default_state?,
        };
        let stuck = !self.terminal.contains(&state) && self.targets(state).is_empty();
        stuck.then(|| {
            format!(
                "objects in `{}` can no longer move: no event leaves it, and it is not terminal",
                self.states[state]
            )
        })
    }
}

/// A stored object a new version would strand ([`stranded`]).
#[cfg(feature = "json")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrandedObject {
    /// Its namespace; empty for a cluster-scoped object.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The phase field whose value strands it.
    pub field: String,
    /// What the field holds; `None` when unset.
    pub phase: Option<String>,
    /// Why, in [`Machine::strands`]' words.
    pub why: String,
}

/// The objects among `objects` (as the API server returns them) that `machines` (each
/// with the path of its phase field, as a CRD carries them) would strand, in order,
/// once per object and field.
///
/// ```
/// use lifecycle_machine::{EventSpec, Machine, stranded};
///
/// let mut job = Machine::new("Job", ["Running", "Done"]);
/// job.initial = vec![0];
/// job.terminal = vec![1];
/// job.events.push(EventSpec::new("finish", [0], 1));
/// let machines = [("status.phase".to_owned(), job)];
/// let objects = [
///     serde_json::json!({ "metadata": { "name": "a", "namespace": "ns" }, "status": { "phase": "Running" } }),
///     serde_json::json!({ "metadata": { "name": "b", "namespace": "ns" }, "status": { "phase": "Retrying" } }),
/// ];
/// let found = stranded(&objects, &machines);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].name, "b");
/// assert_eq!(found[0].phase.as_deref(), Some("Retrying"));
/// ```
#[cfg(feature = "json")]
pub fn stranded(
    objects: &[serde_json::Value],
    machines: &[(String, Machine)],
) -> Vec<StrandedObject> {
    let mut out = Vec::new();
    for object in objects {
        for (field, machine) in machines {
            let stored = crate::json::value_at(object, field).filter(|v| !v.is_null());
            let phase = stored.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            if let Some(why) = machine.strands(phase.as_deref()) {
                let meta = |key: &str| object["metadata"][key].as_str().unwrap_or("").to_owned();
                out.push(StrandedObject {
                    namespace: meta("namespace"),
                    name: meta("name"),
                    field: field.clone(),
                    phase,
                    why,
                });
            }
        }
    }
    out
}
