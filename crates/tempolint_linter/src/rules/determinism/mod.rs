//! Determinism rules (DET): what makes workflow code replay differently.

pub(crate) mod asyncio_wait;
pub(crate) mod file_system_access;
pub(crate) mod global_mutation;
pub(crate) mod hash_or_id;
pub(crate) mod host_environment;
pub(crate) mod import_time_restricted;
pub(crate) mod network_access;
pub(crate) mod randomness;
pub(crate) mod sandbox_restricted;
pub(crate) mod set_iteration;
pub(crate) mod threads_and_processes;
pub(crate) mod unpassed_import;
pub(crate) mod uuid_generation;
pub(crate) mod wall_clock;
pub(crate) mod workflow_logging;
pub(crate) mod workflow_time_sleep;

use tempolint_python::{Ranged, TextRange};

use crate::checker::{CallInfo, Checker, Context};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::registry::Rule;
use crate::rules::Violation;

/// The called symbol if our determinism table files it under `rule` (and the user did not
/// declare it deterministic).
pub(super) fn classified_as<'i>(info: &CallInfo<'i, '_>, rule: Rule) -> Option<&'i str> {
    (info.determinism == Some(rule))
        .then_some(info.symbol)
        .flatten()
}

/// Reports `violation` at the callee of the call, in workflow context.
pub(super) fn report_call<V: Violation>(
    checker: &mut Checker,
    info: &CallInfo,
    violation: &V,
) -> TextRange {
    let range = info.call.func.range();
    checker
        .report(violation, range, Context::Workflow)
        .sandbox_rejects = info.sandbox_rejects();
    range
}

/// An unsafe fix replacing `range` by `content`, with the module's name for
/// `temporalio.workflow` substituted for `{workflow}` (adding `from temporalio import
/// workflow` when the module has none).
pub(super) fn workflow_fix(checker: &Checker, range: TextRange, content: &str) -> Option<Fix> {
    let (local, import) = crate::rules::imports::reference(checker, "temporalio", "workflow")?;
    let content = content.replace("{workflow}", &local);
    let mut edits: Vec<Edit> = import.into_iter().collect();
    edits.push(Edit {
        range,
        content: content.clone(),
    });
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Replace with `{content}`"),
        edits,
    })
}

/// A symbol as users write it (`open`, not `builtins.open`).
pub(super) fn shown(symbol: &str) -> String {
    symbol
        .strip_prefix("builtins.")
        .unwrap_or(symbol)
        .to_string()
}
