// A gated action for a role that may not take it is E0277 naming the action, state and role.
use lifecycle_model::{HasPhase, Lifecycle, RoleMarker, StateMarker, Typed};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = release, roles = Channel, role_module = channel)]
#[lifecycle(role(Canary), role(Stable))]
#[lifecycle(event(build: Draft -> Built), event(retry: Built -> Draft))]
#[lifecycle(action(promote, states = Built, roles = Canary))]
enum ReleasePhase {
    #[lifecycle(initial)]
    Draft,
    Built,
}

struct Release {
    channel: Channel,
    phase: ReleasePhase,
    traffic: u8,
}

impl HasPhase<ReleasePhase> for Release {
    fn phase(&self) -> Option<ReleasePhase> {
        Some(self.phase)
    }
    fn set_phase(&mut self, phase: ReleasePhase) {
        self.phase = phase;
    }
    fn role(&self) -> Option<Channel> {
        Some(self.channel)
    }
}

trait ReleaseOps<S, R> {
    fn promote(&mut self, traffic: u8)
    where
        S: release::CanPromote<R>;
}

impl<S, R> ReleaseOps<S, R> for Typed<Release, S, R>
where
    S: StateMarker<Phase = ReleasePhase>,
    R: RoleMarker<Role = Channel>,
{
    fn promote(&mut self, traffic: u8)
    where
        S: release::CanPromote<R>,
    {
        self.update(|r| r.traffic = traffic);
    }
}

fn main() {
    let release = Release {
        channel: Channel::Stable,
        phase: ReleasePhase::Built,
        traffic: 0,
    };
    let mut built: Typed<Release, release::Built, channel::Stable> =
        Typed::try_new(release).ok().unwrap();
    built.promote(50);
}
