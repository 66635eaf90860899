//! Resolves the parsed attributes into a [`Machine`] plus the spans of its parts, then
//! validates it. Every mistake is recorded; the parts that resolve still make a model,
//! so the expansion can go on and users see one wave of errors.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Visibility};

use crate::attr::{self, pascal_case, path_span, snake_case};
use crate::ctxt::Ctxt;
use crate::machine::{ActionSpec, EventSpec, Machine, Problem, RoleSpec, is_field_path};

/// The validated lifecycle, ready to expand.
pub(crate) struct Model {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) krate: Path,
    /// The module of state markers.
    pub(crate) module: Ident,
    /// The variant of each state, by index.
    pub(crate) variants: Vec<Ident>,
    pub(crate) machine: Machine,
    pub(crate) roles: Option<RoleAxis>,
    /// The name token of each event, by index.
    pub(crate) events: Vec<Ident>,
    /// The name token of each action, by index.
    pub(crate) actions: Vec<Ident>,
    pub(crate) schema: bool,
}

/// The role enum, its marker module and the name token of each role.
pub(crate) struct RoleAxis {
    pub(crate) ty: Path,
    pub(crate) module: Ident,
    pub(crate) names: Vec<Ident>,
}

/// What the expansion can still do when the input is not a plain enum.
pub(crate) enum Outcome {
    /// A model, perhaps built from the valid parts of a declaration with mistakes.
    Model(Box<Model>),
    /// A fieldless-enum shape is missing; only stubs can be emitted.
    Stub {
        ident: Ident,
        variants: Vec<Ident>,
        krate: Path,
    },
    /// Nothing sensible can be emitted beside the errors.
    Nothing,
}

/// Where each part of the machine was written, for graph errors.
struct Spans {
    enum_ident: Span,
    roles_key: Span,
    /// For each event: its name and the token of each source, by state index.
    events: Vec<(Span, Vec<(usize, Span)>)>,
    actions: Vec<(Span, Option<Span>)>,
    roles: Vec<Span>,
}

pub(crate) fn build(input: &DeriveInput, cx: &mut Ctxt) -> Outcome {
    let Data::Enum(data) = &input.data else {
        cx.error_at(
            keyword_span(input),
            "`Lifecycle` can only be derived for a fieldless enum: its variants are the states",
        );
        return Outcome::Nothing;
    };
    if let Some(param) = input.generics.params.first() {
        cx.error_spanned(
            param,
            "`Lifecycle` cannot be derived for a generic enum: a phase is a plain fieldless enum",
        );
        return Outcome::Nothing;
    }
    let container = attr::container(&input.attrs, cx);
    let mut variants = Vec::new();
    let mut shape_ok = true;
    let mut machine = Machine {
        name: input.ident.unraw().to_string(),
        ..Machine::default()
    };
    for (index, variant) in data.variants.iter().enumerate() {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned(
                &variant.fields,
                format!(
                    "state `{}` carries data; lifecycle states are unit variants",
                    variant.ident
                ),
            );
            shape_ok = false;
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
        if variant.attrs.iter().any(|a| a.path().is_ident("default")) {
            machine.default_state = Some(index);
        }
        variants.push(variant.ident.clone());
    }
    if variants.is_empty() {
        cx.error_spanned(&input.ident, "a lifecycle needs at least one state");
        shape_ok = false;
    }
    let krate: Path = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::lifecycle_model));
    if !shape_ok {
        return Outcome::Stub {
            ident: input.ident.clone(),
            variants,
            krate,
        };
    }

    let mut spans = Spans {
        enum_ident: input.ident.span(),
        roles_key: container
            .roles_type
            .as_ref()
            .map_or_else(Span::call_site, path_span),
        events: Vec::new(),
        actions: Vec::new(),
        roles: Vec::new(),
    };
    let mut resolver = Resolver {
        variants: &variants,
        index: std::collections::HashMap::new(),
        // An attribute that failed to parse took its part of the machine with it.
        complete: !cx.has_errors(),
        cx,
    };

    let mut roles = resolver.roles(&container, &mut machine, &mut spans, &input.ident);
    let events = resolver.events(&container, &mut machine, &mut spans);
    let actions = resolver.actions(
        &container,
        &mut machine,
        &mut spans,
        roles.as_ref(),
        &events,
    );
    if let Some(lit) = &container.phase_field {
        if is_field_path(&lit.value()) {
            machine.phase_field = Some(lit.value());
        } else {
            resolver.cx.error_spanned(
                lit,
                "expected a dotted field path such as `\"lifecycle.desiredPhase\"`",
            );
            resolver.complete = false;
        }
    }
    let complete = resolver.complete;
    validate(&machine, &spans, &variants, complete, cx);

    let module = container.module.clone().unwrap_or_else(|| {
        Ident::new(
            &snake_case(&input.ident.unraw().to_string()),
            input.ident.span(),
        )
    });
    if let Some(axis) = &mut roles
        && axis.module == module
    {
        cx.error_spanned(
            &axis.module,
            format!(
                "the role markers need a module of their own; `{module}` holds the state markers"
            ),
        );
        // Expand into another module, so rustc does not report the clash a second time.
        axis.module = Ident::new(&format!("{}_roles", module.unraw()), axis.module.span());
    }
    Outcome::Model(Box::new(Model {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        krate,
        module,
        variants,
        machine,
        roles,
        events,
        actions,
        schema: container.schema,
    }))
}

