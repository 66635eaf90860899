//! How a simulation is set up: its seed, its faults, the user's steps and the autoscaler.

use shapes::Shape;

use crate::{MonoVertexOp, shapes};

/// How often each fault strikes.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Chance that a write fails with a 409 conflict although nothing changed.
    pub conflict: f64,
    /// Chance that a reconcile reads from a stale watch cache.
    pub stale: f64,
    /// How many writes behind a stale cache may be.
    pub max_staleness: usize,
    /// The longest delay of a watch event, in ticks; events also come out of order.
    pub max_delay: u64,
    /// Chance, each tick with work to do, that the controller crashes during one of that
    /// tick's reconciles, before, between or after its writes.
    pub crash: f64,
    /// Chance that a reconcile finds NumaFlow's daemon of no use: too slow (the request
    /// times out), wrong (it answers garbage), or gone (down for the next few ticks too).
    /// The controller then knows nothing of the buffers.
    pub daemon: f64,
}

impl Faults {
    /// No faults: the demo's world.
    pub fn none() -> Self {
        Faults {
            conflict: 0.0,
            stale: 0.0,
            max_staleness: 0,
            max_delay: 0,
            crash: 0.0,
            daemon: 0.0,
        }
    }

    /// Every fault kind on.
    pub fn all() -> Self {
        Faults {
            conflict: 0.1,
            stale: 0.2,
            max_staleness: 4,
            max_delay: 3,
            crash: 0.05,
            daemon: 0.1,
        }
    }
}

/// What the user does to the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Set the desired phase to Paused.
    Pause,
    /// Resume, keeping the replicas.
    ResumeFast,
    /// Resume, restarting vertices at their default replicas.
    ResumeSlow,
    /// Delete the pipeline.
    Delete,
}

/// One simulation's setup.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The seed everything is drawn from.
    pub seed: u64,
    /// The pipeline's shape.
    pub shape: Shape,
    /// The faults.
    pub faults: Faults,
    /// The user's operations on the pipeline, by tick.
    pub ops: Vec<(u64, Op)>,
    /// The user's operations on the MonoVertex, by tick.
    pub mono_ops: Vec<(u64, MonoVertexOp)>,
    /// `pauseGracePeriodSeconds` and `deletionGracePeriodSeconds`.
    pub grace_seconds: i64,
    /// Ticks to run at least after the last operation; the run goes on, up to four times
    /// as long, until the pipeline is where the last operation asked.
    pub settle_ticks: u64,
    /// Chance, each tick, that the autoscaler sets the `spec.replicas` of a vertex it may
    /// scale to a new value within its scale bounds.
    pub scaling: f64,
    /// Which vertices the autoscaler may scale.
    pub autoscaler: Autoscaler,
    /// Whether the API server enforces the Vertex CRD's rule on `spec.replicas`: no
    /// change while the desired phase stays put, unless the lifecycle allows `scale`
    /// there (a running source, sink or map). On by default, as on a server with the
    /// generated CRDs; off only to show what the rule stops.
    pub crd_rules: bool,
}

/// The autoscaler beside the controllers. NumaFlow's scales a vertex only when its skip
/// rules (`pkg/reconciler/vertex/scaling`) all pass; the other one is a broken autoscaler
/// for tests, which scales any vertex at any time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Autoscaler {
    /// NumaFlow's rules: only a scalable vertex (scaling not disabled, not a reduce)
    /// whose status phase is `Running`, whose pipeline is asked to run, whose pods match
    /// its desired replicas, whose bounds leave room (min below max), and that was not
    /// scaled in the last [`SCALE_COOLDOWN_TICKS`].
    #[default]
    FollowsSkipRules,
    /// Any vertex, paused or not, whatever the pipeline does.
    IgnoresSkipRules,
}

/// Ticks after a scaling in which the autoscaler leaves the vertex alone.
pub const SCALE_COOLDOWN_TICKS: u64 = 10;

impl SimConfig {
    /// The whole setup drawn from `seed`: shape, operations, grace period, every fault on.
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let all = shapes::shapes();
        let shape = all[rng.usize(..all.len())].clone();
        let mut ops = Vec::new();
        let mut tick = rng.u64(3..10);
        for _ in 0..rng.usize(1..=3) {
            ops.push((tick, Op::Pause));
            tick += rng.u64(2..40);
            let resume = if rng.bool() {
                Op::ResumeFast
            } else {
                Op::ResumeSlow
            };
            ops.push((tick, resume));
            tick += rng.u64(2..20);
        }
        match rng.u8(..3) {
            0 => ops.push((tick, Op::Pause)),
            1 => ops.push((tick, Op::Delete)),
            _ => {}
        }
        // The MonoVertex's operations come from a source of their own, so that a seed's
        // pipeline schedule is the same with them as without.
        let mut mono_rng = fastrand::Rng::with_seed(seed ^ 0x6d76_6f70);
        let mut mono_ops = Vec::new();
        let mut at = mono_rng.u64(3..15);
        for n in 0..mono_rng.usize(0..=4) {
            let op = match n % 2 {
                0 => MonoVertexOp::Pause,
                _ => MonoVertexOp::Resume,
            };
            mono_ops.push((at, op));
            at += mono_rng.u64(1..30);
        }
        SimConfig {
            seed,
            shape,
            faults: Faults::all(),
            ops,
            mono_ops,
            grace_seconds: rng.i64(5..=30),
            settle_ticks: 80,
            scaling: 0.2,
            autoscaler: Autoscaler::FollowsSkipRules,
            crd_rules: true,
        }
    }

    /// The command that replays this simulation.
    pub fn replay_command(&self) -> String {
        format!(
            "LIFECYCLE_SIM_SEED={} cargo test -p numaflow-sim --test simulation replay -- --nocapture",
            self.seed
        )
    }
}
