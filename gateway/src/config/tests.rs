//! `Config::parse` over whole files: defaults, every section's errors
//! naming their key, the example file.

use super::*;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const MINIMAL: &str =
    "[smtp]\naccepted_domains = [\"ville-exemple.fr\"]\n[relay]\ndownstream = \"127.0.0.1:2526\"\n";

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, "test.toml", Path::new("/tmp"))
}

#[test]
fn the_issue_keys_and_defaults() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.smtp.max_message_size, 50 << 20);
    assert_eq!(c.smtp.max_recipients, 100);
    assert_eq!(c.quarantine.retention_days, 30);
    assert_eq!(c.relay.starttls, StartTls::Opportunistic);
    assert_eq!(c.quarantine.data_dir, Path::new("/tmp/data"));
}

/// Issue 29: the notice keys at the top level serve a single town and
/// are the default of every commune; a commune's own value wins.
/// `time_zone` defaults to Paris and an unknown one is named.
#[test]
fn top_level_notice_keys_and_time_zone() {
    let top = "notice_contact = \"DSI, 04 73 00 00 00\"\nnotice_help = \"Appelez-nous.\"\n";
    let c = parse(&format!("{top}{MINIMAL}")).unwrap();
    let t = &c.tenants.all()[0];
    let n = c.notices_for(t);
    assert_eq!(n.contact.as_deref(), Some("DSI, 04 73 00 00 00"));
    assert_eq!(n.help.as_deref(), Some("Appelez-nous."));
    assert_eq!(n.zone.name(), "Europe/Paris");
    let tenants = "[[tenant]]\nid = \"a\"\nname = \"A\"\ndomains = [\"a.fr\"]\nnotice_contact = \"Secrétariat de A\"\n\n[[tenant]]\nid = \"b\"\nname = \"B\"\ndomains = [\"b.fr\"]\n";
    let c = parse(&format!(
        "{top}time_zone = \"America/Cayenne\"\n[relay]\ndownstream = \"127.0.0.1:2526\"\n{tenants}"
    ))
    .unwrap();
    let a = c.notices_for(c.tenants.get("a").unwrap());
    let b = c.notices_for(c.tenants.get("b").unwrap());
    assert_eq!(a.contact.as_deref(), Some("Secrétariat de A"));
    assert_eq!(a.help.as_deref(), Some("Appelez-nous."));
    assert_eq!(b.contact.as_deref(), Some("DSI, 04 73 00 00 00"));
    assert_eq!(b.zone.label_fr(), "heure de Guyane");
    let e = parse(&format!("time_zone = \"Paris\"\n{MINIMAL}")).unwrap_err();
    assert_eq!(e.key, "time_zone");
    assert!(e.reason.contains("\"Europe/Paris\""), "{e}");
    let e = parse(&format!("notice_help = \"a\\nb\"\n{MINIMAL}")).unwrap_err();
    assert_eq!(e.key, "notice_help");
}

#[test]
fn the_example_config_is_accepted_as_is() {
    let c = parse(include_str!("../../../ecluse.example.toml")).unwrap();
    assert_eq!(c.smtp.accepted_domains, ["ville-exemple.fr"]);
    assert_eq!(c.relay.downstream, "10.0.0.5:25");
    assert_eq!(c.admin.notify, ["dsi@ville-exemple.fr"]);
    // Nothing unscanned is self-releasable or delivered in what the
    // package installs.
    assert!(c.policy.self_release_list().is_empty());
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
}

#[test]
fn self_releasable_unread_categories_are_warned_about() {
    let c = parse(&format!(
        "{MINIMAL}[policy]\nself_release = [\"encrypted_archive\", \"type_mismatch\"]\n"
    ))
    .unwrap();
    let w = c.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("self_release = [encrypted_archive]"), "{w:?}");
    // A recipient override, and a category delivered unread.
    let c = parse(&format!(
        "{MINIMAL}[policy]\nencrypted_message = \"deliver\"\n\n[[tenant]]\nid = \"alpha\"\nname = \"Alpha\"\ndomains = [\"ville-exemple.fr\"]\n\n[[tenant.policy.override]]\nrecipients = [\"dg@ville-exemple.fr\"]\nself_release = [\"unscannable_archive\"]\n"
    ))
    .unwrap();
    let w = c.warnings().join("\n");
    assert!(
        w.contains("[policy]: encrypted_message = \"deliver\"")
            && w.contains("[[tenant.policy.override]] of alpha for dg@ville-exemple.fr self_release = [unscannable_archive]"),
        "{w}"
    );
}

