use tempolint_python::ast::helpers::any_over_expr;
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, Operator, Stmt};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{FunctionKind, LocalScope, ModuleId, Resolver};

use crate::checker::{CallInfo, Checker, Context, IterationKind};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::timeouts::is_activity_entry_point;
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for workflow code whose behaviour follows the iteration order of a `set` or
    /// `frozenset`: `for` loops and comprehensions over them, `list(s)`, `tuple(s)`,
    /// `enumerate(s)`, `"".join(s)`, `s.pop()`. Sets built from keys-view algebra
    /// (`a.keys() - b.keys()`) count too. Consumers that ignore order (`sorted`, `len`, `sum`,
    /// `min`, `max`, `any`, `all`, set comprehensions, a retry policy's
    /// `non_retryable_error_types`) are fine, and so are loops that only add to sets, count, or
    /// file each element under its own key of a local dict read by key alone
    /// (`results[sid] = {…}`, then `results.get(…)`), a `workflow.logger` message (quiet on
    /// replay), query handlers and update validators: replay never runs them, and they issue
    /// no command. Sets of integers (number literals, `set(ids)` of a
    /// parameter annotated `list[int]` or of an activity's result it declares so) iterate
    /// alike in every process: `hash(n) == n`.
    ///
    /// ## Why is this bad?
    /// The order of a set of strings depends on string hashing, which is salted per process;
    /// objects that hash by identity (asyncio tasks, most class instances) are ordered by their
    /// memory addresses, which differ too. A replay on another worker visits the elements in
    /// another order, schedules activities in another order, and fails with a nondeterminism
    /// error.
    ///
    /// ## Example
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Fanout:
    ///     @workflow.run
    ///     async def run(self, channels: list[str]) -> list[str]:
    ///         return [c for c in set(channels)]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from temporalio import workflow
    ///
    /// @workflow.defn
    /// class Fanout:
    ///     @workflow.run
    ///     async def run(self, channels: list[str]) -> list[str]:
    ///         return [c for c in sorted(set(channels))]
    /// ```
    ///
    /// ## Fix safety
    /// Wrapping the set in `sorted(…)` is unsafe: the elements must be orderable, and the order
    /// changes for running workflows.
    SetIteration => SetIteration {}
}

impl SetIteration {
    fn describe(&self) -> String {
        "Iteration order of a set depends on hashing (salted per process for strings, memory addresses for most objects), which differs between worker processes; replays may take another path. Iterate in a fixed order, e.g. over `sorted(…)`".to_string()
    }
}

/// Small-integer sets iterate in a fixed order; only hashed-object order is random. A set of
/// at most one element has one order.
fn is_literal_number_set(expr: &Expr) -> bool {
    matches!(expr, Expr::Set(set)
        if set.elts.len() <= 1 || set.elts.iter().all(Expr::is_number_literal_expr))
}

/// A set of integers: `hash(n) == n` is not salted, so built from the same integers in the
/// same order it iterates alike in every process. A literal of numbers, `set(ids)` of a
/// parameter annotated `list[int]` (or another collection of `int`), a name holding one, or
/// set algebra on them.
fn holds_integers(checker: &Checker, expr: &Expr, depth: u8) -> bool {
    if depth > 4 {
        return false;
    }
    match expr {
        Expr::Set(_) => is_literal_number_set(expr),
        Expr::Call(call) => {
            matches!(
                checker.resolve(&call.func).symbol(),
                Some("builtins.set" | "builtins.frozenset")
            ) && call.arguments.keywords.is_empty()
                && matches!(&call.arguments.args[..], [elements] if integer_elements(checker, elements, depth + 1))
        }
        Expr::BinOp(binop)
            if matches!(
                binop.op,
                Operator::BitAnd | Operator::BitOr | Operator::Sub | Operator::BitXor
            ) =>
        {
            holds_integers(checker, &binop.left, depth + 1)
                && holds_integers(checker, &binop.right, depth + 1)
        }
        Expr::Name(name) => checker
            .value_of(name.id.as_str())
            .is_some_and(|value| holds_integers(checker, value, depth + 1)),
        _ => false,
    }
}

/// Whether every element of `expr` is an `int`: a literal of numbers, a set of integers, or a
/// parameter annotated as a collection of `int` (`list[int]`, `Sequence[int]`, …).
fn integer_elements(checker: &Checker, expr: &Expr, depth: u8) -> bool {
    match expr {
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
            elts.iter().all(Expr::is_number_literal_expr)
        }
        Expr::Name(name) => {
            if let Some(annotation) = checker.parameter_annotation(name.id.as_str()) {
                return collection_of_int(&checker.resolver, annotation);
            }
            if let Some((module, annotation)) = checker
                .value_of(name.id.as_str())
                .and_then(|value| activity_result(checker, value))
            {
                let resolver = Resolver::new(checker.resolver.project(), module);
                return collection_of_int(&resolver, annotation);
            }
            holds_integers(checker, expr, depth)
        }
        _ => holds_integers(checker, expr, depth),
    }
}

