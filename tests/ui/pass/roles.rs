// Roles with and without `cel`, and the default role module (snake_case of the role enum).
use lifecycle_model::{Lifecycle, Role, RoleMarker};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VertexKind {
    Source,
    Sink,
    Map,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = VertexKind)]
#[lifecycle(role(Source, cel = "has(self.source)"), role(Sink), role(Map))]
#[lifecycle(event(start: Pending -> Running), event(stop: Running -> Pending))]
#[lifecycle(action(scale, states = Running, roles = Source | Map))]
#[lifecycle(action(drain, states = Pending | Running, roles = Sink))]
enum VertexPhase {
    #[lifecycle(initial)]
    Pending,
    Running,
}

fn main() {
    assert_eq!(
        VertexKind::ROLES,
        &[VertexKind::Source, VertexKind::Sink, VertexKind::Map]
    );
    assert_eq!(VertexKind::Map.index(), 2);
    assert_eq!(VertexKind::Sink.name(), "Sink");
    // The role markers live in `vertex_kind`, the snake_case of `VertexKind`.
    assert_eq!(
        <vertex_kind::Source as RoleMarker>::ROLE,
        VertexKind::Source
    );

    let machine = VertexPhase::machine();
    assert_eq!(machine.roles[0].cel.as_deref(), Some("has(self.source)"));
    assert_eq!(machine.roles[1].cel, None);

    use VertexPhase::*;
    assert!(Running.allows(VertexKind::Source, VertexPhaseAction::Scale));
    assert!(!Running.allows(VertexKind::Sink, VertexPhaseAction::Scale));
    assert!(Pending.allows(VertexKind::Sink, VertexPhaseAction::Drain));
    assert!(Running.check_action(VertexKind::Map, "drain").is_err());
    assert_eq!(Running.check_action(VertexKind::Map, "scale"), Ok(()));
}
