//! Headless Neovim, set up with `editors/nvim/tempolint.lua`, opens a workflow of the
//! `fixtures/lsp` project and reports the diagnostics it received from `tempolint server`.
//! Without `nvim` on PATH the test passes after a loud SKIPPED line (scripts/test installs it).

use std::io::Write;
use std::process::Command;

use serde_json::Value;

/// Runs in Neovim: attach, wait for diagnostics, write `code line` pairs to `TEMPOLINT_OUT`.
const COLLECT: &str = r#"
package.path = vim.env.TEMPOLINT_EDITOR_NVIM .. "/?.lua;" .. package.path
require("tempolint").setup({ cmd = { vim.env.TEMPOLINT_BIN, "server" } })
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.TEMPOLINT_FILE))
local buf = vim.api.nvim_get_current_buf()
local expected = tonumber(vim.env.TEMPOLINT_EXPECTED)
vim.wait(20000, function() return #vim.diagnostic.get(buf) >= expected end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
  table.insert(found, { code = code, line = d.lnum + 1, source = d.source })
end
local out = io.open(vim.env.TEMPOLINT_OUT, "w")
out:write(vim.fn.json_encode(found))
out:close()
vim.cmd("qa!")
"#;

#[test]
fn neovim_shows_the_servers_diagnostics() {
    let version = Command::new("nvim").arg("--version").output();
    let Some(version) = version.ok().filter(|output| output.status.success()) else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: neovim_shows_the_servers_diagnostics: `nvim` is not installed \
             (apt-get install -y neovim; scripts/test does this)"
        );
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let project = root
        .join("fixtures/lsp")
        .canonicalize()
        .expect("fixtures/lsp");
    let work = std::env::temp_dir().join(format!("tempolint-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp folder");
    let script = work.join("collect.lua");
    let out = work.join("diagnostics.json");
    std::fs::write(&script, COLLECT).expect("write the Lua script");
    let _ = std::fs::remove_file(&out);
    let run = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(&project)
        .env("TEMPOLINT_EDITOR_NVIM", root.join("editors/nvim"))
        .env("TEMPOLINT_BIN", env!("CARGO_BIN_EXE_tempolint"))
        .env("TEMPOLINT_FILE", project.join("pkg/workflows.py"))
        .env("TEMPOLINT_EXPECTED", "3")
        .env("TEMPOLINT_OUT", &out)
        .env("XDG_STATE_HOME", &work)
        .env("XDG_CACHE_HOME", &work)
        .output()
        .expect("run nvim");
    let received = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no diagnostics ({}): {}\n{}",
            String::from_utf8_lossy(&version.stdout)
                .lines()
                .next()
                .unwrap_or_default(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let received: Vec<Value> = serde_json::from_str(&received).expect("JSON from Neovim");
    let mut found: Vec<(String, u64)> = received
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("DET101".to_string(), 17),
            ("DET102".to_string(), 16),
            ("DET401".to_string(), 15)
        ],
        "{received:#?}"
    );
    assert!(received.iter().all(|d| d["source"] == "tempolint"));
    let _ = std::fs::remove_dir_all(&work);
}
