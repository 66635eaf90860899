//! The demo's timeline: what the picture is drawn from tells the story of a pause (the
//! sources stop first, every other vertex only later, once the buffers are empty), and
//! the picture itself is well-formed SVG that names every vertex and every step.

use numaflow_sim::demo::story::{self, STORY};
use numaflow_sim::demo::timeline::Timeline;

fn run() -> Timeline {
    story::embedded(&mut std::io::sink()).expect("the story runs")
}

#[test]
fn after_each_pause_the_sources_reach_zero_pods_before_any_downstream_vertex() {
    let timeline = run();
    let pauses: Vec<u64> = timeline
        .marks
        .iter()
        .filter(|(_, label)| label.starts_with("pause"))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(pauses.len(), 2, "{:?}", timeline.marks);
    let (sources, downstream): (Vec<_>, Vec<_>) =
        timeline.lanes.iter().partition(|l| l.role == "source");
    assert!(!sources.is_empty() && !downstream.is_empty());
    for pause in pauses {
        // Every vertex runs pods when the pause is asked for.
        for lane in &timeline.lanes {
            let at = timeline.ticks.iter().position(|t| *t == pause).unwrap();
            assert!(
                lane.pods[at] > 0,
                "{} idle at the pause ({pause} s)",
                lane.name
            );
        }
        let idle = |lane| timeline.first_idle(lane, pause).expect("it stops");
        let last_source = sources.iter().map(|l| idle(l)).max().unwrap();
        let first_downstream = downstream.iter().map(|l| idle(l)).min().unwrap();
        assert!(
            last_source < first_downstream,
            "pause at {pause} s: the last source stopped at {last_source} s, \
             a downstream vertex at {first_downstream} s"
        );
        // Downstream vertices stop only once the messages in flight are drained.
        let index = |t: u64| timeline.ticks.iter().position(|x| *x == t).unwrap();
        let (from, to) = (index(pause), index(first_downstream));
        assert_eq!(
            timeline.backlog[to], 0,
            "messages left when the first downstream vertex stopped"
        );
        assert!(
            timeline.backlog[from..to].iter().any(|b| *b > 0),
            "the buffers held nothing to drain after the pause at {pause} s"
        );
    }
}

#[test]
fn the_timeline_records_every_second_and_every_step() {
    let timeline = run();
    let expected: Vec<u64> = (1..=timeline.end).collect();
    assert_eq!(timeline.ticks, expected);
    for lane in &timeline.lanes {
        assert_eq!(lane.pods.len(), timeline.ticks.len(), "{}", lane.name);
    }
    assert_eq!(timeline.backlog.len(), timeline.ticks.len());
    let marks: Vec<(u64, &str)> = timeline
        .marks
        .iter()
        .map(|(t, l)| (*t, l.as_str()))
        .collect();
    let story: Vec<(u64, &str)> = STORY.iter().map(|(t, _, l)| (*t, *l)).collect();
    assert_eq!(marks, story);
    // After the delete, the pipeline and every pod are gone.
    assert_eq!(timeline.phases.last(), Some(&None));
    assert!(timeline.lanes.iter().all(|l| l.pods.last() == Some(&0)));
}

#[test]
fn the_picture_is_svg_that_names_every_vertex_and_step() {
    let timeline = run();
    let svg = timeline.svg().expect("it draws");
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let text: String = n
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect();
            text.trim().to_owned()
        })
        .collect();
    let shows = |s: &str| texts.iter().any(|t| t == s);
    for lane in &timeline.lanes {
        let name = format!("{} ({})", lane.name, lane.role);
        assert!(shows(&name), "{name:?} missing from {texts:?}");
    }
    for (_, label) in &timeline.marks {
        assert!(shows(label), "{label:?} missing from {texts:?}");
    }
    for legend in ["pipeline Pausing", "pipeline Paused", "source", "sink"] {
        assert!(shows(legend), "{legend:?} missing from {texts:?}");
    }
    // One bar per stretch of steady pods: at least one per vertex and run.
    let bars = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    assert!(bars > 3 * timeline.lanes.len(), "{bars} rectangles");
    assert_eq!(svg, run().svg().unwrap(), "the same run drew two pictures");
}
