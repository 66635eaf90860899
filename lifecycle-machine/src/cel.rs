//! CEL rules for the API server: the phase's transition rule and the action rules.

use std::fmt::Write as _;

use crate::{Machine, is_identifier};

impl Machine {
    /// The CEL transition rule of the phase field, or `None` when every move is
    /// legal. It reads `self == oldSelf || (oldSelf == 'A' && self in ['B']) || ...`: one
    /// clause per state with somewhere to go, so its length grows linearly with the
    /// transitions.
    pub fn transition_rule(&self) -> Option<String> {
        let n = self.states.len();
        let mut rule = String::from("self == oldSelf");
        let mut all_legal = true;
        for from in 0..n {
            let targets = self.targets(from);
            all_legal &= targets.len() + 1 == n;
            if targets.is_empty() {
                continue;
            }
            let _ = match self.names_of(from).as_slice() {
                [one] => write!(rule, " || (oldSelf == {}", cel_string(one)),
                names => write!(rule, " || (oldSelf in [{}]", cel_strings(names)),
            };
            let _ = write!(rule, " && self in [{}])", self.cel_list(&targets));
        }
        for (old, state) in &self.aliases {
            let (old, new) = (cel_string(old), cel_string(&self.states[*state]));
            let _ = write!(rule, " || (oldSelf == {old} && self == {new})");
        }
        (!all_legal).then_some(rule)
    }

    /// The one-line message that goes with [`Machine::transition_rule`]: it names the
    /// field and lists the legal moves.
    pub fn transition_message(&self) -> String {
        let field = self.phase_field_name();
        let mut moves = Vec::new();
        for from in 0..self.states.len() {
            let targets = self.targets(from);
            if !targets.is_empty() {
                let to: Vec<&str> = targets.iter().map(|&t| self.states[t].as_str()).collect();
                moves.push(format!("{} -> {}", self.states[from], to.join(" | ")));
            }
        }
        let mut message = format!("{field} may only follow the {} lifecycle: ", self.name);
        let mut listed = moves.join("; ");
        cut_list(&mut listed, ';');
        message.push_str(&listed);
        message
    }

    /// The CEL `messageExpression` that goes with [`Machine::transition_rule`]: the
    /// requester's own move and where the old phase may go, e.g. `phase cannot go from
    /// Running to Paused; from Running it may go to Failed, Pausing or Deleting`. A
    /// phase the machine does not know (a value stored before the enum changed) makes
    /// it fail, and the API server then falls back to [`Machine::transition_message`].
    pub fn transition_message_expression(&self) -> String {
        let field = self.phase_field_name();
        let entries: Vec<String> = (0..self.states.len())
            .flat_map(|from| {
                let targets = self.targets(from);
                let text = match targets.is_empty() {
                    true => "it may not move".to_owned(),
                    false => format!("it may go to {}", self.or_list(&targets)),
                };
                let names = self.names_of(from);
                names
                    .into_iter()
                    .map(move |name| format!("{}: {}", cel_string(name), cel_string(&text)))
                    .collect::<Vec<_>>()
            })
            .collect();
        format!(
            "{} + oldSelf + ' to ' + self + '; from ' + oldSelf + ' ' + {{{}}}[oldSelf]",
            cel_string(&format!("{field} cannot go from ")),
            entries.join(", ")
        )
    }

    /// The CEL rule that keeps a phase from starting outside the initial states, or
    /// `None` unless the machine enforces them ([`Machine::enforce_initial`]) and some
    /// state is not initial. It reads `oldSelf.hasValue() || self in ['A', 'B']` and
    /// needs `optionalOldSelf: true`, so that the server runs it when the field has no
    /// old value: when the object is created, or when a status phase is first written.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut job = Machine::new("JobPhase", ["Pending", "Running", "Done"]);
    /// job.initial = vec![0];
    /// job.events.push(EventSpec::new("start", [0], 1));
    /// job.events.push(EventSpec::new("finish", [1], 2));
    /// assert_eq!(job.initial_rule(), None, "not enforced unless asked");
    /// job.enforce_initial = true;
    /// assert_eq!(
    ///     job.initial_rule().as_deref(),
    ///     Some("oldSelf.hasValue() || self in ['Pending']")
    /// );
    /// ```
    pub fn initial_rule(&self) -> Option<String> {
        let enforced = self.enforce_initial && self.initial.len() < self.states.len();
        enforced.then(|| {
            format!(
                "oldSelf.hasValue() || self in [{}]",
                self.cel_list(&self.initial)
            )
        })
    }

    /// The fixed message that goes with [`Machine::initial_rule`].
    pub fn initial_message(&self) -> String {
        format!(
            "{} must start in an initial state of the {} lifecycle: {}",
            self.phase_field_name(),
            self.name,
            self.initial_list()
        )
    }

    /// The CEL `messageExpression` that goes with [`Machine::initial_rule`]: `phase
    /// cannot start at Paused; it may start at Running or Failed`.
    pub fn initial_message_expression(&self) -> String {
        format!(
            "{} + self + {}",
            cel_string(&format!("{} cannot start at ", self.phase_field_name())),
            cel_string(&format!("; it may start at {}", self.initial_list()))
        )
    }

