//! Reading `#[serde(...)]` attributes: the wire names (`rename`, `rename_all`) and
//! former names (`alias`) the derive follows.

use syn::{Attribute, LitStr, Token};

/// The string value of `key = "..."` inside a `#[serde(...)]`, ignoring everything else
/// there: serde reports its own mistakes.
pub(super) fn serde_string(attr: &Attribute, key: &str) -> Option<LitStr> {
    serde_strings(attr, key).into_iter().next()
}

/// Every `key = "..."` of a `#[serde(...)]` attribute, in order (serde takes `alias` more
/// than once).
pub(super) fn serde_strings(attr: &Attribute, key: &str) -> Vec<LitStr> {
    let mut found = Vec::new();
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident(key) && meta.input.peek(Token![=]) {
            found.push(meta.value()?.parse::<LitStr>()?);
        } else if meta.input.peek(Token![=]) {
            meta.value()?.parse::<syn::Expr>()?;
        } else if meta.input.peek(syn::token::Paren) {
            meta.parse_nested_meta(|inner| {
                if inner.input.peek(Token![=]) {
                    inner.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            })?;
        }
        Ok(())
    });
    found
}
