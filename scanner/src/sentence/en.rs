//! The English of every sentence, kept in a finding's `detail` for logs and
//! JSON consumers. An exhaustive match: a new key does not compile without it.

use super::{Counted, Edge, FileKind, Hidden, NameRole, Nested, PdfStream, Sentence, Stage, list};
use crate::dangerous;
use std::fmt::Write as _;

impl Sentence {
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
                Stage::Page => "the scan time ran out before the page was read to its end".into(),
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
                Counted::PdfObjects => format!("more than {limit} objects in the PDF; the rest were not read"),
                Counted::PdfValues => format!("a PDF object has more than {limit} values; the rest was not read"),
            },
            NestedTooDeep { limit, of } => match of {
                Nested::Archives => format!("archives nested more than {limit} levels deep were not opened"),
                Nested::Messages => format!("attached messages nested more than {limit} levels deep were not opened"),
                Nested::PdfValues => format!("PDF values nested more than {limit} levels deep were not read"),
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
            SvgForeignHtml { element } => format!("the SVG image holds a web page (`<{element}>` in a <foreignObject>), which the browser shows when it is opened"),
            PageReaches { scheme, target, via } => format!("the page {} \"{target}\": {}", page_via_en(*via), page_reach_en(scheme)),
            PasswordFormTo { host } => format!("the page asks for a password and sends it to {host}, neither a domain of the organisation nor a partner's"),
            PasswordToScript => "the page asks for a password with no visible address to send it to: a script takes it".into(),
            PageWritesHidden { decoder } => format!("the page writes itself from text encoded with {decoder} that can only be read by running it"),
            InWrittenPage { through, inner } => format!("in the page it writes from {through}: {}", inner.en()),
            PageBuildsFile { sink, mime, name } => format!("the page builds a file{} ({mime}) with {sink} and offers to save it", name.as_ref().map(|n| format!(" \"{n}\"")).unwrap_or_default()),
            PdfJavaScript { name, on_open } => format!("the PDF contains JavaScript ({name}){}", if *on_open { ", run by an /OpenAction or /AA trigger" } else { "" }),
            PdfLaunch => "the PDF has a /Launch action that starts a program".into(),
            PdfAction { action, trigger, target } => format!(
                "the PDF {}{}, {}",
                match action {
                    super::PdfActionKind::JavaScript => "runs JavaScript (a /JavaScript action)",
                    super::PdfActionKind::Rendition => "runs JavaScript (a /Rendition action)",
                    super::PdfActionKind::Launch => "starts a program or opens a file (a /Launch action)",
                    super::PdfActionKind::GoToRemote => "opens another document (a /GoToR action)",
                    super::PdfActionKind::GoToEmbedded => "opens an embedded or remote document (a /GoToE action)",
                    super::PdfActionKind::ImportData => "imports form data from a file (an /ImportData action)",
                    super::PdfActionKind::SubmitForm => "sends its form's data (a /SubmitForm action)",
                    super::PdfActionKind::Uri => "opens a network path, a file or a protocol handler (a /URI action)",
                },
                target.as_ref().map(|t| format!(": \"{t}\"")).unwrap_or_default(),
                match trigger {
                    super::PdfTrigger::Open => "when the document opens",
                    super::PdfTrigger::DocumentEvent => "on a document event (closing, saving, printing)",
                    super::PdfTrigger::Page => "when a page opens or closes",
                    super::PdfTrigger::FormField => "from a form field",
                    super::PdfTrigger::Annotation => "from an annotation or a link (a click, the mouse over it)",
                    super::PdfTrigger::Outline => "from a bookmark",
                    super::PdfTrigger::Unreferenced => "with no trigger found",
                }
            ),
            PdfXfaScript { content_type, activity } => format!(
                "the PDF's XFA form holds a script run as JavaScript ({}){}",
                content_type.as_deref().unwrap_or("no type given"),
                activity.as_ref().map(|a| format!(", on the \"{a}\" event")).unwrap_or_default()
            ),
            EquationEditor { object } => format!("an Equation Editor object ({object}), the class of CVE-2017-11882"),
            ExternalRelationship { part, relationship, target, reach } => format!(
                "{part}: the {relationship} relationship fetches \"{target}\" from outside the document when it opens: {}",
                match reach {
                    super::Reach::LoadedObject => "an OLE object, a package or a frame loaded from outside (the Follina technique, CVE-2022-30190)",
                    super::Reach::NetworkPath => "a network path (UNC or WebDAV) to an IP address or an outside server, to which Windows sends the reader's password hash (NTLM)",
                    super::Reach::PlainHttp => "over plain http",
                    super::Reach::IpAddress => "from an IP address",
                    super::Reach::MacroTemplate => "a template or a document that can carry macros",
                    super::Reach::OtherScheme => "by a scheme other than https",
                }
            ),
            PptVbaProject { offset } => format!("the presentation has a VBA macro project in its PowerPoint Document stream (VBAInfoContainer at byte {offset})"),
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
                match what { PdfStream::EmbeddedFile => "embedded file", PdfStream::ObjectStream => "object stream", PdfStream::XfaForm => "XFA form" },
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
            RelationshipsUnreadable { part, reason } => format!("{part}: a relationships part of the Office document that cannot be read ({reason})"),
            ActiveMimeUnreadable { reason } => format!("ActiveMime data (editdata.mso, binData) whose compressed content cannot be read: {reason}"),
            PptStorageUnreadable { offset, reason } => format!("an OLE object of the PowerPoint Document stream (at byte {offset}) cannot be decompressed: {reason}"),
            CmsUnreadable { reason } => format!("a CMS (S/MIME, .p7m) structure that cannot be read: {reason}"),
            ZipPolyglot { mime } => format!("the file reads as {mime} and also as a ZIP archive (a polyglot): archive tools open the ZIP"),
            ZipDirectoryDisagrees { directory_only } => format!("the central directory and the local headers disagree (directory only: {})", list(directory_only)),
            ZipLocalOnly { count, entries } => format!(
                "{count} entries are seen by readers that walk the local headers (7-Zip) but not in the central directory others read: {}",
                entries.iter().map(|e| format!("{} (offset {})", e.name, e.offset)).collect::<Vec<_>>().join(", ")
            ),
            ZipEndRecordsDisagree { classic_offset, classic_entries, zip64_offset, zip64_entries } => format!("the classic and the ZIP64 end records point at different central directories ({classic_entries} entries at offset {classic_offset}, {zip64_entries} entries at offset {zip64_offset}): the archive's content depends on the tool"),
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

fn kind_en(k: FileKind) -> &'static str {
    match k {
        FileKind::Program => "a program",
        FileKind::Script => "a script",
        FileKind::Shortcut => "a Windows shortcut",
        FileKind::DiskImage => "a disk image",
        FileKind::OneNote => "a OneNote document",
    }
}

