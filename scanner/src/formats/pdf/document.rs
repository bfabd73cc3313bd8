//! The objects of a PDF, every way a reader finds them (ISO 32000-1 §7.5):
//!
//! - the linear reading: every `N G obj` header from the start to the end,
//!   stream data skipped (its `/Length` when `endstream` follows it, else
//!   up to the next `endstream`, §7.3.8.1), so that incremental updates
//!   (§7.5.6) and files whose cross-reference data is wrong are read whole;
//! - the cross-reference reading: the object at every offset that a
//!   cross-reference table or stream gives (§7.5.4, §7.5.8), from every
//!   `startxref` and every `/Prev` and `/XRefStm`, where the linear reading
//!   saw no header (an object a reader reaches by offset inside what the
//!   linear reading took for stream data);
//! - object streams (§7.5.7): each decoded, its objects read both at the
//!   offsets of its header and one after another.
//!
//! Each definition is kept as a place (the source, the offset); its value
//! is parsed again when it is needed, so that memory stays a few words per
//! object whatever the objects hold. Every parse is charged to one budget
//! of work ([`WORK_FACTOR`] times the bytes read), every decoded stream to
//! the budget of bytes the walk gives: past either, what is left is not
//! read and the document says so ([`Document::troubles`]).
//!
//! Encryption (§7.6): with the standard security handler and the empty
//! user password, the file key ([`crate::formats::pdf_crypt`]) decrypts
//! streams and strings; without it, the document is marked as needing a
//! password and nothing encrypted is read.

use super::filters;
use super::syntax::{Dict, Parser, Trouble, Value, ends_token, is_white};
use crate::formats::pdf_crypt::{self, FileKey, Method};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Object definitions read at most (all readings, all revisions): past it,
/// the rest of the document is not read (a finding, held).
pub(crate) const MAX_OBJECTS: usize = 1 << 19;

/// Cross-reference sections followed at most.
const MAX_XREF_SECTIONS: usize = 4096;

/// Parsing work allowed, in bytes parsed per byte of the document (its
/// file and its decoded object streams), plus one MiB: each object is
/// parsed about three times (indexed, visited, resolved).
pub(crate) const WORK_FACTOR: u64 = 8;

/// Where a definition's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The file itself.
    File,
    /// The decoded object stream of that index in [`Document::objstms`].
    ObjStm(u32),
}

/// One definition of an indirect object.
#[derive(Debug, Clone)]
pub(crate) struct Def {
    pub num: u32,
    pub generation: u16,
    pub source: Source,
    /// Where its value starts in its source.
    pub start: usize,
    /// A stream's data in the file, the end of line before `endstream`
    /// dropped.
    pub data: Option<Range<usize>>,
}

/// What stopped the reading of a document before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// More definitions than [`MAX_OBJECTS`].
    TooManyObjects,
    /// A value nested deeper than the parser's bound.
    TooDeep,
    /// A value with more parts than the parser's bound.
    TooManyValues,
    /// The work budget was spent (a damaged or hostile structure).
    WorkSpent,
}

/// A stream that could not be decoded.
#[derive(Debug, Clone)]
pub(crate) struct Undecodable {
    /// Its filters' names.
    pub filters: Vec<String>,
    pub reason: String,
}

/// A PDF, indexed.
pub(crate) struct Document<'a> {
    pub bytes: &'a [u8],
    pub defs: Vec<Def>,
    /// Decoded object streams.
    pub objstms: Vec<Vec<u8>>,
    /// Trailer dictionaries and cross-reference stream dictionaries.
    pub trailers: Vec<Dict>,
    /// Definitions by object number.
    by_num: HashMap<u32, Vec<usize>>,
    /// The document has an `/Encrypt` dictionary.
    pub encrypted: bool,
    /// The key for the empty user password, when it opens the document.
    pub key: Option<FileKey>,
    /// The object number of the encryption dictionary (its strings are
    /// not encrypted, §7.6.1).
    encrypt_object: Option<u32>,
    /// `/EncryptMetadata` (true when absent).
    encrypt_metadata: bool,
    /// Object streams that could not be decoded.
    pub undecodable: Vec<Undecodable>,
    /// What stopped a reading, each once.
    troubles: RefCell<Vec<Stop>>,
    work_left: Cell<u64>,
    budget: Cell<u64>,
}

