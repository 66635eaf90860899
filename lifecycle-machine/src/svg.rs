//! The machine drawn as an SVG picture, laid out by `layout-rs`.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, RecordDef, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::Machine;

/// The most arrows ([`Machine::arrows`]) a picture in the docs has. The layout's time
/// grows steeply with arrows on a dense machine: about 0.2 s at 65, 1 s at 80, 10 s at
/// 100, so the derive leaves larger machines undrawn rather than stall `cargo doc`.
pub const PICTURE_ARROWS: usize = 64;

/// One font size for the whole picture: the SVG carries one font class per size.
const FONT: usize = 14;

impl Machine {
    /// The machine as a self-contained SVG picture: one box per state, a dot with an
    /// arrow into each initial state, a double circle for each terminal state, one arrow
    /// per move labelled with its event (events that share a move share the arrow), and,
    /// when the machine has actions, a table of each action's states, roles and field.
    /// States marked `ready` are green, `stalled` ones red and `suspended` ones lavender,
    /// as their conditions read.
    ///
    /// The picture is laid out by [`layout-rs`](https://crates.io/crates/layout-rs) and
    /// needs no network, script or font download to show. The same machine always gives
    /// the same bytes. The layout takes time that grows steeply with [`Machine::arrows`]
    /// on dense machines; see [`PICTURE_ARROWS`]. On the rare machine whose layout
    /// layout-rs cannot finish (it panics; the message goes to the panic hook), the
    /// picture is drawn again without layout-rs's crossing optimizer, and if that fails
    /// too, as the states alone beside a table of the moves.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut door = Machine::new("Door", ["Open", "Closed"]);
    /// door.initial = vec![1];
    /// door.events.push(EventSpec::new("open", [1], 0));
    /// door.events.push(EventSpec::new("close", [0], 1));
    /// let svg = door.svg();
    /// assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    /// assert!(svg.contains(">Closed<") && svg.contains(">open<"));
    /// ```
    pub fn svg(&self) -> String {
        // layout-rs panics on a few degenerate layouts ("Can't normalize the unit
        // vector": two bends of one arrow at the same point), about 4 machines in 1,000
        // random ones. The placement with and without its crossing optimizer rarely
        // fail on the same machine, and a picture without arrows never does.
        for optimize in [true, false] {
            if let Ok(svg) = std::panic::catch_unwind(|| self.draw(optimize, true)) {
                return svg;
            }
        }
        self.draw(false, false)
    }

