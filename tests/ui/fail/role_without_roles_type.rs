// `role(...)` without `roles = RoleEnum` is rejected at the role's name, and only there.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(role(Admin))]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed, roles = Admin))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
