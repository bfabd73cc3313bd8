//! `ecluse-tests`: what the end-to-end tests share — the real `ecluse serve`
//! started on 127.0.0.1:0 with a temp data directory ([`Gateway`]), a real
//! SMTP server as its downstream ([`Sink`]), and a plain SMTP client
//! ([`Client`]). Nothing here stands in for what we ship.
//!
//! # Layout
//!
//! - [`Gateway`]: start, stop (SIGTERM), kill -9, restart the binary.
//! - [`Sink`]: a strict SMTP receiver recording every message.
//! - [`Client`]: one SMTP session, command by command.
//! - [`samples`]: the scanner's sample builders (EICAR, docm, zip …).
//! - [`idp`]: a real SAML identity provider, SimpleSAMLphp under `php -S`.
//! - [`browser`]: headless Chromium through chromedriver (fantoccini).
//! - [`clamd`]: a real clamd with a signature database the test writes.
//! - [`dns`]: a real DNS server (dnsmasq) holding the sender tests' SPF,
//!   DKIM and DMARC records; `dns_drop.rs` a resolver in front of it that
//!   loses queries.
//! - [`postgres`]: a throwaway PostgreSQL cluster for the second backend.
//! - [`words`]: French and English word lists, for the tests that fail on
//!   a word of the other language.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../../scanner/examples/samples/mod.rs"]
pub mod samples;

pub mod browser;
pub mod clamd;
pub mod dns;
pub mod idp;
pub mod postgres;
pub mod words;

/// The `ecluse` binary of this build, built (again) on demand when a
/// filtered test run did not build it or a source file of the product is
/// newer than it, so that a test never runs a stale binary.
pub fn ecluse_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(fresh_ecluse_bin).clone()
}

/// Finds, and builds when missing or stale, the binary (once per process).
fn fresh_ecluse_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/ecluse
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = profile_dir.join("ecluse");
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    if built.is_none_or(|b| newest_source().is_some_and(|s| s > b)) {
        // The profile this test binary was built with (its directory's
        // name, `debug` being the `dev` profile's).
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--profile",
                profile,
                "-p",
                "ecluse-gateway",
                "--bin",
                "ecluse",
            ])
            .status()
            .expect("running cargo build");
        assert!(status.success(), "cannot build the ecluse binary");
    }
    bin
}

