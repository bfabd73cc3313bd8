//! The pages: [`layout`] (the frame of every page), [`errors`] (the error
//! pages, and the checks that answer with them), [`agent`] (my held
//! attachments), [`admin`] (queue, report, decisions, audit, dashboard),
//! [`rules`] (exceptions and blocks), [`login`] (sign-in and sign-out);
//! here, the words every page uses for states, categories and sizes.

pub mod admin;
pub mod agent;
pub mod errors;
pub mod layout;
pub mod login;
pub mod rules;

use crate::web::Lang;
use ecluse_quarantine::{AuditAction, HeldItem, Status};
use ecluse_scanner::{Action, Category, FindingKind};

/// A state in plain words.
pub fn status_label(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::Held => lang.t("Retenue", "Held"),
        Status::Requested => lang.t("Libération demandée", "Release requested"),
        Status::Released => lang.t("Libérée", "Released"),
        Status::Denied => lang.t("Refusée", "Denied"),
        Status::Expired => lang.t("Expirée", "Expired"),
    }
}

/// Why an item was held, in words an agent understands.
pub fn category_label(lang: Lang, category: Category) -> &'static str {
    match lang {
        Lang::Fr => category.label_fr(),
        Lang::En => category.label_en(),
    }
}

/// Why `item` was held, for `category` (one of its categories), in words
/// an agent understands: a password-protected PDF or Office document is
/// « document protégé par mot de passe », not an archive.
pub fn held_label(lang: Lang, item: &HeldItem, category: Category) -> &'static str {
    let real = item.part.as_ref().map_or("", |p| p.detected_type.as_str());
    match lang {
        Lang::Fr => category.label_fr_for(real),
        Lang::En => category.label_en_for(real),
    }
}

/// What the policy does with a message or a part (the scan report's
/// action and each part's verdict), in plain words.
pub fn action_label(lang: Lang, action: Action) -> &'static str {
    match action {
        Action::Deliver => lang.t("remise au destinataire", "delivered to the recipient"),
        Action::Quarantine => lang.t("mise en quarantaine", "held in quarantine"),
        Action::Reject => lang.t("refus à la réception", "refused on arrival"),
    }
}

/// Exactly what the scanner saw, in plain words.
pub fn kind_label(lang: Lang, kind: FindingKind) -> &'static str {
    match lang {
        Lang::Fr => kind.label_fr(),
        Lang::En => kind.label_en(),
    }
}

/// What an audit log entry records, in plain words.
pub fn audit_action_label(lang: Lang, action: AuditAction) -> &'static str {
    match action {
        AuditAction::Held => lang.t("mise en quarantaine", "held"),
        AuditAction::Requested => lang.t("demande de libération", "release requested"),
        AuditAction::Released => lang.t("libération", "released"),
        AuditAction::Denied => lang.t("refus de libération", "release denied"),
        AuditAction::Expired => lang.t("expiration", "expired"),
        AuditAction::Purged => lang.t("suppression du message", "message deleted"),
        AuditAction::Downloaded => lang.t("téléchargement", "downloaded"),
        AuditAction::Viewed => lang.t("consultation", "viewed"),
        AuditAction::Login => lang.t("connexion", "sign-in"),
        AuditAction::LoginFailed => lang.t("connexion refusée", "sign-in refused"),
        AuditAction::Logout => lang.t("déconnexion", "sign-out"),
        AuditAction::RuleAdded => lang.t("exception ou blocage ajouté", "exception or block added"),
        AuditAction::RuleRemoved => lang.t(
            "exception ou blocage supprimé",
            "exception or block removed",
        ),
    }
}

/// The file name of an item, or what stands for it: the same words as
/// the notice, the CLI and the audit log ([`HeldItem::name_fr`]).
pub fn file_name(lang: Lang, item: &HeldItem) -> String {
    match lang {
        Lang::Fr => item.name_fr(),
        Lang::En => item.name_en(),
    }
}

/// A size in plain units.
pub fn size(lang: Lang, bytes: u64) -> String {
    let (unit_k, unit_m) = (lang.t("Ko", "KB"), lang.t("Mo", "MB"));
    if bytes >= 1 << 20 {
        format!("{:.1} {unit_m}", bytes as f64 / (1 << 20) as f64)
    } else if bytes >= 1024 {
        format!("{} {unit_k}", bytes / 1024)
    } else {
        format!("{bytes} {}", lang.t("octets", "bytes"))
    }
}

/// Parses an item id from a path, `None` for anything malformed.
pub fn item_id(s: &str) -> Option<ecluse_quarantine::ItemId> {
    s.parse().ok()
}
