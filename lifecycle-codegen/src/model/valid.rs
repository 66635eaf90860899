//! Validating: graph checks on the resolved machine, reported at the tokens that cause
//! them, and the names generated code cannot take.

use lifecycle_machine::Problem;
use syn::Ident;
use syn::ext::IdentExt;

use super::RoleAxis;
use super::resolve::Resolved;
use crate::attr::EventDecl;
use crate::case::snake_case;
use crate::ctxt::Ctxt;

/// Runs the graph checks and reports each problem at the token that causes it.
pub(super) fn validate(resolved: &Resolved, variants: &[Ident], cx: &mut Ctxt) {
    let machine = &resolved.machine;
    let sources = &resolved.sources;
    for problem in machine.problems() {
        let span = match problem {
            // With parts dropped, these would describe the drop, not the declaration.
            Problem::NoInitialState
            | Problem::Unreachable { .. }
            | Problem::DeadEnd { .. }
            | Problem::UnusedRoles
            | Problem::MissingPhaseField { .. }
                if !resolved.complete =>
            {
                continue;
            }
            Problem::NoInitialState => sources.enum_ident,
            Problem::Unreachable { state }
            | Problem::DeadEnd { state }
            | Problem::DefaultNotInitial { state }
            | Problem::RetiredInitial { state }
            | Problem::RetiredTerminal { state } => variants[state].span(),
            Problem::RetiredEntered { event, .. } => sources.events[event].to,
            Problem::TerminalExit { event, state } => {
                let source = &sources.events[event];
                source
                    .from
                    .iter()
                    .find(|token| token.state == state)
                    .map_or(source.name, |token| token.span)
            }
            Problem::SelfLoopOnly { event } => sources.events[event].name,
            Problem::UnusedRoles => sources.roles_key,
            Problem::UnusedAction { action } => sources.actions[action].name,
            Problem::MissingPhaseField { action } => {
                let source = &sources.actions[action];
                source.field.unwrap_or(source.name)
            }
            Problem::MissingRolePredicate { role, .. } => sources.roles[role],
            // A problem this version does not place: at the enum.
            _ => sources.enum_ident,
        };
        cx.error_at(span, problem.message(machine));
    }
}

/// Method names every `Typed` handle, or the `Recording` handle `record` gives, already
/// has, each with where it comes from. An event method of the same name would be hidden
/// by it, or hide it.
const TYPED_METHODS: [(&str, &str); 18] = [
    ("record", "`Typed::record`"),
    ("into_typed", "`Recording::into_typed`"),
    ("into_inner", "`Typed::into_inner`"),
    ("get", "`Typed::get`"),
    ("try_new", "`Typed::try_new`"),
    ("state", "`Typed::state`"),
    ("role", "`Typed::role`"),
    ("update", "`Typed::update`"),
    ("clone", "`Clone`"),
    ("clone_from", "`Clone`"),
    ("deref", "`Deref`"),
    ("fmt", "`Debug`"),
    ("to_owned", "`ToOwned`"),
    ("borrow", "`Borrow`"),
    ("borrow_mut", "`BorrowMut`"),
    ("into", "`Into`"),
    ("try_into", "`TryInto`"),
    ("type_id", "`Any`"),
];

/// Reports an event whose method would collide with a method of `Typed` itself.
pub(super) fn reserved_event_name(event: &EventDecl, cx: &mut Ctxt) {
    let name = event.name.unraw().to_string();
    let Some((_, owner)) = TYPED_METHODS.iter().find(|(method, _)| *method == name) else {
        return;
    };
    let suggestion = format!("{name}_to_{}", snake_case(&event.to.unraw().to_string()));
    cx.error_spanned(
        &event.name,
        format!(
            "event `{name}` would be a method of `Typed` handles, which already have `{name}` from {owner}: a call could reach the wrong one; rename the event, for example to `{suggestion}`"
        ),
    );
}

/// The role markers need a module apart from the state markers.
pub(super) fn separate_modules(axis: &mut RoleAxis, module: &Ident, cx: &mut Ctxt) {
    if axis.module != *module {
        return;
    }
    cx.error_spanned(
        &axis.module,
        format!("the role markers need a module of their own; `{module}` holds the state markers"),
    );
    // Expand into another module, so rustc does not report the clash a second time.
    axis.module = Ident::new(&format!("{}_roles", module.unraw()), axis.module.span());
}
