//! Resolving: the names in events, actions and roles become indices into the machine.
//! A part whose names do not resolve is reported and left out of the machine, but its
//! name stays in the model, so the stub still generates what user code calls.

use std::collections::HashMap;

use lifecycle_machine::{ActionSpec, EventSpec, Machine, RoleSpec, is_field_path};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Ident, LitStr};

use super::shape::Shaped;
use super::{Named, RoleAxis};
use crate::attr::{self, Container, path_span};
use crate::case::{pascal_case, snake_case};
use crate::ctxt::Ctxt;

/// The machine with its names resolved, and where each part was written.
pub(super) struct Resolved {
    pub(super) machine: Machine,
    pub(super) roles: Option<RoleAxis>,
    pub(super) events: Vec<Named>,
    pub(super) actions: Vec<Named>,
    pub(super) sources: Sources,
    /// False once a part was dropped for a mistake: graph checks would then report its
    /// consequences, not the mistake.
    pub(super) complete: bool,
}

/// Where each part of the machine was written, for graph errors.
pub(super) struct Sources {
    pub(super) enum_ident: Span,
    pub(super) roles_key: Span,
    /// By index of the machine's events.
    pub(super) events: Vec<EventSource>,
    /// By index of the machine's actions.
    pub(super) actions: Vec<ActionSource>,
    /// By role index.
    pub(super) roles: Vec<Span>,
}

/// The tokens of one event.
pub(super) struct EventSource {
    pub(super) name: Span,
    pub(super) from: Vec<StateToken>,
    pub(super) to: Span,
}

/// A state named in a set, and where.
pub(super) struct StateToken {
    pub(super) state: usize,
    pub(super) span: Span,
}

/// The tokens of one action.
pub(super) struct ActionSource {
    pub(super) name: Span,
    pub(super) field: Option<Span>,
}

pub(super) fn resolve(shaped: &Shaped, cx: &mut Ctxt) -> Resolved {
    let container = &shaped.container;
    let mut resolver = Resolver {
        index: shaped
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| (v.to_string(), i))
            .collect(),
        variants: &shaped.variants,
        // An attribute that failed to parse took its part of the machine with it.
        complete: !cx.has_errors(),
        cx,
        generated: HashMap::new(),
        machine: shaped.machine.clone(),
        sources: Sources {
            enum_ident: shaped.enum_ident.span(),
            roles_key: container
                .roles_type
                .as_ref()
                .map_or_else(Span::call_site, path_span),
            events: Vec::new(),
            actions: Vec::new(),
            roles: Vec::new(),
        },
    };
    let roles = resolver.roles(container, &shaped.enum_ident);
    let events = resolver.events(container);
    let actions = resolver.actions(container, roles.as_ref());
    resolver.phase_field(container);
    Resolved {
        machine: resolver.machine,
        roles,
        events,
        actions,
        sources: resolver.sources,
        complete: resolver.complete,
    }
}

/// Resolves names against the declared states and roles, building the machine.
struct Resolver<'a> {
    variants: &'a [Ident],
    index: HashMap<String, usize>,
    cx: &'a mut Ctxt,
    machine: Machine,
    sources: Sources,
    complete: bool,
    /// Every event and action so far by the Pascal-case name its types take, with its
    /// kind: two that share one would generate the same gate trait.
    generated: HashMap<String, (&'static str, Ident)>,
}

