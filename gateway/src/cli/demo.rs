//! `ecluse demo`: everything on loopback, no configuration file. SMTP on
//! 127.0.0.1:2525, the web UI on 127.0.0.1:8080, a built-in capture server
//! as the town's mail server (each delivered message becomes a `.eml` in
//! `<data-dir>/delivered/`), a local admin whose one-time password is
//! printed, and four sample messages sent through the real SMTP path so that
//! the UI shows held items at once.
//!
//! What it writes in the data directory, besides the store:
//! - `demo.log`: the server's log (the terminal keeps the banner only);
//! - `samples/facture.docm` and `samples/facture.eml`: the files the
//!   banner's `swaks` and `curl` lines send, by absolute path, so that they
//!   work from any directory;
//! - `samples/sent`: the samples already sent to this store, one per line;
//!   a later run sends only the others, so the queue looks the same after
//!   two runs.

use anyhow::{Context as _, Result};
use base64::Engine as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The demo's address domain: mail to it is accepted.
pub const DOMAIN: &str = "ville-exemple.fr";
/// The agent the samples are sent to.
pub const AGENT: &str = "agent@ville-exemple.fr";
/// The local admin's user name.
pub const ADMIN_USER: &str = "admin";

/// `ecluse demo` arguments.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Where the demo keeps its store; delivered mail goes to DIR/delivered/.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The SMTP address.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:2525")]
    pub smtp: SocketAddr,
    /// The web UI's address.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub ui: SocketAddr,
    /// Do not send the four sample messages.
    #[arg(long)]
    pub no_samples: bool,
}

/// Runs the demo until Ctrl-C.
pub fn run(args: DemoArgs) -> Result<()> {
    let data_dir = std::path::absolute(&args.data_dir)
        .with_context(|| format!("{}: not a usable path", args.data_dir.display()))?;
    let delivered = data_dir.join("delivered");
    std::fs::create_dir_all(&delivered)
        .with_context(|| format!("creating {}", delivered.display()))?;
    let log = data_dir.join("demo.log");
    init_log(&log)?;
    let examples = write_examples(&data_dir.join("samples"))?;
    let capture = capture_server(delivered.clone())?;
    let password = ecluse_admin_ui::web::random_token()[..20].to_string();
    let hash = ecluse_admin_ui::hash_password(&password);
    let public_url = format!("http://{}", args.ui);
    let text = format!(
        "[smtp]\nlisten = \"{smtp}\"\nhostname = \"ecluse.demo\"\naccepted_domains = [\"{DOMAIN}\"]\nsender_checks = false\n\n\
         [relay]\ndownstream = \"{capture}\"\nstarttls = \"off\"\nretry_min = \"1s\"\nretry_max = \"10s\"\n\n\
         [quarantine]\ndata_dir = \"{data}\"\n\n\
         [admin]\nlisten = \"{ui}\"\npublic_url = \"{public_url}\"\nnotify = [\"dsi@{DOMAIN}\"]\n\n\
         [admin.local]\nusername = \"{ADMIN_USER}\"\npassword_hash = \"{hash}\"\n",
        smtp = args.smtp,
        data = data_dir.display(),
        ui = args.ui,
    );
    let mut config = crate::config::Config::parse(&text, "demo", &data_dir)
        .map_err(|e| anyhow::anyhow!("demo configuration: {e}"))?;
    if let Some(ui) = config.admin.ui.as_mut() {
        ui.demo = true;
    }
    let (tx, rx) = std::sync::mpsc::channel::<crate::control::Running>();
    let samples = !args.no_samples;
    let shown = Shown {
        public_url,
        password,
        data_dir: data_dir.clone(),
        delivered,
        log: log.clone(),
        examples,
    };
    std::thread::spawn(move || {
        let Ok(running) = rx.recv() else { return };
        let smtp = running.smtp[0];
        banner(&running, &shown);
        if samples {
            send_samples(smtp, &shown.data_dir);
        }
    });
    let result = crate::serve::serve_with(config, Some(tx));
    if result.is_ok() {
        println!("==> Écluse demo stopped (server log: {})", log.display());
    }
    result
}

