//! The MonoVertex beside the pipeline: its broken controllers are caught too.

use super::*;

use numaflow_model::monovertex::{self, MonoVertex, MonoVertexPhase, StatusWrite};
use numaflow_model::pods::PodsSeen;
use numaflow_sim::MonoVertexOp;

pub(super) const MONO_PAUSE_THEN_RESUME: &[(u64, MonoVertexOp)] =
    &[(15, MonoVertexOp::Pause), (60, MonoVertexOp::Resume)];

/// Runs `broken` over [`BROKEN_SEEDS`] with the MonoVertex paused and resumed, the
/// pipeline left running, and expects `invariant` broken on every seed; the real
/// controllers pass the same schedules.
fn assert_mono_caught(broken: &dyn Controllers, invariant: Invariant) {
    let mut missed = Vec::new();
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        config.ops = Vec::new();
        config.mono_ops = MONO_PAUSE_THEN_RESUME.to_vec();
        Sim::new(config.clone(), &Correct)
            .run()
            .unwrap_or_else(|v| panic!("correct controllers: {v}"));
        match Sim::new(config, broken).run() {
            Err(v) if v.invariant == invariant => {}
            Err(v) => missed.push(format!("seed {seed}: caught as {:?}: {v}", v.invariant)),
            Ok(report) => missed.push(format!("seed {seed}: not caught: {report:?}")),
        }
    }
    assert!(
        missed.is_empty(),
        "{invariant:?} missed on {} of the seeds:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

/// A MonoVertex controller that keeps its pods while paused, as if the replica decision
/// ignored the desired phase.
pub(super) struct MonoPodsWhilePaused;
impl Controllers for MonoPodsWhilePaused {
    fn mono_vertex_pods(&self, mvtx: &MonoVertex) -> i32 {
        mvtx.spec.replicas.unwrap_or(1)
    }
}

#[test]
fn invariant_1_catches_a_mono_vertex_that_runs_pods_while_paused() {
    assert_mono_caught(&MonoPodsWhilePaused, Invariant::PausedVerticesRunNothing);
}

/// A MonoVertex controller whose status never says Paused.
pub(super) struct MonoStatusIgnoresPause;
impl Controllers for MonoStatusIgnoresPause {
    fn mono_vertex(
        &self,
        mvtx: &MonoVertex,
        pods: &PodsSeen,
        now: Timestamp,
    ) -> Option<StatusWrite> {
        let mut running = mvtx.clone();
        running.spec.set_desired_phase(MonoVertexPhase::Running);
        monovertex::reconcile(&running, Some(pods), now)
    }
}

#[test]
fn invariant_9_catches_a_mono_vertex_status_that_ignores_the_pause() {
    assert_mono_caught(&MonoStatusIgnoresPause, Invariant::VerticesFollowTheirSpec);
}

/// Without the MonoVertex CRD's rule, an autoscaler that ignores NumaFlow's skip rules
/// changes a paused MonoVertex's replicas, and its resume no longer restores them; with
/// the rule, the server refuses those writes.
#[test]
fn invariant_4_catches_a_paused_mono_vertex_scaled_when_the_crd_rule_is_off() {
    let (mut caught, mut refused) = (0, 0);
    for seed in BROKEN_SEEDS {
        let mut config = SimConfig::from_seed(seed);
        config.ops = Vec::new();
        config.mono_ops = MONO_PAUSE_THEN_RESUME.to_vec();
        config.scaling = 1.0;
        config.autoscaler = Autoscaler::IgnoresSkipRules;
        let report = Sim::new(config.clone(), &Correct)
            .run()
            .unwrap_or_else(|v| panic!("with the CRD's rule: {v}"));
        refused += report.refused_scalings;
        config.crd_rules = false;
        match Sim::new(config, &Correct).run() {
            Err(v) if v.invariant == Invariant::ResumeRestoresReplicas => caught += 1,
            Err(v) => panic!("seed {seed}: caught as {:?}: {v}", v.invariant),
            Ok(_) => {}
        }
    }
    assert!(refused > 0, "the rule refused nothing");
    assert!(
        caught >= BROKEN_SEEDS.count() / 2,
        "caught on {caught} of {} seeds",
        BROKEN_SEEDS.count()
    );
}
