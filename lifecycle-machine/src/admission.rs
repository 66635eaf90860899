//! The CEL of a `ValidatingAdmissionPolicy` that guards who may move the phase: the API
//! server's CRD rules judge a change by the objects alone, an admission policy also sees
//! `request.userInfo` and can ask the authorizer.
//!
//! A move is allowed when the phase stays put, when the requester is a named writer (a
//! user name or a member of a named group), or when the requester holds, on the object,
//! the RBAC verb of an event that makes the move ([`EventSpec::verb`](crate::EventSpec)).

use std::fmt::Write as _;

use crate::Machine;
use crate::cel::{cel_string, is_field_path, or_words};

/// Who may move one phase field of one resource, besides whoever holds the verb of the
/// event that makes the move.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Writers {
    /// The resource's API group (`numaflow.numaproj.io`; empty for the core group).
    pub api_group: String,
    /// The resource's plural (`pipelines`).
    pub resource: String,
    /// The phase field, a dotted path from the object's root (`status.phase`).
    pub field: String,
    /// User names as the API server authenticates them
    /// (`system:serviceaccount:NAMESPACE:NAME` for a ServiceAccount).
    pub users: Vec<String>,
    /// Groups whose members may move the phase (`system:serviceaccounts:NAMESPACE`).
    pub user_groups: Vec<String>,
    /// Whether only the writers may create objects of the resource at all, whatever
    /// phase they start in.
    pub only_writers_create: bool,
}

impl Writers {
    /// The writers of `field` of `resource` in `api_group`: nobody yet.
    pub fn new(
        api_group: impl Into<String>,
        resource: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        Writers {
            api_group: api_group.into(),
            resource: resource.into(),
            field: field.into(),
            ..Writers::default()
        }
    }

    /// The resource as `kubectl` names it: `pipelines.numaflow.numaproj.io`.
    pub fn qualified_resource(&self) -> String {
        match self.api_group.is_empty() {
            true => self.resource.clone(),
            false => format!("{}.{}", self.resource, self.api_group),
        }
    }

    /// The resources a policy must match to see every write of the field: the resource
    /// and its `status` and `scale` subresources. A field under `status` is written
    /// through `RESOURCE/status` when the CRD has a status subresource, and through the
    /// resource itself when it has none; a field elsewhere cannot change through
    /// `status` (the server keeps the rest of the object), so matching both costs
    /// nothing. Through `scale` the server hands a policy an `autoscaling/v1` `Scale`,
    /// which has replicas and no phase: the phase reads the same before and after, so
    /// every scale passes on to RBAC and the CRD's rules, and no write through it can
    /// move a phase unseen.
    pub fn resources(&self) -> Vec<String> {
        ["", "/status", "/scale"]
            .iter()
            .map(|sub| format!("{}{sub}", self.resource))
            .collect()
    }

    fn is_writer(&self, username: &str, groups: &[String]) -> bool {
        self.users.iter().any(|u| u == username)
            || groups.iter().any(|g| self.user_groups.contains(g))
    }

    /// The named writers, as a message lists them.
    fn named(&self) -> Vec<String> {
        let mut who = self.users.clone();
        who.extend(self.user_groups.iter().map(|g| format!("members of {g}")));
        who
    }
}

/// The operation a request makes, as `request.operation` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A new object: its phase moves from the default state (unset, without one).
    Create,
    /// A changed object: merge patch, JSON patch, update or server-side apply, to the
    /// resource or a subresource.
    Update,
}

/// One request as a writer policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct WriteRequest<'a> {
    /// Create or update.
    pub operation: Operation,
    /// `request.userInfo.username`.
    pub username: &'a str,
    /// `request.userInfo.groups`.
    pub groups: &'a [String],
    /// The authorizer's answer: the events' verbs the requester holds on the object.
    pub verbs: &'a [String],
    /// The phase before the request, by name (`None`: unset, or no object yet).
    pub old: Option<&'a str>,
    /// The phase the request writes (`None`: unset).
    pub new: Option<&'a str>,
}

