//! Transitions as values: the record of a move ([`Transition`]), the handle that comes
//! with it ([`Moved`]), and an event refused at run time ([`Refused`]).

use core::fmt;
use core::ops::Deref;

use crate::error::LifecycleError;
use crate::lifecycle::{Lifecycle, Named};

/// The record of one move: which event fired, from which state, to which; or, for an
/// object that had no phase, the state it entered.
///
/// Every way of moving a phase can yield one: a typed event method on a handle that
/// records ([`Typed::record`](crate::Typed::record)), `<Enum>Typed::fire` from whichever
/// state the object is in, and [`Lifecycle::enter`]. Events, metrics and
/// conditions read it, so nothing re-derives the move.
///
/// ```
/// use lifecycle_model::{Lifecycle, Transition};
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(start: Queued -> Running), event(finish: Running -> Done))]
/// enum Job {
///     #[lifecycle(initial)]
///     Queued,
///     Running,
///     #[lifecycle(terminal)]
///     Done,
/// }
///
/// let started = Transition::fired(JobEvent::Start, Job::Queued, Job::Running);
/// assert_eq!(started.to_string(), "start: Queued → Running");
/// assert_eq!((started.event(), started.from(), started.to()), (Some(JobEvent::Start), Some(Job::Queued), Job::Running));
/// assert_eq!(started.reason(), "Start");
///
/// let entered = Transition::entered(Job::Queued);
/// assert_eq!(entered.to_string(), "entered Queued");
/// assert_eq!((entered.event(), entered.from()), (None, None));
/// assert_eq!(entered.reason(), "Entered");
/// ```
///
/// The type has no bound of its own (the event is kept by its index in
/// [`Lifecycle::EVENTS`]), so naming it costs the compiler nothing beyond its fields.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Transition<P> {
    event: Option<u32>,
    from: Option<P>,
    to: P,
}

impl<P: Lifecycle> Transition<P> {
    /// `event` fired from `from` and led to `to`.
    pub fn fired(event: P::Event, from: P, to: P) -> Self {
        let index = P::EVENTS
            .iter()
            .position(|e| *e == event)
            .unwrap_or_default();
        Transition::by_index(index, from, to)
    }

    /// The event at `index` in [`Lifecycle::EVENTS`] fired from `from` and led to `to`:
    /// what generated event methods record.
    #[doc(hidden)]
    #[inline(always)]
    pub fn by_index(index: usize, from: P, to: P) -> Self {
        Transition {
            event: Some(index as u32),
            from: Some(from),
            to,
        }
    }

    /// An object without a phase entered `to`.
    pub fn entered(to: P) -> Self {
        Transition {
            event: None,
            from: None,
            to,
        }
    }

    /// The event that fired; `None` for an entry.
    pub fn event(&self) -> Option<P::Event> {
        self.event.and_then(|i| P::EVENTS.get(i as usize).copied())
    }

    /// The state left; `None` for an entry.
    pub fn from(&self) -> Option<P> {
        self.from
    }

    /// The state reached.
    pub fn to(&self) -> P {
        self.to
    }

    /// Whether this is an entry rather than a fired event.
    pub fn is_entry(&self) -> bool {
        self.event.is_none()
    }

    /// The event's name, or `enter` for an entry: the `action` of a Kubernetes Event,
    /// the `event` label of a metric.
    pub fn action(&self) -> &'static str {
        self.event().map_or("enter", Named::name)
    }

    /// The event's name in PascalCase (`finish_pause` → `FinishPause`), or `Entered`:
    /// the `reason` of a Kubernetes Event.
    pub fn reason(&self) -> String {
        match self.event() {
            Some(event) => crate::conditions::reason_for(event.name()),
            None => "Entered".to_owned(),
        }
    }

    /// `Queued → Running`, or `→ Queued` for an entry: the note of a Kubernetes Event.
    pub fn note(&self) -> String {
        match self.from {
            Some(from) => format!("{} → {}", from.name(), self.to.name()),
            None => format!("→ {}", self.to.name()),
        }
    }
}

impl<P: Lifecycle> fmt::Display for Transition<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.event(), self.from) {
            (Some(event), Some(from)) => {
                write!(f, "{}: {} → {}", event.name(), from.name(), self.to.name())
            }
            _ => write!(f, "entered {}", self.to.name()),
        }
    }
}

impl<P: Lifecycle> fmt::Debug for Transition<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transition")
            .field("event", &self.event())
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

