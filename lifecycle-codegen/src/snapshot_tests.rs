//! Expansion snapshot of a representative machine, and the errors of invalid inputs.
//!
//! Regenerate the snapshot with `UPDATE_SNAPSHOTS=1 cargo test -p lifecycle-codegen --lib`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use syn::{DeriveInput, Item, LitStr, parse_quote};

/// The declaration of `ReleasePhase` in `tests/src/lib.rs`.
fn release_phase() -> DeriveInput {
    parse_quote! {
        #[serde(rename_all = "camelCase")]
        #[lifecycle(module = release, roles = Channel, role_module = channel)]
        #[lifecycle(role(Canary, cel = "self.channel == 'canary'"))]
        #[lifecycle(role(Stable, cel = "self.channel == 'stable'"))]
        #[lifecycle(role(Hotfix, cel = "self.channel == 'hotfix'"))]
        #[lifecycle(schema, phase_field = "status.phase")]
        #[lifecycle(event(build: Draft -> Built), event(ship: Built -> Shipped, verb = "ship-release"))]
        #[lifecycle(event(halt: Built | Shipped -> Halted), event(retry: Halted -> Draft))]
        #[lifecycle(event(archive: Shipped | Halted -> Archived))]
        #[lifecycle(action(promote, states = Built | Shipped, roles = Canary | Hotfix, field = "traffic"))]
        #[lifecycle(action(rollback, states = Shipped | Halted))]
        pub enum ReleasePhase {
            /// Being written.
            #[default]
            #[lifecycle(initial)]
            Draft,
            /// Built, not yet shipped.
            Built,
            /// Out in the world.
            Shipped,
            /// Stopped.
            Halted,
            /// Done for good.
            #[serde(rename = "archived-for-good")]
            #[lifecycle(terminal)]
            Archived,
        }
    }
}

/// Expands `input`, failing the test with a clear message if the derive panics or emits
/// something that is not a Rust file.
fn expand(input: &DeriveInput) -> syn::File {
    let tokens = catch_unwind(AssertUnwindSafe(|| crate::expand::derive(input)))
        .unwrap_or_else(|_| panic!("the derive panicked on `{}`", input.ident));
    syn::parse2::<syn::File>(tokens.clone())
        .unwrap_or_else(|e| panic!("the expansion is not a Rust file ({e}):\n{tokens}"))
}

/// The message of every `compile_error!` in `file`, in order.
fn compile_errors(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Macro(m) if m.mac.path.segments.last()?.ident == "compile_error" => {
                Some(m.mac.parse_body::<LitStr>().expect("one string").value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn release_phase_expansion_matches_snapshot() {
    let file = expand(&release_phase());
    assert_eq!(compile_errors(&file), Vec::<String>::new());
    let actual = prettyplease::unparse(&file);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/release.expanded.rs");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let first_diff = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "the expansion of ReleasePhase differs from {} (first difference at line {}).\n\
             If the change is intended, regenerate it with:\n    \
             UPDATE_SNAPSHOTS=1 cargo test -p lifecycle-codegen --lib snapshot_tests\n\
             and review the diff.\n\nactual line: {:?}\nsnapshot line: {:?}",
            path.display(),
            first_diff + 1,
            actual.lines().nth(first_diff),
            expected.lines().nth(first_diff),
        );
    }
}

#[test]
fn expansion_reaches_the_runtime_through_private_only() {
    let text = prettyplease::unparse(&expand(&release_phase()));
    for line in text.lines() {
        if let Some(at) = line.find("::lifecycle_model::") {
            let rest = &line[at + "::lifecycle_model::".len()..];
            assert!(
                rest.starts_with("__private::"),
                "generated code reaches past `__private`: {line}"
            );
        }
    }
}

#[test]
fn crate_path_is_overridable() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(crate = "::my_reexport::lifecycle")]
        #[lifecycle(event(go: A -> B))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            #[lifecycle(terminal)]
            B,
        }
    };
    let text = prettyplease::unparse(&expand(&input));
    assert!(text.contains("::my_reexport::lifecycle::__private::Lifecycle for Tiny"));
    assert!(!text.contains("::lifecycle_model"), "{text}");
}

#[test]
fn unknown_state_is_an_error() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> Nowhere))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            #[lifecycle(terminal)]
            B,
        }
    };
    assert_eq!(
        compile_errors(&expand(&input)),
        ["unknown state `Nowhere`; the states are `A`, `B`"]
    );
}

#[test]
fn duplicate_event_is_an_error() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> B), event(back: B -> A), event(go: A -> B))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            B,
        }
    };
    assert_eq!(compile_errors(&expand(&input)), ["duplicate event `go`"]);
}

