//! Everything generated code reaches, behind one door. Not public API.

#[cfg(feature = "schema")]
pub use ::schemars;
#[cfg(feature = "schema")]
pub use ::std::borrow::Cow;

pub use crate::error::{LifecycleError, Mismatch};
pub use crate::lifecycle::{Lifecycle, Named, NoAction, NoRole, Role};
pub use crate::machine::Machine;
#[cfg(feature = "schema")]
pub use crate::schema::phase_schema;
pub use crate::transition::{Moved, Refused, Transition};
pub use crate::typed::{Bridge, HasPhase, Recording, RoleMarker, StateMarker, Typed};
pub use lifecycle_derive::diagram_doc;

use crate::machine::bits;

/// Seals [`StateMarker`] and [`RoleMarker`]: only generated markers implement it.
pub trait Sealed {}

/// Wraps `object` as `Typed<T, S, R>` without a check; generated event methods call it
/// once the types prove the state.
#[inline(always)]
pub fn typed_unchecked<T, S, R>(object: T) -> Typed<T, S, R> {
    crate::typed::typed_unchecked(object)
}

/// A handle that events can move: the supertrait of every generated `<Enum>Events`
/// trait, whose provided methods are each this one call. A [`Typed`] handle moves to
/// the [`Typed`] handle of the next state; a [`Recording`] one to the [`Moved`] handle,
/// the record of the move beside it.
pub trait Handle<P: Lifecycle, T, S, R>: Sized {
    /// What an event leading to state `S2` returns.
    type Next<S2>;
    /// Writes the state of `S2` into the object's phase field in place, retypes the handle
    /// to it, and, for a recording handle, records the move by the event at `event` in
    /// `P::EVENTS`. Named so that no event method can take its name.
    fn __fire<S2: StateMarker<Phase = P>>(self, event: usize) -> Self::Next<S2>;
}

// `S` needs no bound here: the handle reaches `S2`'s state, and the `<Enum>Events` impls
// bound `S` to their machine's markers. One bound fewer to prove at every event call.
impl<P, T, S, R> Handle<P, T, S, R> for Typed<T, S, R>
where
    P: Lifecycle,
    T: HasPhase<P>,
{
    type Next<S2> = Typed<T, S2, R>;

    #[inline(always)]
    fn __fire<S2: StateMarker<Phase = P>>(mut self, _: usize) -> Typed<T, S2, R> {
        // Written in place, then retyped: the same code as storing the field.
        crate::typed::object_mut(&mut self).set_phase(S2::STATE);
        crate::typed::typed_unchecked(self.into_inner())
    }
}

impl<P, T, S, R> Handle<P, T, S, R> for Recording<T, S, R>
where
    P: Lifecycle,
    T: HasPhase<P>,
    S: StateMarker<Phase = P>,
{
    type Next<S2> = Moved<Typed<T, S2, R>, P>;

    #[inline(always)]
    fn __fire<S2: StateMarker<Phase = P>>(self, event: usize) -> Moved<Typed<T, S2, R>, P> {
        let moved = Handle::<P, T, S, R>::__fire::<S2>(self.into_typed(), event);
        Moved::new(moved, Transition::by_index(event, S::STATE, S2::STATE))
    }
}

/// `<Enum>Typed::fire`: fires `event` from the phase of `object`, taken out of its
/// bridge, and bridges it again in the state the event leads to.
pub fn fire_bridge<P: Lifecycle, T: HasPhase<P>, B>(
    mut object: T,
    event: P::Event,
    from_object: fn(T) -> Result<B, Mismatch<T>>,
) -> Result<Moved<B, P>, Refused<T>> {
    let Some(from) = object.phase() else {
        return Err(mismatch::<P, T>(object, "a declared state").into_refused());
    };
    let to = match from.on(event) {
        Ok(to) => to,
        Err(error) => return Err(Refused::new(object, error)),
    };
    object.set_phase(to);
    from_object(object)
        .map(|moved| Moved::new(moved, Transition::fired(event, from, to)))
        .map_err(Mismatch::into_refused)
}

/// The error of an event fired from a state it does not leave; `index` is the event's
/// row in the table, which lists the states it fires from. Generic and without an
/// inlining hint, like the helper a hand-written `on` calls, so the compiler weighs
/// inlining it the same way (`benches/instructions.sh` and the runtime bench compare the
/// two).
pub fn event_not_allowed<P: Lifecycle>(from: P, event: P::Event, index: usize) -> LifecycleError {
    LifecycleError::EventNotAllowed {
        machine: P::NAME,
        event: event.name(),
        from: from.name(),
        allowed_from: P::__TABLE.events[index]
            .from
            .iter()
            .map(|&s| P::STATES[s].name())
            .collect(),
    }
}