/// Sends the server's log to `path` (appended), not to the terminal, so
/// that the banner and the sample list stay readable. `ECLUSE_LOG` sets the
/// level, as for `ecluse serve`.
fn init_log(path: &Path) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the demo's log file {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECLUSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .map_err(|e| anyhow::anyhow!("setting up the demo's log: {e}"))
}

/// The files the banner's example commands send.
struct Examples {
    /// A Word document with macros, for `swaks --attach`.
    docm: PathBuf,
    /// A whole message carrying it, for `curl --upload-file`.
    eml: PathBuf,
}

/// Writes (again at each start) the example files into `dir`.
fn write_examples(dir: &Path) -> Result<Examples> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let examples = Examples {
        docm: dir.join("facture.docm"),
        eml: dir.join("facture.eml"),
    };
    let message = mail(
        "Facture avec macros (essai)",
        "Bonjour,\r\n\r\nVoici la facture, un document Word avec macros.\r\n",
        Some(("facture.docm", &docm())),
    );
    for (path, bytes) in [
        (&examples.docm, docm()),
        (&examples.eml, message.into_bytes()),
    ] {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(examples)
}

/// What the banner shows.
struct Shown {
    public_url: String,
    password: String,
    data_dir: PathBuf,
    delivered: PathBuf,
    log: PathBuf,
    examples: Examples,
}

/// `path` as one shell word: as it is when that is safe, else in single quotes.
fn shell_word(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,=%".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn banner(running: &crate::control::Running, shown: &Shown) {
    let smtp = running.smtp[0];
    println!(
        "\n\
         ==> Écluse demo is running (Ctrl-C stops it)\n\
         \n\
         \x20   web UI          {url}/admin\n\
         \x20   sign in as      {ADMIN_USER}\n\
         \x20   password        {password}   (one-time: a new one at each start)\n\
         \x20   SMTP            {smtp}  (mail for @{DOMAIN} is accepted)\n\
         \x20   delivered mail  {delivered}/  (one .eml per message the town's server would get)\n\
         \x20   metrics         http://{admin}/metrics\n\
         \x20   server log      {log}\n\
         \n\
         \x20   Send a test mail, from any directory: a Word document with macros, which\n\
         \x20   Écluse holds (a new item in the web UI's queue, a notice in its place in\n\
         \x20   delivered mail):\n\
         \x20     swaks --server {smtp} --to {AGENT} --attach-name facture.docm --attach @{docm}\n\
         \x20     curl smtp://{smtp} --mail-from fournisseur@exemple.org --mail-rcpt {AGENT} --upload-file {eml}\n",
        url = shown.public_url,
        password = shown.password,
        delivered = shown.delivered.display(),
        admin = running.admin,
        log = shown.log.display(),
        docm = shell_word(&shown.examples.docm),
        eml = shell_word(&shown.examples.eml),
    );
}

/// One sample: its name in `samples/sent`, what it is, the message.
struct Sample {
    id: &'static str,
    what: &'static str,
    message: String,
}

fn samples() -> Vec<Sample> {
    vec![
        Sample {
            id: "clean",
            what: "a clean message",
            message: mail(
                "Réunion de lundi",
                "Bonjour,\r\n\r\nLa réunion de lundi est déplacée à 14 h.\r\n",
                None,
            ),
        },
        Sample {
            id: "macro-docx",
            what: "a macro document named .docx",
            message: mail(
                "Facture de décembre",
                "Bonjour,\r\n\r\nVeuillez trouver ci-joint la facture.\r\n",
                Some(("facture.docx", &docm())),
            ),
        },
        Sample {
            id: "eicar-zip",
            what: "EICAR (the antivirus test file) in a ZIP",
            message: mail(
                "Document important",
                "Bonjour,\r\n\r\nLe document est dans l'archive.\r\n",
                Some(("document.zip", &zip(&[("document.com", &eicar())], None))),
            ),
        },
        Sample {
            id: "encrypted-zip",
            what: "a password-protected archive",
            message: mail(
                "Pièces justificatives",
                "Bonjour,\r\n\r\nLe mot de passe de l'archive est 2024.\r\n",
                Some((
                    "justificatifs.zip",
                    &zip(&[("justificatif.pdf", b"%PDF-1.4\n%%EOF\n")], Some("2024")),
                )),
            ),
        },
    ]
}

