// only a failed pipeline recovers.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Running>) {
    let _ = p.recover();
}

fn main() {
    let _ = f;
}
