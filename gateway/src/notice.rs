//! The texts Écluse writes into mail: the notice that replaces a held
//! attachment, the notice mail that replaces a message held whole, and the
//! mail plumbing they share (RFC 2047 words, base64 bodies, dates, ids).
//! French first, then English, in plain words an agent understands.

use ecluse_scanner::{Category, MessageInfo};
use jiff::Timestamp;

/// Where notices point and who signs them.
#[derive(Debug, Clone, Default)]
pub struct NoticeConfig {
    /// Our host name (`postmaster@<hostname>` signs notices).
    pub hostname: String,
    /// The web UI's address; links are `<public_url>/q/<item id>`.
    pub public_url: String,
    /// The commune's name (`[[tenant]] name`); `None`: « la mairie ».
    pub org: Option<String>,
    /// `[[tenant]] notice_contact`: who to call, a line of its own.
    pub contact: Option<String>,
    /// `[[tenant]] notice_help`: a sentence of the commune's.
    pub help: Option<String>,
}

impl NoticeConfig {
    /// The link to ask for an item.
    pub fn link(&self, item: &str) -> String {
        format!("{}/q/{item}", self.public_url)
    }

    /// Whose mail filter it is: « de la mairie » / "the town's mail
    /// filter", or the commune's name (`[[tenant]] name`) in both.
    pub fn whose(&self) -> (String, String) {
        match &self.org {
            Some(org) => (format!("de {org}"), format!("the mail filter of {org}")),
            None => ("de la mairie".into(), "the town's mail filter".into()),
        }
    }

    /// The commune's own lines (contact, help), CRLF-ended; empty without.
    pub fn own_lines(&self, eol: &str) -> String {
        let mut out = String::new();
        if let Some(h) = &self.help {
            out.push_str(h);
            out.push_str(eol);
        }
        if let Some(c) = &self.contact {
            out.push_str("Contact : ");
            out.push_str(c);
            out.push_str(eol);
        }
        if !out.is_empty() {
            out.insert_str(0, eol);
        }
        out
    }

    /// The address notices come from.
    pub fn from_address(&self) -> String {
        format!("postmaster@{}", self.hostname)
    }
}

pub use ecluse_quarantine::mail::{base64_lines, header_text, message_id, rfc5322_date};

/// Why something was held, in French and in English.
pub fn reason(category: Category) -> (&'static str, &'static str) {
    (category.label_fr(), category.label_en())
}

/// What the reader should know about a held file, by category: most
/// categories are file types that can hide a program; the provenance
/// categories are about who sent it.
fn advice(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::SpoofedSender => (
            "L'adresse de l'expéditeur est falsifiée : ce message ne vient pas de\r\n\
             celui qu'il prétend être. Vérifiez auprès de l'expéditeur par un autre\r\n\
             moyen (téléphone) avant d'en suivre les instructions. Si vous attendiez\r\n\
             ce fichier, demandez-le ici (connexion avec votre compte habituel) :",
            "The sender's address is forged: this message does not come from whom it\r\n\
             claims. Check with the sender by other means (telephone) before following\r\n\
             it. If you were expecting this file, ask for it here:",
        ),
        Category::LookalikeSender => (
            "Le domaine de l'expéditeur imite celui d'un correspondant connu (une lettre\r\n\
             changée, un caractère d'un autre alphabet). Vérifiez auprès de ce\r\n\
             correspondant par un autre moyen (téléphone). Si vous attendiez ce fichier,\r\n\
             demandez-le ici (connexion avec votre compte habituel) :",
            "The sender's domain imitates that of a known correspondent (a letter\r\n\
             changed, a character from another alphabet). Check with them by other\r\n\
             means (telephone). If you were expecting this file, ask for it here:",
        ),
        _ => (
            "Ce type de fichier peut cacher un programme malveillant. Si vous attendiez\r\n\
             ce fichier, demandez-le ici (connexion avec votre compte habituel) :",
            "If you were expecting this file, ask for it here:",
        ),
    }
}

