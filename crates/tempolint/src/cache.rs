//! `.tempolint_cache/`: the findings of the last `check` of the same files with the same
//! settings, so a check of an unchanged tree skips parsing and analysis.
//!
//! What one file's findings depend on (`tempolint_linter::lint_project`):
//! * its own text, and the settings (rule selection, per-file ignores, determinism and payload
//!   values);
//! * forward, the files it imports, transitively: names resolve through them and effects
//!   propagate back along the call graph from every helper it reaches;
//! * backward, the files that import it: a helper's unannotated parameter types are those all
//!   its callers agree on (`agreed_argument_types`), and a module is sandboxed when a workflow
//!   module imports it, directly or not (`sandboxed_modules`);
//! * every file: the workers' sandbox configuration (`SandboxConfig`, for DET302), and the
//!   project-wide rules, which match activity and workflow names, heartbeats and timeouts
//!   across the project (`ProjectChecker`);
//! * which files exist, their paths and the source roots (module names), and the checked
//!   paths (what is reported and what is context).
//!
//! In a monorepo that reaches every file (shared libraries are imported everywhere), so one
//! entry holds the findings of a whole run, keyed by all of it: the tool build, the resolved
//! settings, the current folder, the checked paths, and each file's path and content hash.
//! Any change to any of them is a miss and a full analysis, which is exact by construction.
//!
//! A cache file is never trusted: a header with a magic string, the format, the tool build
//! and the run key, then a checksum of the body; the body is decoded with bounds checks and
//! every range is checked against the file it points into. Anything else is a miss, and the
//! run rewrites the file (atomically: a temporary file renamed over it, so concurrent runs
//! each leave a whole file).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use tempolint_linter::{
    Applicability, ChainStep, Diagnostic, Edit, FileReport, Fix, Rule, Settings, Severity,
};
use tempolint_python::{TextRange, TextSize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

use crate::fix::write_atomically;

/// The cache folder's name in the project root, like ruff's `.ruff_cache`.
const DEFAULT_DIR: &str = ".tempolint_cache";
const MAGIC: &[u8; 16] = b"tempolint-cache\n";
/// Bumped when the layout below changes.
const FORMAT: u32 = 1;
const HEADER_LEN: usize = MAGIC.len() + 4 + 16 + 16 + 8 + 8;
/// Entries kept per tool version: each kind of run (folder, settings, checked paths) has its
/// own, and pre-commit names other files at every commit, so the least recently used go.
const KEPT_ENTRIES: usize = 16;

/// Where the cache lives: `--cache-dir`/`TEMPOLINT_CACHE_DIR`, else the `cache-dir` setting,
/// else `.tempolint_cache` in the project root.
pub(crate) fn cache_dir(option: Option<&Path>, settings: &Settings) -> PathBuf {
    option.map_or_else(
        || {
            settings
                .cache_dir
                .clone()
                .unwrap_or_else(|| settings.root.join(DEFAULT_DIR))
        },
        Path::to_path_buf,
    )
}

/// One file of a run, as read from disk: its path and its bytes.
pub(crate) struct FileBytes<'a> {
    pub(crate) path: &'a Path,
    pub(crate) bytes: &'a [u8],
}

/// The cache entry of one kind of run (same folder, settings and checked paths), and the key
/// its content must carry to be used for this run.
pub(crate) struct RunCache {
    file: PathBuf,
    tool: u128,
    run: u128,
}

