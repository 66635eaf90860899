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
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use lifecycle_model::Lifecycle;
use numaflow_model::controller::{
    PipelineActions, reconcile_pipeline, reconcile_vertex, vertex_object_name,
};
use numaflow_model::pipeline::{
    DesiredPhase, FINALIZER, Pipeline, PipelineLifecycle, PipelinePhase,
    RESUME_STRATEGY_ANNOTATION, ResumeStrategy,
};
use numaflow_model::plan::{BufferDepth, Observations, Patch, PatchTarget};
use numaflow_model::vertex::{Vertex, VertexPhaseAction, VertexRole, VertexStatusPhase};

pub mod demo;
pub mod invariants;
pub mod shapes;

pub use invariants::{Invariant, Violation};
use shapes::Shape;

/// The pipeline every simulation runs.
pub const PIPELINE: &str = "sim";

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The user's operations, by tick.
    pub ops: Vec<(u64, Op)>,
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
        SimConfig {
            seed,
            shape,
            faults: Faults::all(),
            ops,
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

/// The controllers under test; the default methods are the real ones.
pub trait Controllers {
    /// One reconcile of the Pipeline controller.
    fn pipeline(
        &self,
        pipeline: &Pipeline,
        vertices: &[Vertex],
        observed: &Observations,
    ) -> PipelineActions {
        reconcile_pipeline(pipeline, vertices, observed)
    }
    /// One reconcile of the Vertex controller at `now`.
    fn vertex(&self, vertex: &Vertex, now: Timestamp) -> Option<Patch> {
        reconcile_vertex(vertex, None, now)
    }
    /// Whether every write carries the `resourceVersion` of the object it was planned
    /// from, as `numaflow-controller`'s do, so that the server refuses a write planned
    /// from a stale read with a 409. Without it a merge patch is last-writer-wins.
    fn sends_resource_version(&self) -> bool {
        true
    }
}

/// The controllers as shipped.
pub struct Correct;

impl Controllers for Correct {}

/// The objects the API server holds.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The pipeline, until it is deleted.
    pub pipeline: Option<Pipeline>,
    /// The vertices, by object name; shared with the snapshots stale reads come from, so
    /// that a snapshot costs no copy of an unchanged vertex.
    pub vertices: BTreeMap<String, Arc<Vertex>>,
    revision: u64,
}

/// What is not an object: pods, buffers, message counts.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Running pods, by vertex object name.
    pub pods: BTreeMap<String, i32>,
    /// Messages in each edge's buffer, in the pipeline's edge order.
    pub buffers: Vec<u64>,
    /// Messages that entered the pipeline (fan-out counts each copy).
    pub injected: u64,
    /// Messages sinks consumed.
    pub consumed: u64,
    /// Messages left in buffers when the pipeline was deleted.
    pub lost: u64,
}

impl World {
    /// Messages waiting in buffers.
    pub fn buffered(&self) -> u64 {
        self.buffers.iter().sum()
    }
}

/// A work-queue item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Pipeline,
    Vertex(String),
}

/// Who wrote, for the invariants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The user.
    User,
    /// The Pipeline controller.
    PipelineController,
    /// The Vertex controller.
    VertexController,
    /// The autoscaler, which writes `spec.replicas` of running vertices.
    Autoscaler,
}

impl Writer {
    /// Whether the writer is one of the controllers under test.
    pub fn is_controller(self) -> bool {
        matches!(self, Writer::PipelineController | Writer::VertexController)
    }
}

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
}

/// Messages one source pod produces per tick.
const SOURCE_RATE: u64 = 3;
/// Messages one pod of any other vertex processes per tick.
const PROCESS_RATE: u64 = 2;

const EPOCH: Timestamp = Timestamp::constant(1_800_000_000, 0);

impl<'a> Sim<'a> {
    /// A simulation of `config` with `controllers`, with the pipeline created.
    pub fn new(config: SimConfig, controllers: &'a dyn Controllers) -> Self {
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
            || (self.tick < at_most && !invariants::settled(&self.store, last_op))
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
        self.report.ticks = self.tick;
        Ok(self.report)
    }