/// Whether `annotation` (read by `resolver`) is a collection of `int`: `list[int]`,
/// `tuple[int, ...]`, `Sequence[int]`, …
fn collection_of_int(resolver: &Resolver, annotation: &Expr) -> bool {
    let Expr::Subscript(subscript) = annotation else {
        return false;
    };
    let element = match &*subscript.slice {
        // `tuple[int, ...]`
        Expr::Tuple(tuple) => match &tuple.elts[..] {
            [element, Expr::EllipsisLiteral(_)] => element,
            _ => return false,
        },
        element => element,
    };
    let scope = LocalScope::default();
    resolver.resolve(element, &scope).symbol() == Some("builtins.int")
        && matches!(
            resolver.resolve(&subscript.value, &scope).symbol(),
            Some(
                "builtins.list"
                    | "builtins.set"
                    | "builtins.frozenset"
                    | "builtins.tuple"
                    | "typing.List"
                    | "typing.Set"
                    | "typing.FrozenSet"
                    | "typing.Tuple"
                    | "typing.Sequence"
                    | "typing.Iterable"
                    | "collections.abc.Sequence"
                    | "collections.abc.Iterable"
            )
        )
}

/// The return annotation of the project activity `value` awaits the result of
/// (`await workflow.execute_activity(get_ids, …)`), with the activity's module: the SDK
/// converts the result to that type.
fn activity_result<'a>(
    checker: &Checker<'_, '_, 'a>,
    value: &Expr,
) -> Option<(ModuleId, &'a Expr)> {
    let Expr::Await(awaited) = value else {
        return None;
    };
    let Expr::Call(call) = &*awaited.value else {
        return None;
    };
    // The `execute_*` entry points give the result (`start_*` a handle).
    let callee = checker.resolve(&call.func);
    let symbol = callee.symbol();
    if !is_activity_entry_point(symbol)
        || !symbol.is_some_and(|symbol| symbol.starts_with("temporalio.workflow.execute_"))
        || call.arguments.find_keyword("result_type").is_some()
    {
        return None;
    }
    let project = checker.resolver.project();
    let activity =
        project.function_by_name(checker.resolve(call.arguments.args.first()?).symbol()?)?;
    let data = project.function(activity);
    if !matches!(data.kind, FunctionKind::Activity { .. }) {
        return None;
    }
    Some((data.module, data.def.returns.as_deref()?))
}

/// A name proven to hold at most one element here (`if len(owners) == 1:`).
fn is_singleton(checker: &Checker, expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if checker.singletons.contains(&name.id.as_str()))
}

/// Reports iterating `iterated` when it is a set; `body`, a loop's, may use it in any order.
/// Not in a `workflow.logger` message: the logger is quiet on replay and decides nothing.
fn report(checker: &mut Checker, iterated: &Expr, body: Option<&[Stmt]>) {
    if checker.order_insensitive > 0
        || checker.log_message > 0
        || holds_integers(checker, iterated, 0)
        || is_singleton(checker, iterated)
    {
        return;
    }
    if !checker.resolve(iterated).is_unordered_collection() || body.is_some_and(order_free) {
        return;
    }
    let range = iterated.range();
    let fix = Fix {
        applicability: Applicability::Unsafe,
        message: "Iterate over `sorted(…)`".to_string(),
        edits: vec![
            Edit {
                range: TextRange::empty(range.start()),
                content: "sorted(".to_string(),
            },
            Edit {
                range: TextRange::empty(range.end()),
                content: ")".to_string(),
            },
        ],
    };
    checker
        .report(&SetIteration {}, range, Context::Workflow)
        .fix = Some(fix);
}

pub(crate) fn check_iteration(checker: &mut Checker, iter: &Expr, kind: IterationKind) {
    if kind == IterationKind::Unordered {
        return;
    }
    report(checker, iter, None);
}

/// A `for` loop over a set, unless its body ends the same in any order.
pub(crate) fn check_for_loop(checker: &mut Checker, for_stmt: &ast::StmtFor) {
    if searches(checker, for_stmt) || writes_by_key(checker, for_stmt) {
        return;
    }
    report(checker, &for_stmt.iter, Some(&for_stmt.body));
}

