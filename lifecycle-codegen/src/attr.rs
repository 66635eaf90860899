//! Parses `#[lifecycle(...)]` (and the serde renames the phase's wire names follow) into
//! plain syntax with spans. No names are resolved and no code is generated here.

mod serde_attr;

use lifecycle_machine::ConditionType;
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Path, Token};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use serde_attr::{serde_string, serde_strings};

/// The keys `#[lifecycle(...)]` takes on the enum.
const CONTAINER_KEYS: &str = "`crate`, `module`, `roles`, `role_module`, `role`, `event`, `action`, `schema`, `phase_field`, `enforce_initial`, `verbs`";
/// The keys `#[lifecycle(...)]` takes on a variant.
const VARIANT_KEYS: &str = "`initial`, `terminal`, `retired`, `ready`, `reconciling`, `stalled`, `suspended`, `alias = \"...\"`";
/// The keys inside `action(...)`.
const ACTION_KEYS: &str = "`states`, `roles`, `field`";

/// Everything the enum-level attributes declare.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) krate: Option<Path>,
    pub(crate) module: Option<Ident>,
    pub(crate) roles_type: Option<Path>,
    pub(crate) role_module: Option<Ident>,
    pub(crate) roles: Vec<RoleDecl>,
    pub(crate) events: Vec<EventDecl>,
    pub(crate) actions: Vec<ActionDecl>,
    pub(crate) schema: bool,
    /// `enforce_initial`: the server refuses a first phase that is not initial.
    pub(crate) enforce_initial: bool,
    /// `verbs`: every event is granted by the RBAC verb of its own name, unless it
    /// names another.
    pub(crate) verbs: bool,
    pub(crate) phase_field: Option<LitStr>,
    pub(crate) rename_all: Option<RenameRule>,
    /// Keys given once already, to report the second occurrence.
    seen: Vec<String>,
}

/// `role(Source, cel = "has(self.source)")`.
pub(crate) struct RoleDecl {
    pub(crate) name: Ident,
    pub(crate) cel: Option<LitStr>,
}

/// `event(resume: Pausing | Paused -> Running)`, `event(resume: Paused -> Running, verb = "resume")`.
pub(crate) struct EventDecl {
    pub(crate) name: Ident,
    pub(crate) from: Vec<Ident>,
    pub(crate) to: Ident,
    pub(crate) verb: Option<LitStr>,
}

/// `action(scale, states = Running, roles = Source | Sink, field = "replicas")`.
pub(crate) struct ActionDecl {
    pub(crate) name: Ident,
    pub(crate) states: Vec<Ident>,
    pub(crate) roles: Option<Vec<Ident>>,
    pub(crate) field: Option<LitStr>,
}

/// What a variant's attributes say.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    pub(crate) initial: bool,
    pub(crate) terminal: bool,
    /// Kept only for the objects stored in it: they may only leave.
    pub(crate) retired: bool,
    /// `ready`, `reconciling`, `stalled` or `suspended`: the standard condition the state
    /// stands for.
    pub(crate) condition: Option<(ConditionType, Ident)>,
    /// `#[serde(rename = "...")]`, so CEL and `name()` use the wire name.
    pub(crate) rename: Option<String>,
    /// Former names: `#[lifecycle(alias = "...")]` and `#[serde(alias = "...")]`, each
    /// once, in the order written.
    pub(crate) aliases: Vec<LitStr>,
}

/// Parses every `#[lifecycle(...)]` and `#[serde(rename_all)]` on the enum.
pub(crate) fn container(attrs: &[Attribute], cx: &mut Ctxt) -> Container {
    let mut out = Container::default();
    for attr in attrs {
        if attr.path().is_ident("serde") {
            out.rename_all = serde_string(attr, "rename_all").and_then(|lit| {
                let rule = RenameRule::from_str(&lit.value());
                if rule.is_none() {
                    cx.error_spanned(&lit, format!("unknown `rename_all` rule {:?}", lit.value()));
                }
                rule
            });
            continue;
        }
        for item in lifecycle_items(attr, cx) {
            if let Err(e) = container_item.parse2(item).and_then(|item| out.add(item)) {
                cx.push(e);
            }
        }
    }
    out
}

