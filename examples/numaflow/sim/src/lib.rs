//! A deterministic simulation that drives the real reconcile functions against an
//! in-process cluster, with the faults real controllers meet:
//!
//! - resourceVersion conflicts (409) and stale watch caches; a write carries the
//!   `resourceVersion` it was planned from when the controllers send one
//!   ([`Controllers::sends_resource_version`]), and is last-writer-wins otherwise;
//! - delayed and reordered watch events;
//! - a controller crash, and a restart, at any step, even halfway through a reconcile;
//! - pods that follow `status.desiredReplicas`;
//! - NumaFlow's daemon, slow (timing out), wrong (answering garbage) or gone;
//! - NumaFlow's autoscaler and its skip rules ([`Autoscaler`]), beside the Vertex CRD's
//!   rule on `spec.replicas`, which the server enforces;
//! - inter-step buffers: sources produce, every other vertex forwards, sinks consume;
//! - the clock.
//!
//! Everything is drawn from one seed. The nine invariants of [`invariants`] are checked
//! on every write and after every step, and a failure names the command that replays it.
//!
//! ```
//! use numaflow_sim::{Correct, Sim, SimConfig};
//!
//! let report = Sim::new(SimConfig::from_seed(7), &Correct).run().unwrap();
//! assert!(report.writes > 0);
//! ```

use std::collections::{BTreeMap, VecDeque};

use jiff::{SignedDuration, Timestamp};

use numaflow_model::pipeline::{FINALIZER, Pipeline, PipelineLifecycle, PipelinePhase};

mod actors;
pub mod check;
mod config;
mod controllers;
pub mod demo;
pub mod invariants;
pub mod mono;
pub mod shapes;
mod store;
mod world;

pub use config::{Autoscaler, Faults, Op, SCALE_COOLDOWN_TICKS, SimConfig};
pub use controllers::{Controllers, Correct, Key, Luck};
pub use invariants::{Invariant, Violation};
pub use mono::{MONO_VERTEX, MonoVertexOp, MonoWorld};
pub use store::{Store, Writer};
pub use world::World;

/// The pipeline every simulation runs.
pub const PIPELINE: &str = "sim";

/// What a finished simulation saw.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Ticks run.
    pub ticks: u64,
    /// Writes admitted.
    pub writes: u64,
    /// Conflicts met.
    pub conflicts: u64,
    /// Crashes.
    pub crashes: u64,
    /// Reconciles that read a stale cache.
    pub stale_reads: u64,
    /// Reconciles that found the daemon of no use.
    pub daemon_failures: u64,
    /// Replica changes the autoscaler made.
    pub scalings: u64,
    /// Replica changes the API server refused under the Vertex CRD's rule.
    pub refused_scalings: u64,
}

/// A running simulation.
#[derive(Clone)]
pub struct Sim<'a> {
    /// The setup.
    pub config: SimConfig,
    controllers: &'a dyn Controllers,
    rng: fastrand::Rng,
    /// The objects.
    pub store: Store,
    history: VecDeque<Store>,
    /// Pods, buffers and messages.
    pub world: World,
    queue: Vec<(u64, Key)>,
    /// The current tick; one tick is one second.
    pub tick: u64,
    down_until: Option<u64>,
    /// The daemon is gone until this tick.
    daemon_down_until: Option<u64>,
    /// When the autoscaler last scaled each vertex.
    last_scaled: BTreeMap<String, u64>,
    /// The store revision of the controllers' last read.
    seen: u64,
    checker: invariants::Checker,
    /// What happened so far.
    pub report: Report,
    /// Every admitted write, as `(tick, writer, target, body)`, when tracing is on.
    pub trace: Option<Vec<(u64, Writer, String, String)>>,
    /// The MonoVertex beside the pipeline.
    pub mono: MonoWorld,
    /// Set, the chance of the next reconcile is this, not drawn from the seed.
    pub(crate) luck: Option<Luck>,
}

/// Messages one source pod produces per tick.
const SOURCE_RATE: u64 = 3;
/// Messages one pod of any other vertex processes per tick.
const PROCESS_RATE: u64 = 2;

const EPOCH: Timestamp = Timestamp::constant(1_800_000_000, 0);

