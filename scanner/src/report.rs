//! What a scan found: the [`Report`], its tree of [`Part`]s and their
//! [`Finding`]s.
//!
//! Findings are data, not errors: a held attachment is a finding with a
//! [`Category`]; the [`Policy`](crate::Policy) maps each category to an
//! [`Action`].

pub use crate::sentence::{NameRole, Sentence};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the gateway does with a message or a part.
///
/// Ordered from the mildest to the strictest, so `max` gives the action of a
/// message from the actions of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Pass it on untouched.
    Deliver,
    /// Hold it in quarantine for a human decision.
    Quarantine,
    /// Refuse it at SMTP time.
    Reject,
}

impl Action {
    /// The lower-case name used in the policy file and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deliver => "deliver",
            Action::Quarantine => "quarantine",
            Action::Reject => "reject",
        }
    }

    /// Parses the policy spelling.
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "deliver" => Some(Action::Deliver),
            "quarantine" => Some(Action::Quarantine),
            "reject" => Some(Action::Reject),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! categories {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $fr:literal, $en:literal, $default:ident;)+) => {
        /// The family of risk a finding belongs to; the unit the policy speaks of.
        ///
        /// Declared from the most to the least severe: when two categories lead to
        /// the same action, the earlier one names the message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Category {
            $($(#[$doc])* $variant,)+
        }

        impl Category {
            /// Every category, most severe first.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)+];

            /// The snake_case name used in the policy file, in rule metadata and in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name,)+ }
            }

            /// A plain French explanation, for notices and the web UI.
            pub fn label_fr(self) -> &'static str {
                match self { $(Category::$variant => $fr,)+ }
            }

            /// The same explanation in plain English.
            pub fn label_en(self) -> &'static str {
                match self { $(Category::$variant => $en,)+ }
            }

            /// The action when the policy does not name this category.
            pub fn default_action(self) -> Action {
                match self { $(Category::$variant => Action::$default,)+ }
            }

            /// Parses the snake_case name.
            pub fn parse(s: &str) -> Option<Category> {
                match s { $($name => Some(Category::$variant),)+ _ => None }
            }
        }
    };
}