impl RunCache {
    /// The entry for a run over `files` (the checked files first, `reported` of them, then
    /// the project's other files), with `settings`, of `checked_paths`.
    pub(crate) fn new(
        dir: &Path,
        settings: &Settings,
        checked_paths: &[PathBuf],
        files: &[FileBytes<'_>],
        reported: usize,
    ) -> Self {
        let mut scope = Xxh3::new();
        let cwd = std::env::current_dir().unwrap_or_default();
        hash_bytes(&mut scope, cwd.as_os_str().as_encoded_bytes());
        // Every resolved setting, whatever its kind: a new setting cannot be forgotten here.
        hash_bytes(&mut scope, format!("{settings:?}").as_bytes());
        for path in checked_paths {
            hash_bytes(&mut scope, path.as_os_str().as_encoded_bytes());
        }
        let scope = scope.digest128();
        let contents: Vec<u128> = files.par_iter().map(|file| xxh3_128(file.bytes)).collect();
        let mut run = Xxh3::new();
        run.update(&scope.to_le_bytes());
        run.update(&(reported as u64).to_le_bytes());
        for (file, content) in files.iter().zip(contents) {
            hash_bytes(&mut run, file.path.as_os_str().as_encoded_bytes());
            run.update(&content.to_le_bytes());
        }
        Self {
            file: dir
                .join(env!("CARGO_PKG_VERSION"))
                .join(format!("{scope:032x}.bin")),
            tool: tool_key(),
            run: run.digest128(),
        }
    }

    /// The reports of the run this key describes, when the cache holds them intact; `texts`
    /// are the files' texts in run order (to check every range against).
    pub(crate) fn load(&self, texts: &[(&Path, &str)]) -> Option<Vec<FileReport>> {
        let bytes = std::fs::read(&self.file).ok()?;
        let body = self.check_header(&bytes)?;
        let reports = decode(body, texts)?;
        // Marks the entry as recently used, so pruning keeps it (best effort: a read-only
        // cache still serves).
        let _ = std::fs::File::options()
            .write(true)
            .open(&self.file)
            .and_then(|file| file.set_modified(std::time::SystemTime::now()));
        Some(reports)
    }

    /// Stores the reports of this run. A cache that cannot be written is worth a warning, not
    /// a failed check.
    pub(crate) fn store(&self, reports: &[FileReport]) -> std::io::Result<()> {
        let Some(body) = encode(reports) else {
            // A path that is not UTF-8 in a chain: such runs are not cached.
            return Ok(());
        };
        let version_dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(version_dir)?;
        if let Some(root) = version_dir.parent() {
            mark_cache_dir(root)?;
        }
        let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT.to_le_bytes());
        bytes.extend_from_slice(&self.tool.to_le_bytes());
        bytes.extend_from_slice(&self.run.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&xxh3_64(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        write_atomically(&self.file, &bytes)?;
        prune(version_dir, &self.file);
        Ok(())
    }

    /// The body, when the header is this format, this tool build and this run, and the body
    /// is whole.
    fn check_header<'a>(&self, bytes: &'a [u8]) -> Option<&'a [u8]> {
        let mut reader = Reader { bytes, position: 0 };
        if reader.take(MAGIC.len())? != MAGIC
            || reader.u32()? != FORMAT
            || reader.u128()? != self.tool
            || reader.u128()? != self.run
        {
            return None;
        }
        let length = usize::try_from(reader.u64()?).ok()?;
        let checksum = reader.u64()?;
        let body = reader.take(length)?;
        (reader.position == bytes.len() && xxh3_64(body) == checksum).then_some(body)
    }
}

/// Removes all but the [`KEPT_ENTRIES`] most recently used entries of `dir` (never `keep`, the
/// one just written). Best effort: an entry another run removes first, or reads while it goes,
/// is only a miss.
fn prune(dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "bin"))
        .filter(|path| path != keep)
        .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
        .collect();
    if found.len() < KEPT_ENTRIES {
        return;
    }
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in &found[KEPT_ENTRIES - 1..] {
        let _ = std::fs::remove_file(path);
    }
}

/// This build of the tool: its version, and the executable's size and modification time, so
/// a rebuilt binary (same version, other rules) never reads an older build's findings.
fn tool_key() -> u128 {
    let mut hasher = Xxh3::new();
    hash_bytes(&mut hasher, env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(metadata) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        hasher.update(&metadata.len().to_le_bytes());
        if let Ok(since) = metadata
            .modified()
            .map(|time| time.duration_since(std::time::UNIX_EPOCH))
        {
            hasher.update(&since.unwrap_or_default().as_nanos().to_le_bytes());
        }
    }
    hasher.digest128()
}

