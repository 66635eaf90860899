//! The tracker's pause order, where a relist shows its vertices at once.

use super::*;

/// Vertex `name` of pipeline `p` in role `role`, its desired phase `desired`.
fn vertex(name: &str, role: &str, desired: &str) -> Vertex {
    let mut spec = serde_json::json!({
        "name": name, "pipelineName": "p", "lifecycle": { "desiredPhase": desired },
    });
    spec[role] = serde_json::json!({});
    Vertex::new(&format!("p-{name}"), serde_json::from_value(spec).unwrap())
}

/// A state pausing pipeline `p`, its three vertices seen running.
fn pausing() -> State {
    let mut state = State {
        vertices_per_pipeline: 3,
        ..State::default()
    };
    for (name, role) in [("in", "source"), ("cat", "udf"), ("out", "sink")] {
        state.vertex_seen(&vertex(name, role, "Running"));
    }
    state.goal = Some(Goal::Pause);
    state.marks.insert("p".to_owned(), Marks::default());
    state
}

#[test]
fn a_vertex_paused_before_its_source_is_out_of_order() {
    let mut in_order = pausing();
    for (name, role) in [("in", "source"), ("cat", "udf"), ("out", "sink")] {
        in_order.vertex_seen(&vertex(name, role, "Paused"));
    }
    assert!(in_order.paused_out_of_order().is_empty());

    let mut out_of_order = pausing();
    for (name, role) in [("cat", "udf"), ("in", "source"), ("out", "sink")] {
        out_of_order.vertex_seen(&vertex(name, role, "Paused"));
    }
    assert_eq!(out_of_order.paused_out_of_order(), ["p"]);
}

#[test]
fn vertices_first_seen_paused_in_one_listing_count_as_seen_at_once() {
    // A relist shows the three paused at once, in name order: `cat` before `in`.
    let mut relisted = pausing();
    relisted.listing(true);
    for (name, role) in [("cat", "udf"), ("in", "source"), ("out", "sink")] {
        relisted.vertex_seen(&vertex(name, role, "Paused"));
    }
    relisted.listing(false);
    assert!(relisted.paused_out_of_order().is_empty());

    // After the listing, a vertex seen paused is later than all it listed.
    let mut after = pausing();
    after.listing(true);
    after.vertex_seen(&vertex("cat", "udf", "Paused"));
    after.listing(false);
    after.vertex_seen(&vertex("in", "source", "Paused"));
    assert_eq!(after.paused_out_of_order(), ["p"]);
}
