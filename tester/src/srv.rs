//! One server slot of a group: its ends to the other servers, its persister, its services.

use crate::group::{IService, Tgid, server_name};
use crate::persister::Persister;
use labrpc::{ClientEnd, Network};
use std::sync::Arc;

/// A server instance; replaced by a new one (fresh ends, copied persister) at each start.
pub(crate) struct Server {
    pub(crate) saved: Arc<Persister>,
    pub(crate) svcs: Option<Vec<Arc<dyn IService>>>,
    pub(crate) end_names: Vec<String>,
    pub(crate) clnt_ends: Vec<ClientEnd>,
}

impl Server {
    /// A server with a fresh, disabled end to each of the group's `nsrv` servers.
    pub(crate) fn new(net: &Network, gid: Tgid, nsrv: usize, saved: Arc<Persister>) -> Server {
        let end_names: Vec<String> = (0..nsrv).map(|_| crate::randstring(20)).collect();
        let clnt_ends = end_names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let e = net.make_end(name);
                net.connect(name, &server_name(gid, j));
                e
            })
            .collect();
        Server { saved, svcs: None, end_names, clnt_ends }
    }

    /// The next instance of this slot: fresh ends, and a copy of this one's persister so
    /// that this instance can no longer change what the next one reads.
    pub(crate) fn restarted(&self, net: &Network, gid: Tgid) -> Server {
        Server::new(net, gid, self.end_names.len(), self.saved.copy())
    }

    /// Detaches this instance from its persister and hands back its services, which the
    /// caller kills once it holds no lock.
    pub(crate) fn shutdown(&mut self) -> Vec<Arc<dyn IService>> {
        self.saved = self.saved.copy();
        self.svcs.take().unwrap_or_default()
    }
}
