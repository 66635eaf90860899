//! Expansion time of `#[derive(Lifecycle)]` on generated machines of 8, 64 and 256 states,
//! beside serde's attribute pass (`serde_derive_internals`) and syn's parse of the same
//! enum. See `BENCHMARKS.md` for what each figure does and does not compare.
//!
//! The expansion is `lifecycle_codegen::derive_tokens`, the function the proc-macro calls:
//! it parses the enum's tokens with syn first, which `syn_parse` measures alone.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use serde_derive_internals::{Ctxt as SerdeCtxt, Derive, ast::Container};
use syn::{DeriveInput, Ident};

/// The machine sizes measured.
const SIZES: [usize; 3] = [8, 64, 256];
/// Roles and actions, fixed for every size.
const ROLES: usize = 4;
const ACTIONS: usize = 8;

/// The enum `BenchPhase` with `states` states, four events leaving each state (one of them
/// from two states), four roles with CEL predicates and eight field-guarded actions: a
/// valid machine, so the expansion does all of its work and reports no error.
/// `benches/compile-cost.sh` writes the same machine as source. A state's events share one
/// attribute: rustc stops at 128 `#[lifecycle]` attributes on one enum (its recursion limit).
fn machine_tokens(states: usize) -> TokenStream {
    let state = |i: usize| format_ident!("S{}", i % states);
    let variants = (0..states).map(|i| {
        let variant = state(i);
        match i {
            0 => quote!(#[lifecycle(initial)] #variant),
            _ => quote!(#variant),
        }
    });
    let events = (0..states).map(|i| {
        let name = |kind: &str| format_ident!("s{i}_{kind}");
        let (next, skip, back, jump) = (name("next"), name("skip"), name("back"), name("jump"));
        let (from, plus1, plus2, minus1) =
            (state(i), state(i + 1), state(i + 2), state(i + states - 1));
        let (also, far) = (state(i + 3), state(i + states / 2 + 1));
        quote! {
            #[lifecycle(
                event(#next: #from -> #plus1), event(#skip: #from -> #plus2),
                event(#back: #from -> #minus1), event(#jump: #from | #also -> #far)
            )]
        }
    });
    let roles = (0..ROLES).map(|r| {
        let role = format_ident!("R{r}");
        let cel = format!("self.kind == 'r{r}'");
        quote!(#[lifecycle(role(#role, cel = #cel))])
    });
    let actions = (0..ACTIONS).map(|a| {
        let action = format_ident!("act{a}");
        let in_states = (0..states).filter(|s| s % ACTIONS == a).map(state);
        let first = format_ident!("R{}", a % ROLES);
        let second = format_ident!("R{}", (a + 1) % ROLES);
        let field = format!("spec.field{a}");
        quote! {
            #[lifecycle(action(
                #action, states = #(#in_states)|*, roles = #first | #second, field = #field
            ))]
        }
    });
    let variants: Vec<TokenStream> = variants.collect();
    quote! {
        #[lifecycle(module = bench_phase, roles = BenchRole, role_module = bench_role, schema)]
        #[lifecycle(phase_field = "status.phase")]
        #(#roles)*
        #(#events)*
        #(#actions)*
        #[serde(rename_all = "camelCase")]
        pub enum BenchPhase {
            #(#variants,)*
        }
    }
}

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
