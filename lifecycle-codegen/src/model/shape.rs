//! Shaping: the enum's variants become states, with their wire names and flags, and the
//! enum-level attributes are parsed. Names are not resolved here.

use lifecycle_machine::{ConditionType, Machine};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DataEnum, DeriveInput, Fields, Ident, Path};

use crate::attr::{self, Container};
use crate::case::snake_case;
use crate::ctxt::Ctxt;

/// The declaration's shape: its states, and its attributes as written.
pub(super) struct Shaped {
    pub(super) container: Container,
    /// The machine's name and states, with nothing else yet.
    pub(super) machine: Machine,
    /// The variant of each state, by state index.
    pub(super) variants: Vec<Ident>,
    pub(super) krate: Path,
    pub(super) module: Ident,
    pub(super) enum_ident: Ident,
}

/// Shapes `input`; `None` when it is not an enum, or is generic.
pub(super) fn shape(input: &DeriveInput, cx: &mut Ctxt) -> Option<Shaped> {
    let Data::Enum(data) = &input.data else {
        cx.error_at(
            keyword_span(input),
            "`Lifecycle` can only be derived for a fieldless enum: its variants are the states",
        );
        return None;
    };
    if let Some(param) = input.generics.params.first() {
        cx.error_spanned(
            param,
            "`Lifecycle` cannot be derived for a generic enum: a phase is a plain fieldless enum",
        );
        return None;
    }
    let container = attr::container(&input.attrs, cx);
    let (machine, variants) = states(input, data, &container, cx);
    let krate = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::lifecycle_model));
    let module = container.module.clone().unwrap_or_else(|| {
        Ident::new(
            &snake_case(&input.ident.unraw().to_string()),
            input.ident.span(),
        )
    });
    Some(Shaped {
        container,
        machine,
        variants,
        krate,
        module,
        enum_ident: input.ident.clone(),
    })
}

/// The states of the enum, with their wire names, initial and terminal flags and the
/// default. A data-carrying variant is an error, but still names a state.
fn states(
    input: &DeriveInput,
    data: &DataEnum,
    container: &Container,
    cx: &mut Ctxt,
) -> (Machine, Vec<Ident>) {
    let mut machine = Machine::new(input.ident.unraw().to_string(), [] as [String; 0]);
    machine.enforce_initial = container.enforce_initial;
    let mut variants = Vec::new();
    let mut aliases: Vec<(syn::LitStr, usize)> = Vec::new();
    for (index, variant) in data.variants.iter().enumerate() {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned(
                &variant.fields,
                format!(
                    "state `{}` carries data; lifecycle states are unit variants",
                    variant.ident
                ),
            );
        }
        let attrs = attr::variant(&variant.attrs, cx);
        let wire = attrs
            .rename
            .clone()
            .unwrap_or_else(|| match container.rename_all {
                Some(rule) => rule.apply(&variant.ident.unraw().to_string()),
                None => variant.ident.unraw().to_string(),
            });
        machine.states.push(wire);
        if attrs.initial {
            machine.initial.push(index);
        }
        if attrs.terminal {
            machine.terminal.push(index);
        }
        if attrs.retired {
            machine.retired.push(index);
        }
        match attrs.condition.as_ref().map(|(c, _)| *c) {
            Some(ConditionType::Ready) => machine.ready.push(index),
            Some(ConditionType::Reconciling) => machine.reconciling.push(index),
            Some(ConditionType::Stalled) => machine.stalled.push(index),
            Some(ConditionType::Suspended) => machine.suspended.push(index),
            None => {}
        }
        if variant.attrs.iter().any(|a| a.path().is_ident("default")) {
            machine.default_state = Some(index);
        }
        aliases.extend(attrs.aliases.into_iter().map(|lit| (lit, index)));
        variants.push(variant.ident.clone());
    }
    if variants.is_empty() {
        cx.error_spanned(&input.ident, "a lifecycle needs at least one state");
    }
    // A former name must name one state only: no state's name, no other state's former
    // name.
    for (i, (lit, state)) in aliases.iter().enumerate() {
        let name = lit.value();
        let taken = match machine.state_index(&name) {
            Some(s) => Some(format!("the state `{}`", machine.states[s])),
            None => aliases[..i]
                .iter()
                .find(|(l, s)| l.value() == name && s != state)
                .map(|(_, s)| format!("a former name of `{}`", machine.states[*s])),
        };
        match taken {
            Some(taken) => cx.error_spanned(
                lit,
                format!(
                    "`{name}` cannot be a former name of `{}`: it is already {taken}",
                    machine.states[*state]
                ),
            ),
            None if !machine.aliases.iter().any(|(n, _)| *n == name) => {
                machine.aliases.push((name, *state));
            }
            None => {}
        }
    }
    (machine, variants)
}

/// The `enum`/`struct`/`union` keyword, where "not an enum" errors belong.
fn keyword_span(input: &DeriveInput) -> Span {
    match &input.data {
        Data::Struct(s) => s.struct_token.span,
        Data::Union(u) => u.union_token.span,
        Data::Enum(e) => e.enum_token.span,
    }
}
