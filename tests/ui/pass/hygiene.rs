// Generated code is hygienic: it survives shadowed prelude names under `#![deny(warnings)]`.
#![deny(warnings)]
#![allow(dead_code)]

use lifecycle_model::{HasPhase, Lifecycle, Typed};

type Result = ();
type Option = ();
struct Ok;
struct Err;
struct Some;
struct None;
struct Vec;
struct String;
struct Box;
trait Clone {}
trait Copy {}
trait Default {}
trait Sized {}
mod core {}
mod std {}
// Lowercase constants that generated parameters and locals would bind to, were they not
// `__`-prefixed: a pattern named like a constant matches the constant.
#[allow(non_upper_case_globals)]
const from: u8 = 0;
#[allow(non_upper_case_globals)]
const to: u8 = 1;
#[allow(non_upper_case_globals)]
const event: u8 = 2;
#[allow(non_upper_case_globals)]
const role: u8 = 3;
#[allow(non_upper_case_globals)]
const object: u8 = 4;
#[allow(non_upper_case_globals)]
const action: u8 = 5;
#[allow(non_upper_case_globals)]
const name: u8 = 6;
#[allow(non_upper_case_globals)]
const state: u8 = 7;
#[allow(non_upper_case_globals)]
const f: u8 = 8;
mod lifecycle_model_shadow {}

#[derive(Lifecycle, ::core::clone::Clone, ::core::marker::Copy, Debug, PartialEq, Eq)]
#[lifecycle(schema, event(open: Closed -> Opened), event(close: Opened -> Closed))]
#[lifecycle(action(paint, states = Closed))]
enum Door {
    #[lifecycle(initial)]
    Closed,
    Opened,
}

#[derive(::core::clone::Clone, ::core::marker::Copy, Debug, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

#[derive(Lifecycle, ::core::clone::Clone, ::core::marker::Copy, Debug, PartialEq, Eq)]
#[lifecycle(roles = Side, role(Left), role(Right))]
#[lifecycle(event(raise: Down -> Up), event(lower: Up -> Down))]
#[lifecycle(action(wave, states = Up, roles = Right))]
enum Arm {
    #[lifecycle(initial)]
    Down,
    Up,
}

struct Gate {
    door: Door,
}

impl HasPhase<Door> for Gate {
    fn phase(&self) -> ::core::option::Option<Door> {
        ::core::option::Option::Some(self.door)
    }
    fn set_phase(&mut self, phase: Door) {
        self.door = phase;
    }
}

fn main() {
    let gate = Gate { door: Door::Closed };
    let closed: Typed<Gate, door::Closed> = Typed::try_new(gate).ok().unwrap();
    let opened = closed.open();
    assert_eq!(opened.door, Door::Opened);
    assert!(DoorTyped::from_object(opened.into_inner()).is_ok());
    assert!(Arm::Up.allows(Side::Right, ArmAction::Wave));
    assert!(Door::Closed.fire("lock").is_err());
}
