//! The pages: [`layout`] (the frame of every page), [`agent`] (my held
//! attachments), [`admin`] (queue, report, decisions, audit, dashboard),
//! [`login`] (sign-in and sign-out).

pub mod admin;
pub mod agent;
pub mod layout;
pub mod login;

use crate::web::Lang;
use ecluse_quarantine::{HeldItem, Status};
use ecluse_scanner::Category;

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

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

/// The file name of an item, or what stands for it.
pub fn file_name(lang: Lang, item: &HeldItem) -> String {
    match &item.part {
        Some(p) => p
            .filename
            .clone()
            .unwrap_or_else(|| format!("({}, {})", lang.t("sans nom", "no name"), p.detected_type)),
        None => lang
            .t("(le message entier)", "(the whole message)")
            .to_string(),
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
