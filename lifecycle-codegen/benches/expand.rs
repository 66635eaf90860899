//! Expansion time of `#[derive(Lifecycle)]` on generated machines of 8, 64 and 256 states,
//! beside serde's attribute pass (`serde_derive_internals`) and syn's parse of the same
//! enum. See `BENCHMARKS.md` for what each figure does and does not compare.
//!
//! The expansion is `lifecycle_codegen::derive_tokens`, the function the proc-macro calls:
//! it parses the enum's tokens with syn first, which `syn_parse` measures alone.

mod common;

use std::hint::black_box;

use common::{ACTIONS, ROLES, machine_tokens};
use criterion::{Criterion, criterion_group, criterion_main};
use proc_macro2::Span;
use serde_derive_internals::{Ctxt as SerdeCtxt, Derive, ast::Container};
use syn::{DeriveInput, Ident};

/// The machine sizes measured.
const SIZES: [usize; 3] = [8, 64, 256];

/// What serde's derive does before it generates code: the container, variant and field
/// attributes parsed and checked, for `Serialize` and then for `Deserialize`.
fn serde_attribute_pass(input: &DeriveInput, private: &Ident) -> usize {
    let mut variants = 0;
    for derive in [Derive::Serialize, Derive::Deserialize] {
        let cx = SerdeCtxt::new();
        if let Some(container) = Container::from_ast(&cx, input, derive, private)
            && let serde_derive_internals::ast::Data::Enum(list) = &container.data
        {
            variants += list.len();
        }
        cx.check().expect("serde accepts the benchmark enum");
    }
    variants
}

fn bench_expand(c: &mut Criterion) {
    let private = Ident::new("__private", Span::call_site());
    for states in SIZES {
        let tokens = machine_tokens(states);
        let input: DeriveInput = syn::parse2(tokens.clone()).expect("the benchmark enum parses");
        let output = lifecycle_codegen::derive_tokens(tokens.clone());
        let text = output.to_string();
        assert!(
            !text.contains("compile_error"),
            "the {states}-state machine must expand without errors"
        );
        eprintln!(
            "expand/{states}: {} events, {states} states x {ROLES} roles, {ACTIONS} actions; \
             output {} token trees, {} bytes",
            4 * states,
            output.into_iter().count(),
            text.len()
        );

        let mut group = c.benchmark_group(format!("expand_{states}"));
        if states >= 256 {
            group.sample_size(20);
        }
        group.bench_function("lifecycle", |b| {
            b.iter(|| lifecycle_codegen::derive_tokens(black_box(tokens.clone())))
        });
        group.bench_function("serde_attribute_pass", |b| {
            b.iter(|| serde_attribute_pass(black_box(&input), &private))
        });
        group.bench_function("syn_parse", |b| {
            b.iter(|| syn::parse2::<DeriveInput>(black_box(tokens.clone())))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench_expand
}
criterion_main!(benches);
