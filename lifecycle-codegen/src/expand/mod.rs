//! Generates the typestates, the runtime twin, the bridge and the schema from a
//! [`Model`]. Everything generated reaches the runtime through `<crate>::__private`.
//!
//! One file per thing generated: [`markers`] (state markers and gate traits), [`roles`]
//! (role markers and the `Role` impl), [`names`] (the event and action enums),
//! [`lifecycle`] (the `Lifecycle` impl and its table), [`events`] (event methods on
//! `Typed`), [`bridge`] (runtime value to typed handle) and [`schema`] (the
//! `JsonSchema` impl and the diagram constants).

mod bridge;
mod events;
mod lifecycle;
mod markers;
mod names;
mod roles;
mod schema;

pub use crate::expand::schema::diagram_doc;

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident, Visibility};

use crate::ctxt::Ctxt;
use crate::model::{self, Model, RoleAxis};

/// Expands `#[derive(Lifecycle)]`: every error found, then the generated items. With
/// errors, the items are stubs whose bodies never run: they only keep rustc from adding
/// errors of its own.
pub fn derive(input: &DeriveInput) -> TokenStream {
    expand(input, &quote!(#input))
}

/// [`derive()`] from the enum's tokens, as the proc-macro receives them. The tokens go
/// on, unchanged, to the attribute that draws the diagram: re-emitting them from the
/// syntax tree would cost every `cargo check` a copy of the declaration, token by token.
pub fn derive_tokens(tokens: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(tokens.clone()) {
        Ok(input) => expand(&input, &tokens),
        Err(e) => e.to_compile_error(),
    }
}

/// The expansion of `input`, whose tokens are `declared`.
fn expand(input: &DeriveInput, declared: &TokenStream) -> TokenStream {
    let mut cx = Ctxt::default();
    let generated = model::build(input, &mut cx).map(|model| expand_model(&model, declared));
    let errors = cx.into_compile_errors();
    join([errors, generated.unwrap_or_default()])
}

fn expand_model(model: &Model, declared: &TokenStream) -> TokenStream {
    let markers = markers::markers(model);
    let roles = roles::role_markers(model);
    let names = names::enums(model);
    let lifecycle = lifecycle::lifecycle_impl(model);
    let events = events::events_trait(model);
    let bridge = bridge::bridge(model);
    let schema = schema::schema_impl(model);
    let diagrams = schema::diagrams(model, declared);
    join([
        markers, roles, names, events, bridge, lifecycle, diagrams, schema,
    ])
}

/// Generated pieces, one after the other, moved rather than copied: interpolating token
/// streams in `quote!` copies each of their tokens.
fn join(pieces: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let mut out = TokenStream::new();
    out.extend(pieces);
    out
}

/// `{ pieces }`: a brace group owning the pieces, which `quote!` interpolates as one
/// shared handle.
fn braced(pieces: impl IntoIterator<Item = TokenStream>) -> Group {
    Group::new(Delimiter::Brace, join(pieces))
}

/// The visibility of an item inside a generated module that the enum's own visibility
/// reaches: one level further out than written.
fn inner_vis(vis: &Visibility) -> TokenStream {
    match vis {
        Visibility::Public(_) => quote!(pub),
        Visibility::Inherited => quote!(pub(super)),
        Visibility::Restricted(r) => {
            let path = &r.path;
            let first = path.segments.first().map(|s| s.ident.to_string());
            match first.as_deref() {
                Some("crate") => quote!(#vis),
                Some("self") if path.segments.len() == 1 => quote!(pub(super)),
                _ => quote!(pub(in super::#path)),
            }
        }
    }
}

/// `Enum::Variant` for state `index`.
fn state_path(model: &Model, index: usize) -> TokenStream {
    let ident = &model.ident;
    let variant = &model.variants[index];
    quote!(#ident::#variant)
}

/// `module::Variant`, the marker of state `index`.
fn state_marker(model: &Model, index: usize) -> TokenStream {
    let module = &model.module;
    let variant = &model.variants[index];
    quote!(#module::#variant)
}

/// `role_module::Name`, the marker of role `role`.
fn role_marker(axis: &RoleAxis, role: usize) -> TokenStream {
    let module = &axis.module;
    let name = &axis.names[role];
    quote!(#module::#name)
}

/// The `Role` type of the lifecycle: the role enum, or `NoRole`.
fn role_type(model: &Model) -> TokenStream {
    let krate = &model.krate;
    match &model.roles {
        Some(axis) => {
            let ty = &axis.ty;
            quote!(#ty)
        }
        None => quote!(#krate::__private::NoRole),
    }
}

/// `PhaseEvent` or `PhaseAction`.
fn enum_name(model: &Model, suffix: &str) -> Ident {
    format_ident!("{}{suffix}", model.ident)
}

/// The wire names of `states`, comma-separated.
fn names(model: &Model, states: &[usize]) -> String {
    let names: Vec<&str> = states
        .iter()
        .map(|&s| model.machine.states[s].as_str())
        .collect();
    names.join(", ")
}

/// A body that never runs: the stub's, after errors were reported.
fn unreachable() -> TokenStream {
    quote!(::core::unreachable!())
}
