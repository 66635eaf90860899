//! The NumaFlow Pipeline controller's planning, `lifecycle_examples::numaflow::plan::plan`,
//! on pipelines of 10, 100 and 1,000 vertices: a pause and a resume driven to convergence
//! with `plan::apply`, and a steady-state reconcile.
//!
//! Before timing, it prints the patches each lifecycle change sends and checks the
//! amplification (patches to vertices / vertices whose desired phase changes) is 1.0 and a
//! steady-state reconcile sends nothing; it panics otherwise. Criterion times `plan` alone:
//! `apply` stands in for the API server.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use lifecycle_examples::numaflow::pipeline::{
    DesiredPhase, Pipeline, PipelineLifecycle, PipelinePhase, PipelineStatus,
};
use lifecycle_examples::numaflow::plan::{self, Observations};
use lifecycle_examples::numaflow::vertex::{Vertex, VertexPhase};
use lifecycle_examples::numaflow::write;
use serde_json::json;

/// Pipeline sizes, in vertices.
const SIZES: [usize; 3] = [10, 100, 1_000];
/// A pause or a resume that has not converged after this many reconciles is a bug.
const MAX_RECONCILES: usize = 10;

/// A running pipeline of `vertices` vertices, `in -> v1 -> ... -> out`: one source, one
/// sink, maps and keyed reduces in between; and its vertex objects, all running.
fn running_pipeline(vertices: usize) -> (Pipeline, Vec<Vertex>) {
    let name = |i: usize| match i {
        0 => "in".to_owned(),
        i if i + 1 == vertices => "out".to_owned(),
        i => format!("v{i}"),
    };
    let declared: Vec<_> = (0..vertices)
        .map(|i| match i {
            0 => json!({ "name": name(i), "source": { "generator": { "rpu": 5 } } }),
            i if i + 1 == vertices => json!({ "name": name(i), "sink": { "log": {} } }),
            i if i % 2 == 0 => json!({ "name": name(i), "udf": { "builtin": { "name": "cat" } } }),
            i => {
                json!({ "name": name(i), "udf": { "groupBy": { "keyed": true } }, "partitions": 2 })
            }
        })
        .collect();
    let edges: Vec<_> = (1..vertices)
        .map(|i| json!({ "from": name(i - 1), "to": name(i) }))
        .collect();
    let mut pipeline: Pipeline = serde_json::from_value(json!({
        "apiVersion": "numaflow.numaproj.io/v1alpha1",
        "kind": "Pipeline",
        "metadata": { "name": "bench", "namespace": "default" },
        "spec": { "vertices": declared, "edges": edges },
    }))
    .expect("a pipeline");
    pipeline.status = Some(PipelineStatus {
        phase: Some(PipelinePhase::Running),
        ..PipelineStatus::default()
    });
    let objects = pipeline
        .spec
        .vertices
        .iter()
        .map(|declared| {
            let mut vertex = Vertex::new(
                &format!("bench-{}", declared.name),
                pipeline.vertex_spec(declared),
            );
            vertex.metadata.namespace = Some("default".to_owned());
            vertex
        })
        .collect();
    (pipeline, objects)
}

fn set_desired(pipeline: &mut Pipeline, desired: DesiredPhase) {
    pipeline
        .spec
        .lifecycle
        .get_or_insert_with(PipelineLifecycle::default)
        .desired_phase = Some(desired);
}

/// One lifecycle change driven to convergence.
struct Convergence {
    /// The world before each reconcile that sent something, for timing `plan` on it.
    steps: Vec<(Pipeline, Vec<Vertex>)>,
    vertex_patches: usize,
    other_patches: usize,
    /// Vertices whose desired phase differs between the start and the end.
    changed: usize,
}

fn converge(
    pipeline: &mut Pipeline,
    vertices: &mut [Vertex],
    observed: &Observations,
) -> Convergence {
    let before: Vec<VertexPhase> = vertices.iter().map(|v| v.spec.desired_phase()).collect();
    let mut run = Convergence {
        steps: Vec::new(),
        vertex_patches: 0,
        other_patches: 0,
        changed: 0,
    };
    for _ in 0..MAX_RECONCILES {
        let patches = write::patches(&plan::plan(pipeline, vertices, observed));
        if patches.is_empty() {
            run.changed = vertices
                .iter()
                .zip(&before)
                .filter(|&(v, &b)| v.spec.desired_phase() != b)
                .count();
            return run;
        }
        run.steps.push((pipeline.clone(), vertices.to_vec()));
        let to_vertices = patches.iter().filter(|p| p.target.is::<Vertex>()).count();
        run.vertex_patches += to_vertices;
        run.other_patches += patches.len() - to_vertices;
        plan::apply(pipeline, vertices, &patches);
    }
    panic!("no convergence after {MAX_RECONCILES} reconciles");
}

fn report(size: usize, change: &str, run: &Convergence) {
    let amplification = run.vertex_patches as f64 / run.changed as f64;
    eprintln!(
        "controller/{size}: {change:<6} {} reconciles, {} vertex patches for {} vertices \
         changed (amplification {amplification:.2}), {} pipeline patches",
        run.steps.len(),
        run.vertex_patches,
        run.changed,
        run.other_patches
    );
    assert_eq!(run.changed, size, "every vertex changes its desired phase");
    assert_eq!(
        run.vertex_patches, run.changed,
        "one patch per changed vertex"
    );
}

fn bench_controller(c: &mut Criterion) {
    let observed = Observations::drained_at(Timestamp::UNIX_EPOCH);
    for size in SIZES {
        let (mut pipeline, mut vertices) = running_pipeline(size);
        assert!(
            plan::plan(&pipeline, &vertices, &observed).is_empty(),
            "a new running pipeline needs nothing"
        );

        set_desired(&mut pipeline, DesiredPhase::Paused);
        let pause = converge(&mut pipeline, &mut vertices, &observed);
        report(size, "pause", &pause);
        let paused = (pipeline.clone(), vertices.clone());

        set_desired(&mut pipeline, DesiredPhase::Running);
        let resume = converge(&mut pipeline, &mut vertices, &observed);
        report(size, "resume", &resume);

        let steady = plan::plan(&pipeline, &vertices, &observed).len()
            + plan::plan(&paused.0, &paused.1, &observed).len();
        eprintln!("controller/{size}: steady-state patches (running and paused): {steady}");
        assert_eq!(steady, 0, "a converged pipeline needs nothing");

        let mut group = c.benchmark_group(format!("controller_{size}"));
        if size >= 1_000 {
            group.sample_size(30);
        }
        for (change, run) in [("pause", &pause), ("resume", &resume)] {
            group.bench_function(change, |b| {
                b.iter(|| {
                    for (p, v) in &run.steps {
                        black_box(plan::plan(black_box(p), black_box(v), &observed));
                    }
                })
            });
        }
        group.bench_function("steady_running", |b| {
            b.iter(|| plan::plan(black_box(&pipeline), black_box(&vertices), &observed))
        });
        group.bench_function("steady_paused", |b| {
            b.iter(|| plan::plan(black_box(&paused.0), black_box(&paused.1), &observed))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench_controller
}
criterion_main!(benches);