/// The `enum`/`struct`/`union` keyword, where "not an enum" errors belong.
fn keyword_span(input: &DeriveInput) -> Span {
    match &input.data {
        Data::Struct(s) => s.struct_token.span,
        Data::Union(u) => u.union_token.span,
        Data::Enum(e) => e.enum_token.span,
    }
}

/// Resolves names against the declared states and roles.
struct Resolver<'a> {
    variants: &'a [Ident],
    index: std::collections::HashMap<String, usize>,
    cx: &'a mut Ctxt,
    /// False once a part was dropped for an unresolved name: graph checks would then
    /// report its consequences, not the mistake.
    complete: bool,
}

impl Resolver<'_> {
    fn state(&mut self, name: &Ident) -> Option<usize> {
        if self.index.is_empty() {
            self.index = self
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| (v.to_string(), i))
                .collect();
        }
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
    ) -> Vec<(usize, Span)> {
        let mut out: Vec<(usize, Span)> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                self.cx
                    .error_spanned(name, format!("duplicate {what} `{name}`"));
                continue;
            }
            if let Some(index) = lookup(self, name) {
                out.push((index, name.span()));
            }
        }
        out
    }

    fn roles(
        &mut self,
        container: &attr::Container,
        machine: &mut Machine,
        spans: &mut Spans,
        enum_ident: &Ident,
    ) -> Option<RoleAxis> {
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
            if let Some(cel) = &role.cel
                && (cel.value().trim().is_empty() || cel.value().contains('\n'))
            {
                self.cx
                    .error_spanned(cel, "a role's CEL predicate is one non-empty line");
            }
            machine.roles.push(RoleSpec {
                name: role.name.unraw().to_string(),
                cel: role.cel.as_ref().map(LitStr::value),
            });
            spans.roles.push(role.name.span());
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

    fn events(
        &mut self,
        container: &attr::Container,
        machine: &mut Machine,
        spans: &mut Spans,
    ) -> Vec<Ident> {
        let mut names: Vec<Ident> = Vec::new();
        let mut by_pascal: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for event in &container.events {
            let pascal = pascal_name(&event.name);
            if let Some(earlier) = by_pascal.get(&pascal).map(|&i| &names[i]) {
                let message = clash_message("event", &event.name, "event", earlier);
                self.cx.error_spanned(&event.name, message);
                self.complete = false;
                continue;
            }
            let from = self.set(&event.from, "source state", Self::state);
            let to = self.state(&event.to);
            let (Some(to), false) = (to, from.is_empty()) else {
                self.complete = false;
                continue;
            };
            machine.events.push(EventSpec::new(
                event.name.unraw().to_string(),
                from.iter().map(|f| f.0),
                to,
            ));
            spans.events.push((event.name.span(), from));
            by_pascal.insert(pascal, names.len());
            names.push(event.name.clone());
        }
        names
    }

    fn actions(
        &mut self,
        container: &attr::Container,
        machine: &mut Machine,
        spans: &mut Spans,
        roles: Option<&RoleAxis>,
        events: &[Ident],
    ) -> Vec<Ident> {
        let mut names: Vec<Ident> = Vec::new();
        for action in &container.actions {
            let clash = same_name(&names, &action.name)
                .map(|earlier| clash_message("action", &action.name, "action", earlier))
                .or_else(|| {
                    same_name(events, &action.name)
                        .map(|event| clash_message("action", &action.name, "event", event))
                });
            if let Some(message) = clash {
                self.cx.error_spanned(&action.name, message);
                self.complete = false;
                continue;
            }
            let states = self.set(&action.states, "state", Self::state);
            let role_indices = match (&action.roles, roles) {
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
                                format!(
                                    "unknown role `{name}`; the roles are {}",
                                    known.join(", ")
                                ),
                            );
                        }
                        found
                    })
                    .into_iter()
                    .map(|r| r.0)
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
            };
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
                continue;
            }
            machine.actions.push(ActionSpec {
                name: action.name.unraw().to_string(),
                states: states.iter().map(|s| s.0).collect(),
                roles: role_indices,
                field: field.map(LitStr::value),
            });
            spans
                .actions
                .push((action.name.span(), field.map(LitStr::span)));
            names.push(action.name.clone());
        }
        names
    }
}