#[test]
fn recipient_verification_keys() {
    let with = |extra: &str| parse(&MINIMAL.replace("[relay]", &format!("{extra}\n[relay]")));
    let c = with(
        "verify_recipients = \"callout\"\ndns_resolvers = [\"127.0.0.1:5353\", \"192.0.2.53\"]",
    )
    .unwrap();
    assert_eq!(c.smtp.verify_recipients, VerifyRecipients::Callout);
    assert_eq!(
        c.smtp.dns_resolvers,
        [
            "127.0.0.1:5353".parse::<SocketAddr>().unwrap(),
            "192.0.2.53:53".parse().unwrap()
        ]
    );
    assert_eq!(c.smtp.recipient_cache_negative, Duration::from_secs(3600));
    assert_eq!(
        parse(MINIMAL).unwrap().smtp.verify_recipients,
        VerifyRecipients::Off
    );
    let e = with("verify_recipients = \"list\"").unwrap_err();
    assert_eq!(e.key, "[smtp] recipients_file", "{e}");
    let e = with("verify_recipients = \"ldap\"").unwrap_err();
    assert!(e.reason.contains("callout"), "{e}");
    let e =
        with("verify_recipients = \"list\"\nrecipients_file = \"/nonexistent/r.txt\"").unwrap_err();
    assert!(e.reason.contains("cannot read"), "{e}");
    let e = with("dns_resolvers = [\"dns.example\"]").unwrap_err();
    assert_eq!(e.key, "[smtp] dns_resolvers", "{e}");
    assert!(
        with("verify_recipients = \"off\"")
            .unwrap()
            .smtp
            .dns_resolvers
            .is_empty()
    );
}

#[test]
fn public_rule_sets_take_a_category() {
    let text = format!("{MINIMAL}[scanner]\nrules = \"rules\"\nrules_category = \"malware\"\n");
    let c = parse(&text).unwrap();
    assert_eq!(c.rules.paths, vec![PathBuf::from("/tmp/rules")]);
    assert!(c.rules.builtin);
    assert_eq!(
        c.rules.default_category,
        Some(ecluse_scanner::Category::Malware)
    );
    assert_eq!(
        parse(MINIMAL).unwrap().rules,
        RuleSources::default()
    );
    let list =
        format!("{MINIMAL}[scanner]\nrules = [\"a\", \"/etc/b.yar\"]\nbuiltin_rules = false\n");
    let c = parse(&list).unwrap();
    assert_eq!(
        c.rules.paths,
        vec![PathBuf::from("/tmp/a"), PathBuf::from("/etc/b.yar")]
    );
    assert!(!c.rules.builtin);
}

#[test]
fn sizes() {
    assert_eq!(parse_size("50MiB").unwrap(), 50 << 20);
    assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
    assert_eq!(parse_size("1234").unwrap(), 1234);
    assert!(parse_size("50 megs").is_err());
    assert!(parse_size("MiB").is_err());
}

#[test]
fn errors_name_the_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\nmax_message_size=\"lots\"\n[relay]\ndownstream=\"h:25\"",
            "[smtp] max_message_size",
        ),
        ("[relay]\ndownstream=\"h:25\"", "[smtp] accepted_domains"),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"nohost\"",
            "[relay] downstream",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\nlisten=\"here\"\n[relay]\ndownstream=\"h:25\"",
            "[smtp] listen",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\nstarttls=\"maybe\"",
            "[relay] starttls",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[policy]\nmacro=\"burn\"",
            "[policy]",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\ncommand_timeout=\"soon\"\n[relay]\ndownstream=\"h:25\"",
            "[smtp] command_timeout",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\ntls_cert=\"/nonexistent.pem\"\n[relay]\ndownstream=\"h:25\"",
            "[smtp] tls_cert",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nrules=\"r\"\nrules_category=\"bad\"",
            "[scanner] rules_category",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nrules_category=\"suspicious\"",
            "[scanner] rules_category",
        ),
        (
            "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nbuiltin_rules=false",
            "[scanner] builtin_rules",
        ),
    ];
    for (text, key) in cases {
        let e = parse(text).unwrap_err();
        assert!(
            e.key.starts_with(key),
            "{text:?}: got key {:?} ({})",
            e.key,
            e.reason
        );
    }
}

