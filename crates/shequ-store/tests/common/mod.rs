//! The store tests' fixture is the test kit's (`shequ-testkit`): the
//! small street and one story run against SQLite always and PostgreSQL
//! when `SHEQU_TEST_POSTGRES_URL` is set. Re-exported here under the names
//! the tests use (`mod common; use common::*;`).

#![allow(unused_imports)]

pub use shequ_testkit::TestDb;
pub use shequ_testkit::engines as backends;
pub use shequ_testkit::street::{
    PATH_A, PATH_A1, PATH_A2, PATH_B, PATH_B1, people, person, region, seed_street, street_regions,
};
