//! The marker module: a zero-sized type per state, and a gate trait per event and action
//! whose `#[diagnostic::on_unimplemented]` text names the rule an illegal call breaks.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{braced, inner_vis, join, names, role_marker, state_marker, state_path, unreachable};
use crate::model::{Model, Named, RoleAxis};

pub(super) fn markers(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let module = &model.module;
    let vis = &model.vis;
    let module_doc = format!(
        "Typestate markers of [`{ident}`]: one zero-sized type per state, and a gate trait per event and action."
    );
    let states = (0..model.variants.len()).map(|i| state(model, i));
    let event_gates = model.events.iter().map(|e| event_gate(model, e));
    let action_gates = model.actions.iter().map(|a| action_gate(model, a));
    let (state_items, state_impls): (Vec<_>, Vec<_>) = states.unzip();
    let (event_items, event_impls): (Vec<_>, Vec<_>) = event_gates.unzip();
    let (action_items, action_impls): (Vec<_>, Vec<_>) = action_gates.unzip();
    let body = braced(
        state_items
            .into_iter()
            .chain(event_items)
            .chain(event_impls)
            .chain(action_items),
    );
    let module = quote! {
        #[doc = #module_doc]
        #[allow(unreachable_pub)]
        #vis mod #module #body
    };
    join(
        std::iter::once(module)
            .chain(state_impls)
            .chain(action_impls),
    )
}

/// The marker of state `index`, and its `StateMarker` impl.
fn state(model: &Model, index: usize) -> (TokenStream, TokenStream) {
    let krate = &model.krate;
    let ident = &model.ident;
    let variant = &model.variants[index];
    let inner = inner_vis(&model.vis);
    // The module's doc links the enum; each marker just names it.
    let doc = format!("The `{}` state of `{ident}`.", model.machine.states[index]);
    let marker = state_marker(model, index);
    let value = match model.stub {
        true => unreachable(),
        false => state_path(model, index),
    };
    let item = quote! {
        #[doc = #doc]
        #inner struct #variant;
    };
    // Like the gate impls, no `#[automatically_derived]`: a marker impl has nothing for
    // lints to skip.
    let imp = quote! {
        impl #krate::__private::Sealed for #marker {}
        impl #krate::__private::StateMarker for #marker {
            type Phase = #ident;
            const STATE: #ident = #value;
        }
    };
    (item, imp)
}

/// The gate trait of an event, implemented by the markers of the states it fires from.
fn event_gate(model: &Model, event: &Named) -> (TokenStream, TokenStream) {
    let ident = &model.ident;
    let gate = &event.gate;
    let inner = inner_vis(&model.vis);
    let Some(spec) = model.event_spec(event) else {
        return (quote!(#inner trait #gate {}), TokenStream::new());
    };
    let from = names(model, &spec.from);
    let name = &spec.name;
    let doc = format!("`{name}` fires from: {from}.");
    let message = format!("`{ident}` cannot `{name}` from `{{Self}}`");
    let label = format!("`{name}` fires only from {from}");
    // No note: rustc's "required by this bound" already shows the declaration.
    let item = quote_spanned! {event.ident.span()=>
        #[doc = #doc]
        #[diagnostic::on_unimplemented(message = #message, label = #label)]
        #inner trait #gate {}
    };
    // Inside the module, beside the markers: no path to spell out.
    let markers = spec.from.iter().map(|&f| &model.variants[f]);
    let imp = quote! {
        #(impl #gate for #markers {})*
    };
    (item, imp)
}

/// The gate trait of an action, generic over the role, implemented for each allowed
/// (state, role).
fn action_gate(model: &Model, action: &Named) -> (TokenStream, TokenStream) {
    let krate = &model.krate;
    let module = &model.module;
    let gate = &action.gate;
    let inner = inner_vis(&model.vis);
    let (Some(spec), Some(index)) = (model.action_spec(action), action.resolved) else {
        return (quote!(#inner trait #gate<R> {}), TokenStream::new());
    };
    let name = &spec.name;
    let (message, note) = match &model.roles {
        Some(axis) => (
            format!("a `{{R}}` in state `{{Self}}` cannot `{name}`"),
            action_roles_note(model, axis, index),
        ),
        None => (
            format!(
                "`{}` does not allow `{name}` in state `{{Self}}`",
                model.ident
            ),
            format!("`{name}` is allowed in: {}", names(model, &spec.states)),
        ),
    };
    let label = format!("`{name}` is not allowed here");
    let doc = format!(
        "States (and roles) where `{name}` is allowed. Gate your own method on it: `where S: {gate}<R>`."
    );
    let item = quote_spanned! {action.ident.span()=>
        #[doc = #doc]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        #inner trait #gate<R> {}
    };
    let roles: Vec<TokenStream> = match &model.roles {
        Some(axis) => spec.roles.iter().map(|&r| role_marker(axis, r)).collect(),
        None => vec![quote!(#krate::__private::NoRole)],
    };
    let mut impls = TokenStream::new();
    for &s in &spec.states {
        let marker = state_marker(model, s);
        impls.extend(quote! {
            #(impl #module::#gate<#roles> for #marker {})*
        });
    }
    (item, impls)
}

/// `Source: in Running; ReduceUdf: never`, for action diagnostics and docs.
pub(super) fn action_roles_note(model: &Model, axis: &RoleAxis, action: usize) -> String {
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
