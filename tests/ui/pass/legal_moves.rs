// Every legal typed move compiles: events from their sources, actions where state and role allow.
use lifecycle_model::{HasPhase, Lifecycle, RoleMarker, StateMarker, Typed};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Canary,
    Stable,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = release, roles = Channel, role_module = channel)]
#[lifecycle(role(Canary), role(Stable))]
#[lifecycle(event(build: Draft -> Built), event(ship: Built -> Shipped))]
#[lifecycle(event(halt: Built | Shipped -> Halted), event(retry: Halted -> Draft))]
#[lifecycle(event(archive: Shipped | Halted -> Archived))]
#[lifecycle(action(promote, states = Built | Shipped, roles = Canary))]
#[lifecycle(action(rollback, states = Shipped | Halted))]
enum ReleasePhase {
    #[lifecycle(initial)]
    Draft,
    Built,
    Shipped,
    Halted,
    #[lifecycle(terminal)]
    Archived,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Release {
    channel: Option<Channel>,
    phase: Option<ReleasePhase>,
    traffic: u8,
}

impl HasPhase<ReleasePhase> for Release {
    fn phase(&self) -> Option<ReleasePhase> {
        self.phase
    }
    fn set_phase(&mut self, phase: ReleasePhase) {
        self.phase = Some(phase);
    }
    fn role(&self) -> Option<Channel> {
        self.channel
    }
}

trait ReleaseOps<S, R> {
    fn promote(&mut self, traffic: u8)
    where
        S: release::CanPromote<R>;
    fn rollback(&mut self)
    where
        S: release::CanRollback<R>;
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
    fn rollback(&mut self)
    where
        S: release::CanRollback<R>,
    {
        self.update(|r| r.traffic = 0);
    }
}

fn main() {
    let release = Release {
        channel: Some(Channel::Canary),
        phase: Some(ReleasePhase::Draft),
        traffic: 0,
    };
    let draft: Typed<Release, release::Draft, channel::Canary> =
        Typed::try_new(release).ok().unwrap();
    let mut built = draft.build();
    built.promote(10);
    let mut shipped = built.ship();
    shipped.promote(50);
    assert_eq!(shipped.traffic, 50);
    shipped.rollback();
    let mut halted = shipped.halt();
    halted.rollback();
    let archived = halted.archive();
    assert_eq!(archived.state(), ReleasePhase::Archived);
    assert_eq!(archived.role(), Channel::Canary);
    assert_eq!(archived.traffic, 0);

    // A stable release may roll back but not promote; the bridge finds its typed state.
    let stable = Release {
        channel: Some(Channel::Stable),
        phase: Some(ReleasePhase::Halted),
        traffic: 7,
    };
    let ReleasePhaseTyped::HaltedStable(mut halted) =
        ReleasePhaseTyped::from_object(stable).ok().unwrap()
    else {
        panic!("a halted stable release");
    };
    halted.rollback();
    let draft = halted.retry();
    assert_eq!(draft.into_inner().phase, Some(ReleasePhase::Draft));

    // A mismatch hands the object back.
    let wrong = Release {
        channel: None,
        phase: Some(ReleasePhase::Draft),
        traffic: 0,
    };
    let err = Typed::<Release, release::Draft, channel::Canary>::try_new(wrong.clone())
        .err()
        .unwrap();
    assert_eq!(err.found(), "Draft / no role");
    assert_eq!(err.into_inner(), wrong);

    assert!(ReleasePhase::Built.allows(Channel::Canary, ReleasePhaseAction::Promote));
    assert!(!ReleasePhase::Built.allows(Channel::Stable, ReleasePhaseAction::Promote));
    assert!(ReleasePhase::can_transition(
        ReleasePhase::Halted,
        ReleasePhase::Draft
    ));
    assert!(!ReleasePhase::can_transition(
        ReleasePhase::Archived,
        ReleasePhase::Draft
    ));
}
