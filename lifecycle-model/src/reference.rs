//! The attribute reference of `#[derive(Lifecycle)]`.
