// An enum inside nested modules derives; its markers and companions sit beside it.
mod outer {
    pub mod inner {
        use lifecycle_model::{HasPhase, Lifecycle};

        #[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
        #[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
        pub(in crate::outer) enum Hatch {
            #[lifecycle(initial)]
            Closed,
            Opened,
        }

        pub(in crate::outer) struct Submarine {
            pub(in crate::outer) hatch: Hatch,
        }

        impl HasPhase<Hatch> for Submarine {
            fn phase(&self) -> Option<Hatch> {
                Some(self.hatch)
            }
            fn set_phase(&mut self, phase: Hatch) {
                self.hatch = phase;
            }
        }
    }

    use inner::{Hatch, HatchEvents, HatchTyped, Submarine};
    use lifecycle_model::Lifecycle;

    pub(crate) fn dive() -> bool {
        let sub = Submarine {
            hatch: Hatch::Opened,
        };
        let HatchTyped::Opened(opened) = HatchTyped::from_object(sub).ok().unwrap() else {
            panic!("the hatch is open");
        };
        let closed: lifecycle_model::Typed<Submarine, inner::hatch::Closed> = opened.close();
        closed.hatch == Hatch::Closed && Hatch::can_transition(Hatch::Closed, Hatch::Opened)
    }
}

fn main() {
    assert!(outer::dive());
}