impl Resolver<'_> {
    /// Reports `name` if an earlier event or action generates the same types; otherwise
    /// records it.
    fn clashes(&mut self, kind: &'static str, name: &Ident) -> bool {
        let pascal = pascal_case(&name.unraw().to_string());
        if let Some((earlier_kind, earlier)) = self.generated.get(&pascal) {
            let message = clash_message(kind, name, earlier_kind, earlier);
            self.cx.error_spanned(name, message);
            self.complete = false;
            return true;
        }
        self.generated.insert(pascal, (kind, name.clone()));
        false
    }

    fn state(&mut self, name: &Ident) -> Option<usize> {
        let found = self.index.get(&name.to_string()).copied();
        if found.is_none() {
            let known: Vec<String> = self.variants.iter().map(|v| format!("`{v}`")).collect();
            self.cx.error_spanned(
                name,
                format!(
                    "unknown state `{name}`; the states are {}",
                    known.join(", ")
                ),
            );
            self.complete = false;
        }
        found
    }

    /// Resolves `names` (no duplicates allowed) with `lookup`.
    fn set(
        &mut self,
        names: &[Ident],
        what: &str,
        mut lookup: impl FnMut(&mut Self, &Ident) -> Option<usize>,
    ) -> Vec<StateToken> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                self.cx
                    .error_spanned(name, format!("duplicate {what} `{name}`"));
                continue;
            }
            if let Some(state) = lookup(self, name) {
                out.push(StateToken {
                    state,
                    span: name.span(),
                });
            }
        }
        out
    }

    fn roles(&mut self, container: &Container, enum_ident: &Ident) -> Option<RoleAxis> {
        let Some(ty) = &container.roles_type else {
            for role in &container.roles {
                self.cx.error_spanned(
                    &role.name,
                    format!(
                        "role `{}` needs the role enum: add `roles = YourRoleEnum`",
                        role.name
                    ),
                );
            }
            if let Some(module) = &container.role_module {
                self.cx
                    .error_spanned(module, "`role_module` needs `roles = YourRoleEnum`");
            }
            return None;
        };
        if container.roles.is_empty() {
            self.cx.error_at(
                path_span(ty),
                "`roles` needs its values declared: add `role(Name)` for each variant of the role enum",
            );
            return None;
        }
        let mut names: Vec<Ident> = Vec::new();
        for role in &container.roles {
            if names.contains(&role.name) {
                self.cx
                    .error_spanned(&role.name, format!("duplicate role `{}`", role.name));
                continue;
            }
            self.role(role);
            names.push(role.name.clone());
        }
        let last = ty
            .segments
            .last()
            .map_or_else(|| enum_ident.to_string(), |s| s.ident.unraw().to_string());
        let module = container
            .role_module
            .clone()
            .unwrap_or_else(|| Ident::new(&snake_case(&last), path_span(ty)));
        Some(RoleAxis {
            ty: ty.clone(),
            module,
            names,
        })
    }

    fn role(&mut self, role: &attr::RoleDecl) {
        if let Some(cel) = &role.cel
            && (cel.value().trim().is_empty() || cel.value().contains('\n'))
        {
            self.cx
                .error_spanned(cel, "a role's CEL predicate is one non-empty line");
        }
        self.machine.roles.push(RoleSpec::new(
            role.name.unraw().to_string(),
            role.cel.as_ref().map(LitStr::value),
        ));
        self.sources.roles.push(role.name.span());
    }

    /// The RBAC verb that grants `event`: the one it names, else its own name under
    /// `verbs`. A verb that cannot grant an event is reported where it was written.
    fn verb(&mut self, event: &attr::EventDecl, verbs: bool, name: String) -> Option<String> {
        let (verb, problem) = match &event.verb {
            Some(lit) => {
                let verb = lit.value();
                let problem = lifecycle_machine::verb_problem(&verb);
                if let Some(problem) = &problem {
                    self.cx.error_spanned(
                        lit,
                        format!(
                            "`{verb}` {problem}; name a verb of the event's own, such as `pause`"
                        ),
                    );
                }
                (verb, problem)
            }
            None if verbs => {
                let verb = name.replace('_', "-");
                let problem = lifecycle_machine::verb_problem(&verb);
                if let Some(problem) = &problem {
                    self.cx.error_spanned(
                        &event.name,
                        format!(
                            "under `verbs`, event `{name}` is granted by the verb `{verb}`, which {problem}; name one of its own with `verb = \"...\"` in the event"
                        ),
                    );
                }
                (verb, problem)
            }
            None => return None,
        };
        problem.is_none().then_some(verb)
    }

    fn events(&mut self, container: &Container) -> Vec<Named> {
        let mut out: Vec<Named> = Vec::new();
        for event in &container.events {
            if self.clashes("event", &event.name) {
                continue;
            }
            super::valid::reserved_event_name(event, self.cx);
            let from = self.set(&event.from, "source state", Self::state);
            let to = self.state(&event.to);
            let resolved = match (to, from.is_empty()) {
                (Some(to), false) => {
                    let states = from.iter().map(|f| f.state);
                    let name = event.name.unraw().to_string();
                    let mut spec = EventSpec::new(name.clone(), states, to);
                    spec.verb = self.verb(event, container.verbs, name);
                    self.machine.events.push(spec);
                    self.sources.events.push(EventSource {
                        name: event.name.span(),
                        from,
                        to: event.to.span(),
                    });
                    Some(self.machine.events.len() - 1)
                }
                _ => {
                    self.complete = false;
                    None
                }
            };
            out.push(Named::new(event.name.clone(), resolved));
        }
        out
    }

    fn actions(&mut self, container: &Container, roles: Option<&RoleAxis>) -> Vec<Named> {
        let mut out: Vec<Named> = Vec::new();
        for action in &container.actions {
            if self.clashes("action", &action.name) {
                continue;
            }
            let resolved = self.action(container, action, roles);
            out.push(Named::new(action.name.clone(), resolved));
        }
        out
    }

    /// Resolves one action into the machine; its index there, if it resolved.
    fn action(
        &mut self,
        container: &Container,
        action: &attr::ActionDecl,
        roles: Option<&RoleAxis>,
    ) -> Option<usize> {
        let states = self.set(&action.states, "state", Self::state);
        let role_indices = self.action_roles(container, action, roles);
        let field = match &action.field {
            Some(lit) if !is_field_path(&lit.value()) => {
                self.cx
                    .error_spanned(lit, "expected a dotted field path such as `\"replicas\"`");
                None
            }
            other => other.as_ref(),
        };
        if states.is_empty() {
            self.complete = false;
            return None;
        }
        let spec = ActionSpec::new(
            action.name.unraw().to_string(),
            states.iter().map(|s| s.state),
            role_indices,
        );
        self.machine.actions.push(match field {
            Some(lit) => spec.with_field(lit.value()),
            None => spec,
        });
        self.sources.actions.push(ActionSource {
            name: action.name.span(),
            field: field.map(LitStr::span),
        });
        Some(self.machine.actions.len() - 1)
    }

    /// The roles an action is allowed for: all of them when it names none.
    fn action_roles(
        &mut self,
        container: &Container,
        action: &attr::ActionDecl,
        roles: Option<&RoleAxis>,
    ) -> Vec<usize> {
        match (&action.roles, roles) {
            (None, Some(axis)) => (0..axis.names.len()).collect(),
            (None, None) => Vec::new(),
            (Some(list), Some(axis)) => self
                .set(list, "role", |r, name| {
                    let found = axis.names.iter().position(|n| n == name);
                    if found.is_none() {
                        let known: Vec<String> =
                            axis.names.iter().map(|n| format!("`{n}`")).collect();
                        r.cx.error_spanned(
                            name,
                            format!("unknown role `{name}`; the roles are {}", known.join(", ")),
                        );
                    }
                    found
                })
                .into_iter()
                .map(|r| r.state)
                .collect(),
            (Some(list), None) => {
                // A half-declared role axis has had its error already.
                if container.roles_type.is_none() && container.roles.is_empty() {
                    self.cx.error_spanned(
                        &list[0],
                        "this lifecycle has no roles; declare them with `roles = YourRoleEnum` and `role(...)`",
                    );
                }
                Vec::new()
            }
        }
    }

    fn phase_field(&mut self, container: &Container) {
        let Some(lit) = &container.phase_field else {
            return;
        };
        if is_field_path(&lit.value()) {
            self.machine.phase_field = Some(lit.value());
        } else {
            self.cx.error_spanned(
                lit,
                "expected a dotted field path such as `\"lifecycle.desiredPhase\"`",
            );
            self.complete = false;
        }
    }
}

/// Why the `kind` called `name` cannot be declared after the `earlier_kind` `earlier`.
fn clash_message(kind: &str, name: &Ident, earlier_kind: &str, earlier: &Ident) -> String {
    if earlier != name {
        let gate = pascal_case(&name.unraw().to_string());
        format!(
            "{kind} `{name}` and {earlier_kind} `{earlier}` would both generate `Can{gate}`; rename one"
        )
    } else if kind == earlier_kind {
        format!("duplicate {kind} `{name}`")
    } else {
        format!("`{name}` is already an {earlier_kind}; events and actions share one namespace")
    }
}