/// The newest modification time among the product's sources (the crates
/// the binary is built from, and the shipped rules).
fn newest_source() -> Option<std::time::SystemTime> {
    fn walk(dir: &Path, newest: &mut Option<std::time::SystemTime>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if path
                .extension()
                .is_some_and(|x| x == "rs" || x == "toml" || x == "yar" || x == "css")
                && let Ok(t) = e.metadata().and_then(|m| m.modified())
            {
                *newest = (*newest).max(Some(t));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut newest = None;
    for krate in [
        "gateway/src",
        "scanner/src",
        "quarantine/src",
        "admin-ui/src",
        "signatures",
    ] {
        walk(&root.join(krate), &mut newest);
    }
    newest
}

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM.
    pub mail_from: String,
    /// RCPT TO, in order.
    pub rcpts: Vec<String>,
    /// The message, dot-unstuffed, without the final `.CRLF`.
    pub data: Vec<u8>,
}

impl Received {
    /// The message as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// A downstream SMTP server that records what it is given.
pub struct Sink {
    /// Its address.
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    /// Recipients refused with `550 5.1.1`.
    pub refuse: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    /// Starts a sink on a free port.
    pub fn start() -> Sink {
        Sink::start_on("127.0.0.1:0".parse().unwrap())
    }

    /// Starts a sink on `addr` (to bring a downstream "back up").
    pub fn start_on(addr: SocketAddr) -> Sink {
        let listener = TcpListener::bind(addr).expect("binding the sink");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let refuse: Arc<Mutex<Vec<String>>> = Arc::default();
        let (m, s, r) = (messages.clone(), stop.clone(), refuse.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (m, r) = (m.clone(), r.clone());
                        std::thread::spawn(move || {
                            let _ = sink_session(conn, m, r);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Sink {
            addr,
            messages,
            stop,
            refuse,
        }
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits until `n` messages arrived (or `timeout`), returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > timeout {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn sink_session(
    conn: TcpStream,
    messages: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut w = conn.try_clone()?;
    let mut r = BufReader::new(conn);
    w.write_all(b"220 sink ESMTP\r\n")?;
    let mut from = String::new();
    let mut rcpts = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            w.write_all(b"250-sink\r\n250-8BITMIME\r\n250 PIPELINING\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            w.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&line);
            rcpts.clear();
            w.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = angle(&line);
            if refuse.lock().unwrap().contains(&rcpt) {
                w.write_all(b"550 5.1.1 no such user\r\n")?;
            } else {
                rcpts.push(rcpt);
                w.write_all(b"250 ok\r\n")?;
            }
        } else if upper.starts_with("DATA") {
            w.write_all(b"354 go\r\n")?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if r.read_until(b'\n', &mut l)? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                let l = if l.starts_with(b".") { &l[1..] } else { &l[..] };
                data.extend_from_slice(l);
            }
            messages.lock().unwrap().push(Received {
                mail_from: from.clone(),
                rcpts: rcpts.clone(),
                data,
            });
            w.write_all(b"250 2.0.0 queued\r\n")?;
        } else if upper.starts_with("RSET") {
            rcpts.clear();
            w.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("QUIT") {
            w.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            w.write_all(b"500 what\r\n")?;
        }
    }
}

fn angle(line: &str) -> String {
    let start = line.find('<').map(|i| i + 1).unwrap_or(0);
    let end = line[start..]
        .find('>')
        .map(|i| start + i)
        .unwrap_or(line.len());
    line[start..end].trim().to_string()
}

/// A free TCP port on 127.0.0.1, for a server a test starts later (a
/// downstream not up yet, a UI whose address the IdP must know first).
///
/// Taken below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`), at random: a port from that
/// range, free now, could be handed to another test's `bind(0)` listener or
/// outgoing connection before this test binds it (seen in CI as
/// `Address already in use` at the UI's start); below it only another
/// `free_addr` can pick the same port, one chance in thousands, and the
/// port is checked free.
pub fn free_addr() -> SocketAddr {
    use std::hash::{BuildHasher, Hasher};
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (first, last) = (10_000u16, low.saturating_sub(1).max(10_001));
    for attempt in 0u32..1000 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        h.write_u32(std::process::id());
        let port = first + (h.finish() % u64::from(last - first)) as u16;
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            return l.local_addr().unwrap();
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A running `ecluse serve`.
pub struct Gateway {
    /// The temp directory holding the config and the data directory.
    pub dir: tempfile::TempDir,
    /// The SMTP address.
    pub smtp: SocketAddr,
    /// The admin address.
    pub admin: SocketAddr,
    child: Option<Child>,
    config: PathBuf,
}

impl Gateway {
    /// The configuration every test starts from; `extra` is appended
    /// (sections the base does not have) or `downstream` replaced.
    pub fn config_text(downstream: SocketAddr, extra: &str) -> String {
        // The sender checks ask DNS: off unless the test gives its own
        // DNS server (`dns_resolvers`, see [`dns::Dns`]).
        let checks = if extra.contains("dns_resolvers") || extra.contains("sender_checks") {
            ""
        } else {
            "sender_checks = false\n"
        };
        format!(
            "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mx.ville-exemple.fr\"\naccepted_domains = [\"ville-exemple.fr\"]\nmax_message_size = \"2MiB\"\n{checks}{extra_smtp}\n\
             [relay]\ndownstream = \"{downstream}\"\nretry_min = \"200ms\"\nretry_max = \"1s\"\n\n\
             [quarantine]\ndata_dir = \"data\"\n\n\
             [admin]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://quarantaine.ville-exemple.fr\"\nnotify = [\"dsi@ville-exemple.fr\"]\n",
            extra_smtp = extra,
        )
    }

    /// Starts `ecluse serve` with [`Gateway::config_text`].
    pub fn start(downstream: SocketAddr, extra_smtp: &str) -> Gateway {
        Gateway::start_with(&Gateway::config_text(downstream, extra_smtp))
    }

    /// Starts `ecluse serve` with this whole configuration text (relative
    /// paths are in the gateway's temp directory, see [`Gateway::dir`]).
    pub fn start_with(config_text: &str) -> Gateway {
        Gateway::start_in(tempfile::tempdir().unwrap(), config_text)
    }

    /// Starts `ecluse serve` in `dir` (where the test may have put
    /// certificates and metadata) with this configuration text.
    pub fn start_in(dir: tempfile::TempDir, config_text: &str) -> Gateway {
        let config = dir.path().join("ecluse.toml");
        std::fs::write(&config, config_text).unwrap();
        let mut g = Gateway {
            dir,
            smtp: "0.0.0.0:0".parse().unwrap(),
            admin: "0.0.0.0:0".parse().unwrap(),
            child: None,
            config,
        };
        g.spawn();
        g
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn spawn(&mut self) {
        let running = self.data_dir().join("serve.json");
        let _ = std::fs::remove_file(&running);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("serve.log"))
            .unwrap();
        let child = Command::new(ecluse_bin())
            .args(["serve", "--config"])
            .arg(&self.config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting ecluse serve");
        self.child = Some(child);
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&running)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            {
                self.smtp = v["smtp"][0].as_str().unwrap().parse().unwrap();
                self.admin = v["admin"].as_str().unwrap().parse().unwrap();
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("ecluse serve exited with {status}:\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "ecluse serve did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// SIGTERM, then waits for a clean exit; returns the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let start = Instant::now();
        loop {
            if let Some(s) = child.try_wait().unwrap() {
                return s.code();
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!(
                    "ecluse serve did not stop within 30 s of SIGTERM:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory (new ports).
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// The configuration file.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Runs `ecluse <args> --config <this gateway's config>`; returns
    /// (exit code, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(ecluse_bin())
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .output()
            .expect("running ecluse");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs `ecluse <args> --config …` on a pseudo-terminal (util-linux
    /// `script`), as a person at a terminal would; returns (exit code,
    /// everything the terminal showed).
    pub fn cli_tty(&self, args: &[&str]) -> (i32, String) {
        let mut cmd = vec![ecluse_bin().display().to_string()];
        cmd.extend(args.iter().map(|a| a.to_string()));
        cmd.push("--config".into());
        cmd.push(self.config.display().to_string());
        on_tty(&cmd)
    }

    /// An SMTP client connected to the gateway.
    pub fn client(&self) -> Client {
        Client::connect(self.smtp)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A plain SMTP client, one command at a time.
pub struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
    /// The greeting.
    pub greeting: String,
}

impl Client {
    /// Connects and reads the greeting.
    pub fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).expect("connecting to the gateway");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let w = s.try_clone().unwrap();
        let mut c = Client {
            r: BufReader::new(s),
            w,
            greeting: String::new(),
        };
        c.greeting = c.reply();
        c
    }

    /// Reads one (possibly multi-line) reply.
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.r.read_line(&mut line).unwrap_or(0) == 0 {
                return all;
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }

    /// Sends a command line and reads the reply.
    pub fn cmd(&mut self, line: &str) -> String {
        self.send_raw(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// A whole transaction; returns the final reply (or the first failure).
    pub fn send(&mut self, from: &str, rcpts: &[&str], message: &[u8]) -> String {
        let r = self.cmd(&format!("MAIL FROM:<{from}>"));
        if !r.starts_with("250") {
            return r;
        }
        for rcpt in rcpts {
            let r = self.cmd(&format!("RCPT TO:<{rcpt}>"));
            if !r.starts_with("250") {
                return r;
            }
        }
        let r = self.cmd("DATA");
        if !r.starts_with("354") {
            return r;
        }
        self.send_raw(&dot_stuff(message));
        self.reply()
    }

    /// Reads until the server closes the connection.
    pub fn read_to_end(&mut self) -> String {
        let mut s = String::new();
        let _ = self.r.read_to_string(&mut s);
        s
    }
}

/// Dot-stuffs a message and appends the end of data.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in message.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b".") {
            out.push(b'.');
        }
        out.extend_from_slice(line);
    }
    if !message.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Like [`send_one`], but a connection that breaks (the server was
/// killed) gives `None` instead of a panic.
pub fn try_send_one(addr: SocketAddr, from: &str, rcpt: &str, message: &[u8]) -> Option<String> {
    let s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let mut w = s.try_clone().ok()?;
    let mut r = BufReader::new(s);
    let mut reply = || -> Option<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).ok()? == 0 {
                return None;
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return Some(all);
            }
        }
    };
    reply()?;
    let mut data =
        format!("EHLO burst.example.org\r\nMAIL FROM:<{from}>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n")
            .into_bytes();
    w.write_all(&data).ok()?;
    for _ in 0..4 {
        reply()?;
    }
    data = dot_stuff(message);
    data.extend_from_slice(b"QUIT\r\n");
    w.write_all(&data).ok()?;
    reply()
}

/// Sends one message in a fresh session (EHLO, transaction, QUIT).
pub fn send_one(addr: SocketAddr, from: &str, rcpts: &[&str], message: &[u8]) -> String {
    let mut c = Client::connect(addr);
    c.cmd("EHLO client.example.org");
    let r = c.send(from, rcpts, message);
    c.cmd("QUIT");
    r
}

/// Runs `argv` on a pseudo-terminal with util-linux `script`; returns
/// (exit code, everything the terminal showed, escapes included).
pub fn on_tty(argv: &[String]) -> (i32, String) {
    let quoted: Vec<String> = argv
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let out = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running script (util-linux)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// An HTTP answer: status, the cookies it sets (`name=value`), the body.
pub struct HttpAnswer {
    pub status: u16,
    pub cookies: Vec<String>,
    pub body: String,
}

/// One HTTP/1.1 request to `addr` (the admin listener), with a `Cookie`
/// header when `cookie` is not empty and a form body when given; sent
/// with the `Origin` of the configured public address, as a browser would.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    form: Option<&str>,
) -> HttpAnswer {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAccept-Language: fr\r\nOrigin: https://quarantaine.ville-exemple.fr\r\n"
    );
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if let Some(form) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(form.unwrap_or(""));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_string())
        })
        .collect();
    // Chunked bodies are read as they come: the tests look for words.
    HttpAnswer {
        status,
        cookies,
        body: body.to_string(),
    }
}

/// An argon2 hash of `password`, made by `ecluse admin hash-password`.
pub fn hash_password(password: &str) -> String {
    let mut child = Command::new(ecluse_bin())
        .args(["admin", "hash-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Signs in as the local admin (`[admin.local]`) through the sign-in
/// form, as a browser would, and returns the `Cookie` header value of
/// the session.
pub fn sign_in_local(addr: SocketAddr, username: &str, password: &str) -> String {
    let page = http(addr, "GET", "/login", "", None);
    let login = page
        .cookies
        .iter()
        .find(|c| c.contains("ecluse_login="))
        .unwrap_or_else(|| panic!("no sign-in cookie: {}", page.status))
        .clone();
    let csrf = login.split_once('=').unwrap().1.to_string();
    let answer = http(
        addr,
        "POST",
        "/login/local",
        &login,
        Some(&format!(
            "csrf={csrf}&next=%2Fadmin&username={username}&password={password}"
        )),
    );
    answer
        .cookies
        .iter()
        .find(|c| {
            (c.starts_with("__Host-ecluse=") || c.starts_with("ecluse=")) && !c.ends_with('=')
        })
        .unwrap_or_else(|| panic!("not signed in ({}): {}", answer.status, answer.body))
        .clone()
}

/// The resident memory of process `pid` in bytes (`VmRSS` of
/// `/proc/<pid>/status`), `None` when it is gone.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The sum of every series of the Prometheus metric `name` in `text` (a
/// `/metrics` page), whatever their labels; 0 when there is none.
pub fn metric_total(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            let bare = key.split('{').next()?;
            (bare == name).then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}
