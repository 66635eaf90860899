//! The model check ([`numaflow_sim::check`]): every interleaving within small bounds, on
//! the real controllers and on every broken one the sweep's tests use.

use numaflow_sim::check::{Bounds, Outcome, check, check_shortest};
use numaflow_sim::shapes::{self, Shape};
use numaflow_sim::{Controllers, Correct, Invariant, MonoVertexOp, Op, Sim, SimConfig};

use super::*;

/// The bounds CI checks, each over its whole space: a source and a sink; pause and fast
/// resume without faults, then a pause or a delete with one fault.
fn ci_bounds() -> Vec<Bounds> {
    let none = Bounds::smallest().without_faults();
    let with = |ops: Vec<Op>, f: fn(&mut Bounds)| {
        let mut b = Bounds {
            ops,
            ..none.clone()
        };
        f(&mut b);
        b
    };
    let lone = shapes::shapes()[0].clone();
    let three = shapes::shapes()[3].clone();
    vec![
        with(vec![Op::Pause, Op::ResumeFast], |_| {}),
        with(vec![Op::Pause], |b| b.crashes = 1),
        with(vec![Op::Pause], |b| b.stale_reads = 1),
        with(vec![Op::Pause], |b| b.conflicts = 1),
        with(vec![Op::Pause], |b| b.daemon_failures = 1),
        with(vec![Op::Pause], |b| b.daemon_outages = 1),
        with(vec![Op::Pause], |b| b.scalings = 1),
        with(vec![Op::Delete], |b| b.crashes = 1),
        Bounds {
            shape: lone,
            ..with(vec![Op::Pause, Op::ResumeSlow, Op::Delete], |b| {
                b.crashes = 1
            })
        },
        Bounds {
            shape: three,
            ..with(vec![Op::Pause], |_| {})
        },
        Bounds {
            mono_ops: vec![MonoVertexOp::Pause, MonoVertexOp::Resume],
            ..with(Vec::new(), |_| {})
        },
    ]
}

/// The whole space of each CI bound, every property holding on the real controllers.
#[test]
fn the_real_controllers_pass_every_interleaving() {
    for bounds in ci_bounds() {
        let outcome = check(&bounds, &Correct);
        eprintln!("{outcome}");
        assert!(outcome.failures.is_empty(), "{outcome}");
        assert!(outcome.unique_states > 1_000, "{outcome}");
    }
}

/// The release bound: three vertices, pause and fast resume. Not in CI:
/// `cargo test --release -p numaflow-sim --test simulation release_bound -- --ignored --nocapture`.
#[test]
#[ignore = "a release check: 738,094 states"]
fn release_bound() {
    let outcome = check(&Bounds::release(), &Correct);
    eprintln!("{outcome}");
    assert!(outcome.failures.is_empty(), "{outcome}");
}

/// A broken controller, the schedule and faults that show its bug, and the invariant it
/// breaks.
struct Case {
    name: &'static str,
    broken: &'static dyn Controllers,
    ops: &'static [(u64, Op)],
    mono_ops: &'static [(u64, MonoVertexOp)],
    shows: fn(&Shape) -> bool,
    invariant: Invariant,
    /// The sweep's world for it, and the model's bound.
    world: fn(&mut SimConfig),
    bound: fn(&mut Bounds),
}

fn no_change<T>(_: &mut T) {}

/// An autoscaler without skip rules, on a server without the CRDs' replicas rules.
fn rule_off_world(config: &mut SimConfig) {
    config.scaling = 1.0;
    config.autoscaler = Autoscaler::IgnoresSkipRules;
    config.crd_rules = false;
}

/// The model's bound for [`rule_off_world`]: one scaling.
fn rule_off_bound(bounds: &mut Bounds) {
    bounds.scalings = 1;
    bounds.autoscaler = Autoscaler::IgnoresSkipRules;
    bounds.crd_rules = false;
}

