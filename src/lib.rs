//! pglint: a linter and advisor for PostgreSQL schema migrations, made for Django teams.
//!
//! Data flows one way: source → parse → schema replay → rules → findings → suppressions →
//! report. A rule never parses, a reporter never decides, the catalog never reports.

pub mod advisor;
pub mod cli;
pub mod config;
mod context_order;
pub mod django;
pub mod finding;
mod growth;
pub mod lint;
pub mod locks;
pub mod parse;
pub mod report;
pub mod rules;
pub mod schema;
pub mod source;
pub mod span;
pub mod squash;
pub mod suppress;
