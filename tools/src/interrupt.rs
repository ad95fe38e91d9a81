//! Ctrl-C (and SIGTERM, SIGHUP) handling: kill the running test processes, then let the tool
//! report what it has.

use crate::runner::Children;
use crate::{Context, Result};
use std::sync::Arc;

/// On each interrupt, kills every test process in `children`, then calls `then`.
pub fn on_interrupt(children: Arc<Children>, then: impl Fn() + Send + 'static) -> Result<()> {
    ctrlc::set_handler(move || {
        children.stop();
        then();
    })
    .context(|| "installing the Ctrl-C handler".to_string())
}