    fn violation(&self, (invariant, message): (Invariant, String)) -> Violation {
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
        let ops: Vec<Op> = self
            .config
            .ops
            .iter()
            .filter(|(t, _)| *t == self.tick)
            .map(|(_, op)| *op)
            .collect();
        for op in ops {
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
            .map_err(|v| self.violation(v))
    }

    /// Now and then, sets the `spec.replicas` of a vertex the [`Autoscaler`] may scale to
    /// a value within its scale bounds other than the default, as NumaFlow's autoscaler
    /// or a user's `kubectl scale` would.
    fn autoscale(&mut self) -> Result<(), Violation> {
        if self.config.scaling <= 0.0 || self.rng.f64() >= self.config.scaling {
            return Ok(());
        }
        let candidates: Vec<String> = self
            .store
            .vertices
            .iter()
            .filter(|(name, vertex)| match self.config.autoscaler {
                Autoscaler::FollowsSkipRules => self.may_scale(name, vertex),
                Autoscaler::IgnoresSkipRules => true,
            })
            .map(|(name, _)| name.clone())
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let name = candidates[self.rng.usize(..candidates.len())].clone();
        let mut after = Vertex::clone(&self.store.vertices[&name]);
        let scale = after.spec.scale.clone().unwrap_or_default();
        let max = scale.max.unwrap_or(5).max(1);
        let min = scale.min.unwrap_or(0).clamp(2.min(max), max);
        let replicas = self.rng.i32(min..=max);
        if after.spec.replicas == Some(replicas) {
            return Ok(());
        }
        after.spec.replicas = Some(replicas);
        // NumaFlow's rules read the vertex's status, which lags its spec: a vertex the
        // Pipeline controller just paused may still report Running. The CRD's rule,
        // which reads the spec, refuses that write.
        if self.config.crd_rules && !scale_admitted(&after) {
            self.record(
                Writer::Autoscaler,
                &name,
                format!("replicas {replicas} refused"),
            );
            self.report.refused_scalings += 1;
            return Ok(());
        }
        self.record(Writer::Autoscaler, &name, format!("replicas {replicas}"));
        self.last_scaled.insert(name, self.tick);
        self.report.scalings += 1;
        self.write_vertex(after, Writer::Autoscaler)
    }

    /// NumaFlow's skip rules: whether its autoscaler would scale `vertex` now.
    fn may_scale(&self, name: &str, vertex: &Vertex) -> bool {
        let pipeline_runs = self.store.pipeline.as_ref().is_some_and(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.spec.desired_phase() == DesiredPhase::Running
        });
        let Some(status) = vertex.status.as_ref() else {
            return false;
        };
        let pods = self.world.pods.get(name).copied().unwrap_or(0);
        let cooled = self
            .last_scaled
            .get(name)
            .is_none_or(|at| self.tick >= at + SCALE_COOLDOWN_TICKS);
        pipeline_runs
            && vertex.spec.scalable()
            && status.phase == Some(VertexStatusPhase::Running)
            && status.desired_replicas == Some(pods)
            && vertex.spec.scale_min() < vertex.spec.scale_max()
            && cooled
    }

    fn user(&mut self, op: Op) -> Result<(), Violation> {
        let now = self.now();
        let Some(pipeline) = self.store.pipeline.as_ref() else {
            return Ok(());
        };
        let mut after = pipeline.clone();
        let lifecycle = after.spec.lifecycle.get_or_insert_with(Default::default);
        match op {
            Op::Pause => lifecycle.desired_phase = Some(DesiredPhase::Paused),
            Op::ResumeFast | Op::ResumeSlow => {
                lifecycle.desired_phase = Some(DesiredPhase::Running);
                let annotations = after
                    .metadata
                    .annotations
                    .get_or_insert_with(Default::default);
                match op {
                    Op::ResumeSlow => annotations.insert(
                        RESUME_STRATEGY_ANNOTATION.to_owned(),
                        ResumeStrategy::Slow.to_string(),
                    ),
                    _ => annotations.remove(RESUME_STRATEGY_ANNOTATION),
                };
            }
            Op::Delete => after.metadata.deletion_timestamp = Some(Time(now)),
        }
        // The API server counts changes to the spec.
        if after.spec != pipeline.spec {
            after.metadata.generation = Some(pipeline.metadata.generation.unwrap_or(0) + 1);
        }
        self.record(Writer::User, "Pipeline", format!("{op:?}"));
        self.write_pipeline(after, Writer::User)
    }

