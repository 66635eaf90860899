//! Typestates: [`Typed`] handles, the marker traits, and the bridge from runtime values.

use core::marker::PhantomData;
use core::ops::Deref;

use crate::error::Mismatch;
use crate::lifecycle::{Lifecycle, NoRole, Role};

/// An object type that holds a phase of lifecycle `P`, and maybe a role.
///
/// Implement it once per object and phase field; the derive's event methods then work on
/// `Typed<YourObject, _, _>`.
pub trait HasPhase<P: Lifecycle> {
    /// The current phase, or `None` when the object has none yet.
    fn phase(&self) -> Option<P>;
    /// Writes the phase field.
    fn set_phase(&mut self, phase: P);
    /// The object's role, or `None` when it has none. Machines without roles need not
    /// implement it.
    fn role(&self) -> Option<P::Role> {
        P::Role::only()
    }
}

/// The runtime bridge of a lifecycle: the generated `<Enum>Typed<T>` enum, one typed
/// handle per state and role. With the `runtime` feature the derive implements it, so
/// the controller of the `runtime` module hands a reconcile function the typed handle
/// of the object it read; without it, nothing is generated for it.
pub trait Bridge<T>: Sized {
    /// The lifecycle.
    type Phase: Lifecycle;
    /// Wraps `object` in the handle of its state and role; the object comes back in the
    /// error when it has no phase or role.
    fn from_object(object: T) -> Result<Self, Mismatch<T>>;
}

/// A zero-sized marker type for one state of a lifecycle. The derive implements it; it
/// is sealed.
pub trait StateMarker: crate::__private::Sealed + 'static {
    /// The lifecycle this state belongs to.
    type Phase: Lifecycle;
    /// The state this marker stands for.
    const STATE: Self::Phase;
}

/// A zero-sized marker type for one role. The derive implements it; it is sealed.
pub trait RoleMarker: crate::__private::Sealed + 'static {
    /// The role axis this marker belongs to.
    type Role: Role;
    /// The role this marker stands for.
    const ROLE: Self::Role;
}

impl crate::__private::Sealed for NoRole {}

impl RoleMarker for NoRole {
    type Role = NoRole;
    const ROLE: NoRole = NoRole;
}

/// Object `T`, known to be in state `S` with role `R`.
///
/// It costs nothing: it is the object and two zero-sized type parameters,
/// `size_of::<Typed<T, S, R>>() == size_of::<T>()`. Event methods consume it and return
/// the handle of the next state, so an illegal move does not compile. Read the object
/// through [`Deref`]; take it back with [`Typed::into_inner`].
#[repr(transparent)]
#[must_use = "a typed handle is the only typed view of the object; an event method returns the new state's"]
pub struct Typed<T, S, R = NoRole> {
    object: T,
    marker: PhantomData<fn() -> (S, R)>,
}

impl<T, S, R> Typed<T, S, R> {
    /// The object, given back.
    pub fn into_inner(self) -> T {
        self.object
    }

    /// The object, borrowed.
    pub fn get(&self) -> &T {
        &self.object
    }
}

impl<T, S, R> Typed<T, S, R>
where
    S: StateMarker,
    R: RoleMarker<Role = <S::Phase as Lifecycle>::Role>,
    T: HasPhase<S::Phase>,
{
    /// Checks that `object` is in state `S` with role `R`. A mismatch hands the object
    /// back inside the error.
    pub fn try_new(object: T) -> Result<Self, Mismatch<T>> {
        let phase = object.phase();
        let role = object.role();
        if phase == Some(S::STATE) && role == Some(R::ROLE) {
            return Ok(Typed {
                object,
                marker: PhantomData,
            });
        }
        let expected = describe::<S::Phase>(Some(S::STATE), Some(R::ROLE));
        let found = describe::<S::Phase>(phase, role);
        Err(Mismatch::new(object, S::Phase::NAME, expected, found))
    }

    /// The state, known from the type.
    pub fn state(&self) -> S::Phase {
        S::STATE
    }

    /// The role, known from the type.
    pub fn role(&self) -> R::Role {
        R::ROLE
    }

    /// Changes the object in place. The phase and role must stay as they are: that is
    /// what the type promises, and debug builds check it.
    pub fn update(&mut self, change: impl FnOnce(&mut T)) {
        change(&mut self.object);
        debug_assert!(
            self.object.phase() == Some(S::STATE) && self.object.role() == Some(R::ROLE),
            "Typed::update changed the phase or role of a `{}` object",
            S::Phase::NAME
        );
    }
}

