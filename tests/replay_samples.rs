//! `tempolint replay` on Temporal's public samples (`../shared/fixtures/replay_samples`, real
//! histories and the real `Replayer`'s verdicts) the way `../shared/tools/score_replay_samples.py`
//! scores it: each variant's line edits applied to a scratch copy of the samples tree (checked
//! by the sha256 of the lines they replace), then, from the tree root,
//! `tempolint replay --history H --workflow <sample_path>::<Class> --output-format json <sample_path>`.
//! Acceptance: no wrong verdict at all, and at least 36 of the 40 entries decided.
//!
//! The samples tree is not part of the repository: its path is `SAMPLES_PYTHON` (default
//! `../samples-python` beside the repository). Without it, or without `../shared`, the test
//! says SKIPPED loudly.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn samples_fixtures() -> Option<PathBuf> {
    let dir = common::repo_root().join("../shared/fixtures/replay_samples");
    dir.join("manifest.json").is_file().then_some(dir)
}

fn samples_tree() -> Option<PathBuf> {
    let tree = std::env::var_os("SAMPLES_PYTHON").map_or_else(
        || common::repo_root().join("../samples-python"),
        PathBuf::from,
    );
    tree.join("hello").is_dir().then_some(tree)
}

#[allow(
    clippy::print_stderr,
    reason = "a skipped acceptance test must say so loudly"
)]
fn skipped(reason: &str) {
    eprintln!("SKIPPED: {reason}; the replay_samples acceptance was not checked");
}

#[test]
fn replay_on_the_public_samples_is_never_wrong_and_mostly_decided() {
    let Some(fixtures) = samples_fixtures() else {
        skipped("../shared/fixtures/replay_samples/manifest.json not found");
        return;
    };
    let Some(tree) = samples_tree() else {
        skipped("no samples-python tree at $SAMPLES_PYTHON (default ../samples-python)");
        return;
    };
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(fixtures.join(name)).unwrap()).unwrap()
    };
    let manifest = read("manifest.json");
    let variants = read("variants.json");
    let entries = manifest.as_array().unwrap();
    let scratch = std::env::temp_dir().join(format!("tempolint-samples-{}", std::process::id()));
    let (mut decided, mut wrong) = (0, Vec::new());
    for entry in entries {
        let field = |key: &str| entry[key].as_str().unwrap_or_default().to_string();
        let root = match entry["variant"].as_str() {
            Some(variant) => {
                let work = scratch.join(variant);
                if !work.is_dir() {
                    copy_tree(&tree, &work);
                    apply_edits(&work, &variants[variant]["edits"]);
                }
                work
            }
            None => tree.clone(),
        };
        let history = fixtures.join(field("history_file"));
        let class = format!("{}::{}", field("sample_path"), field("workflow_class"));
        let output = common::tempolint(
            &root,
            &[
                "replay",
                "--history",
                history.to_str().unwrap(),
                "--workflow",
                &class,
                "--output-format",
                "json",
                &field("sample_path"),
            ],
        );
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
                panic!(
                    "{}: no JSON (exit {:?}): {}",
                    field("id"),
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        let result = &report["results"][0];
        let verdict = result["verdict"].as_str().unwrap_or_default();
        if verdict == "inconclusive" {
            continue;
        }
        decided += 1;
        if (verdict == "ok") != (field("expected") == "ok") {
            wrong.push(format!(
                "{}: ours {verdict}, SDK {}: {}",
                field("id"),
                field("expected"),
                result["message"]
            ));
        }
    }
    std::fs::remove_dir_all(&scratch).ok();
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
    assert!(decided >= 36, "only {decided} of {} decided", entries.len());
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_name() == ".git" {
            continue;
        }
        if source.is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

/// The scorer's `apply`: per file, edits from the bottom up, each checked by the sha256 of the
/// lines it replaces (so they apply only to the samples commit in `source.json`).
fn apply_edits(work: &Path, edits: &serde_json::Value) {
    let mut by_file: Vec<(String, Vec<&serde_json::Value>)> = Vec::new();
    for edit in edits.as_array().unwrap() {
        let file = edit["file"].as_str().unwrap().to_string();
        match by_file.iter_mut().find(|(name, _)| *name == file) {
            Some((_, list)) => list.push(edit),
            None => by_file.push((file, vec![edit])),
        }
    }
    for (file, mut edits) in by_file {
        let path = work.join(&file);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        edits.sort_by_key(|edit| std::cmp::Reverse(edit["line"].as_u64().unwrap()));
        for edit in edits {
            let start = edit["line"].as_u64().unwrap() as usize - 1;
            let end = start + edit["remove"].as_u64().unwrap() as usize;
            let removed = lines[start..end].join("\n");
            assert_eq!(
                sha256_hex(removed.as_bytes()),
                edit["removed_sha256"].as_str().unwrap(),
                "{file}:{}: the samples tree is not at the commit in source.json",
                start + 1
            );
            let insert = edit["insert"]
                .as_array()
                .unwrap()
                .iter()
                .map(|line| line.as_str().unwrap().to_string());
            lines.splice(start..end, insert);
        }
        std::fs::write(&path, lines.join("\n")).unwrap();
    }
}

/// SHA-256 (FIPS 180-4), enough to check the variants' line hashes without a dependency.
#[expect(
    clippy::many_single_char_names,
    reason = "the working variables are named as in FIPS 180-4"
)]
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a_2f98,
        0x7137_4491,
        0xb5c0_fbcf,
        0xe9b5_dba5,
        0x3956_c25b,
        0x59f1_11f1,
        0x923f_82a4,
        0xab1c_5ed5,
        0xd807_aa98,
        0x1283_5b01,
        0x2431_85be,
        0x550c_7dc3,
        0x72be_5d74,
        0x80de_b1fe,
        0x9bdc_06a7,
        0xc19b_f174,
        0xe49b_69c1,
        0xefbe_4786,
        0x0fc1_9dc6,
        0x240c_a1cc,
        0x2de9_2c6f,
        0x4a74_84aa,
        0x5cb0_a9dc,
        0x76f9_88da,
        0x983e_5152,
        0xa831_c66d,
        0xb003_27c8,
        0xbf59_7fc7,
        0xc6e0_0bf3,
        0xd5a7_9147,
        0x06ca_6351,
        0x1429_2967,
        0x27b7_0a85,
        0x2e1b_2138,
        0x4d2c_6dfc,
        0x5338_0d13,
        0x650a_7354,
        0x766a_0abb,
        0x81c2_c92e,
        0x9272_2c85,
        0xa2bf_e8a1,
        0xa81a_664b,
        0xc24b_8b70,
        0xc76c_51a3,
        0xd192_e819,
        0xd699_0624,
        0xf40e_3585,
        0x106a_a070,
        0x19a4_c116,
        0x1e37_6c08,
        0x2748_774c,
        0x34b0_bcb5,
        0x391c_0cb3,
        0x4ed8_aa4a,
        0x5b9c_ca4f,
        0x682e_6ff3,
        0x748f_82ee,
        0x78a5_636f,
        0x84c8_7814,
        0x8cc7_0208,
        0x90be_fffa,
        0xa450_6ceb,
        0xbef9_a3f7,
        0xc671_78f2,
    ];
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choice = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(choice)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            (h, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (slot, value) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *slot = slot.wrapping_add(value);
        }
    }
    let mut hex = String::with_capacity(64);
    for word in state {
        let _ = write!(hex, "{word:08x}");
    }
    hex
}

#[test]
fn sha256_matches_the_standard_vectors() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
