//! The runtime twin against hand-written `match`es on the same machines, in the same run:
//! `can_transition`, `on` and `allows`. And a typed transition against the plain field
//! store it stands for; `benches/asm.sh` disassembles the four functions below and the
//! checks of module `outlined`.
//!
//! Each measurement sweeps every input of the machine once (every pair of states, every
//! state and event, every state, role and action), so no branch predictor sees one input.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lifecycle_examples::numaflow::vertex::{
    Vertex, VertexPhase, VertexPhaseEvents, VertexSpec, phase, role,
};
use lifecycle_model::{Lifecycle, LifecycleError, Typed};
use lifecycle_tests::{
    Channel, Door, DoorState, DoorStateEvent, DoorStateEvents, ReleasePhase, ReleasePhaseAction,
    ReleasePhaseEvent, door,
};

mod hand;

/// The derived and the hand-written checks, each behind a function of its own so that
/// their machine code can be compared: LLVM merges functions whose code is identical, and
/// then both names point at one body (`benches/asm.sh` shows it).
mod outlined {
    use super::*;

    macro_rules! outlined {
        ($(
            $derived:ident / $hand:ident ($($arg:ident: $ty:ty),*)
                -> $out:ty = $call:expr, $hand_call:expr;
        )*) => {
            $(
                #[inline(never)]
                pub(crate) fn $derived($($arg: $ty),*) -> $out {
                    $call
                }
                #[inline(never)]
                pub(crate) fn $hand($($arg: $ty),*) -> $out {
                    $hand_call
                }
            )*
            /// Each check's name, and whether its two functions are one.
            pub(crate) fn merged() -> Vec<(&'static str, bool)> {
                vec![$((
                    stringify!($hand),
                    $derived as *const () == $hand as *const (),
                )),*]
            }
        };
    }

    outlined! {
        derived_door_can_transition / hand_door_can_transition(from: DoorState, to: DoorState)
            -> bool = DoorState::can_transition(from, to), hand::door_can_transition(from, to);
        derived_door_on / hand_door_on(state: DoorState, event: DoorStateEvent)
            -> Result<DoorState, LifecycleError> = state.on(event), hand::door_on(state, event);
        derived_release_can_transition / hand_release_can_transition(
            from: ReleasePhase, to: ReleasePhase
        ) -> bool = ReleasePhase::can_transition(from, to), hand::release_can_transition(from, to);
        derived_release_on / hand_release_on(state: ReleasePhase, event: ReleasePhaseEvent)
            -> Result<ReleasePhase, LifecycleError> =
            state.on(event), hand::release_on(state, event);
        derived_release_allows / hand_release_allows(
            state: ReleasePhase, role: Channel, action: ReleasePhaseAction
        ) -> bool = state.allows(role, action), hand::release_allows(state, role, action);
    }
}

/// Every pair of `items`.
fn pairs<A: Copy, B: Copy>(left: &[A], right: &[B]) -> Vec<(A, B)> {
    left.iter()
        .flat_map(|&a| right.iter().map(move |&b| (a, b)))
        .collect()
}

/// Times `derived` and `hand` over the same `inputs` in one group, after checking that they
/// agree on every input.
fn compare<I: Copy, O: PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: &str,
    inputs: &[I],
    derived: impl Fn(I) -> O,
    hand: impl Fn(I) -> O,
) {
    for &input in inputs {
        assert_eq!(
            derived(input),
            hand(input),
            "{name}: derived and hand-written differ"
        );
    }
    let mut group = c.benchmark_group(name);
    group.bench_function("derived", |b| {
        b.iter(|| {
            for &input in black_box(inputs) {
                black_box(derived(input));
            }
        })
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            for &input in black_box(inputs) {
                black_box(hand(input));
            }
        })
    });
    group.finish();
}