/// The expressions of a writer policy for one phase field, as a
/// `ValidatingAdmissionPolicy` takes them: two variables that read the phase before and
/// after the request (the default state where the field is absent or the object is
/// new), one validation per guarded operation and their messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterRule {
    /// The field, from the object's root (`spec.lifecycle.desiredPhase`).
    pub field: String,
    /// The resources the policy matches ([`Writers::resources`]).
    pub resources: Vec<String>,
    /// The operations it matches: `CREATE` and `UPDATE`.
    pub operations: Vec<String>,
    /// The CEL of variable `oldPhase`: the phase of `oldObject`, the default state on
    /// create.
    pub old_phase: String,
    /// The CEL of variable `newPhase`: the phase of `object`.
    pub new_phase: String,
    /// The validations, in order; the first that fails gives the denial.
    pub validations: Vec<WriterValidation>,
}

/// One validation of a [`WriterRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterValidation {
    /// The CEL that must hold.
    pub expression: String,
    /// The denial in the requester's terms: who asked, the move, the verb it needs.
    pub message_expression: String,
    /// The static message the server falls back to.
    pub message: String,
}

impl Machine {
    /// The writer rule for `writers`: everyone's requests pass when the phase stays put;
    /// a move passes for the named writers and for whoever holds, on the object, the
    /// verb of an event that makes it. `None` when the field is not a dotted path of
    /// identifiers.
    pub fn writer_rule(&self, writers: &Writers) -> Option<WriterRule> {
        if !is_field_path(&writers.field) {
            return None;
        }
        let is_writer = writer_cel(writers);
        let mut validations = Vec::new();
        if writers.only_writers_create {
            let message = creators_message(writers);
            validations.push(WriterValidation {
                expression: format!("request.operation != 'CREATE' || {is_writer}"),
                message_expression: format!(
                    "{} + ': ' + request.userInfo.username + ' may not create one'",
                    cel_string(&message)
                ),
                message,
            });
        }
        let mut expression = format!("variables.oldPhase == variables.newPhase || {is_writer}");
        for (verb, moves) in self.verb_moves() {
            let _ = write!(
                expression,
                " || (({}) && authorizer.group({}).resource({}).namespace(request.namespace).name(request.name).check({}).allowed())",
                self.moves_cel(&moves),
                cel_string(&writers.api_group),
                cel_string(&writers.resource),
                cel_string(verb),
            );
        }
        let message = self.writers_message(writers);
        let shown =
            |phase: &str| format!("(variables.{phase} == '' ? '(unset)' : variables.{phase})");
        let mut message_expression = format!(
            "{} + ': ' + request.userInfo.username + ' may not move it from ' + {} + ' to ' + {}",
            cel_string(&message),
            shown("oldPhase"),
            shown("newPhase"),
        );
        let needs = self.move_needs();
        if !needs.is_empty() {
            let entries: Vec<String> = needs
                .iter()
                .map(|(key, text)| format!("{}: {}", cel_string(key), cel_string(text)))
                .collect();
            let key = "variables.oldPhase + ' -> ' + variables.newPhase";
            let _ = write!(
                message_expression,
                " + (({key}) in {{{map}}} ? {{{map}}}[{key}] : '')",
                map = entries.join(", ")
            );
        }
        validations.push(WriterValidation {
            expression,
            message_expression,
            message,
        });
        Some(WriterRule {
            field: writers.field.clone(),
            resources: writers.resources(),
            operations: vec!["CREATE".to_owned(), "UPDATE".to_owned()],
            old_phase: format!(
                "oldObject == null ? {} : {}",
                self.phase_fallback(),
                self.phase_value("oldObject", &writers.field)
            ),
            new_phase: self.phase_value("object", &writers.field),
            validations,
        })
    }

