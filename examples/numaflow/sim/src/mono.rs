//! The MonoVertex beside the pipeline: its user pauses and resumes it, NumaFlow's
//! autoscaler scales it within the CRD's rule, and the MonoVertex controller (the real
//! [`reconcile`](numaflow_model::monovertex::reconcile)) keeps its pods and status, under
//! the same faults as the pipeline's controllers: stale reads (from a watch cache that
//! lags but never goes back), conflicts and crashes.
//!
//! It draws from a random source of its own, so the pipeline's schedules are the same
//! with it as without it, and a seed that found a pipeline bug still finds it.

use std::collections::VecDeque;

use lifecycle_model::{Lifecycle, NoRole};
use numaflow_model::monovertex::{
    MonoVertex, MonoVertexPhase, MonoVertexPhaseAction, MonoVertexStatusPhase,
};
use numaflow_model::pods::PodsSeen;
use serde_json::json;

use crate::invariants::Invariant;
use crate::{Autoscaler, SCALE_COOLDOWN_TICKS, Sim, Violation, Writer};

/// The MonoVertex every simulation runs.
pub const MONO_VERTEX: &str = "sim-mvtx";

/// What the user does to the MonoVertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonoVertexOp {
    /// Set the desired phase to Paused.
    Pause,
    /// Set it to Running.
    Resume,
}

impl MonoVertexOp {
    /// The desired phase the operation asks for.
    pub fn phase(self) -> MonoVertexPhase {
        match self {
            MonoVertexOp::Pause => MonoVertexPhase::Paused,
            MonoVertexOp::Resume => MonoVertexPhase::Running,
        }
    }
}

/// The MonoVertex's part of the simulated world.
#[derive(Debug, Clone)]
pub struct MonoWorld {
    rng: fastrand::Rng,
    /// The MonoVertex as the API server stores it.
    pub object: MonoVertex,
    /// Its resourceVersion.
    revision: u64,
    /// Earlier versions, for stale reads.
    history: VecDeque<(u64, MonoVertex)>,
    /// The revision of the controller's last read: its watch cache never goes back.
    seen: u64,
    /// Its pods.
    pub pods: i32,
    /// The desired phase and replicas the controller last reconciled from an up-to-date
    /// read, while the spec still says so.
    reconciled: Option<(MonoVertexPhase, i32)>,
    /// `spec.replicas` when the user last paused it.
    paused_with: Option<Option<i32>>,
    last_scaled: Option<u64>,
}

impl MonoWorld {
    /// A running MonoVertex drawn from `seed`: its replicas and scale bounds.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x6d76_7478);
        let replicas = rng.i32(1..=3);
        let spec = serde_json::from_value(json!({
            "replicas": replicas,
            "scale": { "min": 1, "max": rng.i32(2..=4) },
            "source": { "generator": {} },
            "sink": { "log": {} },
        }))
        .unwrap_or_default();
        let mut object = MonoVertex::new(MONO_VERTEX, spec);
        object.metadata.generation = Some(1);
        MonoWorld {
            rng,
            object,
            revision: 1,
            history: VecDeque::new(),
            seen: 0,
            pods: 0,
            reconciled: None,
            paused_with: None,
            last_scaled: None,
        }
    }

    fn store(&mut self, after: MonoVertex) {
        let before = std::mem::replace(&mut self.object, after);
        self.history.push_back((self.revision, before));
        if self.history.len() > 4 {
            self.history.pop_front();
        }
        self.revision += 1;
        if self.reconciled.is_some_and(|(phase, replicas)| {
            (phase, replicas)
                != (
                    self.object.spec.desired_phase(),
                    self.object.spec.desired_replicas(),
                )
        }) {
            self.reconciled = None;
        }
    }

    /// Whether the MonoVertex is where the last of `ops` asked, its pods following.
    pub(crate) fn settled(&self, ops: &[(u64, MonoVertexOp)]) -> bool {
        let asked = ops
            .last()
            .map_or(MonoVertexPhase::Running, |(_, op)| op.phase());
        let status = self.object.status.as_ref();
        status.and_then(|s| s.phase) == Some(MonoVertexStatusPhase::from(asked))
            && self.pods == self.object.spec.desired_replicas()
    }

    /// The checks after a step: a MonoVertex reconciled from an up-to-date read runs no
    /// pod while paused, runs pods while running, and its status says its spec.
    /// What decides the MonoVertex's next steps, for the model check: not its random
    /// source.
    pub(crate) fn key(&self) -> String {
        format!(
            "{:?}|{}|{:?}|{}|{}|{:?}|{:?}|{:?}",
            self.object,
            self.revision,
            self.history,
            self.seen,
            self.pods,
            self.reconciled,
            self.paused_with,
            self.last_scaled
        )
    }

    pub(crate) fn check(&self) -> Result<(), (Invariant, String)> {
        let Some((phase, replicas)) = self.reconciled else {
            return Ok(());
        };
        if phase == MonoVertexPhase::Paused && self.pods > 0 {
            return Err((
                Invariant::PausedVerticesRunNothing,
                format!(
                    "MonoVertex {MONO_VERTEX} is paused, reconciled, and runs {} pods",
                    self.pods
                ),
            ));
        }
        if phase == MonoVertexPhase::Running && replicas > 0 && self.pods == 0 {
            return Err((
                Invariant::VerticesFollowTheirSpec,
                format!("MonoVertex {MONO_VERTEX} is running and reconciled, but runs no pod"),
            ));
        }
        let status = self.object.status.clone().unwrap_or_default();
        if status.phase != Some(MonoVertexStatusPhase::from(phase))
            || status.desired_replicas != Some(replicas)
        {
            return Err((
                Invariant::VerticesFollowTheirSpec,
                format!(
                    "MonoVertex {MONO_VERTEX} is {phase:?} with {replicas} replicas and reconciled, but its status says {:?} with {:?}",
                    status.phase, status.desired_replicas
                ),
            ));
        }
        Ok(())
    }
}