categories! {
    /// Known malicious content: YARA rules tagged `malware`, EICAR.
    Malware = "malware", "contenu malveillant connu", "known malicious content", Reject;
    /// Native executables: PE, ELF, Mach-O, MSI, Java archives, CHM help files.
    Executable = "executable", "programme exécutable", "executable program", Quarantine;
    /// Scripts that Windows runs on a double click (js, vbs, hta, ps1, bat …).
    Script = "script", "script exécutable", "executable script", Quarantine;
    /// Windows shortcuts (.lnk, .url), console files, and the files that
    /// open a connection on a double click (.rdp, .library-ms, .iqy, .theme …).
    Shortcut = "shortcut", "raccourci ou fichier Windows qui lance une commande ou une connexion", "Windows shortcut or file that runs a command or opens a connection", Quarantine;
    /// Disk images (ISO, UDF, IMG, VHD, VHDX) that hide files from the mail filter.
    DiskImage = "disk_image", "image disque", "disk image", Quarantine;
    /// Microsoft OneNote documents, often used to carry embedded scripts.
    Onenote = "onenote", "document OneNote", "OneNote document", Quarantine;
    /// A web page (an HTML or SVG attachment) that asks for a password and
    /// sends it outside the organisation's domains and its partners', or
    /// that writes itself from encoded text no reading can follow.
    PhishingPage = "phishing_page", "page web qui demande un mot de passe pour l'envoyer ailleurs, ou qui cache ce qu'elle affiche", "web page that asks for a password to send it elsewhere, or hides what it shows", Quarantine;
    /// Office or OpenDocument files with macros.
    Macro = "macro", "document avec macros", "document with macros", Quarantine;
    /// HTML that assembles a file inside the browser (HTML smuggling).
    HtmlSmuggling = "html_smuggling", "page HTML qui fabrique un fichier", "HTML page that builds a file", Quarantine;
    /// A document or a page that makes the reader's software reach outside
    /// by itself: an OOXML relationship with `TargetMode="External"` to an
    /// OLE object, a frame or a macro template; a UNC or WebDAV path that
    /// leaks the reader's NTLM hash; a Windows protocol handler
    /// (`search-ms:`, `ms-msdt:` …) in a page or a PDF action. Never
    /// released by the agent alone (see [`Policy`](crate::Policy)).
    ExternalContent = "external_content", "document qui contacte l'extérieur à l'ouverture", "document that reaches outside when opened", Quarantine;
    /// PDF with JavaScript or launch actions, SVG with script.
    ActiveContent = "active_content", "document contenant du code actif", "document with active code", Quarantine;
    /// The real type of the file differs from its name or declared type.
    TypeMismatch = "type_mismatch", "type réel différent du type annoncé", "real type differs from the declared type", Quarantine;
    /// A name such as `facture.pdf.exe`.
    DoubleExtension = "double_extension", "nom de fichier à double extension", "file name with a double extension", Quarantine;
    /// A name with bidirectional control characters that reverse its display.
    BidiName = "bidi_name", "nom de fichier trompeur (caractères d'inversion)", "misleading file name (reversing characters)", Quarantine;
    /// An archive or an entry protected by a password.
    EncryptedArchive = "encrypted_archive", "archive protégée par mot de passe", "password-protected archive", Quarantine;
    /// A message whose content is encrypted for its recipient (S/MIME
    /// enveloped-data, PGP): the filter cannot read what it carries.
    EncryptedMessage = "encrypted_message", "message chiffré que le filtre ne peut pas lire", "encrypted message the filter cannot read", Quarantine;
    /// An archive that two tools read differently: entries only one reading
    /// sees (concatenated ZIPs, a prefix, duplicate names, a central
    /// directory that disagrees with the local headers).
    ArchiveAmbiguity = "archive_ambiguity", "archive lue différemment selon l'outil", "archive that tools read differently", Quarantine;
    /// An archive format Écluse cannot open (rar, cab …), or a damaged archive.
    UnscannableArchive = "unscannable_archive", "archive impossible à analyser", "archive that cannot be analysed", Quarantine;
    /// A scanning budget (depth, entries, size, ratio, time) was exhausted.
    BudgetExceeded = "budget_exceeded", "analyse incomplète (fichier trop gros ou trop imbriqué)", "incomplete analysis (file too big or too deeply nested)", Quarantine;
    /// MIME structure that two mail readers could read differently.
    MimeAmbiguity = "mime_ambiguity", "structure du message ambiguë", "ambiguous message structure", Quarantine;
    /// Content a YARA rule calls suspicious without calling it malware.
    Suspicious = "suspicious", "contenu suspect", "suspicious content", Quarantine;
    /// Mail with attachments whose sender is forged: DMARC fails for a
    /// domain that publishes `p=quarantine` or `p=reject` (RFC 7489 §6.3),
    /// or the `From:` domain is one of ours and the mail comes from outside
    /// without passing SPF or DKIM for it. Set by the gateway, not the scanner.
    SpoofedSender = "spoofed_sender", "expéditeur usurpé (adresse d'envoi falsifiée)", "spoofed sender (forged sender address)", Quarantine;
    /// Mail with attachments from a domain that imitates one of ours or a
    /// partner's (Unicode confusable skeleton, UTS #39 §4, or an edit
    /// distance of one or two). Set by the gateway, not the scanner.
    LookalikeSender = "lookalike_sender", "expéditeur au nom de domaine trompeur (imitation d'un domaine connu)", "sender domain that imitates a known domain", Quarantine;
}

impl Category {
    /// Whether the category means "the filter could not read it" (an
    /// encrypted archive or document, an encrypted message, a format it
    /// cannot open, a budget exhausted): nothing inside was scanned, so a
    /// release delivers content nobody looked at. `check-config` warns when
    /// agents may release these alone.
    pub fn unread(self) -> bool {
        matches!(
            self,
            Category::EncryptedArchive
                | Category::EncryptedMessage
                | Category::UnscannableArchive
                | Category::BudgetExceeded
        )
    }

    /// [`Category::label_fr`] for a held object of real type
    /// `detected_type`: « document protégé par mot de passe » for
    /// [`Category::EncryptedArchive`] on an Office, OpenDocument or PDF
    /// file, which an agent does not call an archive.
    pub fn label_fr_for(self, detected_type: &str) -> &'static str {
        if self == Category::EncryptedArchive && document_type(detected_type) {
            FindingKind::EncryptedDocument.label_fr()
        } else {
            self.label_fr()
        }
    }

    /// The same in English.
    pub fn label_en_for(self, detected_type: &str) -> &'static str {
        if self == Category::EncryptedArchive && document_type(detected_type) {
            FindingKind::EncryptedDocument.label_en()
        } else {
            self.label_en()
        }
    }

    /// Every category name, comma-separated, for error messages.
    pub fn names() -> String {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        names.join(", ")
    }

    /// [`Category::parse`], with an error that lists the names.
    pub fn parse_named(s: &str) -> Result<Category, String> {
        Category::parse(s)
            .ok_or_else(|| format!("\"{s}\" is not a category; one of: {}", Category::names()))
    }
}

