//! Word lists that tell a French text from an English one, for the tests
//! that render every page and notice in one language and fail on a word of
//! the other (issue 29: « French everywhere on French pages »).
//!
//! A text is cut into words after the data it shows is taken out: the
//! strings the test itself put in the message (names, subjects, addresses),
//! and every token holding `@`, `/`, `.`, `_`, `:` or a digit (addresses,
//! links, file names, rule names, hashes, dates). What is left is the
//! product's own wording. The lists hold words that exist in one language
//! only, so that a hit is a real slip, not a shared word (« document »,
//! « message », « type », « admin », « date », « archive », « analyse »
//! and « file » — as in « file d'attente » — are in neither).

/// English words that no French sentence of ours contains.
pub const ENGLISH: &[&str] = &[
    "the", "and", "with", "from", "this", "that", "these", "your", "you", "was", "were", "has",
    "have", "had", "been", "will", "would", "can", "cannot", "could", "should", "must", "not",
    "for", "of", "to", "in", "into", "by", "is", "are", "it", "its", "be", "at",
    "if", "when", "which", "who", "what", "here", "there", "please", "held", "hold", "released",
    "release", "denied", "deny", "request", "requested", "requests", "pending", "waiting",
    "expired", "password", "protected", "attachment", "attachments", "sender", "recipient",
    "recipients", "entry", "entries", "files", "found", "contains", "matched", "rule", "rules",
    "signed", "sign", "out", "back", "ask", "asked", "show", "download", "report", "scan",
    "queue", "none", "nothing", "whole", "unknown", "forged", "allowed", "blocked", "time",
    "reason", "yes", "no", "program", "encrypted", "damaged", "unreadable",
];

/// French words that no English sentence of ours contains.
pub const FRENCH: &[&str] = &[
    "le", "la", "les", "des", "du", "une", "un", "est", "sont", "pour", "avec", "dans", "sur",
    "pas", "vous", "votre", "vos", "qui", "que", "par", "et", "ou", "au", "aux", "ce", "cette",
    "ces", "son", "sa", "ses", "retenu", "retenue", "retenus", "retenues", "pièce", "pièces",
    "jointe", "jointes", "demande", "demandée", "demander", "expéditeur", "destinataire",
    "fichier", "fichiers", "libéré", "libérée", "libération", "refusé", "refusée", "mot",
    "passe", "aucun", "aucune", "élément", "éléments", "connexion", "déconnecter", "heure",
    "raison", "attente", "règle", "règles", "rapport", "télécharger", "oui", "non", "entrée",
    "protégé", "protégée", "chiffré", "contenu",
];

/// Words of either list that our texts may show in the other language:
/// the product's name and the language switch.
const NAMES: &[&str] = &["écluse", "français", "english"];

/// The field's own names, the same in every language: RFC 5321's commands.
const PROTOCOL: &[&str] = &["MAIL FROM", "RCPT TO"];

/// The words of `list` found in `text` once `data` is taken out, each once,
/// in order of first appearance.
///
/// `text` is a page's visible text (`document.body.innerText`) or one
/// language's half of a notice; `data` the strings the test put into the
/// message (subjects, file names, reasons typed by people).
pub fn foreign_words(text: &str, data: &[&str], list: &[&str]) -> Vec<String> {
    let mut cleaned = text.to_string();
    for d in data.iter().chain(PROTOCOL) {
        if !d.is_empty() {
            cleaned = cleaned.replace(d, " ");
        }
    }
    let mut found: Vec<String> = Vec::new();
    for token in cleaned.split_whitespace() {
        if token
            .chars()
            .any(|c| matches!(c, '@' | '/' | '.' | '_' | ':' | '=') || c.is_ascii_digit())
            && token.chars().any(|c| c.is_alphanumeric())
            && !token.ends_with([':', '.'])
        {
            continue;
        }
        for word in token
            .split(|c: char| !c.is_alphabetic())
            .map(str::to_lowercase)
        {
            // « l'expéditeur », « d'attente »: the apostrophe splits above;
            // a lone elided letter is not a word of either list.
            if word.chars().count() < 2 {
                continue;
            }
            if NAMES.contains(&word.as_str()) {
                continue;
            }
            if list.contains(&word.as_str()) && !found.contains(&word) {
                found.push(word);
            }
        }
    }
    found
}

