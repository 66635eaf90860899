//! The controllers under test, their work queue, their reads from the store (fresh or
//! stale) and their crashes.

use jiff::Timestamp;
use numaflow_model::controller::{Requests, reconcile_pipeline, reconcile_vertex};
use numaflow_model::monovertex::{self, MonoVertex, StatusWrite};
use numaflow_model::pipeline::Pipeline;
use numaflow_model::plan::{Observations, Patch, PatchTarget};
use numaflow_model::pods::PodsSeen;
use numaflow_model::vertex::Vertex;
use std::sync::Arc;

use crate::store::revision_in;
use crate::{Sim, Store, Violation, Writer};

/// The controllers under test; the default methods are the real ones.
pub trait Controllers: Sync {
    /// One reconcile of the Pipeline controller: its writes as they are sent.
    fn pipeline(
        &self,
        pipeline: &Pipeline,
        vertices: &[Vertex],
        observed: &Observations,
    ) -> Requests {
        reconcile_pipeline(pipeline, vertices, observed).requests()
    }
    /// One reconcile of the Vertex controller at `now`.
    fn vertex(&self, vertex: &Vertex, now: Timestamp) -> Option<Patch> {
        reconcile_vertex(vertex, None, now)
    }
    /// One reconcile of the MonoVertex controller at `now`, with the `pods` it keeps:
    /// its status write, if any.
    fn mono_vertex(
        &self,
        mvtx: &MonoVertex,
        pods: &PodsSeen,
        now: Timestamp,
    ) -> Option<StatusWrite> {
        monovertex::reconcile(mvtx, Some(pods), now)
    }
    /// The pods the MonoVertex controller keeps for `mvtx`, as it read it: one per
    /// replica of its decision ([`MonoVertexSpec::desired_replicas`]), as
    /// [`monovertex::plan_pods`] plans them.
    ///
    /// [`MonoVertexSpec::desired_replicas`]: numaflow_model::monovertex::MonoVertexSpec::desired_replicas
    fn mono_vertex_pods(&self, mvtx: &MonoVertex) -> i32 {
        mvtx.spec.desired_replicas().max(0)
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

/// A work-queue item: what a controller reconciles next.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// The pipeline, for the Pipeline controller.
    Pipeline,
    /// A vertex, by object name, for the Vertex controller.
    Vertex(String),
}

/// What chance decides in one reconcile. The simulation draws it from its seed; the
/// model check ([`crate::check`]) sets it, to try every outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Luck {
    /// Read the stale cache this many writes back (an index into the kept history)
    /// instead of the store now.
    pub stale: Option<usize>,
    /// Why the daemon is of no use to this reconcile, if it is not.
    pub daemon: Option<String>,
    /// Crash after this many of the reconcile's writes (all of them, if fewer).
    pub crash_after: Option<usize>,
    /// The patch, by its index in the reconcile's patches, refused with an injected 409.
    pub conflict_at: Option<usize>,
}

impl Sim<'_> {
    pub(crate) fn enqueue(&mut self, key: Key, delay: u64) {
        let at = self.tick + delay;
        match self.queue.iter_mut().find(|(_, k)| *k == key) {
            Some(entry) => entry.0 = entry.0.min(at),
            None => self.queue.push((at, key)),
        }
    }

    pub(crate) fn watch_delay(&mut self) -> u64 {
        match self.config.faults.max_delay {
            0 => 0,
            max => self.rng.u64(0..=max),
        }
    }

    pub(crate) fn resync(&mut self) {
        self.enqueue(Key::Pipeline, 0);
        let names: Vec<String> = self.store.vertices.keys().cloned().collect();
        for name in names {
            self.enqueue(Key::Vertex(name), 0);
        }
    }

    pub(crate) fn controllers_step(&mut self) -> Result<(), Violation> {
        if let Some(until) = self.down_until {
            if self.tick < until {
                return Ok(());
            }
            self.restart();
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
    pub(crate) fn read(&mut self) -> Store {
        let seen = self.seen;
        let behind: Vec<usize> = (0..self.history.len())
            .filter(|&i| self.history[i].revision >= seen)
            .collect();
        let back = match &self.luck {
            Some(luck) => luck.stale.filter(|i| behind.contains(i)),
            None => {
                let faults = &self.config.faults;
                let stale = faults.stale > 0.0 && self.rng.f64() < faults.stale;
                (stale && !behind.is_empty()).then(|| behind[self.rng.usize(..behind.len())])
            }
        };
        if let Some(back) = back {
            self.report.stale_reads += 1;
            self.seen = self.history[back].revision;
            return self.history[back].clone();
        }
        self.seen = self.store.revision;
        self.store.clone()
    }

    /// One reconcile of `key`; with `crash`, the controller dies somewhere in it.
    pub(crate) fn reconcile(&mut self, key: Key, crash: bool) -> Result<(), Violation> {
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
        let crash_after = match &self.luck {
            Some(luck) => luck.crash_after.map(|after| after.min(total)),
            None => crash.then(|| self.rng.usize(0..=total)),
        };
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
                .find(|(t, _)| t.object_part() == patch.target.object_part())
            {
                Some((_, revision)) => revision.clone(),
                None => revision_in(&cache, &patch.target),
            };
            let current = revision_in(&self.store, &patch.target);
            let injected = match &self.luck {
                Some(luck) => luck.conflict_at == Some(i),
                None => {
                    let chance = self.config.faults.conflict;
                    chance > 0.0 && self.rng.f64() < chance
                }
            };
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

    /// The controller back up: it lists everything again.
    pub(crate) fn restart(&mut self) {
        self.down_until = None;
        self.seen = self.store.revision;
        self.resync();
    }

    pub(crate) fn crash(&mut self) {
        self.report.crashes += 1;
        self.queue.clear();
        // Under given luck, down until restarted ([`Sim::restart`]).
        self.down_until = Some(match self.luck {
            Some(_) => u64::MAX,
            None => self.tick + self.rng.u64(1..=3),
        });
    }
}
