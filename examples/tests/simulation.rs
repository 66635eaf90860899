//! The controllers under faults: 10,000 seeded schedules across every pipeline shape with
//! every fault on, and zero invariant violations; and for each invariant, a deliberately
//! broken controller that the checker catches.
//!
//! A failing seed prints the command that replays it:
//! `LIFECYCLE_SIM_SEED=<seed> cargo test -p lifecycle-examples --test simulation replay -- --nocapture`.

use std::collections::BTreeSet;

use lifecycle_examples::numaflow::sim::{self, Correct, Sim, SimConfig};

/// How many schedules the sweep runs; `LIFECYCLE_SIM_SCHEDULES` overrides it.
fn schedules() -> u64 {
    std::env::var("LIFECYCLE_SIM_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

#[test]
fn ten_thousand_faulty_schedules_break_no_invariant() {
    let count = schedules();
    let mut shapes = BTreeSet::new();
    let mut sizes = BTreeSet::new();
    let (mut conflicts, mut crashes, mut stale, mut writes) = (0, 0, 0, 0);
    // Two workers, one per core; each seed's run is deterministic on its own.
    let workers = 2;
    let results: Vec<Vec<(String, usize, sim::Report)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    (worker..count)
                        .step_by(workers as usize)
                        .map(|seed| {
                            let config = SimConfig::from_seed(seed);
                            let shape = (config.shape.name.clone(), config.shape.vertices.len());
                            let report = Sim::new(config, &Correct)
                                .run()
                                .unwrap_or_else(|v| panic!("{v}"));
                            (shape.0, shape.1, report)
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (shape, size, report) in results.into_iter().flatten() {
        shapes.insert(shape);
        sizes.insert(size);
        conflicts += report.conflicts;
        crashes += report.crashes;
        stale += report.stale_reads;
        writes += report.writes;
    }
    eprintln!(
        "{count} schedules over {} shapes ({}..={} vertices): {writes} writes, {conflicts} conflicts, {crashes} crashes, {stale} stale reads",
        shapes.len(),
        sizes.first().unwrap(),
        sizes.last().unwrap()
    );
    if count >= 1_000 {
        assert!(shapes.len() >= 20, "{} shapes", shapes.len());
        assert_eq!((*sizes.first().unwrap(), *sizes.last().unwrap()), (1, 50));
    }
    assert!(
        conflicts > 0 && crashes > 0 && stale > 0,
        "every fault kind struck"
    );
}

#[test]
fn replay() {
    let seed = std::env::var("LIFECYCLE_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let config = SimConfig::from_seed(seed);
    eprintln!(
        "seed {seed}: shape {}, ops {:?}, grace {} s",
        config.shape.name, config.ops, config.grace_seconds
    );
    let report = Sim::new(config, &Correct)
        .run()
        .unwrap_or_else(|v| panic!("{v}"));
    eprintln!("{report:?}");
    assert!(report.writes > 0);
}

#[test]
fn shapes_span_one_to_fifty_vertices_with_reduces_and_sinks() {
    let shapes = sim::shapes::shapes();
    assert!(shapes.len() >= 20);
    let sizes: Vec<usize> = shapes.iter().map(|s| s.vertices.len()).collect();
    assert_eq!(sizes.iter().min(), Some(&1));
    assert_eq!(sizes.iter().max(), Some(&50));
    assert!(shapes.iter().any(|s| {
        s.vertices
            .iter()
            .any(|v| v.udf.as_ref().is_some_and(|u| u.group_by.is_some()))
    }));
    assert!(
        shapes
            .iter()
            .filter(|s| s.vertices.iter().any(|v| v.sink.is_some()))
            .count()
            >= 20
    );
}

#[test]
#[ignore = "a tool: prints the writes of LIFECYCLE_SIM_SEED"]
fn trace() {
    let seed = std::env::var("LIFECYCLE_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut sim = Sim::new(SimConfig::from_seed(seed), &Correct);
    sim.trace = Some(Vec::new());
    let last = sim.config.ops.iter().map(|o| o.0).max().unwrap_or(0) + sim.config.settle_ticks;
    let mut outcome = Ok(());
    while sim.tick < last && outcome.is_ok() {
        outcome = sim.step();
        eprintln!(
            "t={} phase={:?} pods={:?} buffers={:?}",
            sim.tick,
            sim.pipeline_phase(),
            sim.world.pods,
            sim.world.buffers
        );
    }
    for (tick, writer, target, body) in sim.trace.take().unwrap() {
        eprintln!("{tick:>4} {writer:?} {target} {body}");
    }
    outcome.unwrap();
}

// Deliberately broken controllers: the checker must catch each one.

use lifecycle_examples::numaflow::controller::{
    PipelineActions, reconcile_pipeline, reconcile_vertex,
};
use lifecycle_examples::numaflow::pipeline::{DesiredPhase, Pipeline, PipelinePhase};
use lifecycle_examples::numaflow::plan::{Observations, Patch, PatchTarget};
use lifecycle_examples::numaflow::sim::{Controllers, Faults, Invariant, Op};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use serde_json::json;

/// A fault-free run of `shape` with `ops`, expected to break `invariant` under `broken`.
fn assert_caught(broken: &dyn Controllers, shape: &str, ops: Vec<(u64, Op)>, invariant: Invariant) {
    let shape = sim::shapes::shapes()
        .into_iter()
        .find(|s| s.name == shape)
        .unwrap_or_else(|| panic!("no shape {shape}"));
    let config = SimConfig {
        seed: 1,
        shape,
        faults: Faults::none(),
        ops,
        grace_seconds: 30,
        settle_ticks: 80,
    };
    // The same schedule passes with the real controllers...
    Sim::new(config.clone(), &Correct)
        .run()
        .unwrap_or_else(|v| panic!("correct controllers: {v}"));
    // ...and the broken ones are caught.
    match Sim::new(config, broken).run() {
        Err(v) => assert_eq!(v.invariant, invariant, "{v}"),
        Ok(report) => panic!("{invariant:?} not caught: {report:?}"),
    }
}

fn vertex_patch(vertex: &Vertex, body: serde_json::Value) -> Patch {
    Patch {
        target: PatchTarget::object_of(vertex),
        body,
    }
}

fn status_patch(body: serde_json::Value) -> Patch {
    Patch {
        target: PatchTarget::status::<Pipeline>(sim::PIPELINE),
        body: json!({ "status": body }),
    }
}

/// The seed bug: the min/max clamp pushes a paused source's zero back up to `min`.
struct ClampAfterPause;
impl Controllers for ClampAfterPause {
    fn vertex(&self, vertex: &Vertex) -> Option<Patch> {
        let mut v = vertex.clone();
        let replicas = v.spec.clamp_to_scale(v.spec.desired_replicas());
        reconcile_vertex(&v).map(|mut patch| {
            v.status = None;
            patch.body["status"]["desiredReplicas"] = json!(replicas);
            patch
        })
    }
}

#[test]
fn invariant_1_catches_the_clamp_that_restarts_paused_sources() {
    assert_caught(
        &ClampAfterPause,
        "chain-1-map-min1",
        vec![(5, Op::Pause)],
        Invariant::PausedSourcesRunNothing,
    );
}

/// The workaround that followed: zero every vertex at once.
struct PauseEverythingAtOnce;
impl Controllers for PauseEverythingAtOnce {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        let mut actions = reconcile_pipeline(p, vertices, o);
        if p.spec.desired_phase() == DesiredPhase::Paused {
            let stray = vertices
                .iter()
                .filter(|v| v.spec.desired_phase() == VertexPhase::Running);
            let patches: Vec<Patch> = stray
                .map(|v| {
                    vertex_patch(
                        v,
                        json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } }),
                    )
                })
                .collect();
            actions.patches.retain(|p| !p.target.is::<Vertex>());
            actions.patches.splice(0..0, patches);
        }
        actions
    }
}

#[test]
fn invariant_2_catches_pausing_downstream_vertices_before_the_drain() {
    assert_caught(
        &PauseEverythingAtOnce,
        "chain-5-map-min1",
        vec![(5, Op::Pause)],
        Invariant::NoEarlyPause,
    );
}

/// Pauses everything at once and claims the buffers drained.
struct ClaimDrainedAtOnce;
impl Controllers for ClaimDrainedAtOnce {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        if p.spec.desired_phase() == DesiredPhase::Paused
            && p.phase() == Some(PipelinePhase::Pausing)
        {
            let mut patches = vec![status_patch(
                json!({ "phase": "Paused", "drainedOnPause": true }),
            )];
            patches.extend(vertices.iter().map(|v| {
                vertex_patch(
                    v,
                    json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } }),
                )
            }));
            return PipelineActions {
                create: Vec::new(),
                patches,
            };
        }
        reconcile_pipeline(p, vertices, o)
    }
}

