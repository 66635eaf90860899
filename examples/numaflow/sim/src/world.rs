//! What is not an object: pods that follow their vertices, buffers that fill and drain,
//! and NumaFlow's daemon, which answers, times out, answers garbage or is gone.

use numaflow_model::controller::vertex_object_name;
use numaflow_model::plan::{BufferDepth, Observations};
use numaflow_model::vertex::{Vertex, VertexRole};
use std::collections::BTreeMap;

use crate::{PIPELINE, PROCESS_RATE, SOURCE_RATE, Sim};

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

impl Sim<'_> {
    pub(crate) fn world_step(&mut self) {
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
    pub(crate) fn observations(&mut self) -> Observations {
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
    pub(crate) fn daemon_fault(&mut self) -> Option<String> {
        const GONE: &str = "cannot reach the daemon: connection refused";
        if self
            .daemon_down_until
            .is_some_and(|until| self.tick < until)
        {
            return Some(GONE.to_owned());
        }
        if let Some(luck) = &self.luck {
            return luck.daemon.clone();
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
}
