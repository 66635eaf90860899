// Raw identifiers work as event, action and module names; their wire names drop the `r#`.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = r#mod)]
#[lifecycle(event(r#match: Unmatched -> Matched), event(r#break: Matched -> Unmatched))]
#[lifecycle(action(r#type, states = Matched))]
enum Pair {
    #[lifecycle(initial)]
    Unmatched,
    Matched,
}

struct Sock {
    pair: Pair,
}

impl HasPhase<Pair> for Sock {
    fn phase(&self) -> Option<Pair> {
        Some(self.pair)
    }
    fn set_phase(&mut self, phase: Pair) {
        self.pair = phase;
    }
}

fn main() {
    assert_eq!(Pair::Unmatched.fire("match"), Ok(Pair::Matched));
    assert_eq!(PairEvent::Break.to_string(), "break");
    assert_eq!(PairAction::Type.to_string(), "type");
    assert!(Pair::Matched.allows(lifecycle_model::NoRole, PairAction::Type));

    let sock: Typed<Sock, r#mod::Unmatched> = Typed::try_new(Sock {
        pair: Pair::Unmatched,
    })
    .ok()
    .unwrap();
    let matched = sock.r#match();
    assert_eq!(matched.pair, Pair::Matched);
    assert_eq!(matched.r#break().pair, Pair::Unmatched);
}