#[test]
fn invariant_3_catches_pausing_all_vertices_at_once() {
    assert_caught(
        &ClaimDrainedAtOnce,
        "chain-5-map-min1",
        vec![(5, Op::Pause)],
        Invariant::NoMessageLost,
    );
}

/// Drops `spec.replicas` on every resume, fast or slow.
struct AlwaysSlowResume;
impl Controllers for AlwaysSlowResume {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        let mut actions = reconcile_pipeline(p, vertices, o);
        for patch in &mut actions.patches {
            if patch.desired_phase() == Some(VertexPhase::Running) {
                patch.body["spec"]["replicas"] = serde_json::Value::Null;
            }
        }
        actions
    }
}

#[test]
fn invariant_4_catches_a_fast_resume_that_forgets_the_replicas() {
    assert_caught(
        &AlwaysSlowResume,
        "chain-2-map-min2",
        vec![(5, Op::Pause), (60, Op::ResumeFast)],
        Invariant::ResumeRestoresReplicas,
    );
}

/// Leaves Deleting for Failed once the deletion has begun.
struct UndoDeleting;
impl Controllers for UndoDeleting {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        if p.phase() == Some(PipelinePhase::Deleting) {
            return PipelineActions {
                create: Vec::new(),
                patches: vec![status_patch(json!({ "phase": "Failed" }))],
            };
        }
        reconcile_pipeline(p, vertices, o)
    }
}

