//! The extension trait that carries the event methods on `Typed` handles. Each method's
//! bound is the event's gate trait, on the method itself, so an illegal call is E0277
//! with the gate's text rather than "no method named ...".

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::names;
use crate::model::{Model, Named};

pub(super) fn events_trait(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let ident = &model.ident;
    let vis = &model.vis;
    let trait_name = format_ident!("{}Events", ident);
    let trait_doc = format!(
        "The events of [`{ident}`] as methods on `Typed` handles: each compiles only in the \
         states it fires from, writes the phase field, and returns the handle of the new state \
         (on a handle from `Typed::record`, with the record of the move)."
    );
    let methods = super::braced(model.events.iter().map(|e| method(model, e)));
    // The methods are provided, so the impl is empty: each body is written once.
    quote! {
        #[doc = #trait_doc]
        #vis trait #trait_name<T, S, R>: #krate::__private::Handle<#ident, T, S, R> #methods

        #[automatically_derived]
        // `S` is bounded to this machine's markers, so that an object with two
        // lifecycles sees each machine's events on its own handles only, and two
        // machines may share an event name; `R` needs no bound, since a `Typed` is only
        // ever made with a role marker of its machine.
        impl<T, S, R> #trait_name<T, S, R> for #krate::__private::Typed<T, S, R>
        where
            T: #krate::__private::HasPhase<#ident>,
            S: #krate::__private::StateMarker<Phase = #ident>,
        {
        }

        #[automatically_derived]
        // A recording handle's events return the new handle with the record of the move.
        impl<T, S, R> #trait_name<T, S, R> for #krate::__private::Recording<T, S, R>
        where
            T: #krate::__private::HasPhase<#ident>,
            S: #krate::__private::StateMarker<Phase = #ident>,
        {
        }
    }
}

/// One event method. `Typed` is `#[must_use]`, so the method needs no attribute of its
/// own.
fn method(model: &Model, event: &Named) -> TokenStream {
    let name = &event.ident;
    let Some(spec) = model.event_spec(event).filter(|_| !model.stub) else {
        return stub_method(model, event);
    };
    let module = &model.module;
    let gate = &event.gate;
    let to = &model.variants[spec.to];
    // The event's row, which is also its place in `Lifecycle::EVENTS`.
    let index = proc_macro2::Literal::usize_unsuffixed(event.resolved.unwrap_or_default());
    let doc = format!(
        "`{}`: {} -> {}.",
        spec.name,
        names(model, &spec.from).replace(", ", " | "),
        model.machine.states[spec.to]
    );
    // The whole bound on the event's name, so "required by this bound" points there.
    let mut gate_module = module.clone();
    gate_module.set_span(name.span());
    // One `quote_spanned!`, with no nested token streams to copy. No `#[inline]`: the
    // method is generic, so it is compiled, and inlined, where it is called.
    quote_spanned! {name.span()=>
        #[doc = #doc]
        fn #name(self) -> Self::Next<#module::#to> where S: #gate_module::#gate {
            self.__fire::<#module::#to>(#index)
        }
    }
}

/// After errors: the method exists, with no bound, so calls to it add no errors.
fn stub_method(model: &Model, event: &Named) -> TokenStream {
    let name = &event.ident;
    let returns = match model.event_spec(event) {
        Some(spec) => {
            let module = &model.module;
            let to = &model.variants[spec.to];
            quote!(Self::Next<#module::#to>)
        }
        None => quote!(Self::Next<S>),
    };
    let doc = format!("`{name}`.");
    quote! {
        #[doc = #doc]
        fn #name(self) -> #returns {
            ::core::unreachable!()
        }
    }
}
