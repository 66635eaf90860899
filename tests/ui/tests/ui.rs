//! The trybuild UI suite: declarations the derive must reject, and every legal form it accepts.

/// Every case under `fail/` fails to compile with exactly its `.stderr`.
// Compiler messages change between releases: bump this one marker with the toolchain.
#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files are pinned to rustc 1.95"
)]
#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("fail/*.rs");
    // Illegal NumaFlow moves, written against the contract paths.
    cases.compile_fail("numaflow/fail/*.rs");
}

/// Every case under `pass/` compiles and its `main` runs without panicking.
#[test]
fn compile_pass() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.pass("numaflow/pass/*.rs");
}
