//! The derive's output compiles, warning-free, next to user items that shadow the prelude,
//! a module named `core` and a module named `lifecycle_model`.

#![deny(warnings)]
#![deny(missing_docs)]

use ::lifecycle_model::{HasPhase, Lifecycle, LifecycleError, Typed};

/// Shadows the prelude's `Result`.
#[derive(Debug, PartialEq)]
pub struct Result;
/// Shadows the prelude's `Ok`, as a type and as a value.
#[derive(Debug, PartialEq)]
pub struct Ok;
/// Shadows the prelude's `Err`.
#[derive(Debug, PartialEq)]
pub struct Err;
/// Shadows the prelude's `Option`.
#[derive(Debug, PartialEq)]
pub struct Option;
/// Shadows the prelude's `Some`.
#[derive(Debug, PartialEq)]
pub struct Some;
/// Shadows the prelude's `None`, also in patterns.
#[derive(Debug, PartialEq)]
pub struct None;
/// Shadows the prelude's `Vec`.
#[derive(Debug, PartialEq)]
pub struct Vec;
/// Shadows the prelude's `String`.
#[derive(Debug, PartialEq)]
pub struct String;
/// Shadows the prelude's `Box`.
#[derive(Debug, PartialEq)]
pub struct Box;
/// Shadows the prelude's `Sized`.
#[derive(Debug, PartialEq)]
pub struct Sized;
/// Shadows the prelude's `Default`.
#[derive(Debug, PartialEq)]
pub struct Default;
/// Shadows the prelude's `Clone`, as a type (the derive macro is another namespace).
#[derive(Debug, PartialEq)]
pub struct Clone;

/// A module named like the `core` crate: `::core` paths must still reach the crate.
pub mod core {
    /// Something for `core::...` to find.
    #[derive(Debug, PartialEq)]
    pub struct Marker;
    /// A decoy with a std name.
    pub mod option {}
    /// A decoy with a std name.
    pub mod result {}
}

/// A module named like the runtime crate: `::lifecycle_model` paths must still reach it.
pub mod lifecycle_model {
    /// A decoy with the name generated code reaches through.
    pub mod __private {}
}

/// The role axis.
#[derive(::core::clone::Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// Pays nothing.
    Free,
    /// Pays.
    Paid,
}

/// A machine with roles, actions, a schema and a multi-source event.
#[derive(::lifecycle_model::Lifecycle, ::core::clone::Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = account, roles = Tier, role_module = tier)]
#[lifecycle(
    role(Free, cel = "self.tier == 'free'"),
    role(Paid, cel = "self.tier == 'paid'")
)]
#[lifecycle(schema, phase_field = "phase")]
#[lifecycle(event(activate: Pending -> Active), event(suspend: Active -> Suspended))]
#[lifecycle(event(resume: Suspended -> Active))]
#[lifecycle(event(close: Pending | Active | Suspended -> Closed))]
#[lifecycle(action(upgrade, states = Active, roles = Free, field = "plan"))]
#[lifecycle(action(refund, states = Active | Suspended))]
pub enum AccountState {
    /// Signed up.
    #[lifecycle(initial)]
    Pending,
    /// In use.
    Active,
    /// On hold.
    Suspended,
    /// Gone.
    #[lifecycle(terminal)]
    Closed,
}

/// A machine without roles or actions.
#[derive(::lifecycle_model::Lifecycle, ::core::clone::Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(go: Here -> There))]
pub enum Trip {
    /// Start.
    #[lifecycle(initial)]
    Here,
    /// End.
    #[lifecycle(terminal)]
    There,
}

/// An account object.
#[derive(Debug, PartialEq)]
pub struct Account {
    /// Its phase, if set.
    pub phase: ::core::option::Option<AccountState>,
    /// Its tier, if set.
    pub tier: ::core::option::Option<Tier>,
    /// Its plan.
    pub plan: u32,
}

impl HasPhase<AccountState> for Account {
    fn phase(&self) -> ::core::option::Option<AccountState> {
        self.phase
    }
    fn set_phase(&mut self, phase: AccountState) {
        self.phase = ::core::option::Option::Some(phase);
    }
    fn role(&self) -> ::core::option::Option<Tier> {
        self.tier
    }
}

/// A trip object.
#[derive(Debug, PartialEq)]
pub struct Traveller {
    /// Where it is.
    pub at: Trip,
}

impl HasPhase<Trip> for Traveller {
    fn phase(&self) -> ::core::option::Option<Trip> {
        ::core::option::Option::Some(self.at)
    }
    fn set_phase(&mut self, phase: Trip) {
        self.at = phase;
    }
}

