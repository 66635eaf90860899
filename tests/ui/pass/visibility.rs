// Public, crate-visible and private enums all derive; the generated items follow suit.
#![deny(missing_docs, unreachable_pub, rust_2018_idioms, warnings)]
//! A crate under the workspace's lints: generated items are documented and no more public
//! than the enum.

/// Public items.
pub mod api {
    use lifecycle_model::Lifecycle;

    /// A public phase.
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(module = public_door, schema)]
    #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    #[lifecycle(action(paint, states = Closed))]
    pub enum PublicDoor {
        /// Shut.
        #[lifecycle(initial)]
        Closed,
        /// Open.
        Opened,
    }

    /// A public role enum.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Hand {
        /// Left.
        Left,
        /// Right.
        Right,
    }

    /// A public phase with roles.
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(roles = Hand, role(Left), role(Right))]
    #[lifecycle(event(raise: Down -> Up), event(lower: Up -> Down))]
    #[lifecycle(action(wave, states = Up, roles = Right))]
    pub enum Arm {
        /// Lowered.
        #[lifecycle(initial)]
        Down,
        /// Raised.
        Up,
    }

    /// A crate-visible phase.
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    pub(crate) enum CrateDoor {
        #[lifecycle(initial)]
        Closed,
        Opened,
    }

    /// A phase visible in the parent module only.
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    pub(super) enum SuperDoor {
        #[lifecycle(initial)]
        Closed,
        Opened,
    }

    /// A phase private to this module.
    #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
    #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
    enum PrivateDoor {
        #[lifecycle(initial)]
        Closed,
        Opened,
    }

    pub(crate) fn private_door_opens() -> bool {
        PrivateDoor::can_transition(PrivateDoor::Closed, PrivateDoor::Opened)
    }
}

use api::{Arm, CrateDoor, PublicDoor, SuperDoor};
use lifecycle_model::Lifecycle;

fn main() {
    assert!(PublicDoor::can_transition(
        PublicDoor::Closed,
        PublicDoor::Opened
    ));
    assert!(Arm::Up.allows(api::Hand::Right, api::ArmAction::Wave));
    assert!(CrateDoor::can_transition(
        CrateDoor::Opened,
        CrateDoor::Closed
    ));
    assert!(SuperDoor::can_transition(
        SuperDoor::Opened,
        SuperDoor::Closed
    ));
    assert!(api::private_door_opens());
    // Markers of a `pub(crate)` and `pub(super)` enum are reachable where the enum is.
    let _: api::crate_door::Opened = api::crate_door::Opened;
    let _: api::super_door::Opened = api::super_door::Opened;
    let _: api::public_door::Closed = api::public_door::Closed;
}
