//! The demo's view: an 80-column table of the pipeline phase, each vertex's phase,
//! replicas and input buffer, and a progress line while a pause drains; the [`story`] on the
//! embedded cluster and its [`timeline`] picture; the same story on a real one
//! ([`cluster`]).

use std::fmt::Write as _;

pub mod cluster;
pub mod story;
pub mod timeline;

use numaflow_model::controller::vertex_object_name;
use numaflow_model::pipeline::{AbstractVertex, Edge, Pipeline};
use numaflow_model::vertex::{Vertex, VertexRole};

/// One vertex's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The vertex's name in the pipeline.
    pub name: String,
    /// Its role.
    pub role: String,
    /// `spec.lifecycle.desiredPhase`.
    pub desired: String,
    /// `spec.replicas`, or `-`.
    pub replicas: String,
    /// `status.desiredReplicas`, or `-`.
    pub target: String,
    /// Pods running.
    pub pods: i32,
    /// Messages waiting in its input buffers.
    pub backlog: u64,
}

/// The rows of a pipeline's vertices, in declaration order.
pub fn rows(
    declared: &[AbstractVertex],
    edges: &[Edge],
    pipeline: &str,
    vertices: &[Vertex],
    pods: impl Fn(&str) -> i32,
    buffers: &[u64],
) -> Vec<Row> {
    declared
        .iter()
        .map(|d| {
            let object = vertex_object_name(pipeline, &d.name);
            let vertex = vertices
                .iter()
                .find(|v| v.metadata.name.as_deref() == Some(object.as_str()));
            let backlog = edges
                .iter()
                .zip(buffers)
                .filter(|(e, _)| e.to == d.name)
                .map(|(_, n)| *n)
                .sum();
            let role = match vertex.and_then(|v| v.spec.role()) {
                Some(VertexRole::Source) => "source",
                Some(VertexRole::Sink) => "sink",
                Some(VertexRole::MapUdf) => "map",
                Some(VertexRole::ReduceUdf) => "reduce",
                None => "-",
            };
            Row {
                name: d.name.clone(),
                role: role.to_owned(),
                desired: vertex.map_or("-".to_owned(), |v| format!("{:?}", v.spec.desired_phase())),
                replicas: vertex
                    .and_then(|v| v.spec.replicas)
                    .map_or("-".to_owned(), |r| r.to_string()),
                target: vertex
                    .and_then(|v| v.status.as_ref())
                    .and_then(|s| s.desired_replicas)
                    .map_or("-".to_owned(), |r| r.to_string()),
                pods: pods(&object),
                backlog,
            }
        })
        .collect()
}

/// The table: a header with the pipeline's phase, then one line per vertex. Every line
/// fits in 80 columns.
pub fn table(title: &str, pipeline: Option<&Pipeline>, rows: &[Row]) -> String {
    let phase = pipeline
        .and_then(Pipeline::phase)
        .map_or("-".to_owned(), |p| format!("{p:?}"));
    let desired = pipeline.map_or("-".to_owned(), |p| format!("{:?}", p.spec.desired_phase()));
    let drained = pipeline
        .and_then(|p| p.status.as_ref())
        .and_then(|s| s.drained_on_pause)
        .map_or(String::new(), |d| format!("  drainedOnPause: {d}"));
    let mut out = String::new();
    let _ = writeln!(out, "{}", clip(&format!("== {title} ")));
    let _ = writeln!(
        out,
        "{}",
        clip(&format!(
            "pipeline phase: {phase:<9} desired: {desired}{drained}"
        ))
    );
    let _ = writeln!(
        out,
        "  {:<12} {:<7} {:<8} {:>8} {:>7} {:>5} {:>8}",
        "vertex", "role", "desired", "replicas", "target", "pods", "backlog"
    );
    for r in rows {
        let line = format!(
            "  {:<12} {:<7} {:<8} {:>8} {:>7} {:>5} {:>8}",
            truncate(&r.name, 12),
            r.role,
            r.desired,
            r.replicas,
            r.target,
            r.pods,
            r.backlog
        );
        let _ = writeln!(out, "{}", clip(&line));
    }
    out
}

/// `draining [#######.............] 42 messages left`, 80 columns at most.
pub fn progress(left: u64, peak: u64) -> String {
    const WIDTH: usize = 30;
    let done = match peak {
        0 => WIDTH,
        _ => ((peak - left.min(peak)) as usize * WIDTH) / peak as usize,
    };
    format!(
        "draining [{}{}] {left} messages left",
        "#".repeat(done),
        ".".repeat(WIDTH - done)
    )
}

fn truncate(s: &str, width: usize) -> String {
    s.chars().take(width).collect()
}

/// Cuts a line to 80 columns.
fn clip(line: &str) -> String {
    let mut line = truncate(line, 80);
    if line.starts_with("== ") {
        while line.chars().count() < 80 {
            line.push('=');
        }
    }
    line
}
