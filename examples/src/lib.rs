//! Worked examples of `lifecycle-model`, under the paths the README names.
//!
//! NumaFlow's Pipeline and Vertex are a product of three crates, each in
//! `examples/numaflow`:
//!
//! - `numaflow-model`: the CRDs, their lifecycles, replica decisions and pure planning,
//!   with no kube client; re-exported here as [`numaflow`].
//! - `numaflow-operator`: the controllers against a cluster on lifecycle-model's runtime,
//!   the `numaflow-controller` and `numaflow-crdgen` binaries; its kube glue is
//!   `numaflow::cluster` (feature `crdgen`, on by default).
//! - `numaflow-sim`: the deterministic simulation and the demo, which nothing shipped
//!   depends on.
//!
//! `examples/databases` is a second, smaller operator.

/// NumaFlow's model (`numaflow-model`), and with the default feature `crdgen` its
/// operator's kube glue as `cluster`.
pub mod numaflow {
    pub use numaflow_model::*;
    #[cfg(feature = "crdgen")]
    pub use numaflow_operator as cluster;
}