impl<T, S, R> Typed<T, S, R> {
    /// The handle, recording its next event: the event method then returns the new
    /// state's handle with the [`Transition`](crate::Transition) it made, as a
    /// [`Moved`](crate::Moved), for Events, metrics and the runtime's `Step`.
    ///
    /// ```
    /// use lifecycle_model::{HasPhase, Lifecycle, Transition, Typed};
    ///
    /// #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    /// #[lifecycle(module = door, event(lock: Closed -> Locked), event(unlock: Locked -> Closed))]
    /// enum DoorState {
    ///     #[lifecycle(initial)]
    ///     Closed,
    ///     Locked,
    /// }
    ///
    /// struct Door(DoorState);
    ///
    /// impl HasPhase<DoorState> for Door {
    ///     fn phase(&self) -> Option<DoorState> {
    ///         Some(self.0)
    ///     }
    ///     fn set_phase(&mut self, state: DoorState) {
    ///         self.0 = state;
    ///     }
    /// }
    ///
    /// let closed: Typed<Door, door::Closed> = Typed::try_new(Door(DoorState::Closed)).ok().unwrap();
    /// let locked = closed.record().lock();
    /// assert_eq!(locked.transition(), Transition::fired(DoorStateEvent::Lock, DoorState::Closed, DoorState::Locked));
    /// let (locked, _): (Typed<Door, door::Locked>, _) = locked.into_parts();
    /// // Without `record`, an event returns the plain handle.
    /// let closed: Typed<Door, door::Closed> = locked.unlock();
    /// assert_eq!(closed.state(), DoorState::Closed);
    /// ```
    pub fn record(self) -> Recording<T, S, R> {
        Recording(self)
    }
}

/// A [`Typed`] handle whose next event is recorded: from [`Typed::record`]. Its event
/// methods return [`Moved`](crate::Moved) handles; read the object through [`Deref`].
#[repr(transparent)]
#[must_use = "a recording handle does nothing until an event method is called on it"]
pub struct Recording<T, S, R = NoRole>(Typed<T, S, R>);

impl<T, S, R> Recording<T, S, R> {
    /// The plain handle again, recording nothing.
    pub fn into_typed(self) -> Typed<T, S, R> {
        self.0
    }
}

impl<T, S, R> Deref for Recording<T, S, R> {
    type Target = Typed<T, S, R>;
    fn deref(&self) -> &Typed<T, S, R> {
        &self.0
    }
}

impl<T: core::fmt::Debug, S, R> core::fmt::Debug for Recording<T, S, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Recording").field(&self.0.object).finish()
    }
}

impl<T, S, R> Deref for Typed<T, S, R> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T: core::fmt::Debug, S, R> core::fmt::Debug for Typed<T, S, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Typed").field(&self.object).finish()
    }
}

impl<T: Clone, S, R> Clone for Typed<T, S, R> {
    fn clone(&self) -> Self {
        Typed {
            object: self.object.clone(),
            marker: PhantomData,
        }
    }
}

/// `Paused / Source`, `Paused` or `no phase`, for mismatch messages.
pub(crate) fn describe<P: Lifecycle>(phase: Option<P>, role: Option<P::Role>) -> String {
    let phase = phase.map_or("no phase", |p| p.name());
    match (P::Role::only(), role) {
        (Some(_), _) => phase.to_owned(),
        (None, Some(r)) => format!("{phase} / {}", r.name()),
        (None, None) => format!("{phase} / no role"),
    }
}

/// Wraps `object` without checking; generated code calls it only where the types already
/// prove the state.
pub(crate) fn typed_unchecked<T, S, R>(object: T) -> Typed<T, S, R> {
    Typed {
        object,
        marker: PhantomData,
    }
}

/// The object inside a handle, mutably; only `__private::Handle::fire` uses it, right
/// before they retype the handle to the new state.
pub(crate) fn object_mut<T, S, R>(typed: &mut Typed<T, S, R>) -> &mut T {
    &mut typed.object
}
