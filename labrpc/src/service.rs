//! Servers and services: what an RPC is delivered to, and how it finds its handler.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

type Handler = Box<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// A named object's RPC handlers, like Go's `labrpc.MakeService(rcvr)`.
pub struct Service {
    name: String,
    methods: BTreeMap<String, Handler>,
}

impl Service {
    /// A service named after `S`'s type, as Go names a service after the receiver's type:
    /// a `raft::Raft` answers `"Raft.Method"`.
    pub fn builder<S: Send + Sync + 'static>(rcvr: Arc<S>) -> ServiceBuilder<S> {
        let full = std::any::type_name::<S>();
        let base = full.split('<').next().unwrap_or(full);
        let name = base.rsplit("::").next().unwrap_or(base);
        Service::builder_named(name, rcvr)
    }

    /// A service with an explicit name.
    pub fn builder_named<S: Send + Sync + 'static>(name: &str, rcvr: Arc<S>) -> ServiceBuilder<S> {
        ServiceBuilder { rcvr, svc: Service { name: name.to_string(), methods: BTreeMap::new() } }
    }

    /// The name RPCs address this service by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `method`'s handler; `svc_meth` is the whole name the caller used.
    fn dispatch(&self, method: &str, svc_meth: &str, args: &[u8]) -> Vec<u8> {
        match self.methods.get(method) {
            Some(h) => h(args),
            None => crate::fatal(&format!(
                "labrpc.Service.dispatch(): unknown method {method} in {svc_meth}; expecting one of {}",
                go_list(self.methods.keys())
            )),
        }
    }
}

/// Adds typed handlers to a [`Service`].
pub struct ServiceBuilder<S> {
    rcvr: Arc<S>,
    svc: Service,
}

impl<S: Send + Sync + 'static> ServiceBuilder<S> {
    /// Adds `handler(&rcvr, &args, &mut reply)` as `method`, Go's handler shape; the reply
    /// starts as `R::default()`, like the zero value Go allocates.
    pub fn method<A, R>(mut self, method: &str, handler: fn(&S, &A, &mut R)) -> Self
    where
        A: DeserializeOwned + 'static,
        R: Serialize + Default + 'static,
    {
        let rcvr = self.rcvr.clone();
        let full = format!("{}.{method}", self.svc.name);
        let h = move |args: &[u8]| {
            let args: A = labgob::decode(args).unwrap_or_else(|e| {
                crate::fatal(&format!(
                    "labrpc: {full}: the caller's arguments do not decode as the handler's \
                     argument type: {e}"
                ))
            });
            let mut reply = R::default();
            handler(&rcvr, &args, &mut reply);
            labgob::encode(&reply)
                .unwrap_or_else(|e| crate::fatal(&format!("labrpc: {full}: cannot encode the reply: {e}")))
        };
        self.svc.methods.insert(method.to_string(), Box::new(h));
        self
    }

    /// The finished service.
    pub fn build(self) -> Service {
        self.svc
    }
}

/// A set of services reachable under one server name, like Go's `labrpc.Server`.
#[derive(Default)]
pub struct Server {
    services: BTreeMap<String, Service>,
    count: AtomicUsize,
}

impl Server {
    /// A server with no services.
    pub fn new() -> Server {
        Server::default()
    }

    /// Adds a service; one with the same name is replaced.
    pub fn add_service(&mut self, svc: Service) {
        self.services.insert(svc.name.clone(), svc);
    }

    /// How many RPCs have been dispatched to this server.
    pub fn get_count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Runs the handler for `svc_meth` ("Service.Method") on encoded arguments.
    pub(crate) fn dispatch(self: &Arc<Self>, svc_meth: &str, args: &[u8]) -> Vec<u8> {
        self.count.fetch_add(1, Ordering::SeqCst);
        let (svc, method) = svc_meth.rsplit_once('.').unwrap_or((svc_meth, ""));
        match self.services.get(svc) {
            Some(s) => s.dispatch(method, svc_meth, args),
            None => crate::fatal(&format!(
                "labrpc.Server.dispatch(): unknown service {svc} in {svc}.{method}; \
                 expecting one of {}",
                go_list(self.services.keys())
            )),
        }
    }
}

/// Names as Go's `%v` prints a `[]string`: `[A B]` (sorted here; Go's map order is random).
fn go_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_unstable();
    format!("[{}]", names.join(" "))
}