    /// Lays the machine out and renders it. With `arrows`, each move is an arrow and
    /// each initial state has a start dot; without, the states stand alone and a table
    /// lists the moves and the initial states. `optimize` runs layout-rs's crossing
    /// optimizer.
    fn draw(&self, optimize: bool, arrows: bool) -> String {
        let dir = Orientation::LeftToRight;
        let mut graph = VisualGraph::new(dir);
        let node = |shape: ShapeKind, look: StyleAttr| {
            let size = get_shape_size(dir, &shape, FONT, false);
            Element::create(shape, look, dir, size)
        };
        let states: Vec<_> = self
            .states
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let shape = match self.terminal.contains(&i) {
                    true => ShapeKind::DoubleCircle(name.clone()),
                    false => ShapeKind::Box(name.clone()),
                };
                graph.add_node(node(shape, look(self.fill(i), 2, 8)))
            })
            .collect();
        if arrows {
            // A start dot of its own for each initial state keeps the arrows short.
            for &s in &self.initial {
                let mut start = node(ShapeKind::Circle(String::new()), look("black", 1, 0));
                start.pos.set_size(Point::splat(10.));
                let start = graph.add_node(start);
                graph.add_edge(arrow(""), start, states[s]);
            }
            for (from, to, label) in self.moves() {
                graph.add_edge(arrow(&label), states[from], states[to]);
            }
        } else {
            graph.add_node(node(
                ShapeKind::Record(self.move_table()),
                look("white", 1, 0),
            ));
        }
        if !self.actions.is_empty() {
            graph.add_node(node(
                ShapeKind::Record(self.action_table()),
                look("white", 1, 0),
            ));
        }
        let mut svg = SVGWriter::new();
        graph.do_it(false, !optimize, false, &mut svg);
        with_background(&svg.finalize())
    }

    /// How many arrows [`Machine::svg`] draws: one per pair of states some event moves
    /// between, and one from a start dot into each initial state.
    ///
    /// ```
    /// use lifecycle_machine::{EventSpec, Machine};
    ///
    /// let mut door = Machine::new("Door", ["Open", "Closed"]);
    /// door.initial = vec![1];
    /// door.events.push(EventSpec::new("open", [1], 0));
    /// door.events.push(EventSpec::new("close", [0], 1));
    /// door.events.push(EventSpec::new("slam", [0], 1)); // shares close's arrow
    /// assert_eq!(door.arrows(), 3);
    /// ```
    pub fn arrows(&self) -> usize {
        self.moves().len() + self.initial.len()
    }

    /// Each `(from, to)` pair that some event moves along, once, with the names of the
    /// events that do, in declaration order.
    fn moves(&self) -> Vec<(usize, usize, String)> {
        let mut moves: Vec<(usize, usize, String)> = Vec::new();
        for e in &self.events {
            for &f in &e.from {
                match moves.iter_mut().find(|(a, b, _)| (*a, *b) == (f, e.to)) {
                    Some((_, _, label)) => {
                        label.push_str(", ");
                        label.push_str(&e.name);
                    }
                    None => moves.push((f, e.to, e.name.clone())),
                }
            }
        }
        moves
    }

    /// The fill of state `i`: its condition's colour, white otherwise.
    fn fill(&self, i: usize) -> &'static str {
        if self.ready.contains(&i) {
            "honeydew"
        } else if self.stalled.contains(&i) {
            "mistyrose"
        } else if self.suspended.contains(&i) {
            "lavender"
        } else {
            "white"
        }
    }

    /// The moves as a record, for a picture without arrows: a row per move, and one
    /// per initial state (from `start`).
    fn move_table(&self) -> RecordDef {
        let mut columns = [
            vec!["from".to_owned()],
            vec!["to".to_owned()],
            vec!["events".to_owned()],
        ];
        let starts = self
            .initial
            .iter()
            .map(|&s| ("start".to_owned(), s, "-".to_owned()));
        let moves = self
            .moves()
            .into_iter()
            .map(|(from, to, label)| (self.states[from].clone(), to, label));
        for (from, to, label) in starts.chain(moves) {
            columns[0].push(from);
            columns[1].push(self.states[to].clone());
            columns[2].push(label);
        }
        record(columns.into_iter().collect())
    }

    /// The action table as a record: a column per heading, a row per action.
    fn action_table(&self) -> RecordDef {
        let names = |idx: &[usize], of: &dyn Fn(usize) -> String| match idx.is_empty() {
            true => "-".to_owned(),
            false => idx.iter().map(|&i| of(i)).collect::<Vec<_>>().join(", "),
        };
        let mut columns = vec![vec!["action".to_owned()], vec!["states".to_owned()]];
        if !self.roles.is_empty() {
            columns.push(vec!["roles".to_owned()]);
        }
        if self.actions.iter().any(|a| a.field.is_some()) {
            columns.push(vec!["field".to_owned()]);
        }
        for a in &self.actions {
            let mut cells = vec![
                a.name.clone(),
                names(&a.states, &|i| self.states[i].clone()),
            ];
            if !self.roles.is_empty() {
                cells.push(names(&a.roles, &|i| self.roles[i].name.clone()));
            }
            if columns.len() > cells.len() {
                cells.push(a.field.clone().unwrap_or_else(|| "-".to_owned()));
            }
            for (column, cell) in columns.iter_mut().zip(cells) {
                column.push(cell);
            }
        }
        record(columns)
    }
}

