//! Errors of the runtime twin.

/// A runtime lifecycle check failed: it says what was attempted and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// A move the lifecycle does not allow.
    #[error("`{machine}` cannot move from `{from}` to `{to}`; from `{from}` it may move to: {}", list(.allowed))]
    IllegalTransition {
        /// The machine's name.
        machine: &'static str,
        /// The current state.
        from: &'static str,
        /// The state asked for.
        to: &'static str,
        /// The states reachable from `from` in one event.
        allowed: Vec<&'static str>,
    },
    /// An event fired from a state it does not leave.
    #[error("event `{event}` cannot fire from `{from}` in `{machine}`; it fires from: {}", list(.allowed_from))]
    EventNotAllowed {
        /// The machine's name.
        machine: &'static str,
        /// The event's name.
        event: &'static str,
        /// The current state.
        from: &'static str,
        /// The states the event fires from.
        allowed_from: Vec<&'static str>,
    },
    /// No event has this name.
    #[error("`{machine}` has no event `{event}`; its events are: {}", list(.known))]
    UnknownEvent {
        /// The machine's name.
        machine: &'static str,
        /// The name asked for.
        event: String,
        /// The declared events.
        known: Vec<&'static str>,
    },
    /// An action attempted where it is not allowed.
    #[error("`{action}` is not allowed in `{state}` for role `{role}` in `{machine}`; for `{role}` it is allowed in: {}", list(.allowed_in))]
    ActionNotAllowed {
        /// The machine's name.
        machine: &'static str,
        /// The action's name.
        action: &'static str,
        /// The current state.
        state: &'static str,
        /// The object's role.
        role: &'static str,
        /// The states where the action is allowed for this role.
        allowed_in: Vec<&'static str>,
    },
    /// No action has this name.
    #[error("`{machine}` has no action `{action}`; its actions are: {}", list(.known))]
    UnknownAction {
        /// The machine's name.
        machine: &'static str,
        /// The name asked for.
        action: String,
        /// The declared actions.
        known: Vec<&'static str>,
    },
    /// An object that already has a phase was asked to enter the lifecycle.
    #[error(
        "a `{machine}` object in `{phase}` has entered its lifecycle already; only an object without a phase enters it"
    )]
    AlreadyEntered {
        /// The machine's name.
        machine: &'static str,
        /// The phase the object is in.
        phase: &'static str,
    },
    /// An object's phase or role matched no typed state once written: its `HasPhase`
    /// implementation does not read back what it wrote.
    #[error("expected a `{machine}` object in {expected}, found {found}")]
    NotTyped {
        /// The machine's name.
        machine: &'static str,
        /// The state and role the object was to be in.
        expected: String,
        /// What it holds.
        found: String,
    },
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        items.join(", ")
    }
}

/// An object's phase or role did not match the typed state asked for. The object comes
/// back unharmed: [`Mismatch::into_inner`].
pub struct Mismatch<T> {
    object: T,
    machine: &'static str,
    expected: String,
    found: String,
}

impl<T> Mismatch<T> {
    pub(crate) fn new(object: T, machine: &'static str, expected: String, found: String) -> Self {
        Mismatch {
            object,
            machine,
            expected,
            found,
        }
    }

    /// The object, given back as it was handed in.
    pub fn into_inner(self) -> T {
        self.object
    }

    /// The object and the mismatch as a [`LifecycleError`].
    pub(crate) fn into_refused(self) -> crate::transition::Refused<T> {
        let error = LifecycleError::NotTyped {
            machine: self.machine,
            expected: self.expected,
            found: self.found,
        };
        crate::transition::Refused::new(self.object, error)
    }

    /// The object, borrowed.
    pub fn get(&self) -> &T {
        &self.object
    }

    /// What the conversion asked for, such as `Paused / Source`.
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What the object holds, such as `Running / Source` or `no phase`.
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl<T> core::fmt::Debug for Mismatch<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mismatch")
            .field("machine", &self.machine)
            .field("expected", &self.expected)
            .field("found", &self.found)
            .finish_non_exhaustive()
    }
}

impl<T> core::fmt::Display for Mismatch<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "expected a `{}` object in {}, found {}",
            self.machine, self.expected, self.found
        )
    }
}

impl<T> std::error::Error for Mismatch<T> {}
