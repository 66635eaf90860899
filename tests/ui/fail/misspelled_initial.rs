// A misspelled `initial` is reported once, not again as "no initial state".
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(inital)]
    Closed,
    Opened,
}

fn main() {}