/// Parses every `#[lifecycle(...)]` and `#[serde(rename)]` on a variant.
pub(crate) fn variant(attrs: &[Attribute], cx: &mut Ctxt) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("serde") {
            if let Some(lit) = serde_string(attr, "rename") {
                out.rename = Some(lit.value());
            }
            for lit in serde_strings(attr, "alias") {
                if !out.aliases.iter().any(|a| a.value() == lit.value()) {
                    out.aliases.push(lit);
                }
            }
            continue;
        }
        for item in lifecycle_items(attr, cx) {
            let parsed = (|input: ParseStream<'_>| {
                let key = Ident::parse_any(input)?;
                if key == "alias" {
                    input.parse::<Token![=]>().map_err(|_| {
                        syn::Error::new(key.span(), "expected `alias = \"FormerName\"`")
                    })?;
                    let lit: LitStr = input.parse()?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new(lit.span(), "a former name cannot be empty"));
                    }
                    if !out.aliases.iter().any(|a| a.value() == lit.value()) {
                        out.aliases.push(lit);
                    }
                    return expect_end(input, "`alias` takes one name; repeat it for another");
                }
                let condition = match key.to_string().as_str() {
                    "ready" => Some(ConditionType::Ready),
                    "reconciling" => Some(ConditionType::Reconciling),
                    "stalled" => Some(ConditionType::Stalled),
                    "suspended" => Some(ConditionType::Suspended),
                    _ => None,
                };
                if let Some(condition) = condition {
                    if let Some((_, first)) = &out.condition {
                        let message = if *first == key {
                            format!("duplicate `{key}`")
                        } else {
                            format!(
                                "`{key}` conflicts with `{first}`: a state stands for at most one of `ready`, `reconciling`, `stalled`, `suspended`"
                            )
                        };
                        return Err(syn::Error::new(key.span(), message));
                    }
                    out.condition = Some((condition, key));
                    return expect_end(input, "a variant attribute takes no value");
                }
                let flag = match key.to_string().as_str() {
                    "initial" => &mut out.initial,
                    "terminal" => &mut out.terminal,
                    "retired" => &mut out.retired,
                    "enforce_initial" => {
                        return Err(syn::Error::new(
                            key.span(),
                            "`enforce_initial` belongs on the enum; mark each state an object may start in with `#[lifecycle(initial)]`",
                        ));
                    }
                    other => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!("unknown variant attribute `{other}`; expected one of: {VARIANT_KEYS}"),
                        ));
                    }
                };
                if *flag {
                    return Err(syn::Error::new(key.span(), format!("duplicate `{key}`")));
                }
                *flag = true;
                expect_end(input, "a variant attribute takes no value")
            })
            .parse2(item);
            if let Err(e) = parsed {
                cx.push(e);
            }
        }
    }
    out
}

/// The comma-separated items of one `#[lifecycle(...)]`, each parsed on its own so that a
/// mistake in one does not hide mistakes in the others.
fn lifecycle_items(attr: &Attribute, cx: &mut Ctxt) -> Vec<TokenStream> {
    if !attr.path().is_ident("lifecycle") {
        return Vec::new();
    }
    let list = match attr.meta.require_list() {
        Ok(list) => list,
        Err(_) => {
            cx.error_spanned(attr, "expected `#[lifecycle(...)]`");
            return Vec::new();
        }
    };
    let mut items = Vec::new();
    let mut current = TokenStream::new();
    for tt in list.tokens.clone() {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                items.push(std::mem::take(&mut current));
            }
            _ => current.extend([tt]),
        }
    }
    items.push(current);
    items.retain(|item| !item.is_empty());
    items
}

/// One enum-level item, before it is merged into the [`Container`].
enum Item {
    Crate(Ident, Path),
    Module(Ident, Ident),
    Roles(Ident, Path),
    RoleModule(Ident, Ident),
    PhaseField(Ident, LitStr),
    Schema(Ident),
    EnforceInitial(Ident),
    Verbs(Ident),
    Role(RoleDecl),
    Event(EventDecl),
    Action(ActionDecl),
}

fn container_item(input: ParseStream<'_>) -> syn::Result<Item> {
    let key = Ident::parse_any(input)?;
    let item = match key.to_string().as_str() {
        "crate" => {
            let lit: LitStr = value(input, &key)?;
            let path = lit.parse::<Path>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    "expected a path such as `\"::lifecycle_model\"`",
                )
            })?;
            Item::Crate(key, path)
        }
        "module" => Item::Module(key.clone(), value(input, &key)?),
        "role_module" => Item::RoleModule(key.clone(), value(input, &key)?),
        "roles" => Item::Roles(key.clone(), value(input, &key)?),
        "phase_field" => Item::PhaseField(key.clone(), value(input, &key)?),
        "schema" => {
            flag_end(input, &key)?;
            Item::Schema(key)
        }
        "enforce_initial" => {
            flag_end(input, &key)?;
            Item::EnforceInitial(key)
        }
        "verbs" => {
            flag_end(input, &key)?;
            Item::Verbs(key)
        }
        "role" => Item::Role(nested(input, &key, role_decl)?),
        "event" => Item::Event(nested(input, &key, event_decl)?),
        "action" => Item::Action(nested(input, &key, action_decl)?),
        other => {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown lifecycle attribute `{other}`; expected one of: {CONTAINER_KEYS}"),
            ));
        }
    };
    expect_end(input, "expected `,` between lifecycle attributes")?;
    Ok(item)
}