    fn world_step(&mut self) {
        let source_of = |v: &Vertex| v.spec.role() == Some(VertexRole::Source);
        for (name, vertex) in &self.store.vertices {
            let desired = vertex
                .status
                .as_ref()
                .and_then(|s| s.desired_replicas)
                .unwrap_or(0);
            self.world.pods.insert(name.clone(), desired.max(0));
        }
        self.world
            .pods
            .retain(|name, _| self.store.vertices.contains_key(name));
        let pods = |name: &str| {
            self.world
                .pods
                .get(&vertex_object_name(PIPELINE, name))
                .copied()
                .unwrap_or(0)
        };
        let edges = &self.config.shape.edges;
        let mut buffers = self.world.buffers.clone();
        for declared in &self.config.shape.vertices {
            let name = vertex_object_name(PIPELINE, &declared.name);
            let Some(vertex) = self.store.vertices.get(&name) else {
                continue;
            };
            let running = pods(&declared.name) as u64;
            if running == 0 {
                continue;
            }
            let outputs: Vec<usize> = (0..edges.len())
                .filter(|&e| edges[e].from == declared.name)
                .collect();
            // Sources outpace one downstream pod, so buffers fill while running and a
            // pause has something to drain.
            let taken = if source_of(vertex) {
                if outputs.is_empty() {
                    0
                } else {
                    running * SOURCE_RATE
                }
            } else {
                let mut budget = running * PROCESS_RATE;
                let mut taken = 0;
                for e in (0..edges.len()).filter(|&e| edges[e].to == declared.name) {
                    let n = buffers[e].min(budget);
                    buffers[e] -= n;
                    budget -= n;
                    taken += n;
                }
                taken
            };
            if outputs.is_empty() {
                self.world.consumed += taken;
            } else {
                for &e in &outputs {
                    buffers[e] += taken;
                }
                // The first copy was already counted when it entered; each extra copy enters now.
                let copies = outputs.len() as u64 - if source_of(vertex) { 0 } else { 1 };
                self.world.injected += taken * copies;
            }
        }
        self.world.buffers = buffers;
    }

    /// What the Pipeline controller observes: source pods, and the buffers as the daemon
    /// reports them, unless the daemon fault strikes.
    fn observations(&mut self) -> Observations {
        let source_pods = self
            .store
            .vertices
            .iter()
            .filter(|(_, v)| v.spec.role() == Some(VertexRole::Source))
            .map(|(name, _)| self.world.pods.get(name).copied().unwrap_or(0).max(0) as u32)
            .sum();
        let buffers = match self.daemon_fault() {
            Some(reason) => {
                self.report.daemon_failures += 1;
                Err(reason)
            }
            None => Ok(self
                .config
                .shape
                .edges
                .iter()
                .zip(&self.world.buffers)
                .map(|(edge, &pending)| BufferDepth {
                    name: format!("{}-{}", edge.from, edge.to),
                    pending,
                    ack_pending: 0,
                })
                .collect()),
        };
        Observations {
            now: self.now(),
            source_pods,
            buffers,
        }
    }

