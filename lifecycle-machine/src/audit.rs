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