/// The MIME part (headers, blank line, body; no final CRLF) that takes the
/// place of a held attachment.
pub fn held_part(
    cfg: &NoticeConfig,
    item: &str,
    filename: Option<&str>,
    category: Category,
) -> Vec<u8> {
    let (fr, en) = reason(category);
    let (advice_fr, advice_en) = advice(category);
    let link = cfg.link(item);
    let name_fr = filename
        .map(|f| format!("« {f} »"))
        .unwrap_or_else(|| "sans nom".into());
    let name_en = filename
        .map(|f| format!("\"{f}\""))
        .unwrap_or_else(|| "without a name".into());
    let (whose_fr, whose_en) = cfg.whose();
    let own = cfg.own_lines("\r\n");
    let text = format!(
        "Pièce jointe retenue par Écluse, le filtre de messagerie {whose_fr}.\r\n\
         \r\n\
         Fichier : {name_fr}\r\n\
         Raison : {fr}\r\n\
         \r\n\
         {advice_fr}\r\n\
         {link}\r\n\
         {own}\
         \r\n\
         --\r\n\
         Attachment held by Écluse, {whose_en}.\r\n\
         \r\n\
         File: {name_en}\r\n\
         Reason: {en}\r\n\
         \r\n\
         {advice_en}\r\n\
         {link}\r\n"
    );
    format!(
        "Content-Type: text/plain; charset=utf-8\r\n\
         Content-Disposition: inline\r\n\
         Content-Transfer-Encoding: base64\r\n\
         X-Ecluse-Held: {item}\r\n\
         \r\n\
         {}",
        base64_lines(text.as_bytes())
    )
    .into_bytes()
}

/// The mail a recipient gets in place of a message held whole.
pub fn held_message(
    cfg: &NoticeConfig,
    to: &str,
    item: &str,
    info: &MessageInfo,
    mail_from: &str,
    category: Category,
    now: Timestamp,
) -> Vec<u8> {
    let (fr, en) = reason(category);
    let link = cfg.link(item);
    let from = info.from.clone().unwrap_or_else(|| mail_from.to_string());
    let subject = info.subject.clone().unwrap_or_default();
    let date = info.date.clone().unwrap_or_default();
    let (whose_fr, whose_en) = cfg.whose();
    let own = cfg.own_lines("\n");
    let body = format!(
        "Écluse, le filtre de messagerie {whose_fr}, a retenu un message qui vous était adressé.\n\
         \n\
         Expéditeur : {from}\n\
         Objet : {subject}\n\
         Date : {date}\n\
         Raison : {fr}\n\
         \n\
         Le message entier est retenu, car il pourrait être dangereux. Si vous l'attendiez,\n\
         demandez-le ici (connexion avec votre compte habituel) :\n\
         {link}\n\
         {own}\
         \n\
         --\n\
         Écluse, {whose_en}, held a message sent to you.\n\
         \n\
         From: {from}\n\
         Subject: {subject}\n\
         Date: {date}\n\
         Reason: {en}\n\
         \n\
         The whole message is held because it could be dangerous. If you were expecting it,\n\
         ask for it here:\n\
         {link}\n"
    );
    let subj = format!("Message retenu / Message held: {subject}");
    ecluse_quarantine::mail::compose(
        &cfg.hostname,
        to,
        &subj,
        &body,
        &format!("X-Ecluse-Held: {item}\r\n"),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> NoticeConfig {
        NoticeConfig {
            hostname: "mx.ville-exemple.fr".into(),
            public_url: "https://q.ville-exemple.fr".into(),
            org: None,
            contact: None,
            help: None,
        }
    }

    #[test]
    fn held_part_is_a_valid_mime_part_with_the_link() {
        let part = held_part(&cfg(), "01ABC", Some("facture.docm"), Category::Macro);
        let msg = [
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".as_slice(),
            &part,
            b"\r\n--b--\r\n",
        ]
        .concat();
        let parsed = mail_parser::MessageParser::default().parse(&msg).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert!(text.contains("Pièce jointe retenue"), "{text}");
        assert!(text.contains("« facture.docm »"));
        assert!(text.contains("document avec macros"));
        assert!(text.contains("https://q.ville-exemple.fr/q/01ABC"));
        assert!(text.contains("document with macros"));
    }

    #[test]
    fn non_ascii_subjects_are_encoded_words() {
        let enc = header_text("Message retenu : réunion du conseil municipal de décembre");
        assert!(enc.is_ascii());
        let msg = format!("Subject: {enc}\r\n\r\nx");
        let parsed = mail_parser::MessageParser::default()
            .parse(msg.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Message retenu : réunion du conseil municipal de décembre")
        );
    }
}