/// Whether a real type (as the scanner detects it) is a document a person
/// opens to read: PDF, Office (OLE or OOXML), OpenDocument, RTF. An
/// encrypted Office file is an OLE compound file (`application/x-ole-storage`
/// when nothing else tells what it holds).
pub fn document_type(detected_type: &str) -> bool {
    let t = detected_type.to_ascii_lowercase();
    t == "application/pdf"
        || t == "application/x-ole-storage"
        || t == "application/msword"
        || t == "application/rtf"
        || t.starts_with("application/vnd.ms-")
        || t.starts_with("application/vnd.openxmlformats-officedocument.")
        || t.starts_with("application/vnd.oasis.opendocument.")
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The precise kind of a finding. The [`Category`] says what family of risk
/// it belongs to; the kind says exactly what was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A YARA rule matched; its `category` meta says the category.
    YaraMatch,
    /// The gateway found the sender forged (DMARC, or our own domain from
    /// outside unauthenticated).
    SpoofedSender,
    /// The gateway found the sender's domain imitates a known domain.
    LookalikeSender,
    /// ClamAV (clamd) found a signature; the finding's `rule` names it.
    ClamavMatch,
    /// ClamAV could not give a verdict and the policy holds such mail
    /// (`[scanner.clamav] on_error = "hold"`).
    AntivirusUnavailable,
    /// The content is a native executable (PE, ELF, Mach-O, MSI, JAR).
    ExecutableContent,
    /// The file name carries an executable extension (.exe, .scr, .cpl …).
    ExecutableName,
    /// A compiled HTML help file (CHM), which runs script when opened.
    CompiledHelp,
    /// The content is a script (shebang, WSH, HTA, batch, PowerShell, registry).
    ScriptContent,
    /// The file name carries a script extension (.js, .vbs, .hta, .ps1 …).
    ScriptName,
    /// A Windows shortcut (.lnk, .url), management console file (.msc), or
    /// a file that opens a connection on a double click (.rdp, .library-ms …).
    Shortcut,
    /// A disk image (ISO 9660, UDF, raw FAT image, VHD, VHDX, DMG).
    DiskImage,
    /// A Microsoft OneNote section.
    OneNote,
    /// A page with a password field whose form posts to a host outside the
    /// organisation's domains and its partners' (`Engine::with_own_domains`),
    /// or to a script.
    CredentialForm,
    /// A page that writes itself (`document.write`, `innerHTML` …) from
    /// encoded text that cannot be read without running it.
    PageWritesItself,
    /// An OLE document with a VBA project.
    OleMacros,
    /// An OOXML document with `vbaProject.bin` (docm, xlsm, pptm).
    OoxmlMacros,
    /// An OpenDocument file with Basic macros.
    OdfMacros,
    /// HTML that builds a file from a Blob with base64 or char-code data.
    HtmlSmuggling,
    /// A PDF with JavaScript (`/JS`, `/JavaScript`).
    PdfJavaScript,
    /// A PDF with a `/Launch` action.
    PdfLaunch,
    /// A PDF with a `/GoToR` action: it opens another PDF file, local or on
    /// the network (a UNC path leaks the reader's NTLM hash).
    PdfGoToRemote,
    /// A PDF with a `/GoToE` action: it opens a PDF embedded in it or in
    /// another file.
    PdfGoToEmbedded,
    /// A PDF with an `/ImportData` action: it imports form data from a file.
    PdfImportData,
    /// A PDF with a `/SubmitForm` action: it sends its form's data to an
    /// address.
    PdfSubmitForm,
    /// An embedded OLE object of the Equation Editor class (`Equation.3`),
    /// the component of CVE-2017-11882 and CVE-2018-0802, removed from
    /// Office in 2018: no current document needs one.
    EquationEditor,
    /// An SVG with `<script>`, `<foreignObject>` or event handlers.
    SvgScript,
    /// A document or a page whose opening reaches outside by itself: an
    /// external OOXML relationship to an OLE object, a frame or a template
    /// that can carry macros, a UNC/WebDAV target, a Windows protocol handler.
    /// The finding's detail names the relationship type (or the element) and
    /// the target.
    ExternalContent,
    /// The detected type contradicts the declared type or extension.
    TypeMismatch,
    /// A name with two extensions, the last one dangerous.
    DoubleExtension,
    /// A name with bidirectional control characters.
    BidiName,
    /// An archive, or one of its entries, is encrypted.
    EncryptedArchive,
    /// A document (Office, OpenDocument, PDF) is encrypted with a password.
    /// Its category stays [`Category::EncryptedArchive`] (so policies do
    /// not change); its words say « document », not « archive ».
    EncryptedDocument,
    /// An archive format we do not open (rar, cab, arj, bz2, xz …).
    UnscannableArchive,
    /// An archive that could not be read to the end (damaged, unsupported method).
    DamagedArchive,
    /// A container a recipient's software opens but Écluse could not follow
    /// to the end: an RTF `\objdata`, an OLE1 `Package`, a CMS structure,
    /// an Outlook `.msg`, a calendar attachment.
    UnreadableContainer,
    /// Content encrypted for its recipient: S/MIME enveloped-data,
    /// `multipart/encrypted`, OpenPGP armour or packets.
    EncryptedMessage,
    /// A ZIP whose readings disagree: entries that the local headers
    /// walked from the start show and the central directory does not (or
    /// the reverse), duplicate names, names that differ between the two.
    ArchiveAmbiguity,
    /// Archives nested deeper than `Limits::max_archive_depth`.
    DepthExceeded,
    /// More entries than `Limits::max_archive_entries`.
    EntriesExceeded,
    /// More decoded bytes than `Limits::max_expanded_bytes` or `max_object_size`.
    SizeExceeded,
    /// An entry expanding more than `Limits::max_entry_ratio` times its packed size.
    RatioExceeded,
    /// The scan ran past `Limits::max_scan_time`.
    TimeExceeded,
    /// More MIME parts or depth than `Limits::max_mime_parts` / `max_mime_depth`.
    MimeLimitExceeded,
    /// The same header (Content-Type, Content-Transfer-Encoding …) given twice.
    DuplicateHeader,
    /// The same parameter (boundary, filename, name, charset) given twice.
    DuplicateParameter,
    /// RFC 2231 `filename*` or continuations that disagree with the plain parameter.
    Rfc2231Conflict,
    /// `Content-Type: name=` and `Content-Disposition: filename=` disagree.
    ConflictingFilename,
    /// A multipart body without its closing `--boundary--`.
    MissingFinalBoundary,
    /// A multipart whose boundary is missing or reused by a nested multipart.
    BoundaryConfusion,
    /// Content hidden in a multipart preamble or epilogue.
    HiddenContent,
    /// Characters outside the base64 alphabet, or data after the padding.
    Base64Garbage,
    /// A `Content-Transfer-Encoding` value readers do not agree on.
    UnknownTransferEncoding,
    /// Bare CR, or bare LF mixed with CRLF line ends.
    BareLineEnding,
    /// NUL bytes in headers or in a non-base64 body.
    NulByte,
    /// `message/partial`, which some readers reassemble and others do not.
    MessagePartial,
    /// A nested message that could not be parsed.
    UnparsableMessage,
    /// The message could not be analysed at all.
    ScanError,
}

