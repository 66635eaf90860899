//! The derived checks and their hand-written twins (`hand`), one at a time, for counting
//! instructions rather than timing: `benches/instructions.sh` runs this under callgrind,
//! once per check and once doing nothing, and subtracts. Counts are the same from run to
//! run, on a quiet machine or a busy one, where criterion's nanoseconds move by a third.
//!
//! `sweeps <check> <n>` sweeps every input of `<check>` `n` times, as `runtime` does once
//! per iteration. `<check>` is `none` or one of [`CHECKS`], each `derived` or `hand`.

use std::hint::black_box;
use std::process::ExitCode;

use lifecycle_model::Lifecycle;
use lifecycle_tests::{Channel, DoorState, ReleasePhase};

mod hand;

/// The checks, as `<name>/derived` and `<name>/hand` on the command line.
const CHECKS: [&str; 5] = [
    "door_can_transition",
    "door_on",
    "release_can_transition",
    "release_on",
    "release_allows",
];

/// Every pair of `left` and `right`.
fn pairs<A: Copy, B: Copy>(left: &[A], right: &[B]) -> Vec<(A, B)> {
    left.iter()
        .flat_map(|&a| right.iter().map(move |&b| (a, b)))
        .collect()
}

/// Sweeps `inputs` `n` times through `check`.
fn sweep<I: Copy, O>(n: usize, inputs: &[I], check: impl Fn(I) -> O) {
    for _ in 0..n {
        for &input in black_box(inputs) {
            black_box(check(input));
        }
    }
}

fn main() -> ExitCode {
    // `cargo bench` adds `--bench`; the two arguments are the rest.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.is_empty() {
        // `cargo bench --workspace` runs every bench with no arguments: nothing to count.
        eprintln!("sweeps: nothing to sweep; benches/instructions.sh names a check and a count");
        return ExitCode::SUCCESS;
    }
    let (Some(check), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<usize>())) else {
        eprintln!(
            "usage: sweeps <none | {}>/<derived | hand> <sweeps>",
            CHECKS.join(" | ")
        );
        return ExitCode::FAILURE;
    };
    let door_pairs = pairs(DoorState::STATES, DoorState::STATES);
    let door_events = pairs(DoorState::STATES, DoorState::EVENTS);
    let release_pairs = pairs(ReleasePhase::STATES, ReleasePhase::STATES);
    let release_events = pairs(ReleasePhase::STATES, ReleasePhase::EVENTS);
    let channels = [Channel::Canary, Channel::Stable, Channel::Hotfix];
    let release_actions = pairs(
        &pairs(ReleasePhase::STATES, &channels),
        ReleasePhase::ACTIONS,
    );
    match check.as_str() {
        "none" => {}
        "door_can_transition/derived" => {
            sweep(n, &door_pairs, |(f, t)| DoorState::can_transition(f, t))
        }
        "door_can_transition/hand" => {
            sweep(n, &door_pairs, |(f, t)| hand::door_can_transition(f, t))
        }
        "door_on/derived" => sweep(n, &door_events, |(s, e)| s.on(e)),
        "door_on/hand" => sweep(n, &door_events, |(s, e)| hand::door_on(s, e)),
        "release_can_transition/derived" => sweep(n, &release_pairs, |(f, t)| {
            ReleasePhase::can_transition(f, t)
        }),
        "release_can_transition/hand" => sweep(n, &release_pairs, |(f, t)| {
            hand::release_can_transition(f, t)
        }),
        "release_on/derived" => sweep(n, &release_events, |(s, e)| s.on(e)),
        "release_on/hand" => sweep(n, &release_events, |(s, e)| hand::release_on(s, e)),
        "release_allows/derived" => sweep(n, &release_actions, |((s, r), a)| s.allows(r, a)),
        "release_allows/hand" => sweep(n, &release_actions, |((s, r), a)| {
            hand::release_allows(s, r, a)
        }),
        other => {
            eprintln!(
                "sweeps: no check `{other}`; the checks are none and {}, each /derived or /hand",
                CHECKS.join(", ")
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