fn cases() -> Vec<Case> {
    let case = |name, broken, ops, shows, invariant| Case {
        name,
        broken,
        ops,
        mono_ops: &[],
        shows,
        invariant,
        world: no_change,
        bound: no_change,
    };
    vec![
        case(
            "ClampAfterPause",
            &ClampAfterPause,
            PAUSE,
            has_min_replicas,
            Invariant::PausedVerticesRunNothing,
        ),
        case(
            "ClampWithoutStatusPhase",
            &ClampWithoutStatusPhase,
            PAUSE,
            has_min_replicas,
            Invariant::VerticesFollowTheirSpec,
        ),
        case(
            "NoPods",
            &NoPods,
            PAUSE,
            any_shape,
            Invariant::VerticesFollowTheirSpec,
        ),
        case(
            "PauseEverythingAtOnce",
            &PauseEverythingAtOnce,
            PAUSE,
            has_downstream,
            Invariant::NoEarlyPause,
        ),
        case(
            "HonestPauseAtOnce",
            &HonestPauseAtOnce,
            PAUSE,
            has_downstream,
            Invariant::NoEarlyPause,
        ),
        case(
            "ClaimDrainedAtOnce",
            &ClaimDrainedAtOnce,
            PAUSE,
            has_downstream,
            Invariant::NoMessageLost,
        ),
        case(
            "AlwaysSlowResume",
            &AlwaysSlowResume,
            PAUSE_THEN_FAST_RESUME,
            has_min_replicas,
            Invariant::ResumeRestoresReplicas,
        ),
        case(
            "ResumeAtOneReplica",
            &ResumeAtOneReplica,
            PAUSE_THEN_FAST_RESUME,
            any_shape,
            Invariant::ResumeRestoresReplicas,
        ),
        case(
            "UndoDeleting",
            &UndoDeleting,
            DELETE,
            any_shape,
            Invariant::DeletingIsFinal,
        ),
        case(
            "SkipPausing",
            &SkipPausing,
            PAUSE,
            any_shape,
            Invariant::DeclaredMovesOnly,
        ),
        case(
            "ResendEverything",
            &ResendEverything,
            PAUSE,
            any_shape,
            Invariant::MinimalWrites,
        ),
        case(
            "ResendStatus",
            &ResendStatus,
            PAUSE,
            any_shape,
            Invariant::MinimalWrites,
        ),
        case(
            "ReleaseFinalizerFirst",
            &ReleaseFinalizerFirst,
            DELETE,
            any_shape,
            Invariant::FinalizerAfterDrain,
        ),
        Case {
            world: |c| c.faults.daemon = 1.0,
            // A pause late enough that buffers have filled, and a grace period that
            // outlasts the daemon's failure, so that a pause on its silence is early.
            bound: |b| (b.daemon_failures, b.ops_by, b.grace_seconds, b.ticks) = (1, 4, 8, 14),
            ..case(
                "TrustsASilentDaemon",
                &TrustsASilentDaemon,
                PAUSE,
                has_downstream,
                Invariant::NoEarlyPause,
            )
        },
        Case {
            world: |c| {
                c.ops = PAUSE_THEN_FAST_RESUME.to_vec();
                c.faults.stale = 0.5;
            },
            bound: |b| b.stale_reads = 1,
            ..case(
                "LastWriterWins",
                &LastWriterWins,
                PAUSE_THEN_FAST_RESUME,
                any_shape,
                Invariant::MinimalWrites,
            )
        },
        Case {
            world: rule_off_world,
            bound: rule_off_bound,
            ..case(
                "Correct, beside an autoscaler without skip rules and no CRD rule",
                &Correct,
                PAUSE_THEN_FAST_RESUME,
                any_shape,
                Invariant::ResumeRestoresReplicas,
            )
        },
        Case {
            mono_ops: mono::MONO_PAUSE_THEN_RESUME,
            ..case(
                "MonoPodsWhilePaused",
                &mono::MonoPodsWhilePaused,
                &[],
                any_shape,
                Invariant::PausedVerticesRunNothing,
            )
        },
        Case {
            mono_ops: mono::MONO_PAUSE_THEN_RESUME,
            ..case(
                "MonoStatusIgnoresPause",
                &mono::MonoStatusIgnoresPause,
                &[],
                any_shape,
                Invariant::VerticesFollowTheirSpec,
            )
        },
        Case {
            mono_ops: mono::MONO_PAUSE_THEN_RESUME,
            world: rule_off_world,
            bound: rule_off_bound,
            ..case(
                "Correct, beside a MonoVertex autoscaler without skip rules and no CRD rule",
                &Correct,
                &[],
                any_shape,
                Invariant::ResumeRestoresReplicas,
            )
        },
    ]
}

