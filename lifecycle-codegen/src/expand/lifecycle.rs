//! The runtime twin: `impl Lifecycle` for the phase enum, and the one table of names and
//! indices that it, the event and action enums and the runtime `Machine` read from.

use lifecycle_machine::bits;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{enum_name, names, role_type, state_path, unreachable};
use crate::model::Model;

/// The `Lifecycle` impl, with the table as its hidden constant, and the names of the
/// event and action enums. Bodies reach the table only through generic functions of
/// `__private`: one that named it would have `cargo check` evaluate it.
pub(super) fn lifecycle_impl(model: &Model) -> TokenStream {
    let name_impls = names::impls(model);
    let krate = &model.krate;
    let ident = &model.ident;
    let role_ty = role_type(model);
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let rows = machine_table(model);
    let consts = consts(model);
    let methods = match model.stub {
        true => stub_methods(model),
        false => methods(model),
    };
    quote! {
        #[automatically_derived]
        impl #krate::__private::Lifecycle for #ident {
            type Role = #role_ty;
            type Event = #event_enum;
            type Action = #action_enum;
            const __TABLE: &'static #krate::__private::MachineTable = &#rows;
            #consts
            #methods
        }
        #name_impls
    }
}

/// The associated constants the trait does not read off the table.
fn consts(model: &Model) -> TokenStream {
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let paths = |states: &[usize]| -> Vec<TokenStream> {
        match model.stub {
            true => Vec::new(),
            false => states.iter().map(|&i| state_path(model, i)).collect(),
        }
    };
    let all = paths(&(0..model.variants.len()).collect::<Vec<_>>());
    let initial = paths(&model.machine.initial);
    let terminal = paths(&model.machine.terminal);
    let events = model.events.iter().map(|e| &e.variant);
    let actions = model.actions.iter().map(|a| &a.variant);
    quote! {
        const STATES: &'static [Self] = &[#(#all),*];
        const INITIAL: &'static [Self] = &[#(#initial),*];
        const TERMINAL: &'static [Self] = &[#(#terminal),*];
        const EVENTS: &'static [#event_enum] = &[#(#event_enum::#events),*];
        const ACTIONS: &'static [#action_enum] = &[#(#action_enum::#actions),*];
    }
}

