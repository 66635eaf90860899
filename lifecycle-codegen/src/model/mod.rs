//! The plain-data model of one declaration: the [`Machine`] plus the tokens that name
//! its parts. [`build`] runs shaping, resolving and validating in that order; every
//! mistake is recorded, and the parts that resolve still make a model, so the expansion
//! can go on and users see one wave of errors.

mod resolve;
mod shape;
mod valid;

use lifecycle_machine::Machine;
use syn::{DeriveInput, Ident, Path, Visibility};

use crate::ctxt::Ctxt;

/// The lifecycle, ready to expand.
pub(crate) struct Model {
    /// The phase enum.
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    /// The path generated code reaches the runtime by.
    pub(crate) krate: Path,
    /// The module of state markers and gate traits.
    pub(crate) module: Ident,
    /// The variant of each state, by state index.
    pub(crate) variants: Vec<Ident>,
    pub(crate) machine: Machine,
    pub(crate) roles: Option<RoleAxis>,
    /// Every declared event, resolved or not.
    pub(crate) events: Vec<Named>,
    /// Every declared action, resolved or not.
    pub(crate) actions: Vec<Named>,
    /// `#[lifecycle(schema)]`: implement `JsonSchema`.
    pub(crate) schema: bool,
    /// Whether a variant sets its discriminant (`A = 3`), so `as usize` is not its index.
    pub(crate) discriminants: bool,
    /// Errors were reported: generate every item user code may name, with bodies that
    /// never run, so the errors come alone.
    pub(crate) stub: bool,
}

/// An event or action as declared: its name token, and its index in the machine's
/// `events` or `actions` when its names resolved.
pub(crate) struct Named {
    pub(crate) ident: Ident,
    pub(crate) resolved: Option<usize>,
    /// `Pause`: its variant in the event or action enum.
    pub(crate) variant: Ident,
    /// `CanPause`: its gate trait.
    pub(crate) gate: Ident,
}

impl Named {
    /// The names generated code gives it, computed once.
    pub(crate) fn new(ident: Ident, resolved: Option<usize>) -> Self {
        let pascal = crate::case::pascal_case(&syn::ext::IdentExt::unraw(&ident).to_string());
        let variant = Ident::new(&pascal, ident.span());
        let gate = Ident::new(&format!("Can{pascal}"), ident.span());
        Named {
            ident,
            resolved,
            variant,
            gate,
        }
    }
}

/// The role enum, its marker module and the name token of each role, by role index.
pub(crate) struct RoleAxis {
    pub(crate) ty: Path,
    pub(crate) module: Ident,
    pub(crate) names: Vec<Ident>,
}

/// Builds the model of `input`, recording every mistake in `cx`. `None` when the input
/// is no enum at all, so nothing sensible can be generated beside the errors.
pub(crate) fn build(input: &DeriveInput, cx: &mut Ctxt) -> Option<Model> {
    let shaped = shape::shape(input, cx)?;
    let resolved = resolve::resolve(&shaped, cx);
    valid::validate(&resolved, &shaped.variants, cx);
    let module = shaped.module.clone();
    let mut roles = resolved.roles;
    if let Some(axis) = &mut roles {
        valid::separate_modules(axis, &module, cx);
    }
    Some(Model {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        krate: shaped.krate,
        module,
        variants: shaped.variants,
        machine: resolved.machine,
        roles,
        events: resolved.events,
        actions: resolved.actions,
        schema: shaped.container.schema,
        discriminants: match &input.data {
            syn::Data::Enum(data) => data.variants.iter().any(|v| v.discriminant.is_some()),
            _ => false,
        },
        stub: cx.has_errors(),
    })
}

impl Model {
    /// The machine's event behind `event`, when it resolved.
    pub(crate) fn event_spec(&self, event: &Named) -> Option<&lifecycle_machine::EventSpec> {
        event.resolved.map(|i| &self.machine.events[i])
    }

    /// The machine's action behind `action`, when it resolved.
    pub(crate) fn action_spec(&self, action: &Named) -> Option<&lifecycle_machine::ActionSpec> {
        action.resolved.map(|i| &self.machine.actions[i])
    }
}
