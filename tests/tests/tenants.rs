//! Many communes on one Écluse (issue 16), end to end: one `ecluse serve`
//! with three `[[tenant]]` blocks, each with its own downstream server (a
//! real SMTP sink), its own admins (SimpleSAMLphp groups) and its own
//! audit chain; a real browser for the UI; the CLI with `--tenant`; and a
//! data directory written before tenants (a fixture) opened by this build.

use ecluse_tests::browser::{Browser, Driver, failure_dir};
use ecluse_tests::idp::{self, Idp};
use ecluse_tests::{Gateway, Sink, free_addr, http, samples, send_one};
use std::net::SocketAddr;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// (login, password, mail address, display name, groups) at the IdP.
const ADMIN_ALPHA: (&str, &str, &str, &str, &[&str]) = (
    "admin-alpha",
    "mot-de-passe-alpha",
    "dsi@ville-alpha.fr",
    "Anne Alpha",
    &["agents", "admins-alpha"],
);
const SYNDIC: (&str, &str, &str, &str, &[&str]) = (
    "syndic",
    "mot-de-passe-syndic",
    "technicien@syndicat-numerique.fr",
    "Sam Syndic",
    &["syndicat-admins"],
);

/// The service's part and three communes: Alpha delivers macro documents
/// to its accounts department (an override) and holds them for everyone
/// else; Béta holds them, with its own notice lines; Gamma refuses them
/// (stricter than the service).
fn config(sinks: &[&Sink; 3], admin: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mx.syndicat-numerique.fr\"\nmax_message_size = \"2MiB\"\nsender_checks = false\n\n\
         [relay]\nretry_min = \"200ms\"\nretry_max = \"1s\"\n\n\
         [quarantine]\ndata_dir = \"data\"\n\n\
         {admin}\n\
         [policy]\nlocked = [\"executable\"]\n\n\
         [[tenant]]\nid = \"alpha\"\nname = \"Mairie d'Alpha\"\ndomains = [\"ville-alpha.fr\"]\ndownstream = \"{a}\"\nadmin_group = \"admins-alpha\"\nnotify = [\"dsi@ville-alpha.fr\"]\n\n\
         [[tenant.policy.override]]\nrecipients = [\"compta@ville-alpha.fr\"]\nmacro = \"deliver\"\n\n\
         [[tenant]]\nid = \"beta\"\nname = \"Mairie de Béta\"\ndomains = [\"ville-beta.fr\", \"beta-commune.fr\"]\ndownstream = \"{b}\"\nadmin_group = \"admins-beta\"\nnotice_contact = \"Secrétariat de mairie, 04 73 00 00 00\"\nnotice_help = \"Appelez le secrétariat si vous attendiez ce fichier.\"\nretention_days = 60\n\n\
         [[tenant]]\nid = \"gamma\"\nname = \"Mairie de Gamma\"\ndomains = [\"ville-gamma.fr\"]\ndownstream = \"{c}\"\nadmin_group = \"admins-gamma\"\n\n\
         [tenant.policy]\nmacro = \"reject\"\n",
        a = sinks[0].addr,
        b = sinks[1].addr,
        c = sinks[2].addr,
    )
}

fn docm_message(subject: &str) -> String {
    samples::with_attachment(
        subject,
        "application/vnd.ms-word.document.macroEnabled.12",
        "facture.docm",
        &samples::docm("Facture"),
    )
}

/// Waits until `sink` holds `n` messages; fails with the server's log.
fn wait_for(sink: &Sink, n: usize, gw: &Gateway) -> Vec<ecluse_tests::Received> {
    let got = sink.wait_for(n, WAIT);
    assert!(
        got.len() >= n,
        "{} of {n} messages:\n{}",
        got.len(),
        gw.log()
    );
    got
}

