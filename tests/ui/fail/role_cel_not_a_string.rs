// A role whose `cel` is not a string is rejected at the value, with no E0004 for the dropped role.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel, role(Canary), role(Stable, cel = 42))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
