//! The audit log's detail column in the reader's language.
//!
//! Audit entries are hash-chained: their `detail` is written once, in
//! English (for logs, SIEMs and `ecluse audit export`), and can never
//! change. This module reads the details Écluse itself writes — sign-ins,
//! holds, releases, downloads, expiries, sender rules — and says them in
//! French for French pages and the CLI; category ids become their labels
//! ([`Category::label_fr`]). What a person typed (a reason, an admin's
//! comment) and a detail this build does not know are shown as recorded
//! ([`Said::AsRecorded`]). The parts taken from the entry (names,
//! addresses, ids) are data: whoever shows them escapes them.

use ecluse_quarantine::AuditAction;
use ecluse_scanner::Category;

/// A detail as it is to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// A detail Écluse writes, said in the language asked for.
    Words(String),
    /// A person's words, or a detail this build does not recognise: shown
    /// as recorded (in English when Écluse wrote it).
    AsRecorded(String),
}

impl Said {
    /// The text, whichever it is.
    pub fn text(&self) -> &str {
        match self {
            Said::Words(s) | Said::AsRecorded(s) => s,
        }
    }
}

/// `detail` of an entry of `action`, in French when `french`, in English
/// otherwise (Écluse's own details are recorded in English already).
pub fn detail(french: bool, action: AuditAction, detail: &str) -> Said {
    if !french {
        return Said::AsRecorded(detail.to_string());
    }
    match fr(action, detail) {
        Some(s) => Said::Words(s),
        None => Said::AsRecorded(detail.to_string()),
    }
}

/// The French of a detail Écluse writes, `None` for any other.
pub fn fr(action: AuditAction, detail: &str) -> Option<String> {
    use AuditAction::*;
    let fixed = match detail {
        "admin via SAML" => Some("administrateur, par SAML"),
        "agent via SAML" => Some("agent, par SAML"),
        "admin via local account" => Some("administrateur, par compte local"),
        "agent via local account" => Some("agent, par compte local"),
        "local account: wrong user name or password" => {
            Some("compte local : nom d'utilisateur ou mot de passe incorrect")
        }
        "local account" => Some("compte local"),
        "released by the recipient" => Some("libérée par le destinataire"),
        "released from the command line" => Some("libérée en ligne de commande"),
        "scan report" => Some("rapport d'analyse"),
        "encrypted zip" => Some("ZIP chiffré"),
        "message bytes and report removed; record kept" => {
            Some("message et rapport supprimés ; la fiche est conservée")
        }
        "SAML single logout: this service, then the IdP (LogoutRequest sent)" => Some(
            "déconnexion SAML unique : ce service, puis le fournisseur d'identité (LogoutRequest envoyée)",
        ),
        "SAML: this service only (the IdP offers no single logout; its session stays open in the browser)" => {
            Some(
                "SAML : ce service seulement (le fournisseur d'identité n'offre pas de déconnexion unique ; sa session reste ouverte dans le navigateur)",
            )
        }
        "SAML single logout started by the IdP (signed request)" => {
            Some("déconnexion SAML unique demandée par le fournisseur d'identité (requête signée)")
        }
        "SAML single logout started by the IdP (unsigned request)" => Some(
            "déconnexion SAML unique demandée par le fournisseur d'identité (requête non signée)",
        ),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.to_string());
    }
    match action {
        Held => held(detail),
        Released => detail
            .strip_prefix("released with ")
            .and_then(|r| r.strip_suffix(", same message"))
            .map(|id| format!("libérée avec {id}, même message")),
        Downloaded => match detail.strip_suffix(" as encrypted zip")? {
            "whole message" => Some("le message entier, en ZIP chiffré".into()),
            what => what
                .strip_prefix("part ")
                .map(|p| format!("partie {p}, en ZIP chiffré")),
        },
        Expired => detail
            .strip_prefix("undecided after the retention period (held ")
            .and_then(|r| r.strip_suffix(')'))
            .map(|at| {
                format!("sans décision à la fin de la durée de conservation (retenue le {at})")
            }),
        LoginFailed => login_failed(detail),
        RuleAdded | RuleRemoved => rule(detail),
        _ => None,
    }
}

/// `{file} for {recipient} ({category})`, `whole message` for a message
/// held whole.
fn held(detail: &str) -> Option<String> {
    let (rest, category) = detail.strip_suffix(')')?.rsplit_once(" (")?;
    let category = Category::parse(category)?;
    let (what, recipient) = rest.rsplit_once(" for ")?;
    let what = held_name(what);
    Some(format!("{what} pour {recipient} ({})", category.label_fr()))
}

/// The French for what `HeldItem::name_en` stored: `whole message`,
/// `unnamed part 2 (text/plain)`, or a file name (quoted).
fn held_name(what: &str) -> String {
    if what == "whole message" {
        return "le message entier".into();
    }
    if let Some((path, ty)) = what
        .strip_prefix("unnamed part ")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.split_once(" ("))
    {
        return format!("partie {path} sans nom ({ty})");
    }
    format!("« {what} »")
}

