//! The demo's run as a picture: one lane per vertex whose bar is as thick as the
//! vertex has pods, the pipeline's `Pausing` and `Paused` spans shaded behind, the user's
//! steps marked, and below, the messages waiting in the inter-step buffers. One look
//! shows that a pause stops the sources first, and the rest only once the buffers are
//! empty. Drawn with plotters' SVG backend.

use plotters::prelude::*;

use crate::demo::Row;
use numaflow_model::pipeline::PipelinePhase;

/// One vertex's lane: its name, role and pods at each recorded second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The vertex's name in the pipeline.
    pub name: String,
    /// Its role, as the demo's table prints it (`source`, `map`, `reduce`, `sink`).
    pub role: String,
    /// Pods running, one entry per recorded second.
    pub pods: Vec<i32>,
}

/// A run of the demo, second by second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The pipeline's name, for the title.
    pub pipeline: String,
    /// The last second the story runs to.
    pub end: u64,
    /// The recorded seconds.
    pub ticks: Vec<u64>,
    /// One lane per vertex, in declaration order.
    pub lanes: Vec<Lane>,
    /// Messages waiting in all buffers, at each recorded second.
    pub backlog: Vec<u64>,
    /// The pipeline's status phase at each recorded second; `None` before it has one
    /// and once it is gone.
    pub phases: Vec<Option<PipelinePhase>>,
    /// The user's steps: when, and what.
    pub marks: Vec<(u64, String)>,
}

/// The picture could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the timeline: {0}")]
pub struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Colours by role, and for the shaded phases.
const SOURCE: RGBColor = RGBColor(31, 119, 180);
const MAP: RGBColor = RGBColor(44, 160, 44);
const REDUCE: RGBColor = RGBColor(148, 103, 189);
const SINK: RGBColor = RGBColor(255, 127, 14);
const PAUSING: RGBColor = RGBColor(255, 236, 179);
const PAUSED: RGBColor = RGBColor(224, 224, 224);
const MARK: RGBColor = RGBColor(200, 30, 30);

/// The picture's width, and the height of one lane.
const WIDTH: u32 = 1000;
const LANE: u32 = 34;
/// The height of the strip above the lanes, in lanes.
const STRIP: f64 = 1.2;

fn role_colour(role: &str) -> RGBColor {
    match role {
        "source" => SOURCE,
        "map" => MAP,
        "reduce" => REDUCE,
        "sink" => SINK,
        _ => BLACK,
    }
}

impl Timeline {
    /// An empty timeline of `pipeline`, for a story that ends at second `end`.
    pub fn new(pipeline: &str, end: u64) -> Self {
        Timeline {
            pipeline: pipeline.to_owned(),
            end,
            ticks: Vec::new(),
            lanes: Vec::new(),
            backlog: Vec::new(),
            phases: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// Records second `tick`: the pipeline's phase and each vertex's row. A vertex seen
    /// for the first time gets a lane, with no pods before.
    pub fn record(&mut self, tick: u64, phase: Option<PipelinePhase>, rows: &[Row]) {
        let before = self.ticks.len();
        for row in rows {
            if !self.lanes.iter().any(|l| l.name == row.name) {
                self.lanes.push(Lane {
                    name: row.name.clone(),
                    role: row.role.clone(),
                    pods: vec![0; before],
                });
            }
        }
        for lane in &mut self.lanes {
            let row = rows.iter().find(|r| r.name == lane.name);
            if let Some(row) = row.filter(|r| r.role != "-") {
                lane.role.clone_from(&row.role);
            }
            lane.pods.push(row.map_or(0, |r| r.pods));
        }
        self.ticks.push(tick);
        self.backlog.push(rows.iter().map(|r| r.backlog).sum());
        self.phases.push(phase);
    }

    /// Marks the user's step `label` at second `tick`.
    pub fn mark(&mut self, tick: u64, label: &str) {
        self.marks.push((tick, label.to_owned()));
    }

    /// The first recorded second at or after `from` at which `lane` has no pods.
    pub fn first_idle(&self, lane: &Lane, from: u64) -> Option<u64> {
        self.ticks
            .iter()
            .zip(&lane.pods)
            .find(|(t, p)| **t >= from && **p == 0)
            .map(|(t, _)| *t)
    }

    /// The spans `[start, end)` of recorded seconds whose phase is `phase`.
    fn spans(&self, phase: PipelinePhase) -> Vec<(u64, u64, ())> {
        self.runs(
            self.phases
                .iter()
                .map(|p| (*p == Some(phase)).then_some(())),
        )
    }

    /// Each stretch of recorded seconds in which `lane` keeps one non-zero pod count:
    /// `(start, end, pods)`.
    fn bars(&self, lane: &Lane) -> Vec<(u64, u64, i32)> {
        self.runs(lane.pods.iter().map(|&pods| (pods > 0).then_some(pods)))
    }

    /// The stretches `[start, end)` of recorded seconds over which `values`, one per
    /// second, stays one `Some` value: `(start, end, value)`.
    fn runs<V: PartialEq>(&self, values: impl Iterator<Item = Option<V>>) -> Vec<(u64, u64, V)> {
        let mut runs: Vec<(u64, u64, V)> = Vec::new();
        for (&t, value) in self.ticks.iter().zip(values) {
            let Some(value) = value else { continue };
            match runs.last_mut() {
                Some((_, end, last)) if *end == t && *last == value => *end = t + 1,
                _ => runs.push((t, t + 1, value)),
            }
        }
        runs
    }

    /// The timeline as an SVG picture.
    ///
    /// ```
    /// use numaflow_sim::demo::story;
    ///
    /// let svg = story::embedded(&mut std::io::sink()).unwrap().svg().unwrap();
    /// assert!(svg.starts_with("<svg") && svg.contains("pause again"));
    /// ```
    pub fn svg(&self) -> Result<String, DrawError> {
        let lanes = self.lanes.len().max(1);
        let top = 130 + LANE * lanes as u32;
        let bottom = 230;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (WIDTH, top + bottom)).into_drawing_area();
            root.fill(&WHITE)?;
            let (upper, lower) = root.split_vertically(top);
            self.draw_lanes(&upper)?;
            self.draw_backlog(&lower)?;
            root.present()?;
        }
        Ok(out)
    }

