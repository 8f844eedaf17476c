//! Blocking rules (BLK): calls that stall the event loop of an `async def` activity.

pub(crate) mod async_activity_sleep;
pub(crate) mod blocking_file_io;
pub(crate) mod blocking_network;
pub(crate) mod blocking_wait;
pub(crate) mod sync_client;

use tempolint_python::Ranged;

use crate::checker::{CallInfo, Checker, Context, Effect};
use crate::registry::Rule;
use crate::rules::Violation;

/// The called symbol if the blocking table files it under `rule`.
pub(super) fn classified_as<'i>(info: &CallInfo<'i, '_>, rule: Rule) -> Option<&'i str> {
    (info.blocking == Some(rule))
        .then_some(info.symbol)
        .flatten()
}

pub(super) fn report_call<'c, V: Violation>(
    checker: &'c mut Checker,
    info: &CallInfo,
    violation: &V,
) -> &'c mut Effect {
    checker.report(violation, info.call.func.range(), Context::AsyncActivity)
}
