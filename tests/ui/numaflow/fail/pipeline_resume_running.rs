// a running pipeline cannot resume.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Running>) {
    let _ = p.resume();
}

fn main() {
    let _ = f;
}