#[test]
fn the_web_ui_sections() {
    // No sign-in configured: no UI, only /healthz and /metrics.
    assert!(parse(MINIMAL).unwrap().admin.ui.is_none());
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("idp.xml");
    std::fs::write(&md, "<md:EntityDescriptor/>").unwrap();
    let text = format!(
        "{MINIMAL}[admin]\npublic_url = \"https://q.ville-exemple.fr/\"\nsession_idle = \"15m\"\n[admin.saml]\nidp_metadata = \"{}\"\nadmin_group = \"dsi\"\n[admin.local]\nusername = \"secours\"\npassword_hash = \"$argon2id$x\"\n",
        md.display()
    );
    let c = parse(&text).unwrap();
    let ui = c.admin.ui.unwrap();
    assert_eq!(ui.public_url, "https://q.ville-exemple.fr");
    assert_eq!(ui.session_idle, Duration::from_secs(900));
    let saml = ui.saml.unwrap();
    assert_eq!(saml.idp_metadata, "<md:EntityDescriptor/>");
    assert_eq!(
        saml.sp_entity_id,
        "https://q.ville-exemple.fr/saml/metadata"
    );
    assert_eq!(
        (saml.admin_group.as_str(), saml.email_attribute.as_str()),
        ("dsi", "email")
    );
    assert_eq!(ui.local.unwrap().username, "secours");
    assert!(c.admin.proxies.trusted.is_empty() && c.admin.metrics_token.is_none());
    // Reverse proxies and the metrics token.
    let c = parse(&format!(
        "{MINIMAL}[admin]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\", \"2001:db8::/32\"]\nproxy_header = \"Forwarded\"\nmetrics_token = \"0123456789abcdef0123456789abcdef\"\n[admin.local]\nusername = \"secours\"\npassword_hash = \"$argon2id$x\"\n"
    ))
    .unwrap();
    assert_eq!(c.admin.proxies.trusted.len(), 3);
    assert_eq!(
        c.admin.proxies.header,
        ecluse_admin_ui::ProxyHeader::Forwarded
    );
    assert_eq!(c.admin.ui.as_ref().unwrap().proxies, c.admin.proxies);
    let token = c.admin.metrics_token.as_ref().unwrap();
    assert!(token.matches("0123456789abcdef0123456789abcdef"));
    assert!(
        !format!("{:?}", c.admin).contains("0123456789abcdef"),
        "the token does not print"
    );
    // An address is fetched at start-up, not read as a file.
    let c = parse(&format!(
        "{MINIMAL}[admin.saml]\nidp_metadata = \"https://idp.ville-exemple.fr/md\"\n"
    ))
    .unwrap();
    assert_eq!(
        c.admin.idp_metadata_url.as_deref(),
        Some("https://idp.ville-exemple.fr/md")
    );
    let cases = [
        (
            "[admin.saml]\nidp_metadata = \"/nonexistent/idp.xml\"\n",
            "[admin.saml] idp_metadata",
        ),
        (
            "[admin.saml]\nidp_metadata = \"https://x/md\"\nclock_skew = \"1h\"\n",
            "[admin.saml] clock_skew",
        ),
        (
            "[admin.saml]\nidp_metadata = \"https://x/md\"\nclock_skew = \"soon\"\n",
            "[admin.saml] clock_skew",
        ),
        ("[admin]\ntls_cert = \"/etc/c.pem\"\n", "[admin] tls_cert"),
        (
            "[admin]\nsession_max = \"forever\"\n",
            "[admin] session_max",
        ),
        (
            "[admin.local]\nusername = \" \"\npassword_hash = \"x\"\n",
            "[admin.local] username",
        ),
        (
            "[admin]\ntrusted_proxies = [\"10.0.0.0/8\", \"proxy.lan\"]\n",
            "[admin] trusted_proxies",
        ),
        (
            "[admin]\ntrusted_proxies = [\"10.0.0.1/8\"]\n",
            "[admin] trusted_proxies",
        ),
        (
            "[admin]\ntrusted_proxies = [\"192.0.2.0/33\"]\n",
            "[admin] trusted_proxies",
        ),
        (
            "[admin]\nproxy_header = \"Forwarded\"\n",
            "[admin] proxy_header",
        ),
        (
            "[admin]\ntrusted_proxies = [\"::1\"]\nproxy_header = \"X-Real-IP\"\n",
            "[admin] proxy_header",
        ),
        (
            "[admin]\nmetrics_token = \"court\"\n",
            "[admin] metrics_token",
        ),
        (
            "[admin]\nmetrics_token = \"un jeton avec des espaces dedans\"\n",
            "[admin] metrics_token",
        ),
        (
            "[admin.saml]\nidp_metadata = \"https://x/md\"\nemail = \"mail\"\n",
            "line",
        ),
    ];
    for (extra, key) in cases {
        let e = parse(&format!("{MINIMAL}{extra}")).unwrap_err();
        assert!(
            e.key.starts_with(key),
            "{extra:?}: got key {:?} ({})",
            e.key,
            e.reason
        );
    }
}

