// A role declared twice is rejected at its second name.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel, role(Canary), role(Stable), role(Canary))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
