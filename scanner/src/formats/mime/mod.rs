//! The MIME walk: every leaf part of the message, nested `message/rfc822`
//! parts at any depth, multipart preambles and epilogues, and what text
//! hides ([`crate::formats::mime::hidden`]: uuencoded blocks, base64 runs, undeclared
//! MIME structure), each handed to the [`Walker`].
//!
//! `mail-parser` gives the tree; its traps are handled here: a plain nested
//! message's offsets count from the root bytes and an encoded one's from
//! its decoded buffer (both are `Message::raw_message`), and encoded nested
//! messages deeper than three levels come back as bytes that we parse again.

pub(crate) mod ambiguity;
pub(crate) mod hidden;

use crate::decode::lenient_base64;
use crate::report::{Finding, FindingKind, MessageInfo, Part};
use crate::sentence::{Edge, Hidden, Sentence};
use crate::walk::{Object, Walker};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// Walks a raw message; fills the message-level findings and the parts.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    raw: &[u8],
    findings: &mut Vec<Finding>,
    parts: &mut Vec<Part>,
) -> MessageInfo {
    let lines = ambiguity::check_line_ends(raw, findings);
    let Some(message) = MessageParser::default().parse(raw) else {
        findings.push(Finding::new(
            FindingKind::UnparsableMessage,
            Sentence::Unparsable,
        ));
        w.expanded += raw.len() as u64;
        parts.push(w.inspect(Object {
            path: "1".into(),
            filename: None,
            declared_type: None,
            bytes: raw,
            depth: 0,
            is_file: true,
        }));
        return MessageInfo::default();
    };
    let originator = crate::originator::originator(&message);
    let info = MessageInfo {
        from: originator.text,
        from_address: originator.address,
        subject: message.subject().map(str::to_string),
        date: message.date().map(|d| d.to_rfc3339()),
        message_id: message.message_id().map(str::to_string),
        sender_auth: None,
    };
    let mut state = State {
        root: Some(raw),
        findings,
        parts,
        ancestors: Vec::new(),
        limit_reported: false,
        archive_depth: 0,
        lines,
    };
    state.visit(w, &message, 0, String::new(), true, 0);
    info
}

/// Walks an object whose bytes are an RFC 5322 message (an `.eml`
/// attachment, an archive entry, a `.msg` body, the content of an S/MIME
/// signature) as a message one container level below it: its parts become
/// `children` (paths `<object>/1`, `<object>/2.1` …), its structural
/// findings go to `findings`. The MIME part budget is the message's own,
/// shared; the archive depth goes on from the object's.
pub(crate) fn walk_nested(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    walk_nested_bytes(w, obj, obj.bytes, findings, children);
}

/// Walks `entity` (the bytes as another reader sees them: decoded, or
/// with the structure it finds declared) as a nested message under
/// `path`, one container level below `depth`; false, with a depth
/// finding, when that level is past `max_archive_depth`.
fn walk_reading(
    w: &mut Walker<'_>,
    findings: &mut Vec<Finding>,
    depth: usize,
    path: String,
    entity: &[u8],
    out: &mut Vec<Part>,
) -> bool {
    let holder = Object {
        path,
        filename: None,
        declared_type: None,
        bytes: &[],
        depth,
        is_file: false,
    };
    if !w.enter(&holder, findings) {
        return false;
    }
    // Another reader's view: what ClamAV's own MIME reading may not reach.
    let outer = std::mem::replace(&mut w.clamav_reaches, false);
    walk_nested_bytes(w, &holder, entity, findings, out);
    w.clamav_reaches = outer;
    true
}

