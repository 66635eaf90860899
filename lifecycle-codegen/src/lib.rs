//! The code generator behind `#[derive(Lifecycle)]`, as a library so that tests and
//! benchmarks can call it: [`derive()`] takes the enum's syntax tree and returns the
//! generated items, and [`derive_tokens()`], which the proc-macro calls, takes its tokens.
//! Users depend on `lifecycle-model`, which re-exports the derive.
//!
//! The expansion runs in four steps, one module each, and data flows one way:
//!
//! 1. `attr`: parses `#[lifecycle(...)]` (and serde's renames) into plain syntax with
//!    spans; `case` holds the casing rules.
//! 2. `model`: shapes the enum into states, resolves names into a
//!    [`Machine`](lifecycle_machine::Machine), and validates it, recording every mistake
//!    in one `ctxt::Ctxt`.
//! 3. `expand`: generates code from the model, one file per kind of item.
//! 4. On errors, the same generators emit stubs whose bodies never run, so users see
//!    the errors alone, not a cascade.

mod attr;
mod case;
mod ctxt;
mod expand;
mod model;
#[cfg(test)]
mod snapshot_tests;

pub use crate::expand::{derive, derive_tokens, diagram_doc};
