//! Generates the typestates, the runtime twin, the bridge and the schema from a [`Model`].
//! Everything generated reaches the runtime through `<crate>::__private`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{DeriveInput, Ident, LitStr};

use crate::attr::{pascal_case, path_span};
use crate::ctxt::Ctxt;
use crate::model::{self, Model, Outcome, RoleAxis};

/// Expands `#[derive(Lifecycle)]`: the generated items, preceded by every error found.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let outcome = model::build(input, &mut cx);
    let generated = match &outcome {
        Outcome::Model(model) => expand_model(model, cx.has_errors()),
        Outcome::Stub {
            ident,
            variants,
            krate,
        } => stub(ident, &input.vis, variants, krate),
        Outcome::Nothing => TokenStream::new(),
    };
    let errors = cx.has_errors().then(|| cx.into_compile_errors());
    quote! {
        #errors
        #generated
    }
}

/// Items for an enum whose shape is wrong: the marker module and a trait impl whose
/// bodies never run, so that code using them reports no second wave of errors.
fn stub(
    ident: &Ident,
    vis: &syn::Visibility,
    variants: &[Ident],
    krate: &syn::Path,
) -> TokenStream {
    let module = format_ident!("{}", crate::attr::snake_case(&ident.to_string()));
    quote! {
        #[allow(missing_docs, dead_code, unreachable_pub)]
        #vis mod #module {
            #( pub struct #variants; )*
        }
        #[automatically_derived]
        impl #krate::__private::Lifecycle for #ident {
            type Role = #krate::__private::NoRole;
            type Event = #krate::__private::NoRole;
            type Action = #krate::__private::NoRole;
            const NAME: &'static ::core::primitive::str = "";
            const STATES: &'static [Self] = &[];
            const INITIAL: &'static [Self] = &[];
            const TERMINAL: &'static [Self] = &[];
            const EVENTS: &'static [Self::Event] = &[];
            const ACTIONS: &'static [Self::Action] = &[];
            const MERMAID: &'static ::core::primitive::str = "";
            const DOT: &'static ::core::primitive::str = "";
            fn index(self) -> ::core::primitive::usize { ::core::unreachable!() }
            fn name(self) -> &'static ::core::primitive::str { ::core::unreachable!() }
            fn can_transition(_: Self, _: Self) -> ::core::primitive::bool { ::core::unreachable!() }
            fn on(self, _: Self::Event) -> ::core::result::Result<Self, #krate::__private::LifecycleError> { ::core::unreachable!() }
            fn event_name(_: Self::Event) -> &'static ::core::primitive::str { ::core::unreachable!() }
            fn allows(self, _: Self::Role, _: Self::Action) -> ::core::primitive::bool { ::core::unreachable!() }
            fn action_name(_: Self::Action) -> &'static ::core::primitive::str { ::core::unreachable!() }
            fn machine() -> #krate::__private::Machine { ::core::unreachable!() }
        }
    }
}

/// `has_errors`: the expansion goes with errors, so it never runs and must only keep
/// rustc from adding errors of its own.
fn expand_model(model: &Model, has_errors: bool) -> TokenStream {
    let markers = markers(model);
    let role_markers = role_markers(model, has_errors);
    let lifecycle = lifecycle_impl(model);
    let events = events_trait(model);
    let bridge = bridge(model);
    let docs = inherent_docs(model);
    let schema = model.schema.then(|| schema_impl(model));
    quote! {
        #markers
        #role_markers
        #lifecycle
        #events
        #bridge
        #docs
        #schema
    }
}