impl Container {
    fn add(&mut self, item: Item) -> syn::Result<()> {
        match item {
            Item::Crate(key, path) => self.once(&key).map(|()| self.krate = Some(path)),
            Item::Module(key, ident) => self.once(&key).map(|()| self.module = Some(ident)),
            Item::Roles(key, path) => self.once(&key).map(|()| self.roles_type = Some(path)),
            Item::RoleModule(key, ident) => {
                self.once(&key).map(|()| self.role_module = Some(ident))
            }
            Item::PhaseField(key, lit) => self.once(&key).map(|()| self.phase_field = Some(lit)),
            Item::Schema(key) => self.once(&key).map(|()| self.schema = true),
            Item::EnforceInitial(key) => self.once(&key).map(|()| self.enforce_initial = true),
            Item::Verbs(key) => self.once(&key).map(|()| self.verbs = true),
            Item::Role(role) => {
                self.roles.push(role);
                Ok(())
            }
            Item::Event(event) => {
                self.events.push(event);
                Ok(())
            }
            Item::Action(action) => {
                self.actions.push(action);
                Ok(())
            }
        }
    }

    /// Fails on the second occurrence of a key that may appear once.
    fn once(&mut self, key: &Ident) -> syn::Result<()> {
        let name = key.unraw().to_string();
        if self.seen.contains(&name) {
            return Err(syn::Error::new(key.span(), format!("duplicate `{name}`")));
        }
        self.seen.push(name);
        Ok(())
    }
}

/// `= value` after `key`.
fn value<T: syn::parse::Parse>(input: ParseStream<'_>, key: &Ident) -> syn::Result<T> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{key} = ...`"),
        ));
    }
    input.parse::<Token![=]>()?;
    input.parse()
}

/// `key(...)`, parsed with `inner`.
fn nested<T>(
    input: ParseStream<'_>,
    key: &Ident,
    inner: fn(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{key}(...)`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    inner(&content)
}

/// The end of a flag such as `schema`, which takes no value.
fn flag_end(input: ParseStream<'_>, key: &Ident) -> syn::Result<()> {
    expect_end(input, &format!("`{key}` is a flag and takes no value"))
}

fn expect_end(input: ParseStream<'_>, message: &str) -> syn::Result<()> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error(message))
    }
}

/// `Name` or `Name, cel = "..."`.
fn role_decl(input: ParseStream<'_>) -> syn::Result<RoleDecl> {
    let name: Ident = input.parse()?;
    let mut cel = None;
    if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
        let key: Ident = input.parse()?;
        if key != "cel" {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown role attribute `{key}`; expected `cel`"),
            ));
        }
        cel = Some(value(input, &key)?);
    }
    expect_end(
        input,
        "expected `role(Name)` or `role(Name, cel = \"...\")`",
    )?;
    Ok(RoleDecl { name, cel })
}

/// `name: A | B -> C`.
fn event_decl(input: ParseStream<'_>) -> syn::Result<EventDecl> {
    let name: Ident = input.parse()?;
    if !input.peek(Token![:]) {
        return Err(syn::Error::new(
            name.span(),
            "expected `:` after the event name, as in `event(pause: Running -> Paused)`",
        ));
    }
    input.parse::<Token![:]>()?;
    let from = name_set(input)?;
    if !input.peek(Token![->]) {
        return Err(input.error("expected `->` and the state the event leads to"));
    }
    input.parse::<Token![->]>()?;
    let to: Ident = input.parse()?;
    let mut verb = None;
    while !input.is_empty() {
        if !input.peek(Token![,]) {
            return Err(input.error("an event has exactly one target state"));
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        if key != "verb" {
            return Err(syn::Error::new(
                key.span(),
                format!("unknown event attribute `{key}`; expected `verb`"),
            ));
        }
        if verb.replace(value::<LitStr>(input, &key)?).is_some() {
            return Err(syn::Error::new(key.span(), "duplicate `verb`"));
        }
    }
    Ok(EventDecl {
        name,
        from,
        to,
        verb,
    })
}

/// `name, states = A | B, roles = X | Y, field = "a.b"`.
fn action_decl(input: ParseStream<'_>) -> syn::Result<ActionDecl> {
    let name: Ident = input.parse()?;
    let mut states = None;
    let mut roles = None;
    let mut field = None;
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        let duplicate = match key.to_string().as_str() {
            "states" => states.replace(set_value(input, &key)?).is_some(),
            "roles" => roles.replace(set_value(input, &key)?).is_some(),
            "field" => field.replace(value::<LitStr>(input, &key)?).is_some(),
            other => {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown action attribute `{other}`; expected one of: {ACTION_KEYS}"),
                ));
            }
        };
        if duplicate {
            return Err(syn::Error::new(key.span(), format!("duplicate `{key}`")));
        }
    }
    let Some(states) = states else {
        return Err(syn::Error::new(
            name.span(),
            format!("action `{name}` needs the states it is allowed in: `states = A | B`"),
        ));
    };
    Ok(ActionDecl {
        name,
        states,
        roles,
        field,
    })
}

fn set_value(input: ParseStream<'_>, key: &Ident) -> syn::Result<Vec<Ident>> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{key} = A | B`"),
        ));
    }
    input.parse::<Token![=]>()?;
    name_set(input)
}

/// `A | B | C`.
fn name_set(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let mut names = vec![input.parse::<Ident>()?];
    while input.parse::<Option<Token![|]>>()?.is_some() {
        names.push(input.parse()?);
    }
    Ok(names)
}

/// The span of the first token of `path`, for errors about it.
pub(crate) fn path_span(path: &Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span())
}
