//! Timeout rules (TMO): activity calls the SDK rejects or that never give up.

pub(crate) mod heartbeat_timeout_without_heartbeat;
pub(crate) mod heartbeat_without_timeout;
pub(crate) mod missing_activity_timeout;
mod option_mutations;
pub(crate) mod unbounded_retries;

use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_semantic::{FunctionId, FunctionKind};

use crate::checker::{ActivityCall, CallInfo, Checker, NamedKind, ProjectChecker, Scheduled};
use crate::diagnostic::Edit;
use crate::rules::api::{Registration, registration};

/// The twelve ways to schedule an activity from a workflow.
pub(crate) const ACTIVITY_ENTRY_POINTS: &[&str] = &[
    "temporalio.workflow.start_activity",
    "temporalio.workflow.execute_activity",
    "temporalio.workflow.start_local_activity",
    "temporalio.workflow.execute_local_activity",
    "temporalio.workflow.start_activity_class",
    "temporalio.workflow.execute_activity_class",
    "temporalio.workflow.start_local_activity_class",
    "temporalio.workflow.execute_local_activity_class",
    "temporalio.workflow.start_activity_method",
    "temporalio.workflow.execute_activity_method",
    "temporalio.workflow.start_local_activity_method",
    "temporalio.workflow.execute_local_activity_method",
];

pub(crate) fn is_activity_entry_point(symbol: Option<&str>) -> bool {
    symbol.is_some_and(|symbol| ACTIVITY_ENTRY_POINTS.contains(&symbol))
}

/// The keyword options a call sets (an activity call's, a `Worker(…)`'s), with `**splats`
/// resolved where they can be.
pub(crate) struct CallOptions<'e> {
    /// Keyword name -> value, for every option known to be given.
    pub(crate) given: Vec<(String, Option<&'e Expr>)>,
    /// A `**splat` whose contents cannot be known.
    pub(crate) opaque: bool,
    /// When the only such splat passes on the checked function's own `**kwargs`: its index
    /// (see [`Checker::own_kwargs`]). What it holds is up to each caller.
    pub(crate) own_kwargs: Option<u32>,
}

impl<'e> CallOptions<'e> {
    /// Whether `name` is set to something other than a literal `None`.
    pub(crate) fn sets(&self, name: &str) -> bool {
        self.given
            .iter()
            .any(|(key, value)| key == name && !value.is_some_and(Expr::is_none_literal_expr))
    }

    pub(crate) fn value(&self, name: &str) -> Option<&'e Expr> {
        self.given
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| *value)
    }
}

pub(crate) fn call_options<'e>(
    checker: &Checker<'_, '_, 'e>,
    call: &'e ast::ExprCall,
) -> CallOptions<'e> {
    let mut options = CallOptions {
        given: Vec::new(),
        opaque: false,
        own_kwargs: None,
    };
    // The `**splats` whose keys cannot be known: how many, and the last.
    let mut unknown = (0_usize, None);
    for keyword in &call.arguments.keywords {
        match &keyword.arg {
            Some(name) => options
                .given
                .push((name.as_str().to_string(), Some(&keyword.value))),
            None => {
                if !splat_options(checker, &keyword.value, &mut options, 0) {
                    unknown = (unknown.0 + 1, Some(&keyword.value));
                }
            }
        }
    }
    options.opaque = unknown.0 > 0;
    if let (1, Some(splat)) = unknown {
        options.own_kwargs = checker.own_kwargs(splat);
    }
    options
}