#[test]
fn dropped_parts_do_not_cascade_into_graph_errors() {
    // The second `go` is dropped; B's dead end is its consequence, not a second mistake.
    let duplicate: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> B), event(go: B -> A))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            B,
        }
    };
    assert_eq!(
        compile_errors(&expand(&duplicate)),
        ["duplicate event `go`"]
    );
    // A malformed event is dropped too; A and B must not be reported as dead or lost.
    let malformed: DeriveInput = parse_quote! {
        #[lifecycle(event(go A -> B), event(back: B -> A))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            B,
        }
    };
    assert_eq!(
        compile_errors(&expand(&malformed)),
        ["expected `:` after the event name, as in `event(pause: Running -> Paused)`"]
    );
}

#[test]
fn unknown_attribute_lists_the_valid_ones() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(colour = "red", event(go: A -> B))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            #[lifecycle(terminal)]
            B,
        }
    };
    assert_eq!(
        compile_errors(&expand(&input)),
        [
            "unknown lifecycle attribute `colour`; expected one of: `crate`, `module`, `roles`, `role_module`, `role`, `event`, `action`, `schema`, `phase_field`, `enforce_initial`, `verbs`"
        ]
    );
}

#[test]
fn graph_problems_are_errors() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> B))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            B,
            C,
        }
    };
    assert_eq!(
        compile_errors(&expand(&input)),
        [
            "state `C` is unreachable: no event leads to it from an initial state (A)",
            "state `B` is a dead end: no event leaves it; add an event or mark it `#[lifecycle(terminal)]`",
            "state `C` is a dead end: no event leaves it; add an event or mark it `#[lifecycle(terminal)]`",
        ]
    );
}

#[test]
fn every_mistake_is_reported_in_one_pass() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(colour = "red")]
        #[lifecycle(event(go: A -> B), event(go: A -> B))]
        #[lifecycle(event(stop: A -> Nowhere))]
        enum Tiny {
            #[lifecycle(initial)]
            A,
            #[lifecycle(terminal)]
            B,
        }
    };
    let file = expand(&input);
    let errors = compile_errors(&file);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("unknown lifecycle attribute `colour`"));
    assert_eq!(errors[1], "duplicate event `go`");
    assert_eq!(
        errors[2],
        "unknown state `Nowhere`; the states are `A`, `B`"
    );
    // The parts that resolved still expand, so users see no second wave of errors.
    let text = prettyplease::unparse(&file);
    assert!(text.contains("impl ::lifecycle_model::__private::Lifecycle for Tiny"));
}

#[test]
fn not_an_enum_is_an_error_without_items() {
    let input: DeriveInput = parse_quote! {
        struct NotAnEnum {
            state: u8,
        }
    };
    let file = expand(&input);
    assert_eq!(
        compile_errors(&file),
        ["`Lifecycle` can only be derived for a fieldless enum: its variants are the states"]
    );
    assert_eq!(file.items.len(), 1);
}

#[test]
fn variant_with_data_gets_stubs() {
    let input: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> B))]
        enum Tiny {
            #[lifecycle(initial)]
            A(u8),
            #[lifecycle(terminal)]
            B,
        }
    };
    let file = expand(&input);
    assert_eq!(
        compile_errors(&file),
        ["state `A` carries data; lifecycle states are unit variants"]
    );
    let text = prettyplease::unparse(&file);
    assert!(text.contains("mod tiny"), "{text}");
    assert!(text.contains("impl ::lifecycle_model::__private::Lifecycle for Tiny"));
}

#[test]
fn generic_enum_is_an_error() {
    let input: DeriveInput = parse_quote! {
        enum Tiny<T> {
            A,
            B,
        }
    };
    assert_eq!(
        compile_errors(&expand(&input)),
        ["`Lifecycle` cannot be derived for a generic enum: a phase is a plain fieldless enum"]
    );
}

