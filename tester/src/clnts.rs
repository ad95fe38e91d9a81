//! Clients (Lab 4's clerks): ends to a group's servers that the test can cut off.

use labrpc::{ClientEnd, Network};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};

/// The clients of a test.
pub struct Clnts {
    net: Network,
    clerks: Mutex<Vec<Arc<Clnt>>>,
}

impl Clnts {
    pub(crate) fn new(net: Network) -> Clnts {
        Clnts { net, clerks: Mutex::new(Vec::new()) }
    }

    /// A client allowed to reach every server.
    pub fn make_client(&self) -> Arc<Clnt> {
        self.make_client_to(None)
    }

    /// A client allowed to reach only the named servers (`None`: all).
    pub fn make_client_to(&self, srvs: Option<&[String]>) -> Arc<Clnt> {
        let c = Arc::new(Clnt {
            net: self.net.clone(),
            state: Mutex::new(ClntState { ends: Vec::new(), allowed: srvs.map(|s| s.to_vec()) }),
        });
        self.clerks.lock().unwrap_or_else(|p| p.into_inner()).push(c.clone());
        c
    }

    /// Deletes a client's ends.
    pub fn delete_client(&self, clnt: &Arc<Clnt>) {
        clnt.delete_ends();
        self.clerks.lock().unwrap_or_else(|p| p.into_inner()).retain(|c| !Arc::ptr_eq(c, clnt));
    }

    pub(crate) fn cleanup(&self) {
        for c in self.clerks.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            c.delete_ends();
        }
    }
}

struct ClntState {
    /// Each server's name and the end to it (a clerk talks to a few servers: a list, not
    /// a map, keeps 100,000 clerks small).
    ends: Vec<(String, ClientEnd)>,
    /// Servers the client may reach; `None` means all.
    allowed: Option<Vec<String>>,
}

impl ClntState {
    fn allowed(&self, server: &str) -> bool {
        self.allowed.as_ref().is_none_or(|a| a.iter().any(|s| s == server))
    }
}

/// One client, like Go's `tester.Clnt`.
pub struct Clnt {
    net: Network,
    state: Mutex<ClntState>,
}

impl Clnt {
    fn lock(&self) -> std::sync::MutexGuard<'_, ClntState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls `method` on `server` through this client's end to it, made on first use.
    pub fn call<A: Serialize, R: DeserializeOwned>(
        &self,
        server: &str,
        method: &str,
        args: &A,
        reply: &mut R,
    ) -> bool {
        let end = {
            let mut st = self.lock();
            match st.ends.iter().find(|(s, _)| s == server) {
                Some((_, end)) => end.clone(),
                None => {
                    let allowed = st.allowed(server);
                    let name = crate::randstring(20);
                    let e = self.net.make_end(&name);
                    self.net.connect(&name, server);
                    self.net.enable(&name, allowed);
                    st.ends.push((server.to_string(), e.clone()));
                    e
                }
            }
        };
        end.call(method, args, reply)
    }

    /// Enables every end and allows every server.
    pub fn connect_all(&self) {
        let mut st = self.lock();
        for (_, end) in &st.ends {
            self.net.enable(end.name(), true);
        }
        st.allowed = None;
    }

    /// Allows the servers in `srvs` and enables their ends (others stay as they are).
    pub fn connect_to(&self, srvs: &[String]) {
        let mut st = self.lock();
        for (_, end) in st.ends.iter().filter(|(s, _)| srvs.contains(s)) {
            self.net.enable(end.name(), true);
        }
        st.allowed = Some(srvs.to_vec());
    }

    /// Disables the end to `srv`.
    pub fn disconnect(&self, srv: &str) {
        if let Some((_, end)) = self.lock().ends.iter().find(|(s, _)| s == srv) {
            self.net.enable(end.name(), false);
        }
    }

    /// Disables every end and allows no server.
    pub fn disconnect_all(&self) {
        let mut st = self.lock();
        for (_, end) in &st.ends {
            self.net.enable(end.name(), false);
        }
        st.allowed = Some(Vec::new());
    }

    fn delete_ends(&self) {
        for (_, end) in self.lock().ends.drain(..) {
            self.net.delete_end(end.name());
        }
    }
}
