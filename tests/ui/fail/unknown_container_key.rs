// An unknown enum-level key is rejected at the key, listing the valid ones.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(modul = door)]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
