//! The accounts' pages: the login form, and the administrators' pages.

pub mod admin;
pub mod login;
