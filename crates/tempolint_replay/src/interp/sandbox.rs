//! The SDK sandbox's restricted members (`SandboxRestrictions.default`), read from the data file
//! dumped from temporalio 1.35.0 (`data/sandbox_restrictions.json`).

use std::collections::HashSet;

const DATA: &str = include_str!("../../data/sandbox_restrictions.json");

pub(crate) struct Restrictions {
    tree: serde_json::Value,
    stdlib: HashSet<String>,
    message_template: String,
}

/// What the sandbox does with a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    /// Raises `RestrictedWorkflowAccessError` (use: call or attribute read; access: any read).
    Restricted {
        only_runtime: bool,
    },
    /// Only warns (`asyncio.wait`, `asyncio.as_completed`).
    Warns,
}

impl Restrictions {
    pub(crate) fn load() -> Restrictions {
        let data: serde_json::Value = serde_json::from_str(DATA).unwrap_or_default();
        let stdlib = data
            .pointer("/passthrough_modules/stdlib_extra_in_maximum")
            .and_then(serde_json::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let message_template = data
            .get("default_error_message_template")
            .and_then(|t| t.as_str())
            .unwrap_or("Cannot access {qualified_name} from inside a workflow.")
            .to_string();
        Restrictions {
            tree: data
                .get("invalid_module_members_tree")
                .cloned()
                .unwrap_or_default(),
            stdlib,
            message_template,
        }
    }

    pub(crate) fn is_stdlib(&self, module: &str) -> bool {
        let top = module.split('.').next().unwrap_or(module);
        self.stdlib.contains(top) || top == "sys"
    }

    /// Whether using (calling) the member `qualified` (e.g. `datetime.datetime.now`) is restricted.
    pub(crate) fn check_use(&self, qualified: &str) -> Verdict {
        let mut node = &self.tree;
        let mut only_runtime = false;
        let parts: Vec<&str> = qualified.split('.').collect();
        for (index, part) in parts.iter().enumerate() {
            if node
                .get("only_runtime")
                .and_then(serde_json::Value::as_bool)
                == Some(true)
            {
                only_runtime = true;
            }
            let excluded = node
                .get("exclude")
                .and_then(|e| e.as_array())
                .is_some_and(|e| e.iter().any(|x| x.as_str() == Some(part)));
            for key in ["use", "access"] {
                if let Some(members) = node.get(key).and_then(|m| m.as_array())
                    && members
                        .iter()
                        .any(|m| m.as_str() == Some(part) || (m.as_str() == Some("*") && !excluded))
                {
                    return Verdict::Restricted { only_runtime };
                }
            }
            let Some(child) = node.get("children").and_then(|c| c.get(*part)) else {
                return Verdict::Allowed;
            };
            node = child;
            if index + 1 == parts.len() || parts.get(index + 1) == Some(&"__call__") {
                if let Some(call) = node.get("children").and_then(|c| c.get("__call__")) {
                    if call.get("leaf_warning").is_some() {
                        return Verdict::Warns;
                    }
                    return Verdict::Restricted {
                        only_runtime: only_runtime
                            || call
                                .get("only_runtime")
                                .and_then(serde_json::Value::as_bool)
                                == Some(true),
                    };
                }
                if node.get("match_self").and_then(serde_json::Value::as_bool) == Some(true) {
                    if node.get("leaf_warning").is_some() {
                        return Verdict::Warns;
                    }
                    return Verdict::Restricted {
                        only_runtime: only_runtime
                            || node
                                .get("only_runtime")
                                .and_then(serde_json::Value::as_bool)
                                == Some(true),
                    };
                }
            }
        }
        Verdict::Allowed
    }

    /// The sandbox's error text for a restricted call.
    pub(crate) fn message(&self, qualified: &str) -> String {
        self.message_template
            .replace("{qualified_name}", &format!("{qualified}.__call__"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_corpus_restrictions() {
        let restrictions = Restrictions::load();
        assert_eq!(
            restrictions.check_use("datetime.datetime.now"),
            Verdict::Restricted {
                only_runtime: false
            }
        );
        assert_eq!(
            restrictions.check_use("random.randint"),
            Verdict::Restricted {
                only_runtime: false
            }
        );
        assert_eq!(
            restrictions.check_use("uuid.uuid4"),
            Verdict::Restricted { only_runtime: true }
        );
        assert_eq!(
            restrictions.check_use("time.time"),
            Verdict::Restricted { only_runtime: true }
        );
        assert_eq!(
            restrictions.check_use("os.getenv"),
            Verdict::Restricted { only_runtime: true }
        );
        assert_eq!(restrictions.check_use("asyncio.wait"), Verdict::Warns);
        assert_eq!(
            restrictions.check_use("datetime.timedelta"),
            Verdict::Allowed
        );
        assert_eq!(restrictions.check_use("json.dumps"), Verdict::Allowed);
        assert!(restrictions.is_stdlib("os.path"));
        assert!(!restrictions.is_stdlib("requests"));
    }
}