/// Hashes `bytes` with their length, so consecutive fields cannot run into each other.
fn hash_bytes(hasher: &mut Xxh3, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// Writes, once, what marks the folder as a cache: a `.gitignore` of everything (so it is
/// never committed) and a `CACHEDIR.TAG` (so backup tools skip it).
fn mark_cache_dir(dir: &Path) -> std::io::Result<()> {
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        write_atomically(&gitignore, b"# Automatically created by tempolint.\n*\n")?;
    }
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        write_atomically(
            &tag,
            b"Signature: 8a477f597d28d172789f06886806bc55\n\
              # This file is a cache directory tag created by tempolint.\n\
              # For information about cache directory tags see https://bford.info/cachedir/\n",
        )?;
    }
    Ok(())
}

/// The body: per file, its findings. `None` when a chain names a path that is not UTF-8.
fn encode(reports: &[FileReport]) -> Option<Vec<u8>> {
    let mut out = Writer(Vec::new());
    out.count(reports.len());
    for report in reports {
        out.count(report.diagnostics.len());
        for diagnostic in &report.diagnostics {
            out.str(diagnostic.rule.code());
            out.0.push(match diagnostic.severity {
                Severity::Info => 0,
                Severity::Warning => 1,
                Severity::Error => 2,
            });
            out.range(diagnostic.range);
            out.str(&diagnostic.message);
            out.count(diagnostic.chain.len());
            for step in &diagnostic.chain {
                out.str(&step.name);
                out.str(step.file.to_str()?);
                out.range(step.range);
            }
            match &diagnostic.fix {
                None => out.0.push(0),
                Some(fix) => {
                    out.0.push(match fix.applicability {
                        Applicability::Safe => 1,
                        Applicability::Unsafe => 2,
                    });
                    out.str(&fix.message);
                    out.count(fix.edits.len());
                    for edit in &fix.edits {
                        out.range(edit.range);
                        out.str(&edit.content);
                    }
                }
            }
        }
    }
    Some(out.0)
}

/// The reports `body` holds, when it decodes in full and every range lies on character
/// boundaries of the file it points into.
fn decode(body: &[u8], texts: &[(&Path, &str)]) -> Option<Vec<FileReport>> {
    let by_path: FxHashMap<&Path, &str> = texts.iter().copied().collect();
    let mut reader = Reader {
        bytes: body,
        position: 0,
    };
    if reader.count()? != texts.len() {
        return None;
    }
    let mut reports = Vec::with_capacity(texts.len());
    for (_, text) in texts {
        let count = reader.count()?;
        let mut diagnostics = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            let rule = Rule::from_code(reader.str()?)?;
            let severity = match reader.byte()? {
                0 => Severity::Info,
                1 => Severity::Warning,
                2 => Severity::Error,
                _ => return None,
            };
            let range = reader.range(text)?;
            let message = reader.str()?.to_string();
            let steps = reader.count()?;
            let mut chain = Vec::with_capacity(steps.min(1024));
            for _ in 0..steps {
                let name = reader.str()?.to_string();
                let file = Path::new(reader.str()?);
                let (file, step_text) = by_path.get_key_value(file)?;
                chain.push(ChainStep {
                    name,
                    file: file.to_path_buf(),
                    range: reader.range(step_text)?,
                });
            }
            let applicability = match reader.byte()? {
                0 => None,
                1 => Some(Applicability::Safe),
                2 => Some(Applicability::Unsafe),
                _ => return None,
            };
            let fix = match applicability {
                None => None,
                Some(applicability) => {
                    let message = reader.str()?.to_string();
                    let edits = reader.count()?;
                    let mut fix = Fix {
                        applicability,
                        message,
                        edits: Vec::with_capacity(edits.min(1024)),
                    };
                    for _ in 0..edits {
                        let range = reader.range(text)?;
                        let content = reader.str()?.to_string();
                        fix.edits.push(Edit { range, content });
                    }
                    Some(fix)
                }
            };
            diagnostics.push(Diagnostic {
                rule,
                message,
                severity,
                range,
                chain,
                fix,
            });
        }
        reports.push(FileReport { diagnostics });
    }
    (reader.position == body.len()).then_some(reports)
}

