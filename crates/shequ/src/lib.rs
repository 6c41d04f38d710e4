//! The library side of the `shequ` binary: the parts other programs (tests,
//! benchmarks) call in-process. The binary in `main.rs` re-uses them.

pub mod bench;
pub mod branches;
pub mod circle;
pub mod config;
pub mod demo;
pub mod export;
pub mod import;
pub mod simulate;
