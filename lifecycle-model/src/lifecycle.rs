//! The runtime twin: the [`Lifecycle`] trait the derive implements, and the [`Role`] axis.

use core::fmt::{Debug, Display};
use core::marker::PhantomData;
use core::str::FromStr;

use crate::error::LifecycleError;
use crate::machine::Machine;
use crate::typed::HasPhase;

/// A lifecycle state machine over a fieldless phase enum.
///
/// `#[derive(Lifecycle)]` implements it from the enum's `#[lifecycle(...)]` attributes; see
/// the [attribute reference](crate::reference). The derived checks are lookups in a
/// generated table of bits, as fast as hand-written `match`es (`BENCHMARKS.md`).
///
/// ```
/// use lifecycle_model::Lifecycle;
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
/// #[lifecycle(event(lock: Closed -> Locked), event(unlock: Locked -> Closed))]
/// enum Door {
///     #[lifecycle(initial)]
///     Closed,
///     Opened,
///     Locked,
/// }
///
/// assert!(Door::can_transition(Door::Closed, Door::Locked));
/// assert!(!Door::can_transition(Door::Opened, Door::Locked));
/// assert_eq!(Door::Closed.fire("lock"), Ok(Door::Locked));
/// assert_eq!(DoorEvent::Lock.to_string(), "lock");
/// assert_eq!("unlock".parse(), Ok(DoorEvent::Unlock));
/// let err = Door::Opened.fire("lock").unwrap_err();
/// assert_eq!(err.to_string(), "event `lock` cannot fire from `Opened` in `Door`; it fires from: Closed");
/// ```
pub trait Lifecycle: Copy + Eq + Debug + Sized + 'static {
    /// The role axis, or [`NoRole`] when the machine has none.
    type Role: Role;
    /// The events, as a generated fieldless enum (`DoorEvent::Open`). It displays as the
    /// event's name and parses from it.
    type Event: Named + FromStr<Err = LifecycleError>;
    /// The actions, as a generated fieldless enum; uninhabited when there are none. It
    /// displays as the action's name and parses from it.
    type Action: Named + FromStr<Err = LifecycleError>;

    /// The derive's table of names and indices, which the provided items below read.
    /// Generated, not API: only `#[derive(Lifecycle)]` implements this trait.
    #[doc(hidden)]
    const __TABLE: &'static crate::__private::MachineTable;

    /// The machine's name: the enum's name.
    const NAME: &'static str = Self::__TABLE.name;
    /// Every state, in declaration order.
    const STATES: &'static [Self];
    /// The states an object may start in.
    const INITIAL: &'static [Self];
    /// The states no event leaves.
    const TERMINAL: &'static [Self];
    /// Every event, in declaration order.
    const EVENTS: &'static [Self::Event];
    /// Every action, in declaration order.
    const ACTIONS: &'static [Self::Action];
    /// The Mermaid `stateDiagram-v2` of the machine.
    const MERMAID: &'static str = Self::__TABLE.mermaid;
    /// The Graphviz DOT digraph of the machine.
    const DOT: &'static str = Self::__TABLE.dot;

    /// The state's position in [`Lifecycle::STATES`].
    fn index(self) -> usize;
    /// The state's serialized name, as the API server sees it.
    #[inline]
    fn name(self) -> &'static str {
        Self::__TABLE.states[self.index()]
    }
    /// The state serialized as `name`.
    fn from_name(name: &str) -> Option<Self> {
        Self::STATES.iter().copied().find(|s| s.name() == name)
    }

    /// The state an object without a phase enters: the `#[default]` state when it is
    /// initial, else the first initial state in declaration order. Write it as the
    /// object's first phase: it is initial, so `enforce_initial` admits it, and reading
    /// the absent phase as the default and firing an event from there could write a
    /// first phase that is not. (With `enforce_initial`, a default that is not initial
    /// is refused by the derive.)
    ///
    /// ```
    /// use lifecycle_model::Lifecycle;
    ///
    /// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    /// #[lifecycle(enforce_initial, event(start: Pending -> Running), event(stop: Running -> Pending))]
    /// enum Job {
    ///     #[lifecycle(initial)]
    ///     Pending,
    ///     Running,
    /// }
    ///
    /// assert_eq!(Job::entry(), Job::Pending);
    /// assert!(Job::machine().may_start(Job::entry().index()));
    /// ```
    fn entry() -> Self {
        let table = Self::__TABLE;
        let index = table
            .default_state
            .filter(|d| table.initial.contains(d))
            .or_else(|| table.initial.first().copied())
            .unwrap_or_default();
        Self::STATES[index]
    }

    /// Enters the lifecycle: writes [`Lifecycle::entry`] into `object`, which has no phase
    /// yet, and records the entry. An object that has a phase comes back with an error
    /// that names it. (The controller in `runtime` enters every object it reads without a
    /// phase, and publishes the entry as an Event.)
    ///
    /// ```
    /// use lifecycle_model::{HasPhase, Lifecycle, Transition};
    ///
    /// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    /// #[lifecycle(enforce_initial, event(start: Pending -> Running))]
    /// enum Job {
    ///     #[lifecycle(initial)]
    ///     Pending,
    ///     #[lifecycle(terminal)]
    ///     Running,
    /// }
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Task(Option<Job>);
    ///
    /// impl HasPhase<Job> for Task {
    ///     fn phase(&self) -> Option<Job> {
    ///         self.0
    ///     }
    ///     fn set_phase(&mut self, phase: Job) {
    ///         self.0 = Some(phase);
    ///     }
    /// }
    ///
    /// let (task, entry) = Job::enter(Task(None)).unwrap().into_parts();
    /// assert_eq!((task, entry), (Task(Some(Job::Pending)), Transition::entered(Job::Pending)));
    ///
    /// let refused = Job::enter(Task(Some(Job::Running))).unwrap_err();
    /// assert_eq!(refused.to_string(), "a `Job` object in `Running` has entered its lifecycle already; only an object without a phase enters it");
    /// assert_eq!(refused.into_inner(), Task(Some(Job::Running)));
    /// ```
    fn enter<T: HasPhase<Self>>(mut object: T) -> Result<crate::Moved<T, Self>, crate::Refused<T>> {
        if let Some(phase) = object.phase() {
            let error = LifecycleError::AlreadyEntered {
                machine: Self::NAME,
                phase: phase.name(),
            };
            return Err(crate::Refused::new(object, error));
        }
        let to = Self::entry();
        object.set_phase(to);
        Ok(crate::Moved::new(object, crate::Transition::entered(to)))
    }

    /// Whether an object may move from `from` to `to`. Staying put is always allowed.
    #[inline]
    fn can_transition(from: Self, to: Self) -> bool {
        from == to || Self::__TABLE.moves(from.index(), to.index())
    }
    /// Fires `event` from `self`: the state it leads to, or why it cannot fire here.
    fn on(self, event: Self::Event) -> Result<Self, LifecycleError>;
    /// Fires the event called `name`; an unknown name is an error that lists the events.
    fn fire(self, name: &str) -> Result<Self, LifecycleError> {
        self.on(name.parse()?)
    }
    /// Moves from `self` to `to` if the lifecycle allows it.
    fn transition(self, to: Self) -> Result<Self, LifecycleError> {
        if Self::can_transition(self, to) {
            Ok(to)
        } else {
            Err(LifecycleError::IllegalTransition {
                machine: Self::NAME,
                from: self.name(),
                to: to.name(),
                allowed: Self::STATES
                    .iter()
                    .filter(|&&s| s != self && Self::can_transition(self, s))
                    .map(|s| s.name())
                    .collect(),
            })
        }
    }

    /// The event that moves `from` to `to`, the first declared if several do; `None`
    /// when no event does, staying put included. A controller that sees a phase change
    /// names the transition it made with it, in Events and metrics:
    ///
    /// ```
    /// use lifecycle_model::Lifecycle;
    ///
    /// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    /// #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    /// enum Door {
    ///     #[lifecycle(initial)]
    ///     Closed,
    ///     Opened,
    /// }
    ///
    /// assert_eq!(Door::event_between(Door::Closed, Door::Opened), Some(DoorEvent::Open));
    /// assert_eq!(Door::event_between(Door::Closed, Door::Closed), None);
    /// ```
    fn event_between(from: Self, to: Self) -> Option<Self::Event> {
        // Read off the generated table: no `Machine` is built.
        let (from, to) = (from.index(), to.index());
        Self::__TABLE
            .events
            .iter()
            .position(|e| e.to == to && e.from.contains(&from))
            .and_then(|i| Self::EVENTS.get(i).copied())
    }

    /// Whether `action` is allowed in state `self` for `role`.
    fn allows(self, role: Self::Role, action: Self::Action) -> bool;
    /// Checks `action`: `Ok(())` when it is allowed in `self` for `role`, otherwise an
    /// error that says where it is allowed.
    fn permit(self, role: Self::Role, action: Self::Action) -> Result<(), LifecycleError> {
        if self.allows(role, action) {
            return Ok(());
        }
        Err(LifecycleError::ActionNotAllowed {
            machine: Self::NAME,
            action: action.name(),
            state: self.name(),
            role: role.name(),
            allowed_in: Self::STATES
                .iter()
                .filter(|&&s| s.allows(role, action))
                .map(|s| s.name())
                .collect(),
        })
    }
    /// Checks the action called `name` like [`Lifecycle::permit`]; an unknown name is an
    /// error that lists the actions.
    fn check_action(self, role: Self::Role, name: &str) -> Result<(), LifecycleError> {
        self.permit(role, name.parse()?)
    }

    /// The machine as plain data, for graph queries and renderings.
    fn machine() -> Machine {
        Self::__TABLE.machine()
    }

    /// The standard status conditions of this phase, one per condition type the
    /// declaration marks a state with (`#[lifecycle(ready)]`, `reconciling`, `stalled`):
    /// `True` for the type this phase stands for, `False` for the others, each with
    /// `observed_generation` and `now` (RFC 3339) as its transition time. Fold them into
    /// an object's list with [`merge_conditions`](crate::conditions::merge_conditions).
    fn conditions(
        self,
        observed_generation: Option<i64>,
        now: &str,
    ) -> Vec<crate::conditions::Condition> {
        crate::conditions::conditions_of(self, observed_generation, now)
    }
}

