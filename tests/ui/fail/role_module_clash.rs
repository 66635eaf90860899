// `role_module` equal to `module` is rejected at the role module, with no E0428 after it.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = release, roles = Channel, role_module = release)]
#[lifecycle(role(Canary), role(Stable))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum ReleasePhase {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
