//! What an exploration is bounded by.

use std::fmt;

use crate::MonoVertexOp;
use crate::config::{Autoscaler, Op};
use crate::shapes::{self, Shape};

/// What the exploration is bounded by.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// The pipeline.
    pub shape: Shape,
    /// The user's operations, in order; each may happen at any point up to
    /// [`ops_by`](Self::ops_by).
    pub ops: Vec<Op>,
    /// The user's operations on the MonoVertex, in order, by the same second; its
    /// controller may reconcile at any point.
    pub mono_ops: Vec<MonoVertexOp>,
    /// The clock's last second.
    pub ticks: u64,
    /// The second by which the user has done every operation.
    pub ops_by: u64,
    /// `pauseGracePeriodSeconds` and `deletionGracePeriodSeconds`.
    pub grace_seconds: i64,
    /// Controller crashes, at most.
    pub crashes: u8,
    /// Injected 409 conflicts, at most.
    pub conflicts: u8,
    /// Reconciles that read a stale cache, at most.
    pub stale_reads: u8,
    /// How many writes behind a stale cache may be.
    pub max_staleness: usize,
    /// Reconciles that find the daemon of no use, at most.
    pub daemon_failures: u8,
    /// Times the daemon goes away for [`DAEMON_OUTAGE`](super::DAEMON_OUTAGE) seconds, at most.
    pub daemon_outages: u8,
    /// Changes of a vertex's `spec.replicas` by NumaFlow's autoscaler (under its skip
    /// rules and the Vertex CRD's rule), at most; each to one end of the vertex's
    /// bounds.
    pub scalings: u8,
    /// Which vertices the autoscaler may scale: NumaFlow's skip rules, or any.
    pub autoscaler: Autoscaler,
    /// Whether the server enforces the Vertex CRD's rule on `spec.replicas`.
    pub crd_rules: bool,
    /// Writes, at most: a path that writes more is cut, so that a controller that
    /// writes forever cannot make the space infinite.
    pub max_writes: u64,
}

impl Bounds {
    /// The smallest bound: a source and a sink, pause then fast resume by the third
    /// second, ten seconds, one of each fault. All four faults at once make millions of
    /// states; CI checks it one fault at a time.
    pub fn smallest() -> Self {
        Bounds {
            shape: shapes::shapes()[1].clone(),
            ops: vec![Op::Pause, Op::ResumeFast],
            mono_ops: Vec::new(),
            ticks: 10,
            ops_by: 3,
            grace_seconds: 2,
            crashes: 1,
            conflicts: 1,
            stale_reads: 1,
            max_staleness: 2,
            daemon_failures: 1,
            daemon_outages: 1,
            scalings: 1,
            autoscaler: Autoscaler::FollowsSkipRules,
            crd_rules: true,
            max_writes: 40,
        }
    }

    /// A larger bound for release checks: source, map and sink through pause and fast
    /// resume, no faults: 738,094 states.
    pub fn release() -> Self {
        Bounds {
            shape: shapes::shapes()[3].clone(),
            ..Bounds::smallest().without_faults()
        }
    }
}

impl Bounds {
    /// The same bounds with no fault, no scaling and no outage.
    pub fn without_faults(self) -> Self {
        Bounds {
            crashes: 0,
            conflicts: 0,
            stale_reads: 0,
            daemon_failures: 0,
            daemon_outages: 0,
            scalings: 0,
            ..self
        }
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shape {} ({} vertices), ops {:?} and MonoVertex ops {:?} by second {}, {} seconds, grace {} s; at most {} crash, {} conflict, {} stale read ({} writes behind), {} daemon failure, {} daemon outage, {} scaling, {} writes",
            self.shape.name,
            self.shape.vertices.len(),
            self.ops,
            self.mono_ops,
            self.ops_by,
            self.ticks,
            self.grace_seconds,
            self.crashes,
            self.conflicts,
            self.stale_reads,
            self.max_staleness,
            self.daemon_failures,
            self.daemon_outages,
            self.scalings,
            self.max_writes
        )
    }
}
