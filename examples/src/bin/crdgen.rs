//! `cargo run -q -p lifecycle-examples --bin crdgen`: NumaFlow's `crdgen` under the
//! workspace's example package; the same program as `numaflow-operator`'s, see
//! [`numaflow_operator::crdgen`].

fn main() -> std::process::ExitCode {
    numaflow_operator::crdgen::main()
}
