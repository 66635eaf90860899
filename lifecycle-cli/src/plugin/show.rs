//! What `kubectl lifecycle` prints, from a machine, an object as JSON and what the
//! server said of the user's rights: pure functions, so the words are tested without a
//! cluster.

use std::fmt::Write as _;

use lifecycle_machine::Machine;
use serde_json::Value;

/// The value at the dotted `path` of `object` (`status.phase`).
pub use lifecycle_machine::json::value_at as field;

/// The state `object` is in by `machine`, whose phase is at `path`: the state named
/// there (or a former name of it), or the machine's default state where the field is
/// absent. `Err` with what the field holds when that is not a state.
pub fn state_of(machine: &Machine, object: &Value, path: &str) -> Result<Option<usize>, String> {
    match field(object, path) {
        None | Some(Value::Null) => Ok(machine.default_state),
        Some(Value::String(name)) => machine.resolve(name).map(Some).ok_or_else(|| name.clone()),
        Some(other) => Err(other.to_string()),
    }
}

/// One move that may be made from the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The phase field it writes.
    pub path: String,
    /// The event.
    pub event: String,
    /// The state it leads to.
    pub to: String,
    /// Who may make it, as [`Who`].
    pub who: Who,
}

/// Who may make a move, as far as the client can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The user asking holds what the move needs: the RBAC verb (`pause`) or, for a move
    /// no verb grants, `patch` on the field's resource.
    You(String),
    /// The user asking lacks it: what is missing.
    NotYou(String),
    /// A move of the status: the object's controller makes it.
    Controller,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Who::You(what) => write!(f, "you may ({what})"),
            Who::NotYou(missing) => write!(f, "not you: {missing}"),
            Who::Controller => f.write_str("its controller"),
        }
    }
}

/// The RBAC rights a move needs, each a verb and the subresource it is on: `patch` of
/// the field's resource (`status` for a path in `status`), which the write is, and the
/// event's verb where one grants it. `None` for a move of the status that no verb
/// grants: its controller's.
///
/// # Panics
///
/// When `event` is not an index of `machine`'s events.
pub fn rights_for(
    machine: &Machine,
    event: usize,
    path: &str,
) -> Option<Vec<(String, Option<&'static str>)>> {
    let status = path.starts_with("status.");
    let patch = ("patch".to_owned(), status.then_some("status"));
    match &machine.events[event].verb {
        Some(verb) => Some(vec![(verb.clone(), None), patch]),
        None if status => None,
        None => Some(vec![patch]),
    }
}

/// The events that fire from `state`, with the state each leads to.
pub fn moves_from(machine: &Machine, state: usize) -> Vec<(usize, usize)> {
    machine
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.from.contains(&state))
        .map(|(i, e)| (i, e.to))
        .collect()
}

