//! The runtime twin: `impl Lifecycle` for the phase enum, and the one table of names and
//! indices that it, the event and action enums and the runtime `Machine` read from.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{enum_name, names, role_type, state_path, unreachable};
use crate::model::Model;

/// The items that share the table, inside one anonymous `const` block so the table is
/// named nowhere else.
pub(super) fn lifecycle_impl(model: &Model) -> TokenStream {
    let table = quote!(__TABLE);
    let name_impls = names::impls(model, &table);
    let krate = &model.krate;
    let ident = &model.ident;
    let role_ty = role_type(model);
    let event_enum = enum_name(model, "Event");
    let action_enum = enum_name(model, "Action");
    let table_const = (!model.stub).then(|| {
        let rows = machine_table(model);
        quote!(const #table: #krate::__private::MachineTable = #rows;)
    });
    let consts = consts(model);
    let methods = match model.stub {
        true => stub_methods(model),
        false => methods(model, &table),
    };
    quote! {
        const _: () = {
            #table_const
            #[automatically_derived]
            impl #krate::__private::Lifecycle for #ident {
                type Role = #role_ty;
                type Event = #event_enum;
                type Action = #action_enum;
                #consts
                #methods
            }
            #name_impls
        };
    }
}

/// The associated constants. The diagrams are the inherent constants' (see `schema`).
fn consts(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let name = ident.to_string();
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
        const NAME: &'static ::core::primitive::str = #name;
        const STATES: &'static [Self] = &[#(#all),*];
        const INITIAL: &'static [Self] = &[#(#initial),*];
        const TERMINAL: &'static [Self] = &[#(#terminal),*];
        const EVENTS: &'static [#event_enum] = &[#(#event_enum::#events),*];
        const ACTIONS: &'static [#action_enum] = &[#(#action_enum::#actions),*];
        const MERMAID: &'static ::core::primitive::str = #ident::MERMAID;
        const DOT: &'static ::core::primitive::str = #ident::DOT;
    }
}

fn methods(model: &Model, table: &TokenStream) -> TokenStream {
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
    let can_transition = can_transition(model);
    let on_arms = on_arms(model);
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
        fn name(self) -> &'static ::core::primitive::str {
            #table.states[#krate::__private::Lifecycle::index(self)]
        }
        #[inline]
        fn can_transition(__from: Self, __to: Self) -> ::core::primitive::bool {
            #can_transition
        }
        #[inline]
        fn on(self, __event: #event_enum) -> ::core::result::Result<Self, #krate::__private::LifecycleError> {
            let __to = match (__event, self) {
                #on_arms
                #[allow(unreachable_patterns)]
                (__event, __state) => return ::core::result::Result::Err(
                    // The event's sources, as the table's indices.
                    #krate::__private::event_not_allowed(__state, __event, #table.events[__event as ::core::primitive::usize].from)
                ),
            };
            ::core::result::Result::Ok(__to)
        }
        #[inline]
        fn allows(self, __role: #role_ty, __action: #action_enum) -> ::core::primitive::bool {
            let _ = __role;
            #allows_body
        }
        fn machine() -> #krate::__private::Machine {
            #table.machine()
        }
    }
}

/// Every legal (from, to) pair other than staying put, in one `matches!`.
fn can_transition(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let v = &model.variants;
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for (f, targets) in model.machine.successors().into_iter().enumerate() {
        for t in targets {
            from.push(&v[f]);
            to.push(&v[t]);
        }
    }
    if from.is_empty() {
        quote!(__from == __to)
    } else {
        quote!(
            __from == __to || ::core::matches!((__from, __to), #((#ident::#from, #ident::#to))|*)
        )
    }
}

/// For each event: where it leads from its sources. Every other pair falls through to
/// one arm that reads the error off the table.
fn on_arms(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let event_enum = enum_name(model, "Event");
    let v = &model.variants;
    let mut arms = TokenStream::new();
    for (e, named) in model.machine.events.iter().zip(&model.events) {
        let variant = &named.variant;
        let from = e.from.iter().map(|&f| &v[f]);
        let to = &v[e.to];
        // Moved in: a list of arms interpolated would be copied token by token.
        arms.extend(quote!((#event_enum::#variant, #(#ident::#from)|*) => #ident::#to,));
    }
    arms
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
        fn name(self) -> &'static ::core::primitive::str { #body }
        fn can_transition(_: Self, _: Self) -> ::core::primitive::bool { #body }
        fn on(self, _: #event_enum) -> ::core::result::Result<Self, #krate::__private::LifecycleError> { #body }
        fn allows(self, _: #role_ty, _: #action_enum) -> ::core::primitive::bool { #body }
        fn machine() -> #krate::__private::Machine { #body }
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
    let (ready, reconciling, stalled) = (ints(&m.ready), ints(&m.reconciling), ints(&m.stalled));
    let option = |value: Option<TokenStream>| match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let default_state = option(m.default_state.map(|d| {
        let d = Literal::usize_unsuffixed(d);
        quote!(#d)
    }));
    let str_option = |s: &Option<String>| option(s.as_ref().map(|s| quote!(#s)));
    let private = quote!(#krate::__private);
    // Rows by short local names: a 64-state machine has hundreds of them.
    let events = m.events.iter().map(|e| {
        let (n, from, to) = (&e.name, ints(&e.from), Literal::usize_unsuffixed(e.to));
        quote!(__Event { name: #n, from: &[#(#from),*], to: #to })
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
    quote! {{
        use #private::{ActionRow as __Action, EventRow as __Event, RoleRow as __Role};
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
