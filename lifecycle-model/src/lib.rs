//! Lifecycle state machines for Kubernetes controllers.
//!
//! Declare a lifecycle once, on a fieldless phase enum, and `#[derive(Lifecycle)]` turns
//! it into four things that cannot drift apart:
//!
//! 1. **Typestates.** Marker types per state and role, and event methods on
//!    [`Typed<T, S, R>`](Typed): an illegal move does not compile, and the error names the
//!    rule it breaks.
//! 2. **A runtime twin.** The [`Lifecycle`] trait: the transition table, legality checks
//!    with errors that say what is allowed, and a checked bridge from a value read off
//!    the API server into a typed state.
//! 3. **Server-side rules.** A JSON schema for the phase with CEL
//!    `x-kubernetes-validations`, so the API server rejects the same illegal moves from
//!    anyone ([`schema`], behind the default `schema` feature); and, with the `admission`
//!    feature, an admission policy that lets only the named writers move the phase
//!    (`admission`).
//! 4. **Diagrams.** Mermaid and DOT text ([`Lifecycle::MERMAID`], [`Lifecycle::DOT`]),
//!    and a picture of the machine on every derived enum's rustdoc page (the `svg`
//!    feature adds [`Machine::svg`](machine::Machine) for drawing one yourself).
//!
//! ```
//! use lifecycle_model::{HasPhase, Lifecycle, Typed};
//!
//! #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
//! #[lifecycle(module = job_state)]
//! #[lifecycle(event(start: Queued -> Running), event(finish: Running -> Done))]
//! #[lifecycle(event(cancel: Queued | Running -> Done))]
//! enum JobState {
//!     #[lifecycle(initial)]
//!     Queued,
//!     Running,
//!     #[lifecycle(terminal)]
//!     Done,
//! }
//!
//! struct Job {
//!     state: JobState,
//! }
//!
//! impl HasPhase<JobState> for Job {
//!     fn phase(&self) -> Option<JobState> {
//!         Some(self.state)
//!     }
//!     fn set_phase(&mut self, state: JobState) {
//!         self.state = state;
//!     }
//! }
//!
//! // Typed: `start` exists only on a queued job, `finish` only on a running one.
//! let queued: Typed<Job, job_state::Queued> = Typed::try_new(Job { state: JobState::Queued }).unwrap();
//! let done = queued.start().finish();
//! assert_eq!(done.state, JobState::Done);
//!
//! // Runtime: the same table.
//! assert!(JobState::can_transition(JobState::Queued, JobState::Done));
//! assert!(!JobState::can_transition(JobState::Done, JobState::Running));
//! ```
//!
//! The [`reference`](mod@reference) module documents every attribute.

#![warn(missing_docs)]

#[cfg(feature = "admission")]
pub mod admission;
pub mod conditions;
#[cfg(feature = "admission")]
pub mod crd;
mod error;
#[cfg(feature = "kube")]
pub mod kube;
mod lifecycle;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod reference;
#[cfg(feature = "runtime")]
pub mod runtime;
#[cfg(feature = "schema")]
pub mod schema;
mod transition;
mod typed;

/// The plain-data machine: states, events, roles and actions by index, its graph checks,
/// CEL rules and diagrams. The derive and the runtime share it; see
/// [`Lifecycle::machine`].
pub use lifecycle_machine as machine;

#[doc(hidden)]
pub mod __private;

pub use crate::error::{LifecycleError, Mismatch};
pub use crate::lifecycle::{Lifecycle, Named, NoAction, NoRole, Role};
pub use crate::transition::{Moved, Refused, Transition};
pub use crate::typed::{Bridge, HasPhase, Recording, RoleMarker, StateMarker, Typed};

/// Implements [`HasPhase`] for a kube-derive `CustomResource` whose phase is
/// `status.phase`: `status_phase!(Task => TaskPhase)`. The status type must have a
/// `phase: Option<TaskPhase>` field and implement `Default`; writing a phase into an
/// object without a status creates one.
///
/// ```
/// use lifecycle_model::{HasPhase, Lifecycle};
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(start: Pending -> Running))]
/// enum TaskPhase {
///     #[lifecycle(initial)]
///     Pending,
///     #[lifecycle(terminal)]
///     Running,
/// }
///
/// #[derive(Default)]
/// struct TaskStatus {
///     phase: Option<TaskPhase>,
/// }
///
/// struct Task {
///     status: Option<TaskStatus>,
/// }
///
/// lifecycle_model::status_phase!(Task => TaskPhase);
///
/// let mut task = Task { status: None };
/// assert_eq!(task.phase(), None);
/// task.set_phase(TaskPhase::Running);
/// assert_eq!(task.phase(), Some(TaskPhase::Running));
/// ```
#[macro_export]
macro_rules! status_phase {
    ($kind:ty => $phase:ty) => {
        #[automatically_derived]
        impl $crate::HasPhase<$phase> for $kind {
            fn phase(&self) -> ::core::option::Option<$phase> {
                self.status.as_ref().and_then(|status| status.phase)
            }
            fn set_phase(&mut self, phase: $phase) {
                self.status
                    .get_or_insert_with(::core::default::Default::default)
                    .phase = ::core::option::Option::Some(phase);
            }
        }
    };
}

/// Derives [`Lifecycle`](trait@Lifecycle) and its typestates, schema and diagrams from a
/// fieldless enum. See the [`reference`](mod@reference) for every attribute.
pub use lifecycle_derive::Lifecycle;
