// Three independent mistakes are all reported in one pass, and nothing else is.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(event(slam: Opened -> Shut), colour = "red")]
enum Door {
    #[lifecycle(initial)]
    Closed,
    #[lifecycle(start)]
    Opened,
}

fn main() {}