/// The `doc` attribute strings on `item`, in order.
fn docs(item: &syn::ItemImpl) -> Vec<String> {
    item.attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn the_doc_attribute_draws_the_declared_machine_into_the_block() {
    use base64::Engine as _;
    let input = release_phase();
    let block: syn::ItemImpl = parse_quote!(impl ReleasePhase { const A: u8 = 0; });
    let out = crate::expand::diagram_doc(quote::quote!(#input), quote::quote!(#block));
    let out: syn::ItemImpl = syn::parse2(out).expect("the block, with a doc");
    let kept = |b: &syn::ItemImpl| {
        b.items
            .iter()
            .map(|i| quote::quote!(#i).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(kept(&out), kept(&block), "the block's items are kept");
    let docs = docs(&out);
    assert_eq!(docs.len(), 1, "{docs:?}");
    let doc = &docs[0];
    let encoded = doc
        .split_once("data:image/svg+xml;base64,")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(encoded, _)| encoded)
        .unwrap_or_else(|| panic!("no picture in {doc}"));
    let svg = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    let mut cx = crate::ctxt::Ctxt::default();
    let machine = crate::model::build(&input, &mut cx).unwrap().machine;
    assert_eq!(String::from_utf8(svg).unwrap(), machine.svg());
    // The legend speaks of what the picture shows: a terminal state and an action table.
    assert!(doc.starts_with("The lifecycle of `ReleasePhase`, drawn from its declaration."));
    assert!(
        doc.contains("a double circle is a state no event leaves"),
        "{doc}"
    );
    assert!(
        doc.contains("the table lists where each action is allowed"),
        "{doc}"
    );
    assert!(
        !doc.contains("Ready"),
        "ReleasePhase marks no ready state: {doc}"
    );
}

#[test]
fn the_doc_attribute_reports_a_declaration_it_cannot_read_and_keeps_the_block() {
    let block: syn::ItemImpl = parse_quote!(impl Phase {});
    // Not an enum at all.
    let out = crate::expand::diagram_doc(
        quote::quote!(
            fn nope() {}
        ),
        quote::quote!(#block),
    );
    let file = syn::parse2::<syn::File>(out).expect("a Rust file");
    assert_eq!(
        compile_errors(&file),
        ["expected one of: `struct`, `enum`, `union`"]
    );
    assert!(
        file.items.iter().any(|i| matches!(i, Item::Impl(_))),
        "the block is kept"
    );
    // An enum the derive refuses: the derive's own error, once.
    let input: DeriveInput = parse_quote! {
        #[lifecycle(event(go: A -> Nowhere))]
        enum Phase { #[lifecycle(initial)] A, B }
    };
    let out = crate::expand::diagram_doc(quote::quote!(#input), quote::quote!(#block));
    let file = syn::parse2::<syn::File>(out).expect("a Rust file");
    let errors = compile_errors(&file);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("Nowhere"), "{errors:?}");
    assert!(
        file.items.iter().any(|i| matches!(i, Item::Impl(_))),
        "the block is kept"
    );
}

#[test]
fn a_machine_too_large_to_lay_out_quickly_is_left_undrawn_with_a_pointer_to_its_text() {
    // A chain of 70 states: 69 moves and a start arrow, over the budget of 64.
    let variants = (1..69usize).map(|i| quote::format_ident!("S{i}"));
    let events = (0..69usize).map(|i| {
        let (name, from, to) = (
            quote::format_ident!("next{i}"),
            quote::format_ident!("S{i}"),
            quote::format_ident!("S{}", i + 1),
        );
        quote::quote!(#[lifecycle(event(#name: #from -> #to))])
    });
    let input: DeriveInput = parse_quote! {
        #(#events)*
        enum Long { #[lifecycle(initial)] S0, #(#variants,)* #[lifecycle(terminal)] S69 }
    };
    let expected = [
        "The lifecycle of `Long` has 70 arrows to draw, more than the docs lay \
                     out (64, so that `cargo doc` stays fast): [`Self::DOT`] holds the graph \
                     for Graphviz, and [`Self::MERMAID`] the same as a Mermaid diagram.",
    ];
    // The derive writes that doc itself, and leaves no attribute to expand under rustdoc.
    let file = expand(&input);
    let block = file
        .items
        .iter()
        .find_map(|item| match item {
            Item::Impl(block)
                if block
                    .items
                    .iter()
                    .any(|i| matches!(i, syn::ImplItem::Const(c) if c.ident == "MERMAID")) =>
            {
                Some(block)
            }
            _ => None,
        })
        .expect("the block of diagram constants");
    assert_eq!(docs(block), expected);
    let attributes = block
        .attrs
        .iter()
        .map(|a| quote::quote!(#a).to_string())
        .collect::<String>();
    assert!(!attributes.contains("diagram_doc"), "{attributes}");
    // The attribute, written by hand, says the same.
    let out = crate::expand::diagram_doc(quote::quote!(#input), quote::quote!(impl Long {}));
    let out: syn::ItemImpl = syn::parse2(out).expect("the block, with a doc");
    assert_eq!(docs(&out), expected);
}

#[test]
fn derive_tokens_hands_the_enum_tokens_to_the_diagram_attribute_as_received() {
    // Docs, serde's attributes and all: the attribute keeps what the machine reads itself.
    let tokens = quote::quote! {
        #[lifecycle(event(go: A -> B))]
        /// The phase.
        enum Tiny {
            /// Where it starts.
            #[lifecycle(initial)]
            A,
            #[lifecycle(terminal)]
            B,
        }
    };
    let out = crate::expand::derive_tokens(tokens.clone()).to_string();
    assert!(
        out.contains(&format!("diagram_doc ({tokens})")),
        "the tokens, as received, are the attribute's arguments:\n{out}"
    );
    // The rest is what `derive` generates from the parsed enum.
    let input: DeriveInput = syn::parse2(tokens).unwrap();
    let from_tree = crate::expand::derive(&input).to_string();
    assert_eq!(out, from_tree);
}

#[test]
fn derive_tokens_reports_tokens_that_are_not_a_type() {
    let out = crate::expand::derive_tokens(quote::quote!(
        fn nope() {}
    ));
    let file = syn::parse2::<syn::File>(out).expect("a Rust file");
    assert_eq!(
        compile_errors(&file),
        ["expected one of: `struct`, `enum`, `union`"]
    );
}
