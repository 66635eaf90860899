//! The machine the expansion benches derive, shared by `expand` (time) and `growth`
//! (instructions).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Roles of the machine, whatever its size.
pub(crate) const ROLES: usize = 4;
/// Actions of the machine, whatever its size.
pub(crate) const ACTIONS: usize = 8;

/// The enum `BenchPhase` with `states` states, four events leaving each state (one of them
/// from two states), four roles with CEL predicates and eight field-guarded actions: a
/// valid machine, so the expansion does all of its work and reports no error.
/// `benches/compile-cost.sh` writes the same machine as source. A state's events share one
/// attribute: rustc stops at 128 `#[lifecycle]` attributes on one enum (its recursion limit).
pub(crate) fn machine_tokens(states: usize) -> TokenStream {
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
