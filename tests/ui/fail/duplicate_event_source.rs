// A source state named twice in one event is rejected at its second mention.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(lock: Closed | Opened | Closed -> Locked), event(unlock: Locked -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Locked,
}

fn main() {}