    /// Why the daemon is of no use to this reconcile, if it is not.
    fn daemon_fault(&mut self) -> Option<String> {
        const GONE: &str = "cannot reach the daemon: connection refused";
        if self
            .daemon_down_until
            .is_some_and(|until| self.tick < until)
        {
            return Some(GONE.to_owned());
        }
        let chance = self.config.faults.daemon;
        if chance <= 0.0 || self.rng.f64() >= chance {
            return None;
        }
        Some(match self.rng.u8(..3) {
            0 => "the daemon did not answer within 5 s".to_owned(),
            1 => "the daemon answered something that is not a buffer list".to_owned(),
            _ => {
                self.daemon_down_until = Some(self.tick + self.rng.u64(2..=15));
                GONE.to_owned()
            }
        })
    }

    fn enqueue(&mut self, key: Key, delay: u64) {
        let at = self.tick + delay;
        match self.queue.iter_mut().find(|(_, k)| *k == key) {
            Some(entry) => entry.0 = entry.0.min(at),
            None => self.queue.push((at, key)),
        }
    }

    fn watch_delay(&mut self) -> u64 {
        match self.config.faults.max_delay {
            0 => 0,
            max => self.rng.u64(0..=max),
        }
    }

    fn resync(&mut self) {
        self.enqueue(Key::Pipeline, 0);
        let names: Vec<String> = self.store.vertices.keys().cloned().collect();
        for name in names {
            self.enqueue(Key::Vertex(name), 0);
        }
    }

    fn controllers_step(&mut self) -> Result<(), Violation> {
        if let Some(until) = self.down_until {
            if self.tick < until {
                return Ok(());
            }
            // A restarted controller lists everything again.
            self.down_until = None;
            self.seen = self.store.revision;
            self.resync();
        }
        let mut ready: Vec<Key> = Vec::new();
        self.queue.retain(|(at, key)| {
            let due = *at <= self.tick;
            if due {
                ready.push(key.clone());
            }
            !due
        });
        if self.config.faults.max_delay > 0 {
            self.rng.shuffle(&mut ready);
        }
        let faults = &self.config.faults;
        let crash_in = (!ready.is_empty() && faults.crash > 0.0 && self.rng.f64() < faults.crash)
            .then(|| self.rng.usize(..ready.len()));
        for (i, key) in ready.into_iter().enumerate() {
            if self.down_until.is_some() {
                break;
            }
            self.reconcile(key, crash_in == Some(i))?;
        }
        Ok(())
    }

    /// The cache a reconcile reads: the store now, or a few writes behind. Like an
    /// informer's cache it lags but never goes back: no read is older than the last one.
    fn read(&mut self) -> Store {
        let faults = &self.config.faults;
        if faults.stale > 0.0 && self.rng.f64() < faults.stale {
            let seen = self.seen;
            let behind: Vec<usize> = (0..self.history.len())
                .filter(|&i| self.history[i].revision >= seen)
                .collect();
            if !behind.is_empty() {
                self.report.stale_reads += 1;
                let back = behind[self.rng.usize(..behind.len())];
                self.seen = self.history[back].revision;
                return self.history[back].clone();
            }
        }
        self.seen = self.store.revision;
        self.store.clone()
    }