    /// The verdict [`Machine::writer_rule`]'s policy gives `request`: `Ok` when it
    /// passes, otherwise the denial, word for word as the failing validation's
    /// `messageExpression` renders it. An unset phase reads as the default state.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine, Operation, WriteRequest, Writers};
    ///
    /// let mut desired = Machine::new("Desired", ["Running", "Paused"]);
    /// desired.default_state = Some(0);
    /// desired.events.push(EventSpec::new("pause", [0], 1).with_verb("pause"));
    /// desired.events.push(EventSpec::new("resume", [1], 0).with_verb("resume"));
    /// let mut writers = Writers::new("numaflow.numaproj.io", "pipelines", "spec.desiredPhase");
    /// writers.users.push("system:serviceaccount:ops:controller".to_owned());
    ///
    /// let pause = WriteRequest {
    ///     operation: Operation::Update,
    ///     username: "bob",
    ///     groups: &[],
    ///     verbs: &["pause".to_owned()],
    ///     old: None,
    ///     new: Some("Paused"),
    /// };
    /// assert_eq!(desired.writer_verdict(&writers, &pause), Ok(()));
    /// let resume = WriteRequest { old: Some("Paused"), new: Some("Running"), ..pause };
    /// assert_eq!(
    ///     desired.writer_verdict(&writers, &resume).unwrap_err(),
    ///     "spec.desiredPhase may be changed only by system:serviceaccount:ops:controller \
    ///      or holders of verb pause or resume on pipelines.numaflow.numaproj.io: \
    ///      bob may not move it from Paused to Running without verb resume"
    /// );
    /// ```
    pub fn writer_verdict(
        &self,
        writers: &Writers,
        request: &WriteRequest<'_>,
    ) -> Result<(), String> {
        let is_writer = writers.is_writer(request.username, request.groups);
        if writers.only_writers_create && request.operation == Operation::Create && !is_writer {
            return Err(format!(
                "{}: {} may not create one",
                creators_message(writers),
                request.username
            ));
        }
        let default = self
            .default_state
            .map(|d| self.states[d].as_str())
            .unwrap_or_default();
        let old = match request.operation {
            Operation::Create => None,
            Operation::Update => request.old,
        };
        let (from, to) = (old.unwrap_or(default), request.new.unwrap_or(default));
        if from == to || is_writer {
            return Ok(());
        }
        let granted = self.verb_moves().into_iter().any(|(verb, moves)| {
            request.verbs.iter().any(|v| v == verb)
                && moves
                    .iter()
                    .any(|&(f, t)| self.names_of(f).contains(&from) && self.states[t] == to)
        });
        if granted {
            return Ok(());
        }
        let shown = |phase: &'_ str| match phase {
            "" => "(unset)".to_owned(),
            named => named.to_owned(),
        };
        let needs = self
            .move_needs()
            .into_iter()
            .find(|(key, _)| *key == format!("{from} -> {to}"))
            .map(|(_, text)| text)
            .unwrap_or_default();
        Err(format!(
            "{}: {} may not move it from {} to {}{needs}",
            self.writers_message(writers),
            request.username,
            shown(from),
            shown(to),
        ))
    }

    /// Every verb the events name, in the order they first appear, with the moves
    /// (from, to) the events that name it make; a verb whose events only loop grants
    /// nothing and is left out.
    pub fn verb_moves(&self) -> Vec<(&str, Vec<(usize, usize)>)> {
        let mut out: Vec<(&str, Vec<(usize, usize)>)> = Vec::new();
        for event in &self.events {
            let Some(verb) = event.verb.as_deref() else {
                continue;
            };
            let moves = event
                .from
                .iter()
                .filter(|&&f| f != event.to)
                .map(|&f| (f, event.to));
            match out.iter_mut().find(|(v, _)| *v == verb) {
                Some((_, known)) => known.extend(moves),
                None => out.push((verb, moves.collect())),
            }
        }
        out.retain(|(_, moves)| !moves.is_empty());
        out
    }

    /// The CEL that holds when `variables` hold one of `moves`.
    fn moves_cel(&self, moves: &[(usize, usize)]) -> String {
        let mut targets: Vec<usize> = moves.iter().map(|&(_, t)| t).collect();
        targets.sort_unstable();
        targets.dedup();
        let clauses: Vec<String> = targets
            .iter()
            .map(|&t| {
                let sources: Vec<usize> = moves.iter().filter(|m| m.1 == t).map(|m| m.0).collect();
                format!(
                    "(variables.newPhase == {} && variables.oldPhase in [{}])",
                    cel_string(&self.states[t]),
                    self.cel_list_stored(&sources)
                )
            })
            .collect();
        clauses.join(" || ")
    }

    /// For every move some verb grants, keyed `From -> To`, the end of its denial:
    /// ` without verb pause`.
    fn move_needs(&self) -> Vec<(String, String)> {
        let mut needs: Vec<(String, Vec<&str>)> = Vec::new();
        for (verb, moves) in self.verb_moves() {
            for (f, t) in moves {
                // A stored former name moves as its state.
                for from in self.names_of(f) {
                    let key = format!("{from} -> {}", self.states[t]);
                    match needs.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, verbs)) if !verbs.contains(&verb) => verbs.push(verb),
                        Some(_) => {}
                        None => needs.push((key, vec![verb])),
                    }
                }
            }
        }
        needs
            .into_iter()
            .map(|(key, verbs)| (key, format!(" without verb {}", or_words(&verbs))))
            .collect()
    }

    /// The static message of a writer rule: the field and who may change it.
    fn writers_message(&self, writers: &Writers) -> String {
        let mut who = writers.named();
        let verbs: Vec<&str> = self.verb_moves().into_iter().map(|(v, _)| v).collect();
        if !verbs.is_empty() {
            who.push(format!(
                "holders of verb {} on {}",
                or_words(&verbs),
                writers.qualified_resource()
            ));
        }
        format!(
            "{} may be changed only by {}",
            writers.field,
            who_text(&who)
        )
    }

    /// The CEL of an unset phase: the default state, or `''` without one.
    fn phase_fallback(&self) -> String {
        match self.default_state {
            Some(d) => cel_string(&self.states[d]),
            None => "''".to_owned(),
        }
    }
}

