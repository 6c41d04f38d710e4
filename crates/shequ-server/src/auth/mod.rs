//! Authentication: passwords, sessions, bearer and API tokens.

pub mod password;
