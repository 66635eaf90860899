//! The `#[derive(Lifecycle)]` macro. Depend on `lifecycle-model`, which re-exports it and
//! documents its attributes in `lifecycle_model::reference`.

mod attr;
mod ctxt;
mod expand;
#[allow(dead_code, unreachable_pub)]
#[path = "../../lifecycle-model/src/machine.rs"]
mod machine;
mod model;
#[cfg(test)]
mod snapshot_tests;

/// Derives `lifecycle_model::Lifecycle`; see `lifecycle_model::reference`.
#[proc_macro_derive(Lifecycle, attributes(lifecycle))]
pub fn derive_lifecycle(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
