//! The controllers under faults: 10,000 seeded schedules across every pipeline shape with
//! every fault on, and zero invariant violations; and for each invariant, a deliberately
//! broken controller that the checker catches.
//!
//! A failing seed prints the command that replays it:
//! `LIFECYCLE_SIM_SEED=<seed> cargo test -p numaflow-sim --test simulation replay -- --nocapture`.

mod model_check;
mod mono;

use std::collections::BTreeSet;

use numaflow_sim::{self as sim, Correct, Sim, SimConfig};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// How many schedules the sweep runs; `LIFECYCLE_SIM_SCHEDULES` overrides it.
fn schedules() -> u64 {
    env_u64("LIFECYCLE_SIM_SCHEDULES").unwrap_or(10_000)
}

/// The first seed of the sweep; `LIFECYCLE_SIM_SEED_OFFSET` moves it to explore schedules
/// beyond the fixed set CI replays.
fn seed_offset() -> u64 {
    env_u64("LIFECYCLE_SIM_SEED_OFFSET").unwrap_or(0)
}

#[test]
fn ten_thousand_faulty_schedules_break_no_invariant() {
    let (count, offset) = (schedules(), seed_offset());
    eprintln!("seeds {offset}..{}", offset + count);
    let mut shapes = BTreeSet::new();
    let mut sizes = BTreeSet::new();
    let (mut conflicts, mut crashes, mut stale, mut writes) = (0, 0, 0, 0);
    let (mut daemon_failures, mut scalings, mut refused) = (0, 0, 0);
    // Two workers, one per core; each seed's run is deterministic on its own.
    let workers = 2;
    let results: Vec<Vec<(String, usize, sim::Report)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    (offset + worker..offset + count)
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
        daemon_failures += report.daemon_failures;
        scalings += report.scalings;
        refused += report.refused_scalings;
    }
    eprintln!(
        "{count} schedules over {} shapes ({}..={} vertices): {writes} writes, {conflicts} conflicts, {crashes} crashes, {stale} stale reads, {daemon_failures} daemon failures, {scalings} scalings ({refused} refused by the CRD's rule)",
        shapes.len(),
        sizes.first().unwrap(),
        sizes.last().unwrap()
    );
    if count >= 1_000 {
        assert!(shapes.len() >= 20, "{} shapes", shapes.len());
        assert_eq!((*sizes.first().unwrap(), *sizes.last().unwrap()), (1, 50));
    }
    assert!(
        conflicts > 0 && crashes > 0 && stale > 0 && daemon_failures > 0 && scalings > 0,
        "every fault kind struck"
    );
}