/// Words with French accents in an English text (after `data` is taken
/// out): « é », « è », « à », « ç »… have no place in our English wording.
pub fn accented_words(text: &str, data: &[&str]) -> Vec<String> {
    let mut cleaned = text.to_string();
    for d in data {
        if !d.is_empty() {
            cleaned = cleaned.replace(d, " ");
        }
    }
    let mut found: Vec<String> = Vec::new();
    for word in cleaned.split(|c: char| !c.is_alphabetic()) {
        let lower = word.to_lowercase();
        if lower.chars().any(|c| "éèêëàâçùûôîïœ".contains(c))
            && !NAMES.contains(&lower.as_str())
            && !found.contains(&lower)
        {
            found.push(lower);
        }
    }
    found
}

/// Panics, naming the page and the words, when `text` (French) holds
/// English words.
pub fn assert_french(what: &str, text: &str, data: &[&str]) {
    let words = foreign_words(text, data, ENGLISH);
    assert!(
        words.is_empty(),
        "{what}: English words on a French text: {words:?}\n---\n{text}"
    );
}

/// Panics, naming the page and the words, when `text` (English) holds
/// French words or accented letters.
pub fn assert_english(what: &str, text: &str, data: &[&str]) {
    let mut words = foreign_words(text, data, FRENCH);
    for w in accented_words(text, data) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    assert!(
        words.is_empty(),
        "{what}: French words on an English text: {words:?}\n---\n{text}"
    );
}

/// The French and the English halves of a notice or decision mail: the
/// texts put French first, then a line `--`, then English.
pub fn halves(text: &str) -> Option<(String, String)> {
    let text = text.replace("\r\n", "\n");
    let at = text.find("\n--\n")?;
    Some((text[..at].to_string(), text[at + 4..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_in_a_french_sentence_is_found() {
        let fr = "Le document a un projet de macros vbaProject.bin : the entry is password-protected";
        assert_eq!(
            foreign_words(fr, &[], ENGLISH),
            ["the", "entry", "is", "password", "protected"]
        );
        assert!(foreign_words("Pièce jointe retenue par Écluse, le filtre de la mairie.", &[], ENGLISH).is_empty());
        assert!(foreign_words("File d'attente : 4 éléments", &[], ENGLISH).is_empty());
    }

    #[test]
    fn french_in_an_english_sentence_is_found() {
        let en = "Attachment held: macros in an Office document (libéré par le destinataire)";
        let mut all = foreign_words(en, &[], FRENCH);
        all.extend(accented_words(en, &[]));
        assert!(all.contains(&"par".to_string()) && all.contains(&"libéré".to_string()), "{all:?}");
        assert!(foreign_words("Held by Écluse; switch to Français", &[], FRENCH).is_empty());
    }

    #[test]
    fn data_and_addresses_are_not_wording() {
        let t = "From: the-sender@example.org, file facture_de_la_mairie.docm, rule Office_Macro";
        assert!(foreign_words(t, &[], FRENCH).is_empty());
        assert!(foreign_words("Objet : Invoice from the supplier", &["Invoice from the supplier"], ENGLISH).is_empty());
    }

    /// The report page shows a rule's description in the page's language:
    /// each shipped rule that has a `description` has a `description_fr`.
    #[test]
    fn every_shipped_rule_describes_itself_in_french_too() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../signatures");
        let mut rules = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "yar") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            for (i, line) in lines.iter().enumerate() {
                if line.starts_with("description = ") {
                    rules += 1;
                    assert!(
                        lines[i + 1..].iter().take(3).any(|l| l.starts_with("description_fr = ")),
                        "{}: `{line}` has no description_fr",
                        path.display()
                    );
                }
            }
        }
        assert!(rules > 20, "only {rules} shipped rules read");
    }

    #[test]
    fn halves_split_at_the_dash_line() {
        let (fr, en) = halves("Bonjour\r\n--\r\nHello\r\n").unwrap();
        assert_eq!((fr.as_str(), en.as_str()), ("Bonjour", "Hello\n"));
        assert!(halves("no separator").is_none());
    }
}