/// Lines of `rows` with each column padded to its widest cell.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            let cell = |r: &Vec<String>| r.get(c).map_or(0, |s| s.chars().count());
            rows.iter().map(cell).max().unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < row.len() {
                let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The conditions of `object` as a table: type, status, reason, message.
pub fn conditions(object: &Value) -> String {
    let list = field(object, "status.conditions").and_then(Value::as_array);
    let text = |c: &Value, key: &str| c[key].as_str().unwrap_or("").to_owned();
    let mut rows = vec![vec![
        "CONDITION".to_owned(),
        "STATUS".to_owned(),
        "REASON".to_owned(),
        "MESSAGE".to_owned(),
    ]];
    for c in list.into_iter().flatten() {
        rows.push(vec![
            text(c, "type"),
            text(c, "status"),
            text(c, "reason"),
            text(c, "message"),
        ]);
    }
    match rows.len() {
        1 => "no conditions\n".to_owned(),
        _ => table(&rows),
    }
}

/// The moves as a table: field, event, from → to, who.
pub fn moves(from: &[(String, String)], moves: &[Move]) -> String {
    if moves.is_empty() {
        return "no move leaves the current state\n".to_owned();
    }
    let mut rows = vec![vec![
        "FIELD".to_owned(),
        "EVENT".to_owned(),
        "MOVE".to_owned(),
        "WHO".to_owned(),
    ]];
    for m in moves {
        let state = from
            .iter()
            .find(|(path, _)| *path == m.path)
            .map_or("", |(_, s)| s.as_str());
        rows.push(vec![
            m.path.clone(),
            m.event.clone(),
            format!("{state} → {}", m.to),
            m.who.to_string(),
        ]);
    }
    table(&rows)
}

/// The machine as text: its states with their marks, then each event's moves.
///
/// # Panics
///
/// When an index in `machine` is out of range: a machine read from JSON never is.
///
/// ```
/// use lifecycle_machine::{EventSpec, Machine};
///
/// let mut m = Machine::new("Door", ["Open", "Closed"]);
/// m.initial = vec![1];
/// m.ready = vec![1];
/// m.events.push(EventSpec::new("open", [1], 0).with_verb("open"));
/// let text = lifecycle_cli::plugin::show::graph(&m, "spec.door");
/// assert_eq!(
///     text,
///     "Door (spec.door)\n\
///      states:\n  Open\n  Closed  initial, ready\n\
///      events:\n  open  Closed → Open  verb open\n"
/// );
/// ```
pub fn graph(machine: &Machine, path: &str) -> String {
    let mut out = format!("{} ({path})\nstates:\n", machine.name);
    let mut rows = Vec::new();
    for (i, state) in machine.states.iter().enumerate() {
        let mut marks = Vec::new();
        if machine.initial.contains(&i) {
            marks.push("initial".to_owned());
        }
        if machine.terminal.contains(&i) {
            marks.push("terminal".to_owned());
        }
        if machine.default_state == Some(i) {
            marks.push("default".to_owned());
        }
        if let Some(c) = machine.condition_of(i) {
            marks.push(c.as_str().to_ascii_lowercase());
        }
        rows.push(vec![format!("  {state}"), marks.join(", ")]);
    }
    out.push_str(&table(&rows));
    out.push_str("events:\n");
    let rows: Vec<Vec<String>> = machine
        .events
        .iter()
        .map(|e| {
            let from: Vec<&str> = e.from.iter().map(|&f| machine.states[f].as_str()).collect();
            vec![
                format!("  {}", e.name),
                format!("{} → {}", from.join(" | "), machine.states[e.to]),
                e.verb
                    .as_ref()
                    .map(|v| format!("verb {v}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&table(&rows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifecycle_machine::EventSpec;
    use serde_json::json;

    fn door() -> Machine {
        let mut m = Machine::new("Door", ["Open", "Closed"]);
        m.initial = vec![1];
        m.default_state = Some(1);
        m.events
            .push(EventSpec::new("open", [1], 0).with_verb("open"));
        m.events.push(EventSpec::new("close", [0], 1));
        m
    }

    #[test]
    fn the_state_is_read_at_its_path_or_defaulted_and_a_stranger_is_named() {
        let m = door();
        let object = json!({ "spec": { "door": "Open" } });
        assert_eq!(state_of(&m, &object, "spec.door"), Ok(Some(0)));
        assert_eq!(state_of(&m, &json!({}), "spec.door"), Ok(Some(1)));
        let ajar = json!({ "spec": { "door": "Ajar" } });
        assert_eq!(state_of(&m, &ajar, "spec.door"), Err("Ajar".to_owned()));
        let number = json!({ "spec": { "door": 3 } });
        assert_eq!(state_of(&m, &number, "spec.door"), Err("3".to_owned()));
        let mut renamed = m.clone();
        renamed.aliases.push(("Shut".to_owned(), 1));
        let shut = json!({ "spec": { "door": "Shut" } });
        assert_eq!(state_of(&renamed, &shut, "spec.door"), Ok(Some(1)));
    }

    #[test]
    fn moves_need_their_verb_patch_or_the_controller() {
        let m = door();
        assert_eq!(moves_from(&m, 1), [(0, 0)]);
        let patch = ("patch".to_owned(), None);
        assert_eq!(
            rights_for(&m, 0, "spec.door"),
            Some(vec![("open".into(), None), patch.clone()])
        );
        assert_eq!(rights_for(&m, 1, "spec.door"), Some(vec![patch]));
        assert_eq!(rights_for(&m, 1, "status.door"), None);
        assert_eq!(
            rights_for(&m, 0, "status.door"),
            Some(vec![
                ("open".into(), None),
                ("patch".into(), Some("status"))
            ])
        );
    }

    #[test]
    fn tables_align_and_empty_ones_say_so() {
        let rows = vec![
            vec!["A".to_owned(), "long cell".to_owned(), "x".to_owned()],
            vec!["BBB".to_owned(), "c".to_owned(), "y".to_owned()],
        ];
        assert_eq!(table(&rows), "A    long cell  x\nBBB  c          y\n");
        assert_eq!(conditions(&json!({})), "no conditions\n");
        assert_eq!(moves(&[], &[]), "no move leaves the current state\n");
        let one = Move {
            path: "spec.door".into(),
            event: "open".into(),
            to: "Open".into(),
            who: Who::NotYou("needs `open` on doors.example.com".into()),
        };
        assert_eq!(
            moves(&[("spec.door".into(), "Closed".into())], &[one]),
            "FIELD      EVENT  MOVE           WHO\n\
             spec.door  open   Closed → Open  not you: needs `open` on doors.example.com\n"
        );
    }
}
