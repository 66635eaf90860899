//! Worked examples of `lifecycle-model`.
pub mod numaflow;