/// Runs the graph checks and reports each problem at the token that causes it.
fn validate(machine: &Machine, spans: &Spans, variants: &[Ident], complete: bool, cx: &mut Ctxt) {
    for problem in machine.problems() {
        let span = match problem {
            // With parts dropped, these would describe the drop, not the declaration.
            Problem::NoInitialState
            | Problem::Unreachable { .. }
            | Problem::DeadEnd { .. }
            | Problem::UnusedRoles
            | Problem::MissingPhaseField { .. }
                if !complete =>
            {
                continue;
            }
            Problem::NoInitialState => spans.enum_ident,
            Problem::Unreachable { state } | Problem::DeadEnd { state } => variants[state].span(),
            Problem::TerminalExit { event, state } => spans.events[event]
                .1
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(spans.events[event].0, |(_, span)| *span),
            Problem::SelfLoopOnly { event } => spans.events[event].0,
            Problem::UnusedRoles => spans.roles_key,
            Problem::UnusedAction { action } => spans.actions[action].0,
            Problem::MissingPhaseField { action } => {
                spans.actions[action].1.unwrap_or(spans.actions[action].0)
            }
            Problem::MissingRolePredicate { role, .. } => spans.roles[role],
        };
        cx.error_at(span, problem.message(machine));
    }
}

/// `force_delete` → `ForceDelete`: the name an event or action takes in generated types.
fn pascal_name(name: &Ident) -> String {
    pascal_case(&name.unraw().to_string())
}

/// The earlier name in `names` that generates the same types as `name`, if any.
fn same_name<'a>(names: &'a [Ident], name: &Ident) -> Option<&'a Ident> {
    names.iter().find(|n| pascal_name(n) == pascal_name(name))
}

/// Why the `kind` called `name` cannot be declared after the `earlier_kind` `earlier`.
fn clash_message(kind: &str, name: &Ident, earlier_kind: &str, earlier: &Ident) -> String {
    if earlier != name {
        let gate = pascal_name(name);
        format!(
            "{kind} `{name}` and {earlier_kind} `{earlier}` would both generate `Can{gate}`; rename one"
        )
    } else if kind == earlier_kind {
        format!("duplicate {kind} `{name}`")
    } else {
        format!("`{name}` is already an {earlier_kind}; events and actions share one namespace")
    }
}
