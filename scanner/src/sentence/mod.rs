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
//! matches, so a new key does not compile without its two texts: the
//! French in `fr.rs`, the English in `en.rs`, a sample in `tests.rs`.
//!
//! The catalogue is a leaf the readers import: it imports nothing of the
//! scanner but the table of dangerous types ([`crate::dangerous`]), whose
//! descriptions of what Windows does with an extension it quotes.

use serde::{Deserialize, Serialize};

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
    /// Object definitions of a PDF (every revision, every object stream).
    PdfObjects,
    /// Values (numbers, names, strings …) of one PDF object.
    PdfValues,
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
    /// Arrays and dictionaries of a PDF object.
    PdfValues,
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
    /// Reading a web page or an SVG image.
    Page,
}

/// How a page reaches an address ([`Sentence::PageReaches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Via {
    /// A link (`<a href>`, `<area href>`, an SVG `xlink:href`).
    Link,
    /// `<meta http-equiv="refresh">`: the page goes there by itself.
    Refresh,
    /// A form's `action`, a button's `formaction`.
    Form,
    /// `<iframe src>`, `<frame src>`, `<object data>`, `<embed src>`.
    Frame,
    /// A resource the page loads (`<img src>`, `<link href>` …).
    Resource,
    /// A script (`location`, `window.open`, a string it holds).
    Script,
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
    /// The XML of an XFA form (`/AcroForm /XFA`).
    XfaForm,
}

/// What a PDF action makes the reader do ([`Sentence::PdfAction`]; ISO
/// 32000-1 §12.6.4, Table 198).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PdfActionKind {
    /// `/JavaScript` (or a `/JS` entry): runs JavaScript.
    JavaScript,
    /// `/Rendition` with a `/JS` entry: runs JavaScript too.
    Rendition,
    /// `/Launch`: starts a program or opens a file.
    Launch,
    /// `/GoToR`: opens another PDF file, local or on the network.
    GoToRemote,
    /// `/GoToE`: opens a PDF embedded in this one or in another file.
    GoToEmbedded,
    /// `/ImportData`: imports form data from a file.
    ImportData,
    /// `/SubmitForm`: sends the form's data to an address.
    SubmitForm,
    /// `/URI` to a network path (UNC, `file:`) or a protocol handler.
    Uri,
}

/// Where a PDF action is reached from ([`Sentence::PdfAction`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PdfTrigger {
    /// The document's opening: `/OpenAction`, or the document-level
    /// scripts of the `/Names` dictionary's `/JavaScript` tree.
    Open,
    /// A document event of the catalogue's `/AA` (closing, saving, printing).
    DocumentEvent,
    /// A page's `/AA` (the page opened or closed).
    Page,
    /// A form field's `/A` or `/AA` (a click, a keystroke, a value computed).
    FormField,
    /// An annotation's `/A` or `/AA` (a link clicked, the mouse over it).
    Annotation,
    /// A bookmark (outline item) clicked.
    Outline,
    /// Nothing the scanner names refers to it: held all the same.
    Unreferenced,
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

