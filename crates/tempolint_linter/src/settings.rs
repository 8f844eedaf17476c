//! Configuration: `[tool.tempolint]` in `pyproject.toml` or `tempolint.toml`, and the rule
//! selection that the command line refines.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::registry::Rule;

/// A configuration problem, naming the file, the position and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    extend_select: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    extend_exclude: Option<Vec<String>>,
    src: Option<Vec<String>>,
    per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    determinism: Option<DeterminismConfig>,
    payload: Option<PayloadConfig>,
    cache_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DeterminismConfig {
    extra_nondeterministic: Option<Vec<String>>,
    known_deterministic: Option<Vec<String>>,
    passthrough_modules: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PayloadConfig {
    warn_bytes: Option<u64>,
    error_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<PyprojectTool>,
}

#[derive(Deserialize)]
struct PyprojectTool {
    tempolint: Option<ConfigFile>,
}

/// Enabled rules, as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSet(u64);

impl RuleSet {
    pub fn contains(self, rule: Rule) -> bool {
        self.0 & (1 << rule as u64) != 0
    }

    fn insert(&mut self, rule: Rule) {
        self.0 |= 1 << rule as u64;
    }

    fn remove(&mut self, rule: Rule) {
        self.0 &= !(1 << rule as u64);
    }
}

/// `select` / `extend-select` / `ignore`, applied in layers (config file, then command line).
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

/// Rules a selector (`DET1`, `BLK`, `TMO101`, `ALL`) names, or `None` if it names none.
pub(crate) fn rules_for_selector(selector: &str) -> Option<Vec<Rule>> {
    let selector = selector.trim();
    let rules: Vec<Rule> = if selector.eq_ignore_ascii_case("ALL") {
        Rule::ALL.to_vec()
    } else {
        Rule::ALL
            .iter()
            .copied()
            .filter(|rule| rule.code().starts_with(&selector.to_ascii_uppercase()))
            .collect()
    };
    (!selector.is_empty() && !rules.is_empty()).then_some(rules)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadSettings {
    pub warn_bytes: u64,
    pub error_bytes: u64,
}

impl Default for PayloadSettings {
    fn default() -> Self {
        Self {
            warn_bytes: 512 * 1024,
            error_bytes: 2 * 1024 * 1024,
        }
    }
}

/// Everything a lint run is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: RuleSet,
    /// Where the configuration was found; relative `src`, `exclude` and per-file patterns
    /// are relative to it.
    pub root: PathBuf,
    pub config_path: Option<PathBuf>,
    pub src: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub per_file_ignores: Vec<(GlobMatcher, RuleSet)>,
    pub extra_nondeterministic: Vec<String>,
    pub known_deterministic: Vec<String>,
    /// Modules the project's workers pass through the sandbox in ways the linter cannot see
    /// (DET302), matched by dotted prefix.
    pub passthrough_modules: Vec<String>,
    pub payload: PayloadSettings,
    /// Where `check` keeps its cache (`cache-dir`, relative to `root`); `None`: the default,
    /// `.tempolint_cache` in `root`.
    pub cache_dir: Option<PathBuf>,
}

const DEFAULT_EXCLUDE: &[&str] = &[
    ".git",
    ".hg",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pypackages__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
];

impl Default for Settings {
    fn default() -> Self {
        let mut rules = RuleSet::default();
        for rule in Rule::ALL.iter().filter(|rule| rule.is_default()) {
            rules.insert(*rule);
        }
        Settings {
            rules,
            root: PathBuf::from("."),
            config_path: None,
            src: vec![PathBuf::from("."), PathBuf::from("src")],
            exclude: DEFAULT_EXCLUDE.iter().map(ToString::to_string).collect(),
            per_file_ignores: Vec::new(),
            extra_nondeterministic: Vec::new(),
            known_deterministic: Vec::new(),
            passthrough_modules: Vec::new(),
            payload: PayloadSettings::default(),
            cache_dir: None,
        }
    }
}

fn matches_pattern(patterns: &[String], symbol: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| match pattern.strip_suffix(".*") {
            Some(prefix) => symbol
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.')),
            None => pattern == symbol,
        })
}