/// Sends the samples this data directory has not had yet, once each: every
/// sample the server answered is added to `samples/sent`, so a second run
/// on the same store adds nothing to its queue.
fn send_samples(smtp: SocketAddr, data_dir: &Path) {
    let record = data_dir.join("samples").join("sent");
    let done: Vec<String> = std::fs::read_to_string(&record)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let todo: Vec<Sample> = samples()
        .into_iter()
        .filter(|s| !done.iter().any(|d| d == s.id))
        .collect();
    if todo.is_empty() {
        println!(
            "==> samples not sent again: they were sent to this data directory on an earlier run\n\
             \x20   ({} lists them; to start afresh, stop the demo and delete {})\n",
            record.display(),
            data_dir.display()
        );
        return;
    }
    println!(
        "==> sending {} sample messages to {AGENT} through {smtp}\n\
         \x20   (once per data directory: {} lists those sent)",
        todo.len(),
        record.display()
    );
    for s in todo {
        let reply = match send(smtp, "fournisseur@exemple.org", AGENT, s.message.as_bytes()) {
            Ok(reply) => {
                let noted = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&record)
                    .and_then(|mut f| writeln!(f, "{}", s.id));
                if let Err(e) = noted {
                    tracing::warn!(error = %e, file = %record.display(), "demo: cannot note a sample as sent");
                }
                reply
            }
            Err(e) => format!("(not sent: {e})"),
        };
        println!("    {:<42} {}", s.what, reply.trim());
    }
    println!("==> samples sent; the held ones are in the web UI's queue\n");
}

fn mail(subject: &str, body: &str, attachment: Option<(&str, &[u8])>) -> String {
    let subject = format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(subject)
    );
    let head = format!(
        "From: Fournisseur <fournisseur@exemple.org>\r\nTo: Agent <{AGENT}>\r\nSubject: {subject}\r\nDate: {}\r\nMessage-ID: <{}@exemple.org>\r\nMIME-Version: 1.0\r\n",
        jiff::Zoned::now().strftime("%a, %d %b %Y %H:%M:%S %z"),
        ulid::Ulid::new()
    );
    let text = format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        b64_lines(body.as_bytes())
    );
    match attachment {
        None => format!("{head}{text}"),
        Some((name, data)) => format!(
            "{head}Content-Type: multipart/mixed; boundary=\"demo\"\r\n\r\n--demo\r\n{text}--demo\r\n\
             Content-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--demo--\r\n",
            b64_lines(data)
        ),
    }
}