impl<'a> Sim<'a> {
    /// A simulation of `config` with `controllers`, with the pipeline created.
    pub fn new(config: SimConfig, controllers: &'a dyn Controllers) -> Self {
        let config_seed = config.seed;
        let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x5eed);
        let _ = rng.u64(..);
        let mut sim = Sim {
            world: World {
                buffers: vec![0; config.shape.edges.len()],
                ..World::default()
            },
            config,
            controllers,
            rng,
            store: Store::default(),
            history: VecDeque::new(),
            queue: Vec::new(),
            tick: 0,
            down_until: None,
            daemon_down_until: None,
            last_scaled: BTreeMap::new(),
            seen: 0,
            checker: invariants::Checker::default(),
            report: Report::default(),
            trace: None,
            mono: MonoWorld::new(config_seed),
            luck: None,
        };
        let mut pipeline = Pipeline::new(PIPELINE, Default::default());
        pipeline.spec.vertices = sim.config.shape.vertices.clone();
        pipeline.spec.edges = sim.config.shape.edges.clone();
        pipeline.spec.lifecycle = Some(PipelineLifecycle {
            pause_grace_period_seconds: Some(sim.config.grace_seconds),
            deletion_grace_period_seconds: Some(sim.config.grace_seconds),
            ..PipelineLifecycle::default()
        });
        pipeline.metadata.finalizers = Some(vec![FINALIZER.to_owned()]);
        pipeline.metadata.generation = Some(1);
        sim.store.pipeline = Some(pipeline);
        sim.bump(None);
        sim.enqueue(Key::Pipeline, 0);
        sim
    }

    /// The simulated time now.
    pub fn now(&self) -> Timestamp {
        EPOCH
            .saturating_add(SignedDuration::from_secs(self.tick as i64))
            .unwrap_or(EPOCH)
    }

    /// Runs every operation, then lets the world settle; the first violation stops it,
    /// and so does a world that has not settled in time.
    pub fn run(mut self) -> Result<Report, Violation> {
        let last = self.config.ops.iter().map(|(t, _)| *t).max().unwrap_or(0);
        let last_op = self.config.ops.last().map(|o| o.1);
        // At least `settle_ticks`, and on until settled, up to four times as long.
        let (at_least, at_most) = (
            last + self.config.settle_ticks,
            last + 4 * self.config.settle_ticks,
        );
        while self.tick < at_least
            || (self.tick < at_most
                && !(invariants::settled(&self.store, last_op)
                    && self.mono.settled(&self.config.mono_ops)))
        {
            self.step()?;
        }
        self.checker
            .at_end(
                &self.store,
                &self.world,
                self.config.ops.last().map(|o| o.1),
            )
            .map_err(|v| self.violation(v))?;
        if !self.mono.settled(&self.config.mono_ops) {
            let status = self.mono.object.status.clone().unwrap_or_default();
            return Err(self.violation((
                Invariant::Settles,
                format!(
                    "after {:?} the MonoVertex reports {:?} with {} pods for {} desired",
                    self.config.mono_ops.last().map(|o| o.1),
                    status.phase,
                    self.mono.pods,
                    self.mono.object.spec.desired_replicas()
                ),
            )));
        }
        self.report.ticks = self.tick;
        Ok(self.report)
    }

    pub(crate) fn violation(&self, (invariant, message): (Invariant, String)) -> Violation {
        Violation {
            invariant,
            message,
            tick: self.tick,
            seed: self.config.seed,
            shape: self.config.shape.name.clone(),
            replay: self.config.replay_command(),
        }
    }

    /// One tick: the user's operations, the controllers, the world, then the checks.
    pub fn step(&mut self) -> Result<(), Violation> {
        self.tick += 1;
        for op in due(&self.config.ops, self.tick) {
            self.user(op)?;
        }
        self.autoscale()?;
        if self.tick.is_multiple_of(5) {
            self.resync();
        }
        self.controllers_step()?;
        // Pods follow what the controllers just wrote, then messages flow.
        self.world_step();
        self.checker
            .after_step(&self.store, &self.world)
            .map_err(|v| self.violation(v))?;
        self.mono_step()
    }

    /// The pipeline's status phase, for displays.
    pub fn pipeline_phase(&self) -> Option<PipelinePhase> {
        self.store.pipeline.as_ref().and_then(Pipeline::phase)
    }
}

/// The operations of `schedule` due at `tick`, in order.
pub(crate) fn due<Op: Copy>(schedule: &[(u64, Op)], tick: u64) -> Vec<Op> {
    schedule
        .iter()
        .filter(|(at, _)| *at == tick)
        .map(|(_, op)| *op)
        .collect()
}