    /// One reconcile of `key`; with `crash`, the controller dies somewhere in it.
    fn reconcile(&mut self, key: Key, crash: bool) -> Result<(), Violation> {
        let cache = self.read();
        let fresh = cache.revision == self.store.revision;
        let (creates, patches, deletes, writer) = match &key {
            Key::Pipeline => {
                let Some(pipeline) = cache.pipeline.as_ref() else {
                    return Ok(());
                };
                let vertices: Vec<Vertex> =
                    cache.vertices.values().map(|v| Vertex::clone(v)).collect();
                let observed = self.observations();
                let actions = self.controllers.pipeline(pipeline, &vertices, &observed);
                (
                    actions.create,
                    actions.patches,
                    actions.delete,
                    Writer::PipelineController,
                )
            }
            Key::Vertex(name) => {
                let Some(vertex) = cache.vertices.get(name) else {
                    return Ok(());
                };
                let patch = self.controllers.vertex(vertex, self.now());
                (
                    Vec::new(),
                    patch.into_iter().collect(),
                    Vec::new(),
                    Writer::VertexController,
                )
            }
        };
        let total = creates.len() + patches.len() + deletes.len();
        // A crash strikes after some of the writes, perhaps none, perhaps all.
        let crash_after = crash.then(|| self.rng.usize(0..=total));
        for (done, vertex) in creates.into_iter().enumerate() {
            if crash_after == Some(done) {
                self.crash();
                return Ok(());
            }
            let name = vertex.metadata.name.clone().unwrap_or_default();
            if !self.store.vertices.contains_key(&name) && self.store.pipeline.is_some() {
                self.store.vertices.insert(name.clone(), Arc::new(vertex));
                self.bump(Some(&name));
                self.report.writes += 1;
                let delay = self.watch_delay();
                self.enqueue(Key::Vertex(name), delay);
            }
        }
        let offset = total - patches.len();
        // The revision each write of this reconcile left: a controller takes it from the
        // server's answer, so its own writes do not make the next one conflict.
        let mut written: Vec<(PatchTarget, Option<String>)> = Vec::new();
        for (i, patch) in patches.iter().enumerate() {
            if crash_after == Some(offset + i) {
                self.crash();
                return Ok(());
            }
            let expected = match written
                .iter()
                .rev()
                .find(|(t, _)| same_object(t, &patch.target))
            {
                Some((_, revision)) => revision.clone(),
                None => revision_in(&cache, &patch.target),
            };
            let current = revision_in(&self.store, &patch.target);
            let injected =
                self.config.faults.conflict > 0.0 && self.rng.f64() < self.config.faults.conflict;
            let guarded = self.controllers.sends_resource_version();
            if injected || (guarded && expected.is_some() && expected != current) {
                self.report.conflicts += 1;
                self.enqueue(key, 1);
                return Ok(());
            }
            self.apply(patch, writer)?;
            written.push((
                patch.target.clone(),
                revision_in(&self.store, &patch.target),
            ));
        }
        let offset = offset + patches.len();
        for (i, name) in deletes.iter().enumerate() {
            if crash_after == Some(offset + i) {
                self.crash();
                return Ok(());
            }
            if self.store.vertices.remove(name).is_some() {
                self.record(writer, name, "deleted".to_owned());
                // The store moves on; no object left takes the new revision.
                self.bump(Some(name));
                self.report.writes += 1;
            }
        }
        if crash_after == Some(total) {
            self.crash();
        } else if let (Key::Vertex(name), true) = (&key, fresh) {
            self.checker.vertex_reconciled(name, &self.store);
        }
        Ok(())
    }

    fn crash(&mut self) {
        self.report.crashes += 1;
        self.queue.clear();
        self.down_until = Some(self.tick + self.rng.u64(1..=3));
    }

    fn record(&mut self, writer: Writer, target: &str, body: String) {
        let tick = self.tick;
        if let Some(trace) = self.trace.as_mut() {
            trace.push((tick, writer, target.to_owned(), body));
        }
    }

    fn apply(&mut self, patch: &Patch, writer: Writer) -> Result<(), Violation> {
        if self.trace.is_some() {
            self.record(writer, &patch.target.to_string(), patch.body.to_string());
        }
        if patch.target.is::<Pipeline>() {
            let Some(pipeline) = self.store.pipeline.as_ref() else {
                return Ok(());
            };
            let after = merged(pipeline, patch);
            return self.write_pipeline(after, writer);
        }
        if !patch.target.is::<Vertex>() {
            return Ok(());
        }
        let Some(before) = self.store.vertices.get(&patch.target.name) else {
            return Ok(());
        };
        let after = merged(&**before, patch);
        self.write_vertex(after, writer)
    }

