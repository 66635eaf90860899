// Running never goes straight to Paused.
use lifecycle_examples::numaflow::pipeline::*;
use lifecycle_model::Typed;

fn f(p: Typed<Pipeline, pipeline_phase::Running>) {
    let _ = p.finish_pause();
}

fn main() {
    let _ = f;
}