impl FindingKind {
    /// The category a finding of this kind falls in (YARA matches carry their own).
    pub fn category(self) -> Category {
        use FindingKind::*;
        match self {
            YaraMatch => Category::Suspicious,
            ClamavMatch => Category::Malware,
            SpoofedSender => Category::SpoofedSender,
            LookalikeSender => Category::LookalikeSender,
            AntivirusUnavailable => Category::BudgetExceeded,
            ExecutableContent | ExecutableName | CompiledHelp => Category::Executable,
            ScriptContent | ScriptName => Category::Script,
            Shortcut => Category::Shortcut,
            DiskImage => Category::DiskImage,
            OneNote => Category::Onenote,
            CredentialForm | PageWritesItself => Category::PhishingPage,
            OleMacros | OoxmlMacros | OdfMacros => Category::Macro,
            HtmlSmuggling => Category::HtmlSmuggling,
            ExternalContent => Category::ExternalContent,
            PdfJavaScript | PdfLaunch | SvgScript | EquationEditor => Category::ActiveContent,
            PdfGoToRemote | PdfGoToEmbedded | PdfImportData | PdfSubmitForm => {
                Category::ExternalContent
            }
            TypeMismatch => Category::TypeMismatch,
            DoubleExtension => Category::DoubleExtension,
            BidiName => Category::BidiName,
            EncryptedArchive | EncryptedDocument => Category::EncryptedArchive,
            UnscannableArchive | DamagedArchive | UnreadableContainer => {
                Category::UnscannableArchive
            }
            EncryptedMessage => Category::EncryptedMessage,
            ArchiveAmbiguity => Category::ArchiveAmbiguity,
            DepthExceeded | EntriesExceeded | SizeExceeded | RatioExceeded | TimeExceeded
            | MimeLimitExceeded | ScanError => Category::BudgetExceeded,
            DuplicateHeader
            | DuplicateParameter
            | Rfc2231Conflict
            | ConflictingFilename
            | MissingFinalBoundary
            | BoundaryConfusion
            | HiddenContent
            | Base64Garbage
            | UnknownTransferEncoding
            | BareLineEnding
            | NulByte
            | MessagePartial
            | UnparsableMessage => Category::MimeAmbiguity,
        }
    }

