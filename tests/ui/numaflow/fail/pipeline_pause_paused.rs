// a paused pipeline cannot pause again.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Paused>) {
    let _ = p.pause();
}

fn main() {
    let _ = f;
}