/// What Windows does with a file of extension `ext`, in English
/// ([`crate::dangerous`]); a neutral phrase for an extension not listed.
fn ext_en(ext: &str) -> &'static str {
    dangerous::by_extension(&ext.to_ascii_lowercase())
        .map_or("a file type Windows runs", |t| t.what)
}

/// How a page reaches an address, as the verb of an English sentence.
fn page_via_en(via: super::Via) -> &'static str {
    match via {
        super::Via::Link => "links to",
        super::Via::Refresh => "redirects itself to",
        super::Via::Form => "sends its form to",
        super::Via::Frame => "opens in a frame",
        super::Via::Resource => "loads",
        super::Via::Script => "has a script that goes to",
    }
}

/// What a protocol handler, a `file:` URL or a network path does, in English.
fn page_reach_en(scheme: &str) -> String {
    match scheme {
        "" => "a network share (UNC or WebDAV) to which Windows sends the hash of the agent's password (NTLM)".into(),
        "file" => "a file Windows opens on the computer or over the network".into(),
        "search-ms" | "search" => "Windows Search, which shows a remote folder in Explorer as search results".into(),
        "ms-msdt" => "the Windows diagnostic tool, which runs commands (Follina, CVE-2022-30190)".into(),
        "ms-officecmd" => "a command that starts an Office application".into(),
        "ms-appinstaller" => "the Windows app installer".into(),
        s => format!("the {s}: protocol, which opens a document from elsewhere in Office"),
    }
}