    /// Writes `after` over the vertex of the same name, once the checker agrees.
    fn write_vertex(&mut self, after: Vertex, writer: Writer) -> Result<(), Violation> {
        let name = after.metadata.name.clone().unwrap_or_default();
        let Some(before) = self.store.vertices.get(&name).cloned() else {
            return Ok(());
        };
        self.checker
            .on_vertex_write(
                writer,
                &before,
                &after,
                &self.store,
                &self.world,
                self.now(),
            )
            .map_err(|v| self.violation(v))?;
        self.store.vertices.insert(name.clone(), Arc::new(after));
        self.bump(Some(&name));
        self.report.writes += 1;
        let delay = self.watch_delay();
        self.enqueue(Key::Vertex(name.clone()), delay);
        let delay = self.watch_delay();
        self.enqueue(Key::Pipeline, delay);
        Ok(())
    }

    fn write_pipeline(&mut self, after: Pipeline, writer: Writer) -> Result<(), Violation> {
        let before = self.store.pipeline.clone();
        let now = self.now();
        if let Some(before) = &before {
            self.checker
                .on_pipeline_write(writer, before, &after, &self.store, &self.world, now)
                .map_err(|v| self.violation(v))?;
        }
        let released = after.metadata.deletion_timestamp.is_some()
            && after.metadata.finalizers.as_ref().is_none_or(Vec::is_empty);
        if released {
            self.checker
                .on_release(&after, &self.world, now)
                .map_err(|v| self.violation(v))?;
            // Gone, and its vertices with it: they are owned by the pipeline. Whatever
            // their buffers held is lost.
            self.store.pipeline = None;
            self.store.vertices.clear();
            self.world.lost += self.world.buffered();
            self.world.buffers.iter_mut().for_each(|b| *b = 0);
        } else {
            self.store.pipeline = Some(after);
        }
        self.bump(None);
        self.report.writes += 1;
        let delay = self.watch_delay();
        self.enqueue(Key::Pipeline, delay);
        Ok(())
    }

    /// Gives the written object a new resourceVersion and remembers the old store for
    /// stale reads.
    fn bump(&mut self, vertex: Option<&str>) {
        self.store.revision += 1;
        let revision = Some(self.store.revision.to_string());
        match vertex {
            Some(name) => {
                if let Some(v) = self.store.vertices.get_mut(name) {
                    Arc::make_mut(v).metadata.resource_version = revision;
                }
            }
            None => {
                if let Some(p) = self.store.pipeline.as_mut() {
                    p.metadata.resource_version = revision;
                }
            }
        }
        self.history.push_front(self.store.clone());
        self.history
            .truncate(self.config.faults.max_staleness.max(1));
    }

    /// The pipeline's status phase, for displays.
    pub fn pipeline_phase(&self) -> Option<PipelinePhase> {
        self.store.pipeline.as_ref().and_then(Pipeline::phase)
    }
}

/// Whether the Vertex CRD's rule admits a change of `spec.replicas` alone: the lifecycle
/// allows `scale` in the vertex's desired phase, for its role.
fn scale_admitted(vertex: &Vertex) -> bool {
    vertex.spec.role().is_some_and(|role| {
        vertex
            .spec
            .desired_phase()
            .allows(role, VertexPhaseAction::Scale)
    })
}

/// Whether two patch targets name one object, whichever subresource they write.
fn same_object(a: &PatchTarget, b: &PatchTarget) -> bool {
    a.resource == b.resource && a.name == b.name
}

fn revision_in(store: &Store, target: &PatchTarget) -> Option<String> {
    if target.is::<Pipeline>() {
        store.pipeline.as_ref()?.metadata.resource_version.clone()
    } else if target.is::<Vertex>() {
        store
            .vertices
            .get(&target.name)?
            .metadata
            .resource_version
            .clone()
    } else {
        None
    }
}

/// `object` with `patch` applied; a patch whose result does not read back changes
/// nothing, as the API server would reject it.
fn merged<T: serde::Serialize + serde::de::DeserializeOwned + Clone>(
    object: &T,
    patch: &Patch,
) -> T {
    let mut after = object.clone();
    let _ = patch.merge_into(&mut after);
    after
}