/// Whether the `obj` keyword at `at` closes an `N G obj` header: the
/// object number, the generation and where the header starts.
fn header_before(bytes: &[u8], at: usize) -> Option<(u32, u16, usize)> {
    if bytes.get(at + 3).is_some_and(|&b| !ends_token(b)) {
        return None;
    }
    let mut i = at;
    let white = |i: &mut usize| {
        let end = *i;
        while *i > 0 && is_white(bytes[*i - 1]) {
            *i -= 1;
        }
        *i < end
    };
    let digits = |i: &mut usize, max: usize| {
        let end = *i;
        while *i > 0 && bytes[*i - 1].is_ascii_digit() && end - *i < max {
            *i -= 1;
        }
        (*i < end).then(|| &bytes[*i..end])
    };
    if !white(&mut i) {
        return None;
    }
    let generation = digits(&mut i, 5)?;
    if !white(&mut i) {
        return None;
    }
    let num = digits(&mut i, 10)?;
    if i > 0 && !ends_token(bytes[i - 1]) {
        return None;
    }
    let parse = |d: &[u8]| std::str::from_utf8(d).ok()?.parse::<u64>().ok();
    let num = u32::try_from(parse(num)?).ok()?;
    let generation = u16::try_from(parse(generation)?).ok()?;
    Some((num, generation, i))
}

/// Where a stream's data starts after its `stream` keyword ending at `at`:
/// past CR LF or LF (§7.3.8.1), or a lone CR as lenient readers take it.
fn data_start(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at..at + 2) {
        Some(b"\r\n") => at + 2,
        _ if matches!(bytes.get(at), Some(b'\n' | b'\r')) => at + 1,
        _ => at,
    }
}

/// `data` without the end of line before `endstream`.
fn trim_eol(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let mut end = range.end;
    if end > range.start && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    if end > range.start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    range.start..end
}

/// The words of an xref table: runs of non-white bytes from `pos`.
fn word(bytes: &[u8], pos: &mut usize) -> Option<Range<usize>> {
    while *pos < bytes.len() && is_white(bytes[*pos]) {
        *pos += 1;
    }
    let start = *pos;
    while *pos < bytes.len() && !is_white(bytes[*pos]) {
        *pos += 1;
    }
    (start < *pos).then_some(start..*pos)
}

fn number_word(bytes: &[u8], r: Range<usize>) -> Option<u64> {
    std::str::from_utf8(&bytes[r]).ok()?.parse().ok()
}

