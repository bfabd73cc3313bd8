//! What a finding says, as data: a [`Sentence`] is a message key with its
//! arguments, rendered in French ([`Sentence::fr`]) or English
//! ([`Sentence::en`]) when it is shown, never stored as prose.
//!
//! In JSON a sentence is `{"key": "entry_encrypted", "args": {...}}` (serde's
//! adjacently tagged form; a key without arguments has no `args`). The
//! arguments are data from the message or the scan — file and entry names,
//! header values, offsets, sizes, limits, rule names, the texts of library
//! errors — never translated; whoever renders a sentence into HTML or onto a
//! terminal escapes it as it would any text from the message.
//!
//! One key per kind of sentence, not per call site: the scanner's readers
//! share keys (`too_many_objects`, `archive_damaged`, `dangerous_extension`
//! …) with arguments for what differs. The renderings are exhaustive
//! matches, so a new key does not compile without its two texts.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Which kind of objects a count limit stopped ([`Sentence::TooManyObjects`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Counted {
    /// Archive entries, over the whole message.
    ArchiveEntries,
    /// Objects embedded in an OLE document.
    EmbeddedObjects,
    /// Attachments and entries of an Outlook message.
    Attachments,
}

/// What was nested too deeply ([`Sentence::NestedTooDeep`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Nested {
    /// Archives inside archives.
    Archives,
    /// Outlook messages attached to Outlook messages.
    Messages,
}

/// What the scan was doing when its time ran out ([`Sentence::TimeLimit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// Reading the entries of an archive.
    ArchiveEntries,
    /// Checking the storages of an OLE file for encryption.
    EncryptionCheck,
    /// Running the YARA rules on an object.
    Yara,
}

/// The region of a multipart outside its parts ([`Sentence::HiddenInEdge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Edge {
    /// Before the first delimiter.
    Preamble,
    /// After the closing delimiter.
    Epilogue,
}

/// What a preamble or epilogue holds ([`Sentence::HiddenInEdge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Hidden {
    /// `Content-Type:` or `Content-Transfer-Encoding:` lines.
    MimeHeaders,
    /// A line that starts like a delimiter (`--`).
    DelimiterLine,
    /// 512 or more characters of an encoding alphabet in a row.
    EncodedRun,
    /// Base64 runs or uuencoded blocks that decode to something.
    EncodedData,
    /// More than 4 KiB of text.
    LongText,
}

/// A kind of file a name or a content announces, for the keys that only
/// differ by it ([`Sentence::ContentIs`], [`Sentence::ExtensionOf`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FileKind {
    /// A native program.
    Program,
    /// A script.
    Script,
    /// A Windows shortcut or console file.
    Shortcut,
    /// A disk image.
    DiskImage,
    /// A OneNote section.
    OneNote,
}

/// Which stream of a PDF could not be decoded ([`Sentence::PdfStreamUndecodable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PdfStream {
    /// An `/EmbeddedFile` stream.
    EmbeddedFile,
    /// An `/ObjStm` object stream.
    ObjectStream,
}

/// Which other name of an object a name finding is about ([`Sentence::InName`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NameRole {
    /// The name a gzip header stores (`gunzip -N`, 7-Zip, file managers).
    StoredName,
    /// The file part of an NTFS `file:stream` name.
    NtfsFile,
    /// The stream part of an NTFS `file:stream` name.
    NtfsStream,
}

/// A ZIP entry found by walking the local headers ([`Sentence::ZipLocalOnly`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalEntry {
    /// The entry's name, as stored.
    pub name: String,
    /// The offset of its local header, in bytes from the archive's start.
    pub offset: u64,
}

