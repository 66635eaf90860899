// `record` is the method that makes a handle's next event return the record of the move,
// so an event named `record` is rejected at its name, as for `Typed`'s other methods.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(record: Idle -> Recording), event(stop: Recording -> Idle))]
enum Tape {
    #[lifecycle(initial)]
    Idle,
    Recording,
}

fn main() {}
