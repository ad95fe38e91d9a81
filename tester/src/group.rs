//! Server groups: start, crash and restart servers, and cut the network between them.

use crate::persister::Persister;
use crate::srv::Server;
use labrpc::{ClientEnd, Network};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A group id; Raft tests use one group, [`GRP0`].
pub type Tgid = i64;

/// The first (and in Lab 3, only) group.
pub const GRP0: Tgid = 0;

/// A service the tester starts and kills; Raft and the tester's own server wrapper are two.
pub trait IService: Send + Sync + 'static {
    /// Stops the service (Go's `Kill`).
    fn kill(&self);

    /// The labrpc service that answers this object's RPCs, if it answers any (the part of
    /// Go's `labrpc.MakeService(svc)` that reflection does there).
    fn rpc_service(self: Arc<Self>) -> Option<labrpc::Service> {
        None
    }

    /// This service as a Raft peer, if it is one (what Go's type switch on
    /// `raftapi.Raft` finds; the Lab 4 tests look for the leader this way).
    fn as_raft(&self) -> Option<&dyn raftapi::Raft> {
        None
    }
}

/// Starts server `srv` of group `grp` with ends to every server of the group (index `srv`
/// included) and its persister; returns the services to register and later kill.
pub type FstartServer =
    Arc<dyn Fn(Vec<ClientEnd>, Tgid, usize, Arc<Persister>) -> Vec<Arc<dyn IService>> + Send + Sync>;

/// The labrpc name of server `i` of group `gid`.
pub fn server_name(gid: Tgid, i: usize) -> String {
    format!("server-{gid}-{i}")
}

/// All groups of a test.
pub struct Groups {
    net: Network,
    grps: Mutex<HashMap<Tgid, Arc<ServerGrp>>>,
}

impl Groups {
    pub(crate) fn new(net: Network) -> Groups {
        Groups { net, grps: Mutex::new(HashMap::new()) }
    }

    /// Creates group `gid` of `nsrv` servers, not yet started.
    pub fn make_group(&self, gid: Tgid, nsrv: usize, mks: FstartServer) {
        let g = Arc::new(ServerGrp::new(self.net.clone(), gid, nsrv, mks));
        self.grps.lock().unwrap_or_else(|p| p.into_inner()).insert(gid, g);
    }

    /// Group `gid`.
    #[track_caller]
    pub fn group(&self, gid: Tgid) -> Arc<ServerGrp> {
        match self.grps.lock().unwrap_or_else(|p| p.into_inner()).get(&gid) {
            Some(g) => g.clone(),
            None => panic!("tester: there is no group {gid}"),
        }
    }

    pub(crate) fn delete(&self, gid: Tgid) {
        self.grps.lock().unwrap_or_else(|p| p.into_inner()).remove(&gid);
    }

    pub(crate) fn cleanup(&self) {
        let grps: Vec<_> = self.grps.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        for g in grps {
            g.cleanup();
        }
    }
}

struct GrpState {
    srvs: Vec<Server>,
    connected: Vec<bool>,
}

/// A group of servers, like Go's `tester.ServerGrp`.
pub struct ServerGrp {
    net: Network,
    gid: Tgid,
    servernames: Vec<String>,
    mks: FstartServer,
    mu: Mutex<GrpState>,
}

impl ServerGrp {
    fn new(net: Network, gid: Tgid, n: usize, mks: FstartServer) -> ServerGrp {
        let srvs = (0..n).map(|_| Server::new(&net, gid, n, Persister::new())).collect();
        let servernames = (0..n).map(|i| server_name(gid, i)).collect();
        let mu = Mutex::new(GrpState { srvs, connected: vec![false; n] });
        ServerGrp { net, gid, servernames, mks, mu }
    }

    fn lock(&self) -> MutexGuard<'_, GrpState> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of servers.
    pub fn n(&self) -> usize {
        self.servernames.len()
    }

    /// The servers' labrpc names.
    pub fn srv_names(&self) -> Vec<String> {
        self.servernames.clone()
    }

    /// Server `i`'s labrpc name.
    pub fn srv_name(&self, i: usize) -> String {
        self.servernames[i].clone()
    }

    /// The labrpc names of the servers in `to`.
    pub fn srv_names_to(&self, to: &[usize]) -> Vec<String> {
        to.iter().map(|&i| self.servernames[i].clone()).collect()
    }

    /// Each server's services (`None` while it is shut down).
    pub fn services(&self) -> Vec<Option<Vec<Arc<dyn IService>>>> {
        self.lock().srvs.iter().map(|s| s.svcs.clone()).collect()
    }

    fn all(&self) -> Vec<usize> {
        (0..self.n()).collect()
    }

    /// Connects every server to every connected server.
    pub fn connect_all(&self) {
        for i in 0..self.n() {
            self.connect_one(i);
        }
    }

    /// Connects server `i` to every connected server, both ways.
    pub fn connect_one(&self, i: usize) {
        crate::debug::event(format_args!("connect S{i}"));
        self.connect(i, &self.all());
    }