/// A table as a record: one column of cells per entry of `columns`, heading first.
fn record(columns: Vec<Vec<String>>) -> RecordDef {
    RecordDef::Array(
        columns
            .into_iter()
            .map(|cells| RecordDef::Array(cells.iter().map(|c| RecordDef::new_text(c)).collect()))
            .collect(),
    )
}

/// A style with a black line of `width`, filled with `fill`, corners rounded by `round`.
fn look(fill: &str, width: usize, round: usize) -> StyleAttr {
    StyleAttr::new(
        Color::fast("black"),
        width,
        Some(Color::fast(fill)),
        round,
        FONT,
    )
}

/// A plain arrow labelled `label`, in the picture's one font size.
fn arrow(label: &str) -> Arrow {
    let mut arrow = Arrow::simple(label);
    arrow.look.font_size = FONT;
    arrow
}

/// The picture on a white ground, so that it reads the same on a dark page, with its
/// font classes in a fixed order: the layout keeps them in a hash map, and the same
/// machine must give the same bytes.
fn with_background(svg: &str) -> String {
    let Some((head, rest)) = svg.split_once("<defs>") else {
        return svg.to_owned();
    };
    let mut out = format!("{head}<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<defs>");
    match (rest.split_once("<style>\n"), rest.find("</style>")) {
        (Some((defs, styles)), Some(_)) => {
            let (styles, tail) = styles.split_once("</style>").unwrap_or((styles, ""));
            let mut lines: Vec<&str> = styles.lines().collect();
            lines.sort_unstable();
            out.push_str(defs);
            out.push_str("<style>\n");
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str("</style>");
            out.push_str(tail);
        }
        _ => out.push_str(rest),
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{ActionSpec, EventSpec, Machine, RoleSpec};

    /// The machine a random search found layout-rs to panic on with its optimizer.
    fn degenerate() -> Machine {
        let states = ["S0", "S1", "st_2", "S3", "S4", "back\\slash5", "S6"];
        let mut m = Machine::new("Random", states);
        m.initial = vec![1, 4, 5];
        let events: [(&str, &[usize], usize); 8] = [
            ("e0", &[2], 2),
            ("e1", &[2, 4, 5], 1),
            ("e2", &[1], 5),
            ("e3", &[0, 2], 6),
            ("e4", &[0, 4, 6], 2),
            ("e5", &[4], 3),
            ("e6", &[1, 3, 5], 2),
            ("e7", &[0, 3, 6], 5),
        ];
        for (name, from, to) in events {
            m.events
                .push(EventSpec::new(name, from.iter().copied(), to));
        }
        m.roles = vec![
            RoleSpec::new("R0", None::<String>),
            RoleSpec::new("R1", None::<String>),
        ];
        m.actions.push(ActionSpec::new("a0", [3], []));
        m
    }

    #[test]
    fn a_layout_that_panics_falls_back_and_still_names_everything() {
        let m = degenerate();
        let optimized = std::panic::catch_unwind(|| m.draw(true, true));
        assert!(
            optimized.is_err(),
            "layout-rs drew it: pick another degenerate machine"
        );
        let svg = m.svg();
        for name in m.states.iter().chain(m.events.iter().map(|e| &e.name)) {
            assert!(svg.contains(&format!(">{name}")), "{name} missing");
        }
    }

    #[test]
    fn the_picture_without_arrows_tables_every_move_and_start() {
        let m = degenerate();
        let svg = m.draw(false, false);
        assert!(!svg.contains("<path"), "no arrows");
        for cell in ["from", "to", "events", "start", "e1", "e4", "a0"] {
            assert!(svg.contains(&format!(">{cell}<")), "{cell} missing");
        }
        for state in &m.states {
            assert!(svg.contains(&format!(">{state}<")), "{state} missing");
        }
        assert_eq!(svg, m.draw(false, false), "the same bytes each time");
    }
}
