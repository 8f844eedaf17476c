//! Standard input, checked frame by frame before the LSP transport reads it: the transport
//! stops for good at the first body that is not JSON, so such frames are dropped (and logged)
//! here, and the server goes on.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

/// Bodies above this are refused rather than buffered (a client bug, not a document).
const MAX_BODY: usize = 1 << 30;

fn log(message: &str) {
    let _ = writeln!(std::io::stderr(), "tempolint server: {message}");
}

/// Copies well-formed frames from `input` to `output` until `input` ends.
pub(crate) async fn forward_valid_frames(input: impl AsyncRead + Unpin, mut output: DuplexStream) {
    let mut reader = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&line);
            let line = line.trim();
            if line.is_empty() {
                if length.is_some() {
                    break;
                }
                continue;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok();
            }
        }
        let Some(length) = length.filter(|length| *length <= MAX_BODY) else {
            log("dropped a message with an unusable Content-Length");
            continue;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
            log("dropped a message whose body is not JSON");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
        {
            return;
        }
    }
}
