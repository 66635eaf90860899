// Two events whose generated names clash (`open`, `Open`) are rejected at the second, not by rustc.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(Open: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