/// The derived `on`: the table's row of the event at `index` says where it fires from
/// and where it leads.
#[inline]
pub fn on<P: Lifecycle>(from: P, event: P::Event, index: usize) -> Result<P, LifecycleError> {
    let table = P::__TABLE;
    if table.fires(index, from.index()) {
        Ok(P::STATES[table.events[index].to])
    } else {
        Err(event_not_allowed(from, event, index))
    }
}

// Generated bodies call these rather than read `P::__TABLE` themselves: a body that
// names the table has `cargo check` evaluate it, one that calls a generic function
// does not.

/// The name of `P`'s event at `index`.
#[inline]
pub fn event_name<P: Lifecycle>(index: usize) -> &'static str {
    P::__TABLE.events[index].name
}

/// The name of `P`'s action at `index`.
#[inline]
pub fn action_name<P: Lifecycle>(index: usize) -> &'static str {
    P::__TABLE.actions[index].name
}

/// `P`'s event called `name`: the value of `P::EVENTS` at the index of its row.
pub fn parse_event<P: Lifecycle>(name: &str) -> Result<P::Event, LifecycleError> {
    let names: Vec<&'static str> = P::__TABLE.events.iter().map(|e| e.name).collect();
    find(&names, name, P::EVENTS).ok_or_else(|| LifecycleError::UnknownEvent {
        machine: P::NAME,
        event: name.to_owned(),
        known: names,
    })
}

/// `P`'s action called `name`: the value of `P::ACTIONS` at the index of its row.
pub fn parse_action<P: Lifecycle>(name: &str) -> Result<P::Action, LifecycleError> {
    let names: Vec<&'static str> = P::__TABLE.actions.iter().map(|a| a.name).collect();
    find(&names, name, P::ACTIONS).ok_or_else(|| LifecycleError::UnknownAction {
        machine: P::NAME,
        action: name.to_owned(),
        known: names,
    })
}

/// Builds a [`Mismatch`] for a bridge that found no matching typed state.
pub fn mismatch<P: Lifecycle, T: HasPhase<P>>(object: T, expected: &str) -> Mismatch<T> {
    let found = crate::typed::describe::<P>(object.phase(), object.role());
    Mismatch::new(object, P::NAME, expected.to_owned(), found)
}

/// A machine as generated constants: the derive's one table, from which the runtime's
/// [`Machine`], the state names and the event and action names are all read.
pub struct MachineTable {
    /// The enum's name.
    pub name: &'static str,
    /// The wire name of each state, by index.
    pub states: &'static [&'static str],
    /// Indices of the initial states.
    pub initial: &'static [usize],
    /// Whether the server refuses a first phase that is not initial.
    pub enforce_initial: bool,
    /// Indices of the terminal states.
    pub terminal: &'static [usize],
    /// The state an absent phase reads as.
    pub default_state: Option<usize>,
    /// The events, in declaration order.
    pub events: &'static [EventRow],
    /// The roles, in declaration order.
    pub roles: &'static [RoleRow],
    /// The actions, in declaration order.
    pub actions: &'static [ActionRow],
    /// The phase's path on the object that carries action rules.
    pub phase_field: Option<&'static str>,
    /// Indices of the states that stand for `Ready`.
    pub ready: &'static [usize],
    /// Indices of the states that stand for `Reconciling`.
    pub reconciling: &'static [usize],
    /// Indices of the states that stand for `Stalled`.
    pub stalled: &'static [usize],
    /// Indices of the states that stand for `Suspended`.
    pub suspended: &'static [usize],
    /// Former names, each with the index of the state it now names.
    pub aliases: &'static [(&'static str, usize)],
    /// Indices of the retired states.
    pub retired: &'static [usize],
    /// The Mermaid diagram.
    pub mermaid: &'static str,
    /// The DOT diagram.
    pub dot: &'static str,
    /// Which states each state moves to, as rows of bits laid out by
    /// [`bits`](crate::machine::bits): bit `t` of row `f` is set when an event leads from
    /// `f` to `t`.
    pub moves: &'static [u64],
    /// Which states each event fires from, as rows of bits: bit `f` of row `e` is set
    /// when event `e` fires from `f`.
    pub fires: &'static [u64],
}

/// One event of a [`MachineTable`].
pub struct EventRow {
    /// The event's name.
    pub name: &'static str,
    /// Indices of the states it fires from.
    pub from: &'static [usize],
    /// Index of the state it leads to.
    pub to: usize,
    /// The RBAC verb that grants it.
    pub verb: Option<&'static str>,
}

/// One role of a [`MachineTable`].
pub struct RoleRow {
    /// The role's name.
    pub name: &'static str,
    /// Its CEL predicate.
    pub cel: Option<&'static str>,
}