/// The role axis of a lifecycle: which kind of object this is.
pub trait Role: Copy + Eq + Debug + Sized + 'static {
    /// Every role, in declaration order.
    const ROLES: &'static [Self];
    /// The role's position in [`Role::ROLES`].
    fn index(self) -> usize;
    /// The role's name.
    fn name(self) -> &'static str;
    /// The role every object has, for machines without a role axis.
    fn only() -> Option<Self> {
        None
    }
}

/// The role of machines without a role axis: every object has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NoRole;

impl Role for NoRole {
    const ROLES: &'static [Self] = &[NoRole];
    fn index(self) -> usize {
        0
    }
    fn name(self) -> &'static str {
        "any"
    }
    fn only() -> Option<Self> {
        Some(NoRole)
    }
}

/// The action type of a machine that declares no actions: it has no values.
///
/// The derive names it `<Enum>Action` (`pub type PhaseAction = NoAction<Phase>;`) rather
/// than generating an empty enum per machine, so a machine without actions costs no
/// action code to compile. Every name fails to parse, naming the machine:
///
/// ```
/// use lifecycle_model::{Lifecycle, LifecycleError, NoAction};
///
/// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
/// #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
/// enum Hatch {
///     #[lifecycle(initial)]
///     Closed,
///     Opened,
/// }
///
/// assert!(Hatch::ACTIONS.is_empty());
/// let unknown = "scale".parse::<HatchAction>().unwrap_err();
/// assert_eq!(
///     unknown,
///     LifecycleError::UnknownAction { machine: "Hatch", action: "scale".into(), known: vec![] }
/// );
/// let _: Option<NoAction<Hatch>> = None::<HatchAction>;
/// ```
pub enum NoAction<P> {
    #[doc(hidden)]
    Never(core::convert::Infallible, PhantomData<fn() -> P>),
}