/// The decoded text parts of a message.
fn texts(data: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default().parse(data).unwrap();
    (0..parsed.text_body_count() + 3)
        .filter_map(|i| parsed.body_text(i).map(|t| t.into_owned()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn items_json(gw: &Gateway, tenant: Option<&str>) -> Vec<serde_json::Value> {
    let mut args = vec!["quarantine", "list", "--json"];
    if let Some(t) = tenant {
        args.extend(["--tenant", t]);
    }
    let (code, out, err) = gw.cli(&args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn each_commune_decides_for_its_recipients_and_sees_only_its_items() {
    let sinks = [Sink::start(), Sink::start(), Sink::start()];
    let admin = "[admin]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://quarantaine.syndicat-numerique.fr\"\nnotify = [\"dsi@syndicat-numerique.fr\"]\n";
    let mut gw = Gateway::start_with(&config(&[&sinks[0], &sinks[1], &sinks[2]], admin));

    // One message to two communes, scanned once: Alpha's accounts
    // department gets the macro document, Béta's agent a notice.
    let reply = send_one(
        gw.smtp,
        "fournisseur@example.org",
        &["compta@ville-alpha.fr", "agent@ville-beta.fr"],
        docm_message("Facture de décembre").as_bytes(),
    );
    assert!(reply.starts_with("250"), "{reply}");
    let a = wait_for(&sinks[0], 1, &gw);
    let b = wait_for(&sinks[1], 1, &gw);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        sinks[0].messages().len(),
        1,
        "one delivery to Alpha's server"
    );
    assert_eq!(
        sinks[1].messages().len(),
        1,
        "one delivery to Béta's server"
    );
    assert!(sinks[2].messages().is_empty(), "nothing for Gamma");
    assert_eq!(a[0].rcpts, ["compta@ville-alpha.fr"]);
    assert!(
        !a[0].text().contains("X-Ecluse-Held") && a[0].text().contains("facture.docm"),
        "Alpha's override delivers the document:\n{}",
        a[0].text()
    );
    assert_eq!(b[0].rcpts, ["agent@ville-beta.fr"]);
    assert!(b[0].text().contains("X-Ecluse-Held"), "{}", b[0].text());
    let notice = texts(&b[0].data);
    assert!(
        notice.contains("filtre de messagerie de Mairie de Béta")
            && notice.contains("Une question ? Contactez : Secrétariat de mairie, 04 73 00 00 00")
            && notice.contains("Appelez le secrétariat"),
        "the notice carries the commune's name and text:\n{notice}"
    );

    // Items only in Béta; the CLI scoped to Alpha sees none and refuses
    // Béta's item as if it did not exist.
    let all = items_json(&gw, None);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["tenant"], "beta");
    assert_eq!(all[0]["recipient"], "agent@ville-beta.fr");
    let id = all[0]["id"].as_str().unwrap().to_string();
    assert!(items_json(&gw, Some("alpha")).is_empty());
    assert_eq!(items_json(&gw, Some("beta")).len(), 1);
    let (code, _, err) = gw.cli(&["quarantine", "show", &id, "--tenant", "alpha"]);
    assert_eq!(code, 3);
    assert!(
        err.contains(&format!("no held item {id} in tenant alpha")),
        "{err}"
    );
    let (code, _, err) = gw.cli(&[
        "quarantine",
        "release",
        &id,
        "--tenant",
        "alpha",
        "--comment",
        "x",
    ]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(items_json(&gw, Some("beta"))[0]["status"], "held");
    let (code, out, err) = gw.cli(&["quarantine", "show", &id, "--tenant", "beta"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("facture.docm"), "{out}");
    let (code, _, err) = gw.cli(&["quarantine", "list", "--tenant", "delta"]);
    assert_eq!(code, 3);
    assert!(
        err.contains("no tenant `delta`") && err.contains("alpha, beta, gamma"),
        "{err}"
    );

    // Gamma refuses macro documents: alone, 550; with Béta in the same
    // transaction, 250 and Gamma's copy held (one answer for all).
    let reply = send_one(
        gw.smtp,
        "fournisseur@example.org",
        &["agent@ville-gamma.fr"],
        docm_message("Pour Gamma seule").as_bytes(),
    );
    assert!(reply.starts_with("550"), "{reply}");
    let reply = send_one(
        gw.smtp,
        "fournisseur@example.org",
        &["agent@ville-gamma.fr", "accueil@beta-commune.fr"],
        docm_message("Pour Gamma et Béta").as_bytes(),
    );
    assert!(reply.starts_with("250"), "{reply}");
    wait_for(&sinks[2], 1, &gw);
    wait_for(&sinks[1], 2, &gw);
    let gamma = items_json(&gw, Some("gamma"));
    assert_eq!(gamma.len(), 1, "{gamma:?}");
    assert_eq!(gamma[0]["recipient"], "agent@ville-gamma.fr");
    assert_eq!(items_json(&gw, Some("beta")).len(), 2);

    // Malware is refused for every commune.
    let eicar = samples::with_attachment(
        "Virus",
        "application/zip",
        "doc.zip",
        &samples::zip(&[("eicar.com", &samples::eicar())]),
    );
    let reply = send_one(
        gw.smtp,
        "x@example.org",
        &["compta@ville-alpha.fr", "agent@ville-beta.fr"],
        eicar.as_bytes(),
    );
    assert!(reply.starts_with("550"), "{reply}");

    // Metrics per tenant.
    let metrics = http(gw.admin, "GET", "/metrics", "", None).body;
    for want in [
        "ecluse_recipients_total{tenant=\"alpha\",action=\"delivered\"} 1",
        "ecluse_recipients_total{tenant=\"beta\",action=\"stripped\"} 2",
        "ecluse_recipients_total{tenant=\"gamma\",action=\"rejected\"} 1",
        "ecluse_items_held_total{tenant=\"gamma\",category=\"macro\"} 1",
        "ecluse_deliveries_total{tenant=\"alpha\",result=\"delivered\"} 1",
    ] {
        assert!(metrics.contains(want), "{want} in:\n{metrics}");
    }

    // One audit chain per commune; each verifies; a commune exports its own.
    let (code, out, _) = gw.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("chain beta: intact, 2 entries")
            && out.contains("chain gamma: intact, 1 entry"),
        "{out}"
    );
    let (code, out, _) = gw.cli(&["audit", "export", "--tenant", "beta"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().all(|e| e["tenant"] == "beta"), "{out}");

    // Someone with disk access edits Béta's first entry: the check names Béta.
    gw.stop();
    {
        let db = sled::open(gw.data_dir().join("db")).unwrap();
        let audit = db.open_tree("audit").unwrap();
        let mut key = b"beta\0".to_vec();
        key.extend_from_slice(&1u64.to_be_bytes());
        let v = audit.get(&key).unwrap().expect("Béta's first entry");
        let text = String::from_utf8(v[1..].to_vec())
            .unwrap()
            .replace("agent@ville-beta.fr", "personne@ville-beta.fr");
        let mut new = vec![v[0]];
        new.extend_from_slice(text.as_bytes());
        audit.insert(&key, new).unwrap();
        db.flush().unwrap();
    }
    let (code, out, _) = gw.cli(&["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("chain beta: BROKEN at entry 1") && out.contains("chain gamma: intact"),
        "{out}"
    );
    assert!(out.contains("BROKEN at entry 1: chain `beta`"), "{out}");
}

#[test]
fn a_configuration_with_tenants_is_checked_and_its_mistakes_named() {
    let sinks = [Sink::start(), Sink::start(), Sink::start()];
    let good = config(&[&sinks[0], &sinks[1], &sinks[2]], "");
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str| {
        let path = dir.path().join("ecluse.toml");
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new(ecluse_tests::ecluse_bin())
            .args(["check-config", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = check(&good);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 tenants"), "{out}");
    assert!(
        out.contains("gamma « Mairie de Gamma »: ville-gamma.fr") && out.contains("macro = reject"),
        "{out}"
    );
    assert!(out.contains("1 override for some recipients"), "{out}");
    assert!(out.contains("admins: admins-gamma"), "{out}");
    // With SAML: who administers the service, beside each commune's group.
    let metadata = dir.path().join("idp.xml");
    std::fs::write(&metadata, idp::stub_metadata()).unwrap();
    let (code, out) = check(&format!(
        "{good}\n[admin]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://quarantaine.syndicat-numerique.fr\"\n\n\
         [admin.saml]\nidp_metadata = \"{}\"\nsp_entity_id = \"https://quarantaine.syndicat-numerique.fr/saml/metadata\"\n\
         service_admin_group = \"syndicat-admins\"\n",
        metadata.display()
    ));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("service admins (every commune): members of « syndicat-admins »")
            && out.contains("break-glass admin: none"),
        "{out}"
    );
    let bad = [
        (
            good.replace(
                "domains = [\"ville-gamma.fr\"]",
                "domains = [\"ville-alpha.fr\"]",
            ),
            "[[tenant]] gamma: domains",
            "also a domain of the tenant `alpha`",
        ),
        (
            good.replace(
                "[policy]\nlocked = [\"executable\"]",
                "[policy]\nlocked = [\"macro\"]",
            ),
            "[[tenant]] alpha: policy.override #1",
            "locked by the service",
        ),
        (
            good.replace("macro = \"reject\"", "malware = \"quarantine\""),
            "[[tenant]] gamma: policy",
            "`malware` is locked",
        ),
        (
            good.replace("id = \"beta\"", "id = \"Béta\""),
            "[[tenant]] Béta: id",
            "not a tenant id",
        ),
        (
            good.replace(
                "recipients = [\"compta@ville-alpha.fr\"]",
                "recipients = [\"compta@ville-beta.fr\"]",
            ),
            "policy.override #1 recipients",
            "not an address of this tenant",
        ),
        (
            good.replace(
                "[[tenant]]\nid = \"gamma\"",
                "[[tenant]]\nnom = \"x\"\nid = \"gamma\"",
            ),
            "",
            "nom",
        ),
    ];
    for (text, key, why) in bad {
        let (code, out) = check(&text);
        assert_eq!(code, 1, "{key}: {out}");
        assert!(
            out.contains(key) && out.contains(why),
            "want {key:?} and {why:?}: {out}"
        );
    }
}

#[test]
fn a_data_directory_from_before_tenants_opens_and_works() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/store-before-tenants.tar.gz");
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(fixture).unwrap());
    tar::Archive::new(gz).unpack(&data).unwrap();
    // The configuration of that release, as it was: no [[tenant]].
    let gw = Gateway::start_in(dir, &Gateway::config_text(sink.addr, ""));

    // What was queued before the upgrade goes out: the released original
    // and the agent's notice that the request was accepted.
    let got = wait_for(&sink, 2, &gw);
    let released = |id: &str| {
        let got = sink.wait_for(usize::MAX, Duration::from_millis(500));
        got.iter()
            .filter(|m| m.text().contains(&format!("X-Ecluse-Released: {id}")))
            .map(|m| m.rcpts.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        released("01M8QDRTY9E94N7CW0Q20K5570"),
        [["agent@ville-exemple.fr"]]
    );
    assert!(
        got.iter()
            .any(|m| texts(&m.data).contains("Votre demande a été acceptée")),
        "the agent's notice, among {} messages",
        got.len()
    );

    // Its items read as the implicit tenant's, and still work.
    let items = items_json(&gw, None);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().all(|i| i["tenant"] == "default"), "{items:?}");
    let (code, out, _) = gw.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact: 4 entries"), "{out}");
    let (code, _, err) = gw.cli(&[
        "quarantine",
        "release",
        "01M8QDRTYMNG4W4R3953DA6867",
        "--comment",
        "après la mise à jour",
    ]);
    assert_eq!(code, 0, "{err}");
    wait_for(&sink, 3, &gw);
    assert_eq!(
        released("01M8QDRTYMNG4W4R3953DA6867"),
        [["agent@ville-exemple.fr"]]
    );
    // A new message lands in the same tenant and the same chain.
    let reply = send_one(
        gw.smtp,
        "fournisseur@example.org",
        &["agent@ville-exemple.fr"],
        docm_message("Après").as_bytes(),
    );
    assert!(reply.starts_with("250"), "{reply}");
    let (code, out, _) = gw.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("audit log intact: 6 entries, each chained"),
        "one chain, extended: {out}"
    );
    let (_, out, _) = gw.cli(&["audit", "export"]);
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["seq"], 6);
    assert_eq!(last["tenant"], "default");
}

/// The UI world: the gateway serving HTTPS on `sp.localhost`, the IdP with
/// a commune admin and a service admin, a browser driver.
struct Ui {
    sinks: [Sink; 3],
    gw: Gateway,
    idp: Idp,
    driver: Driver,
    public_url: String,
}

impl Ui {
    fn start() -> Ui {
        let sinks = [Sink::start(), Sink::start(), Sink::start()];
        let dir = tempfile::tempdir().unwrap();
        let ui_addr: SocketAddr = free_addr();
        let public_url = format!("https://sp.localhost:{}", ui_addr.port());
        let entity_id = format!("{public_url}/saml/metadata");
        let idp = Idp::start_with_users(
            &entity_id,
            &format!("{public_url}/saml/acs"),
            None,
            idp::Style::Plain,
            &[ADMIN_ALPHA, SYNDIC],
        );
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp.localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(dir.path().join("ui.crt"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("ui.key"), key.serialize_pem()).unwrap();
        let admin = format!(
            "[admin]\nlisten = \"{ui_addr}\"\npublic_url = \"{public_url}\"\ntls_cert = \"ui.crt\"\ntls_key = \"ui.key\"\n\n\
             [admin.saml]\nidp_metadata = \"{}\"\nsp_entity_id = \"{entity_id}\"\nservice_admin_group = \"syndicat-admins\"\n",
            idp.metadata_url()
        );
        let gw = Gateway::start_in(dir, &config(&[&sinks[0], &sinks[1], &sinks[2]], &admin));
        Ui {
            sinks,
            gw,
            idp,
            driver: Driver::start(),
            public_url,
        }
    }

    async fn sign_in(&self, b: &Browser, creds: (&str, &str)) {
        self.idp.sign_in(b, creds).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_admin_gets_a_404_for_another_communes_item_and_the_service_admin_sees_both() {
    let w = std::sync::Arc::new(Ui::start());
    let w2 = w.clone();
    let result = tokio::spawn(async move {
        let w = w2;
        // Held for Béta (delivered to Alpha's accounts department), and
        // held for Alpha's agent.
        for (rcpts, subject) in [
            (
                &["compta@ville-alpha.fr", "agent@ville-beta.fr"][..],
                "Facture pour deux communes",
            ),
            // Béta's Bcc recipient on Alpha's letter is not Alpha's business.
            (
                &["agent@ville-alpha.fr", "secret@ville-beta.fr"][..],
                "Facture pour Alpha",
            ),
        ] {
            let reply = send_one(
                w.gw.smtp,
                "fournisseur@example.org",
                rcpts,
                docm_message(subject).as_bytes(),
            );
            assert!(reply.starts_with("250"), "{reply}");
        }
        wait_for(&w.sinks[1], 1, &w.gw);
        let beta = items_json(&w.gw, Some("beta"))[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let alpha = items_json(&w.gw, Some("alpha"))[0]["id"]
            .as_str()
            .unwrap()
            .to_string();

        // Alpha's admin: Béta's item does not exist for them.
        let a = w.driver.browser("admin-alpha").await;
        a.goto(&format!("{}/admin/items/{beta}", w.public_url))
            .await;
        w.sign_in(&a, (ADMIN_ALPHA.0, ADMIN_ALPHA.1)).await;
        let page = a.wait_text("Introuvable").await;
        assert!(!page.contains("Facture pour deux communes"), "{page}");
        a.goto(&format!("{}/admin", w.public_url)).await;
        let queue = a.wait_text("File d'attente").await;
        assert!(queue.contains(&format!("/admin/items/{alpha}")), "{queue}");
        assert!(!queue.contains(&format!("/admin/items/{beta}")), "{queue}");
        a.goto(&format!("{}/admin/items/{alpha}", w.public_url))
            .await;
        let page = a.wait_text("Commune : ").await;
        assert!(
            page.contains("agent@ville-alpha.fr")
                && !page.contains("secret@ville-beta.fr")
                && page.contains("destinataires d'autres communes"),
            "a commune admin sees only its recipients of the envelope: {page}"
        );
        a.goto(&format!("{}/admin/audit", w.public_url)).await;
        let audit = a.wait_text("Journal d'audit").await;
        assert!(
            !audit.contains(&beta),
            "Béta's entries are not Alpha's: {audit}"
        );
        assert!(audit.contains(&alpha), "{audit}");

        // The service admin sees both communes, with their names.
        let s = w.driver.browser("syndic").await;
        s.goto(&format!("{}/admin", w.public_url)).await;
        w.sign_in(&s, (SYNDIC.0, SYNDIC.1)).await;
        let queue = s.wait_text("File d'attente").await;
        assert!(
            queue.contains(&format!("/admin/items/{alpha}"))
                && queue.contains(&format!("/admin/items/{beta}")),
            "{queue}"
        );
        assert!(
            queue.contains("Mairie d'Alpha") || queue.contains("Mairie d&#39;Alpha"),
            "{queue}"
        );
        assert!(queue.contains("Mairie de Béta"), "{queue}");
        s.goto(&format!("{}/admin?tenant=beta", w.public_url)).await;
        let only = s.wait_text("File d'attente").await;
        assert!(
            only.contains(&format!("/admin/items/{beta}"))
                && !only.contains(&format!("/admin/items/{alpha}")),
            "{only}"
        );
        s.goto(&format!("{}/admin/items/{beta}", w.public_url))
            .await;
        s.wait_text("Mairie de Béta").await;
        s.goto(&format!("{}/admin/dashboard", w.public_url)).await;
        let dash = s.wait_text("Par commune").await;
        assert!(dash.contains("Mairie de Gamma"), "{dash}");
        for b in [a, s] {
            let _ = b.client.close().await;
        }

        // Sign-ins went to their chains: Alpha's admin to Alpha's, the
        // service admin to the service's.
        let (code, out, _) = w.gw.cli(&["audit", "export", "--tenant", "_service"]);
        assert_eq!(code, 0);
        assert!(
            out.contains(SYNDIC.2) && !out.contains(ADMIN_ALPHA.2),
            "{out}"
        );
        let (_, out, _) = w.gw.cli(&["audit", "export", "--tenant", "alpha"]);
        assert!(
            out.contains(ADMIN_ALPHA.2) && out.contains("\"login\""),
            "{out}"
        );
        let (code, out, _) = w.gw.cli(&["audit", "verify"]);
        assert_eq!(code, 0, "{out}");
    })
    .await;
    if let Err(e) = result {
        let _ = std::fs::create_dir_all(failure_dir());
        eprintln!("server log:\n{}", w.gw.log());
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Each commune's blocks cover its own recipients (red team, issue 28: a
/// sender that Béta blocked reached Béta when the same transaction also
/// named a recipient of Alpha). Béta blocks `@spam-exemple.fr`: an envelope
/// sender it blocks is refused at `RCPT` for Béta's recipient alone; a
/// `From:` it blocks reaches Alpha's recipient and not Béta's; a message
/// only for Béta is refused.
#[test]
fn a_communes_block_covers_its_own_recipients_in_a_shared_transaction() {
    let sinks = [Sink::start(), Sink::start(), Sink::start()];
    let admin = "[admin]\nlisten = \"127.0.0.1:0\"\n";
    let mut gw = Gateway::start_with(&config(&[&sinks[0], &sinks[1], &sinks[2]], admin));
    assert_eq!(gw.stop(), Some(0), "{}", gw.log());
    {
        let store = ecluse_quarantine::Store::open(&gw.data_dir()).unwrap();
        let rule = ecluse_quarantine::SenderRule {
            id: "beta-block".into(),
            kind: ecluse_quarantine::RuleKind::Block,
            sender: "@spam-exemple.fr".into(),
            recipients: Vec::new(),
            categories: Vec::new(),
            comment: "démarchage".into(),
            created_by: "admin-beta".into(),
            created_at: jiff::Timestamp::now(),
            tenant: Some("beta".into()),
        };
        store
            .add_sender_rule(&ecluse_quarantine::Actor::system("test"), &rule)
            .unwrap();
    }
    gw.restart();
    const ALPHA: &str = "agent@ville-alpha.fr";
    const BETA: &str = "agent@ville-beta.fr";
    let letter = |from: &str| {
        format!(
            "From: {from}\r\n{}",
            samples::message("Offre", &samples::text_part("Bonjour")).split_once("\r\n").unwrap().1
        )
        .into_bytes()
    };
    // The envelope sender: Béta's recipient refused at RCPT, Alpha's served.
    let mut c = gw.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<offres@spam-exemple.fr>").starts_with("250"));
    assert!(c.cmd(&format!("RCPT TO:<{ALPHA}>")).starts_with("250"));
    let r = c.cmd(&format!("RCPT TO:<{BETA}>"));
    assert!(r.starts_with("550 5.7.1"), "{r}");
    assert!(c.cmd("DATA").starts_with("354"));
    c.send_raw(&ecluse_tests::dot_stuff(&letter("offres@spam-exemple.fr")));
    assert!(c.reply().starts_with("250"));
    drop(c);
    wait_for(&sinks[0], 1, &gw);
    // The From: only: both accepted at RCPT; Alpha gets it, Béta does not.
    let r = send_one(
        gw.smtp,
        "relais@esp-exemple.fr",
        &[ALPHA, BETA],
        &letter("Offres <offres@spam-exemple.fr>"),
    );
    assert!(r.starts_with("250"), "{r}");
    wait_for(&sinks[0], 2, &gw);
    // Only for Béta: refused.
    let r = send_one(
        gw.smtp,
        "relais@esp-exemple.fr",
        &[BETA],
        &letter("offres@spam-exemple.fr"),
    );
    assert!(r.starts_with("550 5.7.1"), "{r}");
    // Something Béta does not block still reaches it, after the others.
    let r = send_one(gw.smtp, "a@example.org", &[BETA], &letter("a@example.org"));
    assert!(r.starts_with("250"), "{r}");
    let beta = wait_for(&sinks[1], 1, &gw);
    std::thread::sleep(Duration::from_millis(500));
    let beta_all = sinks[1].messages();
    assert_eq!(beta_all.len(), 1, "Béta got what it blocks: {:?}", beta_all.iter().map(|m| m.text()).collect::<Vec<_>>());
    assert!(beta[0].text().contains("From: a@example.org"));
    assert!(gw.log().contains("recipients dropped"), "{}", gw.log());
}
