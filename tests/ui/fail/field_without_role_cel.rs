// An action `field` while a role has no `cel` is rejected at that role.
use lifecycle_model::Lifecycle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Channel, role(Canary, cel = "self.channel == 'canary'"), role(Stable))]
#[lifecycle(phase_field = "status.phase")]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary, field = "spec.traffic"))]
enum Release {
    #[lifecycle(initial)]
    Draft,
    Built,
}

fn main() {}