/// Adds the keys of a `**value` splat; false when they cannot be known.
fn splat_options<'e>(
    checker: &Checker<'_, '_, 'e>,
    value: &'e Expr,
    options: &mut CallOptions<'e>,
    depth: u8,
) -> bool {
    if depth > 4 {
        return false;
    }
    match value {
        Expr::Dict(dict) => dict
            .items
            .iter()
            .all(|item| match (&item.key, &item.value) {
                (Some(Expr::StringLiteral(key)), value) => {
                    options
                        .given
                        .push((key.value.to_str().to_string(), Some(value)));
                    true
                }
                (None, value) => splat_options(checker, value, options, depth + 1),
                _ => false,
            }),
        Expr::Call(call) => {
            let callee = checker.resolve(&call.func);
            let builds_dict = matches!(
                callee.symbol(),
                Some("builtins.dict" | "temporalio.workflow.ActivityConfig")
            );
            if !builds_dict || !call.arguments.args.is_empty() {
                return false;
            }
            call.arguments
                .keywords
                .iter()
                .all(|keyword| match &keyword.arg {
                    Some(name) => {
                        options
                            .given
                            .push((name.as_str().to_string(), Some(&keyword.value)));
                        true
                    }
                    None => splat_options(checker, &keyword.value, options, depth + 1),
                })
        }
        Expr::Name(name) => {
            let name = name.id.as_str();
            let Some(bound) = checker.value_of(name) else {
                return false;
            };
            // Keys assigned one by one (`config["heartbeat_timeout"] = …`) count too.
            let body = if checker.scope.is_local(name) {
                checker.body
            } else {
                checker.module().body()
            };
            let Some(assigned) = option_mutations::item_assignments(body, name) else {
                return false;
            };
            options
                .given
                .extend(assigned.into_iter().map(|(key, value)| (key, Some(value))));
            splat_options(checker, bound, options, depth + 1)
        }
        _ => false,
    }
}

/// Records calls that schedule a project activity, or an activity by name (for the heartbeat
/// rules).
pub(crate) fn record_activity_call(checker: &mut Checker, info: &CallInfo) {
    if !is_activity_entry_point(info.symbol) {
        return;
    }
    let Some(first) = crate::rules::api::target_argument(info.call, "activity") else {
        return;
    };
    let activity = if let Some(name) = checker.string_constant(first) {
        Scheduled::Named {
            name: name.to_str().to_string(),
            task_queue: info.call.arguments.find_keyword("task_queue").is_some(),
        }
    } else {
        let target = checker.resolve(first);
        let Some(activity) = target
            .symbol()
            .and_then(|s| checker.resolver.project().function_by_name(s))
        else {
            return;
        };
        Scheduled::Function(activity)
    };
    let options = call_options(checker, info.call);
    let heartbeat_timeout = options.sets("heartbeat_timeout").then(|| {
        options
            .value("heartbeat_timeout")
            .map_or(info.call.range(), Ranged::range)
    });
    checker.facts.activity_calls.push(ActivityCall {
        activity,
        heartbeat_timeout,
        opaque_options: options.opaque,
    });
}

/// Records `activity.heartbeat()` calls and whether they sit in a loop.
/// An activity that completes asynchronously (`activity.raise_complete_async()`) is
/// heartbeated from outside through its task token, and a heartbeat helper from outside the
/// project may heartbeat for it: counted as heartbeating, never in a loop.
pub(crate) fn record_heartbeat(checker: &mut Checker, info: &CallInfo) {
    let from_outside = info.symbol == Some("temporalio.activity.raise_complete_async")
        || heartbeats_elsewhere(checker, info)
        || hands_over_heartbeat(checker, info);
    if info.symbol == Some("temporalio.activity.heartbeat") || from_outside {
        let in_loop = checker.loop_depth > 0 && !from_outside && checker.contextless == 0;
        checker
            .facts
            .heartbeats
            .push((info.call.func.range(), in_loop));
    }
}

/// A call that hands `activity.heartbeat` itself to a helper (`hash_frames(path,
/// heartbeat_fn=activity.heartbeat)`), which calls it when it will.
fn hands_over_heartbeat(checker: &Checker, info: &CallInfo) -> bool {
    info.call.arguments.iter_source_order().any(|argument| {
        let value = argument.value();
        let named = match value {
            Expr::Attribute(attribute) => attribute.attr.as_str() == "heartbeat",
            Expr::Name(name) => name.id.as_str() == "heartbeat",
            _ => false,
        };
        named && checker.resolve(value).symbol() == Some("temporalio.activity.heartbeat")
    })
}

/// A call of a helper outside the project named for heartbeating (`heartbeat_every()`,
/// `run_with_heartbeats(…)` from a shared package): it may heartbeat for the activity, which
/// the call graph cannot see.
fn heartbeats_elsewhere(checker: &Checker, info: &CallInfo) -> bool {
    info.symbol.is_some_and(|symbol| {
        !symbol.starts_with("temporalio.")
            && symbol
                .rsplit('.')
                .next()
                .is_some_and(|name| name.to_ascii_lowercase().contains("heartbeat"))
            && checker
                .resolver
                .project()
                .function_by_name(symbol)
                .is_none()
    })
}