    /// The snake_case name used in JSON and in logs (`type_mismatch`).
    pub fn as_str(self) -> &'static str {
        self.words().0
    }

    /// What was seen, in plain French, for the web UI.
    pub fn label_fr(self) -> &'static str {
        self.words().1
    }

    /// The same in plain English.
    pub fn label_en(self) -> &'static str {
        self.words().2
    }

    /// The name, the French label and the English one; the match is
    /// exhaustive so that a new kind does not compile without its words.
    /// One row per kind, like the `categories!` table.
    #[rustfmt::skip]
    fn words(self) -> (&'static str, &'static str, &'static str) {
        use FindingKind::*;
        match self {
            YaraMatch => ("yara_match", "reconnu par une règle de détection", "matched by a detection rule"),
            ClamavMatch => ("clamav_match", "reconnu par l'antivirus ClamAV", "found by the ClamAV antivirus"),
            SpoofedSender => ("spoofed_sender", "l'adresse de l'expéditeur est falsifiée (SPF, DKIM, DMARC)", "the sender's address is forged (SPF, DKIM, DMARC)"),
            LookalikeSender => ("lookalike_sender", "le domaine de l'expéditeur imite un domaine connu", "the sender's domain imitates a known domain"),
            AntivirusUnavailable => ("antivirus_unavailable", "antivirus indisponible : analyse incomplète", "antivirus unavailable: incomplete analysis"),
            ExecutableContent => ("executable_content", "le contenu est un programme", "the content is a program"),
            ExecutableName => ("executable_name", "nom de fichier de programme (.exe, .scr…)", "program file name (.exe, .scr…)"),
            CompiledHelp => ("compiled_help", "fichier d'aide Windows (CHM) qui peut lancer du code", "Windows help file (CHM) that can run code"),
            ScriptContent => ("script_content", "le contenu est un script", "the content is a script"),
            ScriptName => ("script_name", "nom de fichier de script (.js, .vbs…)", "script file name (.js, .vbs…)"),
            Shortcut => ("shortcut", "raccourci ou fichier Windows qui ouvre une connexion ou lance une commande", "Windows shortcut or file that opens a connection or runs a command"),
            DiskImage => ("disk_image", "image disque (ISO, VHD…)", "disk image (ISO, VHD…)"),
            OneNote => ("one_note", "document OneNote", "OneNote document"),
            CredentialForm => ("credential_form", "formulaire qui envoie un mot de passe hors de la commune", "form that sends a password outside the organisation"),
            PageWritesItself => ("page_writes_itself", "page qui s'écrit à partir d'un texte encodé illisible", "page that writes itself from unreadable encoded text"),
            OleMacros => ("ole_macros", "macros dans un ancien document Office (.doc, .xls)", "macros in an old Office document (.doc, .xls)"),
            OoxmlMacros => ("ooxml_macros", "macros dans un document Office", "macros in an Office document"),
            OdfMacros => ("odf_macros", "macros dans un document LibreOffice (OpenDocument)", "macros in a LibreOffice (OpenDocument) file"),
            HtmlSmuggling => ("html_smuggling", "page HTML qui fabrique un fichier", "HTML page that builds a file"),
            PdfJavaScript => ("pdf_java_script", "PDF contenant du JavaScript", "PDF with JavaScript"),
            PdfLaunch => ("pdf_launch", "PDF qui lance un programme", "PDF that launches a program"),
            PdfGoToRemote => ("pdf_go_to_remote", "PDF qui ouvre un autre document", "PDF that opens another document"),
            PdfGoToEmbedded => ("pdf_go_to_embedded", "PDF qui ouvre un document incorporé ou distant", "PDF that opens an embedded or remote document"),
            PdfImportData => ("pdf_import_data", "PDF qui importe des données d'un fichier", "PDF that imports data from a file"),
            PdfSubmitForm => ("pdf_submit_form", "PDF qui envoie les données de son formulaire", "PDF that sends its form data"),
            ExternalContent => ("external_content", "le document contacte l'extérieur à son ouverture", "the document reaches outside when opened"),
            EquationEditor => ("equation_editor", "objet Éditeur d'équations (faille connue d'Office)", "Equation Editor object (a known Office flaw)"),
            SvgScript => ("svg_script", "image SVG contenant du code", "SVG image with code"),
            TypeMismatch => ("type_mismatch", "type réel différent du nom ou du type annoncé", "real type differs from the name or the declared type"),
            DoubleExtension => ("double_extension", "nom à double extension (comme facture.pdf.exe)", "name with a double extension (like invoice.pdf.exe)"),
            BidiName => ("bidi_name", "nom de fichier retourné par des caractères invisibles", "file name reversed by invisible characters"),
            EncryptedArchive => ("encrypted_archive", "archive protégée par mot de passe", "password-protected archive"),
            EncryptedDocument => ("encrypted_document", "document protégé par mot de passe", "password-protected document"),
            UnscannableArchive => ("unscannable_archive", "format d'archive que l'analyse n'ouvre pas", "archive format the scan does not open"),
            DamagedArchive => ("damaged_archive", "archive endommagée ou illisible", "damaged or unreadable archive"),
            UnreadableContainer => ("unreadable_container", "contenu imbriqué que l'analyse n'a pas pu lire jusqu'au bout", "embedded content the scan could not read to the end"),
            EncryptedMessage => ("encrypted_message", "message chiffré que le filtre ne peut pas lire", "encrypted message the filter cannot read"),
            ArchiveAmbiguity => ("archive_ambiguity", "archive dont le contenu diffère selon l'outil qui l'ouvre", "archive whose content differs with the tool that opens it"),
            DepthExceeded => ("depth_exceeded", "archives imbriquées trop profondément", "archives nested too deeply"),
            EntriesExceeded => ("entries_exceeded", "archive contenant trop de fichiers", "archive with too many files"),
            SizeExceeded => ("size_exceeded", "contenu trop volumineux une fois décompressé", "content too big once decompressed"),
            RatioExceeded => ("ratio_exceeded", "compression anormalement forte (bombe de décompression)", "abnormally high compression (decompression bomb)"),
            TimeExceeded => ("time_exceeded", "analyse trop longue, interrompue", "scan took too long and was stopped"),
            MimeLimitExceeded => ("mime_limit_exceeded", "message aux parties trop nombreuses ou trop imbriquées", "message with too many or too deeply nested parts"),
            DuplicateHeader => ("duplicate_header", "en-tête en double", "duplicate header"),
            DuplicateParameter => ("duplicate_parameter", "paramètre d'en-tête en double", "duplicate header parameter"),
            Rfc2231Conflict => ("rfc2231_conflict", "nom de fichier écrit de deux façons contradictoires", "file name written two conflicting ways"),
            ConflictingFilename => ("conflicting_filename", "deux noms de fichier différents pour la même pièce", "two different file names for the same part"),
            MissingFinalBoundary => ("missing_final_boundary", "message incomplet (séparateur de fin absent)", "incomplete message (closing boundary missing)"),
            BoundaryConfusion => ("boundary_confusion", "séparateurs de parties absents ou réutilisés", "part boundaries missing or reused"),
            HiddenContent => ("hidden_content", "contenu caché en dehors des parties du message", "content hidden outside the message parts"),
            Base64Garbage => ("base64_garbage", "encodage base64 altéré", "corrupted base64 encoding"),
            UnknownTransferEncoding => ("unknown_transfer_encoding", "encodage de transfert inconnu", "unknown transfer encoding"),
            BareLineEnding => ("bare_line_ending", "fins de ligne irrégulières", "irregular line endings"),
            NulByte => ("nul_byte", "octets nuls dans le message", "NUL bytes in the message"),
            MessagePartial => ("message_partial", "message découpé en morceaux (message/partial)", "message split into pieces (message/partial)"),
            UnparsableMessage => ("unparsable_message", "message joint illisible", "unreadable attached message"),
            ScanError => ("scan_error", "message impossible à analyser", "the message could not be analysed"),
        }
    }
}