    /// What the server says when an object starts in `state`, or `None` when it may:
    /// the words of [`Machine::initial_message_expression`], computed before sending.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut job = Machine::new("JobPhase", ["Pending", "Running"]);
    /// job.phase_field = Some("status.phase".into());
    /// job.initial = vec![0];
    /// job.enforce_initial = true;
    /// job.events.push(EventSpec::new("start", [0], 1));
    /// assert_eq!(job.start_denial(0), None);
    /// assert_eq!(
    ///     job.start_denial(1).as_deref(),
    ///     Some("phase cannot start at Running; it may start at Pending")
    /// );
    /// ```
    pub fn start_denial(&self, state: usize) -> Option<String> {
        (!self.may_start(state)).then(|| {
            format!(
                "{} cannot start at {}; it may start at {}",
                self.phase_field_name(),
                self.states[state],
                self.initial_list()
            )
        })
    }

    /// The initial states as `A, B or C`, cut like the transition message's list.
    fn initial_list(&self) -> String {
        let mut list = self.or_list(&self.initial);
        cut_list(&mut list, ',');
        list
    }

    /// `A`, `A or B`, `A, B or C`: the names of `states`.
    fn or_list(&self, states: &[usize]) -> String {
        let names: Vec<&str> = states.iter().map(|&s| self.states[s].as_str()).collect();
        or_words(&names)
    }

    /// The last segment of the phase field, or `phase` without one.
    fn phase_field_name(&self) -> &str {
        self.phase_field
            .as_deref()
            .and_then(|p| p.rsplit('.').next())
            .unwrap_or("phase")
    }

    /// The object-level CEL rule of `action`, or `None` when the action names no field or
    /// is allowed everywhere. While the phase stays the same in a state where the action
    /// is not allowed for the object's role, the field must keep its value: set stays set
    /// to the same value, unset stays unset.
    pub fn action_rule(&self, action: usize) -> Option<ActionRule> {
        let spec = &self.actions[action];
        let field = spec.field.as_deref()?;
        let phase = self.phase_field.as_deref()?;
        let new_phase = self.phase_value("self", phase);
        let old_phase = self.phase_value("oldSelf", phase);

        // Group roles by the states they may not act in, so the rule stays short.
        let mut groups: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        let role_count = self.roles.len().max(1);
        for r in 0..role_count {
            let role = (!self.roles.is_empty()).then_some(r);
            let forbidden: Vec<usize> = (0..self.states.len())
                .filter(|&s| !self.allows(s, role, action))
                .collect();
            if forbidden.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|(states, _)| *states == forbidden) {
                Some((_, roles)) => roles.push(r),
                None => groups.push((forbidden, vec![r])),
            }
        }
        if groups.is_empty() {
            return None;
        }
        let clauses: Vec<String> = groups
            .iter()
            .map(|(states, roles)| {
                // With a default, the phase is always some state: "in every state" is true.
                let everywhere = states.len() == self.states.len() && self.default_state.is_some();
                let in_states = match everywhere {
                    true => "true".to_owned(),
                    false => format!("{new_phase} in [{}]", self.cel_list_stored(states)),
                };
                if self.roles.is_empty() {
                    return in_states;
                }
                let preds: Vec<String> = roles
                    .iter()
                    .map(|&r| format!("({})", self.roles[r].cel.as_deref().unwrap_or("false")))
                    .collect();
                format!("(({}) && {in_states})", preds.join(" || "))
            })
            .collect();
        let present_new = presence("self", field);
        let present_old = presence("oldSelf", field);
        let rule = format!(
            "!({new_phase} == {old_phase} && ({})) || (({present_new}) == ({present_old}) && (!({present_new}) || self.{field} == oldSelf.{field}))",
            clauses.join(" || ")
        );
        let allowed = self.action_allowed(action);
        Some(ActionRule {
            rule,
            message: format!(
                "{field} cannot change in a phase where `{}` is not allowed; {allowed}",
                spec.name
            ),
            message_expression: format!(
                "{} + {new_phase} + {}",
                cel_string(&format!("{field} cannot change while ")),
                cel_string(&format!("; {allowed}"))
            ),
            field_path: format!(".{field}"),
        })
    }

    /// The client-side twin of [`Machine::action_rule`]'s `messageExpression`: the
    /// server's words when an object of `role` (`None` without a role axis) stays in
    /// `state` and its field of `action` changes, or `None` when `action` names no field
    /// or is allowed there.
    ///
    /// ```
    /// use lifecycle_machine::{ActionSpec, EventSpec, Machine};
    ///
    /// let mut volume = Machine::new("Volume", ["Open", "Frozen"]);
    /// volume.initial = vec![0];
    /// volume.phase_field = Some("phase".to_owned());
    /// volume.events.push(EventSpec::new("freeze", [0], 1));
    /// volume.events.push(EventSpec::new("thaw", [1], 0));
    /// volume.actions.push(ActionSpec::new("resize", [0], []).with_field("size"));
    /// assert_eq!(volume.action_denial(0, 0, None), None);
    /// assert_eq!(
    ///     volume.action_denial(0, 1, None).as_deref(),
    ///     Some("size cannot change while Frozen; `resize` is allowed only in Open")
    /// );
    /// ```
    pub fn action_denial(
        &self,
        action: usize,
        state: usize,
        role: Option<usize>,
    ) -> Option<String> {
        let field = self.actions[action].field.as_deref()?;
        self.phase_field.as_ref()?;
        if self.allows(state, role, action) {
            return None;
        }
        Some(format!(
            "{field} cannot change while {}; {}",
            self.states[state],
            self.action_allowed(action)
        ))
    }

    /// Where `action` is allowed, in words: `` `scale` is allowed for Source, Sink in
    /// Running; never for ReduceUdf ``.
    fn action_allowed(&self, action: usize) -> String {
        let spec = &self.actions[action];
        let allowed_in = |role: Option<usize>| -> Vec<usize> {
            (0..self.states.len())
                .filter(|&s| self.allows(s, role, action))
                .collect()
        };
        let detail = if self.roles.is_empty() {
            format!("only in {}", self.list_states(&allowed_in(None)))
        } else {
            // Roles that share the same allowed states are listed together.
            let mut groups: Vec<(Vec<usize>, Vec<&str>)> = Vec::new();
            for (r, role) in self.roles.iter().enumerate() {
                let states = allowed_in(Some(r));
                match groups.iter_mut().find(|(s, _)| *s == states) {
                    Some((_, names)) => names.push(&role.name),
                    None => groups.push((states, vec![&role.name])),
                }
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|(states, names)| match states.is_empty() {
                    true => format!("never for {}", names.join(", ")),
                    false => format!("for {} in {}", names.join(", "), self.list_states(states)),
                })
                .collect();
            parts.join("; ")
        };
        format!("`{}` is allowed {detail}", spec.name)
    }

    /// The CEL value of the phase at `path` under `root`, falling back to the default
    /// state when the field is absent.
    pub(crate) fn phase_value(&self, root: &str, path: &str) -> String {
        let value = format!("{root}.{path}");
        let fallback = match self.default_state {
            Some(d) => cel_string(&self.states[d]),
            // An absent phase matches no state, so no clause fires.
            None => "''".to_owned(),
        };
        format!("({} ? {value} : {fallback})", presence(root, path))
    }

    pub(crate) fn cel_list(&self, states: &[usize]) -> String {
        let items: Vec<String> = states
            .iter()
            .map(|&s| cel_string(&self.states[s]))
            .collect();
        items.join(", ")
    }

    /// [`Machine::cel_list`] with each state's former names beside it: every value a
    /// stored phase in those states may hold.
    pub(crate) fn cel_list_stored(&self, states: &[usize]) -> String {
        let names: Vec<&str> = states.iter().flat_map(|&s| self.names_of(s)).collect();
        cel_strings(&names)
    }
}

