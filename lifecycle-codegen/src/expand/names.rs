//! The event and action enums: fieldless, one variant per declared name, displayed as
//! that name and parsed from it.

use proc_macro2::TokenStream;
use quote::quote;

use super::markers::action_roles_note;
use super::{enum_name, names, unreachable};
use crate::model::{Model, Named};

/// The enum definitions.
pub(super) fn enums(model: &Model) -> TokenStream {
    let vis = &model.vis;
    let ident = &model.ident;
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let event_variants = model.events.iter().map(|e| &e.variant);
    let action_variants = model.actions.iter().map(|a| &a.variant);
    let action_docs = model.actions.iter().map(|a| action_doc(model, a));
    // No doc per variant: the methods of `<Enum>Events` carry each event's moves, and a
    // doc per variant cost a `cargo check` of a 256-event machine 1 % more.
    let event_doc = format!(
        "The events of [`{ident}`], as values. The method of each in `{ident}Events` says where it fires from and leads to."
    );
    let derives = quote!(#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]);
    let actions = match model.actions.is_empty() {
        // No actions: the shared uninhabited type, so nothing is generated to compile.
        true => {
            let krate = &model.krate;
            let doc = format!("The actions of [`{ident}`]: none are declared.");
            quote!(#[doc = #doc] #vis type #action_enum = #krate::__private::NoAction<#ident>;)
        }
        false => {
            let doc = format!("The actions of [`{ident}`], as values.");
            quote! {
                #[doc = #doc]
                #derives
                #vis enum #action_enum {
                    #( #[doc = #action_docs] #action_variants, )*
                }
            }
        }
    };
    quote! {
        #[doc = #event_doc]
        #derives
        #[allow(missing_docs)]
        #vis enum #event_enum {
            #( #event_variants, )*
        }

        #actions
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

/// `Named`, `Display` and `FromStr` for both enums, reading names from the machine's
/// table through generic helpers.
pub(super) fn impls(model: &Model) -> TokenStream {
    let events = NameKind {
        suffix: "Event",
        name: quote!(event_name),
        parse: quote!(parse_event),
        empty: model.events.is_empty(),
    };
    let actions = NameKind {
        suffix: "Action",
        name: quote!(action_name),
        parse: quote!(parse_action),
        empty: model.actions.is_empty(),
    };
    let events = name_impls(model, &events);
    // `NoAction` has its own.
    let actions = (!model.actions.is_empty()).then(|| name_impls(model, &actions));
    quote!(#events #actions)
}

/// What differs between the event enum and the action enum.
struct NameKind {
    /// `Event` or `Action`, after the phase enum's name.
    suffix: &'static str,
    /// The helper naming a value: `event_name` or `action_name`.
    name: TokenStream,
    /// The helper parsing a name: `parse_event` or `parse_action`.
    parse: TokenStream,
    /// Whether none are declared, so the enum is uninhabited.
    empty: bool,
}

fn name_impls(model: &Model, kind: &NameKind) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let ty = enum_name(model, kind.suffix);
    let (name, parse) = (&kind.name, &kind.parse);
    let parsed = quote!(#krate::__private::#parse::<#ident>(__name));
    let (name, from_str) = match (model.stub, kind.empty) {
        (true, _) => (unreachable(), unreachable()),
        // Uninhabited: no value to name, and no name parses.
        (false, true) => (quote!(match self {}), parsed),
        (false, false) => (
            quote!(#krate::__private::#name::<#ident>(self as ::core::primitive::usize)),
            parsed,
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
