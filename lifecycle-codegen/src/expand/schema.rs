//! What the phase shows to the outside: its `JsonSchema` with the CEL transition rule,
//! and the diagrams as inherent constants, drawn as a picture in rustdoc.

use proc_macro2::TokenStream;
use quote::quote;

use base64::Engine as _;
use lifecycle_machine::PICTURE_ARROWS;
use syn::DeriveInput;

use crate::ctxt::Ctxt;
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

/// `MERMAID` and `DOT` on the enum itself; the `Lifecycle` constants read these. Under
/// rustdoc alone, the `diagram_doc` attribute draws the machine into the doc of the
/// block, from the enum's tokens, `declared`: `cargo check` and `cargo build` pass them
/// on, and never lay the machine out.
pub(super) fn diagrams(model: &Model, declared: &TokenStream) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let mermaid = model.machine.mermaid();
    let dot = model.machine.dot();
    // The constant's value shows beside it in rustdoc, and the block's doc draws it:
    // the text is not repeated in the doc.
    let mermaid_doc = "The lifecycle as a Mermaid `stateDiagram-v2`, to paste where Mermaid draws.";
    let dot_doc = "The lifecycle as a Graphviz digraph, the same graph as [`Self::MERMAID`].";
    // A machine too large to lay out quickly gets its doc here, and nothing to expand.
    let picture = match undrawn_doc(model) {
        Some(doc) => quote!(#[doc = #doc]),
        None => quote!(#[cfg_attr(doc, #krate::__private::diagram_doc(#declared))]),
    };
    quote! {
        #[automatically_derived]
        #picture
        impl #ident {
            #[doc = #mermaid_doc]
            pub const MERMAID: &'static ::core::primitive::str = #mermaid;
            #[doc = #dot_doc]
            pub const DOT: &'static ::core::primitive::str = #dot;
        }
    }
}

/// The declaration as the machine reads it: the `lifecycle`, `serde` and `default`
/// attributes of the enum and its variants; docs and other attributes stay behind.
fn declaration(input: &DeriveInput) -> DeriveInput {
    let mut declared = input.clone();
    let machine_attr = |a: &syn::Attribute| {
        ["lifecycle", "serde", "default"]
            .iter()
            .any(|n| a.path().is_ident(n))
    };
    declared.attrs.retain(machine_attr);
    if let syn::Data::Enum(data) = &mut declared.data {
        for variant in &mut data.variants {
            variant.attrs.retain(machine_attr);
        }
    }
    declared
}

/// The `diagram_doc` attribute: `args` is the enum the derive saw and `item` the block
/// of diagram constants. Puts the machine, drawn as an SVG picture, in the block's doc,
/// which rustdoc shows on the enum's page. The picture is an `<img>` with a `data:` URL,
/// so the page shows it with no network and no script.
pub fn diagram_doc(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(args) {
        Ok(input) => declaration(&input),
        Err(e) => {
            let error = e.to_compile_error();
            return quote!(#error #item);
        }
    };
    let mut cx = Ctxt::default();
    let model = crate::model::build(&input, &mut cx);
    let model = match model {
        Some(model) if !cx.has_errors() => model,
        // The derive reports the same errors and emits no attribute; reached only when
        // the attribute is written by hand.
        _ => {
            let errors = cx.into_compile_errors();
            return quote!(#errors #item);
        }
    };
    let doc = undrawn_doc(&model).unwrap_or_else(|| {
        // A layout that fails costs the page its picture, never the documentation build.
        std::panic::catch_unwind(|| picture_doc(&model)).unwrap_or_else(|_| {
            format!(
                "The lifecycle of `{}`: see [`Self::MERMAID`] and [`Self::DOT`].",
                model.ident
            )
        })
    });
    quote! {
        #[doc = #doc]
        #item
    }
}

/// The doc of a machine with more arrows than the docs lay out, or `None` when the docs
/// draw it.
fn undrawn_doc(model: &Model) -> Option<String> {
    let arrows = model.machine.arrows();
    (arrows > PICTURE_ARROWS).then(|| {
        format!(
            "The lifecycle of `{}` has {arrows} arrows to draw, more than the docs lay out \
             ({PICTURE_ARROWS}, so that `cargo doc` stays fast): [`Self::DOT`] holds the \
             graph for Graphviz, and [`Self::MERMAID`] the same as a Mermaid diagram.",
            model.ident,
        )
    })
}

/// The doc that shows the picture, and says how to read it.
fn picture_doc(model: &Model) -> String {
    let machine = &model.machine;
    let svg = base64::engine::general_purpose::STANDARD.encode(machine.svg());
    let mut legend = String::from(
        "Each box is a state and each arrow a move, labelled with the events that make it; \
         a dot points at each state an object may start in",
    );
    if !machine.terminal.is_empty() {
        legend.push_str(", a double circle is a state no event leaves");
    }
    if !machine.ready.is_empty() {
        legend.push_str(", green states are `Ready`");
    }
    if !machine.stalled.is_empty() {
        legend.push_str(", red states are `Stalled`");
    }
    if !machine.suspended.is_empty() {
        legend.push_str(", lavender states are `Suspended` (and `Ready`)");
    }
    if !machine.actions.is_empty() {
        legend.push_str("; the table lists where each action is allowed");
    }
    format!(
        "The lifecycle of `{name}`, drawn from its declaration. {legend}. \
         [`Self::MERMAID`] and [`Self::DOT`] hold the same graph as text.\n\n\
         <img alt=\"The {name} state diagram\" src=\"data:image/svg+xml;base64,{svg}\">",
        name = model.ident,
    )
}
