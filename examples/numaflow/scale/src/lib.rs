//! The NumaFlow operator at scale on a real kube-apiserver.
//!
//! [`run`] starts the test API server (`lifecycle-apiserver`) with an audit log that
//! keeps the controller's ServiceAccount's requests, installs `numaflow-crdgen`'s
//! manifests, starts `numaflow-controller` as that ServiceAccount with a stand-in daemon
//! that reports drained buffers ([`StandInDaemon`]), and drives N pipelines of three
//! vertices (`in -> cat -> out`) through create, pause-all, resume-all and delete-all.
//! Each change is timed per pipeline (request to status written, request to settled),
//! its requests are counted from the audit log beside the writes that must happen
//! ([`ideal`]), and the controller's peak RSS and CPU time are read from `/proc`. A
//! [`Fault`] can be injected mid-pause; the checks ([`Checks`]) say whether anything was
//! lost. [`limit`] sends the pause's ideal writes as a minimal client would, in the same
//! run, for the server's own pace.
//!
//! The benchmark is `benches/scale.sh` (see BENCHMARKS.md); the API-server restart at a
//! small N is an end-to-end test of `numaflow-operator`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub mod audit;
mod daemon;
mod drive;
pub mod ideal;
mod kubelet;
pub mod limit;
pub mod observe;
pub mod process;
mod report;
mod user;

pub use daemon::StandInDaemon;
pub use drive::run;
pub use kubelet::StandInKubelet;
pub use observe::Goal;
pub use process::Usage;
pub use user::{abstract_vertex, three_vertex_pipeline};

/// The namespace the controller watches and the driver's pipelines live in.
pub const NAMESPACE: &str = "scale";

/// How a run is made.
#[derive(Clone, Debug)]
pub struct Config {
    /// `numaflow-controller`, as built.
    pub controller: PathBuf,
    /// How many pipelines, each `in -> cat -> out`.
    pub pipelines: usize,
    /// How many of the driver's requests are in flight at once.
    pub concurrency: usize,
    /// The controller's `--concurrency`: how many reconciles each of its controllers
    /// runs at once (0 for no bound); the minimal client pauses as many pipelines at once.
    pub controller_concurrency: u16,
    /// What goes wrong mid-pause.
    pub fault: Fault,
    /// Whether the minimal client sends the pause's ideal writes after the controller's
    /// run ([`limit`]).
    pub limit: bool,
    /// The controllers' `RUST_LOG`; their logs are `DIR/controller-N.log`.
    pub controller_log: String,
    /// Whether the audit log keeps each request's body, to see what each write sent.
    pub audit_bodies: bool,
    /// Where the run keeps the server's data, the audit log and the controllers' logs.
    pub dir: PathBuf,
}

/// What goes wrong once a quarter of the pipelines have paused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// Nothing.
    #[default]
    None,
    /// The controller is killed (SIGKILL) and a new one started.
    ControllerRestart,
    /// Two replicas elect a leader; the leader is killed and the other takes over.
    LeaderKilled,
    /// The API server stops and starts again on the same etcd data.
    ApiserverRestart,
}

/// One lifecycle change of every pipeline, measured.
#[derive(Clone, Debug)]
pub struct Phase {
    /// The change.
    pub goal: Goal,
    /// From the first request to the last pipeline settled.
    pub wall: Duration,
    /// Request to status written, per pipeline: p50 and p99.
    pub to_written: (Duration, Duration),
    /// Request to settled, per pipeline: p50 and p99.
    pub to_settled: (Duration, Duration),
    /// The controller's requests in this change's window, by kind (`PATCH pipelines/status`).
    pub requests: BTreeMap<String, u64>,
    /// How many of them the server turned away with 429 (its priority and fairness
    /// limits), to be sent again.
    pub rejected: u64,
    /// The controller's usage at the change's end.
    pub usage: Usage,
}

/// The minimal client's run of the pause's ideal writes ([`limit`]).
#[derive(Clone, Debug)]
pub struct Limit {
    /// From its first write to its last.
    pub wall: Duration,
    /// Its requests, by kind, from the audit log.
    pub requests: BTreeMap<String, u64>,
}

/// Whether anything was lost.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// Per change, the pipelines that did not settle in time.
    pub unsettled: Vec<(Goal, Vec<String>)>,
    /// Pipelines with a vertex paused before one of their sources.
    pub out_of_order: Vec<String>,
    /// Pipelines paused without `drainedOnPause`, though the daemon reported drained.
    pub not_drained: Vec<String>,
    /// Transitions reported more than once within one change: `change: regarding: note
    /// (times)`.
    pub duplicate_events: Vec<String>,
    /// GET and LIST requests of the controller after it started that no watch made
    /// ([`audit::outside_watches`]), Leases apart: `VERB resource` and how many.
    pub reads: BTreeMap<String, u64>,
    /// How far the pause had got when the fault struck: pipelines settled of all.
    pub fault_at: Option<(usize, usize)>,
    /// Controllers that exited on their own (a replica that lost its Lease stops), each
    /// started again in its place as its Deployment would: `identity (status)`. Not a
    /// failed check.
    pub exited: Vec<String>,
}

impl Checks {
    /// Every check holds.
    pub fn passed(&self) -> bool {
        self.unsettled.iter().all(|(_, u)| u.is_empty())
            && self.out_of_order.is_empty()
            && self.not_drained.is_empty()
            && self.duplicate_events.is_empty()
            && self.reads.is_empty()
    }
}

/// A whole run.
#[derive(Clone, Debug)]
pub struct Report {
    /// How it was made.
    pub config: Config,
    /// Each change, in order.
    pub phases: Vec<Phase>,
    /// The minimal client's pause, when asked for.
    pub limit: Option<Limit>,
    /// The Lease requests of the controllers, by kind, over the whole run.
    pub leases: BTreeMap<String, u64>,
    /// The controllers' peak RSS and CPU time over the whole run (all replicas).
    pub usage: Usage,
    /// Whether anything was lost.
    pub checks: Checks,
}

/// What went wrong setting up or driving a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server did not start or restart.
    #[error("the API server: {0}")]
    Server(String),
    /// A request of the driver's was refused.
    #[error("{what}: {source}")]
    Request {
        /// What the driver was doing.
        what: String,
        /// What the client said.
        #[source]
        source: kube::Error,
    },
    /// Anything else: kubectl, the controller process, the audit log, files.
    #[error("{0}")]
    Other(String),
}