/// A CEL rule for an object schema's `x-kubernetes-validations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRule {
    /// The CEL expression.
    pub rule: String,
    /// The one-line message the API server falls back to when the rule fails.
    pub message: String,
    /// The CEL `messageExpression`: the field, the phase it stays in and where the
    /// action is allowed (`replicas cannot change while Paused; ...`), as
    /// [`Machine::action_denial`] gives it.
    pub message_expression: String,
    /// The path of the frozen field, relative to the rule's object (`.replicas`).
    pub field_path: String,
}

/// How long the list of moves in a transition message may grow before it is cut.
const MESSAGE_LIST_LIMIT: usize = 480;

/// Cuts a list longer than [`MESSAGE_LIST_LIMIT`] at the last `separator` that starts
/// within the limit, a byte index that always falls between characters whatever the
/// names are made of, and marks the cut with `separator ...`.
fn cut_list(list: &mut String, separator: char) {
    if list.len() <= MESSAGE_LIST_LIMIT {
        return;
    }
    let cut = list
        .char_indices()
        .take_while(|&(i, _)| i < MESSAGE_LIST_LIMIT)
        .filter(|&(_, c)| c == separator)
        .last()
        .map_or(0, |(i, _)| i);
    list.truncate(cut);
    list.push(separator);
    list.push_str(" ...");
}

/// `has(root.a) && has(root.a.b)`: true when every step of `path` is present.
fn presence(root: &str, path: &str) -> String {
    let mut prefix = root.to_owned();
    let mut checks = Vec::new();
    for part in path.split('.') {
        prefix.push('.');
        prefix.push_str(part);
        checks.push(format!("has({prefix})"));
    }
    checks.join(" && ")
}

/// `a`, `a or b`, `a, b or c`: the words a message lists.
pub(crate) fn or_words(words: &[&str]) -> String {
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// CEL string literals of `names`, comma-separated.
fn cel_strings(names: &[&str]) -> String {
    let items: Vec<String> = names.iter().map(|n| cel_string(n)).collect();
    items.join(", ")
}

/// A CEL single-quoted string literal.
pub(crate) fn cel_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Whether `path` is a dotted path of identifiers (`spec.replicas`), as CEL field
/// selection needs.
pub fn is_field_path(path: &str) -> bool {
    path.split('.').all(is_identifier)
}