/// Why `verb` cannot grant an event, as a clause to follow the verb (``"`patch` " +
/// reason``), or `None` when it can: an event's verb is lower-case letters, digits and
/// `-`, starting with a letter, and none of the verbs Kubernetes itself gives meaning
/// to, or every holder of that verb (`patch`, `delete`) would fire the event.
///
/// ```
/// assert_eq!(lifecycle_machine::verb_problem("pause"), None);
/// assert!(lifecycle_machine::verb_problem("patch").unwrap().contains("Kubernetes' own"));
/// assert!(lifecycle_machine::verb_problem("Pause").unwrap().contains("lower-case"));
/// ```
pub fn verb_problem(verb: &str) -> Option<String> {
    const KUBERNETES_VERBS: [&str; 17] = [
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "proxy",
        "use",
        "bind",
        "escalate",
        "impersonate",
        "approve",
        "sign",
        "attest",
        "nonresource",
    ];
    let well_formed = verb.starts_with(|c: char| c.is_ascii_lowercase())
        && verb
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !well_formed {
        return Some(
            "is not an RBAC verb an event can name: a verb is lower-case letters, digits and '-', starting with a letter".to_owned(),
        );
    }
    KUBERNETES_VERBS.contains(&verb).then(|| {
        format!(
            "is one of Kubernetes' own verbs: everyone who may `{verb}` the resource would fire the event"
        )
    })
}

/// The CEL that holds when the requester is a named writer.
fn writer_cel(writers: &Writers) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| cel_string(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut clauses = Vec::new();
    if !writers.users.is_empty() {
        clauses.push(format!(
            "request.userInfo.username in [{}]",
            list(&writers.users)
        ));
    }
    if !writers.user_groups.is_empty() {
        clauses.push(format!(
            "request.userInfo.groups.exists(g, g in [{}])",
            list(&writers.user_groups)
        ));
    }
    match clauses.is_empty() {
        true => "false".to_owned(),
        false => format!("({})", clauses.join(" || ")),
    }
}

/// The static message of a rule that lets only the writers create.
fn creators_message(writers: &Writers) -> String {
    format!(
        "{} are created only by {}",
        writers.qualified_resource(),
        who_text(&writers.named())
    )
}

/// `a`, `a or b`, `a, b or c`; `nobody` for none.
fn who_text(who: &[String]) -> String {
    match who {
        [] => "nobody".to_owned(),
        _ => or_words(&who.iter().map(String::as_str).collect::<Vec<_>>()),
    }
}