/// Whether a loop only asks whether some element passes a test: `for d in deps: node =
/// nodes.get(d)` / `if not node: return False`, every exit returning the same constant, tests
/// and values calling nothing but lookups, and no name it binds read after it. Any order
/// finds such an element or none.
fn searches(checker: &Checker, for_stmt: &ast::StmtFor) -> bool {
    let Expr::Name(target) = &*for_stmt.target else {
        return false;
    };
    let mut bound = vec![target.id.as_str()];
    let mut exit: Option<&str> = None;
    if !for_stmt.orelse.is_empty() {
        return false;
    }
    for stmt in &for_stmt.body {
        match stmt {
            Stmt::Pass(_) | Stmt::Continue(_) => {}
            Stmt::Assign(assign) => {
                let [Expr::Name(name)] = &assign.targets[..] else {
                    return false;
                };
                if calls_more_than_lookups(checker, &assign.value) {
                    return false;
                }
                bound.push(name.id.as_str());
            }
            Stmt::If(if_stmt) if if_stmt.elif_else_clauses.is_empty() => {
                let [
                    Stmt::Return(ast::StmtReturn {
                        value: Some(value), ..
                    }),
                ] = &if_stmt.body[..]
                else {
                    return false;
                };
                if calls_more_than_lookups(checker, &if_stmt.test) || !value.is_literal_expr() {
                    return false;
                }
                let returned = checker.source().slice(value.range());
                if exit.is_some_and(|exit| exit != returned) {
                    return false;
                }
                exit = Some(returned);
            }
            _ => return false,
        }
    }
    exit.is_some() && !read_outside(checker.body, for_stmt.range(), &bound)
}

/// Whether a loop only files each element under its own key of a local dict that the
/// function reads by key alone: `for sid in skipped: results[sid] = {"status": "skipped",
/// "step_id": sid}`, then `results.get(s)` / `results[s]` / `s in results` / `len(results)`.
/// Each element writes its own key with a value made of it and of names the loop does not
/// change, so the dict maps the same keys to the same values in any order; only its
/// insertion order differs, and nothing iterates it.
fn writes_by_key(checker: &Checker, for_stmt: &ast::StmtFor) -> bool {
    let Expr::Name(element) = &*for_stmt.target else {
        return false;
    };
    if !for_stmt.orelse.is_empty() || for_stmt.body.is_empty() {
        return false;
    }
    let mut dicts: Vec<&str> = Vec::new();
    for stmt in &for_stmt.body {
        let Stmt::Assign(assign) = stmt else {
            return false;
        };
        let [Expr::Subscript(target)] = &assign.targets[..] else {
            return false;
        };
        let (Expr::Name(dict), Expr::Name(key)) = (&*target.value, &*target.slice) else {
            return false;
        };
        if key.id != element.id || contains_call(&assign.value) {
            return false;
        }
        dicts.push(dict.id.as_str());
    }
    // A value made from the dicts themselves (`results[sid] = len(results)`) follows the order.
    let reads_dicts = |stmt: &Stmt| {
        matches!(stmt, Stmt::Assign(assign) if any_over_expr(&assign.value, |expr| {
            matches!(expr, Expr::Name(read) if dicts.contains(&read.id.as_str()))
        }))
    };
    !for_stmt.body.iter().any(reads_dicts)
        && dicts
            .iter()
            .all(|dict| is_assigned_here(checker, dict) && read_by_key_only(checker.body, dict))
}

/// Whether `name` holds what this function assigned it (`results = {}`): a dict of this call's
/// own, not a parameter a caller passed in and may iterate.
fn is_assigned_here(checker: &Checker, name: &str) -> bool {
    checker
        .scope
        .value(name)
        .is_some_and(|value| value.expr.is_some())
}

/// Whether every read of the dict `name` in `body` looks up one key: `name[k]`, `name.get(k)`,
/// `k in name`, `len(name)` (none iterates it, copies it or hands it on).
fn read_by_key_only(body: &[Stmt], name: &str) -> bool {
    struct Reads<'n> {
        name: &'n str,
        other: bool,
    }
    impl Reads<'_> {
        fn is_dict(&self, expr: &Expr) -> bool {
            matches!(expr, Expr::Name(read) if read.id == self.name)
        }
    }
    impl<'e> Visitor<'e> for Reads<'_> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            match expr {
                Expr::Subscript(subscript) if self.is_dict(&subscript.value) => {
                    self.visit_expr(&subscript.slice);
                }
                Expr::Call(call)
                    if matches!(&*call.func, Expr::Attribute(method)
                        if method.attr.as_str() == "get" && self.is_dict(&method.value)) =>
                {
                    for argument in &call.arguments.args {
                        self.visit_expr(argument);
                    }
                }
                Expr::Call(call)
                    if matches!(&*call.func, Expr::Name(function) if function.id == "len")
                        && matches!(&call.arguments.args[..], [only] if self.is_dict(only)) => {}
                Expr::Compare(compare)
                    if compare
                        .ops
                        .iter()
                        .all(|op| matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn)) =>
                {
                    self.visit_expr(&compare.left);
                    for comparator in &compare.comparators {
                        if !self.is_dict(comparator) {
                            self.visit_expr(comparator);
                        }
                    }
                }
                Expr::Name(read) if read.ctx == ast::ExprContext::Load && read.id == self.name => {
                    self.other = true;
                }
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut reads = Reads { name, other: false };
    reads.visit_body(body);
    !reads.other
}