fn login_failed(detail: &str) -> Option<String> {
    if let Some(reason) = detail.strip_prefix("SAML answer refused: ") {
        return Some(format!("réponse SAML refusée : {reason}"));
    }
    let (who, rest) = detail.split_once(": ")?;
    let who = match who {
        "local account" => "compte local",
        "SAML answer" => "réponse SAML",
        _ => return None,
    };
    let (why, rest) =
        rest.split_once(", refused unread; further refusals from this address for ")?;
    let minutes =
        rest.strip_suffix(" minutes are counted in ecluse_signin_refused_total, not audited")?;
    let why = match why {
        "too many password checks at once" => "trop de vérifications de mot de passe à la fois",
        "too many failed sign-ins from this address or for this name" => {
            "trop de connexions échouées depuis cette adresse ou pour ce nom"
        }
        _ => return None,
    };
    Some(format!(
        "{who} : {why}, refusée sans lecture ; les refus suivants depuis cette adresse pendant {minutes} minutes sont comptés dans ecluse_signin_refused_total, pas inscrits au journal"
    ))
}

/// `exception {id}: deliver {categories} from {sender} (authenticated) to
/// {recipients}[ — comment]` and `block {id}: refuse mail from {sender} to
/// {recipients}[ — comment]` (`quarantine::sender_rules::describe`).
fn rule(detail: &str) -> Option<String> {
    fn to_fr(to: &str) -> (String, String) {
        let (to, comment) = match to.split_once(" — ") {
            Some((t, c)) => (t, format!(" — {c}")),
            None => (to, String::new()),
        };
        let to = if to == "every recipient" {
            "tous les destinataires".to_string()
        } else {
            to.to_string()
        };
        (to, comment)
    }
    if let Some(rest) = detail.strip_prefix("exception ") {
        let (id, rest) = rest.split_once(": deliver ")?;
        let (cats, rest) = rest.split_once(" from ")?;
        let (sender, to) = rest.split_once(" (authenticated) to ")?;
        let labels: Option<Vec<&str>> = cats
            .split([',', ' '])
            .filter(|c| !c.is_empty())
            .map(|c| Category::parse(c).map(Category::label_fr))
            .collect();
        let (to, comment) = to_fr(to);
        return Some(format!(
            "exception {id} : remettre « {} » de {sender} (authentifié) à {to}{comment}",
            labels?.join(" », « ")
        ));
    }
    let rest = detail.strip_prefix("block ")?;
    let (id, rest) = rest.split_once(": refuse mail from ")?;
    let (sender, to) = rest.split_once(" to ")?;
    let (to, comment) = to_fr(to);
    Some(format!(
        "blocage {id} : refuser le courrier de {sender} à {to}{comment}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AuditAction::*;

    #[test]
    fn known_details_in_french() {
        let cases = [
            (Login, "admin via SAML", "administrateur, par SAML"),
            (
                Released,
                "released by the recipient",
                "libérée par le destinataire",
            ),
            (
                Held,
                "facture (1).docm for marie@ville-exemple.fr (macro)",
                "« facture (1).docm » pour marie@ville-exemple.fr (document avec macros)",
            ),
            (
                Held,
                "unnamed part 1 (text/plain) for a@b.fr (type_mismatch)",
                "partie 1 sans nom (text/plain) pour a@b.fr (type réel différent du type annoncé)",
            ),
            (
                Held,
                "whole message for a@b.fr (encrypted_message)",
                "le message entier pour a@b.fr (message chiffré que le filtre ne peut pas lire)",
            ),
            (
                Downloaded,
                "part 2 as encrypted zip",
                "partie 2, en ZIP chiffré",
            ),
            (
                RuleAdded,
                "exception 01J: deliver macro, encrypted_archive from x@y.fr (authenticated) to every recipient — notaire",
                "exception 01J : remettre « document avec macros », « archive protégée par mot de passe » de x@y.fr (authentifié) à tous les destinataires — notaire",
            ),
            (
                RuleRemoved,
                "block 01K: refuse mail from x@y.fr to a@b.fr",
                "blocage 01K : refuser le courrier de x@y.fr à a@b.fr",
            ),
        ];
        for (action, en, want) in cases {
            assert_eq!(detail(true, action, en), Said::Words(want.into()), "{en}");
            assert_eq!(detail(false, action, en), Said::AsRecorded(en.into()));
        }
    }

    #[test]
    fn a_persons_words_and_unknown_details_stay_as_recorded() {
        for (action, d) in [
            (Requested, "j'attends ce devis"),
            (Denied, "not expected by the recipient"),
            (Held, "x for y (not_a_category)"),
            (Released, "released by the recipient, really"),
        ] {
            assert_eq!(detail(true, action, d), Said::AsRecorded(d.into()));
        }
    }
}
