// `roles = RoleEnum` without any `role(...)` is rejected at the role enum, and only there.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel)]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