    /// Seconds from the start to a fifth past the story's end, where the legend sits.
    fn x_range(&self) -> std::ops::Range<f64> {
        0.0..self.end as f64 * 1.2
    }

    /// The upper chart: a lane per vertex, phases shaded, steps marked.
    fn draw_lanes<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), DrawError> {
        let n = self.lanes.len();
        // Lane i (from the top) is centred on y = n - 1 - i; its name is written beside
        // it, in the label area, below. A strip above the lanes holds the steps' names.
        let y = -0.5f64..n as f64 + STRIP;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "pipeline `{}`: pods per vertex (bar thickness), second by second",
                    self.pipeline
                ),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(130)
            .build_cartesian_2d(self.x_range(), y)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(10)
            .x_label_formatter(&|t| format!("{t:.0} s"))
            .draw()?;
        for (i, lane) in self.lanes.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64));
            area.draw(&Text::new(
                format!("{} ({})", lane.name, lane.role),
                (14, y - 7),
                ("sans-serif", 14)
                    .into_font()
                    .color(&role_colour(&lane.role)),
            ))?;
        }
        let (y0, y1) = (-0.5, n as f64 - 0.5);
        let top = n as f64 + STRIP;
        for (phase, colour, name) in [
            (PipelinePhase::Pausing, PAUSING, "pipeline Pausing"),
            (PipelinePhase::Paused, PAUSED, "pipeline Paused"),
        ] {
            chart
                .draw_series(self.spans(phase).into_iter().map(|(a, b, ())| {
                    Rectangle::new([(a as f64, y0), (b as f64, y1)], colour.filled())
                }))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        let max = self
            .lanes
            .iter()
            .flat_map(|l| &l.pods)
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        let mut roles_shown: Vec<&str> = Vec::new();
        for (i, lane) in self.lanes.iter().enumerate() {
            let centre = (n - 1 - i) as f64;
            let colour = role_colour(&lane.role);
            let series = chart.draw_series(self.bars(lane).into_iter().map(|(a, b, pods)| {
                let half = 0.08 + 0.32 * f64::from(pods) / f64::from(max);
                Rectangle::new(
                    [(a as f64, centre - half), (b as f64, centre + half)],
                    colour.filled(),
                )
            }))?;
            if !roles_shown.contains(&lane.role.as_str()) {
                roles_shown.push(&lane.role);
                series.label(lane.role.clone()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
            }
        }
        // Names of steps close together alternate between two rows of the strip.
        for (i, (t, label)) in self.marks.iter().enumerate() {
            let t = *t as f64;
            let row = if i % 2 == 0 {
                top - 0.1
            } else {
                top - 0.1 - STRIP / 2.0
            };
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(t, y0), (t, row)],
                MARK.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                label.clone(),
                (t + 1.0, row),
                ("sans-serif", 13).into_font().color(&MARK),
            )))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    }

    /// The lower chart: messages waiting in all buffers.
    fn draw_backlog<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), DrawError> {
        let max = self.backlog.iter().copied().max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(
                "messages waiting in the inter-step buffers",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(130)
            .build_cartesian_2d(self.x_range(), 0f64..max * 1.1)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(10)
            .x_label_formatter(&|t| format!("{t:.0} s"))
            .y_desc("messages")
            .draw()?;
        chart.draw_series(
            AreaSeries::new(
                self.ticks
                    .iter()
                    .zip(&self.backlog)
                    .map(|(&t, &b)| (t as f64, b as f64)),
                0.0,
                SOURCE.mix(0.3),
            )
            .border_style(SOURCE),
        )?;
        for (t, _) in &self.marks {
            let t = *t as f64;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(t, 0.0), (t, max * 1.1)],
                MARK.stroke_width(2),
            )))?;
        }
        Ok(())
    }
}
