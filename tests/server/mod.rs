//! A real HTTP server for the tests: hyper on 127.0.0.1 at an ephemeral
//! port, HTTP/1.1 and h2c (prior knowledge), run on its own thread with its
//! own tokio runtime and shut down when the `Server` is dropped.
//!
//! `Server::start_tls` serves HTTPS instead (rustls, HTTP/2 offered by ALPN)
//! with a certificate for `localhost` and `127.0.0.1` issued by a CA made
//! at test time: see `TestCert`.
//!
//! Every request is recorded (method, target, headers, body, version) and
//! answered by a handler with a `Reply` whose body is a list of `Step`s,
//! each carried out as it comes: a `Send` reaches the client as one flushed
//! frame before the next step starts, so a test can prove that ssecat prints
//! an event before the server sends the next one.

use std::convert::Infallible;
use std::io::Write;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use futures_util::stream;
use http_body_util::{combinators::BoxBody, BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{oneshot, watch};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Handler = dyn Fn(&Request) -> Reply + Send + Sync + 'static;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, e.g. `/events?x=1`.
    pub target: String,
    /// Every header in the order received, names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub version: Version,
}

impl Request {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (any case).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// A signal a body can wait for: the test opens it when it is ready for
/// the server to go on.
#[derive(Clone)]
pub struct Gate(Arc<watch::Sender<bool>>);

impl Gate {
    pub fn new() -> Gate {
        Gate(Arc::new(watch::channel(false).0))
    }

    /// Lets every body waiting on this gate (now or later) go on.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    async fn wait(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in self, so this cannot fail.
        let _ = receiver.wait_for(|open| *open).await;
    }
}

/// One step of a response body.
pub enum Step {
    /// Send these bytes as one frame, flushed.
    Send(Bytes),
    /// Wait this long.
    Sleep(Duration),
    /// Wait until the test opens the gate.
    WaitFor(Gate),
    /// Abort the connection: the client sees an error, never a clean end
    /// (HTTP/1.1: no last chunk; HTTP/2: RST_STREAM).
    Drop,
    /// Send nothing more, ever, and keep the connection open.
    Stall,
}

/// A response: status, headers, then the body's steps in order. When the
/// steps run out the body ends cleanly.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<Step>,
    /// How long the server waits before it sends the response head.
    pub head_delay: Duration,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            head_delay: Duration::ZERO,
        }
    }

    /// Waits `delay` before sending the response head.
    pub fn delay_head(mut self, delay: Duration) -> Reply {
        self.head_delay = delay;
        self
    }

    /// 200 with `Content-Type: text/event-stream` and `body` as one frame.
    pub fn sse(body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200)
            .header("content-type", "text/event-stream")
            .send(body)
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::new(status).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn send(mut self, bytes: impl Into<Vec<u8>>) -> Reply {
        self.body.push(Step::Send(Bytes::from(bytes.into())));
        self
    }

    pub fn sleep(mut self, duration: Duration) -> Reply {
        self.body.push(Step::Sleep(duration));
        self
    }

    pub fn wait_for(mut self, gate: &Gate) -> Reply {
        self.body.push(Step::WaitFor(gate.clone()));
        self
    }

    pub fn drop_connection(mut self) -> Reply {
        self.body.push(Step::Drop);
        self
    }

    pub fn stall(mut self) -> Reply {
        self.body.push(Step::Stall);
        self
    }

    /// Sends `bytes` in pieces of `piece` bytes with `delay` before each
    /// piece after the first.
    pub fn send_in_pieces(mut self, bytes: &[u8], piece: usize, delay: Duration) -> Reply {
        for (i, chunk) in bytes.chunks(piece.max(1)).enumerate() {
            if i > 0 && !delay.is_zero() {
                self = self.sleep(delay);
            }
            self = self.send(chunk.to_vec());
        }
        self
    }

    /// Sends `bytes` gzip-compressed, with `Content-Encoding: gzip`.
    pub fn send_gzip(self, bytes: &[u8]) -> Reply {
        self.header("content-encoding", "gzip").send(gzip(bytes))
    }
}

/// `bytes` compressed with gzip.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// One gzip stream cut into the given parts: each part compressed and
/// sync-flushed, so a client can decompress it before the next one arrives.
/// Send them with `Content-Encoding: gzip`.
pub fn gzip_parts(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    let mut out = Vec::new();
    for part in parts {
        encoder.write_all(part).unwrap();
        encoder.flush().unwrap();
        out.push(std::mem::take(encoder.get_mut()));
    }
    let tail = encoder.finish().unwrap();
    out.last_mut()
        .expect("at least one part")
        .extend_from_slice(&tail);
    out
}

/// A server on 127.0.0.1 that reads each of `connections` requests' first
/// bytes and closes the connection without a response (curl: "Empty reply
/// from server"); then it stops listening. Returns its port.
pub fn empty_replies(connections: usize) -> u16 {
    let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = std::io::Read::read(&mut stream, &mut [0; 4096]);
        }
    });
    port
}

