//! What the phase shows to the outside: its `JsonSchema` with the CEL transition rule,
//! and the diagrams as inherent constants whose rustdoc draws the Mermaid one.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

/// `impl JsonSchema`, when `#[lifecycle(schema)]` asks for it.
pub(super) fn schema_impl(model: &Model) -> TokenStream {
    if !model.schema {
        return TokenStream::new();
    }
    let krate = &model.krate;
    let ident = &model.ident;
    let name = ident.to_string();
    quote! {
        #krate::__private::phase_json_schema!(#ident, #name);
    }
}

/// `MERMAID` and `DOT` on the enum itself; the `Lifecycle` constants read these.
pub(super) fn diagrams(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let mermaid = model.machine.mermaid();
    let dot = model.machine.dot();
    let mermaid_doc =
        format!("The lifecycle as a Mermaid state diagram:\n\n```mermaid\n{mermaid}```");
    let dot_doc = "The lifecycle as a Graphviz digraph, the same graph as [`Self::MERMAID`].";
    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc = #mermaid_doc]
            pub const MERMAID: &'static ::core::primitive::str = #mermaid;
            #[doc = #dot_doc]
            pub const DOT: &'static ::core::primitive::str = #dot;
        }
    }
}