/// Whether `expr` calls anything but a lookup (`mapping.get(key)`, `len(x)`, `isinstance(…)`),
/// or awaits.
fn calls_more_than_lookups(checker: &Checker, expr: &Expr) -> bool {
    struct Calls<'k, 'c, 'p, 'a> {
        checker: &'k Checker<'c, 'p, 'a>,
        found: bool,
    }
    impl<'e> Visitor<'e> for Calls<'_, '_, '_, '_> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            match expr {
                Expr::Await(_) | Expr::Named(_) | Expr::Lambda(_) => self.found = true,
                Expr::Call(call) => {
                    let lookup = match &*call.func {
                        Expr::Attribute(attribute) => attribute.attr.as_str() == "get",
                        func => matches!(
                            self.checker.resolve(func).symbol(),
                            Some("builtins.len" | "builtins.isinstance" | "builtins.bool")
                        ),
                    };
                    self.found |= !lookup;
                }
                _ => {}
            }
            if !self.found {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut calls = Calls {
        checker,
        found: false,
    };
    calls.visit_expr(expr);
    calls.found
}

/// Whether `body` reads one of `names` outside `range`.
fn read_outside(body: &[Stmt], range: TextRange, names: &[&str]) -> bool {
    struct Reads<'n> {
        range: TextRange,
        names: &'n [&'n str],
        found: bool,
    }
    impl<'e> Visitor<'e> for Reads<'_> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ast::ExprContext::Load
                && self.names.contains(&name.id.as_str())
                && !self.range.contains_range(name.range)
            {
                self.found = true;
            }
            if !self.found {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut reads = Reads {
        range,
        names,
        found: false,
    };
    reads.visit_body(body);
    reads.found
}

/// Whether a loop body ends in the same state whatever the order of its iterations: it only
/// adds to or discards from sets (`index[key].add(item)`), counts (`seen += 1`), and tests
/// without calling anything.
fn order_free(body: &[Stmt]) -> bool {
    !body.is_empty()
        && body.iter().all(|stmt| match stmt {
            Stmt::Pass(_) | Stmt::Continue(_) => true,
            Stmt::Expr(expr) => matches!(&*expr.value, Expr::Call(call)
                if matches!(&*call.func, Expr::Attribute(method)
                    if matches!(method.attr.as_str(), "add" | "discard")
                        && !contains_call(&method.value))
                    && call.arguments.args.iter().all(|argument| !contains_call(argument))
                    && call.arguments.keywords.is_empty()),
            Stmt::AugAssign(assign) => {
                assign.op == Operator::Add
                    && assign.target.is_name_expr()
                    && assign.value.is_number_literal_expr()
            }
            Stmt::If(if_stmt) => {
                !contains_call(&if_stmt.test)
                    && order_free(&if_stmt.body)
                    && if_stmt.elif_else_clauses.iter().all(|clause| {
                        clause.test.as_ref().is_none_or(|test| !contains_call(test))
                            && order_free(&clause.body)
                    })
            }
            _ => false,
        })
}

/// Whether evaluating `expr` calls anything (which may depend on the order it runs in).
fn contains_call(expr: &Expr) -> bool {
    struct Calls(bool);
    impl<'a> Visitor<'a> for Calls {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(expr, Expr::Call(_) | Expr::Await(_) | Expr::Named(_)) {
                self.0 = true;
            } else if !self.0 {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut calls = Calls(false);
    calls.visit_expr(expr);
    calls.0
}

/// `list(s)`, `tuple(s)`, `enumerate(s)`, `"-".join(s)`, … turn set order into sequence order.
pub(crate) fn check_argument(checker: &mut Checker, info: &CallInfo, argument: &Expr) {
    let orders = matches!(
        info.symbol,
        Some(
            "builtins.list"
                | "builtins.tuple"
                | "builtins.enumerate"
                | "builtins.iter"
                | "builtins.zip"
                | "builtins.map"
                | "builtins.filter"
                | "builtins.reversed"
        )
    ) || matches!(&*info.call.func, Expr::Attribute(attribute)
        if attribute.attr.as_str() == "join" && attribute.value.is_string_literal_expr());
    if orders {
        report(checker, argument, None);
    }
}

/// `s.pop()` removes an arbitrary element.
pub(crate) fn check_call(checker: &mut Checker, info: &CallInfo) {
    if let Some("builtins.set.pop") = info.symbol
        && !matches!(&*info.call.func, Expr::Attribute(attribute) if is_singleton(checker, &attribute.value))
    {
        checker.report(&SetIteration {}, info.call.func.range(), Context::Workflow);
    }
}
