// `enforce_initial` on a state is pointed at the enum, with what goes on a state instead.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial, enforce_initial)]
    Closed,
    Opened,
}

fn main() {}