/// A port on 127.0.0.1 where nothing listens: bound, then released.
pub fn closed_port() -> u16 {
    let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// A certificate authority made at test time and a server certificate it
/// issued. Nothing on the machine trusts the CA: a client must be given
/// `ca_pem` (`--cacert`) or told not to verify (`-k`).
pub struct TestCert {
    /// The CA's certificate, PEM: what `--cacert` takes.
    pub ca_pem: String,
    /// The server's certificate (not the CA's: servers do not send the root).
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl TestCert {
    /// A fresh CA and a server certificate for `names`: DNS names or IP
    /// addresses, e.g. `["localhost", "127.0.0.1"]`.
    pub fn new(names: &[&str]) -> TestCert {
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own, as distinct CAs have: a client that trusts
        // another TestCert's CA finds no issuer for this one's certificates.
        static SERIAL: AtomicUsize = AtomicUsize::new(1);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        ca.distinguished_name
            .push(DnType::CommonName, format!("ssecat test CA {serial}"));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).expect("the CA certificate");

        let key = KeyPair::generate().expect("a server key");
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let mut leaf = CertificateParams::new(names).expect("valid names");
        leaf.distinguished_name
            .push(DnType::CommonName, "ssecat test server");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf
            .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
            .expect("the server certificate");

        TestCert {
            ca_pem: ca_cert.pem(),
            chain: vec![leaf_cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }

    /// A rustls acceptor serving this certificate and offering `alpn`
    /// (e.g. `[b"h2", b"http/1.1"]`; empty: no ALPN).
    fn acceptor(&self, alpn: &[&[u8]]) -> TlsAcceptor {
        // The provider reqwest uses, named so that no process default is needed.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                self.chain.clone(),
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )
            .expect("a usable certificate and key");
        config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
        TlsAcceptor::from(Arc::new(config))
    }
}

struct Shared {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
}

/// The running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    /// `http` or `https`.
    scheme: &'static str,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Starts a server answering every request with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::launch(None, handler)
    }

    /// Starts an HTTPS server answering every request with `handler`, with
    /// a certificate for `localhost` and `127.0.0.1` and HTTP/2 and
    /// HTTP/1.1 offered by ALPN. Returns it with its CA's certificate (PEM).
    pub fn start_tls(
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> (Server, String) {
        let cert = TestCert::new(&["localhost", "127.0.0.1"]);
        let server = Server::start_tls_with(&cert, &[b"h2", b"http/1.1"], handler);
        (server, cert.ca_pem)
    }

    /// Starts an HTTPS server with `cert`, offering the protocols in `alpn`.
    pub fn start_tls_with(
        cert: &TestCert,
        alpn: &[&[u8]],
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::launch(Some(cert.acceptor(alpn)), handler)
    }

    fn launch(
        tls: Option<TlsAcceptor>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = StdTcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
        });
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                runtime.block_on(serve(listener, tls, thread_shared, shutdown_rx));
                // Stalled bodies never end: drop their tasks without waiting.
                runtime.shutdown_background();
            })
            .expect("spawn the server thread");
        Server {
            addr,
            scheme,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// A server answering every request with the same SSE body.
    pub fn sse(body: &'static str) -> Server {
        Server::start(move |_| Reply::sse(body))
    }

    /// `http://127.0.0.1:PORT` (`https://` for a TLS server)
    pub fn base(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// `http://127.0.0.1:PORT` (`https://` for a TLS server) + `path`
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The only request received; panics when there was not exactly one.
    pub fn request(&self) -> Request {
        let mut requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.remove(0)
    }

    /// How many requests were received.
    pub fn hits(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Do not turn a failing test's panic into an abort.
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: StdTcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, shared).await,
                // A failed handshake (e.g. the client rejects the
                // certificate) ends the connection before any request.
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve_connection(stream, shared).await;
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 or HTTP/2 (whichever the client speaks) on one connection.
async fn serve_connection(
    stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    shared: Arc<Shared>,
) {
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(respond(&shared, request).await) }
    });
    // Errors here are the client going away or a Drop step.
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn respond(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> hyper::Response<BoxBody<Bytes, BoxError>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(err) => format!("<error reading the request body: {err}>").into_bytes(),
    };
    let recorded = Request {
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        version: parts.version,
    };
    shared.requests.lock().unwrap().push(recorded.clone());
    let reply = (shared.handler)(&recorded);
    tokio::time::sleep(reply.head_delay).await;

    let mut response = hyper::Response::new(body_of(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).expect("a valid status code");
    for (name, value) in &reply.headers {
        response.headers_mut().append(
            hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            hyper::header::HeaderValue::from_str(value).expect("a valid header value"),
        );
    }
    response
}

/// A streaming body that carries out `steps` one by one as it is polled.
fn body_of(steps: Vec<Step>) -> BoxBody<Bytes, BoxError> {
    let stream = stream::unfold(steps.into_iter(), |mut steps| async move {
        loop {
            match steps.next()? {
                Step::Send(bytes) => return Some((Ok(Frame::data(bytes)), steps)),
                Step::Sleep(duration) => tokio::time::sleep(duration).await,
                Step::WaitFor(gate) => gate.wait().await,
                Step::Stall => std::future::pending::<()>().await,
                Step::Drop => {
                    // Let hyper flush what was sent so far (it flushes when
                    // the body is pending), then fail the body: hyper aborts
                    // the connection (HTTP/1.1) or resets the stream (h2).
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let err: BoxError = "the test server dropped the connection".into();
                    return Some((Err(err), Vec::new().into_iter()));
                }
            }
        }
    });
    StreamBody::new(stream).boxed()
}
