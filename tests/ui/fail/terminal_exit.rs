// An event leaving a terminal state is rejected at that source state in the event.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(demolish: Closed -> Demolished), event(rebuild: Demolished -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
    #[lifecycle(terminal)]
    Demolished,
}

fn main() {}
