//! Everything generated code reaches, behind one door. Not public API.

pub use ::core;
pub use ::schemars;
pub use ::std::borrow::Cow;
pub use ::std::string::String;
pub use ::std::vec::Vec;

pub use crate::error::{LifecycleError, Mismatch};
pub use crate::lifecycle::{Lifecycle, NoRole, Role};
pub use crate::machine::{ActionSpec, EventSpec, Machine, RoleSpec};
pub use crate::schema::phase_schema;
pub use crate::typed::{HasPhase, RoleMarker, StateMarker, Typed};

/// Seals [`StateMarker`] and [`RoleMarker`]: only generated markers implement it.
pub trait Sealed {}

/// Wraps `object` as `Typed<T, S, R>` without a check; generated event methods call it
/// once the types prove the state.
#[inline(always)]
pub fn typed_unchecked<T, S, R>(object: T) -> Typed<T, S, R> {
    crate::typed::typed_unchecked(object)
}

/// The object inside a handle, for generated event methods that write the phase in
/// place just before they retype the handle.
#[inline(always)]
pub fn object_mut<T, S, R>(typed: &mut Typed<T, S, R>) -> &mut T {
    crate::typed::object_mut(typed)
}

/// The same object under new type parameters; the caller has just written the phase.
#[inline(always)]
pub fn retype<T, S, R, S2, R2>(typed: Typed<T, S, R>) -> Typed<T, S2, R2> {
    crate::typed::typed_unchecked(typed.into_inner())
}

/// Builds a [`Mismatch`] for a bridge that found no matching typed state.
pub fn mismatch<P: Lifecycle, T: HasPhase<P>>(object: T, expected: &str) -> Mismatch<T> {
    let found = crate::typed::describe::<P>(object.phase(), object.role());
    Mismatch::new(object, P::NAME, expected.to_owned(), found)
}

/// The error of an event fired from a state it does not leave.
pub fn event_not_allowed<P: Lifecycle>(
    from: P,
    event: &'static str,
    allowed_from: &[P],
) -> LifecycleError {
    LifecycleError::EventNotAllowed {
        machine: P::NAME,
        event,
        from: from.name(),
        allowed_from: allowed_from.iter().map(|s| s.name()).collect(),
    }
}

/// One generated action row: name, allowed states, allowed roles, mutated field.
pub type ActionRow<'a> = (&'a str, &'a [usize], &'a [usize], Option<&'a str>);

/// Builds a machine's plain-data model from generated tables.
#[allow(clippy::too_many_arguments)]
pub fn machine(
    name: &str,
    states: &[&str],
    initial: &[usize],
    terminal: &[usize],
    default_state: Option<usize>,
    events: &[(&str, &[usize], usize)],
    roles: &[(&str, Option<&str>)],
    actions: &[ActionRow<'_>],
    phase_field: Option<&str>,
) -> Machine {
    Machine {
        name: name.to_owned(),
        states: states.iter().map(|s| (*s).to_owned()).collect(),
        initial: initial.to_vec(),
        terminal: terminal.to_vec(),
        default_state,
        events: events
            .iter()
            .map(|&(name, from, to)| EventSpec::new(name, from.iter().copied(), to))
            .collect(),
        roles: roles
            .iter()
            .map(|&(name, cel)| RoleSpec {
                name: name.to_owned(),
                cel: cel.map(str::to_owned),
            })
            .collect(),
        actions: actions
            .iter()
            .map(|&(name, states, roles, field)| ActionSpec {
                name: name.to_owned(),
                states: states.to_vec(),
                roles: roles.to_vec(),
                field: field.map(str::to_owned),
            })
            .collect(),
        phase_field: phase_field.map(str::to_owned),
    }
}