fn methods(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let role_ty = role_type(model);
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let all: Vec<TokenStream> = (0..model.variants.len())
        .map(|i| state_path(model, i))
        .collect();
    let indices = ints(&(0..model.variants.len()).collect::<Vec<_>>());
    // A fieldless enum's values are its indices, unless a variant sets its discriminant.
    let index = match model.discriminants {
        true => quote!(match self { #(#all => #indices,)* }),
        false => quote!(self as ::core::primitive::usize),
    };
    let on = match model.events.is_empty() {
        true => quote!(match __event {}),
        false => quote!(#krate::__private::on(self, __event, __event as ::core::primitive::usize)),
    };
    let allows_body = match model.actions.is_empty() {
        true => quote!(#krate::__private::NoAction::unreachable(__action)),
        false => {
            let allows_arms = allows_arms(model);
            quote!(match __action { #allows_arms })
        }
    };
    quote! {
        #[inline]
        fn index(self) -> ::core::primitive::usize {
            #index
        }
        #[inline]
        fn on(self, __event: #event_enum) -> ::core::result::Result<Self, #krate::__private::LifecycleError> {
            #on
        }
        #[inline]
        fn allows(self, __role: #role_ty, __action: #action_enum) -> ::core::primitive::bool {
            let _ = __role;
            #allows_body
        }
    }
}

/// For each action: the states (and roles) it is allowed in.
fn allows_arms(model: &Model) -> TokenStream {
    let action_enum = enum_name(model, "Action");
    let arms = model.machine.actions.iter().zip(&model.actions).map(|(a, named)| {
        let variant = &named.variant;
        let states = a.states.iter().map(|&s| state_path(model, s));
        let allowed = quote!(::core::matches!(self, #(#states)|*));
        match &model.roles {
            Some(axis) => {
                let ty = &axis.ty;
                let roles = a.roles.iter().map(|&r| &axis.names[r]);
                quote!(#action_enum::#variant => #allowed && ::core::matches!(__role, #(#ty::#roles)|*),)
            }
            None => quote!(#action_enum::#variant => #allowed,),
        }
    });
    quote!(#(#arms)*)
}

/// The stub's methods: they never run.
fn stub_methods(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let role_ty = role_type(model);
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let body = unreachable();
    quote! {
        fn index(self) -> ::core::primitive::usize { #body }
        fn on(self, _: #event_enum) -> ::core::result::Result<Self, #krate::__private::LifecycleError> { #body }
        fn allows(self, _: #role_ty, _: #action_enum) -> ::core::primitive::bool { #body }
    }
}

/// The named-field table the runtime's `Machine` is built from.
fn machine_table(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let m = &model.machine;
    let name = &m.name;
    let states = &m.states;
    let (initial, terminal) = (ints(&m.initial), ints(&m.terminal));
    let enforce_initial = m.enforce_initial;
    let (ready, reconciling) = (ints(&m.ready), ints(&m.reconciling));
    let (stalled, suspended) = (ints(&m.stalled), ints(&m.suspended));
    let retired = ints(&m.retired);
    let aliases = m.aliases.iter().map(|(old, state)| {
        let state = Literal::usize_unsuffixed(*state);
        quote!((#old, #state))
    });
    let option = |value: Option<TokenStream>| match value {
        Some(v) => quote!(__Some(#v)),
        None => quote!(__None),
    };
    let default_state = option(m.default_state.map(|d| {
        let d = Literal::usize_unsuffixed(d);
        quote!(#d)
    }));
    let str_option = |s: &Option<String>| option(s.as_ref().map(|s| quote!(#s)));
    let private = quote!(#krate::__private);
    // Rows by short local names, `Option`'s variants too: a 64-state machine has
    // hundreds of rows.
    let events = m.events.iter().map(|e| {
        let (n, from, to) = (&e.name, ints(&e.from), Literal::usize_unsuffixed(e.to));
        let verb = str_option(&e.verb);
        quote!(__Event { name: #n, from: &[#(#from),*], to: #to, verb: #verb })
    });
    let roles = m.roles.iter().map(|r| {
        let (n, cel) = (&r.name, str_option(&r.cel));
        quote!(__Role { name: #n, cel: #cel })
    });
    let actions = m.actions.iter().map(|a| {
        let (n, states, roles, field) = (
            &a.name,
            ints(&a.states),
            ints(&a.roles),
            str_option(&a.field),
        );
        quote!(__Action { name: #n, states: &[#(#states),*], roles: &[#(#roles),*], field: #field })
    });
    let phase_field = str_option(&m.phase_field);
    let ident = &model.ident;
    let words = bits::words(m.states.len());
    let moves = bits(
        words,
        m.successors().iter().map(|targets| targets.as_slice()),
    );
    let fires = bits(words, m.events.iter().map(|e| e.from.as_slice()));
    quote! {{
        use #private::{ActionRow as __Action, EventRow as __Event, RoleRow as __Role};
        use ::core::option::Option::{None as __None, Some as __Some};
        #private::MachineTable {
            name: #name,
            states: &[#(#states),*],
            initial: &[#(#initial),*],
            enforce_initial: #enforce_initial,
            terminal: &[#(#terminal),*],
            default_state: #default_state,
            events: &[#(#events),*],
            roles: &[#(#roles),*],
            actions: &[#(#actions),*],
            phase_field: #phase_field,
            ready: &[#(#ready),*],
            reconciling: &[#(#reconciling),*],
            stalled: &[#(#stalled),*],
            suspended: &[#(#suspended),*],
            aliases: &[#(#aliases),*],
            retired: &[#(#retired),*],
            mermaid: #ident::MERMAID,
            dot: #ident::DOT,
            moves: &[#(#moves),*],
            fires: &[#(#fires),*],
        }
    }}
}

/// Indices as unsuffixed literals: `0, 1` rather than `0usize, 1usize`.
fn ints(values: &[usize]) -> Vec<Literal> {
    values
        .iter()
        .map(|&v| Literal::usize_unsuffixed(v))
        .collect()
}

/// [`bits::rows`] as unsuffixed literals.
fn bits<'a>(words: usize, sets: impl Iterator<Item = &'a [usize]>) -> Vec<Literal> {
    bits::rows(words, sets)
        .into_iter()
        .map(Literal::u64_unsuffixed)
        .collect()
}
