//! Properties of `Machine` on random machines: legality, reachability, graph problems, and
//! the Mermaid, DOT and CEL renderings parsed back into the transitions they encode.

use std::collections::BTreeSet;

use lifecycle_model::machine::{Machine, Problem};
use lifecycle_tests::strategies;
use proptest::prelude::*;

/// The legality matrix, straight from the event list.
fn legal_matrix(m: &Machine) -> Vec<Vec<bool>> {
    let n = m.states.len();
    let mut legal = vec![vec![false; n]; n];
    for (s, row) in legal.iter_mut().enumerate() {
        row[s] = true;
    }
    for e in &m.events {
        for &f in &e.from {
            legal[f][e.to] = true;
        }
    }
    legal
}

/// Every legal move other than staying put, by name.
fn legal_moves(m: &Machine) -> BTreeSet<(String, String)> {
    let legal = legal_matrix(m);
    let mut out = BTreeSet::new();
    for (a, row) in legal.iter().enumerate() {
        for (b, &ok) in row.iter().enumerate() {
            if ok && a != b {
                out.insert((m.states[a].clone(), m.states[b].clone()));
            }
        }
    }
    out
}

/// Reachability as a fixpoint over the event list.
fn reachable_fixpoint(m: &Machine) -> Vec<bool> {
    let mut reach: Vec<bool> = (0..m.states.len())
        .map(|s| m.initial.contains(&s))
        .collect();
    loop {
        let mut changed = false;
        for e in &m.events {
            if !reach[e.to] && e.from.iter().any(|&f| reach[f]) {
                reach[e.to] = true;
                changed = true;
            }
        }
        if !changed {
            return reach;
        }
    }
}

/// One line of a Mermaid state diagram.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum MermaidLine {
    Start(String),
    Edge(String, String, String),
    End(String),
}

fn parse_mermaid(text: &str) -> Vec<MermaidLine> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("stateDiagram-v2"));
    // `state "long-name" as s4` declares an alias; ids resolve through it.
    let mut aliases = std::collections::HashMap::new();
    let mut out = Vec::new();
    for line in lines {
        let line = line
            .strip_prefix("    ")
            .unwrap_or_else(|| panic!("unindented line {line:?}"));
        if let Some(declaration) = line.strip_prefix("state \"") {
            let (name, id) = declaration
                .split_once("\" as ")
                .unwrap_or_else(|| panic!("bad alias: {line:?}"));
            aliases.insert(id.to_owned(), name.replace("#quot;", "\""));
            continue;
        }
        let name = |id: &str| aliases.get(id).cloned().unwrap_or_else(|| id.to_owned());
        out.push(if let Some(to) = line.strip_prefix("[*] --> ") {
            MermaidLine::Start(name(to))
        } else if let Some(from) = line.strip_suffix(" --> [*]") {
            MermaidLine::End(name(from))
        } else {
            let (from, rest) = line
                .split_once(" --> ")
                .unwrap_or_else(|| panic!("not an edge: {line:?}"));
            let (to, event) = rest
                .split_once(": ")
                .unwrap_or_else(|| panic!("edge without label: {line:?}"));
            MermaidLine::Edge(name(from), name(to), event.to_owned())
        });
    }
    out
}

/// Reads a DOT identifier, bare or quoted, off the front of `s`.
fn dot_id(s: &str) -> (String, &str) {
    if let Some(quoted) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => out.push(chars.next().expect("dangling escape").1),
                '"' => return (out, &quoted[i + 1..]),
                c => out.push(c),
            }
        }
        panic!("unterminated DOT string in {s:?}");
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    assert!(end > 0, "expected a DOT id at {s:?}");
    (s[..end].to_owned(), &s[end..])
}

/// The `(from, to, label)` of every DOT edge; `label` is `None` on the start edges.
fn parse_dot_edges(text: &str) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(line) = line.strip_prefix("    ") else {
            continue;
        };
        let (from, rest) = dot_id(line);
        let Some(rest) = rest.strip_prefix(" -> ") else {
            continue;
        };
        let (to, rest) = dot_id(rest);
        let label = if rest == ";" {
            None
        } else {
            let label = rest
                .strip_prefix(" [label=")
                .and_then(|r| r.strip_suffix("];"))
                .unwrap_or_else(|| panic!("odd edge tail {rest:?}"));
            let (label, tail) = dot_id(label);
            assert_eq!(tail, "");
            Some(label)
        };
        out.push((from, to, label));
    }
    out
}

/// Reads a CEL single-quoted string off the front of `s`.
fn cel_string(s: &str) -> (String, &str) {
    let quoted = s
        .strip_prefix('\'')
        .unwrap_or_else(|| panic!("expected a CEL string at {s:?}"));
    let mut out = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next().expect("dangling escape").1),
            '\'' => return (out, &quoted[i + 1..]),
            c => out.push(c),
        }
    }
    panic!("unterminated CEL string in {s:?}");
}