/// One thing the scanner saw that the policy has to weigh.
///
/// What it says is the [`Sentence`] (a message key and its arguments),
/// rendered in the reader's language by [`Finding::fr`] and
/// [`Finding::en`]; `detail` keeps its English rendering for logs and JSON
/// consumers. Reports stored before sentences existed have only `detail`:
/// they still read, and their text is shown as it was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Exactly what was seen.
    pub kind: FindingKind,
    /// The family of risk, which the policy maps to an action.
    pub category: Category,
    /// A short English sentence with the specifics (offsets, names,
    /// values): the English rendering of `sentence` when there is one.
    pub detail: String,
    /// What it says, as a key and arguments (`{"key": …, "args": {…}}`);
    /// `None` in reports written before sentences, or when the key is one
    /// this build does not know (then `detail` is shown).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::sentence::lenient"
    )]
    pub sentence: Option<Sentence>,
    /// The YARA rule that matched, for [`FindingKind::YaraMatch`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Finding {
    /// A finding whose category follows from its kind, saying `sentence`.
    pub fn new(kind: FindingKind, sentence: Sentence) -> Finding {
        Finding {
            kind,
            category: kind.category(),
            detail: sentence.en(),
            sentence: Some(sentence),
            rule: None,
        }
    }

    /// The same finding about another name of the object (a gzip header's
    /// stored name, an NTFS stream's name): its sentence wrapped in
    /// [`Sentence::InName`], its English detail redone.
    pub fn in_name(mut self, role: NameRole, name: &str) -> Finding {
        if let Some(inner) = self.sentence.take() {
            let s = Sentence::InName {
                role,
                name: name.to_string(),
                inner: Box::new(inner),
            };
            self.detail = s.en();
            self.sentence = Some(s);
        }
        self
    }

    /// In French, when the finding has a sentence; `None` for a finding
    /// stored with its English `detail` only.
    pub fn fr(&self) -> Option<String> {
        self.sentence.as_ref().map(Sentence::fr)
    }

    /// In English: the sentence rendered, or the stored `detail`.
    pub fn en(&self) -> String {
        self.sentence
            .as_ref()
            .map_or_else(|| self.detail.clone(), Sentence::en)
    }

    /// What was seen in words (the kind's label), in French; « document
    /// protégé par mot de passe » for an encrypted document, even in a
    /// report written before [`FindingKind::EncryptedDocument`].
    pub fn label_fr(&self) -> &'static str {
        if self.about_encrypted_document() {
            FindingKind::EncryptedDocument.label_fr()
        } else {
            self.kind.label_fr()
        }
    }

    /// The same in English.
    pub fn label_en(&self) -> &'static str {
        if self.about_encrypted_document() {
            FindingKind::EncryptedDocument.label_en()
        } else {
            self.kind.label_en()
        }
    }

    /// Its category in words, in French: [`Category::label_fr`], but
    /// « document protégé par mot de passe » for an encrypted document.
    pub fn category_label_fr(&self) -> &'static str {
        if self.about_encrypted_document() {
            FindingKind::EncryptedDocument.label_fr()
        } else {
            self.category.label_fr()
        }
    }

    /// The same in English.
    pub fn category_label_en(&self) -> &'static str {
        if self.about_encrypted_document() {
            FindingKind::EncryptedDocument.label_en()
        } else {
            self.category.label_en()
        }
    }

    fn about_encrypted_document(&self) -> bool {
        self.kind == FindingKind::EncryptedDocument
            || self
                .sentence
                .as_ref()
                .is_some_and(Sentence::is_encrypted_document)
    }
}