/// A handle after a move, with the [`Transition`] that made it.
///
/// An event method on a recording handle (`typed.record().pause()`) returns
/// `Moved<Typed<T, NewState, R>, Enum>`; it derefs to the handle.
/// Take the parts with [`Moved::into_parts`].
///
/// The runtime bridge moves too: `<Enum>Typed::fire` fires an event from whichever
/// state the object is in and returns `Moved<<Enum>Typed<T>, Enum>`; and
/// [`Lifecycle::enter`] writes the first phase of an object that has none, returning
/// `Moved<T, Enum>`.
///
/// ```
/// use lifecycle_model::{HasPhase, Lifecycle, Transition, Typed};
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(module = job, enforce_initial)]
/// #[lifecycle(event(start: Queued -> Running), event(finish: Running -> Done))]
/// #[lifecycle(event(cancel: Queued | Running -> Done))]
/// enum JobState {
///     #[lifecycle(initial)]
///     Queued,
///     Running,
///     #[lifecycle(terminal)]
///     Done,
/// }
///
/// #[derive(Debug, PartialEq)]
/// struct Job {
///     state: Option<JobState>,
/// }
///
/// impl HasPhase<JobState> for Job {
///     fn phase(&self) -> Option<JobState> {
///         self.state
///     }
///     fn set_phase(&mut self, state: JobState) {
///         self.state = Some(state);
///     }
/// }
///
/// // An object without a phase enters the lifecycle in its initial state.
/// let entered = JobState::enter(Job { state: None }).unwrap();
/// assert_eq!(entered.transition(), Transition::entered(JobState::Queued));
///
/// // A typed event on a recording handle: the new handle and the record of the move.
/// let Ok(JobStateTyped::Queued(queued)) = JobStateTyped::from_object(entered.into_handle()) else {
///     unreachable!()
/// };
/// let running = queued.record().start();
/// assert_eq!(running.transition(), Transition::fired(JobStateEvent::Start, JobState::Queued, JobState::Running));
/// let _: &Typed<Job, job::Running> = &running;
///
/// // `cancel` from whichever state the object is in, without a `match`.
/// let typed = JobStateTyped::from_object(running.into_handle().into_inner()).unwrap();
/// let cancelled = typed.fire(JobStateEvent::Cancel).unwrap();
/// assert_eq!(cancelled.transition().to_string(), "cancel: Running → Done");
///
/// // From where it does not fire, the object comes back with what is allowed.
/// let Err(refused) = cancelled.into_handle().fire(JobStateEvent::Cancel) else { unreachable!() };
/// assert_eq!(refused.to_string(), "event `cancel` cannot fire from `Done` in `JobState`; it fires from: Queued, Running");
/// assert_eq!(refused.into_inner(), Job { state: Some(JobState::Done) });
/// ```
#[must_use = "the handle after a move is the only typed view of the object; the transition records the move"]
pub struct Moved<H, P> {
    handle: H,
    transition: Transition<P>,
}

impl<H, P: Copy> Moved<H, P> {
    /// `handle`, reached by `transition`.
    pub fn new(handle: H, transition: Transition<P>) -> Self {
        Moved { handle, transition }
    }

    /// The move that was made.
    pub fn transition(&self) -> Transition<P> {
        self.transition
    }

    /// The handle of the new state.
    pub fn into_handle(self) -> H {
        self.handle
    }

    /// The handle and the move.
    pub fn into_parts(self) -> (H, Transition<P>) {
        (self.handle, self.transition)
    }
}

impl<T, S, R, P> Moved<crate::Typed<T, S, R>, P> {
    /// The object, given back.
    pub fn into_inner(self) -> T {
        self.handle.into_inner()
    }
}

impl<H, P> Deref for Moved<H, P> {
    type Target = H;
    fn deref(&self) -> &H {
        &self.handle
    }
}

/// The handle, mutably: methods of the user's own on `&mut Typed` work on a moved handle.
impl<H, P> core::ops::DerefMut for Moved<H, P> {
    fn deref_mut(&mut self) -> &mut H {
        &mut self.handle
    }
}

impl<H: fmt::Debug, P: Lifecycle> fmt::Debug for Moved<H, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Moved")
            .field("handle", &self.handle)
            .field("transition", &self.transition)
            .finish()
    }
}

impl<H: Clone, P: Copy> Clone for Moved<H, P> {
    fn clone(&self) -> Self {
        Moved {
            handle: self.handle.clone(),
            transition: self.transition,
        }
    }
}

/// An event or entry refused at run time: why, with the object handed back unchanged.
pub struct Refused<T> {
    object: T,
    error: LifecycleError,
}

impl<T> Refused<T> {
    pub(crate) fn new(object: T, error: LifecycleError) -> Self {
        Refused { object, error }
    }

    /// Why: it lists what is allowed.
    pub fn error(&self) -> &LifecycleError {
        &self.error
    }

    /// The object, given back as it was handed in.
    pub fn into_inner(self) -> T {
        self.object
    }

    /// The object and the reason.
    pub fn into_parts(self) -> (T, LifecycleError) {
        (self.object, self.error)
    }

    /// The object, borrowed.
    pub fn get(&self) -> &T {
        &self.object
    }
}

impl<T> fmt::Debug for Refused<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refused")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for Refused<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> std::error::Error for Refused<T> {}
