//! The stream filters of ISO 32000-1 §7.4 that carry data the scanner
//! reads (object streams, cross-reference streams, XFA forms, embedded
//! files): `FlateDecode` and `LZWDecode` with their predictors (§7.4.4.4),
//! `ASCIIHexDecode`, `ASCII85Decode`, `RunLengthDecode`, in a chain. Image
//! filters (`DCTDecode`, `JPXDecode`, `CCITTFaxDecode`, `JBIG2Decode`) are
//! not decoded: a stream the scanner needs behind one is undecodable.
//!
//! Every filter writes at most `cap` bytes: past it, the decode fails with
//! "the stream expands past the scan budget" (never trust a declared size).

use super::syntax::{Dict, Value};
use std::io::Read;

/// Why a stream could not be decoded.
pub(crate) const UNSUPPORTED: &str = "it uses filters Écluse does not decode";
/// The decode went past the bytes the budget allows.
pub(crate) const PAST_BUDGET: &str = "the stream expands past the scan budget";

/// The filters of a stream dictionary, with their parameters, in order
/// (`/Filter` a name or an array; `/DecodeParms` a dictionary, an array of
/// them, or absent).
pub(crate) fn chain(dict: &Dict) -> Vec<(Vec<u8>, Option<Dict>)> {
    // (`/F` and `/DP` abbreviate these in inline images only; in a stream
    // dictionary `/F` names an external file, §7.3.8.2.)
    let names: Vec<Vec<u8>> = match dict.get(b"Filter") {
        Some(Value::Name(n)) => vec![n.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let params: Vec<Option<Dict>> = match dict.get(b"DecodeParms") {
        Some(Value::Dict(d)) => vec![Some(d.clone())],
        Some(Value::Array(items)) => items.iter().map(|v| v.as_dict().cloned()).collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, params.get(i).cloned().flatten()))
        .collect()
}

/// The stream's filter names, for a finding.
pub(crate) fn names(dict: &Dict) -> Vec<String> {
    chain(dict)
        .iter()
        .map(|(n, _)| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// Undoes every filter of `dict` on `data`, writing at most `cap` bytes at
/// each step. A `/Crypt` filter is left to the caller (the decryption).
pub(crate) fn decode(dict: &Dict, data: &[u8], cap: u64) -> Result<Vec<u8>, &'static str> {
    let mut current: Option<Vec<u8>> = None;
    for (name, params) in chain(dict) {
        let input = current.as_deref().unwrap_or(data);
        let out = match name.as_slice() {
            b"FlateDecode" | b"Fl" => predict(inflate(input, cap)?, params.as_ref(), cap)?,
            b"LZWDecode" | b"LZW" => {
                let early = params
                    .as_ref()
                    .and_then(|p| p.int(b"EarlyChange"))
                    .unwrap_or(1)
                    != 0;
                predict(lzw(input, early, cap)?, params.as_ref(), cap)?
            }
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(input),
            b"ASCII85Decode" | b"A85" => ascii85(input, cap)?,
            b"RunLengthDecode" | b"RL" => run_length(input, cap)?,
            b"Crypt" => input.to_vec(),
            _ => return Err(UNSUPPORTED),
        };
        if out.len() as u64 > cap {
            return Err(PAST_BUDGET);
        }
        current = Some(out);
    }
    Ok(current.unwrap_or_else(|| data.to_vec()))
}

/// Inflates zlib data (raw deflate when the zlib header is missing, as
/// readers accept), reading at most `cap` bytes out. A truncated stream
/// still yields what it held.
fn inflate(data: &[u8], cap: u64) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let result = flate2::read::ZlibDecoder::new(data)
        .take(cap + 1)
        .read_to_end(&mut out);
    if result.is_err() && out.is_empty() && !data.is_empty() {
        out.clear();
        let raw = flate2::read::DeflateDecoder::new(data)
            .take(cap + 1)
            .read_to_end(&mut out);
        if raw.is_err() && out.is_empty() {
            return Err("the stream does not inflate");
        }
    }
    if out.len() as u64 > cap {
        return Err(PAST_BUDGET);
    }
    Ok(out)
}

/// Undoes a predictor (§7.4.4.4, Table 8): TIFF 2 and the PNG ones (10 to
/// 15, each row saying its own). Without one, the data as it is.
fn predict(data: Vec<u8>, params: Option<&Dict>, cap: u64) -> Result<Vec<u8>, &'static str> {
    let Some(p) = params else { return Ok(data) };
    let predictor = p.int(b"Predictor").unwrap_or(1);
    if predictor <= 1 {
        return Ok(data);
    }
    let colors = p.int(b"Colors").unwrap_or(1).clamp(1, 32) as usize;
    let bits = p.int(b"BitsPerComponent").unwrap_or(8).clamp(1, 16) as usize;
    let columns = p.int(b"Columns").unwrap_or(1).clamp(1, 1 << 24) as usize;
    let bpp = (colors * bits).div_ceil(8).max(1);
    let row = (colors * bits * columns).div_ceil(8);
    if predictor == 2 {
        // TIFF: each byte adds the one `bpp` before it (8-bit components).
        let mut out = data;
        if bits == 8 {
            for line in out.chunks_mut(row.max(1)) {
                for i in bpp..line.len() {
                    line[i] = line[i].wrapping_add(line[i - bpp]);
                }
            }
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(data.len().min(cap as usize));
    let mut prior = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (kind, line) = (chunk[0], &chunk[1..]);
        let mut cur = line.to_vec();
        cur.resize(row, 0);
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prior[i];
            let up_left = if i >= bpp { prior[i - bpp] } else { 0 };
            cur[i] = match kind {
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((left as u16 + up as u16) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                _ => cur[i],
            };
        }
        out.extend_from_slice(&cur[..line.len().min(row)]);
        if out.len() as u64 > cap {
            return Err(PAST_BUDGET);
        }
        prior = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// `ASCIIHexDecode` (§7.4.2): white space ignored, `>` ends it, an odd last
/// digit followed by 0.
fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => continue,
        };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    out
}

/// `ASCII85Decode` (§7.4.3): `z` for four zeros, `~>` ends it, a last
/// group of 2 to 4 characters for 1 to 3 bytes.
fn ascii85(data: &[u8], cap: u64) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let mut group = [0u32; 5];
    let mut n = 0;
    let data = data.strip_prefix(b"<~").unwrap_or(data);
    for &b in data {
        match b {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = (b - b'!') as u32;
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u64, |acc, &d| acc * 85 + d as u64);
                    out.extend_from_slice(&(v as u32).to_be_bytes());
                    n = 0;
                }
            }
            _ => {}
        }
        if out.len() as u64 > cap {
            return Err(PAST_BUDGET);
        }
    }
    if n > 1 {
        for d in group.iter_mut().skip(n) {
            *d = 84;
        }
        let v = group.iter().fold(0u64, |acc, &d| acc * 85 + d as u64);
        out.extend_from_slice(&(v as u32).to_be_bytes()[..n - 1]);
    }
    Ok(out)
}

