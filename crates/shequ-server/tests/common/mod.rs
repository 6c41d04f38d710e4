//! The server tests' fixture is the test kit's (`shequ-testkit`, feature
//! `server`): the app in process over the small street, on SQLite, or on
//! PostgreSQL in the `_postgres` variant of an `#[engines]` test.
//! Re-exported here under the names the tests use (`mod common; use
//! common::*;`); a new test file may as well `use shequ_testkit::http::*;`.

#![allow(unused_imports)]

pub use shequ_testkit::http::*;
pub use shequ_testkit::{PASSWORD, engines, pages};
