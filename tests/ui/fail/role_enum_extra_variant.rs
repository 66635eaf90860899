// A role enum variant not declared with `role(...)` is reported at `roles = RoleEnum`.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
    Hotfix,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel, role(Canary), role(Stable))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
