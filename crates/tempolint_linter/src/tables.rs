//! The data tables the rules read: the SDK sandbox's restrictions (generated) and our own
//! classification of calls (hand-written), both in `data/`.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::registry::Rule;

/// `name` or `prefix.*` patterns mapping to a value, or to nothing (an exclusion).
#[derive(Debug)]
pub(crate) struct PatternMap<T> {
    exact: FxHashMap<String, Option<T>>,
    prefixes: FxHashMap<String, Option<T>>,
}

impl<T> Default for PatternMap<T> {
    fn default() -> Self {
        Self {
            exact: FxHashMap::default(),
            prefixes: FxHashMap::default(),
        }
    }
}

impl<T> PatternMap<T> {
    fn insert(&mut self, pattern: &str, value: Option<T>) {
        match pattern.strip_suffix(".*") {
            Some(prefix) => self.prefixes.insert(prefix.to_string(), value),
            None => self.exact.insert(pattern.to_string(), value),
        };
    }

    /// The value of the longest pattern matching `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        if let Some(value) = self.exact.get(name) {
            return value.as_ref();
        }
        // Short names: a byte scan beats `rfind`'s vectorised search set-up.
        let bytes = name.as_bytes();
        let mut end = bytes.len();
        while let Some(dot) = bytes[..end].iter().rposition(|byte| *byte == b'.') {
            if let Some(value) = self.prefixes.get(&name[..dot]) {
                return value.as_ref();
            }
            end = dot;
        }
        None
    }
}

/// A member the SDK sandbox refuses, as generated from `SandboxRestrictions.default`.
#[derive(Debug, Clone)]
pub(crate) struct Restriction {
    /// Enforced only while workflow code runs, not while the module is imported.
    pub(crate) only_runtime: bool,
    /// The sandbox only warns (`asyncio.wait`), it does not fail.
    pub(crate) warning: bool,
}

#[derive(Deserialize)]
struct RestrictionFile {
    rules: Vec<RestrictionRule>,
    passthrough_modules: Vec<String>,
}

#[derive(Deserialize)]
struct RestrictionRule {
    target: String,
    only_runtime: bool,
    severity: String,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Deserialize)]
struct SymbolFile {
    determinism: FxHashMap<String, String>,
    references: FxHashMap<String, String>,
    implicit_clock: FxHashMap<String, usize>,
    blocking: FxHashMap<String, String>,
    offloading: FxHashMap<String, String>,
}

pub(crate) struct Tables {
    pub(crate) determinism: PatternMap<Rule>,
    pub(crate) references: PatternMap<Rule>,
    pub(crate) implicit_clock: FxHashMap<String, usize>,
    pub(crate) blocking: PatternMap<Rule>,
    pub(crate) offloading: PatternMap<()>,
    /// Last segments of the `references` keys (`environ`, `argv`, …).
    reference_leaves: FxHashSet<String>,
    restrictions_exact: FxHashMap<String, Restriction>,
    restrictions_wildcard: FxHashMap<String, (Restriction, FxHashSet<String>)>,
    passthrough: FxHashSet<String>,
}

pub(crate) static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    Tables::parse(
        include_str!("../data/symbols.toml"),
        include_str!("../data/sandbox_restrictions.json"),
    )
    .expect("the bundled data tables are valid (checked by a unit test)")
});

impl Tables {
    fn parse(symbols: &str, restrictions: &str) -> Result<Self, String> {
        let symbols: SymbolFile = toml::from_str(symbols).map_err(|error| error.to_string())?;
        let restrictions: RestrictionFile =
            serde_json::from_str(restrictions).map_err(|error| error.to_string())?;
        let rules = |map: FxHashMap<String, String>| -> Result<PatternMap<Rule>, String> {
            let mut patterns = PatternMap::default();
            for (pattern, code) in map {
                let rule = if code == "none" {
                    None
                } else {
                    Some(
                        Rule::from_code(&code)
                            .ok_or_else(|| format!("unknown rule {code} for {pattern}"))?,
                    )
                };
                patterns.insert(&pattern, rule);
            }
            Ok(patterns)
        };
        let mut offloading = PatternMap::default();
        for pattern in symbols.offloading.keys() {
            offloading.insert(pattern, Some(()));
        }
        let mut restrictions_exact = FxHashMap::default();
        let mut restrictions_wildcard = FxHashMap::default();
        for rule in restrictions.rules {
            let target = rule
                .target
                .replace("__builtins__.", "builtins.")
                .trim_end_matches(".__call__")
                .to_string();
            let restriction = Restriction {
                only_runtime: rule.only_runtime,
                warning: rule.severity.starts_with("warning"),
            };
            match target.strip_suffix(".*") {
                Some(prefix) => {
                    restrictions_wildcard.insert(
                        prefix.to_string(),
                        (restriction, rule.exclude.into_iter().collect()),
                    );
                }
                None => {
                    restrictions_exact.insert(target, restriction);
                }
            }
        }
        let reference_leaves = symbols
            .references
            .keys()
            .filter_map(|key| key.rsplit('.').next().map(str::to_string))
            .collect();
        Ok(Tables {
            reference_leaves,
            determinism: rules(symbols.determinism)?,
            references: rules(symbols.references)?,
            implicit_clock: symbols.implicit_clock,
            blocking: rules(symbols.blocking)?,
            offloading,
            restrictions_exact,
            restrictions_wildcard,
            passthrough: restrictions.passthrough_modules.into_iter().collect(),
        })
    }

