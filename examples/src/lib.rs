//! Worked examples of `lifecycle-model`.
//!
//! Cargo features:
//!
//! - `runtime` (default): the kube client and runtime glue, `numaflow::cluster`, and the
//!   `numaflow-controller` binary.
//! - `sim` (default): the deterministic simulation, `numaflow::sim`, which the `demo`
//!   binary and the simulation tests drive.
//! - `cli` (enabled by `runtime`): argument parsing and log output for the binaries.
//!
//! Without features, the crate is the pure model: CRDs, planning and reconcile functions.
#[cfg(feature = "cli")]
pub mod cli;
pub mod numaflow;