    /// Marks `i` connected and enables the ends between `i` and each connected server in `to`.
    fn connect(&self, i: usize, to: &[usize]) {
        let mut g = self.lock();
        g.connected[i] = true;
        for &j in to {
            if g.connected[j] {
                self.net.enable(&g.srvs[i].end_names[j], true);
                self.net.enable(&g.srvs[j].end_names[i], true);
            }
        }
    }

    /// Marks `i` disconnected and disables the ends between `i` and each server in `from`.
    fn disconnect(&self, i: usize, from: &[usize]) {
        let mut g = self.lock();
        g.connected[i] = false;
        for &j in from {
            self.net.enable(&g.srvs[i].end_names[j], false);
            self.net.enable(&g.srvs[j].end_names[i], false);
        }
    }

    /// Cuts server `i` off from every server.
    pub fn disconnect_all(&self, i: usize) {
        crate::debug::event(format_args!("disconnect S{i}"));
        self.disconnect(i, &self.all());
    }

    /// Whether server `i` is marked connected.
    pub fn is_connected(&self, i: usize) -> bool {
        self.lock().connected[i]
    }

    /// Which servers are marked connected.
    pub fn get_connected(&self) -> Vec<bool> {
        self.lock().connected.clone()
    }

    /// The largest persisted Raft state of any server.
    pub fn log_size(&self) -> usize {
        self.lock().srvs.iter().map(|s| s.saved.raft_state_size()).max().unwrap_or(0)
    }

    /// The largest persisted snapshot of any server.
    pub fn snapshot_size(&self) -> usize {
        self.lock().srvs.iter().map(|s| s.saved.snapshot_size()).max().unwrap_or(0)
    }

    /// Starts a new instance of server `i` (fresh ends, copy of the persister), without
    /// connecting it. Shut the old instance down first.
    pub fn start_server(&self, i: usize) {
        crate::debug::event(format_args!("start S{i}"));
        let (ends, saved) = {
            let mut g = self.lock();
            let srv = g.srvs[i].restarted(&self.net, self.gid);
            let out = (srv.clnt_ends.clone(), srv.saved.clone());
            g.srvs[i] = srv;
            out
        };
        let svcs = (self.mks)(ends, self.gid, i, saved);
        let mut labsrv = labrpc::Server::new();
        for svc in &svcs {
            if let Some(s) = svc.clone().rpc_service() {
                labsrv.add_service(s);
            }
        }
        self.lock().srvs[i].svcs = Some(svcs);
        self.net.add_server(&server_name(self.gid, i), labsrv);
    }

    /// Starts every server, then connects them all.
    pub fn start_servers(&self) {
        for i in 0..self.n() {
            self.start_server(i);
        }
        self.connect_all();
    }

    /// Crashes server `i`: cuts it off, deletes its labrpc server (so no reply can rest on
    /// state saved after this), swaps in a copy of its persister and kills its services.
    pub fn shutdown_server(&self, i: usize) {
        crate::debug::event(format_args!("crash S{i}"));
        self.disconnect_all(i);
        self.net.delete_server(&server_name(self.gid, i));
        let svcs = self.lock().srvs[i].shutdown();
        for svc in svcs {
            svc.kill();
        }
    }

    /// Crashes every server.
    pub fn shutdown(&self) {
        for i in 0..self.n() {
            self.shutdown_server(i);
        }
    }

    /// Splits the servers in two, leader `l` in the minority: `n/2+1` others first, then
    /// the rest with `l` last.
    pub fn make_partition(&self, l: usize) -> (Vec<usize>, Vec<usize>) {
        let n = self.n();
        let (mut p1, mut p2) = (vec![0; n / 2 + 1], vec![0; n / 2]);
        for (j, i) in (0..n).filter(|&i| i != l).enumerate() {
            if j < p1.len() {
                p1[j] = i;
            } else {
                p2[j - p1.len()] = i;
            }
        }
        if let Some(last) = p2.last_mut() {
            *last = l;
        }
        (p1, p2)
    }

    /// Every server but `l`.
    pub fn allow_servers_except(&self, l: usize) -> Vec<usize> {
        (0..self.n()).filter(|&i| i != l).collect()
    }

    /// Full connectivity inside `p1` and inside `p2`, none across.
    pub fn partition(&self, p1: &[usize], p2: &[usize]) {
        crate::debug::event(format_args!("partition {p1:?} | {p2:?}"));
        for &i in p1 {
            self.disconnect(i, p2);
            self.connect(i, p1);
        }
        for &i in p2 {
            self.disconnect(i, p1);
            self.connect(i, p2);
        }
    }

    /// RPCs delivered to the current instance of server `i`.
    pub fn rpc_count(&self, i: usize) -> usize {
        self.net.get_count(&server_name(self.gid, i))
    }

    /// Kills every service without touching the network (end of test).
    fn cleanup(&self) {
        let svcs: Vec<_> = self.lock().srvs.iter().filter_map(|s| s.svcs.clone()).flatten().collect();
        for svc in svcs {
            svc.kill();
        }
    }
}
