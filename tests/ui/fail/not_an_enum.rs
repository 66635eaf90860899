// Deriving on a struct is rejected at the `struct` keyword: only enums are lifecycles.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
struct Door {
    open: bool,
}

fn main() {}