/// What a finding says: a key and its arguments. Rendered by
/// [`Sentence::fr`] and [`Sentence::en`]; the variant name in snake_case is
/// the key ([`Sentence::key`]).
// The unit test `every_key_has_a_sample` counts the variants of this enum
// in this file: keep one variant per line starting with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", content = "args", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sentence {
    // --- budgets
    /// An object larger than the budgets allow, not analysed.
    NotAnalysedSize {
        size: u64,
        per_object: u64,
        per_message: u64,
    },
    /// An object reached after the scan time ran out, not analysed.
    NotAnalysedTime { seconds: u64 },
    /// The scan time ran out during a stage.
    TimeLimit { during: Stage },
    /// An entry larger than the bytes the budget still allowed (`cap`, when known).
    PastBudget { cap: Option<u64> },
    /// A stream of a compound file larger than the budget.
    StreamPastBudget { stream: String },
    /// An RTF object cut at the budget (numbered from 1).
    RtfObjectCut { number: u64 },
    /// The streams that tell whether an OLE document is encrypted are past the budget.
    EncryptionCheckPastBudget,
    /// An entry that expands more than the ratio limit.
    RatioExceeded {
        expanded: u64,
        packed: u64,
        limit: u64,
    },
    /// More objects than the entries limit.
    TooManyObjects { limit: u64, of: Counted },
    /// Containers nested deeper than the depth limit.
    NestedTooDeep { limit: u64, of: Nested },
    /// More MIME parts than the limit.
    TooManyMimeParts { limit: u64 },
    /// MIME parts nested deeper than the limit.
    MimeTooDeep { limit: u64 },
    /// A 7z archive whose decoder needs more memory than allowed.
    SevenZipMemory { mib: u64 },
    /// The scanner failed on the message (a bug caught, held unanalysed).
    ScannerFailed,
    /// YARA failed on an object.
    YaraError { reason: String },
    // --- what the content is
    /// A detection rule matched; its description from the rule's metadata.
    YaraRule {
        rule: String,
        description: Option<String>,
        description_fr: Option<String>,
    },
    /// The content is a program or a script of the given type.
    ContentIs { what: FileKind, mime: String },
    /// The content is a file of a dangerous extension (a descriptor format).
    DangerousContent { ext: String, mime: String },
    /// A compiled HTML help file.
    CompiledHelp,
    /// A disk image hides its files from mail filters.
    DiskImageContent { mime: String },
    /// A OneNote section.
    OneNoteContent,
    /// An OLE document with a VBA project.
    VbaProject,
    /// An OOXML document with `vbaProject.bin`.
    VbaProjectBin { mime: String },
    /// An OpenDocument file with a Basic or script module.
    OdfMacroModule { module: String },
    /// HTML that builds a file from decoded data and saves it.
    HtmlBlobDecoded { sink: String, decoder: String },
    /// HTML that builds a file from a long base64 string and saves it.
    HtmlBlobBase64 { sink: String },
    /// A download link carrying a file as a base64 `data:` URI.
    HtmlDataUriDownload,
    /// An SVG with an active marker.
    SvgActive { marker: String },
    /// A PDF with JavaScript, run on opening when `on_open`.
    PdfJavaScript { name: String, on_open: bool },
    /// A PDF with a `/Launch` action.
    PdfLaunch,
    /// An Equation Editor OLE object.
    EquationEditor { object: String },
    // --- names and types
    /// A name with bidirectional controls (`U+202E` …).
    BidiControls { codes: Vec<String> },
    /// A name with a double extension.
    DoubleExtension { shown: String, real: String },
    /// A name whose extension Windows runs or opens a connection with.
    DangerousExtension { ext: String },
    /// A name with a disk image or OneNote extension.
    ExtensionOf { ext: String, what: FileKind },
    /// A name whose extension the content contradicts.
    NamedButIs { ext: String, mime: String },
    /// A declared type the content contradicts.
    DeclaredButIs { declared: String, mime: String },
    /// A name finding about another name of the object.
    InName {
        role: NameRole,
        name: String,
        inner: Box<Sentence>,
    },
    // --- encryption
    /// An archive entry protected by a password.
    EntryEncrypted,
    /// A 7z archive protected by a password.
    SevenZipEncrypted,
    /// An Office document encrypted with a password (or rights management):
    /// the storage it was seen in, and the structures that say so, with the
    /// sections of the specifications (technical, in English).
    OfficeEncrypted {
        storage: Option<String>,
        evidence: Vec<String>,
    },
    /// An OpenDocument file encrypted with a password: how many entries,
    /// and the first names.
    OdfEncrypted { entries: u64, names: Vec<String> },
    /// An encrypted PDF whose streams cannot be inspected.
    PdfEncrypted { streams: u64 },
    /// Content encrypted for its recipient (S/MIME, CMS, OpenPGP).
    EncryptedFor { format: String },
    // --- archives and containers that cannot be read
    /// A format Écluse does not open.
    UnopenableArchive { mime: String },
    /// An archive (`format`: ZIP directory, tar, 7z, gzip header, TNEF)
    /// that cannot be read, with the reader's reason when it gave one.
    ArchiveDamaged {
        format: String,
        reason: Option<String>,
    },
    /// An entry that cannot be read.
    EntryUnreadable { entry: String, reason: String },
    /// An entry that cannot be decompressed.
    EntryUndecompressable {
        reason: String,
        method: Option<String>,
    },
    /// An entry in a compression method not decoded.
    EntryUnsupported {
        method: String,
        reason: Option<String>,
    },
    /// A 7z archive with an unsupported method.
    ArchiveMethodUnsupported { format: String, method: String },
    /// A PDF stream that cannot be decoded.
    PdfStreamUndecodable {
        what: PdfStream,
        filters: Vec<String>,
        reason: String,
    },
    /// A PDF embedded file (by object number) that cannot be decoded.
    PdfEmbeddedUndecodable { object: u64, reason: String },
    /// A stream of a compound file that cannot be read.
    StreamUnreadable { stream: String, reason: String },
    /// A compressed RTF body that cannot be read.
    CompressedRtf { reason: String },
    /// An Outlook attachment that is an OLE object in Outlook's own format.
    OutlookOleAttachment { name: String },
    /// An embedded object without an OLE1 header.
    Ole1NoHeader { object: String },
    /// A linked OLE object.
    LinkedObject { object: String, class: String },
    /// An OLE object whose header cannot be read.
    ObjectHeaderUnreadable {
        object: String,
        class: String,
        format: u32,
    },
    /// A `Package` object whose file cannot be read.
    PackageUnreadable { object: String },
    /// An OLE compound file whose directory cannot be read.
    OleDirectoryUnreadable,
    /// A CMS structure that cannot be read.
    CmsUnreadable { reason: String },
    // --- archives that read differently
    /// A file that is also a ZIP (a polyglot).
    ZipPolyglot { mime: String },
    /// The ZIP central directory lists entries the local headers lack.
    ZipDirectoryDisagrees { directory_only: Vec<String> },
    /// Entries only the local headers show.
    ZipLocalOnly {
        count: u64,
        entries: Vec<LocalEntry>,
    },
    /// Two entries of one name.
    DuplicateEntry { name: String },
    /// A gzip file of several members.
    GzipMembers { count: u64 },
    /// The gzip header's stored name and the name gunzip saves under.
    GzipStoredName { stored: String, saved: String },
    /// Bytes after the last gzip member.
    GzipTrailing { bytes: u64 },
    /// Data after the tar end-of-archive marker.
    TarAfterEnd,
    // --- MIME structure
    /// A message with no parsable header or body.
    Unparsable,
    /// A nested message that cannot be parsed.
    NestedUnparsable { part: String },
    /// A parameter given twice in a header.
    DuplicateParameter {
        part: String,
        header: String,
        parameter: String,
    },
    /// RFC 2231 continuations that repeat or skip a number.
    Rfc2231Continuations {
        part: String,
        header: String,
        parameter: String,
    },
    /// Both `name*` and `name*0`.
    Rfc2231BothForms {
        part: String,
        header: String,
        parameter: String,
    },
    /// The plain parameter and its RFC 2231 form disagree.
    Rfc2231Disagrees {
        part: String,
        header: String,
        parameter: String,
        plain: String,
        decoded: String,
    },
    /// NUL bytes in a part's headers.
    NulInHeaders { part: String },
    /// NUL bytes in a body that is not base64.
    NulInBody { part: String },
    /// A header given several times.
    DuplicateHeader {
        part: String,
        header: String,
        count: u64,
    },
    /// A multipart without a boundary parameter.
    MultipartWithoutBoundary { part: String, mime: String },
    /// A `message/partial` fragment.
    MessagePartial { part: String },
    /// A transfer encoding readers do not agree on.
    UnknownTransferEncoding { part: String, value: String },
    /// A byte outside the base64 alphabet.
    Base64ByteOutside { part: String, byte: u8, offset: u64 },
    /// Base64 data after the padding.
    Base64AfterPadding { part: String, offset: u64 },
    /// A bare CR.
    BareCr { offset: u64 },
    /// A bare LF in a message with CRLF line ends.
    BareLf { offset: u64 },
    /// A boundary that overlaps the enclosing one.
    BoundaryOverlaps {
        part: String,
        boundary: String,
        outer: String,
    },
    /// A multipart without its closing delimiter.
    MissingClosingBoundary { part: String, boundary: String },
    /// A multipart with a transfer encoding, which RFC 2045 §6.4 forbids.
    MultipartEncoded { part: String, encoding: String },
    /// Headers that run into the body with no blank line.
    HeadersRunIntoBody { part: String },
    /// Something in a multipart's preamble or epilogue.
    HiddenInEdge {
        part: String,
        edge: Edge,
        what: Hidden,
    },
    /// A text holding MIME parts (with their delimiter) or part headers no header declares.
    UndeclaredInText {
        part: String,
        delimiter: Option<String>,
    },
    /// `Content-Type: name=` and `Content-Disposition: filename=` disagree.
    ConflictingFilename {
        part: String,
        name: String,
        filename: String,
    },
    // --- the gateway's findings
    /// ClamAV found a signature.
    Clamav { signature: String },
    /// ClamAV gave no verdict; held rather than delivered unscanned.
    ClamavNoVerdict { reason: String },
    /// The `From:` field does not name one single mailbox.
    NoSingleFrom { addresses: u64 },
    /// The `From:` domain failed DMARC and its record asks to quarantine or reject.
    DmarcFailed { domain: String, policy: String },
    /// The `From:` domain is ours, the mail came from outside unauthenticated.
    OwnDomainUnauthenticated { domain: String },
    /// The display name shows an address of a known domain; the address is elsewhere.
    DisplayNameShows { known: String, domain: String },
    /// The `From:` domain reads like a known one.
    LookalikeSkeleton { domain: String, known: String },
    /// The `From:` domain is a few edits from a known one.
    LookalikeEdits {
        domain: String,
        known: String,
        edits: u64,
    },
    /// The `From:` domain carries a known name inside another domain.
    LookalikeInside { domain: String, known: String },
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