/// A decoded object: a MIME leaf part, a preamble, or an archive entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Where it is: `1.2` for MIME parts (IMAP numbering), then `/name` for
    /// each archive level (`2/factures.zip/facture.pdf.exe`).
    pub path: String,
    /// The file name as a reader shows it, decoded from RFC 2047 / RFC 2231.
    pub filename: Option<String>,
    /// The MIME type the sender declared (for archive entries, none).
    pub declared_type: Option<String>,
    /// The type found by looking at the bytes.
    pub detected_type: String,
    /// Size in bytes after transfer decoding or decompression.
    pub size: u64,
    /// SHA-256 of those bytes, lower-case hex.
    pub sha256: String,
    /// What was seen in this object itself.
    pub findings: Vec<Finding>,
    /// The strictest action over this object and everything inside it.
    pub action: Action,
    /// Archive entries, embedded files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Part>,
    /// For a MIME part whose bytes sit as they are in the raw message (not
    /// inside an encoded nested message): the byte range from its first
    /// header line to the end of its body, so that a gateway can replace
    /// exactly this part and keep every other byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<[u64; 2]>,
}

impl Part {
    /// This part and every descendant, depth first.
    pub fn walk(&self) -> Vec<&Part> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.walk());
        }
        out
    }
}

/// Headers of the scanned message, for notices and the admin UI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageInfo {
    /// The `From:` field as text: every entry, joined with `, `
    /// ([`crate::originator`]); for display only, never a decision.
    pub from: Option<String>,
    /// The one `From:` mailbox address (lower case), when the message has
    /// exactly one `From:` field holding one mailbox with an address;
    /// `None` for "no single From" (RFC 5322 §3.6.2). Exceptions, blocks,
    /// pages and the exception button use this address, never the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_address: Option<String>,
    /// The decoded `Subject:`.
    pub subject: Option<String>,
    /// The `Date:` header, RFC 3339.
    pub date: Option<String>,
    /// The `Message-ID:` without angle brackets.
    pub message_id: Option<String>,
    /// Who really sent it: SPF, DKIM and DMARC as the gateway checked them
    /// on receipt (none for `ecluse scan`, or mail received before checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_auth: Option<SenderAuth>,
}

