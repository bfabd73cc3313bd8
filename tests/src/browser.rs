//! A real browser for the UI tests: Debian's headless Chromium driven by
//! its chromedriver through fantoccini. Every [`Browser`] is a new session
//! with a fresh, empty profile (one person each), French first.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver, as Debian installs it.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Chromium, as Debian installs it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver.
pub struct Driver {
    child: Child,
    addr: SocketAddr,
    /// The temporary directory of chromedriver and its browsers (their
    /// `TMPDIR` and their profiles), removed once they have all exited:
    /// a profile removed under a running browser is written again.
    scratch: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free loopback port.
    pub fn start() -> Driver {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "Chromium is not installed: run scripts/test, which installs the Debian packages chromium and chromium-driver"
        );
        let addr = crate::free_addr();
        let scratch = tempfile::tempdir().unwrap();
        // Its own process group, so that dropping the driver ends the
        // Chromium processes it started too, not only itself.
        let child = Command::new(CHROMEDRIVER)
            .process_group(0)
            .env("TMPDIR", scratch.path())
            .arg(format!("--port={}", addr.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            addr,
            scratch,
        }
    }

    /// A new browser with its own empty profile.
    pub async fn browser(&self, name: &str) -> Browser {
        // Kept until the driver goes, with the scratch directory.
        let profile = tempfile::tempdir_in(self.scratch.path()).unwrap().keep();
        let caps = serde_json::json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--lang=fr-FR", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": "fr-FR,fr" }
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        // Two rustls providers are linked (aws-lc-rs, ours; ring, through
        // mail-auth's resolver): name one, as `ecluse` does in `main`.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps)
            .connect(&format!("http://{}", self.addr))
            .await
            .expect("a new chromium session");
        Browser {
            client,
            name: name.to_string(),
        }
    }
}

impl Drop for Driver {
    /// Ends chromedriver and every browser it started: SIGTERM to the
    /// process group, then SIGKILL to what is left after 5 s; then their
    /// temporary files go.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args([sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        // Browsers shut down on SIGTERM, removing their singleton sockets;
        // give the whole group up to 5 s before SIGKILL.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            let _ = self.child.try_wait(); // reaps chromedriver
            let alive = Command::new("kill")
                .args(["-0", "--", &group])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !alive {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL");
        let _ = self.child.wait();
        // `scratch` goes after this, with every profile in it.
    }
}

/// One person's browser.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    /// Whose browser, for screenshot names.
    pub name: String,
}

impl Browser {
    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: goto {url}: {e}", self.name));
    }

    /// The page's address now.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The page's HTML now.
    pub async fn html(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Waits until the page's text contains `needle` (10 s at most).
    pub async fn wait_text(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let html = self.html().await;
            if html.contains(needle) {
                return html;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{}: the page at {} never showed {needle:?}:\n{html}",
                self.name,
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element matched by `css`, waited for (10 s at most).
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        let here = self.url().await;
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: nothing matches {css} at {here}: {e}", self.name))
    }

    /// Types into the field matched by `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.element(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the element matched by `css`.
    pub async fn click(&self, css: &str) {
        self.element(css).await.click().await.unwrap();
    }

    /// Saves a PNG of the page.
    pub async fn screenshot(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }
}

/// Where screenshots of failed UI tests go.
pub fn failure_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ui-failures")
}

/// Where the README's screenshot `name` is written, when the run asks for
/// them with `ECLUSE_SCREENSHOTS=docs`.
pub fn doc_shot(name: &str) -> Option<PathBuf> {
    (std::env::var("ECLUSE_SCREENSHOTS").as_deref() == Ok("docs")).then(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/screenshots")
            .join(name)
    })
}