/// The visibility of an item inside a generated module that the enum's own visibility
/// reaches: one level further out than written.
fn inner_vis(vis: &syn::Visibility) -> TokenStream {
    match vis {
        syn::Visibility::Public(_) => quote!(pub),
        syn::Visibility::Inherited => quote!(pub(super)),
        syn::Visibility::Restricted(r) => {
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

/// `E::Variant` for state `index`.
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

fn role_marker(axis: &RoleAxis, role: usize) -> TokenStream {
    let module = &axis.module;
    let name = &axis.names[role];
    quote!(#module::#name)
}

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

fn gate_trait(name: &Ident) -> Ident {
    format_ident!(
        "Can{}",
        pascal_case(&name.unraw().to_string()),
        span = name.span()
    )
}

/// The variant of the `<Enum>Event` or `<Enum>Action` enum for the event or action `name`.
fn pascal_variant(name: &Ident) -> Ident {
    format_ident!(
        "{}",
        pascal_case(&name.unraw().to_string()),
        span = name.span()
    )
}

fn names(model: &Model, states: &[usize]) -> String {
    let names: Vec<&str> = states
        .iter()
        .map(|&s| model.machine.states[s].as_str())
        .collect();
    names.join(", ")
}

/// The marker module: a zero-sized type per state and a gate trait per event and action.
fn markers(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let module = &model.module;
    let vis = &model.vis;
    let machine = &model.machine;
    let inner = inner_vis(vis);
    let module_doc = format!(
        "Typestate markers of [`{ident}`]: one zero-sized type per state, and a gate trait per event and action."
    );
    let mut items = Vec::new();
    let mut impls = Vec::new();
    for (index, variant) in model.variants.iter().enumerate() {
        let doc = format!(
            "The `{}` state of [`{ident}`](super::{ident}).",
            machine.states[index]
        );
        items.push(quote! {
            #[doc = #doc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash, ::core::default::Default)]
            #inner struct #variant;
        });
        let path = state_path(model, index);
        impls.push(quote! {
            #[automatically_derived]
            impl #krate::__private::Sealed for #module::#variant {}
            #[automatically_derived]
            impl #krate::__private::StateMarker for #module::#variant {
                type Phase = #ident;
                const STATE: #ident = #path;
            }
        });
    }
    for (event, name) in machine.events.iter().zip(&model.events) {
        let gate = gate_trait(name);
        let from = names(model, &event.from);
        let to = &machine.states[event.to];
        let event_name = &event.name;
        let doc = format!("States that `{event_name}` fires from: {from}.");
        let message = format!("`{ident}` cannot `{event_name}` from `{{Self}}`");
        let label = format!("`{event_name}` fires only from {from}");
        let note = format!(
            "declared as `{event_name}: {} -> {to}`",
            from.replace(", ", " | ")
        );
        items.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #inner trait #gate {}
        });
        for &f in &event.from {
            let marker = state_marker(model, f);
            impls.push(quote! {
                #[automatically_derived]
                impl #module::#gate for #marker {}
            });
        }
    }
    for (index, (action, name)) in machine.actions.iter().zip(&model.actions).enumerate() {
        let gate = gate_trait(name);
        let action_name = &action.name;
        let (message, note) = match &model.roles {
            Some(axis) => (
                format!("a `{{R}}` in state `{{Self}}` cannot `{action_name}`"),
                action_roles_note(model, axis, index),
            ),
            None => (
                format!("`{ident}` does not allow `{action_name}` in state `{{Self}}`"),
                format!(
                    "`{action_name}` is allowed in: {}",
                    names(model, &action.states)
                ),
            ),
        };
        let label = format!("`{action_name}` is not allowed here");
        let doc = format!(
            "States (and roles) where `{action_name}` is allowed. Gate your own method on it: `where S: {gate}<R>`."
        );
        items.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #inner trait #gate<R> {}
        });
        for &s in &action.states {
            let marker = state_marker(model, s);
            match &model.roles {
                Some(axis) => {
                    for &r in &action.roles {
                        let role = role_marker(axis, r);
                        impls.push(quote! {
                            #[automatically_derived]
                            impl #module::#gate<#role> for #marker {}
                        });
                    }
                }
                None => impls.push(quote! {
                    #[automatically_derived]
                    impl #module::#gate<#krate::__private::NoRole> for #marker {}
                }),
            }
        }
    }
    quote! {
        #[doc = #module_doc]
        #[allow(unreachable_pub)]
        #vis mod #module {
            #(#items)*
        }
        #(#impls)*
    }
}