impl Settings {
    /// Applies a rule selection layer on top of the current rules.
    pub fn apply_selection(&mut self, selection: &RuleSelection) -> Result<(), String> {
        if let Some(select) = &selection.select {
            self.rules = RuleSet::default();
            for selector in select {
                for rule in
                    rules_for_selector(selector).ok_or_else(|| unknown_selector(selector))?
                {
                    self.rules.insert(rule);
                }
            }
        }
        for selector in &selection.extend_select {
            for rule in rules_for_selector(selector).ok_or_else(|| unknown_selector(selector))? {
                self.rules.insert(rule);
            }
        }
        for selector in &selection.ignore {
            for rule in rules_for_selector(selector).ok_or_else(|| unknown_selector(selector))? {
                self.rules.remove(rule);
            }
        }
        Ok(())
    }

    pub fn is_known_deterministic(&self, symbol: &str) -> bool {
        !self.known_deterministic.is_empty() && matches_pattern(&self.known_deterministic, symbol)
    }

    pub fn is_extra_nondeterministic(&self, symbol: &str) -> bool {
        !self.extra_nondeterministic.is_empty()
            && matches_pattern(&self.extra_nondeterministic, symbol)
    }

    /// Rules ignored for `path` by `per-file-ignores`.
    pub fn ignored_for(&self, path: &Path) -> RuleSet {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let relative = relative.strip_prefix(".").unwrap_or(relative);
        let mut ignored = RuleSet::default();
        for (glob, rules) in &self.per_file_ignores {
            if glob.is_match(relative) || glob.is_match(path) {
                ignored.0 |= rules.0;
            }
        }
        ignored
    }
}

fn unknown_selector(selector: &str) -> String {
    format!("unknown rule selector `{selector}` (run `tempolint rule --all` for the list)")
}

/// The nearest `tempolint.toml`, or `pyproject.toml` with a `[tool.tempolint]` table, at or
/// above `start`.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    for directory in start.ancestors() {
        let dedicated = directory.join("tempolint.toml");
        if dedicated.is_file() {
            return Some(dedicated);
        }
        let pyproject = directory.join("pyproject.toml");
        // A pyproject.toml that is not UTF-8 (TOML must be) is reported by `load_config`
        // rather than passed over in silence: it may well hold our section.
        if pyproject.is_file()
            && std::fs::read_to_string(&pyproject).map_or_else(
                |e| e.kind() == std::io::ErrorKind::InvalidData,
                |text| text.contains("[tool.tempolint"),
            )
        {
            return Some(pyproject);
        }
    }
    None
}

