fn main() {
    for arg in std::env::args().skip(1) {
        let start = std::time::Instant::now();
        match tempolint_replay::history::load_history(std::path::Path::new(&arg)) {
            Ok(h) => println!("{arg}: {} events in {:?}", h.events.len(), start.elapsed()),
            Err(e) => println!("ERR {e}"),
        }
    }
}
#[allow(dead_code)]
fn unused() {}