#[test]
fn replay() {
    let seed = env_u64("LIFECYCLE_SIM_SEED").unwrap_or(0);
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
    let seed = env_u64("LIFECYCLE_SIM_SEED").unwrap_or(0);
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

// Deliberately broken controllers: the checker must catch each one, on every seed of a
// small faulty sweep whose shape can show the bug.

use jiff::Timestamp;
use numaflow_model::controller::{Requests, reconcile_pipeline, reconcile_vertex};
use numaflow_model::pipeline::{DesiredPhase, FINALIZER, Pipeline, PipelinePhase};
use numaflow_model::plan::{Observations, Patch, PatchTarget};
use numaflow_model::vertex::{Vertex, VertexPhase, VertexRole};
use numaflow_sim::shapes::Shape;
use numaflow_sim::{Autoscaler, Controllers, Invariant, Op};
use serde_json::json;

/// The seeds of the small sweep every broken controller runs over, faults on.
const BROKEN_SEEDS: std::ops::Range<u64> = 0..24;

/// Runs `broken` over [`BROKEN_SEEDS`], each seed's shape and faults with `ops` as the
/// schedule, and expects `invariant` broken on every seed whose shape `shows` the bug. The
/// real controllers pass the same schedules. The grace periods are long enough that a
/// fault-delayed controller still acts inside them, so the bugs have room to show.
fn assert_caught(
    broken: &dyn Controllers,
    ops: &[(u64, Op)],
    shows: fn(&Shape) -> bool,
    invariant: Invariant,
) {
    assert_caught_in(broken, ops, shows, invariant, |_| {});
}

/// [`assert_caught`] in a world that `world` changes: more of one fault, say.
fn assert_caught_in(
    broken: &dyn Controllers,
    ops: &[(u64, Op)],
    shows: fn(&Shape) -> bool,
    invariant: Invariant,
    world: fn(&mut SimConfig),
) {
    let mut shapes = BTreeSet::new();
    let mut missed = Vec::new();
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        if !shows(&config.shape) {
            continue;
        }
        config.ops = ops.to_vec();
        config.grace_seconds = 30;
        world(&mut config);
        shapes.insert(config.shape.name.clone());
        Sim::new(config.clone(), &Correct)
            .run()
            .unwrap_or_else(|v| panic!("correct controllers: {v}"));
        match Sim::new(config, broken).run() {
            Err(v) if v.invariant == invariant => {}
            Err(v) => missed.push(format!("seed {seed}: caught as {:?}: {v}", v.invariant)),
            Ok(report) => missed.push(format!("seed {seed}: not caught: {report:?}")),
        }
    }
    assert!(shapes.len() >= 8, "too few shapes show the bug: {shapes:?}");
    assert!(
        missed.is_empty(),
        "{invariant:?} missed on {} of the seeds:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

fn any_shape(_: &Shape) -> bool {
    true
}

fn has_downstream(shape: &Shape) -> bool {
    shape.vertices.len() > 1
}

fn has_min_replicas(shape: &Shape) -> bool {
    shape.vertices.iter().any(|v| {
        v.scale
            .as_ref()
            .and_then(|s| s.min)
            .is_some_and(|min| min >= 1)
    })
}

const PAUSE: &[(u64, Op)] = &[(20, Op::Pause)];
const PAUSE_THEN_FAST_RESUME: &[(u64, Op)] = &[(30, Op::Pause), (80, Op::ResumeFast)];
const DELETE: &[(u64, Op)] = &[(20, Op::Delete)];

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

fn pause_body() -> serde_json::Value {
    json!({ "spec": { "lifecycle": { "desiredPhase": "Paused" } } })
}

/// A vertex controller whose `desiredReplicas` goes through the min/max clamp after the
/// pause zeroed it, so a paused vertex's zero comes back as `min`; with or without a
/// `status.phase` that says Paused. Like the real one, it sends only what changes.
fn clamped_status(vertex: &Vertex, now: Timestamp, report_phase: bool) -> Option<Patch> {
    let mut patch = reconcile_vertex(vertex, None, now);
    if !report_phase && let Some(p) = patch.as_mut() {
        p.body["status"].as_object_mut()?.remove("phase");
    }
    let replicas = vertex.spec.clamp_to_scale(vertex.spec.desired_replicas());
    let current = vertex.status.as_ref().and_then(|s| s.desired_replicas);
    let status = patch.as_mut().map(|p| &mut p.body["status"]);
    match status {
        Some(status) if current != Some(replicas) => status["desiredReplicas"] = json!(replicas),
        Some(status) => {
            status.as_object_mut()?.remove("desiredReplicas");
        }
        None if current != Some(replicas) => {
            patch = Some(Patch {
                target: PatchTarget::status_of(vertex),
                body: json!({ "status": { "desiredReplicas": replicas } }),
            });
        }
        None => {}
    }
    patch.filter(|p| p.body["status"].as_object().is_some_and(|s| !s.is_empty()))
}

/// The seed bug: the min/max clamp pushes a paused vertex's zero back up to `min`.
struct ClampAfterPause;
impl Controllers for ClampAfterPause {
    fn vertex(&self, vertex: &Vertex, now: Timestamp) -> Option<Patch> {
        clamped_status(vertex, now, true)
    }
}

#[test]
fn invariant_1_catches_the_clamp_that_restarts_paused_vertices() {
    assert_caught(
        &ClampAfterPause,
        PAUSE,
        has_min_replicas,
        Invariant::PausedVerticesRunNothing,
    );
}

/// The same clamp in a vertex controller that never reports `status.phase`: only the pods
/// give it away.
struct ClampWithoutStatusPhase;
impl Controllers for ClampWithoutStatusPhase {
    fn vertex(&self, vertex: &Vertex, now: Timestamp) -> Option<Patch> {
        clamped_status(vertex, now, false)
    }
}

/// Without `status.phase` the clamp is caught before it can strike: a reconciled vertex
/// whose status does not say what its spec says breaks invariant 9.
#[test]
fn invariant_9_catches_the_clamp_without_a_status_phase() {
    assert_caught(
        &ClampWithoutStatusPhase,
        PAUSE,
        has_min_replicas,
        Invariant::VerticesFollowTheirSpec,
    );
}

/// A vertex controller that never asks for pods: nothing flows, so no other invariant
/// can fail.
struct NoPods;
impl Controllers for NoPods {
    fn vertex(&self, vertex: &Vertex, now: Timestamp) -> Option<Patch> {
        let mut patch = reconcile_vertex(vertex, None, now)?;
        let status = patch.body["status"].as_object_mut()?;
        status.remove("desiredReplicas");
        (!status.is_empty()).then_some(patch)
    }
}

#[test]
fn invariant_9_catches_running_vertices_without_pods() {
    assert_caught(
        &NoPods,
        PAUSE,
        any_shape,
        Invariant::VerticesFollowTheirSpec,
    );
}

/// The workaround that followed: zero every vertex at once.
struct PauseEverythingAtOnce;
impl Controllers for PauseEverythingAtOnce {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut actions = reconcile_pipeline(p, vertices, o).requests();
        if p.spec.desired_phase() == DesiredPhase::Paused {
            let stray = vertices
                .iter()
                .filter(|v| v.spec.desired_phase() == VertexPhase::Running);
            let patches: Vec<Patch> = stray.map(|v| vertex_patch(v, pause_body())).collect();
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
        PAUSE,
        has_downstream,
        Invariant::NoEarlyPause,
    );
}

/// While Pausing: status Paused with `drainedOnPause: claim` first, then every running
/// vertex paused at once (sources too when `sources`), drained or not. Otherwise the real
/// plan.
fn paused_at_once(
    p: &Pipeline,
    vertices: &[Vertex],
    o: &Observations,
    claim: bool,
    sources: bool,
) -> Requests {
    if p.spec.desired_phase() != DesiredPhase::Paused || p.phase() != Some(PipelinePhase::Pausing) {
        return reconcile_pipeline(p, vertices, o).requests();
    }
    let mut patches = vec![status_patch(
        json!({ "phase": "Paused", "drainedOnPause": claim }),
    )];
    patches.extend(
        vertices
            .iter()
            .filter(|v| v.spec.desired_phase() == VertexPhase::Running)
            .filter(|v| sources || v.spec.role() != Some(VertexRole::Source))
            .map(|v| vertex_patch(v, pause_body())),
    );
    Requests {
        create: Vec::new(),
        delete: Vec::new(),
        patches,
    }
}

/// Pauses everything at once, but honestly: status Paused first, with
/// `drainedOnPause: false`.
struct HonestPauseAtOnce;
impl Controllers for HonestPauseAtOnce {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        paused_at_once(p, vertices, o, false, true)
    }
}

#[test]
fn invariant_2_catches_an_honest_pause_of_everything_at_once() {
    assert_caught(
        &HonestPauseAtOnce,
        PAUSE,
        has_downstream,
        Invariant::NoEarlyPause,
    );
}

/// Pauses every vertex but the sources at once and claims the buffers drained.
struct ClaimDrainedAtOnce;
impl Controllers for ClaimDrainedAtOnce {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        paused_at_once(p, vertices, o, true, false)
    }
}

