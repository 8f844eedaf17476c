use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};

use crate::checker::{CallInfo, Checker, NamedKind, NamedStart, ProjectChecker};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::api::{
    Registration, Target, applies_defn, argument_call, registration, target_argument,
    target_keyword,
};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks activities and child workflows started by a string name (a literal, or a
    /// module or class constant holding one) that no
    /// `@activity.defn` / `@workflow.defn` in the project registers, when the project
    /// registers any (and none is dynamic: a registering decorator of the project's own,
    /// `activity.defn(name=…)(function)`, counts when something applies it). Calls that name
    /// another `task_queue=` are left alone: another worker, maybe in another language, may
    /// serve that name. "Did you mean" offers only a name a typo away.
    ///
    /// ## Why is this bad?
    /// The worker cannot find the name: an activity fails every attempt with "Activity
    /// function … is not registered on this worker" and is retried until its timeout; a child
    /// workflow's task fails the same way. A typo, or `"Class.method"` instead of the
    /// registered name (the method's name, or its `name=`), is the usual cause.
    ///
    /// ## Example
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn(name="charge-card")
    /// async def charge(order: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self, order: str) -> None:
    ///         await workflow.execute_activity(
    ///             "charge_card", order, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from datetime import timedelta
    /// from temporalio import activity, workflow
    ///
    /// @activity.defn(name="charge-card")
    /// async def charge(order: str) -> None:
    ///     pass
    ///
    /// @workflow.defn
    /// class Order:
    ///     @workflow.run
    ///     async def run(self, order: str) -> None:
    ///         await workflow.execute_activity(
    ///             "charge-card", order, start_to_close_timeout=timedelta(seconds=30)
    ///         )
    /// ```
    ///
    /// ## Fix safety
    /// Replacing the name with the closest registered one is unsafe: it may not be the one
    /// meant. A constant is left alone (other code may use it).
    UnregisteredName => UnregisteredName { kind: &'static str, name: String, closest: Option<String> }
}

impl UnregisteredName {
    fn describe(&self) -> String {
        let instead = match &self.closest {
            Some(closest) => format!("Did you mean `\"{closest}\"`?"),
            None => format!("Use the name an `@{}.defn` registers", self.kind),
        };
        format!(
            "No {} in the project is registered as `\"{}\"`; the worker fails every attempt to run it. {instead}",
            self.kind, self.name
        )
    }
}

/// Records activity and child workflow calls by string name, and registrations the
/// project-level check cannot see (`activity.defn(name=…)(function)`).
pub(crate) fn record(checker: &mut Checker, info: &CallInfo) {
    if applies_defn(checker, info) {
        checker.facts.applies_defn = true;
        return;
    }
    if registers_from_elsewhere(checker, info) {
        checker.facts.opaque_registration = true;
        return;
    }
    let Some(call) = argument_call(info.symbol) else {
        return;
    };
    let kind = match call.target {
        Target::Activity => NamedKind::Activity,
        Target::ChildWorkflow => NamedKind::Workflow,
        _ => return,
    };
    if info.call.arguments.find_keyword("task_queue").is_some() {
        return;
    }
    let Some(target) = target_argument(info.call, target_keyword(call.target)) else {
        return;
    };
    let Some(name) = checker.string_constant(target) else {
        return;
    };
    checker.facts.named_starts.push(NamedStart {
        kind,
        name: name.to_str().to_string(),
        range: target.range(),
        literal: matches!(target, Expr::StringLiteral(_)),
    });
}

/// A `Worker(…)` that registers plugins (which may bring activities and workflows of their
/// own) or activities and workflows that are not the project's definitions.
fn registers_from_elsewhere(checker: &Checker, info: &CallInfo) -> bool {
    if info.symbol != Some("temporalio.worker.Worker") {
        return false;
    }
    let arguments = &info.call.arguments;
    if arguments.find_keyword("plugins").is_some() {
        return true;
    }
    let project = checker.resolver.project();
    ["activities", "workflows"].iter().any(|option| {
        let Some(keyword) = arguments.find_keyword(option) else {
            return false;
        };
        let Some(elts) = crate::sandbox_config::elements(checker, &keyword.value) else {
            return true;
        };
        elts.iter().any(|elt| {
            if matches!(elt, Expr::Name(name) if checker.registered_locals.iter().any(|local| *local == name.id.as_str()))
            {
                return false;
            }
            let binding = checker.resolve(elt);
            let Some(symbol) = binding.symbol() else {
                return true;
            };
            project.function_by_name(symbol).is_none() && project.class_by_name(symbol).is_none()
        })
    })
}

/// Records what a definition nested in a function registers (`@activity.defn` on a def a
/// factory makes and returns): the project-level check sees only top-level definitions.
pub(crate) fn record_nested_definition(
    checker: &mut Checker,
    own_name: &str,
    decorators: &[ast::Decorator],
) {
    let kind = decorators.iter().find_map(|decorator| {
        let callee = match &decorator.expression {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        match checker.resolve(callee).symbol() {
            Some("temporalio.activity.defn") => Some(NamedKind::Activity),
            Some("temporalio.workflow.defn") => Some(NamedKind::Workflow),
            _ => None,
        }
    });
    let Some(kind) = kind else {
        return;
    };
    match registration(own_name, decorators) {
        Registration::Named(name) => {
            checker.registered_locals.push(own_name.to_string());
            checker.facts.nested_registrations.push((kind, name));
        }
        Registration::Dynamic | Registration::Unknown => checker.facts.opaque_registration = true,
    }
}

pub(crate) fn check_project(checker: &mut ProjectChecker) {
    if checker.registers_opaquely() {
        return;
    }
    let project = checker.project;
    let activities = registered(
        project
            .functions
            .iter()
            .filter(|function| {
                matches!(
                    function.kind,
                    tempolint_semantic::FunctionKind::Activity { .. }
                )
            })
            .map(|function| (function.def.name.as_str(), &function.def.decorator_list[..])),
    );
    let workflows = registered(
        project
            .classes
            .iter()
            .filter(|class| class.workflow.is_some())
            .map(|class| (class.def.name.as_str(), &class.def.decorator_list[..])),
    );
    let (mut activities, mut workflows) = (activities, workflows);
    for (_, facts) in checker.bodies() {
        for (kind, name) in &facts.nested_registrations {
            let registered = match kind {
                NamedKind::Activity => &mut activities,
                NamedKind::Workflow => &mut workflows,
            };
            if let Some(registered) = registered {
                registered.names.insert(name.clone());
            }
        }
    }
    let mut findings = Vec::new();
    for (module, facts) in checker.bodies() {
        for start in &facts.named_starts {
            let (names, kind) = match start.kind {
                NamedKind::Activity => (&activities, "activity"),
                NamedKind::Workflow => (&workflows, "workflow"),
            };
            let Some(registered) = names else { continue };
            if registered.names.is_empty() || registered.names.contains(start.name.as_str()) {
                continue;
            }
            let closest = closest(registered, &start.name);
            // A constant may name other calls too: the fix is for the literal only.
            let fix = closest
                .as_ref()
                .filter(|_| start.literal)
                .map(|closest| Fix {
                    applicability: Applicability::Unsafe,
                    message: format!("Use `\"{closest}\"`"),
                    edits: vec![Edit {
                        range: start.range,
                        content: format!("\"{closest}\""),
                    }],
                });
            let violation = UnregisteredName {
                kind,
                name: start.name.clone(),
                closest,
            };
            findings.push((module, violation, start.range, fix));
        }
    }
    for (module, violation, range, fix) in findings {
        checker.report(module, &violation, range).fix = fix;
    }
}

/// The names a set of definitions registers, and the registered name of each definition
/// registered under another (`charge` -> `charge-card`); `None` when one is dynamic or its
/// name is not a literal (any name may then be served).
fn registered<'a>(
    definitions: impl Iterator<Item = (&'a str, &'a [ast::Decorator])>,
) -> Option<Registered> {
    let mut names = FxHashSet::default();
    let mut renamed = FxHashMap::default();
    for (own_name, decorators) in definitions {
        match registration(own_name, decorators) {
            Registration::Named(name) => {
                if name != own_name {
                    renamed.insert(own_name.to_string(), name.clone());
                }
                names.insert(name);
            }
            Registration::Dynamic | Registration::Unknown => return None,
        }
    }
    Some(Registered { names, renamed })
}

struct Registered {
    names: FxHashSet<String>,
    renamed: FxHashMap<String, String>,
}

/// The registered name closest to `name`: the registered name of the definition called
/// `name` (or of the method of `"Class.method"`), or the nearest by edit distance when it is
/// near enough to be a typo.
fn closest(registered: &Registered, name: &str) -> Option<String> {
    let names = &registered.names;
    let last = name.rsplit_once('.').map_or(name, |(_, last)| last);
    if let Some(renamed) = registered
        .renamed
        .get(last)
        .or(registered.renamed.get(name))
    {
        return Some(renamed.clone());
    }
    if names.contains(last) {
        return Some(last.to_string());
    }
    let normalized = |text: &str| text.to_lowercase().replace(['-', '_', ' '], "");
    let wanted = normalized(name);
    // A typo: a few letters apart, or close for its length. Names sharing only a common
    // part (`legal_analysis_activity`, `get_all_rule_ids_activity`) are not offered, as the
    // fix would run another activity.
    let mut candidates: Vec<(f64, &String)> = names
        .iter()
        .filter_map(|candidate| {
            let candidate_normalized = normalized(candidate);
            let score = strsim::normalized_levenshtein(&candidate_normalized, &wanted);
            let typo = score >= 0.8
                || (score >= 0.6 && strsim::levenshtein(&candidate_normalized, &wanted) <= 2);
            typo.then_some((score, candidate))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    candidates
        .first()
        .map(|(_, candidate)| (*candidate).clone())
}
