//! Mermaid and DOT renderings of a machine.

use std::fmt::Write as _;

use crate::{Machine, is_identifier};

impl Machine {
    /// A Mermaid `stateDiagram-v2` of the machine.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        // Names Mermaid cannot take as ids (dashes, spaces) get an alias.
        let ids: Vec<String> = self
            .states
            .iter()
            .enumerate()
            .map(|(i, name)| match is_identifier(name) {
                true => name.clone(),
                false => {
                    let _ = writeln!(out, "    state \"{}\" as s{i}", name.replace('"', "#quot;"));
                    format!("s{i}")
                }
            })
            .collect();
        for &s in &self.initial {
            let _ = writeln!(out, "    [*] --> {}", ids[s]);
        }
        for e in &self.events {
            for &f in &e.from {
                let _ = writeln!(out, "    {} --> {}: {}", ids[f], ids[e.to], e.name);
            }
        }
        for &s in &self.terminal {
            let _ = writeln!(out, "    {} --> [*]", ids[s]);
        }
        out
    }

    /// A Graphviz DOT digraph of the machine: initial states hang off a start point,
    /// terminal states are drawn with a double border.
    pub fn dot(&self) -> String {
        let mut out = format!(
            "digraph {} {{\n    rankdir=LR;\n    node [shape=box, style=rounded];\n",
            dot_id(&self.name)
        );
        if !self.initial.is_empty() {
            out.push_str("    __start [shape=point];\n");
        }
        for (i, s) in self.states.iter().enumerate() {
            let border = if self.terminal.contains(&i) {
                ", peripheries=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} [label={}{}];",
                dot_id(s),
                dot_string(s),
                border
            );
        }
        for &s in &self.initial {
            let _ = writeln!(out, "    __start -> {};", dot_id(&self.states[s]));
        }
        for e in &self.events {
            for &f in &e.from {
                let _ = writeln!(
                    out,
                    "    {} -> {} [label=\"{}\"];",
                    dot_id(&self.states[f]),
                    dot_id(&self.states[e.to]),
                    e.name
                );
            }
        }
        out.push_str("}\n");
        out
    }
}

/// A DOT identifier: bare when it is a plain identifier, quoted otherwise.
fn dot_id(s: &str) -> String {
    const KEYWORDS: [&str; 6] = ["node", "edge", "graph", "digraph", "subgraph", "strict"];
    let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s));
    if is_identifier(s) && !keyword {
        s.to_owned()
    } else {
        dot_string(s)
    }
}

/// A DOT double-quoted string.
fn dot_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