impl<P> NoAction<P> {
    /// A value of `NoAction` cannot exist, so code holding one is unreachable.
    pub fn unreachable(self) -> ! {
        match self {
            NoAction::Never(never, _) => match never {},
        }
    }
}

impl<P> Clone for NoAction<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for NoAction<P> {}

impl<P> PartialEq for NoAction<P> {
    fn eq(&self, _: &Self) -> bool {
        self.unreachable()
    }
}

impl<P> Eq for NoAction<P> {}

impl<P> core::hash::Hash for NoAction<P> {
    fn hash<H: core::hash::Hasher>(&self, _: &mut H) {
        self.unreachable()
    }
}

impl<P> Debug for NoAction<P> {
    fn fmt(&self, _: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.unreachable()
    }
}

impl<P> Display for NoAction<P> {
    fn fmt(&self, _: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.unreachable()
    }
}

impl<P: 'static> Named for NoAction<P> {
    fn name(self) -> &'static str {
        self.unreachable()
    }
}

impl<P: Lifecycle> FromStr for NoAction<P> {
    type Err = LifecycleError;

    fn from_str(name: &str) -> Result<Self, LifecycleError> {
        Err(LifecycleError::UnknownAction {
            machine: P::NAME,
            action: name.to_owned(),
            known: Vec::new(),
        })
    }
}

/// A generated event or action: a fieldless enum whose values know their declared name.
/// [`Display`] writes the same name, and [`FromStr`] reads it back.
pub trait Named: Copy + Eq + Debug + Display + 'static {
    /// The name as declared, such as `pause`.
    fn name(self) -> &'static str;
}
