// `roles = ...` in an action of a machine without a role axis is rejected at the role.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed, roles = Admin))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