/// `Source: in Running; ReduceUdf: never`, for action diagnostics.
fn action_roles_note(model: &Model, axis: &RoleAxis, action: usize) -> String {
    let machine = &model.machine;
    let parts: Vec<String> = axis
        .names
        .iter()
        .enumerate()
        .map(|(r, role)| {
            let states: Vec<usize> = (0..machine.states.len())
                .filter(|&s| machine.allows(s, Some(r), action))
                .collect();
            if states.is_empty() {
                format!("{role}: never")
            } else {
                format!("{role}: in {}", names(model, &states))
            }
        })
        .collect();
    format!(
        "`{}` is allowed for {}",
        machine.actions[action].name,
        parts.join("; ")
    )
}

/// The role marker module and the `Role` impl of the role enum.
fn role_markers(model: &Model, has_errors: bool) -> TokenStream {
    let Some(axis) = &model.roles else {
        return TokenStream::new();
    };
    let krate = &model.krate;
    let vis = &model.vis;
    let ty = &axis.ty;
    let module = &axis.module;
    let ident = &model.ident;
    let names = &axis.names;
    let strings: Vec<&String> = model.machine.roles.iter().map(|r| &r.name).collect();
    let indices = 0..names.len();
    let inner = inner_vis(vis);
    let module_doc = format!("Role markers of [`{ident}`]: one zero-sized type per role.");
    let docs = strings.iter().map(|n| format!("The `{n}` role."));
    // Spanned on the role declarations, so a role enum that does not match them is
    // reported where the roles are declared.
    let variant_paths: Vec<TokenStream> = names
        .iter()
        .map(|n| quote_spanned!(n.span()=> #ty::#n))
        .collect();
    // A role enum with variants no `role(...)` declares fails these matches: say so at
    // `roles = ...`. With errors already reported, a role dropped by a mistake must not.
    let scrutinee = quote_spanned!(path_span(ty)=> self);
    let rest =
        has_errors.then(|| quote!(#[allow(unreachable_patterns)] _ => ::core::unreachable!(),));
    quote! {
        #[doc = #module_doc]
        #[allow(unreachable_pub)]
        #vis mod #module {
            #(
                #[doc = #docs]
                #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash, ::core::default::Default)]
                #inner struct #names;
            )*
        }
        #(
            #[automatically_derived]
            impl #krate::__private::Sealed for #module::#names {}
            #[automatically_derived]
            impl #krate::__private::RoleMarker for #module::#names {
                type Role = #ty;
                const ROLE: #ty = #variant_paths;
            }
        )*
        #[automatically_derived]
        impl #krate::__private::Role for #ty {
            const ROLES: &'static [Self] = &[#(#variant_paths),*];
            #[inline]
            fn index(self) -> ::core::primitive::usize {
                match #scrutinee {
                    #(#variant_paths => #indices,)*
                    #rest
                }
            }
            #[inline]
            fn name(self) -> &'static ::core::primitive::str {
                match #scrutinee {
                    #(#variant_paths => #strings,)*
                    #rest
                }
            }
        }
    }
}