#[test]
fn invariant_3_catches_a_pause_that_claims_a_drain_it_did_not_see() {
    assert_caught(
        &ClaimDrainedAtOnce,
        PAUSE,
        has_downstream,
        Invariant::NoMessageLost,
    );
}

/// Drops `spec.replicas` on every resume, fast or slow.
struct AlwaysSlowResume;
impl Controllers for AlwaysSlowResume {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut actions = reconcile_pipeline(p, vertices, o).requests();
        for patch in &mut actions.patches {
            if patch.body.pointer("/spec/lifecycle/desiredPhase") == Some(&json!("Running")) {
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
        PAUSE_THEN_FAST_RESUME,
        any_shape,
        Invariant::ResumeRestoresReplicas,
    );
}

/// Resets every resumed vertex to one replica.
struct ResumeAtOneReplica;
impl Controllers for ResumeAtOneReplica {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut actions = reconcile_pipeline(p, vertices, o).requests();
        for patch in &mut actions.patches {
            if patch.body.pointer("/spec/lifecycle/desiredPhase") == Some(&json!("Running")) {
                patch.body["spec"]["replicas"] = json!(1);
            }
        }
        actions
    }
}

#[test]
fn invariant_4_catches_a_fast_resume_that_resets_replicas_to_one_on_every_shape() {
    assert_caught(
        &ResumeAtOneReplica,
        PAUSE_THEN_FAST_RESUME,
        any_shape,
        Invariant::ResumeRestoresReplicas,
    );
}

