//! TOML → settings (through a file, as the binary reads it).
fn main() {
    let folder = std::env::temp_dir().join(format!("tempolint-afl-config-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("scratch folder");
    let path = folder.join("pyproject.toml");
    afl::fuzz!(|data: &[u8]| {
        std::fs::write(&path, data).expect("write the config");
        let _ = tempolint_linter::load_config(&path);
    });
}