/// Why a relationship of an Office Open XML package that points outside
/// the document is held ([`Sentence::ExternalRelationship`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reach {
    /// An OLE object, a package or a frame loaded from outside when the
    /// document opens (Follina, CVE-2022-30190; CVE-2021-40444).
    LoadedObject,
    /// A UNC or WebDAV path (or `file://host/…`) to an IP address or a
    /// dotted host name: Windows sends the reader's NTLM hash to it.
    NetworkPath,
    /// A template, a subdocument or an image fetched over plain `http`.
    PlainHttp,
    /// A template, a subdocument or an image fetched from an IP address.
    IpAddress,
    /// A template or a document that can carry macros (`.dotm`, `.dot`,
    /// `.xltm`, `.potm`, `.docm` …, or no extension), fetched from
    /// outside (MITRE ATT&CK T1221).
    MacroTemplate,
    /// A scheme other than `https` (`ftp:`, `mhtml:`, an `ms-…:` protocol
    /// handler …).
    OtherScheme,
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
    /// An SVG whose `<foreignObject>` holds an HTML page (`element`: its
    /// first HTML element, as written).
    SvgForeignHtml { element: String },
    /// A page (HTML or SVG) that reaches outside by itself: a Windows
    /// protocol handler (`scheme`, lower case), a `file:` URL (`scheme`
    /// is `file`) or a network path (`scheme` empty), `via` a link, a
    /// refresh, a form, a frame, a resource or a script.
    PageReaches {
        scheme: String,
        target: String,
        via: Via,
    },
    /// A form with a password field that posts to `host`, none of the
    /// organisation's domains nor its partners'.
    PasswordFormTo { host: String },
    /// A password field whose form posts nowhere a browser would go: a
    /// script takes what is typed.
    PasswordToScript,
    /// A page that writes itself (`document.write`, `innerHTML` …) from
    /// text encoded with `decoder`, which cannot be read without running it.
    PageWritesHidden { decoder: String },
    /// A finding about the page a page writes or holds: `through` is the
    /// decoder (`atob` …) or the way (`document.write`, `iframe srcdoc`).
    InWrittenPage {
        through: String,
        inner: Box<Sentence>,
    },
    /// A page that builds a file with `sink` (`new Blob` …) whose bytes
    /// are of type `mime`, saved as `name` when the page names it.
    PageBuildsFile {
        sink: String,
        mime: String,
        name: Option<String>,
    },
    /// A PDF with JavaScript, run on opening when `on_open`.
    PdfJavaScript { name: String, on_open: bool },
    /// A PDF with a `/Launch` action.
    PdfLaunch,
    /// A PDF action that runs code or reaches outside, where it is reached
    /// from, and its target (a program, a file, an address) when it names one.
    PdfAction {
        action: PdfActionKind,
        trigger: PdfTrigger,
        target: Option<String>,
    },
    /// A `<script>` of a PDF's XFA form that runs as JavaScript: its
    /// `contentType` and the `activity` of its `<event>`, when given.
    PdfXfaScript {
        content_type: Option<String>,
        activity: Option<String>,
    },
    /// An Equation Editor OLE object.
    EquationEditor { object: String },
    /// A relationship of an Office Open XML package (`part`, a `.rels`
    /// part) of type `relationship` (the last segment of its `Type`) whose
    /// `target` lies outside the document, and why it is held.
    ExternalRelationship {
        part: String,
        relationship: String,
        target: String,
        reach: Reach,
    },
    /// A presentation whose `PowerPoint Document` stream declares a VBA
    /// project that holds data (a `VBAInfoContainer` whose `VBAInfoAtom`
    /// has `fHasMacros` = 1, [MS-PPT] §2.4.10), the atom at `offset` bytes
    /// into the stream.
    PptVbaProject { offset: u64 },
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
    /// A relationships part (`.rels`) of an Office package that cannot be
    /// parsed as XML.
    RelationshipsUnreadable { part: String, reason: String },
    /// ActiveMime data (an MHTML `editdata.mso`, a Word 2003 XML
    /// `w:binData`) whose compressed content cannot be read.
    ActiveMimeUnreadable { reason: String },
    /// A record of a `PowerPoint Document` stream at `offset` that holds
    /// an OLE storage (`ExOleObjStg`, a VBA project, an ActiveX control)
    /// that cannot be decompressed.
    PptStorageUnreadable { offset: u64, reason: String },
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
    /// The classic and the ZIP64 end records point at different central directories (offsets in the bytes, entries each gives).
    ZipEndRecordsDisagree {
        classic_offset: u64,
        classic_entries: u64,
        zip64_offset: u64,
        zip64_entries: u64,
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

/// A list of names, comma-separated.
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

mod en;
mod fr;

#[cfg(test)]
mod tests;
