//! Shared pieces of the lab tools.