fn bench_checks(c: &mut Criterion) {
    for (check, merged) in outlined::merged() {
        let check = check.trim_start_matches("hand_");
        let verdict = match merged {
            true => "one function: LLVM merged identical machine code",
            false => "two functions: their machine code differs",
        };
        eprintln!("runtime/{check}: derived and hand-written compile to {verdict}");
    }
    let door_states = DoorState::STATES;
    let release_states = ReleasePhase::STATES;
    let roles = [Channel::Canary, Channel::Stable, Channel::Hotfix];

    compare(
        c,
        "door_can_transition",
        &pairs(door_states, door_states),
        |(from, to)| DoorState::can_transition(from, to),
        |(from, to)| hand::door_can_transition(from, to),
    );
    compare(
        c,
        "door_on",
        &pairs(door_states, DoorState::EVENTS),
        |(state, event)| state.on(event),
        |(state, event)| hand::door_on(state, event),
    );
    compare(
        c,
        "release_can_transition",
        &pairs(release_states, release_states),
        |(from, to)| ReleasePhase::can_transition(from, to),
        |(from, to)| hand::release_can_transition(from, to),
    );
    // Firing only where the event is legal: the path a controller takes, without the
    // error's allocation.
    let legal: Vec<_> = pairs(release_states, ReleasePhase::EVENTS)
        .into_iter()
        .filter(|&(state, event)| state.on(event).is_ok())
        .collect();
    compare(
        c,
        "release_on_legal",
        &legal,
        |(state, event)| state.on(event),
        |(state, event)| hand::release_on(state, event),
    );
    compare(
        c,
        "release_on_all",
        &pairs(release_states, ReleasePhase::EVENTS),
        |(state, event)| state.on(event),
        |(state, event)| hand::release_on(state, event),
    );
    let allows: Vec<_> = pairs(&pairs(release_states, &roles), ReleasePhase::ACTIONS);
    compare(
        c,
        "release_allows",
        &allows,
        |((state, role), action)| state.allows(role, action),
        |((state, role), action)| hand::release_allows(state, role, action),
    );
}

/// `pause` on a typed running source: the typestate way.
#[inline(never)]
pub fn typed_pause(
    vertex: Typed<Vertex, phase::Running, role::Source>,
) -> Typed<Vertex, phase::Paused, role::Source> {
    vertex.pause()
}

/// The same change written as the field store `pause` stands for.
#[inline(never)]
pub fn field_pause(mut vertex: Vertex) -> Vertex {
    vertex.spec.set_desired_phase(VertexPhase::Paused);
    vertex
}

/// `lock` on a typed closed door.
#[inline(never)]
pub fn typed_lock(door: Typed<Door, door::Closed>) -> Typed<Door, door::Locked> {
    door.lock()
}

/// The same change as a field store.
#[inline(never)]
pub fn field_lock(mut door: Door) -> Door {
    door.state = DoorState::Locked;
    door
}

fn source_vertex() -> Vertex {
    let spec: VertexSpec = serde_json::from_value(serde_json::json!({
        "name": "in", "pipelineName": "bench", "replicas": 2,
        "source": { "generator": { "rpu": 5 } }
    }))
    .expect("a source vertex spec");
    Vertex::new("bench-in", spec)
}

fn bench_typed(c: &mut Criterion) {
    let vertex = source_vertex();
    let typed: Typed<Vertex, phase::Running, role::Source> =
        Typed::try_new(vertex.clone()).expect("a running source");
    assert_eq!(
        typed_pause(typed.clone()).into_inner().spec,
        field_pause(vertex.clone()).spec
    );
    let mut group = c.benchmark_group("vertex_pause");
    group.bench_function("typed", |b| {
        b.iter_batched(|| typed.clone(), typed_pause, BatchSize::SmallInput)
    });
    group.bench_function("field", |b| {
        b.iter_batched(|| vertex.clone(), field_pause, BatchSize::SmallInput)
    });
    group.finish();

    let door = Door {
        name: "front".to_owned(),
        state: DoorState::Closed,
    };
    let typed: Typed<Door, door::Closed> = Typed::try_new(door.clone()).expect("a closed door");
    assert_eq!(
        typed_lock(typed.clone()).into_inner(),
        field_lock(door.clone())
    );
    let mut group = c.benchmark_group("door_lock");
    group.bench_function("typed", |b| {
        b.iter_batched(|| typed.clone(), typed_lock, BatchSize::SmallInput)
    });
    group.bench_function("field", |b| {
        b.iter_batched(|| door.clone(), field_lock, BatchSize::SmallInput)
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench_checks, bench_typed
}
criterion_main!(benches);
