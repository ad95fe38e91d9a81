//! Shared pieces of the lab tools: `dstest` (stress runner), `check` (grade check), `compare`
//! (our test output against Go's) and `dslogs` (debug log viewer).

pub mod compare;
pub mod error;
pub mod golog;
pub mod grade;
pub mod handout;
pub mod interrupt;
pub mod labs;
pub mod logview;
pub mod runner;
pub mod stats;
pub mod stress;
pub mod table;
pub mod testbin;
#[cfg(test)]
mod testutil;

pub use error::{Context, Error, Result};
