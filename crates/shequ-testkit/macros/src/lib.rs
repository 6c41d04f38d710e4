//! `#[engines]`: one async test, run on SQLite and again on PostgreSQL.
//!
//! ```ignore
//! #[shequ_testkit::engines]
//! async fn a_secretary_sees_only_her_neighbourhood() {
//!     let app = app().await; // on the engine of the variant being run
//!     …
//! }
//! ```
//! expands to two `#[tokio::test]`s: `a_secretary_sees_…` on SQLite, and
//! `a_secretary_sees_…_postgres` on a fresh PostgreSQL schema when
//! `SHEQU_TEST_POSTGRES_URL` is set (it says so and passes when it is not).
//! The engine is a task-local the kit's `app()` reads, so the body is the
//! test's own, unchanged. Arguments go to `#[tokio::test]`, as in
//! `#[engines(start_paused = true)]`.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemFn, parse_macro_input};

/// Runs an async test once per database engine; see the crate's docs.
#[proc_macro_attribute]
pub fn engines(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = proc_macro2::TokenStream::from(args);
    let f = parse_macro_input!(item as ItemFn);
    if f.sig.asyncness.is_none() {
        return syn::Error::new_spanned(&f.sig, "#[engines] takes an async fn")
            .to_compile_error()
            .into();
    }
    let attrs = &f.attrs;
    let vis = &f.vis;
    let name = &f.sig.ident;
    let output = &f.sig.output;
    let body = &f.block;
    let postgres = format_ident!("{}_postgres", name);
    let label = name.to_string();
    quote! {
        #(#attrs)*
        #[::tokio::test(#args)]
        #vis async fn #name() #output {
            ::shequ_testkit::on_engine(::shequ_testkit::Engine::Sqlite, async move #body).await
        }

        #(#attrs)*
        #[::tokio::test(#args)]
        #vis async fn #postgres() #output {
            if !::shequ_testkit::postgres_wanted(#label) {
                return ::core::default::Default::default();
            }
            ::shequ_testkit::on_engine(::shequ_testkit::Engine::Postgres, async move #body).await
        }
    }
    .into()
}
