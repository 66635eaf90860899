// An action role that is not declared with `role(...)` is rejected at that name.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel, role(Canary), role(Stable))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary | Hotfix))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