    /// The sandbox restriction `name` falls under, if any: an exact target or an ancestor of
    /// it, or a public member of a wildcard module that is not excluded.
    pub(crate) fn restriction(&self, name: &str) -> Option<&Restriction> {
        let mut current = name;
        loop {
            if let Some(restriction) = self.restrictions_exact.get(current) {
                return Some(restriction);
            }
            let dot = current.as_bytes().iter().rposition(|byte| *byte == b'.')?;
            let (parent, member) = (&current[..dot], &current[dot + 1..]);
            if let Some((restriction, exclude)) = self.restrictions_wildcard.get(parent)
                && !member.starts_with('_')
                && !exclude.contains(member)
            {
                return Some(restriction);
            }
            current = parent;
        }
    }

    /// The blocking rule a call of `name` falls under. SDKs that pair each blocking method with
    /// an async twin name the twin `<method>_async` (stripe): those are never blocking.
    pub(crate) fn blocking_rule(&self, name: &str) -> Option<Rule> {
        if name.ends_with("_async") {
            return None;
        }
        self.blocking.get(name).copied()
    }

    /// Whether a name or attribute ending in `leaf` may be in the `references` table.
    pub(crate) fn is_reference_leaf(&self, leaf: &str) -> bool {
        self.reference_leaves.contains(leaf)
    }

    /// Whether the sandbox passes `module` through (standard library, temporalio, …).
    pub(crate) fn is_passthrough(&self, module: &str) -> bool {
        let top = module.split('.').next().unwrap_or(module);
        // The sandbox's importer seeds `sys` itself (it is left out of the passthrough list
        // because it is never re-imported).
        top == "sys" || self.passthrough.contains(module) || self.passthrough.contains(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_parse_and_match() {
        let tables = &*TABLES;
        assert_eq!(
            tables.determinism.get("datetime.datetime.now"),
            Some(&Rule::WallClock)
        );
        assert_eq!(
            tables.determinism.get("random.choice"),
            Some(&Rule::Randomness)
        );
        assert_eq!(tables.determinism.get("random.Random.random"), None);
        assert_eq!(
            tables.determinism.get("os.environ.get"),
            Some(&Rule::HostEnvironment)
        );
        assert_eq!(
            tables.blocking.get("httpx.Client.get"),
            Some(&Rule::BlockingNetwork)
        );
        assert_eq!(tables.blocking.get("httpx.Response.json"), None);
        assert_eq!(
            tables.blocking_rule("openai.OpenAI.chat.completions.create"),
            Some(Rule::BlockingNetwork)
        );
        assert_eq!(
            tables.blocking_rule("openai.AsyncOpenAI.chat.completions.create"),
            None
        );
        assert_eq!(
            tables.blocking_rule("google.genai.Client.aio.models.generate_content"),
            None
        );
        assert_eq!(tables.blocking_rule("stripe.Customer.create_async"), None);
        assert_eq!(tables.blocking_rule("stripe.StripeClient"), None);
        assert!(
            tables
                .restriction("datetime.datetime.now")
                .is_some_and(|r| !r.only_runtime)
        );
        assert!(
            tables
                .restriction("time.time")
                .is_some_and(|r| r.only_runtime)
        );
        assert!(tables.restriction("os.path.join").is_some());
        assert!(tables.restriction("os.stat").is_none());
        assert!(tables.restriction("builtins.open").is_some());
        assert!(
            tables
                .restriction("pathlib.PurePosixPath.joinpath")
                .is_none()
        );
        assert!(tables.is_passthrough("json"));
        assert!(!tables.is_passthrough("requests"));
        assert!(tables.is_passthrough("sys"));
    }
}