/// The moves a transition rule allows, read back from its text.
fn parse_rule(rule: &str) -> BTreeSet<(String, String)> {
    let mut rest = rule
        .strip_prefix("self == oldSelf")
        .unwrap_or_else(|| panic!("rule does not start with `self == oldSelf`: {rule}"));
    let mut out = BTreeSet::new();
    while !rest.is_empty() {
        let clause = rest
            .strip_prefix(" || (oldSelf == ")
            .unwrap_or_else(|| panic!("expected a clause at {rest:?}"));
        let (from, tail) = cel_string(clause);
        let mut list = tail
            .strip_prefix(" && self in [")
            .unwrap_or_else(|| panic!("expected `&& self in [` at {tail:?}"));
        loop {
            let (to, tail) = cel_string(list);
            assert!(
                out.insert((from.clone(), to.clone())),
                "pair listed twice: {from} -> {to}"
            );
            if let Some(next) = tail.strip_prefix(", ") {
                list = next;
            } else {
                rest = tail
                    .strip_prefix("])")
                    .unwrap_or_else(|| panic!("expected `])` at {tail:?}"));
                break;
            }
        }
    }
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn can_transition_follows_the_event_list(m in strategies::machine()) {
        let legal = legal_matrix(&m);
        prop_assert_eq!(legal.len(), m.states.len());
        for (a, row) in legal.iter().enumerate() {
            for (b, &expected) in row.iter().enumerate() {
                prop_assert_eq!(m.can_transition(a, b), expected, "{} -> {}", a, b);
                let event = m.event_between(a, b);
                let first = m.events.iter().position(|e| e.to == b && e.from.contains(&a));
                prop_assert_eq!(event, first);
            }
            let targets: Vec<usize> = (0..row.len()).filter(|&b| b != a && row[b]).collect();
            prop_assert_eq!(m.targets(a), targets);
        }
    }

    #[test]
    fn reachability_and_problems(m in strategies::machine()) {
        let reach = reachable_fixpoint(&m);
        prop_assert_eq!(m.reachable(), reach.clone());

        let problems = m.problems();
        let unreachable: BTreeSet<usize> = problems
            .iter()
            .filter_map(|p| match p {
                Problem::Unreachable { state } => Some(*state),
                _ => None,
            })
            .collect();
        let dead_ends: BTreeSet<usize> = problems
            .iter()
            .filter_map(|p| match p {
                Problem::DeadEnd { state } => Some(*state),
                _ => None,
            })
            .collect();
        let has_no_initial = problems.contains(&Problem::NoInitialState);
        if m.initial.is_empty() {
            // Without an initial state, that one problem stands for all the rest.
            prop_assert!(has_no_initial);
            prop_assert!(unreachable.is_empty());
        } else {
            prop_assert!(!has_no_initial);
            let expected: BTreeSet<usize> = (0..m.states.len()).filter(|&s| !reach[s]).collect();
            prop_assert_eq!(unreachable, expected);
        }
        let expected_dead: BTreeSet<usize> = (0..m.states.len())
            .filter(|s| !m.terminal.contains(s))
            .filter(|&s| !m.events.iter().any(|e| e.to != s && e.from.contains(&s)))
            .collect();
        prop_assert_eq!(dead_ends, expected_dead);

        for (i, e) in m.events.iter().enumerate() {
            let self_only = e.from.iter().all(|&f| f == e.to);
            prop_assert_eq!(problems.contains(&Problem::SelfLoopOnly { event: i }), self_only);
            for &f in &e.from {
                let exits = !self_only && f != e.to && m.terminal.contains(&f);
                prop_assert_eq!(
                    problems.contains(&Problem::TerminalExit { event: i, state: f }),
                    exits
                );
            }
        }
        for problem in &problems {
            // Every problem explains itself without panicking on its indices.
            prop_assert!(!problem.message(&m).is_empty());
        }
    }

    #[test]
    fn mermaid_encodes_every_transition(m in strategies::machine()) {
        let text = m.mermaid();
        let mut parsed = parse_mermaid(&text);
        let mut expected: Vec<MermaidLine> = Vec::new();
        expected.extend(m.initial.iter().map(|&s| MermaidLine::Start(m.states[s].clone())));
        for e in &m.events {
            for &f in &e.from {
                expected.push(MermaidLine::Edge(
                    m.states[f].clone(),
                    m.states[e.to].clone(),
                    e.name.clone(),
                ));
            }
        }
        expected.extend(m.terminal.iter().map(|&s| MermaidLine::End(m.states[s].clone())));
        // Exactly one line per (event, source), initial and terminal state: same multiset.
        parsed.sort();
        expected.sort();
        prop_assert_eq!(&parsed, &expected);

        let moves: BTreeSet<(String, String)> = parsed
            .into_iter()
            .filter_map(|line| match line {
                MermaidLine::Edge(from, to, _) if from != to => Some((from, to)),
                _ => None,
            })
            .collect();
        prop_assert_eq!(moves, legal_moves(&m));
    }

    #[test]
    fn dot_encodes_every_transition(m in strategies::machine()) {
        let text = m.dot();
        let framed = text.starts_with("digraph Random {\n") && text.ends_with("}\n");
        prop_assert!(framed, "not a digraph: {}", text);
        let edges = parse_dot_edges(&text);
        let mut starts: Vec<String> = edges
            .iter()
            .filter(|(from, _, label)| from == "__start" && label.is_none())
            .map(|(_, to, _)| to.clone())
            .collect();
        let mut initial: Vec<String> = m.initial.iter().map(|&s| m.states[s].clone()).collect();
        starts.sort();
        initial.sort();
        prop_assert_eq!(starts, initial);
        prop_assert_eq!(text.contains("__start [shape=point];"), !m.initial.is_empty());

        let mut labelled: Vec<(String, String, String)> = edges
            .into_iter()
            .filter_map(|(from, to, label)| label.map(|l| (from, to, l)))
            .collect();
        let mut expected: Vec<(String, String, String)> = m
            .events
            .iter()
            .flat_map(|e| {
                e.from
                    .iter()
                    .map(|&f| (m.states[f].clone(), m.states[e.to].clone(), e.name.clone()))
            })
            .collect();
        labelled.sort();
        expected.sort();
        prop_assert_eq!(&labelled, &expected);

        let moves: BTreeSet<(String, String)> = labelled
            .into_iter()
            .filter(|(from, to, _)| from != to)
            .map(|(from, to, _)| (from, to))
            .collect();
        prop_assert_eq!(moves, legal_moves(&m));

        for (i, s) in m.states.iter().enumerate() {
            let peripheries = m.terminal.contains(&i);
            // The label as DOT writes it: backslashes and quotes escaped.
            let label = s.replace('\\', "\\\\").replace('"', "\\\"");
            let node = text
                .lines()
                .find(|l| l.contains(&format!("[label=\"{label}\"")) && !l.contains(" -> "))
                .unwrap_or_else(|| panic!("no node line for {s}"));
            prop_assert_eq!(node.ends_with(", peripheries=2];"), peripheries, "{}", node);
        }
    }

    #[test]
    fn transition_rule_encodes_every_transition(m in strategies::machine()) {
        let n = m.states.len();
        let moves = legal_moves(&m);
        let every_pair_legal = moves.len() == n * (n - 1);
        match m.transition_rule() {
            None => prop_assert!(every_pair_legal, "no rule, yet some moves are illegal"),
            Some(rule) => {
                prop_assert!(!every_pair_legal, "a rule, yet every move is legal: {}", rule);
                prop_assert_eq!(parse_rule(&rule), moves);
            }
        }
    }

    #[test]
    fn action_rule_exists_exactly_when_it_gates_a_field(m in strategies::machine()) {
        let n = m.states.len();
        for (i, a) in m.actions.iter().enumerate() {
            let everywhere = (0..n).all(|s| a.states.contains(&s))
                && (m.roles.is_empty() || (0..m.roles.len()).all(|r| a.roles.contains(&r)));
            let expected = a.field.is_some() && m.phase_field.is_some() && !everywhere;
            let rule = m.action_rule(i);
            prop_assert_eq!(rule.is_some(), expected, "action {}", i);
            if let Some(rule) = rule {
                let field = a.field.as_deref().unwrap();
                prop_assert_eq!(rule.field_path, format!(".{field}"));
                let keeps_value = format!("self.{field} == oldSelf.{field}))");
                prop_assert!(rule.rule.ends_with(&keeps_value), "{}", rule.rule);
                let names_both = rule.message.starts_with(field)
                    && rule.message.contains(&format!("`{}` is allowed", a.name));
                prop_assert!(names_both, "{}", rule.message);
            }
        }
    }
}

#[test]
fn rule_parser_reads_a_known_rule() {
    // The parser above is itself checked against a rule written out by hand.
    let pairs = parse_rule(
        "self == oldSelf || (oldSelf == 'a' && self in ['b', 'c']) || (oldSelf == 'it\\'s' && self in ['a'])",
    );
    let expected: BTreeSet<(String, String)> = [("a", "b"), ("a", "c"), ("it's", "a")]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
    assert_eq!(pairs, expected);
}

#[test]
fn dot_parser_reads_quoted_ids() {
    let edges = parse_dot_edges(
        "digraph M {\n    __start -> \"a-b\";\n    \"a-b\" -> c [label=\"go\"];\n}\n",
    );
    assert_eq!(
        edges,
        [
            ("__start".to_owned(), "a-b".to_owned(), None),
            ("a-b".to_owned(), "c".to_owned(), Some("go".to_owned())),
        ]
    );
}
