//! `ecluse demo` as a new user runs it: no configuration, the four samples
//! go through the real SMTP path, the clean one and the notices land in
//! `data/delivered/`, the EICAR one is refused, and the printed one-time
//! password signs the local admin in to a queue that shows the held items.

use ecluse_tests::browser::{Driver, doc_shot};
use ecluse_tests::{ecluse_bin, free_addr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
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

#[test]
fn the_demo_shows_held_items_in_the_ui_at_once() {
    let dir = tempfile::tempdir().unwrap();
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
        .current_dir(dir.path())
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
    let start = Instant::now();
    while !out.lock().unwrap().contains("samples sent") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no samples sent:\n{}",
            out.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = out.lock().unwrap().clone();
    let password = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("password"))
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no password in the banner:\n{text}"));
    assert!(
        text.contains("EICAR") && text.contains("550"),
        "EICAR refused at SMTP time:\n{text}"
    );
    assert!(text.contains("swaks --server"), "{text}");

    // The clean message and two notices reach the capture server.
    let delivered = dir.path().join("data/delivered");
    let start = Instant::now();
    let files = loop {
        let files: Vec<String> = std::fs::read_dir(&delivered)
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
        if files.len() >= 3 {
            break files;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} delivered:\n{text}",
            files.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        files.iter().filter(|f| f.contains("/q/")).count(),
        2,
        "two notices"
    );

    // The one-time password signs the admin in; the queue shows both held items.
    let login = http(
        ui,
        "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let pre = cookie(&login, "ecluse_login");
    let token = pre.split_once('=').unwrap().1;
    let body = format!("csrf={token}&next=%2Fadmin&username=admin&password={password}");
    let signed = http(
        ui,
        &format!(
            "POST /login/local HTTP/1.1\r\nHost: x\r\nCookie: {pre}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    let session = cookie(&signed, "ecluse");
    let queue = http(
        ui,
        &format!(
            "GET /admin HTTP/1.1\r\nHost: x\r\nCookie: {session}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(
        queue.contains("facture.docx") && queue.contains("justificatifs.zip"),
        "{queue}"
    );
    assert!(queue.contains("2 élément(s)"), "{queue}");

    // The same in a real browser, as the README shows it.
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
            page.contains("facture.docx") && page.contains("2 élément(s)"),
            "{page}"
        );
        if let Some(path) = doc_shot("demo-queue.png") {
            browser.screenshot(&path).await;
        }
    });

    // SIGTERM: a clean stop.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
