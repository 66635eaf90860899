//! The writes a lifecycle change must make, per pipeline of three vertices with one
//! replica each (`in -> cat -> out`): each object whose fields change, written once for
//! each state it passes through, and one Event per transition. Nothing is read: the
//! controller's watches already hold what it needs.

use std::collections::BTreeMap;

use crate::Goal;

/// The ideal requests of `goal` for one pipeline, by kind as [`crate::audit::Request::kind`]
/// names them.
pub fn per_pipeline(goal: Goal) -> BTreeMap<&'static str, u64> {
    let rows: &[(&str, u64)] = match goal {
        // Three vertices created and a pod for each; the pipeline's finalizer; the
        // pipeline's status and each vertex's written once. Creation moves no lifecycle,
        // so no Event.
        Goal::Create => &[
            ("CREATE vertices", 3),
            ("CREATE pods", 3),
            ("PATCH pipelines", 1),
            ("PATCH pipelines/status", 1),
            ("PATCH vertices/status", 3),
        ],
        // The pipeline's status twice (`Pausing`, then `Paused`) and its pause timestamp
        // (NumaFlow's annotation); each vertex's desired phase, pod and status once; five
        // transitions: the pipeline's two, one a vertex.
        Goal::Pause => &[
            ("PATCH pipelines", 1),
            ("PATCH pipelines/status", 2),
            ("PATCH vertices", 3),
            ("DELETE pods", 3),
            ("PATCH vertices/status", 3),
            ("RECORD events", 5),
        ],
        // The pipeline's status once (`Running`) and its pause timestamp removed; each
        // vertex's desired phase, pod and status once; four transitions.
        Goal::Resume => &[
            ("PATCH pipelines", 1),
            ("PATCH pipelines/status", 1),
            ("PATCH vertices", 3),
            ("CREATE pods", 3),
            ("PATCH vertices/status", 3),
            ("RECORD events", 4),
        ],
        // The pipeline's status once (`Deleting`); each vertex paused as in a pause; the
        // finalizer released; four transitions. The vertices themselves go with the
        // garbage collector, not the controller.
        Goal::Delete => &[
            ("PATCH pipelines/status", 1),
            ("PATCH vertices", 3),
            ("DELETE pods", 3),
            ("PATCH vertices/status", 3),
            ("PATCH pipelines", 1),
            ("RECORD events", 4),
        ],
    };
    rows.iter().copied().collect()
}

/// The sum of [`per_pipeline`].
pub fn total(goal: Goal) -> u64 {
    per_pipeline(goal).values().sum()
}