/// Whether [`reaches_heartbeat_where`] follows helpers handed over as callbacks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Callbacks {
    Followed,
    Skipped,
}

/// Whether `start`, or a project function it calls (or hands over as a callback, when
/// followed), records a heartbeat that `wanted` accepts (given whether it sits in a loop).
pub(crate) fn reaches_heartbeat_where(
    checker: &ProjectChecker,
    start: FunctionId,
    callbacks: Callbacks,
    wanted: impl Fn(bool) -> bool,
) -> bool {
    let mut stack = vec![start];
    let mut seen = FxHashSet::default();
    while let Some(function) = stack.pop() {
        if !seen.insert(function) {
            continue;
        }
        let facts = checker.function(function);
        if facts.heartbeats.iter().any(|(_, in_loop)| wanted(*in_loop)) {
            return true;
        }
        stack.extend(facts.edges.iter().map(|edge| edge.target));
        if callbacks == Callbacks::Followed {
            stack.extend(facts.argument_types.iter().filter_map(|argument| {
                argument
                    .binding
                    .symbol()
                    .and_then(|name| checker.project.function_by_name(name))
            }));
        }
    }
    false
}

/// The project activities by the name each registers, for calls that start one by name.
pub(crate) struct ActivityNames {
    /// Several activities under one name: which one a worker serves is not ours to say.
    by_name: FxHashMap<String, Vec<FunctionId>>,
    /// Names registered by activities defined inside functions (not project functions).
    nested: FxHashSet<String>,
    /// Every activity the project registers is known by name: none is dynamic, named at run
    /// time, or registered in a way the project-level view does not see.
    complete: bool,
}

impl ActivityNames {
    pub(crate) fn new(checker: &ProjectChecker) -> Self {
        let mut by_name: FxHashMap<String, Vec<FunctionId>> = FxHashMap::default();
        let mut complete = !checker.registers_opaquely();
        let nested = checker
            .bodies()
            .flat_map(|(_, facts)| &facts.nested_registrations)
            .filter(|(kind, _)| *kind == NamedKind::Activity)
            .map(|(_, name)| name.clone())
            .collect();
        for (index, function) in checker.project.functions.iter().enumerate() {
            if !matches!(function.kind, FunctionKind::Activity { .. }) {
                continue;
            }
            match registration(function.def.name.as_str(), &function.def.decorator_list) {
                Registration::Named(name) => {
                    by_name
                        .entry(name)
                        .or_default()
                        .push(FunctionId(index as u32));
                }
                Registration::Dynamic | Registration::Unknown => complete = false,
            }
        }
        Self {
            by_name,
            nested,
            complete,
        }
    }

    /// The project activity a call schedules, when it is certain. A call by name that picks a
    /// task queue may reach another worker's activity of the same name.
    pub(crate) fn resolve(&self, scheduled: &Scheduled) -> Option<FunctionId> {
        match scheduled {
            Scheduled::Function(id) => Some(*id),
            Scheduled::Named {
                task_queue: true, ..
            } => None,
            Scheduled::Named { name, .. } => match self.by_name.get(name).map(Vec::as_slice) {
                Some([only]) => Some(*only),
                _ => None,
            },
        }
    }

    /// The project activities a call may schedule (for rules that a call only silences):
    /// `None` when it may be any of them.
    pub(crate) fn candidates(&self, scheduled: &Scheduled) -> Option<Vec<FunctionId>> {
        match scheduled {
            Scheduled::Function(id) => Some(vec![*id]),
            // Any of the activities registered under the name.
            Scheduled::Named { name, .. } => match self.by_name.get(name) {
                Some(activities) => Some(activities.clone()),
                // An activity made inside a function, or none of ours when every registration
                // is known; else perhaps any.
                None if self.complete || self.nested.contains(name) => Some(Vec::new()),
                None => None,
            },
        }
    }
}

/// How the checked module can name `datetime.timedelta`, importing it when needed.
pub(crate) fn timedelta_reference(checker: &Checker) -> Option<(String, Option<Edit>)> {
    crate::rules::imports::reference(checker, "datetime", "timedelta")
}
