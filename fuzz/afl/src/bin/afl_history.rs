//! History JSON → the history loader.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = tempolint_replay::history::parse_history(text, "history.json");
        }
    });
}