/// Leaves Deleting for Failed once the deletion has begun.
struct UndoDeleting;
impl Controllers for UndoDeleting {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        if p.phase() == Some(PipelinePhase::Deleting) {
            return Requests {
                create: Vec::new(),
                delete: Vec::new(),
                patches: vec![status_patch(json!({ "phase": "Failed" }))],
            };
        }
        reconcile_pipeline(p, vertices, o).requests()
    }
}

#[test]
fn invariant_5_catches_a_status_that_leaves_deleting() {
    assert_caught(&UndoDeleting, DELETE, any_shape, Invariant::DeletingIsFinal);
}

/// Jumps from Running straight to Paused.
struct SkipPausing;
impl Controllers for SkipPausing {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        if p.spec.desired_phase() == DesiredPhase::Paused
            && p.phase() == Some(PipelinePhase::Running)
        {
            return Requests {
                create: Vec::new(),
                delete: Vec::new(),
                patches: vec![status_patch(json!({ "phase": "Paused" }))],
            };
        }
        reconcile_pipeline(p, vertices, o).requests()
    }
}

#[test]
fn invariant_6_catches_a_move_the_machine_does_not_declare() {
    assert_caught(&SkipPausing, PAUSE, any_shape, Invariant::DeclaredMovesOnly);
}

/// Re-sends every vertex's desired phase on every reconcile.
struct ResendEverything;
impl Controllers for ResendEverything {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut actions = reconcile_pipeline(p, vertices, o).requests();
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
        PAUSE,
        any_shape,
        Invariant::MinimalWrites,
    );
}

/// Re-sends the pipeline's status phase on every reconcile.
struct ResendStatus;
impl Controllers for ResendStatus {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut actions = reconcile_pipeline(p, vertices, o).requests();
        if actions.patches.is_empty()
            && let Some(phase) = p.phase()
        {
            actions
                .patches
                .push(status_patch(json!({ "phase": phase })));
        }
        actions
    }
}

#[test]
fn invariant_7_catches_a_status_sent_again_unchanged() {
    assert_caught(&ResendStatus, PAUSE, any_shape, Invariant::MinimalWrites);
}

/// Lets the finalizer go as soon as the deletion starts, before pausing and draining.
struct ReleaseFinalizerFirst;
impl Controllers for ReleaseFinalizerFirst {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let finalized = p
            .metadata
            .finalizers
            .as_ref()
            .is_some_and(|f| f.iter().any(|f| f == FINALIZER));
        if p.phase() == Some(PipelinePhase::Deleting) && finalized {
            return Requests {
                create: Vec::new(),
                delete: Vec::new(),
                patches: vec![Patch {
                    target: PatchTarget::object_of(p),
                    body: json!({ "metadata": { "finalizers": null } }),
                }],
            };
        }
        reconcile_pipeline(p, vertices, o).requests()
    }
}

#[test]
fn invariant_8_catches_a_finalizer_released_before_the_drain() {
    assert_caught(
        &ReleaseFinalizerFirst,
        DELETE,
        any_shape,
        Invariant::FinalizerAfterDrain,
    );
}

