//! PDF: active content (`/JS`, `/JavaScript`, `/Launch`), and embedded files
//! pulled out to be scanned like archive entries.
//!
//! Names are compared after decoding `#xx` escapes (`/J#61vaScript` is
//! `/JavaScript`), and object streams are inflated so that dictionaries
//! hidden in them are seen too. Embedded files are not a finding: Factur-X
//! invoices carry an XML file and must pass.

use crate::report::{Finding, FindingKind};
use crate::sentence::{PdfStream, Sentence};
use memchr::memmem;
use std::io::Read;

/// What the PDF walk found.
pub(crate) struct PdfScan {
    pub findings: Vec<Finding>,
    pub embedded: Vec<EmbeddedFile>,
}

/// A file embedded in the PDF.
pub(crate) struct EmbeddedFile {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
struct Names {
    javascript: Option<&'static str>,
    launch: bool,
    open_action: bool,
    /// An `/Encrypt` key: the streams are encrypted.
    encrypt: bool,
    /// Where each `/EF` key (a file specification's embedded file) starts.
    embedded_files: Vec<usize>,
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b) || b == 0
}

/// Decodes one name token starting after its `/`; returns the name and its end.
fn name_at(bytes: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut i = start;
    while i < bytes.len() && !is_delimiter(bytes[i]) && out.len() < 64 {
        if bytes[i] == b'#'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    (out, i)
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// [`scan_names`], and the offset of every `stream` keyword (those of
/// `endstream` included), in one pass of byte masks ([`crate::simd`]):
/// two passes over a 20 MB image cost 2 ms more than one, and a `memchr`
/// stopping at each of its 80,000 slashes 1.5 ms more than the masks.
fn scan_names_and_streams(bytes: &[u8], names: &mut Names) -> Vec<usize> {
    let mut streams = Vec::new();
    let wants = [b'/', b's', b't', b'J', b'L', b'O', b'A', b'E', b'#'];
    crate::simd::block_masks(bytes, wants, |at, m| {
        let [slash, s, t, j, l, o, a, e, escape] = m;
        // A slash followed by a letter a name of interest starts with (the
        // last byte of the block is judged by the full check).
        let mut hits = slash & ((j | l | o | a | e | escape) >> 1 | 1 << 63);
        while hits != 0 {
            name_of_interest(bytes, at + hits.trailing_zeros() as usize, names);
            hits &= hits - 1;
        }
        let mut hits = s & (t >> 1 | 1 << 63);
        while hits != 0 {
            let pos = at + hits.trailing_zeros() as usize;
            if bytes[pos.min(bytes.len())..].starts_with(b"stream") {
                streams.push(pos);
            }
            hits &= hits - 1;
        }
    });
    streams
}

/// Every name of interest in a region, in one pass over it.
fn scan_names(bytes: &[u8], names: &mut Names) {
    for pos in memchr::memchr_iter(b'/', bytes) {
        name_of_interest(bytes, pos, names);
    }
}

/// Records the name that starts with the `/` at `pos` when it is one of
/// interest; a name may run to the end of `bytes`.
fn name_of_interest(bytes: &[u8], pos: usize, names: &mut Names) {
    // Only names starting J, L, O, A or E (or an escape) can be of interest.
    if !matches!(
        bytes.get(pos + 1),
        Some(b'J' | b'L' | b'O' | b'A' | b'E' | b'#')
    ) {
        return;
    }
    let (name, _) = name_at(bytes, pos + 1);
    match name.as_slice() {
        b"JavaScript" => names.javascript = Some("/JavaScript"),
        b"JS" => names.javascript = names.javascript.or(Some("/JS")),
        b"Launch" => names.launch = true,
        b"OpenAction" | b"AA" => names.open_action = true,
        b"Encrypt" => names.encrypt = true,
        b"EF" => names.embedded_files.push(pos),
        _ => {}
    }
}

/// Whether a dictionary region holds the name `want` (escapes decoded).
fn has_name(dict: &[u8], want: &[u8]) -> bool {
    memchr::memchr_iter(b'/', dict).any(|pos| name_at(dict, pos + 1).0 == want)
}

/// The stream filters named in a dictionary, in order.
fn filters(dict: &[u8]) -> Vec<Vec<u8>> {
    let Some(pos) = memchr::memchr_iter(b'/', dict).find(|&p| name_at(dict, p + 1).0 == b"Filter")
    else {
        return Vec::new();
    };
    let (_, end) = name_at(dict, pos + 1);
    let rest = &dict[end..];
    let rest = rest.trim_ascii_start();
    let region = if rest.first() == Some(&b'[') {
        let close = memchr::memchr(b']', rest).unwrap_or(rest.len());
        &rest[..close]
    } else {
        // A single name: up to the next name after it.
        let Some(first) = memchr::memchr(b'/', rest) else {
            return Vec::new();
        };
        let (_, e) = name_at(rest, first + 1);
        &rest[..e.min(rest.len())]
    };
    memchr::memchr_iter(b'/', region)
        .map(|p| name_at(region, p + 1).0)
        .collect()
}

/// Inflates a FlateDecode stream, reading at most `cap` bytes out. A
/// truncated stream still yields what it held.
fn inflate(data: &[u8], cap: u64) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let result = flate2::read::ZlibDecoder::new(data)
        .take(cap + 1)
        .read_to_end(&mut out);
    if result.is_err() && out.is_empty() && !data.is_empty() {
        return Err("the stream does not inflate");
    }
    if out.len() as u64 > cap {
        return Err("the stream expands past the scan budget");
    }
    Ok(out)
}

/// A PDF literal `( … )` or hex `< … >` string at the start of `bytes`.
fn pdf_string(bytes: &[u8]) -> Option<Vec<u8>> {
    let bytes = bytes.trim_ascii_start();
    match bytes.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0usize;
            let mut i = 1;
            while i < bytes.len() && out.len() < 1024 {
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => {
                        i += 1;
                        match bytes[i] {
                            b'n' => out.push(b'\n'),
                            b'r' => out.push(b'\r'),
                            b't' => out.push(b'\t'),
                            d @ b'0'..=b'7' => {
                                let mut v = (d - b'0') as u32;
                                let mut k = 0;
                                while k < 2
                                    && i + 1 < bytes.len()
                                    && (b'0'..=b'7').contains(&bytes[i + 1])
                                {
                                    i += 1;
                                    v = v * 8 + (bytes[i] - b'0') as u32;
                                    k += 1;
                                }
                                out.push(v as u8);
                            }
                            b'\r' | b'\n' => {}
                            c => out.push(c),
                        }
                    }
                    b'(' => {
                        depth += 1;
                        out.push(b'(');
                    }
                    b')' if depth == 0 => return Some(out),
                    b')' => {
                        depth -= 1;
                        out.push(b')');
                    }
                    c => out.push(c),
                }
                i += 1;
            }
            Some(out)
        }
        b'<' if bytes.get(1) != Some(&b'<') => {
            let close = memchr::memchr(b'>', bytes)?;
            let digits: Vec<u8> = bytes[1..close]
                .iter()
                .copied()
                .filter_map(hex_val)
                .collect();
            Some(
                digits
                    .chunks(2)
                    .map(|c| c[0] << 4 | c.get(1).copied().unwrap_or(0))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// A PDF text string: UTF-16BE with a BOM, or PDFDocEncoding (read as Latin-1).
fn text_string(raw: &[u8]) -> String {
    if let Some(rest) = raw.strip_prefix(b"\xfe\xff") {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Ok(s) = std::str::from_utf8(raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)) {
        return s.to_string();
    }
    raw.iter().map(|&b| b as char).collect()
}

/// File names of the file specifications whose `/EF` keys are at `keys`
/// (`/UF` preferred over `/F`), in order.
fn filespec_names(bytes: &[u8], keys: &[usize], out: &mut Vec<String>) {
    for &ef in keys {
        // The file specification's own dictionary; a window around the
        // key when it cannot be delimited.
        let range = enclosing_dict(bytes, ef)
            .unwrap_or_else(|| ef.saturating_sub(1024)..(ef + 1024).min(bytes.len()));
        let window = &bytes[range];
        let mut best: Option<(bool, String)> = None;
        for pos in memchr::memchr_iter(b'/', window) {
            let (name, end) = name_at(window, pos + 1);
            let unicode = match name.as_slice() {
                b"UF" => true,
                b"F" => false,
                _ => continue,
            };
            if let Some(raw) = pdf_string(&window[end..]) {
                let text = text_string(&raw);
                if !text.is_empty() && best.as_ref().is_none_or(|(u, _)| unicode && !u) {
                    best = Some((unicode, text));
                }
            }
        }
        if let Some((_, name)) = best
            && out.last() != Some(&name)
        {
            out.push(name);
        }
    }
}

/// The PDF tokens of `region` (white space and delimiters split them),
/// enough to read `12 0 R` references and `12 0 obj` headers.
fn tokens(region: &[u8]) -> Vec<&[u8]> {
    region
        .split(|&b| is_delimiter(b))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Records, for each `/EF` key at `keys` (the embedded files of a file
/// specification, ISO 32000-1 §7.11.4), the objects its dictionary refers
/// to (`/F 12 0 R`, `/UF 12 0 R`, any key) with the specification's file
/// name. A stream so referred to is an embedded file whatever its own
/// `/Type` says or omits.
fn ef_targets(bytes: &[u8], keys: &[usize], out: &mut Vec<(u32, Option<String>)>) {
    for &key in keys {
        let (_, end) = name_at(bytes, key + 1);
        let rest = bytes[end.min(bytes.len())..].trim_ascii_start();
        let Some(dict) = rest.strip_prefix(b"<<") else {
            continue;
        };
        let close = memmem::find(&dict[..dict.len().min(1024)], b">>").unwrap_or(0);
        let toks = tokens(&dict[..close]);
        let mut name = Vec::new();
        filespec_names(bytes, &[key], &mut name);
        for i in 2..toks.len() {
            if toks[i] == b"R"
                && let (Ok(n), Ok(_)) = (
                    std::str::from_utf8(toks[i - 2])
                        .unwrap_or("x")
                        .parse::<u32>(),
                    std::str::from_utf8(toks[i - 1])
                        .unwrap_or("x")
                        .parse::<u16>(),
                )
            {
                out.push((n, name.first().cloned()));
            }
        }
    }
}

/// The object and generation numbers of the indirect object whose `obj`
/// keyword ends at `obj_end` in `bytes` (`12 0 obj`).
fn object_id(bytes: &[u8], obj_end: usize) -> Option<(u32, u16)> {
    let lo = obj_end.saturating_sub(40);
    let toks = tokens(&bytes[lo..obj_end.saturating_sub(3)]);
    let [.., num, generation] = toks.as_slice() else {
        return None;
    };
    let generation = std::str::from_utf8(generation).ok()?.parse::<u16>().ok()?;
    Some((std::str::from_utf8(num).ok()?.parse().ok()?, generation))
}

/// Where the `N G obj` header of the object holding the keyword at `at`
/// ends: the nearest `obj` before it that follows two integers (an `obj`
/// inside a string or a name does not), looked for up to 1 MiB back
/// (dictionaries have no length limit, §7.3.7).
fn object_header_before(bytes: &[u8], at: usize) -> Option<usize> {
    let floor = at.saturating_sub(1 << 20);
    let mut end = at;
    while let Some(p) = memmem::rfind(&bytes[floor..end], b"obj") {
        let obj_end = floor + p + 3;
        let standalone = bytes.get(obj_end).is_none_or(|&b| is_delimiter(b))
            && (floor + p == 0 || is_delimiter(bytes[floor + p - 1]));
        if standalone && object_id(bytes, obj_end).is_some() {
            return Some(obj_end);
        }
        end = floor + p;
    }
    None
}

/// The dictionary (`<<` … `>>`, nested ones counted) that holds the
/// position `at`, as a range of `bytes`, looked for within 64 KiB.
fn enclosing_dict(bytes: &[u8], at: usize) -> Option<std::ops::Range<usize>> {
    let lo = at.saturating_sub(64 << 10);
    let mut depth = 0usize;
    let mut i = at;
    let start = loop {
        if i < lo + 2 {
            return None;
        }
        i -= 1;
        match &bytes[i - 1..=i] {
            b">>" => {
                depth += 1;
                i -= 1;
            }
            b"<<" if depth == 0 => break i - 1,
            b"<<" => {
                depth -= 1;
                i -= 1;
            }
            _ => {}
        }
    };
    let hi = (at + (64 << 10)).min(bytes.len());
    let mut depth = 0usize;
    let mut j = start;
    while j + 1 < hi {
        match &bytes[j..j + 2] {
            b"<<" => {
                depth += 1;
                j += 2;
            }
            b">>" => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(start..j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// The object number of the indirect object whose `obj` keyword ends at
/// `obj_end` in `bytes` (`12 0 obj`).
fn object_number(bytes: &[u8], obj_end: usize) -> Option<u32> {
    object_id(bytes, obj_end).map(|(n, _)| n)
}

/// The value after the name `key` in the dictionary text `dict` (escapes
/// in names decoded), white space skipped.
fn value_after<'a>(dict: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let pos = memchr::memchr_iter(b'/', dict).find(|&p| name_at(dict, p + 1).0 == key)?;
    let (_, end) = name_at(dict, pos + 1);
    Some(dict[end..].trim_ascii_start())
}

/// The data of the stream whose dictionary `dict` follows the `obj`
/// keyword ending at `obj_end`, over `range` up to `endstream`: the end of
/// line before `endstream` dropped, decrypted with the object's own key
/// when the file has one, then its filter undone within `budget` bytes.
fn decode_stream(
    bytes: &[u8],
    dict: &[u8],
    obj_end: usize,
    range: std::ops::Range<usize>,
    key: Option<&crate::formats::pdf_crypt::FileKey>,
    budget: u64,
) -> Result<Vec<u8>, &'static str> {
    let mut data = &bytes[range.clone()];
    while let Some(stripped) = data
        .strip_suffix(b"\n")
        .or_else(|| data.strip_suffix(b"\r"))
    {
        data = stripped;
    }
    let decrypted;
    if let Some(k) = key
        && let Some((num, generation)) = object_id(bytes, obj_end)
    {
        let exact = exact_data(dict, bytes, range.start, range.end).unwrap_or(data);
        decrypted = k.decrypt(num, generation, exact).unwrap_or_default();
        data = &decrypted;
    }
    match filters(dict).as_slice() {
        [] => Ok(data.to_vec()),
        [f] if f == b"FlateDecode" || f == b"Fl" => inflate(data, budget),
        _ => Err("it uses filters Écluse does not decode"),
    }
}

/// A stream's data by its direct `/Length`, when it has one that fits
/// (ciphertext may end with bytes that look like the end of line before
/// `endstream`).
fn exact_data<'a>(dict: &[u8], bytes: &'a [u8], start: usize, end: usize) -> Option<&'a [u8]> {
    let toks = tokens(value_after(dict, b"Length")?);
    if toks.get(2).is_some_and(|t| *t == b"R") {
        return None; // an indirect length
    }
    let len = std::str::from_utf8(toks.first()?)
        .ok()?
        .parse::<usize>()
        .ok()?;
    (start + len <= end).then(|| &bytes[start..start + len])
}

/// An integer at the start of `v`.
fn integer(v: &[u8]) -> Option<i64> {
    let end = v
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'-' || *b == b'+'))
        .unwrap_or(v.len());
    std::str::from_utf8(&v[..end]).ok()?.parse().ok()
}

/// The key of the standard security handler for the empty user password,
/// when the PDF's `/Encrypt` dictionary allows one (see [`pdf_crypt`]).
///
/// [`pdf_crypt`]: crate::formats::pdf_crypt
fn file_key(bytes: &[u8]) -> Option<crate::formats::pdf_crypt::FileKey> {
    // `/Encrypt 7 0 R` in the trailer or the cross-reference stream.
    let at = memchr::memmem::find_iter(bytes, b"/Encrypt").find_map(|p| {
        let toks = tokens(&bytes[p + 8..(p + 40).min(bytes.len())]);
        match toks.as_slice() {
            [n, _, r, ..] if *r == b"R" => std::str::from_utf8(n).ok()?.parse::<u32>().ok(),
            _ => None,
        }
    })?;
    let header = format!("{at} 0 obj");
    let start = memchr::memmem::find_iter(bytes, header.as_bytes())
        .find(|&p| p == 0 || is_delimiter(bytes[p - 1]))?;
    let end = memchr::memmem::find(&bytes[start..], b"endobj").map_or(bytes.len(), |e| start + e);
    let dict = &bytes[start..end];
    if !has_name(dict, b"Standard") {
        return None;
    }
    let owner = pdf_string(value_after(dict, b"O")?)?;
    let user = pdf_string(value_after(dict, b"U")?)?;
    let id = memchr::memmem::rfind(bytes, b"/ID")?;
    let ids = bytes[id + 3..].trim_ascii_start().strip_prefix(b"[")?;
    let id0 = pdf_string(ids)?;
    let params = crate::formats::pdf_crypt::Params {
        revision: integer(value_after(dict, b"R")?)? as u32,
        length_bits: value_after(dict, b"Length").and_then(integer).unwrap_or(40) as u32,
        owner: &owner,
        user: &user,
        permissions: integer(value_after(dict, b"P")?)? as i32,
        id0: &id0,
        encrypt_metadata: value_after(dict, b"EncryptMetadata")
            .is_none_or(|v| !v.starts_with(b"false")),
        aes: has_name(dict, b"AESV2"),
    };
    if has_name(dict, b"AESV3") {
        return None;
    }
    crate::formats::pdf_crypt::empty_password_key(&params)
}

/// Where the data of a stream that starts at `data_start` ends: at the
/// next `endstream` keyword (ISO 32000-1 §7.3.8.1), or the end of the file.
fn stream_end(bytes: &[u8], data_start: usize) -> usize {
    memmem::find(&bytes[data_start..], b"endstream").map_or(bytes.len(), |p| data_start + p)
}

/// Walks the PDF. `cap` bounds every inflated stream.
pub(crate) fn inspect(bytes: &[u8], cap: u64) -> PdfScan {
    let mut names = Names::default();
    let mut findings = Vec::new();
    let mut embedded = Vec::new();
    let mut file_names = Vec::new();
    let keywords = scan_names_and_streams(bytes, &mut names);
    filespec_names(bytes, &names.embedded_files, &mut file_names);
    // Objects the `/EF` dictionaries refer to, with their file names; the
    // streams seen without `/Type /EmbeddedFile`, to look at once every
    // reference (some only inside object streams) is known.
    let mut targets: Vec<(u32, Option<String>)> = Vec::new();
    ef_targets(bytes, &names.embedded_files, &mut targets);
    let mut untyped: Vec<(u32, usize, usize, usize)> = Vec::new();
    let encrypted = names.encrypt;
    // Encrypted with the empty user password only (editing restricted):
    // opened by every reader without a question, so decrypted and scanned.
    let key = if encrypted { file_key(bytes) } else { None };
    let encrypted = encrypted && key.is_none();
    let mut hidden_streams = 0usize;
    let mut budget = cap;

    let mut search_from = 0;
    for kw in keywords {
        if kw < search_from {
            continue;
        }
        search_from = kw + 6;
        if kw >= 3 && &bytes[kw - 3..kw] == b"end" {
            continue;
        }
        // The data starts after the end of line that follows the keyword.
        let mut data_start = kw + 6;
        if bytes.get(data_start) == Some(&b'\r') {
            data_start += 1;
        }
        if bytes.get(data_start) == Some(&b'\n') {
            data_start += 1;
        } else if data_start == kw + 6 {
            continue; // not a stream keyword
        }
        let (dict_lo, dict_start) = match object_header_before(bytes, kw) {
            Some(obj_end) => (obj_end, 0),
            None => (kw.saturating_sub(4096), 0),
        };
        let dict = &bytes[dict_lo..kw];
        let object_stream = has_name(dict, b"ObjStm");
        let embedded_file = has_name(dict, b"EmbeddedFile");
        if !(object_stream || embedded_file) {
            // Its end is looked for only if an `/EF` turns out to refer to
            // it: most such streams are images, and the search for the
            // next keyword reads their data once already.
            if let Some(n) = object_number(bytes, dict_lo + dict_start) {
                untyped.push((n, dict_lo + dict_start, kw, data_start));
            }
            continue;
        }
        let data_end = stream_end(bytes, data_start);
        search_from = data_end;
        if encrypted {
            hidden_streams += 1;
            continue;
        }
        let decoded = decode_stream(
            bytes,
            dict,
            dict_lo + dict_start,
            data_start..data_end,
            key.as_ref(),
            budget,
        );
        let decoded = match decoded {
            Ok(decoded) => decoded,
            Err(reason) => {
                let what = if embedded_file {
                    PdfStream::EmbeddedFile
                } else {
                    PdfStream::ObjectStream
                };
                let list: Vec<String> = filters(dict)
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::PdfStreamUndecodable {
                        what,
                        filters: list,
                        reason: reason.to_string(),
                    },
                ));
                continue;
            }
        };
        budget = budget.saturating_sub(decoded.len() as u64);
        if object_stream {
            let mut inner = Names::default();
            scan_names(&decoded, &mut inner);
            filespec_names(&decoded, &inner.embedded_files, &mut file_names);
            ef_targets(&decoded, &inner.embedded_files, &mut targets);
            names.javascript = match inner.javascript {
                Some("/JavaScript") => inner.javascript,
                _ => names.javascript.or(inner.javascript),
            };
            names.launch |= inner.launch;
            names.open_action |= inner.open_action;
        } else {
            // Named by the file specification that refers to it when one
            // does; by order of appearance otherwise (below).
            let name = object_number(bytes, dict_lo + dict_start)
                .and_then(|n| targets.iter().find(|(t, _)| *t == n))
                .and_then(|(_, name)| name.clone());
            embedded.push(EmbeddedFile {
                name,
                bytes: decoded,
            });
        }
    }
    // Streams an `/EF` refers to that do not call themselves embedded files.
    let mut extra: Vec<EmbeddedFile> = Vec::new();
    for (n, dict_at, kw, data_start) in untyped {
        let Some((_, name)) = targets.iter().find(|(t, _)| *t == n) else {
            continue;
        };
        if encrypted {
            hidden_streams += 1;
            continue;
        }
        let dict = &bytes[dict_at..kw];
        let data_end = stream_end(bytes, data_start);
        let decoded = decode_stream(
            bytes,
            dict,
            dict_at,
            data_start..data_end,
            key.as_ref(),
            budget,
        );
        match decoded {
            Ok(decoded) => {
                budget = budget.saturating_sub(decoded.len() as u64);
                extra.push(EmbeddedFile {
                    name: name.clone(),
                    bytes: decoded,
                });
            }
            Err(reason) => findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::PdfEmbeddedUndecodable {
                    object: n as u64,
                    reason: reason.to_string(),
                },
            )),
        }
    }
    if hidden_streams > 0 {
        findings.push(Finding::new(
            FindingKind::EncryptedDocument,
            Sentence::PdfEncrypted {
                streams: hidden_streams as u64,
            },
        ));
    }
    let claimed: Vec<String> = embedded.iter().filter_map(|f| f.name.clone()).collect();
    let mut unclaimed = file_names.into_iter().filter(|n| !claimed.contains(n));
    for file in embedded.iter_mut().filter(|f| f.name.is_none()) {
        file.name = unclaimed.next();
    }
    embedded.extend(extra);
    if let Some(js) = names.javascript {
        findings.push(Finding::new(
            FindingKind::PdfJavaScript,
            Sentence::PdfJavaScript {
                name: js.to_string(),
                on_open: names.open_action,
            },
        ));
    }
    if names.launch {
        findings.push(Finding::new(FindingKind::PdfLaunch, Sentence::PdfLaunch));
    }
    PdfScan { findings, embedded }
}
