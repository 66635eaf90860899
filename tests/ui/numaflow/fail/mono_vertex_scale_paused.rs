// a paused MonoVertex cannot scale: its pods stay at zero until it resumes.
use lifecycle_examples::numaflow::monovertex::*;
use lifecycle_model::Typed;

fn main() {
    let m = MonoVertex::new("m", MonoVertexSpec::default());
    let running: Typed<MonoVertex, mono_vertex_phase::Running> = Typed::try_new(m).unwrap();
    let mut paused = running.pause();
    paused.scale(3);
}
