//! The Vertex spec's own rules: the replica decision (`desired_replicas`), roles,
//! partitions, scalability, the scale bounds and the spec hash; checked against
//! `numaflow.md` and against NumaFlow upstream's own test cases, re-expressed as rows.

#[path = "../common/mod.rs"]
mod common;
mod hash;
mod roles;
mod rules;
mod upstream;

use common::spec;
use numaflow_model::vertex::{DEFAULT_MAX_REPLICAS, VertexPhase, VertexRole, VertexSpec};
use serde_json::{Value, json};

/// One case of the replica decision: a NumaFlow vertex spec and the replicas it must give.
struct Row {
    case: &'static str,
    spec: Value,
    want: i32,
}

fn check(rows: &[Row]) {
    for row in rows {
        let got = spec(row.spec.clone()).desired_replicas();
        assert_eq!(
            got, row.want,
            "{}: desired_replicas of {} is {got}, want {}",
            row.case, row.spec, row.want
        );
    }
}