/// [`walk_nested`] for message bytes that are not the object's own (the
/// content taken out of a CMS structure, a `.msg` rebuilt as MIME).
pub(crate) fn walk_nested_bytes(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    bytes: &[u8],
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let lines = ambiguity::check_line_ends(bytes, findings);
    let Some(message) = MessageParser::default().parse(bytes) else {
        findings.push(Finding::new(
            FindingKind::UnparsableMessage,
            Sentence::NestedUnparsable {
                part: obj.path.clone(),
            },
        ));
        return;
    };
    let mut state = State {
        root: None,
        findings,
        parts: children,
        ancestors: Vec::new(),
        limit_reported: false,
        archive_depth: obj.depth + 1,
        lines,
    };
    state.visit(w, &message, 0, format!("{}/", obj.path), true, 0);
}

struct State<'a> {
    /// The raw message: parts of a message whose buffer is this one have
    /// offsets in it and get a [`Part::span`]. `None` for a message found
    /// inside an object, whose parts the gateway never cuts out.
    root: Option<&'a [u8]>,
    findings: &'a mut Vec<Finding>,
    parts: &'a mut Vec<Part>,
    /// Boundaries of the enclosing multiparts.
    ancestors: Vec<Vec<u8>>,
    limit_reported: bool,
    /// Container levels above this message (0 for the message received).
    archive_depth: usize,
    /// The line-end pass over the message's bytes: the lines that start
    /// with `--` (where the delimiters of multiparts are looked for) and
    /// the blocks of plain base64 (which the base64 check skips).
    lines: ambiguity::LineScan<'a>,
}

fn child_path(path: &str, n: usize) -> String {
    if path.is_empty() || path.ends_with('/') {
        n.to_string()
    } else {
        format!("{path}.{n}")
    }
}