#[test]
fn invariant_5_catches_a_status_that_leaves_deleting() {
    assert_caught(
        &UndoDeleting,
        "chain-1-map-min1",
        vec![(5, Op::Delete)],
        Invariant::DeletingIsFinal,
    );
}

/// Jumps from Running straight to Paused.
struct SkipPausing;
impl Controllers for SkipPausing {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        if p.spec.desired_phase() == DesiredPhase::Paused
            && p.phase() == Some(PipelinePhase::Running)
        {
            return PipelineActions {
                create: Vec::new(),
                patches: vec![status_patch(json!({ "phase": "Paused" }))],
            };
        }
        reconcile_pipeline(p, vertices, o)
    }
}

#[test]
fn invariant_6_catches_a_move_the_machine_does_not_declare() {
    assert_caught(
        &SkipPausing,
        "chain-1-map-min1",
        vec![(5, Op::Pause)],
        Invariant::DeclaredMovesOnly,
    );
}

/// Re-sends every vertex's desired phase on every reconcile.
struct ResendEverything;
impl Controllers for ResendEverything {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> PipelineActions {
        let mut actions = reconcile_pipeline(p, vertices, o);
        for v in vertices {
            let phase = v.spec.desired_phase();
            actions.patches.push(vertex_patch(
                v,
                json!({ "spec": { "lifecycle": { "desiredPhase": phase } } }),
            ));
        }
        actions
    }
}

#[test]
fn invariant_7_catches_writes_that_change_no_phase() {
    assert_caught(
        &ResendEverything,
        "chain-1-map-min1",
        vec![(5, Op::Pause)],
        Invariant::MinimalWrites,
    );
}