#[test]
fn generated_api_works_under_shadowing() {
    // The shadowing items are what this file says they are.
    assert_eq!(
        (Result, Ok, Err, Option, Some, None),
        (Result, Ok, Err, Option, Some, None)
    );
    assert_eq!(
        (Vec, String, Box, Sized, Default, Clone, core::Marker),
        (Vec, String, Box, Sized, Default, Clone, core::Marker)
    );

    assert!(AccountState::can_transition(
        AccountState::Suspended,
        AccountState::Closed
    ));
    assert!(!AccountState::can_transition(
        AccountState::Closed,
        AccountState::Active
    ));
    assert_eq!(
        AccountState::Pending.fire("activate"),
        ::core::result::Result::Ok(AccountState::Active)
    );
    assert!(matches!(
        AccountState::Pending.fire("resume"),
        ::core::result::Result::Err(LifecycleError::EventNotAllowed { .. })
    ));
    assert!(AccountState::Active.allows(Tier::Free, AccountStateAction::Upgrade));
    assert!(!AccountState::Active.allows(Tier::Paid, AccountStateAction::Upgrade));
    assert!(AccountState::Suspended.allows(Tier::Paid, AccountStateAction::Refund));
    assert!(
        AccountState::Active
            .check_action(Tier::Paid, "upgrade")
            .is_err()
    );
    assert_eq!(AccountState::EVENTS.len(), 4);
    assert_eq!(AccountStateEvent::Close.to_string(), "close");
    assert!(AccountState::MERMAID.contains("Suspended --> Closed: close"));
    assert_eq!(AccountState::machine().actions.len(), 2);

    let pending: Typed<Account, account::Pending, tier::Free> = Typed::try_new(Account {
        phase: ::core::option::Option::Some(AccountState::Pending),
        tier: ::core::option::Option::Some(Tier::Free),
        plan: 1,
    })
    .unwrap();
    let active = pending.activate();
    assert_eq!(
        active.phase,
        ::core::option::Option::Some(AccountState::Active)
    );
    let closed = active.suspend().close();
    assert_eq!(closed.state(), AccountState::Closed);

    let object = Account {
        phase: ::core::option::Option::None,
        tier: ::core::option::Option::Some(Tier::Paid),
        plan: 2,
    };
    match AccountStateTyped::from_object(object) {
        ::core::result::Result::Ok(_) => panic!("an object without a phase has no typed state"),
        ::core::result::Result::Err(mismatch) => assert_eq!(mismatch.into_inner().plan, 2),
    }
    match AccountStateTyped::from_object(Account {
        phase: ::core::option::Option::Some(AccountState::Suspended),
        tier: ::core::option::Option::Some(Tier::Paid),
        plan: 3,
    }) {
        ::core::result::Result::Ok(AccountStateTyped::SuspendedPaid(typed)) => {
            assert_eq!(typed.resume().state(), AccountState::Active);
        }
        ::core::result::Result::Ok(other) => panic!("wrong case: {:?}", other.state()),
        ::core::result::Result::Err(e) => panic!("{e}"),
    }

    let schema = serde_json::to_value(schemars::schema_for!(AccountState)).unwrap();
    assert_eq!(
        schema["enum"],
        serde_json::json!(["Pending", "Active", "Suspended", "Closed"])
    );
    let mut object_schema = schemars::json_schema!({ "type": "object" });
    ::lifecycle_model::schema::action_rules::<AccountState>(&mut object_schema);
    assert_eq!(
        object_schema
            .get("x-kubernetes-validations")
            .and_then(serde_json::Value::as_array)
            .map(|rules| rules.len()),
        ::core::option::Option::Some(1)
    );

    let here: Typed<Traveller, trip::Here> = Typed::try_new(Traveller { at: Trip::Here }).unwrap();
    assert_eq!(here.go().at, Trip::There);
    assert_eq!(
        Trip::There.fire("go").unwrap_err().to_string(),
        "event `go` cannot fire from `There` in `Trip`; it fires from: Here"
    );
    match TripTyped::from_object(Traveller { at: Trip::There }) {
        ::core::result::Result::Ok(TripTyped::There(t)) => assert_eq!(t.state(), Trip::There),
        ::core::result::Result::Ok(TripTyped::Here(_)) => panic!("wrong case"),
        ::core::result::Result::Err(e) => panic!("{e}"),
    }
}

/// User types named like primitives must not break the expansion.
mod primitive_shadowing {
    #![allow(non_camel_case_types, dead_code)]
    use lifecycle_model::Lifecycle;

    struct usize;
    struct bool;
    struct str;

    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(schema, event(go: A -> B), event(back: B -> A))]
    #[lifecycle(action(poke, states = A))]
    enum Shadowed {
        #[lifecycle(initial)]
        A,
        B,
    }

    #[test]
    fn primitives_stay_primitives() {
        assert!(Shadowed::can_transition(Shadowed::A, Shadowed::B));
        assert_eq!(Shadowed::B.index(), 1);
        assert_eq!(Shadowed::A.name(), "A");
    }
}
