// An enum without variants is rejected at its name: a lifecycle needs a state.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
enum Door {}

fn main() {}
