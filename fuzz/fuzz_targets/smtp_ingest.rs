//! The SMTP parser boundary: arbitrary bytes, cut into arbitrary chunks,
//! through the strict end-of-data reader and smtp-proto's command parser.
//! Never a panic; a message the reader accepts has only CRLF line ends,
//! respects the size limit, and reads back the same after dot-stuffing.
#![no_main]

use ecluse_gateway::inbound::DataReader;
use ecluse_gateway::outbound::dot_stuff;
use libfuzzer_sys::fuzz_target;
use smtp_proto::request::receiver::RequestReceiver;

const MAX: usize = 4096;

fn read_all(input: &[u8], cuts: &[u8]) -> Option<(Result<Vec<u8>, ecluse_gateway::inbound::DataFault>, usize)> {
    let mut r = DataReader::new(MAX, 1000);
    let mut at = 0;
    let mut cut = cuts.iter().cycle();
    while at < input.len() {
        let step = (*cut.next().unwrap_or(&255) as usize % 97 + 1).min(input.len() - at);
        let (n, done) = r.ingest(&input[at..at + step]);
        assert!(n <= step);
        at += n;
        if done {
            return Some((r.finish(), at));
        }
        assert_eq!(n, step, "bytes left over without the end of data");
    }
    None
}

fuzz_target!(|data: &[u8]| {
    let (cuts, input) = data.split_at(data.len().min(8));
    if let Some((Ok(message), _)) = read_all(input, cuts) {
        assert!(message.len() <= MAX);
        for (i, &b) in message.iter().enumerate() {
            if b == b'\n' {
                assert!(i > 0 && message[i - 1] == b'\r', "bare LF accepted");
            }
            if b == b'\r' {
                assert_eq!(message.get(i + 1), Some(&b'\n'), "bare CR accepted");
            }
        }
        let again = read_all(&dot_stuff(&message), cuts).expect("dot-stuffed data has its end");
        assert_eq!(again.0.ok().as_deref(), Some(&message[..]), "dot-stuffing round trip");
    }
    // Commands: whatever the bytes, the parser answers or asks for more.
    let mut receiver = RequestReceiver::default();
    let mut iter = input.iter();
    for _ in 0..10_000 {
        if iter.as_slice().is_empty() {
            break;
        }
        let before = iter.as_slice().len();
        let _ = receiver.ingest(&mut iter).map(|r| r.into_owned());
        if iter.as_slice().len() == before {
            break;
        }
    }
});