impl State<'_> {
    fn limit(&mut self, said: Sentence) {
        if !self.limit_reported {
            self.limit_reported = true;
            self.findings
                .push(Finding::new(FindingKind::MimeLimitExceeded, said));
        }
    }

    /// Visits part `id` of `msg`. `root` is set for the top part of a
    /// message, whose leaf body is numbered `<path>.1` (or `1`).
    fn visit(
        &mut self,
        w: &mut Walker<'_>,
        msg: &Message<'_>,
        id: usize,
        path: String,
        root: bool,
        depth: usize,
    ) {
        let Some(part) = msg.parts.get(id) else {
            return;
        };
        w.mime_parts += 1;
        if w.mime_parts > w.limits.max_mime_parts {
            self.limit(Sentence::TooManyMimeParts {
                limit: w.limits.max_mime_parts as u64,
            });
            return;
        }
        if depth > w.limits.max_mime_depth {
            self.limit(Sentence::MimeTooDeep {
                limit: w.limits.max_mime_depth as u64,
            });
            return;
        }
        let raw = msg.raw_message.as_ref();
        let (h, b, e) = (
            part.offset_header as usize,
            part.offset_body as usize,
            part.offset_end as usize,
        );
        let label = if path.is_empty() { "0" } else { path.as_str() };
        if let Some(headers) = raw.get(h..b.max(h)) {
            ambiguity::check_headers(headers, label, self.findings);
        }
        let body_raw = raw.get(b..e.max(b)).unwrap_or_default();
        match &part.body {
            PartType::Multipart(children) => {
                let boundary = part
                    .content_type()
                    .and_then(|c| c.attribute("boundary"))
                    .map(|b| b.as_bytes().to_vec())
                    .unwrap_or_default();
                let layout = ambiguity::check_multipart(
                    body_raw,
                    &boundary,
                    &self.ancestors,
                    label,
                    self.findings,
                    self.lines.within(body_raw),
                );
                self.edge(w, &path, "preamble", &body_raw[layout.preamble.clone()]);
                self.ancestors.push(boundary.clone());
                for (n, child) in children.iter().enumerate() {
                    self.visit(
                        w,
                        msg,
                        *child as usize,
                        child_path(&path, n + 1),
                        false,
                        depth + 1,
                    );
                }
                self.ancestors.pop();
                self.edge(w, &path, "epilogue", &body_raw[layout.epilogue.clone()]);
                self.encoded_multipart(w, part, label, &boundary, body_raw);
                self.unterminated_parts(w, label, &layout.delimiters, body_raw);
            }
            PartType::Message(nested) => {
                // A nested message: its own root starts the numbering again.
                let path = if root { child_path(&path, 1) } else { path };
                self.visit(w, nested, 0, path, true, depth + 1);
            }
            _ => {
                let path = if root { child_path(&path, 1) } else { path };
                self.leaf(w, msg, id, path, body_raw, depth);
            }
        }
    }

    /// A preamble or epilogue that holds more than a note is scanned and reported.
    /// A multipart that declares a transfer encoding other than 7bit, 8bit
    /// or binary, which RFC 2045 §6.4 forbids: readers that decode it
    /// anyway see the parts of the decoded body, which are walked too.
    fn encoded_multipart(
        &mut self,
        w: &mut Walker<'_>,
        part: &mail_parser::MessagePart<'_>,
        label: &str,
        boundary: &[u8],
        body_raw: &[u8],
    ) {
        let Some(cte) = part.content_transfer_encoding() else {
            return;
        };
        let cte = cte.trim().to_ascii_lowercase();
        let decoded = match cte.as_str() {
            "base64" => lenient_base64(body_raw),
            "quoted-printable" => {
                mail_parser::decoders::quoted_printable::quoted_printable_decode(body_raw)
                    .unwrap_or_default()
            }
            _ => return,
        };
        self.findings.push(Finding::new(
            FindingKind::HiddenContent,
            Sentence::MultipartEncoded {
                part: label.to_string(),
                encoding: cte.clone(),
            },
        ));
        let mut entity = b"Content-Type: multipart/mixed; boundary=\"".to_vec();
        entity.extend_from_slice(boundary);
        entity.extend_from_slice(b"\"\r\n\r\n");
        entity.extend_from_slice(&decoded);
        w.expanded += decoded.len() as u64;
        let path = format!("{label}.decoded");
        walk_reading(
            w,
            self.findings,
            self.archive_depth,
            path,
            &entity,
            self.parts,
        );
    }

    /// Parts whose header block runs into their body with no blank line
    /// ([`hidden::unterminated_headers`]): the parser may have read the
    /// body as headers and lost it, so each is walked again the way a
    /// reader that starts the body at the first non-header line sees it.
    fn unterminated_parts(
        &mut self,
        w: &mut Walker<'_>,
        label: &str,
        delimiters: &[usize],
        body_raw: &[u8],
    ) {
        for (n, segment) in hidden::multipart_segments(body_raw, delimiters)
            .into_iter()
            .enumerate()
        {
            let Some(at) = hidden::unterminated_headers(segment) else {
                continue;
            };
            let path = child_path(if label == "0" { "" } else { label }, n + 1);
            self.findings.push(Finding::new(
                FindingKind::HiddenContent,
                Sentence::HeadersRunIntoBody {
                    part: path.to_string(),
                },
            ));
            let entity = hidden::as_entity(segment, &hidden::Undeclared::Entity { body: at });
            let path = format!("{path}.lenient");
            if !walk_reading(
                w,
                self.findings,
                self.archive_depth,
                path,
                &entity,
                self.parts,
            ) {
                return;
            }
        }
    }

    /// Readers that show a preamble or epilogue, or decode what it
    /// carries, see it: it is scanned, and what it hides is decoded.
    fn edge(&mut self, w: &mut Walker<'_>, path: &str, which: &str, region: &[u8]) {
        let what = hidden::hidden_content(region).or_else(|| {
            let encoded = !hidden::base64_runs(region).is_empty()
                || crate::detect::encodings::encoded_block_at(region, 0).is_some();
            encoded.then_some(Hidden::EncodedData)
        });
        let Some(what) = what else {
            return;
        };
        let label = if path.is_empty() { "0" } else { path };
        self.findings.push(Finding::new(
            FindingKind::HiddenContent,
            Sentence::HiddenInEdge {
                part: label.to_string(),
                edge: if which == "preamble" {
                    Edge::Preamble
                } else {
                    Edge::Epilogue
                },
                what,
            },
        ));
        w.expanded += region.len() as u64;
        let path = format!("{label}.{which}");
        let mut part = w.inspect(Object {
            path: path.clone(),
            filename: None,
            declared_type: None,
            bytes: region,
            depth: self.archive_depth,
            is_file: false,
        });
        self.hidden_files(w, &path, region, false, &mut part);
        self.parts.push(part);
    }

    /// What a lenient reader could make a file of in `text` (a text body,
    /// a preamble, an epilogue; see [`crate::formats::mime::hidden`]):
    /// base64 runs and, unless the text was already decoded as such,
    /// quoted-printable, each scanned as a child of `into`; MIME
    /// structure that no header declares, walked as a nested message and
    /// reported as `hidden_content`. Uuencoded, yEnc and BinHex files in
    /// any text are read by the walk itself (`formats::encoded`, the
    /// children `inspect` already gave `into`); a decoded run at a path
    /// a child already has (a body that is one base64 file) is not read
    /// twice.
    fn hidden_files(
        &mut self,
        w: &mut Walker<'_>,
        path: &str,
        text: &[u8],
        was_qp: bool,
        into: &mut Part,
    ) {
        let mut decoded: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
        for (n, run) in hidden::base64_runs(text).into_iter().enumerate() {
            decoded.push((
                format!("{path}/base64-{}", n + 1),
                None,
                lenient_base64(&text[run]),
            ));
        }
        if !was_qp
            && hidden::looks_quoted_printable(text)
            && let Some(plain) =
                mail_parser::decoders::quoted_printable::quoted_printable_decode(text)
            && plain != text
        {
            decoded.push((format!("{path}/quoted-printable"), None, plain));
        }
        for (child_path, filename, bytes) in decoded {
            if into.children.iter().any(|c| c.path == child_path) {
                continue;
            }
            if !crate::walk::take_entry(w, self.findings) {
                break;
            }
            w.expanded += bytes.len() as u64;
            // Decoded from text by us: ClamAV may not read it so.
            let outer = std::mem::replace(&mut w.clamav_reaches, false);
            let child = w.inspect(Object {
                path: child_path,
                filename,
                declared_type: None,
                bytes: &bytes,
                depth: self.archive_depth + 1,
                is_file: true,
            });
            w.clamav_reaches = outer;
            into.action = into.action.max(child.action);
            into.children.push(child);
        }
        if let Some(found) = hidden::undeclared_mime(text) {
            let delimiter = match &found {
                hidden::Undeclared::Multipart { boundary, .. } => {
                    Some(String::from_utf8_lossy(boundary).into_owned())
                }
                hidden::Undeclared::Entity { .. } => None,
            };
            self.findings.push(Finding::new(
                FindingKind::HiddenContent,
                Sentence::UndeclaredInText {
                    part: path.to_string(),
                    delimiter,
                },
            ));
            let entity = hidden::as_entity(text, &found);
            let mut children = Vec::new();
            let depth = self.archive_depth;
            walk_reading(
                w,
                self.findings,
                depth,
                path.to_string(),
                &entity,
                &mut children,
            );
            for child in &children {
                into.action = into.action.max(child.action);
            }
            into.children.extend(children);
        }
    }

    fn leaf(
        &mut self,
        w: &mut Walker<'_>,
        msg: &Message<'_>,
        id: usize,
        path: String,
        body_raw: &[u8],
        depth: usize,
    ) {
        let part = &msg.parts[id];
        let content_type = part.content_type();
        let declared = content_type.map(|c| match c.subtype() {
            Some(sub) => format!("{}/{}", c.ctype(), sub).to_ascii_lowercase(),
            None => c.ctype().to_ascii_lowercase(),
        });
        let is_message = declared
            .as_deref()
            .is_some_and(|d| d == "message/rfc822" || d == "message/global");
        let encoding = part.encoding;
        if encoding == mail_parser::Encoding::Base64 || declares_base64(part) {
            ambiguity::check_base64(body_raw, &path, self.findings, Some(&self.lines));
        } else if memchr::memchr(0, body_raw).is_some() {
            self.findings.push(Finding::new(
                FindingKind::NulByte,
                Sentence::NulInBody {
                    part: path.to_string(),
                },
            ));
        }
        // The bytes a reader saves: transfer-decoded, not charset-converted.
        let decoded_text;
        let bytes: &[u8] = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.as_ref(),
            PartType::Text(_) | PartType::Html(_) => {
                decoded_text = match encoding {
                    mail_parser::Encoding::Base64 => {
                        mail_parser::decoders::base64::base64_decode(body_raw)
                    }
                    mail_parser::Encoding::QuotedPrintable => {
                        mail_parser::decoders::quoted_printable::quoted_printable_decode(body_raw)
                    }
                    mail_parser::Encoding::None => None,
                };
                decoded_text.as_deref().unwrap_or(body_raw)
            }
            _ => body_raw,
        };
        // The parser gave up on a body declared base64 (garbage, no final
        // boundary): decode it the lenient way most readers do, skipping
        // what is not in the alphabet, so the content is still judged.
        let lenient;
        let bytes: &[u8] = if part.is_encoding_problem && declares_base64(part) {
            lenient = lenient_base64(body_raw);
            &lenient
        } else {
            bytes
        };
        if is_message {
            // An encoded nested message the parser gave up on (deeper than
            // its own limit): parse it again ourselves, within our depth.
            if let Some(nested) = MessageParser::default().parse(bytes)
                && !nested.parts.is_empty()
            {
                self.visit(w, &nested, 0, path, true, depth + 1);
                return;
            }
            self.findings.push(Finding::new(
                FindingKind::UnparsableMessage,
                Sentence::NestedUnparsable {
                    part: path.to_string(),
                },
            ));
        }
        // A name in Content-Type and another in Content-Disposition: readers
        // differ on which one they show and save under.
        if let (Some(name), Some(filename)) = (
            content_type.and_then(|c| c.attribute("name")),
            part.content_disposition()
                .and_then(|d| d.attribute("filename")),
        ) && name != filename
        {
            self.findings.push(Finding::new(
                FindingKind::ConflictingFilename,
                Sentence::ConflictingFilename {
                    part: path.to_string(),
                    name: name.to_string(),
                    filename: filename.to_string(),
                },
            ));
        }
        let filename = part.attachment_name().map(str::to_string);
        let is_attachment = part
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        let is_file =
            filename.is_some() || is_attachment || matches!(part.body, PartType::Binary(_));
        w.expanded += bytes.len() as u64;
        let is_text = matches!(part.body, PartType::Text(_));
        let mut scanned = w.inspect(Object {
            path: path.clone(),
            filename,
            declared_type: declared,
            bytes,
            depth: self.archive_depth,
            is_file,
        });
        let raw = msg.raw_message.as_ref();
        if let Some(root) = self.root
            && std::ptr::eq(raw.as_ptr(), root.as_ptr())
            && raw.len() == root.len()
        {
            scanned.span = Some([part.offset_header as u64, part.offset_end as u64]);
        }
        if is_text {
            let was_qp = encoding == mail_parser::Encoding::QuotedPrintable;
            self.hidden_files(w, &path, bytes, was_qp, &mut scanned);
        }
        self.parts.push(scanned);
    }
}

/// Whether the part's own header says base64.
fn declares_base64(part: &mail_parser::MessagePart<'_>) -> bool {
    part.content_transfer_encoding()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"))
}