impl Sim<'_> {
    /// One tick of the MonoVertex: the user's operations, the autoscaler, the controller.
    pub(crate) fn mono_step(&mut self) -> Result<(), Violation> {
        for op in crate::due(&self.config.mono_ops, self.tick) {
            self.mono_user(op)?;
        }
        self.mono_autoscale();
        self.mono_reconcile()?;
        self.mono.check().map_err(|v| self.violation(v))
    }

    pub(crate) fn mono_user(&mut self, op: MonoVertexOp) -> Result<(), Violation> {
        let before = self.mono.object.clone();
        let mut after = before.clone();
        after.spec.set_desired_phase(op.phase());
        if after.spec == before.spec {
            return Ok(());
        }
        after.metadata.generation = Some(before.metadata.generation.unwrap_or(0) + 1);
        match (before.spec.desired_phase(), op.phase()) {
            (MonoVertexPhase::Running, MonoVertexPhase::Paused) => {
                self.mono.paused_with = Some(before.spec.replicas);
            }
            (MonoVertexPhase::Paused, MonoVertexPhase::Running) => {
                if let Some(expected) = self.mono.paused_with.take()
                    && after.spec.replicas != expected
                {
                    return Err(self.violation((
                        Invariant::ResumeRestoresReplicas,
                        format!(
                            "MonoVertex {MONO_VERTEX} resumes with replicas {:?}, paused with {expected:?}",
                            after.spec.replicas
                        ),
                    )));
                }
            }
            _ => {}
        }
        self.record(Writer::User, "MonoVertex", format!("{op:?}"));
        self.mono.store(after);
        Ok(())
    }

    /// Now and then, sets `spec.replicas` as NumaFlow's autoscaler would: only while
    /// the status says Running, its pods match its desired replicas, its bounds leave
    /// room and it is not cooling down; or at any time, for a broken autoscaler. The
    /// CRD's rule refuses a change while the desired phase is Paused.
    fn mono_autoscale(&mut self) {
        if self.config.scaling <= 0.0 || self.mono.rng.f64() >= self.config.scaling {
            return;
        }
        let (may, (min, max)) = (self.mono_may_scale(), self.mono_scale_range());
        let replicas = self.mono.rng.i32(min..=max);
        if may {
            self.mono_scale(replicas);
        }
    }

    /// Whether the autoscaler would scale the MonoVertex now: under NumaFlow's rules,
    /// only while the status says Running, its pods match its desired replicas, its
    /// bounds leave room and it is not cooling down; a broken one, at any time.
    pub(crate) fn mono_may_scale(&self) -> bool {
        let mono = &self.mono;
        let scale = mono.object.spec.scale.clone().unwrap_or_default();
        let status = mono.object.status.clone().unwrap_or_default();
        let cooled = mono
            .last_scaled
            .is_none_or(|at| self.tick >= at + SCALE_COOLDOWN_TICKS);
        match self.config.autoscaler {
            Autoscaler::FollowsSkipRules => {
                status.phase == Some(MonoVertexStatusPhase::Running)
                    && status.desired_replicas == Some(mono.pods)
                    && !scale.is_disabled()
                    && scale.min_replicas() < scale.max_replicas()
                    && cooled
            }
            Autoscaler::IgnoresSkipRules => true,
        }
    }

    /// The replicas the autoscaler picks from for the MonoVertex: its scale bounds.
    pub(crate) fn mono_scale_range(&self) -> (i32, i32) {
        let scale = self.mono.object.spec.scale.clone().unwrap_or_default();
        let (min, max) = (scale.min_replicas(), scale.max_replicas().max(1));
        (min.min(max), max)
    }

    /// Sets the MonoVertex's `spec.replicas`, unless it already is that or the CRD's
    /// rule refuses a change while the desired phase is Paused.
    pub(crate) fn mono_scale(&mut self, replicas: i32) {
        let spec = &self.mono.object.spec;
        if spec.replicas == Some(replicas) {
            return;
        }
        let admitted = spec
            .desired_phase()
            .allows(NoRole, MonoVertexPhaseAction::Scale);
        if self.config.crd_rules && !admitted {
            self.report.refused_scalings += 1;
            self.record(
                Writer::Autoscaler,
                "MonoVertex",
                format!("replicas {replicas} refused"),
            );
            return;
        }
        let mut after = self.mono.object.clone();
        after.spec.replicas = Some(replicas);
        self.mono.last_scaled = Some(self.tick);
        self.report.scalings += 1;
        self.record(
            Writer::Autoscaler,
            "MonoVertex",
            format!("replicas {replicas}"),
        );
        self.mono.store(after);
    }

    /// One reconcile of the MonoVertex controller, unless it crashed: from a stale read
    /// now and then, its pods made to follow what it read, then its status written,
    /// guarded by the resourceVersion read.
    pub(crate) fn mono_reconcile(&mut self) -> Result<(), Violation> {
        let faults = self.config.faults.clone();
        let now = self.now();
        let mono = &mut self.mono;
        // Under given luck ([`crate::check`]), no fault: the model's reconcile is whole.
        let luck = self.luck.is_some();
        if !luck && mono.rng.f64() < faults.crash {
            self.report.crashes += 1;
            return Ok(());
        }
        let behind: Vec<usize> = (0..mono.history.len())
            .filter(|&i| mono.history[i].0 >= mono.seen)
            .collect();
        let stale = !behind.is_empty() && !luck && mono.rng.f64() < faults.stale;
        let (revision, read) = match stale {
            true => mono.history[behind[mono.rng.usize(..behind.len())]].clone(),
            false => (mono.revision, mono.object.clone()),
        };
        mono.seen = revision;
        if stale {
            self.report.stale_reads += 1;
        }
        mono.pods = self.controllers.mono_vertex_pods(&read);
        let seen = PodsSeen {
            running: mono.pods,
            ready: mono.pods,
            crash_looping: Vec::new(),
        };
        let up_to_date = revision == mono.revision;
        let Some(write) = self.controllers.mono_vertex(&read, &seen, now) else {
            if up_to_date {
                mono.reconciled = Some((read.spec.desired_phase(), read.spec.desired_replicas()));
            }
            return Ok(());
        };
        let conflict = !luck && mono.rng.f64() < faults.conflict;
        if conflict || (!up_to_date && self.controllers.sends_resource_version()) {
            self.report.conflicts += 1;
            return Ok(());
        }
        let before = mono.object.clone();
        let mut after = before.clone();
        if let Err(e) = write.patch.merge_into(&mut after) {
            return Err(self.violation((
                Invariant::MinimalWrites,
                format!("a status write of MonoVertex {MONO_VERTEX} does not read back: {e}"),
            )));
        }
        if after == before {
            return Err(self.violation((
                Invariant::MinimalWrites,
                format!("a MonoVertexController write to {MONO_VERTEX} changed nothing"),
            )));
        }
        self.report.writes += 1;
        self.record(
            Writer::MonoVertexController,
            "MonoVertex",
            write.patch.body.to_string(),
        );
        self.mono.store(after);
        if up_to_date {
            self.mono.reconciled = Some((read.spec.desired_phase(), read.spec.desired_replicas()));
        }
        Ok(())
    }
}