impl Sentence {
    /// The message key, as in JSON (`entry_encrypted`).
    pub fn key(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => v["key"].as_str().unwrap_or_default().to_string(),
            Err(_) => String::new(),
        }
    }

    /// Whether it says that a document (not an archive) is protected by a
    /// password: an Office, OpenDocument or PDF file.
    pub fn is_encrypted_document(&self) -> bool {
        matches!(
            self,
            Sentence::OfficeEncrypted { .. }
                | Sentence::OdfEncrypted { .. }
                | Sentence::PdfEncrypted { .. }
        )
    }

    /// The sentence in French, for the pages, notices and the CLI.
    pub fn fr(&self) -> String {
        use Sentence::*;
        match self {
            NotAnalysedSize { size, per_object, per_message } => format!("non analysé : {size} octets, au-delà du budget d'analyse ({per_object} octets par objet, {per_message} par message)"),
            NotAnalysedTime { seconds } => format!("non analysé : l'analyse a duré plus de {seconds} s"),
            TimeLimit { during } => match during {
                Stage::ArchiveEntries => "le temps d'analyse était écoulé avant que chaque entrée ait été analysée".into(),
                Stage::EncryptionCheck => "le temps d'analyse était écoulé avant que chaque stockage ait été vérifié (chiffrement)".into(),
                Stage::Yara => "les règles YARA n'ont pas fini dans le temps d'analyse".into(),
            },
            PastBudget { cap: Some(cap) } => format!("plus gros que les {cap} octets que le budget d'analyse permettait encore ; non analysé"),
            PastBudget { cap: None } => "la pièce jointe dépasse ce que le budget d'analyse permet ; non analysée".into(),
            StreamPastBudget { stream } => format!("{stream} : plus gros que le budget d'analyse ; non analysé"),
            RtfObjectCut { number } => format!("objet RTF {number} : plus gros que le budget d'analyse, tronqué"),
            EncryptionCheckPastBudget => "les flux qui disent si le document est chiffré dépassent le budget d'analyse".into(),
            RatioExceeded { expanded, packed, limit } => format!("{expanded} octets décompressés à partir de {packed} octets compressés, plus de {limit} pour 1 (bombe de décompression ?)"),
            TooManyObjects { limit, of } => match of {
                Counted::ArchiveEntries => format!("plus de {limit} entrées d'archive dans le message ; les suivantes n'ont pas été analysées"),
                Counted::EmbeddedObjects => format!("plus de {limit} objets incorporés ; les suivants n'ont pas été analysés"),
                Counted::Attachments => format!("plus de {limit} pièces jointes et entrées ; les suivantes n'ont pas été analysées"),
            },
            NestedTooDeep { limit, of } => match of {
                Nested::Archives => format!("les archives imbriquées sur plus de {limit} niveaux n'ont pas été ouvertes"),
                Nested::Messages => format!("les messages joints imbriqués sur plus de {limit} niveaux n'ont pas été ouverts"),
            },
            TooManyMimeParts { limit } => format!("plus de {limit} parties MIME ; les suivantes n'ont pas été analysées"),
            MimeTooDeep { limit } => format!("les parties MIME imbriquées sur plus de {limit} niveaux n'ont pas été analysées"),
            SevenZipMemory { mib } => format!("l'archive 7z demande plus de {mib} Mio pour être décodée"),
            ScannerFailed => "l'analyse a échoué sur ce message ; il est retenu sans avoir été analysé".into(),
            YaraError { reason } => format!("YARA n'a pas pu analyser cet objet : {reason}"),
            YaraRule { rule, description, description_fr } => match description_fr.as_ref().or(description.as_ref()) {
                Some(d) => format!("règle de détection {rule} : {d}"),
                None => format!("la règle de détection {rule} a reconnu ce contenu"),
            },
            ContentIs { what, mime } => format!("le contenu est {} ({mime})", kind_fr(*what)),
            DangerousContent { ext, mime } => format!("le contenu est un fichier .{ext} ({mime}) : {}", ext_fr(ext)),
            CompiledHelp => "aide HTML compilée (CHM) : exécute du script à l'ouverture".into(),
            DiskImageContent { mime } => format!("une image disque ({mime}) cache ses fichiers aux filtres de messagerie"),
            OneNoteContent => "une section OneNote peut transporter des scripts et des programmes".into(),
            VbaProject => "le document contient un projet de macros VBA".into(),
            VbaProjectBin { mime } => format!("le document contient un projet de macros vbaProject.bin ({mime})"),
            OdfMacroModule { module } => format!("le document contient un module Basic ou de script ({module})"),
            HtmlBlobDecoded { sink, decoder } => format!("un script fabrique un fichier avec {sink} à partir de données décodées par {decoder} et l'enregistre"),
            HtmlBlobBase64 { sink } => format!("un script fabrique un fichier avec {sink} à partir d'une longue chaîne base64 et l'enregistre"),
            HtmlDataUriDownload => "un lien de téléchargement transporte un fichier dans une URI data: en base64".into(),
            SvgActive { marker } => format!("l'image SVG contient « {marker} », qui s'exécute à l'ouverture dans un navigateur"),
            PdfJavaScript { name, on_open } => format!("le PDF contient du JavaScript ({name}){}", if *on_open { ", lancé par un déclencheur /OpenAction ou /AA" } else { "" }),
            PdfLaunch => "le PDF a une action /Launch qui démarre un programme".into(),
            EquationEditor { object } => format!("un objet Éditeur d'équations ({object}), la classe de la faille CVE-2017-11882"),
            BidiControls { codes } => format!("le nom contient {} qui changent l'ordre d'affichage", list(codes)),
            DoubleExtension { shown, real } => format!("le nom ressemble à .{shown} mais c'est un .{real}"),
            DangerousExtension { ext } => format!("le nom a l'extension .{ext} : {}", ext_fr(ext)),
            ExtensionOf { ext, what } => format!("le nom a l'extension .{ext} ({})", kind_fr(*what)),
            NamedButIs { ext, mime } => format!("nommé .{ext} mais le contenu est {mime}"),
            DeclaredButIs { declared, mime } => format!("annoncé {declared} mais le contenu est {mime}"),
            InName { role, name, inner } => {
                let role = match role {
                    NameRole::StoredName => "nom enregistré",
                    NameRole::NtfsFile => "fichier NTFS",
                    NameRole::NtfsStream => "flux NTFS",
                };
                format!("{role} « {name} » : {}", inner.fr())
            }
            EntryEncrypted => "l'entrée est protégée par mot de passe".into(),
            SevenZipEncrypted => "l'archive 7z est protégée par mot de passe".into(),
            OfficeEncrypted { storage, evidence } => {
                let mut s = "document Office protégé par mot de passe (chiffré), illisible pour l'analyse".to_string();
                if let Some(st) = storage {
                    let _ = write!(s, " ; stockage {st}");
                }
                if !evidence.is_empty() {
                    let _ = write!(s, " ; relevé technique : {}", evidence.join(" ; "));
                }
                s
            }
            OdfEncrypted { entries, names } => format!(
                "document OpenDocument protégé par mot de passe : son manifeste donne des données de chiffrement pour {} ({}) (OpenDocument 1.2, partie 3, §3.8)",
                if *entries == 1 { "une entrée".to_string() } else { format!("{entries} entrées") },
                list(names)
            ),
            PdfEncrypted { streams } => format!("document PDF protégé par mot de passe (chiffré) : {streams} flux d'objets ou de fichiers incorporés ne peuvent pas être inspectés"),
            EncryptedFor { format } => format!("{format} : chiffré pour son destinataire, le filtre ne peut pas lire ce qu'il contient"),
            UnopenableArchive { mime } => format!("Écluse ne sait pas ouvrir ce format d'archive ({mime})"),
            ArchiveDamaged { format, reason: Some(r) } => format!("{format} : illisible ou endommagé ({r})"),
            ArchiveDamaged { format, reason: None } => format!("{format} : illisible ou endommagé"),
            EntryUnreadable { entry, reason } => format!("l'entrée {entry} ne peut pas être lue : {reason}"),
            EntryUndecompressable { reason, method: Some(m) } => format!("l'entrée ne peut pas être décompressée : {reason} (méthode {m})"),
            EntryUndecompressable { reason, method: None } => format!("l'entrée ne peut pas être décompressée : {reason}"),
            EntryUnsupported { method, reason: Some(r) } => format!("entrée non prise en charge ({r}, méthode {method})"),
            EntryUnsupported { method, reason: None } => format!("l'entrée utilise la méthode de compression {method}, qu'Écluse ne décode pas"),
            ArchiveMethodUnsupported { format, method } => format!("l'archive {format} utilise une méthode non prise en charge ({method})"),
            PdfStreamUndecodable { what, filters, reason } => format!(
                "un {} du PDF ne peut pas être décodé ({}) : {reason}",
                match what { PdfStream::EmbeddedFile => "fichier incorporé", PdfStream::ObjectStream => "flux d'objets" },
                list(filters)
            ),
            PdfEmbeddedUndecodable { object, reason } => format!("un fichier incorporé du PDF (objet {object}) ne peut pas être décodé : {reason}"),
            StreamUnreadable { stream, reason } => format!("{stream} : le flux ne peut pas être lu : {reason}"),
            CompressedRtf { reason } => format!("le corps RTF compressé du message ne peut pas être lu : {reason}"),
            OutlookOleAttachment { name } => format!("pièce jointe {name} : un objet OLE enregistré dans le format propre à Outlook"),
            Ole1NoHeader { object } => format!("{object} : données d'objet incorporé sans en-tête OLE1"),
            LinkedObject { object, class } => format!("{object} : un objet {class} lié, qui pointe hors du document"),
            ObjectHeaderUnreadable { object, class, format } => format!("{object} : un objet {class} dont l'en-tête ne peut pas être lu (format {format})"),
            PackageUnreadable { object } => format!("{object} : un objet Package dont le fichier ne peut pas être lu"),
            OleDirectoryUnreadable => "un fichier composé OLE dont le répertoire ne peut pas être lu".into(),
            CmsUnreadable { reason } => format!("une structure CMS (S/MIME, .p7m) illisible : {reason}"),
            ZipPolyglot { mime } => format!("le fichier se lit comme {mime} et aussi comme une archive ZIP (un polyglotte) : les outils d'archive ouvrent le ZIP"),
            ZipDirectoryDisagrees { directory_only } => format!("le répertoire central et les en-têtes locaux ne concordent pas (seulement dans le répertoire : {})", list(directory_only)),
            ZipLocalOnly { count, entries } => format!(
                "{count} entrées sont vues par les outils qui parcourent les en-têtes locaux (7-Zip) mais absentes du répertoire central que lisent les autres : {}",
                entries.iter().map(|e| format!("{} (position {})", e.name, e.offset)).collect::<Vec<_>>().join(", ")
            ),
            DuplicateEntry { name } => format!("deux entrées s'appellent « {name} » : les outils qui repèrent les entrées par leur nom, ou extraient l'une sur l'autre, n'en gardent qu'une"),
            GzipMembers { count } => format!("le fichier gzip a {count} membres : gunzip les écrit à la suite, certains outils ne lisent que le premier"),
            GzipStoredName { stored, saved } => format!("l'en-tête gzip nomme le fichier « {stored} », gunzip l'enregistre sous « {saved} »"),
            GzipTrailing { bytes } => format!("{bytes} octets suivent le dernier membre gzip : gunzip les ignore, d'autres outils les ouvrent"),
            TarAfterEnd => "des données suivent la marque de fin d'archive tar : tar s'arrête là, tar --ignore-zeros et d'autres outils lisent la suite".into(),
            Unparsable => "le message n'a ni en-tête ni corps lisible".into(),
            NestedUnparsable { part } => format!("partie {part} : un message joint illisible"),
            DuplicateParameter { part, header, parameter } => format!("partie {part} : {header} donne « {parameter} » deux fois"),
            Rfc2231Continuations { part, header, parameter } => format!("partie {part} : les suites « {parameter}*N » de {header} répètent ou sautent un numéro"),
            Rfc2231BothForms { part, header, parameter } => format!("partie {part} : {header} a à la fois « {parameter}* » et « {parameter}*0 »"),
            Rfc2231Disagrees { part, header, parameter, plain, decoded } => format!("partie {part} : {header} « {parameter}=\"{plain}\" » mais la forme RFC 2231 « {parameter}* » dit « {decoded} »"),
            NulInHeaders { part } => format!("partie {part} : octet nul dans les en-têtes"),
            NulInBody { part } => format!("partie {part} : octet nul dans un corps qui n'est pas en base64"),
            DuplicateHeader { part, header, count } => format!("partie {part} : {count} en-têtes {header}"),
            MultipartWithoutBoundary { part, mime } => format!("partie {part} : {mime} sans paramètre boundary"),
            MessagePartial { part } => format!("partie {part} : fragment message/partial"),
            UnknownTransferEncoding { part, value } => format!("partie {part} : Content-Transfer-Encoding « {value} »"),
            Base64ByteOutside { part, byte, offset } => format!("partie {part} : octet 0x{byte:02x} hors de l'alphabet base64 (position {offset})"),
            Base64AfterPadding { part, offset } => format!("partie {part} : des données base64 suivent le remplissage (position {offset})"),
            BareCr { offset } => format!("CR isolé à la position {offset}"),
            BareLf { offset } => format!("LF isolé à la position {offset} dans un message aux fins de ligne CRLF"),
            BoundaryOverlaps { part, boundary, outer } => format!("partie {part} : le séparateur « {boundary} » chevauche le séparateur englobant « {outer} »"),
            MissingClosingBoundary { part, boundary } => format!("partie {part} : pas de ligne de fin --{boundary}--"),
            MultipartEncoded { part, encoding } => format!("partie {part} : un multipart déclare Content-Transfer-Encoding: {encoding}, ce que la RFC 2045 §6.4 interdit ; les lecteurs qui le décodent voient d'autres parties"),
            HeadersRunIntoBody { part } => format!("partie {part} : ses en-têtes se prolongent dans le corps sans ligne vide ; les lecteurs ne s'accordent pas sur le début du corps"),
            HiddenInEdge { part, edge, what } => format!(
                "partie {part} : {} du multipart contient {}",
                match edge { Edge::Preamble => "le préambule", Edge::Epilogue => "l'épilogue" },
                match what {
                    Hidden::MimeHeaders => "des en-têtes MIME",
                    Hidden::DelimiterLine => "une ligne qui ressemble à un séparateur",
                    Hidden::EncodedRun => "une longue suite de données encodées",
                    Hidden::EncodedData => "des données encodées",
                    Hidden::LongText => "plus de 4 Kio de texte",
                }
            ),
            UndeclaredInText { part, delimiter } => format!(
                "partie {part} : le texte contient {} qu'aucun en-tête ne déclare ; les lecteurs tolérants les montrent comme des pièces jointes",
                match delimiter { Some(d) => format!("des parties MIME (séparateur « --{d} »)"), None => "des en-têtes de partie".into() }
            ),
            ConflictingFilename { part, name, filename } => format!("partie {part} : Content-Type nomme « {name} » mais Content-Disposition nomme « {filename} »"),
            Clamav { signature } => format!("ClamAV : {signature}"),
            ClamavNoVerdict { reason } => format!("ClamAV n'a pas donné de verdict ({reason}) ; retenu plutôt que remis sans analyse"),
            NoSingleFrom { addresses } => format!("le champ From: ne désigne pas une seule adresse ({addresses} adresse{} parmi ses entrées ; plusieurs entrées ou champs, un groupe, ou un nom sans adresse) : on ne peut pas dire qui l'envoie (RFC 5322 §3.6.2, RFC 7489 §6.6.1)", if *addresses > 1 { "s" } else { "" }),
            DmarcFailed { domain, policy } => format!(
                "le domaine d'envoi {domain} a échoué à DMARC (ni SPF ni DKIM n'ont réussi alignés sur lui) et sa règle demande de {} ces messages ; vérifiez auprès de l'expéditeur par téléphone",
                match policy.as_str() { "reject" => "refuser", "quarantine" => "mettre en quarantaine", other => other }
            ),
            OwnDomainUnauthenticated { domain } => format!("le domaine d'envoi {domain} est l'un des nôtres, mais le message vient de l'extérieur sans avoir passé SPF ni DKIM pour lui"),
            DisplayNameShows { known, domain } => format!("le nom affiché de l'expéditeur montre une adresse de {known}, mais l'adresse est chez {domain}"),
            LookalikeSkeleton { domain, known } => format!("le domaine d'envoi {domain} se lit comme {known} (les mêmes lettres, ou des lettres qui se ressemblent)"),
            LookalikeEdits { domain, known, edits } => format!("le domaine d'envoi {domain} est à {edits} caractère{} de {known}", if *edits > 1 { "s" } else { "" }),
            LookalikeInside { domain, known } => format!("le domaine d'envoi {domain} contient le nom {known} dans un autre domaine"),
        }
    }

    /// The sentence in English, kept in the report's `detail` for logs and
    /// JSON consumers.
    pub fn en(&self) -> String {
        use Sentence::*;
        match self {
            NotAnalysedSize { size, per_object, per_message } => format!("not analysed: {size} bytes, past the scan budget ({per_object} bytes per object, {per_message} per message)"),
            NotAnalysedTime { seconds } => format!("not analysed: the scan took longer than {seconds} s"),
            TimeLimit { during } => match during {
                Stage::ArchiveEntries => "the scan time limit was reached before every entry was scanned".into(),
                Stage::EncryptionCheck => "the scan time limit was reached before every storage was checked for encryption".into(),
                Stage::Yara => "YARA did not finish within the scan time limit".into(),
            },
            PastBudget { cap: Some(cap) } => format!("larger than the {cap} bytes the scan budget still allowed; not scanned"),
            PastBudget { cap: None } => "the attachment is larger than the scan budget allows; not scanned".into(),
            StreamPastBudget { stream } => format!("{stream}: larger than the scan budget; not scanned"),
            RtfObjectCut { number } => format!("RTF object {number}: larger than the scan budget, cut"),
            EncryptionCheckPastBudget => "the streams that say whether the document is encrypted are past the scan budget".into(),
            RatioExceeded { expanded, packed, limit } => format!("expanded {expanded} bytes from {packed} packed bytes, more than {limit}:1 (archive bomb?)"),
            TooManyObjects { limit, of } => match of {
                Counted::ArchiveEntries => format!("more than {limit} archive entries in the message; the rest were not scanned"),
                Counted::EmbeddedObjects => format!("more than {limit} embedded objects; the rest were not scanned"),
                Counted::Attachments => format!("more than {limit} attachments and entries; the rest were not scanned"),
            },
            NestedTooDeep { limit, of } => match of {
                Nested::Archives => format!("archives nested more than {limit} levels deep were not opened"),
                Nested::Messages => format!("attached messages nested more than {limit} levels deep were not opened"),
            },
            TooManyMimeParts { limit } => format!("more than {limit} MIME parts; the rest were not scanned"),
            MimeTooDeep { limit } => format!("MIME parts nested more than {limit} levels deep were not scanned"),
            SevenZipMemory { mib } => format!("the 7z archive needs more than {mib} MiB to decode"),
            ScannerFailed => "the scanner failed on this message; it is held unanalysed".into(),
            YaraError { reason } => format!("YARA could not scan this object: {reason}"),
            YaraRule { rule, description, .. } => match description {
                Some(d) => d.clone(),
                None => format!("YARA rule {rule} matched"),
            },
            ContentIs { what, mime } => format!("the content is {} ({mime})", kind_en(*what)),
            DangerousContent { ext, mime } => format!("the content is a .{ext} file ({mime}): {}", ext_en(ext)),
            CompiledHelp => "compiled HTML help (CHM) runs script when opened".into(),
            DiskImageContent { mime } => format!("a disk image ({mime}) hides its files from mail filters"),
            OneNoteContent => "a OneNote section can carry embedded scripts and programs".into(),
            VbaProject => "the document has a VBA macro project".into(),
            VbaProjectBin { mime } => format!("the document has a vbaProject.bin macro project ({mime})"),
            OdfMacroModule { module } => format!("the document has a Basic or script module ({module})"),
            HtmlBlobDecoded { sink, decoder } => format!("script builds a file with {sink} from data decoded by {decoder} and saves it"),
            HtmlBlobBase64 { sink } => format!("script builds a file with {sink} from a long base64 string and saves it"),
            HtmlDataUriDownload => "a download link carries a file as a base64 data: URI".into(),
            SvgActive { marker } => format!("the SVG image contains `{marker}`, which runs when opened in a browser"),
            PdfJavaScript { name, on_open } => format!("the PDF contains JavaScript ({name}){}", if *on_open { ", run by an /OpenAction or /AA trigger" } else { "" }),
            PdfLaunch => "the PDF has a /Launch action that starts a program".into(),
            EquationEditor { object } => format!("an Equation Editor object ({object}), the class of CVE-2017-11882"),
            BidiControls { codes } => format!("the name contains {} that reorder how it is displayed", list(codes)),
            DoubleExtension { shown, real } => format!("the name looks like .{shown} but is .{real}"),
            DangerousExtension { ext } => format!("the name has the extension .{ext}: {}", ext_en(ext)),
            ExtensionOf { ext, what } => format!("the name has the extension .{ext} ({})", kind_en(*what)),
            NamedButIs { ext, mime } => format!("named .{ext} but the content is {mime}"),
            DeclaredButIs { declared, mime } => format!("declared {declared} but the content is {mime}"),
            InName { role, name, inner } => {
                let role = match role {
                    NameRole::StoredName => "stored name",
                    NameRole::NtfsFile => "NTFS file",
                    NameRole::NtfsStream => "NTFS stream",
                };
                format!("{role} {name:?}: {}", inner.en())
            }
            EntryEncrypted => "the entry is password-protected".into(),
            SevenZipEncrypted => "the 7z archive is password-protected".into(),
            OfficeEncrypted { storage, evidence } => {
                let mut s = "password-protected Office document (encrypted), unreadable to the scan".to_string();
                if let Some(st) = storage {
                    let _ = write!(s, "; storage {st}");
                }
                if !evidence.is_empty() {
                    let _ = write!(s, "; evidence: {}", evidence.join("; "));
                }
                s
            }
            OdfEncrypted { entries, names } => format!(
                "password-protected OpenDocument file: its manifest gives encryption data for {} ({}) (OpenDocument 1.2 Part 3 §3.8)",
                if *entries == 1 { "one entry".to_string() } else { format!("{entries} entries") },
                list(names)
            ),
            PdfEncrypted { streams } => format!("password-protected PDF document (encrypted): {streams} object or embedded-file streams cannot be inspected"),
            EncryptedFor { format } => format!("{format}: encrypted for its recipient, the filter cannot read what it carries"),
            UnopenableArchive { mime } => format!("Écluse cannot open this archive format ({mime})"),
            ArchiveDamaged { format, reason: Some(r) } => format!("{format}: cannot be read or damaged ({r})"),
            ArchiveDamaged { format, reason: None } => format!("{format}: cannot be read or damaged"),
            EntryUnreadable { entry, reason } => format!("entry {entry} cannot be read: {reason}"),
            EntryUndecompressable { reason, method: Some(m) } => format!("the entry cannot be decompressed: {reason} (method {m})"),
            EntryUndecompressable { reason, method: None } => format!("the entry could not be decompressed: {reason}"),
            EntryUnsupported { method, reason: Some(r) } => format!("unsupported entry ({r}, method {method})"),
            EntryUnsupported { method, reason: None } => format!("the entry uses compression method {method}, which Écluse does not decode"),
            ArchiveMethodUnsupported { format, method } => format!("the {format} archive uses an unsupported method ({method})"),
            PdfStreamUndecodable { what, filters, reason } => format!(
                "a PDF {} cannot be decoded ({}): {reason}",
                match what { PdfStream::EmbeddedFile => "embedded file", PdfStream::ObjectStream => "object stream" },
                list(filters)
            ),
            PdfEmbeddedUndecodable { object, reason } => format!("a PDF embedded file (object {object}) cannot be decoded: {reason}"),
            StreamUnreadable { stream, reason } => format!("{stream}: the stream cannot be read: {reason}"),
            CompressedRtf { reason } => format!("the message's compressed RTF body cannot be read: {reason}"),
            OutlookOleAttachment { name } => format!("attachment {name}: an OLE object stored in Outlook's own format"),
            Ole1NoHeader { object } => format!("{object}: embedded object data without an OLE1 header"),
            LinkedObject { object, class } => format!("{object}: a linked {class} object, which points outside the document"),
            ObjectHeaderUnreadable { object, class, format } => format!("{object}: a {class} object whose header cannot be read (format {format})"),
            PackageUnreadable { object } => format!("{object}: a Package object whose file cannot be read"),
            OleDirectoryUnreadable => "an OLE compound file whose directory cannot be read".into(),
            CmsUnreadable { reason } => format!("a CMS (S/MIME, .p7m) structure that cannot be read: {reason}"),
            ZipPolyglot { mime } => format!("the file reads as {mime} and also as a ZIP archive (a polyglot): archive tools open the ZIP"),
            ZipDirectoryDisagrees { directory_only } => format!("the central directory and the local headers disagree (directory only: {})", list(directory_only)),
            ZipLocalOnly { count, entries } => format!(
                "{count} entries are seen by readers that walk the local headers (7-Zip) but not in the central directory others read: {}",
                entries.iter().map(|e| format!("{} (offset {})", e.name, e.offset)).collect::<Vec<_>>().join(", ")
            ),
            DuplicateEntry { name } => format!("two entries are named {name:?}: readers that key entries by name, or extract one over the other, keep one"),
            GzipMembers { count } => format!("the gzip file has {count} members: gunzip writes them one after the other, some tools read only the first"),
            GzipStoredName { stored, saved } => format!("the gzip header names the file {stored:?}, gunzip saves it as {saved:?}"),
            GzipTrailing { bytes } => format!("{bytes} bytes follow the last gzip member: gunzip ignores them, other tools open them"),
            TarAfterEnd => "data follows the tar end-of-archive marker: tar stops there, tar --ignore-zeros and other tools read on".into(),
            Unparsable => "the message has no parsable header or body".into(),
            NestedUnparsable { part } => format!("part {part}: a nested message that cannot be parsed"),
            DuplicateParameter { part, header, parameter } => format!("part {part}: {header} gives `{parameter}` twice"),
            Rfc2231Continuations { part, header, parameter } => format!("part {part}: {header} `{parameter}*N` continuations repeat or skip a number"),
            Rfc2231BothForms { part, header, parameter } => format!("part {part}: {header} has both `{parameter}*` and `{parameter}*0`"),
            Rfc2231Disagrees { part, header, parameter, plain, decoded } => format!("part {part}: {header} `{parameter}=\"{plain}\"` but RFC 2231 `{parameter}*` says \"{decoded}\""),
            NulInHeaders { part } => format!("part {part}: NUL byte in the headers"),
            NulInBody { part } => format!("part {part}: NUL byte in a body that is not base64"),
            DuplicateHeader { part, header, count } => format!("part {part}: {count} {header} headers"),
            MultipartWithoutBoundary { part, mime } => format!("part {part}: {mime} without a boundary parameter"),
            MessagePartial { part } => format!("part {part}: message/partial fragment"),
            UnknownTransferEncoding { part, value } => format!("part {part}: Content-Transfer-Encoding `{value}`"),
            Base64ByteOutside { part, byte, offset } => format!("part {part}: byte 0x{byte:02x} outside the base64 alphabet (offset {offset})"),
            Base64AfterPadding { part, offset } => format!("part {part}: base64 data continues after the padding (offset {offset})"),
            BareCr { offset } => format!("bare CR at offset {offset}"),
            BareLf { offset } => format!("bare LF at offset {offset} in a message with CRLF line ends"),
            BoundaryOverlaps { part, boundary, outer } => format!("part {part}: boundary \"{boundary}\" overlaps the enclosing boundary \"{outer}\""),
            MissingClosingBoundary { part, boundary } => format!("part {part}: no closing --{boundary}-- line"),
            MultipartEncoded { part, encoding } => format!("part {part}: a multipart declares Content-Transfer-Encoding: {encoding}, which RFC 2045 §6.4 forbids; readers that decode it see other parts"),
            HeadersRunIntoBody { part } => format!("part {part}: its headers run into its body with no blank line; readers differ on where the body starts"),
            HiddenInEdge { part, edge, what } => format!(
                "part {part}: the multipart {} holds {}",
                match edge { Edge::Preamble => "preamble", Edge::Epilogue => "epilogue" },
                match what {
                    Hidden::MimeHeaders => "MIME headers",
                    Hidden::DelimiterLine => "a delimiter-like line",
                    Hidden::EncodedRun => "a long run of encoded data",
                    Hidden::EncodedData => "encoded data",
                    Hidden::LongText => "more than 4 KiB of text",
                }
            ),
            UndeclaredInText { part, delimiter } => format!(
                "part {part}: the text holds {} that no header declares; lenient readers show them as attachments",
                match delimiter { Some(d) => format!("MIME parts (delimiter \"--{d}\")"), None => "part headers".into() }
            ),
            ConflictingFilename { part, name, filename } => format!("part {part}: Content-Type name \"{name}\" but Content-Disposition filename \"{filename}\""),
            Clamav { signature } => format!("ClamAV: {signature}"),
            ClamavNoVerdict { reason } => format!("ClamAV gave no verdict ({reason}); held rather than delivered unscanned"),
            NoSingleFrom { addresses } => format!("the From: field does not name one single mailbox ({addresses} address(es) among its entries; several entries or fields, a group, or a name without an address): its sender cannot be told (RFC 5322 §3.6.2, RFC 7489 §6.6.1)"),
            DmarcFailed { domain, policy } => format!("the From: domain {domain} failed DMARC (neither SPF nor DKIM passed aligned with it) and its record asks to {policy} such mail; check with the sender by phone"),
            OwnDomainUnauthenticated { domain } => format!("the From: domain {domain} is one of ours, but the message came from outside without passing SPF or DKIM for it"),
            DisplayNameShows { known, domain } => format!("the From: display name shows an address of {known}, but the address is at {domain}"),
            LookalikeSkeleton { domain, known } => format!("the From: domain {domain} reads like {known} (the same letters, or letters that look the same)"),
            LookalikeEdits { domain, known, edits } => format!("the From: domain {domain} is {edits} character(s) away from {known}"),
            LookalikeInside { domain, known } => format!("the From: domain {domain} carries the name {known} inside another domain"),
        }
    }
}