fn lifecycle_impl(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let machine = &model.machine;
    let role_ty = role_type(model);
    let event_enum = format_ident!("{}Event", ident);
    let action_enum = format_ident!("{}Action", ident);
    let name = ident.to_string();
    let all: Vec<TokenStream> = (0..model.variants.len())
        .map(|i| state_path(model, i))
        .collect();
    let initial = machine.initial.iter().map(|&i| state_path(model, i));
    let terminal = machine.terminal.iter().map(|&i| state_path(model, i));
    let wire = &machine.states;
    let indices = 0..model.variants.len();
    let mermaid = machine.mermaid();
    let dot = machine.dot();

    // Every legal (from, to) pair other than staying put, in one `matches!`.
    let mut pairs = Vec::new();
    for (from, targets) in machine.successors().into_iter().enumerate() {
        for to in targets {
            let (f, t) = (state_path(model, from), state_path(model, to));
            pairs.push(quote!((#f, #t)));
        }
    }
    let can_transition = if pairs.is_empty() {
        quote!(from == to)
    } else {
        quote!(from == to || ::core::matches!((from, to), #(#pairs)|*))
    };

    let event_variants: Vec<Ident> = model.events.iter().map(pascal_variant).collect();
    let event_strings: Vec<&String> = machine.events.iter().map(|e| &e.name).collect();
    let event_docs = machine.events.iter().map(|e| {
        format!(
            "`{}`: {} -> {}.",
            e.name,
            names(model, &e.from).replace(", ", " | "),
            machine.states[e.to]
        )
    });
    let on_arms = machine.events.iter().zip(&event_variants).map(|(e, v)| {
        let from: Vec<TokenStream> = e.from.iter().map(|&f| state_path(model, f)).collect();
        let to = state_path(model, e.to);
        let name = &e.name;
        quote! {
            (#event_enum::#v, #(#from)|*) => ::core::result::Result::Ok(#to),
            (#event_enum::#v, __state) => ::core::result::Result::Err(
                #krate::__private::event_not_allowed::<#ident>(__state, #name, &[#(#from),*])
            ),
        }
    });

    let action_variants: Vec<Ident> = model.actions.iter().map(pascal_variant).collect();
    let action_strings: Vec<&String> = machine.actions.iter().map(|a| &a.name).collect();
    let action_docs = machine
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| match &model.roles {
            Some(axis) => action_roles_note(model, axis, i),
            None => format!("`{}` is allowed in: {}.", a.name, names(model, &a.states)),
        });
    let allows_arms = machine.actions.iter().zip(&action_variants).map(|(a, v)| {
        let states: Vec<TokenStream> = a.states.iter().map(|&s| state_path(model, s)).collect();
        match &model.roles {
            Some(axis) => {
                let ty = &axis.ty;
                let roles = a.roles.iter().map(|&r| {
                    let n = &axis.names[r];
                    quote!(#ty::#n)
                });
                quote!(#action_enum::#v => ::core::matches!(self, #(#states)|*) && ::core::matches!(role, #(#roles)|*),)
            }
            None => quote!(#action_enum::#v => ::core::matches!(self, #(#states)|*),),
        }
    });

    let table = machine_table(model);
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

        #[automatically_derived]
        impl #krate::__private::Lifecycle for #ident {
            type Role = #role_ty;
            type Event = #event_enum;
            type Action = #action_enum;
            const NAME: &'static ::core::primitive::str = #name;
            const STATES: &'static [Self] = &[#(#all),*];
            const INITIAL: &'static [Self] = &[#(#initial),*];
            const TERMINAL: &'static [Self] = &[#(#terminal),*];
            const EVENTS: &'static [#event_enum] = &[#(#event_enum::#event_variants),*];
            const ACTIONS: &'static [#action_enum] = &[#(#action_enum::#action_variants),*];
            const MERMAID: &'static ::core::primitive::str = #mermaid;
            const DOT: &'static ::core::primitive::str = #dot;

            #[inline]
            fn index(self) -> ::core::primitive::usize {
                match self {
                    #(#all => #indices,)*
                }
            }
            #[inline]
            fn name(self) -> &'static ::core::primitive::str {
                match self {
                    #(#all => #wire,)*
                }
            }
            #[inline]
            fn can_transition(from: Self, to: Self) -> ::core::primitive::bool {
                #can_transition
            }
            #[inline]
            fn on(self, event: #event_enum) -> ::core::result::Result<Self, #krate::__private::LifecycleError> {
                match (event, self) {
                    #(#on_arms)*
                }
            }
            #[inline]
            fn event_name(event: #event_enum) -> &'static ::core::primitive::str {
                match event {
                    #(#event_enum::#event_variants => #event_strings,)*
                }
            }
            #[inline]
            fn allows(self, role: #role_ty, action: #action_enum) -> ::core::primitive::bool {
                let _ = role;
                match action {
                    #(#allows_arms)*
                }
            }
            #[inline]
            fn action_name(action: #action_enum) -> &'static ::core::primitive::str {
                match action {
                    #(#action_enum::#action_variants => #action_strings,)*
                }
            }
            fn machine() -> #krate::__private::Machine {
                #table
            }
        }
    }
}

/// The call that rebuilds the machine's plain-data model at run time.
fn machine_table(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let m = &model.machine;
    let name = &m.name;
    let states = &m.states;
    let initial = &m.initial;
    let terminal = &m.terminal;
    let default_state = match m.default_state {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    let option_str = |s: &Option<String>| match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let events = m.events.iter().map(|e| {
        let (n, from, to) = (&e.name, &e.from, e.to);
        quote!((#n, &[#(#from),*], #to))
    });
    let roles = m.roles.iter().map(|r| {
        let (n, cel) = (&r.name, option_str(&r.cel));
        quote!((#n, #cel))
    });
    let actions = m.actions.iter().map(|a| {
        let (n, states, roles, field) = (&a.name, &a.states, &a.roles, option_str(&a.field));
        quote!((#n, &[#(#states),*], &[#(#roles),*], #field))
    });
    let phase_field = option_str(&m.phase_field);
    quote! {
        #krate::__private::machine(
            #name,
            &[#(#states),*],
            &[#(#initial),*],
            &[#(#terminal),*],
            #default_state,
            &[#(#events),*],
            &[#(#roles),*],
            &[#(#actions),*],
            #phase_field,
        )
    }
}

/// The extension trait that carries the event methods on `Typed`.
fn events_trait(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let module = &model.module;
    let machine = &model.machine;
    let role_ty = role_type(model);
    let trait_name = format_ident!("{}Events", ident);
    let trait_doc = format!(
        "The events of [`{ident}`] as methods on `Typed` handles: each compiles only in the states it fires from."
    );
    let mut decls = Vec::new();
    let mut defs = Vec::new();
    for (event, name) in machine.events.iter().zip(&model.events) {
        let gate = gate_trait(name);
        let to = &model.variants[event.to];
        let to_path = state_path(model, event.to);
        let doc = format!(
            "`{}`: {} -> {}. Writes the phase field and returns the handle of the new state.",
            event.name,
            names(model, &event.from).replace(", ", " | "),
            machine.states[event.to]
        );
        // The whole bound on the event's name, so "required by this bound" points there.
        let mut gate_module = module.clone();
        gate_module.set_span(name.span());
        let sig = quote_spanned! {name.span()=>
            fn #name(self) -> #krate::__private::Typed<T, #module::#to, R>
            where
                S: #gate_module::#gate
        };
        // The body takes `self` as `mut`, so the phase is written where the caller put it.
        let body_sig = quote_spanned! {name.span()=>
            fn #name(mut self) -> #krate::__private::Typed<T, #module::#to, R>
            where
                S: #gate_module::#gate
        };
        decls.push(quote! {
            #[doc = #doc]
            #[must_use = "the handle of the new state is the only typed view of the object"]
            #sig;
        });
        defs.push(quote! {
            #[inline]
            #body_sig
            {
                // Written in place, then retyped: the same code as storing the field.
                <T as #krate::__private::HasPhase<#ident>>::set_phase(
                    #krate::__private::object_mut(&mut self),
                    #to_path,
                );
                #krate::__private::retype(self)
            }
        });
    }
    quote! {
        #[doc = #trait_doc]
        #vis trait #trait_name<T, S, R>: ::core::marker::Sized {
            #(#decls)*
        }

        #[automatically_derived]
        impl<T, S, R> #trait_name<T, S, R> for #krate::__private::Typed<T, S, R>
        where
            T: #krate::__private::HasPhase<#ident>,
            S: #krate::__private::StateMarker<Phase = #ident>,
            R: #krate::__private::RoleMarker<Role = #role_ty>,
        {
            #(#defs)*
        }
    }
}

/// The bridge: an enum with one typed handle per (state, role), built from a runtime
/// object.
fn bridge(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let enum_name = format_ident!("{}Typed", ident);
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let mut inner_arms = Vec::new();
    let mut state_arms = Vec::new();
    for (s, state) in model.variants.iter().enumerate() {
        let marker = state_marker(model, s);
        let state_path = state_path(model, s);
        let role_list: Vec<Option<(&RoleAxis, usize)>> = match &model.roles {
            Some(axis) => (0..axis.names.len()).map(|r| Some((axis, r))).collect(),
            None => vec![None],
        };
        for role in role_list {
            let (variant, role_marker_ty, role_pat, doc) = match role {
                Some((axis, r)) => {
                    let name = &axis.names[r];
                    let ty = &axis.ty;
                    (
                        format_ident!("{}{}", state, name),
                        role_marker(axis, r),
                        quote!(::core::option::Option::Some(#ty::#name)),
                        format!(
                            "State `{}`, role `{}`.",
                            model.machine.states[s], model.machine.roles[r].name
                        ),
                    )
                }
                None => (
                    state.clone(),
                    quote!(#krate::__private::NoRole),
                    quote!(_),
                    format!("State `{}`.", model.machine.states[s]),
                ),
            };
            variants.push(quote! {
                #[doc = #doc]
                #variant(#krate::__private::Typed<T, #marker, #role_marker_ty>),
            });
            arms.push(quote! {
                (::core::option::Option::Some(#state_path), #role_pat) =>
                    ::core::result::Result::Ok(Self::#variant(#krate::__private::typed_unchecked(object))),
            });
            inner_arms.push(
                quote!(Self::#variant(__typed) => #krate::__private::Typed::into_inner(__typed),),
            );
            state_arms.push(quote!(Self::#variant(_) => #state_path,));
        }
    }
    let doc = format!(
        "An object whose [`{ident}`] is known, as one typed handle per state and role: `match` it to act on each case."
    );
    let expected = "a declared state and role";
    quote! {
        #[doc = #doc]
        #[derive(::core::fmt::Debug)]
        #vis enum #enum_name<T> {
            #(#variants)*
        }

        #[automatically_derived]
        impl<T: #krate::__private::HasPhase<#ident>> #enum_name<T> {
            /// Reads the object's phase and role and wraps it in the matching typed handle.
            /// An object without a phase or role is handed back in the error.
            pub fn from_object(object: T) -> ::core::result::Result<Self, #krate::__private::Mismatch<T>> {
                let __phase = <T as #krate::__private::HasPhase<#ident>>::phase(&object);
                let __role = <T as #krate::__private::HasPhase<#ident>>::role(&object);
                match (__phase, __role) {
                    #(#arms)*
                    _ => ::core::result::Result::Err(#krate::__private::mismatch::<#ident, T>(object, #expected)),
                }
            }

            /// The object, given back.
            pub fn into_inner(self) -> T {
                match self {
                    #(#inner_arms)*
                }
            }

            /// The state of the object.
            pub fn state(&self) -> #ident {
                match self {
                    #(#state_arms)*
                }
            }
        }
    }
}

/// Inherent consts whose rustdoc shows the diagrams on the enum's own page.
fn inherent_docs(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let mermaid = model.machine.mermaid();
    let dot = model.machine.dot();
    let mermaid_doc =
        format!("The lifecycle as a Mermaid state diagram:\n\n```mermaid\n{mermaid}```");
    let dot_doc = format!("The lifecycle as a Graphviz digraph:\n\n```dot\n{dot}```");
    let mermaid_lit = LitStr::new(&mermaid, Span::call_site());
    let dot_lit = LitStr::new(&dot, Span::call_site());
    quote! {
        #[automatically_derived]
        impl #ident {
            #[doc = #mermaid_doc]
            pub const MERMAID: &'static ::core::primitive::str = #mermaid_lit;
            #[doc = #dot_doc]
            pub const DOT: &'static ::core::primitive::str = #dot_lit;
        }
    }
}

fn schema_impl(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let name = ident.to_string();
    quote! {
        #[automatically_derived]
        impl #krate::__private::schemars::JsonSchema for #ident {
            fn schema_name() -> #krate::__private::Cow<'static, ::core::primitive::str> {
                #krate::__private::Cow::Borrowed(#name)
            }
            fn inline_schema() -> ::core::primitive::bool {
                true
            }
            fn json_schema(_: &mut #krate::__private::schemars::SchemaGenerator) -> #krate::__private::schemars::Schema {
                #krate::__private::phase_schema::<Self>()
            }
        }
    }
}
