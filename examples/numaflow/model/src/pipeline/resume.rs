//! How a paused pipeline's vertices come back, from the annotation
//! [`RESUME_STRATEGY_ANNOTATION`](super::RESUME_STRATEGY_ANNOTATION).

use super::RESUME_STRATEGY_ANNOTATION;

/// How the vertices of a paused pipeline come back when it resumes, from the annotation
/// [`RESUME_STRATEGY_ANNOTATION`].
///
/// ```
/// use numaflow_model::pipeline::ResumeStrategy;
///
/// assert_eq!("slow".parse(), Ok(ResumeStrategy::Slow));
/// assert!("Slow".parse::<ResumeStrategy>().is_err());
/// // A pipeline reads an unknown value as the default, as NumaFlow does.
/// assert_eq!(ResumeStrategy::from_annotation(Some("Slow")), ResumeStrategy::Fast);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResumeStrategy {
    /// Each vertex keeps its `spec.replicas`, so it comes back with its pre-pause count.
    /// The default.
    #[default]
    Fast,
    /// The resume also drops `spec.replicas`, so each vertex restarts at its default (1,
    /// clamped).
    Slow,
}

impl ResumeStrategy {
    /// The annotation value: `fast` or `slow`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResumeStrategy::Fast => "fast",
            ResumeStrategy::Slow => "slow",
        }
    }

    /// The strategy an annotation asks for, read as NumaFlow reads it: exactly `slow` is
    /// [`Slow`](ResumeStrategy::Slow); a missing annotation, and any value it does not
    /// know, is [`Fast`](ResumeStrategy::Fast). Use [`str::parse`] to reject unknown
    /// values instead.
    pub fn from_annotation(value: Option<&str>) -> Self {
        value.and_then(|v| v.parse().ok()).unwrap_or_default()
    }
}

impl std::fmt::Display for ResumeStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ResumeStrategy {
    type Err = UnknownResumeStrategy;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "fast" => Ok(ResumeStrategy::Fast),
            "slow" => Ok(ResumeStrategy::Slow),
            _ => Err(UnknownResumeStrategy {
                value: value.to_owned(),
            }),
        }
    }
}

/// A resume-strategy annotation value that is neither `fast` nor `slow`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown resume strategy {value:?} in annotation `{RESUME_STRATEGY_ANNOTATION}`: expected `fast` or `slow`"
)]
pub struct UnknownResumeStrategy {
    /// The value found.
    pub value: String,
}
