// An event named like a method `Typed` already has is rejected at its name: the call
// `typed.update()` could reach the wrong one. The message suggests another name.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(update: Stale -> Fresh), event(expire: Fresh -> Stale))]
enum Cache {
    #[lifecycle(initial)]
    Stale,
    Fresh,
}

fn main() {}
