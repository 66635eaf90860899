// `enforce_initial` is a flag: a value is rejected at the flag, and so is one given to
// `schema`, in the same pass.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(enforce_initial = true, schema = "yes")]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

fn main() {}