/// Loads a configuration file into settings (defaults for what it does not say).
pub fn load_config(path: &Path) -> Result<Settings, ConfigError> {
    let error = |message: String| ConfigError {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    let parsed = if is_pyproject {
        toml::from_str::<Pyproject>(&text).map(|pyproject| {
            pyproject
                .tool
                .and_then(|tool| tool.tempolint)
                .unwrap_or_default()
        })
    } else {
        toml::from_str::<ConfigFile>(&text)
    };
    let config = parsed.map_err(|e| error(describe_toml_error(&text, &e, is_pyproject)))?;
    let mut settings = Settings {
        root: path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        config_path: Some(path.to_path_buf()),
        ..Settings::default()
    };
    let section = if is_pyproject { "tool.tempolint" } else { "" };
    let key_error = |key: &str, message: String| {
        let key = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        error(format!("`{key}`: {message}"))
    };
    settings
        .apply_selection(&RuleSelection {
            select: config.select,
            extend_select: config.extend_select.unwrap_or_default(),
            ignore: config.ignore.unwrap_or_default(),
        })
        .map_err(|message| key_error("select/ignore", message))?;
    for (key, patterns) in [
        ("exclude", &config.exclude),
        ("extend-exclude", &config.extend_exclude),
    ] {
        for pattern in patterns.iter().flatten() {
            Glob::new(pattern.trim_end_matches('/'))
                .map_err(|e| key_error(key, format!("bad pattern `{pattern}`: {e}")))?;
        }
    }
    if let Some(exclude) = config.exclude {
        settings.exclude = exclude;
    }
    settings
        .exclude
        .extend(config.extend_exclude.unwrap_or_default());
    if let Some(src) = config.src {
        settings.src = src.into_iter().map(PathBuf::from).collect();
    }
    for (pattern, selectors) in config.per_file_ignores.unwrap_or_default() {
        let glob = Glob::new(&pattern)
            .map_err(|e| key_error("per-file-ignores", format!("bad pattern `{pattern}`: {e}")))?
            .compile_matcher();
        let mut rules = RuleSet::default();
        for selector in &selectors {
            for rule in rules_for_selector(selector)
                .ok_or_else(|| key_error("per-file-ignores", unknown_selector(selector)))?
            {
                rules.insert(rule);
            }
        }
        settings.per_file_ignores.push((glob, rules));
    }
    if let Some(determinism) = config.determinism {
        settings.extra_nondeterministic = determinism.extra_nondeterministic.unwrap_or_default();
        settings.known_deterministic = determinism.known_deterministic.unwrap_or_default();
        settings.passthrough_modules = determinism.passthrough_modules.unwrap_or_default();
    }
    settings.cache_dir = config.cache_dir.map(|dir| settings.root.join(dir));
    if let Some(payload) = config.payload {
        settings.payload.warn_bytes = payload.warn_bytes.unwrap_or(settings.payload.warn_bytes);
        settings.payload.error_bytes = payload.error_bytes.unwrap_or(settings.payload.error_bytes);
        if settings.payload.warn_bytes > settings.payload.error_bytes {
            return Err(key_error(
                "payload.warn-bytes",
                "must not exceed `error-bytes`".to_string(),
            ));
        }
    }
    Ok(settings)
}

fn describe_toml_error(text: &str, error: &toml::de::Error, is_pyproject: bool) -> String {
    let position = error.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{line}:{column}: ")
    });
    let section = if is_pyproject {
        " in [tool.tempolint]"
    } else {
        ""
    };
    format!(
        "{}{}{section}",
        position.unwrap_or_default(),
        error.message().trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tempolint-settings-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let dir = temp_dir("unknown");
        let path = write(
            &dir,
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool.tempolint]\nselct = ['DET']\n",
        );
        let error = load_config(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("pyproject.toml: 5:1: unknown field `selct`"),
            "{error}"
        );
    }

    #[test]
    fn passthrough_modules_is_read_and_misspellings_are_errors() {
        let dir = temp_dir("passthrough");
        let path = write(
            &dir,
            "tempolint.toml",
            "[determinism]\npassthrough-modules = ['mylib', 'vendor.sdk']\n",
        );
        let settings = load_config(&path).unwrap();
        assert_eq!(settings.passthrough_modules, ["mylib", "vendor.sdk"]);
        let path = write(
            &dir,
            "tempolint.toml",
            "[determinism]\npassthrough-module = ['mylib']\n",
        );
        let error = load_config(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown field `passthrough-module`"),
            "{error}"
        );
    }

    #[test]
    fn bad_selector_names_the_key() {
        let dir = temp_dir("selector");
        let path = write(&dir, "tempolint.toml", "select = ['NOPE1']\n");
        let error = load_config(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`select/ignore`: unknown rule selector `NOPE1`"),
            "{error}"
        );
    }

    #[test]
    fn selection_layers_like_ruff() {
        let mut settings = Settings::default();
        settings
            .apply_selection(&RuleSelection {
                select: Some(vec!["DET1".into()]),
                extend_select: vec!["TMO101".into()],
                ignore: vec!["DET109".into()],
            })
            .unwrap();
        assert!(settings.rules.contains(Rule::WallClock));
        assert!(settings.rules.contains(Rule::MissingActivityTimeout));
        assert!(!settings.rules.contains(Rule::SandboxRestricted));
        assert!(!settings.rules.contains(Rule::SetIteration));
    }
}
