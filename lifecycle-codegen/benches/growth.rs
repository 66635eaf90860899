//! Instructions of one expansion of the 64-state and of the 256-state machine, for
//! `benches/growth.sh`, which runs this under callgrind and reads each size's count off
//! its own function: a count that, unlike a time, does not move with the machine's load.
//! The expansion is `lifecycle_codegen::derive_tokens`, syn's parse included.

mod common;

use std::hint::black_box;

use proc_macro2::TokenStream;

/// One expansion of the 64-state machine. `benches/growth.sh` reads this function's
/// inclusive count; the size passed through `black_box` keeps its body apart from
/// [`expand_256`]'s, which the compiler would otherwise merge with it.
#[inline(never)]
fn expand_64(tokens: TokenStream) -> TokenStream {
    black_box(64);
    lifecycle_codegen::derive_tokens(tokens)
}

/// One expansion of the 256-state machine; see [`expand_64`].
#[inline(never)]
fn expand_256(tokens: TokenStream) -> TokenStream {
    black_box(256);
    lifecycle_codegen::derive_tokens(tokens)
}

fn main() {
    // A first, uncounted expansion pays whatever is paid once per process, so that
    // neither size's count carries it.
    black_box(lifecycle_codegen::derive_tokens(common::machine_tokens(8)));
    let small = expand_64(black_box(common::machine_tokens(64))).to_string();
    let large = expand_256(black_box(common::machine_tokens(256))).to_string();
    for (states, text) in [(64, &small), (256, &large)] {
        assert!(
            !text.contains("compile_error"),
            "the {states}-state machine must expand without errors"
        );
    }
    println!(
        "growth: output {} bytes at 64 states, {} at 256 (x{:.2})",
        small.len(),
        large.len(),
        large.len() as f64 / small.len() as f64
    );
}
