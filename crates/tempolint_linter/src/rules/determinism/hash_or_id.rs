use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::determinism::{classified_as, report_call, shown};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for `hash()` and `id()` called in workflow code, except where the value only
    /// goes into a `workflow.logger` message or, for `id()`, only meets identities of the same
    /// run (`if id(node) in seen:`, `seen.add(id(node))`).
    ///
    /// ## Why is this bad?
    /// `hash()` of strings and bytes is salted per process (`PYTHONHASHSEED`) and `id()` is a
    /// memory address: both change between the original run and a replay on another worker.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Shard:
    ///     @workflow.run
    ///     async def run(self, tenant: str) -> int:
    ///         return hash(tenant) % 16
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import zlib
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Shard:
    ///     @workflow.run
    ///     async def run(self, tenant: str) -> int:
    ///         return zlib.crc32(tenant.encode()) % 16
    /// ```
    HashOrId => HashOrId { symbol: String }
}

impl HashOrId {
    fn describe(&self) -> String {
        format!(
            "`{}()` differs between processes, so a replay computes another value. Use a stable digest (`hashlib`, `zlib.crc32`)",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::HashOrId) else {
        return;
    };
    // An object's identity compared with identities taken in the same run (`id(node) in
    // seen`, `seen.add(id(node))`) decides the same way in every process; a set of them that
    // is iterated is DET202's. A `hash()` may be compared with one kept from another process.
    if symbol == "builtins.id" && checker.identity_operand == Some(info.call.range()) {
        return;
    }
    // Only logged: `workflow.logger` is quiet on replay, and the message decides nothing.
    if checker.log_message > 0 {
        return;
    }
    report_call(
        checker,
        info,
        &HashOrId {
            symbol: shown(symbol),
        },
    );
}
