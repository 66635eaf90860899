//! What NumaFlow's validator checks of a pipeline spec, for the fields modelled here.

use super::PipelineSpec;

/// A pipeline spec NumaFlow would not run: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidSpec {
    /// The offending field, as a path: `spec.vertices[1].scale`.
    pub field: String,
    /// What is wrong, and what is allowed.
    pub problem: String,
}

impl PipelineSpec {
    /// Checks what NumaFlow's validator checks of the fields modelled here: unique
    /// vertex names, one role per vertex, edges between declared vertices, `scale.min` not
    /// negative and not above `scale.max`, and partitions only where they can be used.
    ///
    /// ```
    /// use numaflow_model::pipeline::PipelineSpec;
    ///
    /// let spec: PipelineSpec = serde_json::from_value(serde_json::json!({
    ///     "vertices": [{ "name": "in", "source": {}, "scale": { "min": 3, "max": 2 } }],
    /// })).unwrap();
    /// assert_eq!(
    ///     spec.validate().unwrap_err().to_string(),
    ///     "spec.vertices[0].scale: min 3 is greater than max 2"
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), InvalidSpec> {
        let invalid = |field: String, problem: String| Err(InvalidSpec { field, problem });
        let mut names = std::collections::BTreeSet::new();
        for (i, v) in self.vertices.iter().enumerate() {
            let at = format!("spec.vertices[{i}]");
            if !names.insert(v.name.as_str()) {
                return invalid(
                    format!("{at}.name"),
                    format!("{:?} is declared twice", v.name),
                );
            }
            let roles = [v.source.is_some(), v.sink.is_some(), v.udf.is_some()];
            match roles.iter().filter(|r| **r).count() {
                1 => {}
                0 => {
                    return invalid(
                        at,
                        format!(
                            "vertex {:?} needs one of `source`, `sink` and `udf`",
                            v.name
                        ),
                    );
                }
                _ => {
                    return invalid(
                        at,
                        format!(
                            "vertex {:?} may have only one of `source`, `sink` and `udf`",
                            v.name
                        ),
                    );
                }
            }
            let scale = v.scale.clone().unwrap_or_default();
            let min = scale.min.unwrap_or(0);
            let max = scale.max.unwrap_or(crate::vertex::DEFAULT_MAX_REPLICAS);
            if min < 0 {
                return invalid(
                    format!("{at}.scale.min"),
                    format!("{min} is negative; the floor must be 0 or more"),
                );
            }
            if min > max {
                return invalid(
                    format!("{at}.scale"),
                    format!("min {min} is greater than max {max}"),
                );
            }
            if let Some(partitions) = v.partitions {
                let keyed = v
                    .udf
                    .as_ref()
                    .and_then(|u| u.group_by.as_ref())
                    .map(|g| g.keyed.unwrap_or(false));
                let problem = if partitions < 0 {
                    Some(format!("{partitions} is negative"))
                } else if partitions > 1 && v.source.is_some() {
                    Some(format!("{partitions}, but a source has one partition"))
                } else if partitions > 1 && keyed == Some(false) {
                    Some(format!(
                        "{partitions}, but a reduce that is not keyed has one partition"
                    ))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return invalid(format!("{at}.partitions"), problem);
                }
            }
        }
        for (i, e) in self.edges.iter().enumerate() {
            for (end, name) in [("from", &e.from), ("to", &e.to)] {
                if !names.contains(name.as_str()) {
                    return invalid(
                        format!("spec.edges[{i}].{end}"),
                        format!("no vertex is named {name:?}"),
                    );
                }
            }
        }
        Ok(())
    }
}
