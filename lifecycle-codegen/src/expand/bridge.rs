//! The bridge: an enum with one typed handle per (state, role), built from an object read
//! at run time, so a controller `match`es once and then acts on typed handles.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::{braced, unreachable};
use crate::model::Model;

/// One variant of the bridge enum.
struct Case {
    variant: Ident,
    /// The state's marker and value: `module::Variant`, `Enum::Variant`.
    state: Ident,
    /// The role's marker and value (`role_module::Name`, `Roles::Name`), if the machine
    /// has roles.
    role: Option<Ident>,
}

/// Every (state, role) pair, in declaration order.
fn cases(model: &Model) -> Vec<Case> {
    let mut out = Vec::new();
    for state in &model.variants {
        match &model.roles {
            Some(axis) => {
                for name in &axis.names {
                    out.push(Case {
                        variant: format_ident!("{}{}", state, name),
                        state: state.clone(),
                        role: Some(name.clone()),
                    });
                }
            }
            None => out.push(Case {
                variant: state.clone(),
                state: state.clone(),
                role: None,
            }),
        }
    }
    out
}

pub(super) fn bridge(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let module = &model.module;
    let enum_name = format_ident!("{}Typed", ident);
    let event_enum = super::enum_name(model, "Event");
    let cases = cases(model);
    let mut variants: Vec<TokenStream> = cases
        .iter()
        .map(|c| {
            let (variant, state) = (&c.variant, &c.state);
            match (&c.role, &model.roles) {
                (Some(role), Some(axis)) => {
                    let role_module = &axis.module;
                    quote!(#variant(#krate::__private::Typed<T, #module::#state, #role_module::#role>),)
                }
                // `Typed`'s role defaults to `NoRole`.
                _ => quote!(#variant(#krate::__private::Typed<T, #module::#state>),),
            }
        })
        .collect();
    if cases.is_empty() {
        // Only after the "no states" error: the enum still takes its `T`.
        variants.push(quote! {
            #[doc(hidden)]
            __Never(::core::convert::Infallible, ::core::marker::PhantomData<T>),
        });
    }
    let variants = braced(variants);
    // No doc per variant: each is named after its state (and role), and a doc per
    // variant cost a `cargo check` of a 64-state machine 0.3 % more.
    let doc = format!(
        "An object whose [`{ident}`] is known, as one typed handle per state and role, each variant named after them: `match` it to act on each case."
    );
    let bodies = match model.stub {
        true => [unreachable(), unreachable(), unreachable()],
        false => bodies(model, &cases),
    };
    let [from_object, into_inner, state] = bodies;
    // No `Debug`: derived, it cost a `cargo check` more than the rest of the bridge
    // (one arm and one bound per variant), and even a one-call impl costs as much as
    // `fire`. Print `state()` or the object.
    quote! {
        #[doc = #doc]
        #[allow(missing_docs)]
        #vis enum #enum_name<T> #variants

        #[automatically_derived]
        impl<T: #krate::__private::HasPhase<#ident>> #enum_name<T> {
            /// Reads the object's phase and role and wraps it in the matching typed handle.
            /// An object without a phase or role is handed back in the error.
            pub fn from_object(__object: T) -> ::core::result::Result<Self, #krate::__private::Mismatch<T>> {
                #from_object
            }

            /// The object, given back.
            pub fn into_inner(self) -> T {
                #into_inner
            }

            /// The state of the object.
            pub fn state(&self) -> #ident {
                #state
            }

            /// Fires an event from whichever state the object is in: the handle of the
            /// state it leads to, with the record of the move; or, where the event does
            /// not fire, the object back with an error that lists the states it fires from.
            pub fn fire(self, __event: #event_enum) -> ::core::result::Result<#krate::__private::Moved<Self, #ident>, #krate::__private::Refused<T>> {
                #krate::__private::fire_bridge::<#ident, T, Self>(self.into_inner(), __event, Self::from_object)
            }

        }

        #krate::__private::bridge_impl!(#ident, #enum_name);
    }
}

/// The bodies of `from_object`, `into_inner` and `state`.
fn bodies(model: &Model, cases: &[Case]) -> [TokenStream; 3] {
    let variants: Vec<&Ident> = cases.iter().map(|c| &c.variant).collect();
    let from_object = match model.roles {
        Some(_) => from_object_with_roles(model, cases),
        None => from_object_by_phase(model, cases),
    };
    let into_inner = quote! {
        match self {
            #(Self::#variants(__typed) => __typed.into_inner(),)*
        }
    };

    // One arm per state, its roles' variants in one or-pattern: the cases come state by
    // state, one per role.
    let per_state = model
        .roles
        .as_ref()
        .map_or(1, |axis| axis.names.len())
        .max(1);
    let ident = &model.ident;
    let state_arms = cases.chunks(per_state).map(|chunk| {
        let state = &chunk[0].state;
        let variants = chunk.iter().map(|c| &c.variant);
        quote!(#(Self::#variants(_))|* => #ident::#state,)
    });
    let state = quote! {
        match self {
            #(#state_arms)*
        }
    };
    [from_object, into_inner, state]
}

/// `from_object` when the machine has roles: the phase and the role pick the variant.
fn from_object_with_roles(model: &Model, cases: &[Case]) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let variants = cases.iter().map(|c| &c.variant);
    let states = cases.iter().map(|c| &c.state);
    let roles = cases.iter().map(|c| &c.role);
    let role_type = model.roles.as_ref().map(|axis| &axis.ty);
    let expected = "a declared state and role";
    quote! {
        let __phase = <T as #krate::__private::HasPhase<#ident>>::phase(&__object);
        let __role = <T as #krate::__private::HasPhase<#ident>>::role(&__object);
        let (::core::option::Option::Some(__phase), ::core::option::Option::Some(__role)) = (__phase, __role) else {
            return ::core::result::Result::Err(#krate::__private::mismatch::<#ident, T>(__object, #expected));
        };
        use #krate::__private::typed_unchecked as __typed;
        ::core::result::Result::Ok(match (__phase, __role) {
            #((#ident::#states, #role_type::#roles) => Self::#variants(__typed(__object)),)*
            // Role enum variants no `role(...)` declares: reported at `roles = ...`.
            #[allow(unreachable_patterns)]
            _ => return ::core::result::Result::Err(#krate::__private::mismatch::<#ident, T>(__object, #expected)),
        })
    }
}

/// `from_object` without roles: the phase alone picks the variant, and every phase has one.
fn from_object_by_phase(model: &Model, cases: &[Case]) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let variants = cases.iter().map(|c| &c.variant);
    let states = cases.iter().map(|c| &c.state);
    let expected = "a declared state";
    // `Option`'s variants by short local names: one arm per state.
    quote! {
        use #krate::__private::typed_unchecked as __typed;
        use ::core::option::Option::{None as __None, Some as __Some};
        ::core::result::Result::Ok(match <T as #krate::__private::HasPhase<#ident>>::phase(&__object) {
            #(__Some(#ident::#states) => Self::#variants(__typed(__object)),)*
            __None => return ::core::result::Result::Err(#krate::__private::mismatch::<#ident, T>(__object, #expected)),
        })
    }
}
