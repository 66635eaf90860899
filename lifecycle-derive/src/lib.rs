//! The `#[derive(Lifecycle)]` macro. Depend on `lifecycle-model`, which re-exports it and
//! documents its attributes in `lifecycle_model::reference`; the expansion itself lives in
//! `lifecycle-codegen`.

/// Derives `lifecycle_model::Lifecycle`; see `lifecycle_model::reference`.
#[proc_macro_derive(Lifecycle, attributes(lifecycle))]
pub fn derive_lifecycle(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    lifecycle_codegen::derive_tokens(input.into()).into()
}

/// Draws the machine of the enum in its arguments into the doc of the item it sits on.
/// The derive puts it, under `cfg_attr(doc, ...)`, on the block of diagram constants;
/// not meant to be written by hand.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn diagram_doc(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    lifecycle_codegen::diagram_doc(args.into(), item.into()).into()
}