fn kind_fr(k: FileKind) -> &'static str {
    match k {
        FileKind::Program => "un programme",
        FileKind::Script => "un script",
        FileKind::Shortcut => "un raccourci Windows",
        FileKind::DiskImage => "une image disque",
        FileKind::OneNote => "un document OneNote",
    }
}

fn kind_en(k: FileKind) -> &'static str {
    match k {
        FileKind::Program => "a program",
        FileKind::Script => "a script",
        FileKind::Shortcut => "a Windows shortcut",
        FileKind::DiskImage => "a disk image",
        FileKind::OneNote => "a OneNote document",
    }
}

/// What Windows does with a file of extension `ext`, in French
/// ([`crate::dangerous`]); a neutral phrase for an extension not listed.
fn ext_fr(ext: &str) -> &'static str {
    crate::dangerous::by_extension(&ext.to_ascii_lowercase())
        .map_or("un type de fichier que Windows exécute", |t| t.what_fr)
}

/// The same in English.
fn ext_en(ext: &str) -> &'static str {
    crate::dangerous::by_extension(&ext.to_ascii_lowercase())
        .map_or("a file type Windows runs", |t| t.what)
}

/// Reads a stored `sentence` leniently: a key this build does not know (a
/// report written by a newer node sharing the store) or damaged arguments
/// give `None`, and the finding falls back to its stored `detail`.
pub(crate) fn lenient<'de, D>(d: D) -> Result<Option<Sentence>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sentence of every key.
    fn samples() -> Vec<Sentence> {
        use Sentence::*;
        let s = |x: &str| x.to_string();
        vec![
            NotAnalysedSize {
                size: 30,
                per_object: 20,
                per_message: 40,
            },
            NotAnalysedTime { seconds: 30 },
            TimeLimit {
                during: Stage::ArchiveEntries,
            },
            PastBudget { cap: Some(10) },
            StreamPastBudget {
                stream: s("Root/Data"),
            },
            RtfObjectCut { number: 2 },
            EncryptionCheckPastBudget,
            RatioExceeded {
                expanded: 1000,
                packed: 1,
                limit: 100,
            },
            TooManyObjects {
                limit: 5,
                of: Counted::Attachments,
            },
            NestedTooDeep {
                limit: 3,
                of: Nested::Messages,
            },
            TooManyMimeParts { limit: 100 },
            MimeTooDeep { limit: 20 },
            SevenZipMemory { mib: 64 },
            ScannerFailed,
            YaraError { reason: s("boom") },
            YaraRule {
                rule: s("r"),
                description: None,
                description_fr: None,
            },
            ContentIs {
                what: FileKind::Program,
                mime: s("application/x-dosexec"),
            },
            DangerousContent {
                ext: s("rdp"),
                mime: s("application/x-rdp"),
            },
            CompiledHelp,
            DiskImageContent {
                mime: s("application/x-iso9660-image"),
            },
            OneNoteContent,
            VbaProject,
            VbaProjectBin {
                mime: s("application/vnd.ms-word.document.macroEnabled.12"),
            },
            OdfMacroModule {
                module: s("Basic/Standard/Module1.xml"),
            },
            HtmlBlobDecoded {
                sink: s("new Blob("),
                decoder: s("atob("),
            },
            HtmlBlobBase64 {
                sink: s("new Blob("),
            },
            HtmlDataUriDownload,
            SvgActive {
                marker: s("<script"),
            },
            PdfJavaScript {
                name: s("/JS"),
                on_open: true,
            },
            PdfLaunch,
            EquationEditor {
                object: s("Equation.3"),
            },
            BidiControls {
                codes: vec![s("U+202E")],
            },
            DoubleExtension {
                shown: s("pdf"),
                real: s("exe"),
            },
            DangerousExtension { ext: s("exe") },
            ExtensionOf {
                ext: s("iso"),
                what: FileKind::DiskImage,
            },
            NamedButIs {
                ext: s("pdf"),
                mime: s("application/zip"),
            },
            DeclaredButIs {
                declared: s("image/png"),
                mime: s("application/zip"),
            },
            InName {
                role: NameRole::NtfsStream,
                name: s("a.exe"),
                inner: Box::new(DangerousExtension { ext: s("exe") }),
            },
            EntryEncrypted,
            SevenZipEncrypted,
            OfficeEncrypted {
                storage: None,
                evidence: vec![s("EncryptedPackage")],
            },
            OdfEncrypted {
                entries: 2,
                names: vec![s("content.xml")],
            },
            PdfEncrypted { streams: 1 },
            EncryptedFor {
                format: s("S/MIME enveloped-data"),
            },
            UnopenableArchive {
                mime: s("application/x-rar"),
            },
            ArchiveDamaged {
                format: s("tar"),
                reason: None,
            },
            EntryUnreadable {
                entry: s("3"),
                reason: s("bad"),
            },
            EntryUndecompressable {
                reason: s("bad"),
                method: None,
            },
            EntryUnsupported {
                method: s("99"),
                reason: None,
            },
            ArchiveMethodUnsupported {
                format: s("7z"),
                method: s("PPMD"),
            },
            PdfStreamUndecodable {
                what: PdfStream::ObjectStream,
                filters: vec![s("/FlateDecode")],
                reason: s("bad"),
            },
            PdfEmbeddedUndecodable {
                object: 7,
                reason: s("bad"),
            },
            StreamUnreadable {
                stream: s("__substg1.0_1000001F"),
                reason: s("bad"),
            },
            CompressedRtf { reason: s("bad") },
            OutlookOleAttachment { name: s("x") },
            Ole1NoHeader {
                object: s("Ole10Native"),
            },
            LinkedObject {
                object: s("x"),
                class: s("Word.Document.8"),
            },
            ObjectHeaderUnreadable {
                object: s("x"),
                class: s("Package"),
                format: 2,
            },
            PackageUnreadable { object: s("x") },
            OleDirectoryUnreadable,
            CmsUnreadable { reason: s("bad") },
            ZipPolyglot {
                mime: s("image/png"),
            },
            ZipDirectoryDisagrees {
                directory_only: vec![s("a.txt")],
            },
            ZipLocalOnly {
                count: 1,
                entries: vec![LocalEntry {
                    name: s("b.exe"),
                    offset: 40,
                }],
            },
            DuplicateEntry { name: s("a.txt") },
            GzipMembers { count: 2 },
            GzipStoredName {
                stored: s("a.exe"),
                saved: s("a"),
            },
            GzipTrailing { bytes: 9 },
            TarAfterEnd,
            Unparsable,
            NestedUnparsable { part: s("2") },
            DuplicateParameter {
                part: s("2"),
                header: s("Content-Type"),
                parameter: s("boundary"),
            },
            Rfc2231Continuations {
                part: s("2"),
                header: s("Content-Disposition"),
                parameter: s("filename"),
            },
            Rfc2231BothForms {
                part: s("2"),
                header: s("Content-Disposition"),
                parameter: s("filename"),
            },
            Rfc2231Disagrees {
                part: s("2"),
                header: s("Content-Disposition"),
                parameter: s("filename"),
                plain: s("a.pdf"),
                decoded: s("a.exe"),
            },
            NulInHeaders { part: s("2") },
            NulInBody { part: s("2") },
            DuplicateHeader {
                part: s("2"),
                header: s("Content-Type"),
                count: 2,
            },
            MultipartWithoutBoundary {
                part: s("2"),
                mime: s("multipart/mixed"),
            },
            MessagePartial { part: s("2") },
            UnknownTransferEncoding {
                part: s("2"),
                value: s("x-uue"),
            },
            Base64ByteOutside {
                part: s("2"),
                byte: 0x21,
                offset: 4,
            },
            Base64AfterPadding {
                part: s("2"),
                offset: 8,
            },
            BareCr { offset: 1 },
            BareLf { offset: 1 },
            BoundaryOverlaps {
                part: s("2"),
                boundary: s("ab"),
                outer: s("a"),
            },
            MissingClosingBoundary {
                part: s("2"),
                boundary: s("b"),
            },
            MultipartEncoded {
                part: s("2"),
                encoding: s("base64"),
            },
            HeadersRunIntoBody { part: s("2") },
            HiddenInEdge {
                part: s("0"),
                edge: Edge::Epilogue,
                what: Hidden::EncodedData,
            },
            UndeclaredInText {
                part: s("1"),
                delimiter: Some(s("b")),
            },
            ConflictingFilename {
                part: s("2"),
                name: s("a.pdf"),
                filename: s("a.exe"),
            },
            Clamav {
                signature: s("Eicar-Signature"),
            },
            ClamavNoVerdict {
                reason: s("connection refused"),
            },
            NoSingleFrom { addresses: 2 },
            DmarcFailed {
                domain: s("example.com"),
                policy: s("reject"),
            },
            OwnDomainUnauthenticated {
                domain: s("ville-exemple.fr"),
            },
            DisplayNameShows {
                known: s("ville-exemple.fr"),
                domain: s("evil.test"),
            },
            LookalikeSkeleton {
                domain: s("vi11e-exemple.fr"),
                known: s("ville-exemple.fr"),
            },
            LookalikeEdits {
                domain: s("ville-exemples.fr"),
                known: s("ville-exemple.fr"),
                edits: 1,
            },
            LookalikeInside {
                domain: s("ville-exemple.fr.evil.test"),
                known: s("ville-exemple.fr"),
            },
        ]
    }

    /// The variants of `Sentence`, counted in this file's source.
    fn variants_in_source() -> usize {
        let src = include_str!("sentence.rs");
        let start = src.find("pub enum Sentence {").unwrap();
        let body = &src[start..];
        let end = body.find("\n}\n").unwrap();
        body[..end]
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                l.starts_with("    ")
                    && !l.starts_with("     ")
                    && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            })
            .count()
    }

    #[test]
    fn every_key_has_a_sample() {
        let samples = samples();
        let mut keys: Vec<String> = samples.iter().map(Sentence::key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), samples.len(), "two samples of one key");
        assert_eq!(
            keys.len(),
            variants_in_source(),
            "a key of Sentence has no sample in tests::samples"
        );
    }

    #[test]
    fn every_key_renders_in_both_languages() {
        for s in samples() {
            let (fr, en) = (s.fr(), s.en());
            assert!(!fr.trim().is_empty(), "{} has no French", s.key());
            assert!(!en.trim().is_empty(), "{} has no English", s.key());
            assert_ne!(fr, en, "{}: the French is the English", s.key());
            assert!(!s.key().is_empty());
        }
    }

    #[test]
    fn serialised_as_key_and_args_and_back() {
        for s in samples() {
            let v = serde_json::to_value(&s).unwrap();
            assert!(v["key"].is_string(), "{v}");
            let back: Sentence = serde_json::from_value(v).unwrap();
            assert_eq!(back, s);
        }
        let v = serde_json::to_value(Sentence::VbaProjectBin { mime: "m".into() }).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"key": "vba_project_bin", "args": {"mime": "m"}})
        );
        let v = serde_json::to_value(Sentence::EntryEncrypted).unwrap();
        assert_eq!(v, serde_json::json!({"key": "entry_encrypted"}));
    }

    #[test]
    fn a_finding_stored_with_its_detail_only_still_reads() {
        use crate::report::{Finding, FindingKind};
        // As a report written before sentences sits in sled or PostgreSQL.
        let old = r#"{"kind":"ooxml_macros","category":"macro","detail":"the document has a vbaProject.bin macro project (application/vnd.ms-word.document.macroEnabled.12)"}"#;
        let f: Finding = serde_json::from_str(old).unwrap();
        assert_eq!(f.kind, FindingKind::OoxmlMacros);
        assert_eq!(f.sentence, None);
        assert_eq!(f.fr(), None, "no French invented for a stored English text");
        assert!(f.en().starts_with("the document has a vbaProject.bin"));
        // A key a newer build wrote, unknown here: the stored text is shown.
        let newer = r#"{"kind":"ooxml_macros","category":"macro","detail":"stored text","sentence":{"key":"from_the_future","args":{"x":1}}}"#;
        let f: Finding = serde_json::from_str(newer).unwrap();
        assert_eq!(f.sentence, None);
        assert_eq!(f.en(), "stored text");
        // A new finding keeps both, and reads back the same.
        let new = Finding::new(
            FindingKind::OoxmlMacros,
            Sentence::VbaProjectBin { mime: "m".into() },
        );
        let json = serde_json::to_string(&new).unwrap();
        assert!(
            json.contains(r#""detail":"the document has a vbaProject.bin macro project (m)""#),
            "{json}"
        );
        assert!(
            json.contains(r#""sentence":{"key":"vba_project_bin","args":{"mime":"m"}}"#),
            "{json}"
        );
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, new);
        assert_eq!(
            back.fr().unwrap(),
            "le document contient un projet de macros vbaProject.bin (m)"
        );
    }

    #[test]
    fn an_encrypted_document_is_no_archive() {
        use crate::report::{Category, Finding, FindingKind};
        let f = Finding::new(
            FindingKind::EncryptedDocument,
            Sentence::PdfEncrypted { streams: 2 },
        );
        assert_eq!(f.category, Category::EncryptedArchive, "policies unchanged");
        assert_eq!(f.label_fr(), "document protégé par mot de passe");
        assert_eq!(f.label_en(), "password-protected document");
        assert!(
            f.fr()
                .unwrap()
                .starts_with("document PDF protégé par mot de passe")
        );
        let entry = Finding::new(FindingKind::EncryptedArchive, Sentence::EntryEncrypted);
        assert_eq!(entry.label_fr(), "archive protégée par mot de passe");
        let c = Category::EncryptedArchive;
        assert_eq!(
            c.label_fr_for("application/pdf"),
            "document protégé par mot de passe"
        );
        assert_eq!(
            c.label_fr_for("application/x-ole-storage"),
            "document protégé par mot de passe"
        );
        assert_eq!(
            c.label_fr_for("application/zip"),
            "archive protégée par mot de passe"
        );
        assert_eq!(
            Category::Macro.label_fr_for("application/pdf"),
            Category::Macro.label_fr()
        );
    }

    #[test]
    fn arguments_are_data_not_translated() {
        let s = Sentence::DuplicateEntry {
            name: "<b>facture</b>.exe".into(),
        };
        assert!(s.fr().contains("<b>facture</b>.exe"));
        assert!(s.en().contains("<b>facture</b>.exe"));
    }
}