/// One action of a [`MachineTable`].
pub struct ActionRow {
    /// The action's name.
    pub name: &'static str,
    /// Indices of the states it is allowed in.
    pub states: &'static [usize],
    /// Indices of the roles it is allowed for.
    pub roles: &'static [usize],
    /// The field it mutates.
    pub field: Option<&'static str>,
}

impl MachineTable {
    /// The words of one row of [`moves`](Self::moves) or [`fires`](Self::fires): one bit
    /// per state.
    #[inline]
    pub fn words(&self) -> usize {
        bits::words(self.states.len())
    }

    /// Whether an event leads from state `from` to state `to`.
    #[inline]
    pub fn moves(&self, from: usize, to: usize) -> bool {
        bits::get(self.moves, self.words(), from, to)
    }

    /// Whether event `event` fires from state `from`.
    #[inline]
    pub fn fires(&self, event: usize, from: usize) -> bool {
        bits::get(self.fires, self.words(), event, from)
    }

    /// The plain-data machine the table describes.
    pub fn machine(&self) -> Machine {
        let mut machine = Machine::new(self.name, self.states.iter().copied());
        machine.initial = self.initial.to_vec();
        machine.enforce_initial = self.enforce_initial;
        machine.terminal = self.terminal.to_vec();
        machine.default_state = self.default_state;
        machine.events = self
            .events
            .iter()
            .map(|e| {
                let spec = crate::machine::EventSpec::new(e.name, e.from.iter().copied(), e.to);
                match e.verb {
                    Some(verb) => spec.with_verb(verb),
                    None => spec,
                }
            })
            .collect();
        machine.roles = self
            .roles
            .iter()
            .map(|r| crate::machine::RoleSpec::new(r.name, r.cel))
            .collect();
        machine.actions = self
            .actions
            .iter()
            .map(|a| {
                let spec = crate::machine::ActionSpec::new(
                    a.name,
                    a.states.iter().copied(),
                    a.roles.iter().copied(),
                );
                match a.field {
                    Some(field) => spec.with_field(field),
                    None => spec,
                }
            })
            .collect();
        machine.phase_field = self.phase_field.map(str::to_owned);
        machine.ready = self.ready.to_vec();
        machine.reconciling = self.reconciling.to_vec();
        machine.stalled = self.stalled.to_vec();
        machine.suspended = self.suspended.to_vec();
        machine.retired = self.retired.to_vec();
        machine.aliases = self
            .aliases
            .iter()
            .map(|(old, state)| ((*old).to_owned(), *state))
            .collect();
        machine
    }
}

/// The value whose name, at the same index in `names`, is `name`.
fn find<V: Copy>(names: &[&str], name: &str, values: &[V]) -> Option<V> {
    names.iter().position(|n| *n == name).map(|i| values[i])
}

/// `impl JsonSchema` for a phase enum: its schema is [`phase_schema`].
#[cfg(feature = "schema")]
#[doc(hidden)]
#[macro_export]
macro_rules! __phase_json_schema {
    ($phase:ident, $name:expr) => {
        #[automatically_derived]
        impl $crate::__private::schemars::JsonSchema for $phase {
            fn schema_name() -> $crate::__private::Cow<'static, ::core::primitive::str> {
                $crate::__private::Cow::Borrowed($name)
            }
            fn inline_schema() -> ::core::primitive::bool {
                true
            }
            fn json_schema(
                _: &mut $crate::__private::schemars::SchemaGenerator,
            ) -> $crate::__private::schemars::Schema {
                $crate::__private::phase_schema::<Self>()
            }
        }
    };
}

/// Without the `schema` feature, `#[lifecycle(schema)]` says what it needs.
#[cfg(not(feature = "schema"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __phase_json_schema {
    ($phase:ident, $name:expr) => {
        ::core::compile_error!(
            "`#[lifecycle(schema)]` needs the `schema` feature of `lifecycle-model`, which brings in schemars"
        );
    };
}

pub use crate::__phase_json_schema as phase_json_schema;

/// `impl Bridge for <Enum>Typed`, with the `runtime` feature only: without it, nothing
/// is generated to compile.
#[cfg(feature = "runtime")]
#[doc(hidden)]
#[macro_export]
macro_rules! __bridge_impl {
    ($phase:ident, $bridge:ident) => {
        #[automatically_derived]
        impl<T: $crate::__private::HasPhase<$phase>> $crate::__private::Bridge<T> for $bridge<T> {
            type Phase = $phase;
            fn from_object(
                object: T,
            ) -> ::core::result::Result<Self, $crate::__private::Mismatch<T>> {
                $bridge::from_object(object)
            }
        }
    };
}

/// Without the `runtime` feature, the bridge needs no trait.
#[cfg(not(feature = "runtime"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __bridge_impl {
    ($phase:ident, $bridge:ident) => {};
}

pub use crate::__bridge_impl as bridge_impl;
