//! The role axis: a marker module with one zero-sized type per role, and the `Role`
//! impl of the user's role enum.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::inner_vis;
use crate::attr::path_span;
use crate::model::Model;

pub(super) fn role_markers(model: &Model) -> TokenStream {
    let Some(axis) = &model.roles else {
        return TokenStream::new();
    };
    let krate = &model.krate;
    let vis = &model.vis;
    let ty = &axis.ty;
    let module = &axis.module;
    let names = &axis.names;
    let strings: Vec<&String> = model.machine.roles.iter().map(|r| &r.name).collect();
    let indices = 0..names.len();
    let inner = inner_vis(vis);
    let module_doc = format!(
        "Role markers of [`{}`]: one zero-sized type per role.",
        model.ident
    );
    let docs = strings.iter().map(|n| format!("The `{n}` role."));
    // Spanned on the role declarations, so a role enum that does not match them is
    // reported where the roles are declared.
    let variant_paths: Vec<TokenStream> = names
        .iter()
        .map(|n| quote_spanned!(n.span()=> #ty::#n))
        .collect();
    // A role enum with variants no `role(...)` declares fails these matches: say so at
    // `roles = ...`. With errors already reported, a role dropped by a mistake must not.
    let scrutinee = quote_spanned!(path_span(ty)=> self);
    let rest = model
        .stub
        .then(|| quote!(#[allow(unreachable_patterns)] _ => ::core::unreachable!(),));
    quote! {
        #[doc = #module_doc]
        #[allow(unreachable_pub)]
        #vis mod #module {
            #(
                #[doc = #docs]
                #inner struct #names;
            )*
        }
        #(
            impl #krate::__private::Sealed for #module::#names {}
            impl #krate::__private::RoleMarker for #module::#names {
                type Role = #ty;
                const ROLE: #ty = #variant_paths;
            }
        )*
        #[automatically_derived]
        impl #krate::__private::Role for #ty {
            const ROLES: &'static [Self] = &[#(#variant_paths),*];
            #[inline]
            fn index(self) -> ::core::primitive::usize {
                match #scrutinee {
                    #(#variant_paths => #indices,)*
                    #rest
                }
            }
            #[inline]
            fn name(self) -> &'static ::core::primitive::str {
                match #scrutinee {
                    #(#variant_paths => #strings,)*
                    #rest
                }
            }
        }
    }
}