struct Writer(Vec<u8>);

impl Writer {
    fn count(&mut self, count: usize) {
        self.0.extend_from_slice(&(count as u64).to_le_bytes());
    }

    fn str(&mut self, text: &str) {
        self.count(text.len());
        self.0.extend_from_slice(text.as_bytes());
    }

    fn range(&mut self, range: TextRange) {
        self.0
            .extend_from_slice(&u32::from(range.start()).to_le_bytes());
        self.0
            .extend_from_slice(&u32::from(range.end()).to_le_bytes());
    }
}

/// Reads what [`Writer`] wrote; every read is bounds-checked (`None` past the end).
struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let end = self.position.checked_add(length)?;
        let slice = self.bytes.get(self.position..end)?;
        self.position = end;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }

    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.array()?))
    }

    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn str(&mut self) -> Option<&'a str> {
        let length = self.count()?;
        std::str::from_utf8(self.take(length)?).ok()
    }

    /// A range that lies within `text`, on character boundaries.
    fn range(&mut self, text: &str) -> Option<TextRange> {
        let start = self.u32()?;
        let end = self.u32()?;
        let valid = start <= end
            && text.is_char_boundary(start as usize)
            && text.is_char_boundary(end as usize);
        valid.then(|| TextRange::new(TextSize::new(start), TextSize::new(end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Vec<FileReport> {
        let range = TextRange::new(TextSize::new(2), TextSize::new(5));
        vec![
            FileReport {
                diagnostics: vec![Diagnostic {
                    rule: Rule::ALL[0],
                    message: "message é".to_string(),
                    severity: Severity::Warning,
                    range,
                    chain: vec![ChainStep {
                        name: "helper".to_string(),
                        file: PathBuf::from("b.py"),
                        range,
                    }],
                    fix: Some(Fix {
                        applicability: Applicability::Unsafe,
                        message: "fix it".to_string(),
                        edits: vec![Edit {
                            range,
                            content: "new".to_string(),
                        }],
                    }),
                }],
            },
            FileReport {
                diagnostics: Vec::new(),
            },
        ]
    }

    const TEXTS: &[(&str, &str)] = &[("a.py", "x = 1234\n"), ("b.py", "def helper(): ...\n")];

    fn texts() -> Vec<(&'static Path, &'static str)> {
        TEXTS
            .iter()
            .map(|(path, text)| (Path::new(*path), *text))
            .collect()
    }

    #[test]
    fn a_body_decodes_to_what_was_encoded() {
        let reports = report();
        let decoded = decode(&encode(&reports).unwrap(), &texts()).unwrap();
        assert_eq!(decoded.len(), 2);
        assert_eq!(decoded[0].diagnostics, reports[0].diagnostics);
        assert!(decoded[1].diagnostics.is_empty());
    }

    #[test]
    fn every_truncation_of_a_body_is_rejected() {
        let body = encode(&report()).unwrap();
        for length in 0..body.len() {
            assert!(
                decode(&body[..length], &texts()).is_none(),
                "length {length}"
            );
        }
    }

    #[test]
    fn ranges_outside_their_file_are_rejected() {
        let short: Vec<(&Path, &str)> = vec![(Path::new("a.py"), "x"), (Path::new("b.py"), "")];
        assert!(decode(&encode(&report()).unwrap(), &short).is_none());
    }

    #[test]
    fn a_chain_into_an_unknown_file_is_rejected() {
        let other: Vec<(&Path, &str)> = vec![
            (Path::new("a.py"), TEXTS[0].1),
            (Path::new("c.py"), TEXTS[1].1),
        ];
        assert!(decode(&encode(&report()).unwrap(), &other).is_none());
    }
}