impl<'a> Document<'a> {
    /// Reads the PDF in `bytes`; decoded streams take at most `cap` bytes
    /// in all.
    pub(crate) fn read(bytes: &'a [u8], cap: u64) -> Document<'a> {
        let mut doc = Document {
            bytes,
            defs: Vec::new(),
            objstms: Vec::new(),
            trailers: Vec::new(),
            by_num: HashMap::new(),
            encrypted: false,
            key: None,
            encrypt_object: None,
            encrypt_metadata: true,
            undecodable: Vec::new(),
            troubles: RefCell::new(Vec::new()),
            work_left: Cell::new(WORK_FACTOR.saturating_mul(bytes.len() as u64) + (1 << 20)),
            budget: Cell::new(cap),
        };
        let (headers, startxrefs) = doc.linear();
        doc.cross_references(&headers, &startxrefs);
        // Cross-reference streams are trailers too (§7.5.8.2), whether or
        // not a `startxref` leads to them.
        for i in 0..doc.defs.len() {
            if doc.defs[i].data.is_some()
                && let Some(Value::Dict(d)) = doc.value(&doc.defs[i])
                && d.has_name(b"Type", b"XRef")
                && !doc.trailers.contains(&d)
            {
                doc.trailers.push(d);
            }
        }
        for (i, def) in doc.defs.iter().enumerate() {
            doc.by_num.entry(def.num).or_default().push(i);
        }
        doc.encryption();
        doc.object_streams();
        doc
    }

    /// What stopped a reading, each once, in the order seen.
    pub(crate) fn troubles(&self) -> Vec<Stop> {
        self.troubles.borrow().clone()
    }

    fn trouble(&self, stop: Stop) {
        let mut t = self.troubles.borrow_mut();
        if !t.contains(&stop) {
            t.push(stop);
        }
    }

    /// The bytes of a source.
    pub(crate) fn source(&self, source: Source) -> &[u8] {
        match source {
            Source::File => self.bytes,
            Source::ObjStm(i) => self.objstms.get(i as usize).map_or(&[][..], Vec::as_slice),
        }
    }

    /// Parses one value of `source` at `start`, charged to the work budget;
    /// `None` once the budget is spent.
    pub(crate) fn parse_at(&self, source: Source, start: usize) -> Option<(Value, usize)> {
        if self.work_left.get() == 0 {
            return None;
        }
        let bytes = self.source(source);
        let mut p = Parser::new(bytes, start);
        let value = p.value();
        let spent = (p.pos.saturating_sub(start)) as u64 + 1;
        self.work_left
            .set(self.work_left.get().saturating_sub(spent));
        if self.work_left.get() == 0 {
            self.trouble(Stop::WorkSpent);
        }
        match p.trouble {
            Some(Trouble::TooDeep) => self.trouble(Stop::TooDeep),
            Some(Trouble::TooManyValues) => self.trouble(Stop::TooManyValues),
            None => {}
        }
        value.map(|v| (v, p.pos))
    }

    /// The value of a definition.
    pub(crate) fn value(&self, def: &Def) -> Option<Value> {
        self.parse_at(def.source, def.start).map(|(v, _)| v)
    }

    /// The definitions of object `num`, in the order they were found.
    pub(crate) fn defs_of(&self, num: u32) -> &[usize] {
        self.by_num.get(&num).map_or(&[], Vec::as_slice)
    }

    /// The values `v` stands for: itself, or every definition of the
    /// object it refers to (references to references followed 8 deep).
    pub(crate) fn resolve(&self, v: &Value) -> Vec<(Value, Option<usize>)> {
        let mut out = Vec::new();
        let mut todo = vec![(v.clone(), None, 0)];
        while let Some((v, from, depth)) = todo.pop() {
            match v {
                Value::Ref(n, _) if depth < 8 => {
                    for &i in self.defs_of(n).iter().rev() {
                        if let Some(value) = self.value(&self.defs[i]) {
                            todo.push((value, Some(i), depth + 1));
                        }
                    }
                }
                Value::Ref(..) => {}
                other => out.push((other, from)),
            }
        }
        out
    }

    /// Adds a definition; false once [`MAX_OBJECTS`] are read.
    fn add(&mut self, def: Def) -> bool {
        if self.defs.len() >= MAX_OBJECTS {
            self.trouble(Stop::TooManyObjects);
            return false;
        }
        self.defs.push(def);
        true
    }

    /// Where the data of a stream whose dictionary is `dict` and whose data
    /// starts at `start` ends: `/Length` when it is direct and `endstream`
    /// follows it, else the next `endstream` (the search charged to the
    /// work budget).
    fn stream_end(&self, dict: &Dict, start: usize) -> usize {
        let bytes = self.bytes;
        if let Some(len) = dict.int(b"Length")
            && let Ok(len) = usize::try_from(len)
            && let Some(end) = start.checked_add(len)
            && end <= bytes.len()
        {
            let mut after = end;
            while after < bytes.len() && is_white(bytes[after]) && after < end + 4 {
                after += 1;
            }
            if bytes[after..].starts_with(b"endstream") {
                return end;
            }
        }
        let rest = bytes.get(start..).unwrap_or_default();
        let found = memchr::memmem::find(rest, b"endstream");
        let searched = found.map_or(rest.len(), |f| f + 9) as u64;
        self.work_left
            .set(self.work_left.get().saturating_sub(searched));
        found.map_or(bytes.len(), |f| trim_eol(bytes, start..start + f).end)
    }

    /// Reads the object whose header's `obj` keyword ends at `value_start`.
    /// Returns the definition and the end of its stream data, if any.
    fn object_at(
        &self,
        num: u32,
        generation: u16,
        value_start: usize,
    ) -> Option<(Def, Option<usize>)> {
        let (value, end) = self.parse_at(Source::File, value_start)?;
        let mut p = Parser::new(self.bytes, end);
        let mut data = None;
        if let Value::Dict(dict) = &value
            && p.peek_keyword() == Some(b"stream")
        {
            p.skip_token();
            let start = data_start(self.bytes, p.pos);
            let end = self.stream_end(dict, start);
            data = Some(start..end.max(start));
        }
        let skip = data.as_ref().map(|d| d.end);
        Some((
            Def {
                num,
                generation,
                source: Source::File,
                start: value_start,
                data,
            },
            skip,
        ))
    }

    /// The linear reading. Returns the header starts it read and the
    /// offsets after every `startxref`.
    fn linear(&mut self) -> (HashSet<usize>, Vec<usize>) {
        let bytes = self.bytes;
        let finder = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(["endstream", "startxref", "trailer", "obj"])
            .expect("four fixed patterns build");
        let mut headers = HashSet::new();
        let mut startxrefs = Vec::new();
        let mut skip_until = 0;
        for m in finder.find_iter(bytes) {
            let (pattern, at) = (m.pattern().as_usize(), m.start());
            if self.work_left.get() == 0 {
                break;
            }
            if at < skip_until {
                continue;
            }
            match pattern {
                1 => {
                    let mut pos = at + 9;
                    if let Some(r) = word(bytes, &mut pos)
                        && let Some(off) = number_word(bytes, r)
                    {
                        startxrefs.push(off as usize);
                    }
                }
                2 => {
                    if let Some((Value::Dict(d), _)) = self.parse_at(Source::File, at + 7) {
                        self.trailers.push(d);
                    }
                }
                3 => {
                    let Some((num, generation, header)) = header_before(bytes, at) else {
                        continue;
                    };
                    let Some((def, skip)) = self.object_at(num, generation, at + 3) else {
                        continue;
                    };
                    headers.insert(header);
                    if let Some(end) = skip {
                        skip_until = end;
                    }
                    if !self.add(def) {
                        break;
                    }
                }
                _ => {}
            }
        }
        (headers, startxrefs)
    }

    /// The cross-reference reading: objects at the offsets the tables and
    /// streams give, where the linear reading read no header.
    fn cross_references(&mut self, headers: &HashSet<usize>, startxrefs: &[usize]) {
        let bytes = self.bytes;
        // Offsets count from the `%PDF-` header when something precedes it.
        let shift = memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").unwrap_or(0);
        let mut queue: Vec<usize> = startxrefs.to_vec();
        for t in &self.trailers {
            for key in [&b"Prev"[..], b"XRefStm"] {
                if let Some(off) = t.int(key).and_then(|o| usize::try_from(o).ok()) {
                    queue.push(off);
                }
            }
        }
        let mut seen = HashSet::new();
        let mut offsets: Vec<usize> = Vec::new();
        while let Some(off) = queue.pop() {
            if seen.len() >= MAX_XREF_SECTIONS || self.work_left.get() == 0 {
                break;
            }
            if !seen.insert(off) {
                continue;
            }
            for at in [off, off.saturating_add(shift)]
                .into_iter()
                .take(1 + usize::from(shift > 0))
            {
                if let Some(next) = self.xref_section(at, &mut offsets) {
                    queue.extend(next);
                    break;
                }
            }
        }
        offsets.sort_unstable();
        offsets.dedup();
        for off in offsets {
            for at in [off, off.saturating_add(shift)]
                .into_iter()
                .take(1 + usize::from(shift > 0))
            {
                let mut pos = at;
                while pos < bytes.len() && is_white(bytes[pos]) {
                    pos += 1;
                }
                if headers.contains(&pos) {
                    break;
                }
                let Some(obj) = self.header_at(pos) else {
                    continue;
                };
                let (num, generation, value_start) = obj;
                if let Some((def, _)) = self.object_at(num, generation, value_start) {
                    if !self.add(def) {
                        return;
                    }
                }
                break;
            }
        }
    }

    /// An `N G obj` header starting at `pos`: its numbers and where its
    /// value starts.
    fn header_at(&self, pos: usize) -> Option<(u32, u16, usize)> {
        let bytes = self.bytes;
        let mut p = pos;
        let num = number_word(bytes, word(bytes, &mut p)?)?;
        let generation = number_word(bytes, word(bytes, &mut p)?)?;
        let mut q = p;
        while q < bytes.len() && is_white(bytes[q]) {
            q += 1;
        }
        if !bytes[q..].starts_with(b"obj") {
            return None;
        }
        let (found, g, _) = header_before(bytes, q)?;
        (u64::from(found) == num && u64::from(g) == generation).then_some((found, g, q + 3))
    }

    /// Reads the cross-reference section at `at` (a table and its trailer,
    /// or a cross-reference stream): its in-use offsets into `offsets`;
    /// returns the offsets of the sections it points to, or `None` when no
    /// section is there.
    fn xref_section(&mut self, at: usize, offsets: &mut Vec<usize>) -> Option<Vec<usize>> {
        let bytes = self.bytes;
        let mut pos = at;
        while pos < bytes.len() && is_white(bytes[pos]) {
            pos += 1;
        }
        let mut next = Vec::new();
        let trailer: Dict;
        if bytes.get(pos..)?.starts_with(b"xref") {
            pos += 4;
            // Subsections: `first count`, then `count` entries of three
            // words (`0000000015 00000 n`), up to `trailer`.
            loop {
                let save = pos;
                let Some(w) = word(bytes, &mut pos) else {
                    break;
                };
                if bytes[w.clone()].starts_with(b"trailer") {
                    pos = save;
                    break;
                }
                let Some(_first) = number_word(bytes, w) else {
                    break;
                };
                let Some(count) = word(bytes, &mut pos).and_then(|w| number_word(bytes, w)) else {
                    break;
                };
                for _ in 0..count.min((bytes.len() / 18) as u64) {
                    let (Some(o), Some(_), Some(kind)) = (
                        word(bytes, &mut pos),
                        word(bytes, &mut pos),
                        word(bytes, &mut pos),
                    ) else {
                        break;
                    };
                    if &bytes[kind] == b"n"
                        && let Some(off) = number_word(bytes, o)
                        && off > 0
                    {
                        offsets.push(off as usize);
                    }
                }
                self.work_left
                    .set(self.work_left.get().saturating_sub((pos - save) as u64));
            }
            let rest = bytes.get(pos..)?;
            let t = memchr::memmem::find(&rest[..rest.len().min(1 << 16)], b"trailer")?;
            let (value, _) = self.parse_at(Source::File, pos + t + 7)?;
            let Value::Dict(d) = value else { return None };
            trailer = d;
        } else {
            let (num, generation, value_start) = self.header_at(pos)?;
            let (def, _) = self.object_at(num, generation, value_start)?;
            let Some(Value::Dict(dict)) = self.value(&def) else {
                return None;
            };
            if !dict.has_name(b"Type", b"XRef") {
                return None;
            }
            let data = def.data.clone()?;
            // Cross-reference streams are never encrypted (§7.6.2).
            let raw = &bytes[data];
            match filters::decode(&dict, raw, self.budget.get()) {
                Ok(decoded) => {
                    self.spend(decoded.len());
                    xref_stream_offsets(&dict, &decoded, offsets);
                }
                Err(_) => return None,
            }
            trailer = dict;
        }
        for key in [&b"Prev"[..], b"XRefStm"] {
            if let Some(off) = trailer.int(key).and_then(|o| usize::try_from(o).ok()) {
                next.push(off);
            }
        }
        self.trailers.push(trailer);
        Some(next)
    }

    fn spend(&self, n: usize) {
        self.budget.set(self.budget.get().saturating_sub(n as u64));
    }

    /// Reads the encryption dictionary, and the key of the empty user
    /// password when it opens the document.
    fn encryption(&mut self) {
        let Some(entry) = self
            .trailers
            .iter()
            .rev()
            .find_map(|t| t.get(b"Encrypt").cloned())
        else {
            return;
        };
        self.encrypted = true;
        if let Value::Ref(n, _) = entry {
            self.encrypt_object = Some(n);
        }
        let Some(dict) = self.resolve(&entry).into_iter().find_map(|(v, _)| match v {
            Value::Dict(d) => Some(d),
            _ => None,
        }) else {
            return;
        };
        let id0 = self
            .trailers
            .iter()
            .rev()
            .find_map(|t| match t.get(b"ID") {
                Some(Value::Array(ids)) => match ids.first() {
                    Some(Value::Str(s)) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_default();
        self.encrypt_metadata = !matches!(dict.get(b"EncryptMetadata"), Some(Value::Bool(false)));
        if dict.name(b"Filter") != Some(&b"Standard"[..]) {
            return;
        }
        let string = |key: &[u8]| match dict.get(key) {
            Some(Value::Str(s)) => s.clone(),
            _ => Vec::new(),
        };
        let version = dict.int(b"V").unwrap_or(0);
        let crypt_filter = |key: &[u8]| -> Method {
            if version < 4 {
                return Method::Rc4;
            }
            let Some(name) = dict.name(key) else {
                return Method::Identity;
            };
            if name == b"Identity" {
                return Method::Identity;
            }
            let method = dict
                .get(b"CF")
                .and_then(Value::as_dict)
                .and_then(|cf| cf.get(name))
                .and_then(Value::as_dict)
                .and_then(|f| f.name(b"CFM").map(<[u8]>::to_vec));
            match method.as_deref() {
                Some(b"AESV2") => Method::Aes128,
                Some(b"AESV3") => Method::Aes256,
                Some(b"None") => Method::Identity,
                _ => Method::Rc4,
            }
        };
        let (owner, user, user_key) = (string(b"O"), string(b"U"), string(b"UE"));
        let params = pdf_crypt::Params {
            revision: dict.int(b"R").unwrap_or(0).clamp(0, 100) as u32,
            length_bits: dict.int(b"Length").unwrap_or(40).clamp(0, 4096) as u32,
            owner: &owner,
            user: &user,
            user_key: &user_key,
            permissions: dict.int(b"P").unwrap_or(0) as i32,
            id0: &id0,
            encrypt_metadata: self.encrypt_metadata,
            streams: crypt_filter(b"StmF"),
            strings: crypt_filter(b"StrF"),
        };
        self.key = pdf_crypt::empty_password_key(&params);
    }

    /// Whether the document needs a password this scanner does not have.
    pub(crate) fn locked(&self) -> bool {
        self.encrypted && self.key.is_none()
    }

    /// Whether the strings of definition `def` are encrypted with the file
    /// key: strings of the file's own objects, but for the encryption
    /// dictionary and cross-reference streams (§7.6.1, §7.5.8.4).
    fn strings_encrypted(&self, def: &Def, value: &Value) -> bool {
        self.encrypted
            && def.source == Source::File
            && Some(def.num) != self.encrypt_object
            && !value
                .as_dict()
                .is_some_and(|d| d.has_name(b"Type", b"XRef"))
    }

    /// A string of definition `def` (whose value is `value`), decrypted
    /// when it is encrypted and the key is known; `None` when it is
    /// encrypted with a key the scanner does not have.
    pub(crate) fn string(&self, def: Option<usize>, value: &Value, raw: &[u8]) -> Option<Vec<u8>> {
        let Some(d) = def.and_then(|i| self.defs.get(i)) else {
            return Some(raw.to_vec());
        };
        if !self.strings_encrypted(d, value) {
            return Some(raw.to_vec());
        }
        self.key
            .as_ref()
            .map(|k| k.decrypt_string(d.num, d.generation, raw))
    }

    /// The data of stream definition `i`, decrypted and decoded within the
    /// budget of bytes (which it then spends). An error says why not.
    pub(crate) fn stream(&self, i: usize) -> Result<Vec<u8>, String> {
        let def = &self.defs[i];
        let (Some(range), Some(Value::Dict(dict))) = (def.data.clone(), self.value(def)) else {
            return Err("the stream cannot be delimited".into());
        };
        let mut raw = &self.bytes[range.clone()];
        // An indirect `/Length`, once every object is known.
        if let Some(Value::Ref(n, _)) = dict.get(b"Length")
            && let Some(len) =
                self.defs_of(*n)
                    .iter()
                    .rev()
                    .find_map(|&d| match self.value(&self.defs[d]) {
                        Some(Value::Int(l)) => usize::try_from(l).ok(),
                        _ => None,
                    })
            && range.start + len <= self.bytes.len()
            && len <= raw.len() + 2
        {
            raw = &self.bytes[range.start..range.start + len];
        }
        let decrypted;
        if self.encrypted && self.stream_encrypted(&dict) {
            let Some(key) = &self.key else {
                return Err("the stream is encrypted".into());
            };
            decrypted = key.decrypt_stream(def.num, def.generation, raw);
            raw = &decrypted;
        }
        let out = filters::decode(&dict, raw, self.budget.get()).map_err(str::to_string)?;
        self.spend(out.len());
        Ok(out)
    }

    /// Whether a stream of the file is encrypted: all but cross-reference
    /// streams, metadata when `/EncryptMetadata` is false, and those whose
    /// `/Crypt` filter is `/Identity` (§7.6.5).
    fn stream_encrypted(&self, dict: &Dict) -> bool {
        if dict.has_name(b"Type", b"XRef")
            || (!self.encrypt_metadata && dict.has_name(b"Type", b"Metadata"))
        {
            return false;
        }
        let crypt = filters::chain(dict)
            .into_iter()
            .find(|(name, _)| name == b"Crypt");
        match crypt {
            Some((_, params)) => params
                .and_then(|p| p.name(b"Name").map(<[u8]>::to_vec))
                .is_some_and(|n| n != b"Identity"),
            None => true,
        }
    }

    /// Decodes every object stream and reads its objects (§7.5.7) at the
    /// offsets of its header and one after another.
    fn object_streams(&mut self) {
        let count = self.defs.len();
        for i in 0..count {
            if self.work_left.get() == 0 {
                break;
            }
            let def = &self.defs[i];
            if def.source != Source::File || def.data.is_none() {
                continue;
            }
            let Some(Value::Dict(dict)) = self.value(def) else {
                continue;
            };
            if !dict.has_name(b"Type", b"ObjStm") {
                continue;
            }
            if self.locked() && self.stream_encrypted(&dict) {
                continue;
            }
            let decoded = match self.stream(i) {
                Ok(d) => d,
                Err(reason) => {
                    self.undecodable.push(Undecodable {
                        filters: filters::names(&dict),
                        reason,
                    });
                    continue;
                }
            };
            self.work_left.set(
                self.work_left
                    .get()
                    .saturating_add(WORK_FACTOR.saturating_mul(decoded.len() as u64)),
            );
            let index = self.objstms.len() as u32;
            self.objstms.push(decoded);
            let n = dict.int(b"N").unwrap_or(0).max(0) as usize;
            let first = dict.int(b"First").unwrap_or(0).max(0) as usize;
            if !self.objects_of_stream(index, n, first) {
                break;
            }
        }
        self.by_num.clear();
        for (i, def) in self.defs.iter().enumerate() {
            self.by_num.entry(def.num).or_default().push(i);
        }
    }

    /// The objects of object stream `index`; false once [`MAX_OBJECTS`]
    /// are read.
    fn objects_of_stream(&mut self, index: u32, n: usize, first: usize) -> bool {
        let source = Source::ObjStm(index);
        let data = self.source(source);
        let len = data.len();
        // The header: N pairs of integers, object number and offset.
        let mut p = Parser::new(data, 0);
        let mut pairs = Vec::new();
        for _ in 0..n.min(len / 2) {
            let (Some(Value::Int(num)), Some(Value::Int(off))) = (p.value(), p.value()) else {
                break;
            };
            let (Ok(num), Ok(off)) = (u32::try_from(num), usize::try_from(off)) else {
                break;
            };
            pairs.push((num, off));
        }
        let after_header = p.pos;
        let skip_white = |mut pos: usize| {
            while pos < len && is_white(data[pos]) {
                pos += 1;
            }
            pos
        };
        let mut starts = HashSet::new();
        let mut found: Vec<(u32, usize)> = Vec::new();
        for &(num, off) in &pairs {
            let Some(start) = first.checked_add(off).filter(|&s| s < len) else {
                continue;
            };
            let start = skip_white(start);
            if starts.insert(start) {
                found.push((num, start));
            }
        }
        // One after another, from the end of the header (`/First` may be
        // wrong: a reader that reads in sequence does not need it).
        let mut pos = after_header;
        let mut k = 0;
        while k < pairs.len().max(1) + 16 {
            pos = skip_white(pos);
            if pos >= len {
                break;
            }
            let Some((_, end)) = self.parse_at(source, pos) else {
                break;
            };
            if starts.insert(pos) {
                let num = pairs.get(k).map_or(0, |&(num, _)| num);
                found.push((num, pos));
            }
            pos = end;
            k += 1;
        }
        for (num, start) in found {
            if !self.add(Def {
                num,
                generation: 0,
                source,
                start,
                data: None,
            }) {
                return false;
            }
        }
        true
    }
}

/// The in-use offsets (type 1 entries) of a decoded cross-reference
/// stream (§7.5.8.3), by its `/W` and `/Index`.
fn xref_stream_offsets(dict: &Dict, data: &[u8], offsets: &mut Vec<usize>) {
    let widths: Vec<usize> = match dict.get(b"W") {
        Some(Value::Array(w)) => w
            .iter()
            .map(|v| match v {
                Value::Int(i) => (*i).clamp(0, 8) as usize,
                _ => 0,
            })
            .collect(),
        _ => return,
    };
    let [w0, w1, w2] = widths.as_slice() else {
        return;
    };
    let entry = w0 + w1 + w2;
    if entry == 0 {
        return;
    }
    let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
    for e in data.chunks_exact(entry) {
        let kind = if *w0 == 0 { 1 } else { field(&e[..*w0]) };
        if kind == 1 {
            let off = field(&e[*w0..w0 + w1]);
            if off > 0 {
                offsets.push(off as usize);
            }
        }
    }
}