#[test]
fn unknown_keys_are_named() {
    let e = parse(&format!("{MINIMAL}[smtp2]\nx=1\n")).unwrap_err();
    assert!(e.reason.contains("smtp2"), "{e}");
    let e = parse("[smtp]\naccepted_domain=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"").unwrap_err();
    assert!(e.reason.contains("accepted_domain"), "{e}");
}

/// A downstream that is our own listener is a mail loop: named, with what
/// to give instead (found by a deployment from the docs, issue 29).
#[test]
fn a_downstream_that_is_our_own_listener_is_warned_about() {
    let with = |listen: &str, downstream: &str| {
        parse(&format!(
            "[smtp]\nlisten = [\"{listen}\"]\naccepted_domains = [\"ville-exemple.fr\"]\n[relay]\ndownstream = \"{downstream}\"\n"
        ))
        .unwrap()
        .warnings()
        .join("\n")
    };
    for (listen, downstream) in [
        ("127.0.0.1:25", "127.0.0.1:25"),
        ("0.0.0.0:25", "127.0.0.1:25"),
        ("0.0.0.0:25", "localhost:25"),
        ("[::]:25", "[::1]:25"),
    ] {
        let w = with(listen, downstream);
        assert!(
            w.contains(&format!("[relay] downstream = \"{downstream}\" is this gateway's own [smtp] listen address")),
            "{listen} / {downstream}: {w}"
        );
    }
    for (listen, downstream) in [
        ("127.0.0.1:25", "127.0.0.1:2525"),
        ("0.0.0.0:25", "10.0.0.5:25"),
        ("0.0.0.0:25", "mail.ville-exemple.fr:25"),
    ] {
        assert!(with(listen, downstream).is_empty(), "{listen} / {downstream}");
    }
}

/// serde's own words (`invalid type: string "30 jours", expected u32`)
/// named neither the key nor the section: each mistake a deployment from
/// the docs made now names its line, `[section] key` and what to write
/// (issue 29).
#[test]
fn type_mistakes_name_the_section_and_the_key_and_say_what_to_write() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[quarantine]\nretention_days = \"30 jours\"\n",
            "line 6, [quarantine] retention_days",
            "expected a whole number without quotes (for example 30), found the text \"30 jours\"",
        ),
        (
            "[scanner.limits]\nmax_mime_depth = true\n",
            "[scanner.limits] max_mime_depth",
            "whole number",
        ),
        (
            "[admin]\npublic_url = \"https://q.ville-exemple.fr\"\n[admin.saml]\nsp_entity_id = \"https://q.ville-exemple.fr\"\n",
            "[admin.saml]",
            "`idp_metadata` is missing from this section: add `idp_metadata = …`",
        ),
        (
            "[store]\nbackend = \"postgres\"\nhost = \"b\"\n",
            "line 7, [store] host",
            "unknown key `host`: remove it or check its spelling; this section's keys are backend, url",
        ),
        (
            "[store]\nnotice_contact = \"Service informatique\"\n",
            "line 6, [store] notice_contact",
            "`notice_contact` is a top-level key: move it above the first [section]",
        ),
        (
            "[smtp2]\nx = 1\n",
            "line 5, [smtp2]",
            "unknown key `smtp2`",
        ),
    ];
    for (tail, key, reason) in cases {
        let e = parse(&format!("{MINIMAL}{tail}")).unwrap_err();
        assert!(e.key.contains(key), "{tail}: key {:?} (reason {:?})", e.key, e.reason);
        assert!(e.reason.contains(reason), "{tail}: reason {:?}", e.reason);
        assert!(!e.reason.contains("u32") && !e.reason.contains("invalid type"), "{e}");
    }
}

/// A stray key under `[policy]` names the file and the section once, not
/// the scanner's `policy <file> [policy]:` again (issue 29).
#[test]
fn a_policy_mistake_names_the_file_and_the_section_once() {
    let e = parse(&format!("{MINIMAL}[policy]\nnotice_contact = \"x\"\n")).unwrap_err();
    let text = e.to_string();
    assert_eq!(text.matches("test.toml").count(), 1, "{text}");
    assert_eq!(text.matches("[policy]").count(), 1, "{text}");
    assert!(text.contains("`notice_contact` is a top-level key"), "{text}");
    let e = parse(&format!("{MINIMAL}[policy]\nmacros = \"quarantine\"\n")).unwrap_err();
    let text = e.to_string();
    assert_eq!(text.matches("test.toml").count(), 1, "{text}");
    assert_eq!(text.matches("[policy]").count(), 1, "{text}");
    assert!(text.contains("unknown key `macros`"), "{text}");
}
