//! The declarations of the [examples](super#examples) above, compiled into the
//! documentation alone, so that each page shows what the derive draws: open
//! [`Order`], [`DbState`] or [`Volume`] and look under *Implementations*.

use crate::Lifecycle;

/// An order: events from several sources, and two terminal states.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(crate = "crate", module = order)]
#[lifecycle(event(pay: New -> Paid), event(ship: Paid -> Shipped))]
#[lifecycle(event(cancel: New | Paid -> Cancelled))]
pub enum Order {
    /// Placed, not paid.
    #[lifecycle(initial)]
    New,
    /// Paid, not shipped.
    Paid,
    /// Shipped; nothing follows.
    #[lifecycle(terminal)]
    Shipped,
    /// Cancelled; nothing follows.
    #[lifecycle(terminal)]
    Cancelled,
}

/// The role axis of [`DbState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Takes writes.
    Primary,
    /// Follows the primary.
    Replica,
}

/// A database: roles, and an action allowed to one role in one state.
#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(crate = "crate", module = db, roles = Kind, role_module = kind)]
#[lifecycle(role(Primary), role(Replica))]
#[lifecycle(event(stop: Up -> Down), event(start: Down -> Up))]
#[lifecycle(action(write, states = Up, roles = Primary))]
pub enum DbState {
    /// Serving.
    #[lifecycle(initial)]
    Up,
    /// Stopped.
    Down,
}

/// A volume: a schema with CEL rules, and an action on a field.
#[cfg(feature = "schema")]
#[derive(Lifecycle, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[lifecycle(crate = "crate", schema, phase_field = "state")]
#[lifecycle(event(freeze: Open -> Frozen), event(thaw: Frozen -> Open))]
#[lifecycle(action(edit, states = Open, field = "size"))]
pub enum Volume {
    /// Its size may change.
    #[default]
    #[lifecycle(initial)]
    Open,
    /// Its size is fixed.
    Frozen,
}
