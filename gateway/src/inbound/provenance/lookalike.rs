//! `lookalike_sender`: a `From:` domain that is not ours or a partner's
//! but reads like one (the same confusable skeleton, UTS #39 §4; one or
//! two edits away; a known name inside it), and display names that show a
//! known address while the address is elsewhere.

use super::domain::{normalize_address, organizational_domain};
use ecluse_scanner::Sentence;

/// Our domains and the partners', each as a reader sees it (A-labels
/// decoded, lower case) with its confusable skeleton.
pub(super) struct KnownDomains(Vec<(String, String)>);

impl KnownDomains {
    /// `own` (our accepted domains, lower case), then `partners`.
    pub(super) fn new(own: &[String], partners: &[String]) -> KnownDomains {
        KnownDomains(
            own.iter()
                .chain(partners)
                .map(|d| {
                    let d = unicode_domain(d);
                    let s = skeleton(&d);
                    (d, s)
                })
                .collect(),
        )
    }

    /// A display name that shows an address of ours or a partner's while
    /// the address is elsewhere (`"maire@ville-exemple.fr" <a@evil.com>`).
    pub(super) fn display_name_spoof(&self, from_text: &str) -> Option<Sentence> {
        let (name, address) = from_text.rsplit_once('<')?;
        let address_domain = normalize_address(address.trim_end_matches('>'))
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())?;
        let name = name.to_lowercase();
        self.0.iter().find_map(|(known, _)| {
            (name.contains(&format!("@{known}"))
                && address_domain != *known
                && !address_domain.ends_with(&format!(".{known}")))
            .then(|| Sentence::DisplayNameShows {
                known: known.clone(),
                domain: address_domain.clone(),
            })
        })
    }

    /// `lookalike_sender`, with the reason. Domains are compared by their
    /// registrable label (`ville-exemple` of `ville-exemple.fr`, `ain` of
    /// `ain.gouv.fr`: the Public Suffix List) and their public suffix:
    /// - the same confusable skeleton (UTS #39), hyphens aside, under any
    ///   suffix (`vi11e-exemple.fr`, `ville-exemple.com`, `villeexemple.fr`);
    /// - under the same suffix, one edit away for a label of 5 to 8
    ///   characters, two from 9 (`ville-exemples.fr`); none below 5, where
    ///   real names are that close (`ain`, `aisne`, `tarn`);
    /// - a known domain, or a known label of 5 characters or more, as a
    ///   label of another domain (`ville-exemple.fr.evil.com`,
    ///   `ville-exemple.evil.com`, `mairie-ville-exemple.fr`).
    pub(super) fn lookalike(&self, from_domain: &str) -> Option<Sentence> {
        if from_domain.is_empty() {
            return None;
        }
        let d = unicode_domain(from_domain);
        let org = organizational_domain(&d).to_string();
        for (known, _) in &self.0 {
            // the same registrant: a known domain, or a sibling under it
            if d == *known
                || d.ends_with(&format!(".{known}"))
                || org == organizational_domain(known)
            {
                return None;
            }
        }
        let (label, suffix) = split_registrable(&d);
        let squeezed = skeleton(&label.replace('-', ""));
        for (known, _) in &self.0 {
            let (known_label, known_suffix) = split_registrable(known);
            if squeezed == skeleton(&known_label.replace('-', "")) {
                return Some(Sentence::LookalikeSkeleton {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                });
            }
            let n = known_label.chars().count();
            let near = match n {
                0..5 => 0,
                5..9 => 1,
                _ => 2,
            };
            let edits = strsim::damerau_levenshtein(&label, &known_label);
            if suffix == known_suffix && edits <= near {
                return Some(Sentence::LookalikeEdits {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                    edits: edits as u64,
                });
            }
            let inside = d.contains(&format!("{known}."))
                || (n >= 5
                    && d.split(['.', '-'])
                        .collect::<Vec<_>>()
                        .windows(known_label.split('-').count())
                        .any(|w| w.join("-") == known_label));
            if inside {
                return Some(Sentence::LookalikeInside {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                });
            }
        }
        None
    }
}

/// The registrable label and the public suffix of a domain
/// (`ville-exemple`, `fr`); an unknown suffix counts as the last label.
fn split_registrable(domain: &str) -> (String, String) {
    let org = organizational_domain(domain);
    match org.split_once('.') {
        Some((label, suffix)) => (label.to_string(), suffix.to_string()),
        None => (org.to_string(), String::new()),
    }
}

/// A domain as a reader sees it: A-labels (`xn--…`) decoded, lower case.
fn unicode_domain(domain: &str) -> String {
    let (text, result) = idna::domain_to_unicode(&domain.to_lowercase());
    if result.is_ok() {
        text
    } else {
        domain.to_lowercase()
    }
}

/// The UTS #39 skeleton of a domain, lower-cased after mapping (so that
/// `I` and `l` meet).
fn skeleton(domain: &str) -> String {
    unicode_security::confusable_detection::skeleton(domain)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalikes_by_skeleton_and_edits() {
        let c = KnownDomains::new(
            &["ville-exemple.fr".into()],
            &["ain.gouv.fr".into(), "dgfip.finances.gouv.fr".into()],
        );
        for d in [
            "vi11e-exemple.fr",
            // Cyrillic е (U+0435) in "exemple", as an A-label and as text
            "ville-\u{435}xemple.fr",
            "ville-exemples.fr",
            "viile-exemple.fr",
            "dgfip-finances.gouv.fr",
            "ville-exemple.com",
            "villeexemple.fr",
            "ville-exemple.fr.evil.com",
            "ville-exemple.evil.com",
            "mairie-ville-exemple.fr",
        ] {
            assert!(
                c.lookalike(d).is_some(),
                "{d} should look like a known domain"
            );
        }
        let cyrillic = idna::domain_to_ascii("ville-\u{435}xemple.fr").unwrap();
        assert_eq!(cyrillic, "xn--ville-xemple-xck.fr");
        assert!(cyrillic.starts_with("xn--"));
        assert!(c.lookalike(&cyrillic).is_some(), "{cyrillic}");
        for d in [
            "ville-exemple.fr",
            "mail.ville-exemple.fr",
            "ain.gouv.fr",
            "laposte.net",
            "orange.fr",
            "ville-autre.fr",
            "gmail.com",
            // real préfectures near a short partner name
            "aisne.gouv.fr",
            "tarn.gouv.fr",
            // the partner's own organisation
            "impots.finances.gouv.fr",
            "wanadoo.fr",
            "free.fr",
        ] {
            assert_eq!(c.lookalike(d), None, "{d} is no lookalike");
        }
    }
}
