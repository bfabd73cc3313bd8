//! `ecluse demo` as a new user runs it: no configuration, the four samples
//! go through the real SMTP path, the clean one and the notices land in
//! `data/delivered/`, the EICAR one is refused, and the printed one-time
//! password signs the local admin in to a queue that shows the held items.
//! The banner's `swaks` and `curl` lines work as printed from another
//! directory and get their message held; the server's log goes to a file,
//! not into the banner; a second run on the same data directory sends no
//! sample again; the sign-in page presents the demo's way in.

use ecluse_tests::browser::{Driver, doc_shot};
use ecluse_tests::{ecluse_bin, free_addr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn http(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn cookie(response: &str, name: &str) -> String {
    response
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in\n{response}"))
}

/// A running `ecluse demo` with `--data-dir data` in `dir`, and what it
/// printed so far.
struct Demo {
    child: Child,
    out: Arc<Mutex<String>>,
    ui: SocketAddr,
}

impl Demo {
    /// Starts the demo in `dir` and waits until its samples are dealt with
    /// (sent, or not sent again).
    fn start(dir: &Path) -> Demo {
        let ui = free_addr();
        let mut child = Command::new(ecluse_bin())
            .args([
                "demo",
                "--data-dir",
                "data",
                "--smtp",
                "127.0.0.1:0",
                "--ui",
                &ui.to_string(),
            ])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let o = out.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                o.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let demo = Demo { child, out, ui };
        let start = Instant::now();
        while !demo.text().contains("==> samples ") {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no samples sent:\n{}",
                demo.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        demo
    }

    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// The banner's one-time password.
    fn password(&self) -> String {
        let text = self.text();
        text.lines()
            .find_map(|l| l.trim().strip_prefix("password"))
            .map(|rest| rest.split_whitespace().next().unwrap().to_string())
            .unwrap_or_else(|| panic!("no password in the banner:\n{text}"))
    }

    /// The banner line that starts with `command`, as printed.
    fn command_line(&self, command: &str) -> String {
        let text = self.text();
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(&format!("{command} ")))
            .unwrap_or_else(|| panic!("no {command} line in the banner:\n{text}"))
            .to_string()
    }

    /// Signs the admin in with the banner's password: the session cookie.
    fn sign_in(&self) -> String {
        let login = http(
            self.ui,
            "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        let pre = cookie(&login, "ecluse_login");
        let token = pre.split_once('=').unwrap().1;
        let body = format!(
            "csrf={token}&next=%2Fadmin&username=admin&password={}",
            self.password()
        );
        let signed = http(
            self.ui,
            &format!(
                "POST /login/local HTTP/1.1\r\nHost: x\r\nCookie: {pre}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        );
        assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
        cookie(&signed, "ecluse")
    }

    /// The admin's queue page.
    fn queue(&self, session: &str) -> String {
        http(
            self.ui,
            &format!(
                "GET /admin HTTP/1.1\r\nHost: x\r\nCookie: {session}\r\nConnection: close\r\n\r\n"
            ),
        )
    }

    /// SIGTERM: a clean stop.
    fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert_eq!(self.child.wait().unwrap().code(), Some(0));
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of each message in `delivered`, once there are at least `n`.
fn delivered(delivered: &Path, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let files: Vec<String> = std::fs::read_dir(delivered)
            .unwrap()
            .map(|e| {
                let raw = std::fs::read(e.unwrap().path()).unwrap();
                let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
                (0..parsed.text_body_count() + 2)
                    .filter_map(|i| parsed.body_text(i))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        if files.len() >= n {
            return files;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} delivered, {n} expected",
            files.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_demo_shows_held_items_in_the_ui_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let text = demo.text();
    let password = demo.password();
    assert!(
        text.contains("EICAR") && text.contains("550"),
        "EICAR refused at SMTP time:\n{text}"
    );
    assert!(text.contains("swaks --server"), "{text}");
    assert!(text.contains("==> samples sent"), "{text}");

    // The server's log is in the file the banner names, not in the banner.
    let log = dir.path().join("data/demo.log");
    assert!(
        text.contains(&format!("server log      {}", log.display())),
        "{text}"
    );
    assert!(
        !text.contains(" INFO ") && !text.contains("listening"),
        "log lines in the banner:\n{text}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("SMTP listening"), "{logged}");

    // The clean message and two notices reach the capture server.
    let files = delivered(&dir.path().join("data/delivered"), 3);
    assert_eq!(
        files.iter().filter(|f| f.contains("/q/")).count(),
        2,
        "two notices"
    );

    // The one-time password signs the admin in; the queue shows both held items.
    let queue = demo.queue(&demo.sign_in());
    assert!(
        queue.contains("facture.docx") && queue.contains("justificatifs.zip"),
        "{queue}"
    );
    assert!(queue.contains("2 éléments"), "{queue}");

    // The same in a real browser, as the README shows it.
    let ui = demo.ui;
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let driver = Driver::start();
        let browser = driver.browser("demo-admin").await;
        browser.goto(&format!("http://{ui}/admin")).await;
        browser.fill("#username", "admin").await;
        browser.fill("#password", &password).await;
        browser
            .click("form[action='/login/local'] button[type=submit]")
            .await;
        let page = browser.wait_text("justificatifs.zip").await;
        assert!(
            page.contains("facture.docx") && page.contains("2 éléments"),
            "{page}"
        );
        if let Some(path) = doc_shot("demo-queue.png") {
            browser.screenshot(&path).await;
        }
    });

    demo.stop();
}

/// Runs one of the banner's lines as printed, through the shell, in `cwd`.
fn run_printed(line: &str, cwd: &Path) -> String {
    let out = Command::new("sh")
        .args(["-c", line])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {line}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{line}\n{text}");
    text
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_banner_commands_send_a_mail_that_is_held_from_any_directory() {
    for program in ["swaks", "curl"] {
        assert!(
            installed(program),
            "{program} is missing: apt-get install {program} (scripts/test installs it)"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    delivered(&dir.path().join("data/delivered"), 3);

    // The files the lines name are written by the demo, by absolute path.
    let swaks = demo.command_line("swaks");
    let curl = demo.command_line("curl");
    let samples: PathBuf = dir.path().join("data/samples");
    assert!(
        swaks.ends_with(&format!(
            "--attach @{}",
            samples.join("facture.docm").display()
        )),
        "{swaks}"
    );
    assert!(
        curl.ends_with(&format!(
            "--upload-file {}",
            samples.join("facture.eml").display()
        )),
        "{curl}"
    );

    // Run from another directory, each gets 250 and its document is held.
    let said = run_printed(&swaks, elsewhere.path());
    assert!(said.contains("250 2.0.0"), "{said}");
    run_printed(&curl, elsewhere.path());
    let files = delivered(&dir.path().join("data/delivered"), 5);
    assert_eq!(
        files.iter().filter(|f| f.contains("/q/")).count(),
        4,
        "two more notices, in place of the two documents"
    );
    let queue = demo.queue(&demo.sign_in());
    assert!(queue.contains("4 éléments"), "{queue}");
    // Named as the sender's program wrote it: swaks before 2024 keeps
    // the `@` of `--attach @file` in the name unless --attach-name says it.
    assert!(
        queue.contains("facture.docm") && !queue.contains("@facture.docm"),
        "{queue}"
    );
    demo.stop();
}

#[test]
fn a_second_run_on_the_same_data_dir_shows_the_same_held_items() {
    let dir = tempfile::tempdir().unwrap();
    let first = Demo::start(dir.path());
    delivered(&dir.path().join("data/delivered"), 3);
    let queue = first.queue(&first.sign_in());
    assert!(queue.contains("2 éléments"), "{queue}");
    first.stop();

    let second = Demo::start(dir.path());
    let text = second.text();
    assert!(text.contains("==> samples not sent again"), "{text}");
    assert!(!text.contains("250 2.0.0"), "{text}");
    let queue = second.queue(&second.sign_in());
    assert!(queue.contains("2 éléments"), "{queue}");
    assert_eq!(
        std::fs::read_dir(dir.path().join("data/delivered"))
            .unwrap()
            .count(),
        3,
        "nothing delivered again"
    );
    second.stop();
}

#[test]
fn the_demo_sign_in_page_presents_the_demo_way_in() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let get = |lang: &str| {
        http(
            demo.ui,
            &format!(
                "GET /login HTTP/1.1\r\nHost: x\r\nAccept-Language: {lang}\r\nConnection: close\r\n\r\n"
            ),
        )
    };
    let fr = get("fr");
    assert!(fr.contains("Connexion à la démonstration"), "{fr}");
    assert!(fr.contains("mot de passe à usage unique"), "{fr}");
    assert!(!fr.contains("secours"), "{fr}");
    let en = get("en");
    assert!(en.contains("Sign in to the demo"), "{en}");
    assert!(en.contains("one-time password"), "{en}");
    assert!(!en.contains("Emergency"), "{en}");
    demo.stop();
}