/// `RunLengthDecode` (§7.4.5).
fn run_length(data: &[u8], cap: u64) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&len) = data.get(i) {
        i += 1;
        match len {
            128 => break,
            0..=127 => {
                let end = (i + len as usize + 1).min(data.len());
                out.extend_from_slice(&data[i..end]);
                i = end;
            }
            _ => {
                let Some(&b) = data.get(i) else { break };
                i += 1;
                out.extend(std::iter::repeat_n(b, 257 - len as usize));
            }
        }
        if out.len() as u64 > cap {
            return Err(PAST_BUDGET);
        }
    }
    Ok(out)
}

/// `LZWDecode` (§7.4.4): codes of 9 to 12 bits, 256 clears the table, 257
/// ends the data; with `early` the code width grows one code early.
fn lzw(data: &[u8], early: bool, cap: u64) -> Result<Vec<u8>, &'static str> {
    const CLEAR: usize = 256;
    const END: usize = 257;
    let mut out: Vec<u8> = Vec::new();
    // Each entry past the 258 fixed ones: (the entry it extends, its last byte).
    let mut table: Vec<(usize, u8)> = Vec::with_capacity(4096);
    let mut previous: Option<usize> = None;
    let mut width = 9u32;
    let (mut acc, mut nbits) = (0u64, 0u32);
    let mut bytes = data.iter();
    let mut string = Vec::with_capacity(4096);
    // The bytes of `code`, first to last, into `string`.
    let expand = |table: &Vec<(usize, u8)>, code: usize, string: &mut Vec<u8>| {
        string.clear();
        let mut c = code;
        while c > END {
            let (prefix, last) = table[c - END - 1];
            string.push(last);
            c = prefix;
        }
        string.push(c as u8);
        string.reverse();
    };
    loop {
        while nbits < width {
            let Some(&b) = bytes.next() else {
                return Ok(out);
            };
            acc = (acc << 8) | b as u64;
            nbits += 8;
        }
        nbits -= width;
        let code = ((acc >> nbits) & ((1 << width) - 1)) as usize;
        acc &= (1u64 << nbits) - 1;
        if code == CLEAR {
            table.clear();
            previous = None;
            width = 9;
            continue;
        }
        if code == END {
            return Ok(out);
        }
        let next = END + 1 + table.len();
        match previous {
            _ if code < next => {
                expand(&table, code, &mut string);
                if let Some(prev) = previous
                    && next < 4096
                {
                    table.push((prev, string[0]));
                }
            }
            Some(prev) if code == next && next < 4096 => {
                expand(&table, prev, &mut string);
                let first = string[0];
                string.push(first);
                table.push((prev, first));
            }
            _ => return Err("the LZW data is damaged"),
        }
        out.extend_from_slice(&string);
        if out.len() as u64 > cap {
            return Err(PAST_BUDGET);
        }
        previous = Some(code);
        width = match END + 1 + table.len() + usize::from(early) {
            0..=511 => 9,
            512..=1023 => 10,
            1024..=2047 => 11,
            _ => 12,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::pdf::syntax::Parser;

    fn dict(text: &str) -> Dict {
        match Parser::new(text.as_bytes(), 0).value() {
            Some(Value::Dict(d)) => d,
            _ => panic!("not a dictionary"),
        }
    }

    #[test]
    fn chains_of_filters_are_undone_in_order() {
        let hex: String = b"hello"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            + ">";
        let d = dict("<< /Filter [/AHx] >>");
        assert_eq!(decode(&d, hex.as_bytes(), 100).unwrap(), b"hello");
        // ASCII85 of "hello" is "BOu!rDZ".
        let d = dict("<< /Filter /A85 >>");
        assert_eq!(decode(&d, b"BOu!rDZ~>", 100).unwrap(), b"hello");
        let d = dict("<< /Filter /RunLengthDecode >>");
        assert_eq!(
            decode(&d, &[1, b'h', b'e', 255, b'l', 0, b'o', 128], 100).unwrap(),
            b"hello"
        );
        // LZW of "-----A---B" (the example of §7.4.4.2), early change.
        let d = dict("<< /Filter /LZWDecode >>");
        let lzw = [0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01];
        assert_eq!(decode(&d, &lzw, 100).unwrap(), b"-----A---B");
    }

    #[test]
    fn png_up_predictor_is_undone() {
        use std::io::Write;
        // Two rows of 3 columns, predictor 2 (Up) on the second.
        let raw = [0u8, 1, 2, 3, 2, 1, 1, 1];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw).unwrap();
        let packed = z.finish().unwrap();
        let d = dict("<< /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 3 >> >>");
        assert_eq!(decode(&d, &packed, 100).unwrap(), [1, 2, 3, 2, 3, 4]);
    }

    #[test]
    fn past_the_cap_is_an_error() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&[0u8; 10_000]).unwrap();
        let packed = z.finish().unwrap();
        let d = dict("<< /Filter /FlateDecode >>");
        assert_eq!(decode(&d, &packed, 9_999), Err(PAST_BUDGET));
        assert_eq!(decode(&d, &packed, 10_000).unwrap().len(), 10_000);
        let d = dict("<< /Filter /DCTDecode >>");
        assert_eq!(decode(&d, b"x", 10), Err(UNSUPPORTED));
    }
}
