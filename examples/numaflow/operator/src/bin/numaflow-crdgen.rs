//! Prints the NumaFlow Pipeline, Vertex and MonoVertex CRDs as one YAML stream, and with
//! `--controller-service-account` the writer policies and roles beside them; see
//! [`numaflow_operator::crdgen`].

fn main() -> std::process::ExitCode {
    numaflow_operator::crdgen::main()
}
