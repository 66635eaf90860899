//! The event and action enums: fieldless, one variant per declared name, displayed as
//! that name and parsed from it.

use proc_macro2::TokenStream;
use quote::quote;

use super::markers::action_roles_note;
use super::{enum_name, names, pascal_variant, unreachable};
use crate::model::{Model, Named};

/// The enum definitions.
pub(super) fn enums(model: &Model) -> TokenStream {
    let vis = &model.vis;
    let ident = &model.ident;
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let event_variants = model.events.iter().map(|e| pascal_variant(&e.ident));
    let action_variants = model.actions.iter().map(|a| pascal_variant(&a.ident));
    let event_docs = model.events.iter().map(|e| event_doc(model, e));
    let action_docs = model.actions.iter().map(|a| action_doc(model, a));
    let event_doc = format!("The events of [`{ident}`], as values.");
    let action_doc = format!("The actions of [`{ident}`], as values.");
    quote! {
        #[doc = #event_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis enum #event_enum {
            #( #[doc = #event_docs] #event_variants, )*
        }

        #[doc = #action_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis enum #action_enum {
            #( #[doc = #action_docs] #action_variants, )*
        }
    }
}

fn event_doc(model: &Model, event: &Named) -> String {
    match model.event_spec(event) {
        Some(spec) => format!(
            "`{}`: {} -> {}.",
            spec.name,
            names(model, &spec.from).replace(", ", " | "),
            model.machine.states[spec.to]
        ),
        None => format!("`{}`.", event.ident),
    }
}

fn action_doc(model: &Model, action: &Named) -> String {
    match (model.action_spec(action), action.resolved, &model.roles) {
        (Some(_), Some(index), Some(axis)) => format!("{}.", action_roles_note(model, axis, index)),
        (Some(spec), _, None) => format!(
            "`{}` is allowed in: {}.",
            spec.name,
            names(model, &spec.states)
        ),
        _ => format!("`{}`.", action.ident),
    }
}

/// `Named`, `Display` and `FromStr` for both enums, reading names from `table` (the
/// generated `MachineTable` in scope).
pub(super) fn impls(model: &Model, table: &TokenStream) -> TokenStream {
    let events = name_impls(model, "Event", table, quote!(parse_event), quote!(EVENTS));
    let actions = name_impls(
        model,
        "Action",
        table,
        quote!(parse_action),
        quote!(ACTIONS),
    );
    quote!(#events #actions)
}

fn name_impls(
    model: &Model,
    suffix: &str,
    table: &TokenStream,
    parse: TokenStream,
    all: TokenStream,
) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let ty = enum_name(model, suffix);
    let rows = match suffix {
        "Event" => quote!(events),
        _ => quote!(actions),
    };
    let empty = match suffix {
        "Event" => model.events.is_empty(),
        _ => model.actions.is_empty(),
    };
    let (name, from_str) = match (model.stub, empty) {
        (true, _) => (unreachable(), unreachable()),
        // Uninhabited: no value to name, and no name parses.
        (false, true) => (
            quote!(match self {}),
            quote!(#table.#parse(__name, <#ident as #krate::__private::Lifecycle>::#all)),
        ),
        (false, false) => (
            quote!(#table.#rows[self as ::core::primitive::usize].name),
            quote!(#table.#parse(__name, <#ident as #krate::__private::Lifecycle>::#all)),
        ),
    };
    quote! {
        #[automatically_derived]
        impl #krate::__private::Named for #ty {
            #[inline]
            fn name(self) -> &'static ::core::primitive::str {
                #name
            }
        }
        #[automatically_derived]
        impl ::core::fmt::Display for #ty {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.write_str(#krate::__private::Named::name(*self))
            }
        }
        #[automatically_derived]
        impl ::core::str::FromStr for #ty {
            type Err = #krate::__private::LifecycleError;
            fn from_str(__name: &::core::primitive::str) -> ::core::result::Result<Self, Self::Err> {
                #from_str
            }
        }
    }
}
