use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};

use crate::checker::{CallInfo, Checker, Context, Role};
use crate::diagnostic::Severity;
use crate::payload::{Size, estimate};
use crate::rules::api::{Target, argument_call};
use crate::rules::violation;
use crate::sandbox_config::{client_construction, known_plugins};
use tempolint_semantic::FunctionKind;

violation! {
    /// ## What it does
    /// Checks payloads whose size is statically known (literals, module constants, `[x] * n`,
    /// `range` comprehensions, dataclasses built from them) and exceeds 2 MiB (error) or 512 KiB
    /// (warning), and payloads holding a whole file or HTTP response (unbounded), when passed to an
    /// activity, child workflow, signal, update, `continue_as_new`, a client call
    /// (`start_workflow`, `execute_workflow`, handle `signal`), or returned by a workflow or
    /// activity. Both limits are configurable (`[tool.tempolint.payload]`). A client call
    /// through a client made with a `data_converter=` or a plugin of the project's own is not
    /// judged: its payload codec (a claim check, compression) decides the size on the wire.
    ///
    /// ## Why is this bad?
    /// Temporal rejects payloads above 2 MiB (the call fails with a `TMPRL1103` error), and large
    /// payloads bloat the history towards its 50 MiB limit. Pass a reference (an object-store key,
    /// a path) instead of the data.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// IMAGE = b"0" * (3 * 1024 * 1024)
    ///
    /// @activity.defn
    /// async def flash(image: bytes) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Flash:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(flash, IMAGE, start_to_close_timeout=timedelta(minutes=5))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn
    /// async def flash(image_key: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Flash:
    ///     @workflow.run
    ///     async def run(self) -> None:
    ///         await workflow.execute_activity(
    ///             flash, "firmware/v2.bin", start_to_close_timeout=timedelta(minutes=5)
    ///         )
    /// ```
    OversizedPayload => OversizedPayload { bytes: u64, unbounded: bool, limit: u64, what: &'static str }
}

impl OversizedPayload {
    fn describe(&self) -> String {
        if self.unbounded {
            format!(
                "{} holds the whole content of a file or response, so its size is unbounded; Temporal rejects payloads over {} bytes. Pass a reference (path, object key) instead",
                self.what, self.limit
            )
        } else {
            format!(
                "{} is about {} bytes as JSON, over the {}-byte limit. Pass a reference (path, object key) instead",
                self.what, self.bytes, self.limit
            )
        }
    }
}

/// The positional arguments that are payloads: after the activity/workflow/signal reference.
fn payload_arguments<'e>(info: &CallInfo<'_, 'e>) -> Option<(Vec<&'e Expr>, &'static str)> {
    let call = argument_call(info.symbol)?;
    let what = match call.target {
        Target::Activity => "Activity argument",
        Target::ChildWorkflow => "Child workflow argument",
        Target::ClientWorkflow | Target::Handler => "Workflow input",
        Target::ContinueAsNew => "Continue-as-new argument",
    };
    // Every call takes its target first, except `continue_as_new` (it continues itself).
    let skip = usize::from(call.target != Target::ContinueAsNew);
    let mut payloads: Vec<&Expr> = info.call.arguments.args.iter().skip(skip).collect();
    if let Some(keyword) = info.call.arguments.find_keyword("args") {
        match &keyword.value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                payloads.extend(elts.iter());
            }
            other => payloads.push(other),
        }
    }
    if let Some(keyword) = info.call.arguments.find_keyword("arg") {
        payloads.push(&keyword.value);
    }
    Some((payloads, what))
}

/// The finding for the largest of `sizes`, if any is over a limit.
fn judge(
    checker: &Checker,
    sizes: impl Iterator<Item = Size>,
    what: &'static str,
) -> Option<(OversizedPayload, Severity)> {
    let payload = &checker.settings.payload;
    let worst = sizes.max_by_key(|size| (size.bytes, size.unbounded))?;
    let largest_unbounded = worst.unbounded;
    if worst.bytes > payload.error_bytes {
        Some((
            OversizedPayload {
                bytes: worst.bytes,
                unbounded: false,
                limit: payload.error_bytes,
                what,
            },
            Severity::Error,
        ))
    } else if worst.bytes > payload.warn_bytes {
        Some((
            OversizedPayload {
                bytes: worst.bytes,
                unbounded: false,
                limit: payload.warn_bytes,
                what,
            },
            Severity::Warning,
        ))
    } else if largest_unbounded {
        Some((
            OversizedPayload {
                bytes: worst.bytes,
                unbounded: true,
                limit: payload.error_bytes,
                what,
            },
            Severity::Warning,
        ))
    } else {
        None
    }
}

/// Whether a `client.start_workflow(…)` goes through a client made here whose data converter
/// we cannot read: a `data_converter=` or a plugin of the project's own may carry a payload
/// codec (a claim-check codec stores the payload elsewhere and sends a reference), so the size
/// on the wire is unknown.
fn custom_encoding(checker: &Checker, info: &CallInfo) -> bool {
    if argument_call(info.symbol).is_none_or(|call| call.target != Target::ClientWorkflow) {
        return false;
    }
    let Expr::Attribute(method) = &*info.call.func else {
        return false;
    };
    let Some(connect) = client_construction(checker, &method.value) else {
        return false;
    };
    connect.arguments.keywords.iter().any(|keyword| {
        match keyword.arg.as_ref().map(ast::Identifier::as_str) {
            // `**config`: anything may be in it.
            None => true,
            Some("data_converter") => !is_codec_free(checker, &keyword.value),
            Some("plugins") => !known_plugins(checker, &keyword.value),
            Some(_) => false,
        }
    })
}

/// The SDK's converters that encode payloads as plain JSON (no codec).
fn is_codec_free(checker: &Checker, converter: &Expr) -> bool {
    let binding = checker.resolve(converter);
    matches!(
        binding.symbol(),
        Some(
            "temporalio.converter.DataConverter.default"
                | "temporalio.contrib.pydantic.pydantic_data_converter"
        )
    )
}

pub(crate) fn check_call(checker: &mut Checker, info: &CallInfo) {
    let Some((payloads, what)) = payload_arguments(info) else {
        return;
    };
    if custom_encoding(checker, info) {
        return;
    }
    let sizes: Vec<Size> = payloads
        .iter()
        .map(|payload| estimate(checker, payload))
        .collect();
    let unbounded_any = sizes.iter().any(|size| size.unbounded);
    let sizes = sizes.into_iter().map(|size| Size {
        unbounded: unbounded_any,
        ..size
    });
    if let Some((violation, severity)) = judge(checker, sizes, what) {
        checker
            .report(&violation, info.call.func.range(), Context::Anywhere)
            .severity = severity;
    }
}

pub(crate) fn check_return(checker: &mut Checker, _ret: &ast::StmtReturn, value: &Expr) {
    let (context, what) = match checker.role {
        Role::Function(FunctionKind::WorkflowMethod) => (Context::WorkflowBody, "Workflow result"),
        Role::Function(FunctionKind::Activity { .. }) => (Context::ActivityBody, "Activity result"),
        _ => return,
    };
    let size = estimate(checker, value);
    // Whole-content activity results are PAY102's; here only sizes known to be too large.
    let size = Size {
        unbounded: false,
        ..size
    };
    if let Some((violation, severity)) = judge(checker, std::iter::once(size), what) {
        checker.report(&violation, value.range(), context).severity = severity;
    }
}