fn b64_lines(data: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    b64.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The EICAR test string, assembled so that no file of ours holds it whole.
fn eicar() -> Vec<u8> {
    [
        &b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$"[..],
        b"EICAR-STANDARD-ANTIVIRUS-",
        b"TEST-FILE!$H+H*",
    ]
    .concat()
}

fn zip(entries: &[(&str, &[u8])], password: Option<&str>) -> Vec<u8> {
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        let opts = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Deflated);
        let opts = match password {
            Some(p) => opts.with_aes_encryption_bytes(::zip::AesMode::Aes256, p.as_bytes()),
            None => opts,
        };
        // Writing to memory cannot fail.
        let _ = w.start_file(*name, opts);
        let _ = w.write_all(data);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A Word document with a macro project (`vbaProject.bin`), as a `.docm` is.
fn docm() -> Vec<u8> {
    let ct = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Facture</w:t></w:r></w:p></w:body></w:document>"#;
    zip(
        &[
            ("[Content_Types].xml", ct.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("word/document.xml", doc.as_bytes()),
            (
                "word/vbaProject.bin",
                b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\nEnd Sub\r\n",
            ),
        ],
        None,
    )
}

/// Sends one message; the reply to the end of data (or the refusal).
fn send(addr: SocketAddr, from: &str, rcpt: &str, message: &[u8]) -> Result<String> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    let mut reply = || -> Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line)? == 0 {
                anyhow::bail!("connection closed");
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(line);
            }
        }
    };
    reply()?;
    for cmd in [
        "EHLO demo.exemple.org".to_string(),
        format!("MAIL FROM:<{from}>"),
        format!("RCPT TO:<{rcpt}>"),
        "DATA".to_string(),
    ] {
        w.write_all(format!("{cmd}\r\n").as_bytes())?;
        let line = reply()?;
        if !(line.starts_with('2') || line.starts_with('3')) {
            return Ok(line);
        }
    }
    let mut data = Vec::with_capacity(message.len() + 16);
    for line in message.split_inclusive(|b| *b == b'\n') {
        if line.first() == Some(&b'.') {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    data.extend_from_slice(b".\r\n");
    w.write_all(&data)?;
    let line = reply()?;
    let _ = w.write_all(b"QUIT\r\n");
    Ok(line)
}

/// The town's mail server, for the demo: accepts everything and writes each
/// message to `dir` as a `.eml`.
fn capture_server(dir: PathBuf) -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the demo's capture server")?;
    let addr = listener.local_addr()?;
    let counter = Arc::new(AtomicU64::new(0));
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (dir, counter) = (dir.clone(), counter.clone());
            std::thread::spawn(move || {
                if let Err(e) = capture_session(conn, &dir, &counter) {
                    tracing::warn!(error = %e, "demo capture server: session failed");
                }
            });
        }
    });
    Ok(addr)
}

fn capture_session(conn: TcpStream, dir: &Path, counter: &AtomicU64) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(300)))?;
    let mut w = conn.try_clone()?;
    let mut r = BufReader::new(conn);
    w.write_all(b"220 capture.demo ESMTP (Ecluse demo capture)\r\n")?;
    let mut rcpts: Vec<String> = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") {
            b"250-capture.demo\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO")
            || upper.starts_with("MAIL")
            || upper.starts_with("NOOP")
        {
            b"250 2.0.0 OK\r\n"
        } else if upper.starts_with("RSET") {
            rcpts.clear();
            b"250 2.0.0 OK\r\n"
        } else if upper.starts_with("RCPT") {
            let to = line.trim_end().split_once(':').map(|x| x.1).unwrap_or("");
            rcpts.push(
                to.trim()
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .to_string(),
            );
            b"250 2.1.5 OK\r\n"
        } else if upper == "DATA" {
            w.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut message = Vec::new();
            loop {
                let mut l = Vec::new();
                if r.read_until(b'\n', &mut l)? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                let l = if l.starts_with(b"..") {
                    &l[1..]
                } else {
                    &l[..]
                };
                message.extend_from_slice(l);
            }
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let who: String = rcpts
                .first()
                .map(|r| {
                    r.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-') {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let name = format!(
                "{}-{n:04}-{who}.eml",
                jiff::Timestamp::now().as_millisecond()
            );
            std::fs::write(dir.join(&name), &message)?;
            rcpts.clear();
            b"250 2.0.0 written\r\n"
        } else if upper == "QUIT" {
            w.write_all(b"221 2.0.0 bye\r\n")?;
            return Ok(());
        } else {
            b"502 5.5.1 not in the demo\r\n"
        };
        w.write_all(answer)?;
    }
}
