// Events chain on the `Moved` handle an event returns, so an event named like one of its
// methods (`transition`) is rejected at its name, as for `Typed`'s own.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(transition: Draft -> Live), event(retract: Live -> Draft))]
enum Page {
    #[lifecycle(initial)]
    Draft,
    Live,
}

fn main() {}
