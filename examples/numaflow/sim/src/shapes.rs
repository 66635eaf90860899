//! Pipeline shapes for the simulation: chains, fan-outs, fan-ins, reduces, from 1 to 50
//! vertices.

use serde_json::json;

use numaflow_model::pipeline::{AbstractVertex, Edge};
use numaflow_model::vertex::{GroupBy, Scale, Udf};

/// A pipeline's vertices and edges.
#[derive(Debug, Clone)]
pub struct Shape {
    /// A short name, for reports.
    pub name: String,
    /// The vertices, as the pipeline declares them.
    pub vertices: Vec<AbstractVertex>,
    /// The edges, by vertex name.
    pub edges: Vec<Edge>,
}

/// The kinds of vertex a shape is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Source,
    Map,
    Reduce,
    Sink,
}

fn vertex(name: String, kind: Kind, min: i32) -> AbstractVertex {
    let mut v = AbstractVertex {
        name,
        scale: Some(Scale {
            min: Some(min),
            max: Some(5),
            ..Scale::default()
        }),
        ..AbstractVertex::default()
    };
    match kind {
        Kind::Source => v.source = serde_json::from_value(json!({ "generator": {} })).ok(),
        Kind::Sink => v.sink = serde_json::from_value(json!({ "log": {} })).ok(),
        Kind::Map => v.udf = Some(Udf::default()),
        Kind::Reduce => {
            v.udf = Some(Udf {
                group_by: Some(GroupBy {
                    keyed: Some(true),
                    ..GroupBy::default()
                }),
                ..Udf::default()
            });
            v.partitions = Some(2);
        }
    }
    v
}

struct Builder {
    vertices: Vec<AbstractVertex>,
    edges: Vec<Edge>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            vertices: Vec::new(),
            edges: Vec::new(),
        }
    }

    fn add(&mut self, kind: Kind, min: i32) -> String {
        let prefix = match kind {
            Kind::Source => "in",
            Kind::Map => "map",
            Kind::Reduce => "reduce",
            Kind::Sink => "out",
        };
        let name = format!("{prefix}{}", self.vertices.len());
        self.vertices.push(vertex(name.clone(), kind, min));
        name
    }

    fn edge(&mut self, from: &str, to: &str) {
        self.edges.push(Edge::new(from, to));
    }

    /// A chain from `from` through `steps`, ending in a new sink; returns nothing.
    fn chain(&mut self, from: &str, steps: &[Kind], min: i32) {
        let mut last = from.to_owned();
        for &kind in steps {
            let next = self.add(kind, min);
            self.edge(&last, &next);
            last = next;
        }
        let sink = self.add(Kind::Sink, min);
        self.edge(&last, &sink);
    }

    fn build(self, name: String) -> Shape {
        Shape {
            name,
            vertices: self.vertices,
            edges: self.edges,
        }
    }
}

/// A source alone: it has nowhere to send messages.
fn lone_source() -> Shape {
    let mut b = Builder::new();
    b.add(Kind::Source, 1);
    b.build("lone-source".to_owned())
}

/// source → `n` steps of `kind` → sink.
fn chain(n: usize, kind: Kind, min: i32) -> Shape {
    let mut b = Builder::new();
    let source = b.add(Kind::Source, min);
    b.chain(&source, &vec![kind; n], min);
    b.build(format!("chain-{n}-{kind:?}-min{min}").to_lowercase())
}

/// One source fanning out to `branches` chains of `depth` maps.
fn fan_out(branches: usize, depth: usize) -> Shape {
    let mut b = Builder::new();
    let source = b.add(Kind::Source, 1);
    for _ in 0..branches {
        b.chain(&source, &vec![Kind::Map; depth], 1);
    }
    b.build(format!("fan-out-{branches}x{depth}"))
}

/// `sources` sources fanning into one map, a reduce and a sink.
fn fan_in(sources: usize) -> Shape {
    let mut b = Builder::new();
    let map = {
        let names: Vec<String> = (0..sources).map(|_| b.add(Kind::Source, 0)).collect();
        let map = b.add(Kind::Map, 0);
        for name in &names {
            b.edge(name, &map);
        }
        map
    };
    b.chain(&map, &[Kind::Reduce], 0);
    b.build(format!("fan-in-{sources}"))
}

/// A mix of everything, `n` vertices or close to it.
fn mixed(n: usize) -> Shape {
    let mut b = Builder::new();
    let source = b.add(Kind::Source, 1);
    let mut steps = Vec::new();
    while b.vertices.len() + steps.len() + 2 < n {
        steps.push(if steps.len() % 3 == 2 {
            Kind::Reduce
        } else {
            Kind::Map
        });
        if steps.len() == 6 {
            b.chain(&source, &steps, 1);
            steps.clear();
        }
    }
    b.chain(&source, &steps, 1);
    let name = format!("mixed-{}", b.vertices.len());
    b.build(name)
}

/// Every shape the simulation runs: 24 of them, from 1 to 50 vertices.
pub fn shapes() -> Vec<Shape> {
    vec![
        lone_source(),
        chain(0, Kind::Map, 1),
        chain(1, Kind::Map, 0),
        chain(1, Kind::Map, 1),
        chain(1, Kind::Reduce, 1),
        chain(2, Kind::Map, 2),
        chain(3, Kind::Reduce, 0),
        chain(5, Kind::Map, 1),
        chain(10, Kind::Map, 0),
        chain(20, Kind::Map, 1),
        chain(48, Kind::Map, 1),
        fan_out(2, 1),
        fan_out(3, 2),
        fan_out(5, 3),
        fan_out(8, 4),
        fan_in(2),
        fan_in(4),
        fan_in(10),
        mixed(8),
        mixed(12),
        mixed(20),
        mixed(30),
        mixed(40),
        mixed(50),
    ]
}
