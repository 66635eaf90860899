// Events named near `Typed`'s own methods work, and those methods keep working beside
// them: `state()` reads the typed state, `update` edits in place, `refresh()` fires.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(refresh: Stale -> Fresh), event(update_to_stale: Fresh -> Stale))]
#[lifecycle(event(restate: Stale -> Stale2), event(get_fresh: Stale2 -> Fresh))]
enum Cache {
    #[lifecycle(initial)]
    Stale,
    Stale2,
    Fresh,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    state: Cache,
    hits: u32,
}

impl HasPhase<Cache> for Entry {
    fn phase(&self) -> Option<Cache> {
        Some(self.state)
    }
    fn set_phase(&mut self, state: Cache) {
        self.state = state;
    }
}

fn main() {
    let mut stale: Typed<Entry, cache::Stale> = Typed::try_new(Entry {
        state: Cache::Stale,
        hits: 0,
    })
    .unwrap();
    stale.update(|entry| entry.hits += 1);
    assert_eq!(stale.state(), Cache::Stale);
    let fresh = stale.refresh();
    assert_eq!(fresh.state(), Cache::Fresh);
    assert_eq!(fresh.get().hits, 1);
    let again = fresh.update_to_stale().restate().get_fresh();
    assert_eq!(again.into_inner().state, Cache::Fresh);
    assert_eq!(Cache::Stale.fire("refresh"), Ok(Cache::Fresh));
}
