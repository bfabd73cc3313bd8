//! Reading message data after `DATA`, strictly.
//!
//! Only `<CRLF>.<CRLF>` ends the data. A bare LF or bare CR anywhere marks
//! the message to be refused (`550 5.5.2`), as current Postfix does with
//! `smtpd_forbid_bare_newline`: SMTP smuggling (a second message hidden
//! behind `<LF>.<LF>`, `<CR>.<CR>` …, which some downstream server would
//! take as the end) cannot get through, because whatever follows such a
//! sequence is still data of *this* message, and this message is refused.
//!
//! smtp-proto's `DataReceiver` does the dot-unstuffing but lets bare line
//! ends through silently; this reader is ours so that it can say why.

/// Why the data is refused, once the end has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFault {
    /// More than the size limit.
    TooBig,
    /// A bare CR or LF.
    BareLineEnding,
    /// A line longer than the limit.
    LineTooLong,
}

/// The end-of-data state machine.
pub struct DataReader {
    data: Vec<u8>,
    max_size: usize,
    max_line: usize,
    line_len: usize,
    at_line_start: bool,
    dot_pending: bool,
    dot_line: bool,
    cr: bool,
    fault: Option<DataFault>,
}

impl DataReader {
    /// A reader for one message.
    pub fn new(max_size: usize, max_line: usize) -> DataReader {
        DataReader {
            data: Vec::with_capacity(64 << 10),
            max_size,
            max_line,
            line_len: 0,
            at_line_start: true,
            dot_pending: false,
            dot_line: false,
            cr: false,
            fault: None,
        }
    }

    fn fault(&mut self, f: DataFault) {
        // The first fault is the one reported; size wins (the 552 the sender knows).
        if self.fault.is_none() || f == DataFault::TooBig {
            self.fault = Some(f);
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.line_len += bytes.len();
        if self.fault != Some(DataFault::TooBig) && self.data.len() + bytes.len() > self.max_size {
            self.fault(DataFault::TooBig);
            self.data = Vec::new();
        }
        if self.line_len > self.max_line {
            self.fault(DataFault::LineTooLong);
        }
        if self.fault.is_none() {
            self.data.extend_from_slice(bytes);
        }
    }

    /// Feeds bytes; returns how many were consumed and whether the end of
    /// data was reached (bytes after it belong to the next command).
    pub fn ingest(&mut self, input: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if self.cr {
                self.cr = false;
                if b == b'\n' {
                    i += 1;
                    if self.dot_line {
                        return (i, true);
                    }
                    self.push(b"\r\n");
                    self.at_line_start = true;
                    self.line_len = 0;
                    continue;
                }
                // A CR not followed by LF.
                self.fault(DataFault::BareLineEnding);
                self.dot_line = false;
                self.push(b"\r");
                continue;
            }
            if self.at_line_start {
                self.at_line_start = false;
                if b == b'.' {
                    self.dot_pending = true;
                    i += 1;
                    continue;
                }
            }
            if self.dot_pending {
                self.dot_pending = false;
                if b == b'\r' {
                    self.cr = true;
                    self.dot_line = true;
                    i += 1;
                    continue;
                }
                // A stuffed dot: dropped; the rest of the line follows.
            }
            match b {
                b'\r' => {
                    self.cr = true;
                    i += 1;
                }
                b'\n' => {
                    // A LF without CR: never a line end for us.
                    self.fault(DataFault::BareLineEnding);
                    self.push(b"\n");
                    i += 1;
                }
                _ => {
                    let run = memchr::memchr2(b'\r', b'\n', &input[i..]).unwrap_or(input.len() - i);
                    let (start, end) = (i, i + run);
                    self.push(&input[start..end]);
                    i = end;
                }
            }
        }
        (i, false)
    }

    /// The message, or why it is refused.
    pub fn finish(self) -> Result<Vec<u8>, DataFault> {
        match self.fault {
            Some(f) => Err(f),
            None => Ok(self.data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> (Result<Vec<u8>, DataFault>, usize, bool) {
        let mut r = DataReader::new(1 << 20, 1000);
        let (n, done) = r.ingest(input);
        (r.finish(), n, done)
    }

    #[test]
    fn unstuffs_and_stops_at_crlf_dot_crlf() {
        let (m, n, done) = read(b"Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
        assert!(done);
        assert_eq!(&m.unwrap(), b"Subject: x\r\n\r\n.leading dot\r\n");
        assert_eq!(n, b"Subject: x\r\n\r\n..leading dot\r\n.\r\n".len());
    }

    #[test]
    fn an_empty_message_ends_at_once() {
        let (m, _, done) = read(b".\r\n");
        assert!(done);
        assert_eq!(m.unwrap(), b"");
    }

    #[test]
    fn byte_by_byte_is_the_same() {
        let input = b"A: b\r\n\r\n.. x\r\nline\r\n.\r\nRSET\r\n";
        let mut r = DataReader::new(1 << 20, 1000);
        let mut consumed = 0;
        for (i, b) in input.iter().enumerate() {
            let (n, done) = r.ingest(std::slice::from_ref(b));
            consumed += n;
            if done {
                assert_eq!(i + 1, b"A: b\r\n\r\n.. x\r\nline\r\n.\r\n".len());
                break;
            }
        }
        assert_eq!(consumed, 23);
        assert_eq!(r.finish().unwrap(), b"A: b\r\n\r\n. x\r\nline\r\n");
    }

    /// Each smuggling variant: the fake end does not end the data, the real
    /// end does, and the message is refused as a whole.
    #[test]
    fn smuggling_variants_never_end_data_and_are_refused() {
        for fake in [
            &b"\n.\n"[..],
            b"\n.\r\n",
            b"\r.\r",
            b"\r\n.\r",
            b"\r.\r\n",
            b"\r\n.\n",
        ] {
            let mut input = b"Subject: a\r\n\r\nbody".to_vec();
            input.extend_from_slice(fake);
            input.extend_from_slice(
                b"MAIL FROM:<evil@x>\r\nRCPT TO:<v@ville-exemple.fr>\r\nDATA\r\nsmuggled\r\n.\r\n",
            );
            let (m, n, done) = read(&input);
            assert!(done, "{fake:?}: the real end was not found");
            assert_eq!(n, input.len(), "{fake:?}: stopped at the fake end");
            assert_eq!(m, Err(DataFault::BareLineEnding), "{fake:?}");
        }
    }

    #[test]
    fn size_and_line_limits() {
        let mut r = DataReader::new(10, 1000);
        r.ingest(b"0123456789ABCDEF\r\n.\r\n");
        assert_eq!(r.finish(), Err(DataFault::TooBig));
        let mut r = DataReader::new(1 << 20, 1000);
        let mut long = vec![b'a'; 1200];
        long.extend_from_slice(b"\r\n.\r\n");
        assert_eq!(r.ingest(&long), (long.len(), true));
        assert_eq!(r.finish(), Err(DataFault::LineTooLong));
    }
}