/// Takes a daemon it cannot read for one that reports empty buffers.
struct TrustsASilentDaemon;
impl Controllers for TrustsASilentDaemon {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        let mut observed = o.clone();
        if observed.buffers.is_err() {
            observed.buffers = Ok(Vec::new());
        }
        reconcile_pipeline(p, vertices, &observed).requests()
    }
}

#[test]
fn invariant_2_catches_a_controller_that_takes_a_silent_daemon_for_a_drained_pipeline() {
    assert_caught_in(
        &TrustsASilentDaemon,
        PAUSE,
        has_downstream,
        Invariant::NoEarlyPause,
        |config| config.faults.daemon = 1.0,
    );
}

#[test]
fn with_the_daemon_gone_the_real_controllers_wait_out_the_grace_period() {
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        config.ops = PAUSE.to_vec();
        config.faults.daemon = 1.0;
        let mut sim = Sim::new(config, &Correct);
        while sim.tick < 120 {
            sim.step().unwrap_or_else(|v| panic!("{v}"));
        }
        let status = sim.store.pipeline.as_ref().and_then(|p| p.status.clone());
        let status = status.expect("a status");
        assert_eq!(status.phase, Some(PipelinePhase::Paused), "seed {seed}");
        assert_eq!(
            status.drained_on_pause,
            Some(false),
            "seed {seed}: nobody saw the buffers drain"
        );
        assert!(sim.report.daemon_failures > 0);
    }
}

/// NumaFlow's skip rules read a vertex's status, which lags its spec, so now and then its
/// autoscaler scales a vertex the Pipeline controller has just paused; the Vertex CRD's
/// rule refuses that write. Without the rule, and with an autoscaler that ignores the
/// skip rules altogether, the replicas a fast resume must restore change under it, and
/// the checker sees the resumed vertex come back with replicas it did not have.
#[test]
fn invariant_4_catches_paused_vertices_scaled_when_the_crd_rule_is_off() {
    let (mut caught, mut seeds, mut refused) = (0, 0, 0);
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        config.ops = PAUSE_THEN_FAST_RESUME.to_vec();
        config.scaling = 1.0;
        config.autoscaler = Autoscaler::IgnoresSkipRules;
        let report = Sim::new(config.clone(), &Correct)
            .run()
            .unwrap_or_else(|v| panic!("with the CRD's rule: {v}"));
        refused += report.refused_scalings;
        config.crd_rules = false;
        seeds += 1;
        match Sim::new(config, &Correct).run() {
            Err(v) if v.invariant == Invariant::ResumeRestoresReplicas => caught += 1,
            Err(v) => panic!("seed {seed}: caught as {:?}: {v}", v.invariant),
            Ok(_) => {}
        }
    }
    assert!(refused > 0, "the rule refused nothing");
    assert_eq!(caught, seeds, "caught on {caught} of {seeds} seeds");
}

/// The real controllers, but their writes carry no `resourceVersion`: merge patches
/// planned from a stale read land as if the read were fresh.
struct LastWriterWins;
impl Controllers for LastWriterWins {
    fn sends_resource_version(&self) -> bool {
        false
    }
}

/// Without preconditions a write planned from a stale read lands: a transition already
/// made is made again, a write that changes nothing. The real controllers, whose writes
/// meet a 409 instead, pass the same schedules.
#[test]
fn invariant_7_catches_writes_without_a_resource_version() {
    let mut caught = Vec::new();
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        config.ops = PAUSE_THEN_FAST_RESUME.to_vec();
        config.grace_seconds = 30;
        config.faults.stale = 0.5;
        Sim::new(config.clone(), &Correct)
            .run()
            .unwrap_or_else(|v| panic!("correct controllers: {v}"));
        if let Err(v) = Sim::new(config, &LastWriterWins).run() {
            assert_eq!(v.invariant, Invariant::MinimalWrites, "seed {seed}: {v}");
            caught.push(seed);
        }
    }
    assert!(
        caught.len() >= BROKEN_SEEDS.count() / 2,
        "caught only on seeds {caught:?}"
    );
}