/// The sender checks of a received message (RFC 7208 SPF, RFC 6376 DKIM,
/// RFC 7489 DMARC), with result words as in `Authentication-Results`
/// (RFC 8601 §2.7: `pass`, `fail`, `softfail`, `neutral`, `none`,
/// `temperror`, `permerror`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderAuth {
    /// The domain of the `From:` address (RFC 5322), lower case; empty when
    /// there is none or several domains.
    pub from_domain: String,
    /// SPF for the `MAIL FROM` domain (the `HELO` name for a null sender).
    pub spf: String,
    /// The domain SPF checked.
    pub spf_domain: String,
    /// Each DKIM signature: its `d=` domain and result.
    pub dkim: Vec<DkimCheck>,
    /// DMARC for the `From:` domain: `pass` when SPF or DKIM passed aligned
    /// with it, `fail` when its record exists and neither did, `none` when
    /// it publishes no record.
    pub dmarc: String,
    /// The policy its DMARC record asks for failing mail: `none`,
    /// `quarantine`, `reject` (empty without a record).
    pub dmarc_policy: String,
    /// The envelope sender's domain passed SPF, or a DKIM signature of that
    /// domain passed: a delivery status notification may go back to it.
    pub envelope_authenticated: bool,
    /// SPF or DKIM passed for a domain aligned with the `From:` domain
    /// (relaxed alignment, RFC 7489 §3.1), whether or not it publishes a
    /// DMARC record: the sender is who the `From:` line says.
    #[serde(default)]
    pub from_authenticated: bool,
    /// The message has no single `From:` mailbox (several entries or
    /// fields, a group, an entry without an address): nobody can be
    /// verified as its sender, whatever SPF and DKIM said
    /// ([`crate::originator`]; RFC 5322 §3.6.2, RFC 7489 §6.6.1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_single_from: bool,
}

/// One DKIM signature checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimCheck {
    /// The signing domain (`d=`).
    pub domain: String,
    /// `pass`, `fail`, `neutral`, `temperror`, `permerror`.
    pub result: String,
}

impl SenderAuth {
    /// The `From:` domain is authenticated: SPF or DKIM passed aligned
    /// with it.
    pub fn verified(&self) -> bool {
        self.from_authenticated && !self.no_single_from
    }

    /// In plain French, for agents and admins: « expéditeur vérifié … » or
    /// « expéditeur non vérifié … ».
    pub fn summary_fr(&self) -> String {
        let domain = if self.from_domain.is_empty() {
            "?"
        } else {
            &self.from_domain
        };
        if self.verified() {
            return format!(
                "expéditeur vérifié : le domaine {domain} a authentifié ce message (SPF ou DKIM)"
            );
        }
        if self.no_single_from {
            return "expéditeur non vérifié : le champ From: ne désigne pas une seule adresse (plusieurs entrées, un groupe ou un nom sans adresse) ; vérifiez auprès de l'expéditeur par téléphone".into();
        }
        let why = match self.dmarc.as_str() {
            "fail" => "l'authentification du domaine a échoué (DMARC)",
            "none" => "ni SPF ni DKIM ne confirment le domaine, qui ne publie pas de règle DMARC",
            "temperror" => "la vérification n'a pas pu être faite (DNS indisponible)",
            _ => "l'authentification n'a pas pu être vérifiée",
        };
        format!("expéditeur non vérifié : {why} pour {domain}")
    }

    /// The same in plain English.
    pub fn summary_en(&self) -> String {
        let domain = if self.from_domain.is_empty() {
            "?"
        } else {
            &self.from_domain
        };
        if self.verified() {
            return format!(
                "verified sender: the domain {domain} authenticated this message (SPF or DKIM)"
            );
        }
        if self.no_single_from {
            return "unverified sender: the From: field does not name one single address (several entries, a group or a name without an address); check with the sender by phone".into();
        }
        let why = match self.dmarc.as_str() {
            "fail" => "domain authentication failed (DMARC)",
            "none" => "neither SPF nor DKIM confirms the domain, which publishes no DMARC policy",
            "temperror" => "the check could not be made (DNS unavailable)",
            _ => "authentication could not be checked",
        };
        format!("unverified sender: {why} for {domain}")
    }
}

/// Everything the scanner has to say about one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The strictest action over every finding, under the engine's policy.
    pub action: Action,
    /// The category that decided the action (none when delivered clean).
    pub category: Option<Category>,
    /// Every category found, most severe first.
    pub categories: Vec<Category>,
    /// Findings about the message structure rather than one part.
    pub findings: Vec<Finding>,
    /// The leaf MIME parts in reading order, each with its archive entries.
    pub parts: Vec<Part>,
    /// Headers of the message.
    pub message: MessageInfo,
    /// Size of the raw message in bytes.
    pub size: u64,
    /// Total bytes decoded and scanned (parts and archive entries).
    pub scanned_bytes: u64,
    /// Wall time of the scan in milliseconds.
    pub scan_ms: u64,
}

impl Report {
    /// Every finding, message-level ones first, then parts depth first.
    pub fn all_findings(&self) -> impl Iterator<Item = (&str, &Finding)> {
        let message = self.findings.iter().map(|f| ("", f));
        let parts = self
            .parts
            .iter()
            .flat_map(|p| p.walk())
            .flat_map(|p| p.findings.iter().map(move |f| (p.path.as_str(), f)));
        message.chain(parts)
    }

    /// The top-level MIME parts that must be held when the message is
    /// delivered with its risky parts replaced by a notice.
    pub fn held_parts(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|p| p.action >= Action::Quarantine)
    }
}