/// How many of the sweep's schedules (its seeds, in order, each with its shape and
/// faults) run before the first that catches `case`, as its tests set them up.
fn schedules_to_catch(case: &Case) -> Option<u64> {
    let mut tried = 0;
    for seed in 0..1_000 {
        let mut config = SimConfig::from_seed(seed);
        if !(case.shows)(&config.shape) {
            continue;
        }
        config.ops = case.ops.to_vec();
        config.mono_ops = case.mono_ops.to_vec();
        config.grace_seconds = 30;
        (case.world)(&mut config);
        tried += 1;
        if Sim::new(config, case.broken).run().is_err() {
            return Some(tried);
        }
    }
    None
}

fn outcome_of(case: &Case) -> Outcome {
    let mut bounds = Bounds {
        ops: case.ops.iter().map(|(_, op)| *op).collect(),
        mono_ops: case.mono_ops.iter().map(|(_, op)| *op).collect(),
        ..Bounds::smallest().without_faults()
    };
    (case.bound)(&mut bounds);
    check_shortest(&bounds, case.broken)
}

/// Every broken controller fails the model check with the invariant its sweep test
/// names, and a shortest counterexample; the table TESTING.md shows is printed.
#[test]
fn every_broken_controller_fails_the_model_check() {
    let mut rows = Vec::new();
    for case in cases() {
        let outcome = outcome_of(&case);
        let failure = outcome
            .failures
            .iter()
            .find(|f| f.violation.as_ref().map(|v| v.invariant) == Some(case.invariant))
            .unwrap_or_else(|| panic!("{} not caught by its invariant: {outcome}", case.name));
        let sweep = schedules_to_catch(&case).expect("the sweep catches it");
        rows.push(format!(
            "| `{}` | {} | {} steps | {} | {} |",
            case.name,
            case.invariant.number(),
            failure.actions.len(),
            outcome.unique_states,
            sweep
        ));
    }
    eprintln!(
        "| broken controller | invariant | counterexample | states explored | sweep schedules to the first catch |"
    );
    eprintln!("|---|---:|---:|---:|---:|");
    for row in rows {
        eprintln!("{row}");
    }
}

/// A Pipeline controller that ignores a pause: it breaks no safety invariant on the way,
/// but the pipeline never gets where the user asked.
struct IgnoresPause;
impl Controllers for IgnoresPause {
    fn pipeline(&self, p: &Pipeline, vertices: &[Vertex], o: &Observations) -> Requests {
        match p.spec.desired_phase() {
            DesiredPhase::Paused => Requests::default(),
            DesiredPhase::Running => reconcile_pipeline(p, vertices, o).requests(),
        }
    }
}

/// The liveness property fails on its own: no invariant breaks on the way, and the
/// counterexample ends where the pipeline stays Running.
#[test]
fn a_pause_that_never_settles_fails_the_liveness_property() {
    let bounds = Bounds {
        ops: vec![Op::Pause],
        ..Bounds::smallest().without_faults()
    };
    let outcome = check_shortest(&bounds, &IgnoresPause);
    let failure = outcome
        .failures
        .iter()
        .find(|f| f.property == numaflow_sim::check::SETTLES)
        .unwrap_or_else(|| panic!("liveness not broken: {outcome}"));
    assert!(failure.violation.is_none(), "{failure}");
    assert!(
        failure
            .actions
            .contains(&numaflow_sim::check::Action::User(Op::Pause)),
        "{failure}"
    );
}
