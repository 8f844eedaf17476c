//! Blind mutations of seed inputs (no coverage feedback: stable Rust has no sanitizer-coverage
//! hooks without a fuzzing engine such as AFL).

/// xorshift64*: small, seedable, good enough to pick mutations.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `bound` (which must not be 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Tokens worth inserting: Python syntax, the SDK's names, JSON and TOML structure, LSP
/// framing, and values at the edges of their types.
const DICTIONARY: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b",",
    b"\n",
    b"\n    ",
    b"\t",
    b"\\",
    b"\"",
    b"'",
    b"\"\"\"",
    b"f\"{",
    b"}\"",
    b"lambda: ",
    b"await ",
    b"async def f():\n",
    b"class C:\n",
    b"@workflow.defn\n",
    b"@workflow.run\n",
    b"@activity.defn\n",
    b"workflow.execute_activity(",
    b"time.time()",
    b"import time\n",
    b"import helpers\n",
    b"from helpers import *\n",
    b"helpers.",
    b"def helper():\n    return ",
    b"from . import ",
    b"# tempolint: ignore\n",
    b"# noqa: ",
    b"start_to_close_timeout=",
    b"timedelta(seconds=1)",
    b"**",
    b"*",
    b"if ",
    b"else ",
    b"yield ",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xf0\x9f\x98",
    b"\r\n",
    b"\r",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"\"eventId\": ",
    b"\"eventType\": ",
    b"\"payloads\": [",
    b"\"data\": \"",
    b"\"metadata\": {",
    b"-1",
    b"0",
    b"9223372036854775807",
    b"18446744073709551616",
    b"1e999",
    b"NaN",
    b"[tool.tempolint]\n",
    b"select = ",
    b"= [\"",
    b"\"]\n",
    b"Content-Length: ",
    b"\r\n\r\n",
    b"Content-Length: 99999999\r\n\r\n",
    b"\"method\": \"",
    b"\"id\": ",
    b"\"range\": ",
    b"\"line\": 4294967295",
    b"\"character\": -1",
];

/// One to four random mutations of `input`, possibly splicing in part of `other`.
pub(crate) fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            0 if !data.is_empty() => {
                let index = at.min(data.len() - 1);
                data[index] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let index = at.min(data.len() - 1);
                data[index] = [0, 0xff, 0x7f, 0x80, b'\n', b' ', b'"', b'\\'][rng.below(8)];
            }
            2 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(data.len());
                let copy = data[at..end].to_vec();
                let most = if rng.below(8) == 0 { 200 } else { 3 };
                let times = 1 + rng.below(most);
                for _ in 0..times {
                    data.splice(at..at, copy.iter().copied());
                }
            }
            4 | 5 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())];
                data.splice(at..at, token.iter().copied());
            }
            6 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + rng.below(256)).min(other.len());
                data.splice(at..at, other[start..end].iter().copied());
            }
            _ => data.truncate(at),
        }
    }
    data
}
