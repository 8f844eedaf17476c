//! The walk itself: statement and expression visitors that keep the scope up to date and hand
//! each node to the rule dispatch.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Stmt, UnaryOp};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{Binding, FunctionId, LocalValue};

use super::{
    CallEdge, CallInfo, Checker, Handling, IterationKind, NestedDef, PassedArguments, Role,
    fallback, identity, offload, stored_callable,
};
use crate::rules;
use crate::tables::Offload;

/// Readers and writers that take a file name or a file object (a callee, or a prefix ending
/// in `.`), with the keyword names of that argument when it is not the first positional one.
const FILE_ARGUMENTS: &[(&str, &[&str])] = &[
    (
        "pandas.",
        &["filepath_or_buffer", "path_or_buf", "path", "excel_writer"],
    ),
    ("pdfplumber.open", &["path_or_fp"]),
    ("gzip.open", &["filename"]),
    ("bz2.open", &["filename"]),
    ("lzma.open", &["filename"]),
    ("tarfile.open", &["name"]),
    ("zipfile.ZipFile", &["file"]),
    ("PIL.Image.open", &["fp"]),
    ("PIL.Image.Image.save", &["fp"]),
    ("numpy.load", &["file"]),
    ("numpy.save", &["file"]),
    ("numpy.savez", &["file"]),
    ("numpy.savez_compressed", &["file"]),
    ("numpy.loadtxt", &["fname"]),
    ("numpy.savetxt", &["fname"]),
    ("numpy.genfromtxt", &["fname"]),
    ("fontTools.ttLib.TTFont", &["file"]),
    ("fontTools.ttLib.ttFont.TTFont", &["file"]),
    ("PIL.ImageFont.truetype", &["font"]),
    ("psd_tools.PSDImage.open", &["fp"]),
    ("fitz.open", &["filename"]),
    ("fitz.Document", &["filename"]),
    ("pymupdf.open", &["filename"]),
    ("pymupdf.Document", &["filename"]),
    ("torch.load", &["f"]),
    ("pypdf.PdfReader", &["stream"]),
    ("PyPDF2.PdfReader", &["stream"]),
    ("PyPDF2.PdfFileReader", &["stream"]),
    ("soundfile.read", &["file"]),
    ("soundfile.write", &["file"]),
];

impl<'a> Checker<'_, '_, 'a> {
    pub(super) fn visit_body(&mut self, body: &'a [Stmt]) {
        let singletons = self.singletons.len();
        for (index, stmt) in body.iter().enumerate() {
            self.visit_stmt(stmt);
            let Stmt::If(if_stmt) = stmt else {
                continue;
            };
            if !if_stmt.elif_else_clauses.is_empty() || !super::guards::leaves(&if_stmt.body) {
                continue;
            }
            // `if len(owners) > 1: raise …` — the rest of the block sees at most one owner.
            let proven = self.at_most_one(&if_stmt.test, false);
            self.singletons.extend(proven);
            // `if workflow.in_workflow(): return …` — the rest of the block runs outside.
            if self.workflow_guard(&if_stmt.test) == Some(true) {
                self.visit_outside_workflow(&body[index + 1..]);
                break;
            }
            // `if zone is not None: return …` — the rest runs only for a `None` argument.
            if self.deferred == 0
                && let Some((parameter, false)) = fallback::none_test(self, &if_stmt.test)
            {
                let saved = self.fallback_of;
                self.fallback_of = Some(parameter);
                self.visit_body(&body[index + 1..]);
                self.fallback_of = saved;
                break;
            }
        }
        self.singletons.truncate(singletons);
    }

    /// Visits a branch with the names its test proves to hold at most one element.
    fn visit_branch(&mut self, body: &'a [Stmt], proven: Vec<&'a str>) {
        let singletons = self.singletons.len();
        self.singletons.extend(proven);
        self.visit_body(body);
        self.singletons.truncate(singletons);
    }

    /// Visits an attribute chain's innermost non-chain expression (`f().a.b` visits `f()`).
    fn visit_chain_base(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(attribute) => self.visit_chain_base(&attribute.value),
            Expr::Name(name) => self.note_nested_use(name.id.as_str()),
            other => self.visit_expr(other),
        }
    }

    /// Whether `call` is a reader or writer that takes a file name or a file object
    /// ([`FILE_ARGUMENTS`]: `pd.read_csv`, `frame.to_json`, `pdfplumber.open`, `gzip.open`)
    /// shown not to touch a file: its path argument is missing (`to_csv()` returns the text,
    /// `tarfile.open(fileobj=…)`) or an `io.BytesIO`/`io.StringIO` buffer. For pandas, whose
    /// readers are as often given buffers and responses, also an argument of a type not known:
    /// only a string or a `pathlib` path is a file there.
    fn file_argument_in_memory(&self, symbol: &str, call: &'a ast::ExprCall) -> bool {
        let Some((callee, names)) = FILE_ARGUMENTS.iter().find(|(callee, _)| {
            symbol == *callee || (callee.ends_with('.') && symbol.starts_with(callee))
        }) else {
            return false;
        };
        let path = call.arguments.args.first().or_else(|| {
            call.arguments
                .keywords
                .iter()
                .find(|keyword| {
                    keyword
                        .arg
                        .as_ref()
                        .is_some_and(|arg| names.contains(&arg.as_str()))
                })
                .map(|keyword| &keyword.value)
        });
        let Some(path) = path else {
            return true;
        };
        if matches!(path, Expr::StringLiteral(_) | Expr::FString(_)) {
            return false;
        }
        let buffer = |class: &str| matches!(class, "io.BytesIO" | "io.StringIO");
        let made = match path {
            Expr::Call(made) => self.resolve(&made.func).symbol().is_some_and(buffer),
            _ => false,
        };
        let binding = self.resolve(path);
        made || binding.instance().is_some_and(buffer)
            || (*callee == "pandas."
                && !binding.instance().is_some_and(|class| {
                    matches!(class, "builtins.str" | "os.PathLike") || class.starts_with("pathlib.")
                }))
    }

    /// Whether a call argument is code of this body that runs when called: a lambda or a
    /// nested function.
    fn is_code_argument(&self, argument: &Expr) -> bool {
        match argument {
            Expr::Lambda(_) => true,
            Expr::Name(name) => self.nested_used.contains_key(name.id.as_str()),
            _ => false,
        }
    }

    /// Whether `argument`, a nested function, fills a parameter that the called project
    /// function (a constructor's `__init__`, typically) only stores: it does not run here.
    fn kept_by_constructor(
        &self,
        called: Option<FunctionId>,
        call: &ast::ExprCall,
        argument: &Expr,
        position: Option<usize>,
        keyword: Option<&str>,
    ) -> bool {
        let (Some(target), Expr::Name(name)) = (called, argument) else {
            return false;
        };
        if !self.nested_used.contains_key(name.id.as_str()) {
            return false;
        }
        let project = self.resolver.project();
        let Some(offset) = self.bound_arguments(call, target) else {
            return false;
        };
        stored_callable::parameter_name(project, target, position, keyword, offset)
            .is_some_and(|parameter| stored_callable::only_stores(project, target, parameter))
    }

    /// Whether a call of `target` only makes a coroutine that a thread-starting call is
    /// handed (`asyncio.run(main())`): its body runs there.
    fn coroutine_handed(&self, target: FunctionId, awaited: bool) -> bool {
        self.handing > 0 && !awaited && self.resolver.project().function(target).def.is_async
    }

    fn note_nested_use(&mut self, name: &'a str) {
        let threaded = self.offloaded > 0 || self.handing > 0;
        if let Some(used) = self.nested_used.get_mut(name) {
            match self.nested_walking.last() {
                Some(&from) if !threaded => self.nested_uses.push((from, name)),
                _ => *used |= !threaded,
            }
            if threaded {
                *self.nested_contextless.entry(name).or_insert(true) &= self.contextless > 0;
            }
        }
    }

    fn handle_call(&mut self, call: &'a ast::ExprCall) {
        let callee = self.resolve(&call.func);
        // Calling an object of a known class runs its `__call__` (`agent(prompt)`).
        let symbol = callee
            .symbol()
            .map(str::to_string)
            .or_else(|| callee.instance().map(|class| format!("{class}.__call__")));
        let called = self.resolver.called_function(&callee);
        if let Some(target) = called {
            self.record_argument_types(call, target);
        }
        let awaited = self.is_awaited(call);
        if let Some(target) = called
            && !self
                .settings
                .is_known_deterministic(symbol.as_deref().unwrap_or_default())
        {
            let arguments = fallback::arguments(self, call, target);
            self.facts.edges.push(CallEdge {
                range: call.func.range(),
                target,
                offloaded: self.offloaded > 0 || self.coroutine_handed(target, awaited),
                outside_workflow: self.outside_workflow > 0,
                deferred: self.deferred > 0,
                arguments,
                guards: self.guards(),
                unless_truthy: self.unless_truthy(),
            });
        }
        for target in self.dispatched_functions(&call.func, awaited) {
            let mut edge = self.edge(call, target);
            edge.offloaded |= self.coroutine_handed(target, awaited);
            self.facts.edges.push(edge);
        }
        // `rng.randint()` on `rng = random.Random()`: the object was reported where it was made.
        let reported_where_made = self.reported_where_made(&call.func);
        // A reader or writer on a buffer (or returning text) touches no file.
        let in_memory = symbol
            .as_deref()
            .is_some_and(|symbol| self.file_argument_in_memory(symbol, call));
        let determinism = symbol
            .as_deref()
            .filter(|symbol| {
                !reported_where_made && !in_memory && !self.settings.is_known_deterministic(symbol)
            })
            .and_then(|symbol| self.tables.determinism.get(symbol).copied());
        // An awaited call returns an awaitable: whatever the table says of a same-named sync
        // API, this one yields to the event loop.
        let blocking = symbol
            .as_deref()
            .filter(|_| !awaited && !in_memory)
            .and_then(|symbol| self.tables.blocking_rule(symbol));
        let restriction = symbol
            .as_deref()
            .filter(|_| !reported_where_made)
            .and_then(|symbol| self.tables.restriction(symbol));
        let info = CallInfo {
            call,
            symbol: symbol.as_deref(),
            determinism,
            blocking,
            restriction,
        };
        rules::dispatch_call(self, &info);
        if let Some(class) = symbol
            .as_deref()
            .and_then(|symbol| self.resolver.project().class_by_name(symbol))
        {
            self.visit_constructor_code(call, class);
        }

        self.visit_chain_base(&call.func);
        let offload = offload::offload_kind(symbol.as_deref(), &call.func);
        let offloads = offload.is_some();
        let bare = offload == Some(Offload::Bare);
        // A project helper that hands some of its parameters to a thread.
        let handed_on = called
            .filter(|_| {
                !offloads
                    && call
                        .arguments
                        .args
                        .iter()
                        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
                        .any(|argument| self.is_code_argument(argument))
            })
            .map(|target| {
                let project = self.resolver.project();
                let bound = project.function(target).class.is_some()
                    && matches!(&*call.func, Expr::Attribute(_));
                offload::offloaded_parameters(project, target, bound)
            });
        let insensitive = matches!(
            symbol.as_deref(),
            Some(
                "builtins.sorted"
                    | "builtins.len"
                    | "builtins.sum"
                    | "builtins.min"
                    | "builtins.max"
                    | "builtins.any"
                    | "builtins.all"
                    | "builtins.set"
                    | "builtins.frozenset"
                    | "collections.Counter"
            )
        );
        self.contextless += u32::from(bare);
        if insensitive {
            self.order_insensitive += 1;
        }
        // What only goes into a `workflow.logger` message decides nothing.
        let log_message = symbol
            .as_deref()
            .is_some_and(|symbol| symbol.starts_with(super::guards::WORKFLOW_LOGGER));
        self.log_message += u32::from(log_message);
        let set_update = matches!(&*call.func, Expr::Attribute(attribute)
            if matches!(attribute.attr.as_str(), "add" | "discard" | "remove")
                && self.resolve(&attribute.value).is_unordered_collection());
        // The arguments of a call that runs its callable arguments in a thread are computed
        // first, here (`to_thread(work, Path(path).read_text())`); the lambdas and nested
        // functions among them run there (`to_thread(partial(work, …))`).
        self.handing += u32::from(offloads);
        for (index, arg) in call.arguments.args.iter().enumerate() {
            let thread = handed_on
                .as_ref()
                .is_some_and(|handed| handed.positions.contains(&index));
            self.offloaded += u32::from(thread);
            rules::dispatch_call_argument(self, &info, arg);
            let outer = self.argument.replace(arg.range());
            if self.kept_by_constructor(called, call, arg, Some(index), None) {
                // Stored for later: the nested function does not run here.
            } else if set_update {
                self.visit_identity_operand(arg);
            } else {
                self.visit_expr(arg);
            }
            self.argument = outer;
            self.offloaded -= u32::from(thread);
        }
        for keyword in &call.arguments.keywords {
            let thread = handed_on.as_ref().is_some_and(|handed| {
                keyword
                    .arg
                    .as_ref()
                    .is_some_and(|name| handed.names.contains(&name.as_str()))
            });
            let unordered = keyword
                .arg
                .as_ref()
                .is_some_and(|name| is_membership_only(name.as_str()));
            self.offloaded += u32::from(thread);
            self.order_insensitive += u32::from(unordered);
            let outer = self.argument.replace(keyword.value.range());
            let name = keyword.arg.as_ref().map(ast::Identifier::as_str);
            if !self.kept_by_constructor(called, call, &keyword.value, None, name) {
                self.visit_expr(&keyword.value);
            }
            self.argument = outer;
            self.order_insensitive -= u32::from(unordered);
            self.offloaded -= u32::from(thread);
        }
        self.handing -= u32::from(offloads);
        self.log_message -= u32::from(log_message);
        if insensitive {
            self.order_insensitive -= 1;
        }
        self.contextless -= u32::from(bare);
    }

    fn hands_stored_callable(&mut self) -> bool {
        if let Some(known) = self.hands_stored_callable {
            return known;
        }
        let found = offload::hands_stored_callable(self, self.body);
        self.hands_stored_callable = Some(found);
        found
    }

    /// An edge for `call`, which runs the project function `target` with none of this
    /// body's arguments known to be true or handed on.
    pub(super) fn edge(&self, call: &ast::ExprCall, target: FunctionId) -> CallEdge {
        self.edge_at(call.func.range(), target)
    }

    /// An edge at `range` for a call the code does not write out (`__enter__` in `with`).
    fn edge_at(&self, range: TextRange, target: FunctionId) -> CallEdge {
        CallEdge {
            range,
            target,
            offloaded: self.offloaded > 0,
            outside_workflow: self.outside_workflow > 0,
            deferred: self.deferred > 0,
            arguments: PassedArguments::default(),
            guards: self.guards(),
            unless_truthy: self.unless_truthy(),
        }
    }

    /// The calls `with` makes on a project class's instance: `__enter__` and `__exit__`
    /// (`__aenter__` and `__aexit__` for `async with`), at the context expression.
    fn enter_context(&mut self, context: &Expr, binding: &Binding, is_async: bool) {
        let project = self.resolver.project();
        let Some(class) = binding
            .instance()
            .and_then(|class| project.class_by_name(class))
        else {
            return;
        };
        let methods = if is_async {
            ["__aenter__", "__aexit__"]
        } else {
            ["__enter__", "__exit__"]
        };
        for method in methods {
            if let Some(target) = project.method_of(class, method, 0) {
                let edge = self.edge_at(context.range(), target);
                self.facts.edges.push(edge);
            }
        }
    }

    /// Whether a `with` on `context` may handle an exception its body raises, like a `try`:
    /// `contextlib.suppress(…)`, an exit stack, a project class's `__exit__` (it may
    /// suppress or convert it), or a project generator (`@contextmanager`, whose `yield` may
    /// sit in a `try`).
    fn may_handle_exceptions(&self, context: &Expr, binding: &Binding) -> bool {
        let project = self.resolver.project();
        if let Some(class) = binding.instance() {
            return matches!(
                class,
                "contextlib.suppress" | "contextlib.ExitStack" | "contextlib.AsyncExitStack"
            ) || project.class_by_name(class).is_some();
        }
        let Expr::Call(call) = context else {
            return false;
        };
        self.resolve(&call.func).symbol().is_some_and(|symbol| {
            symbol == "contextlib.suppress" || project.function_by_name(symbol).is_some()
        })
    }

    /// Whether `callee` is a method of a local object made in this body by a call the
    /// determinism rules report (`session.get` after `session = requests.Session()`), or, at
    /// module level, of a module variable made by a call they or the sandbox's restrictions
    /// report (`handle.write` after `handle = tempfile.NamedTemporaryFile()`).
    fn reported_where_made(&self, callee: &Expr) -> bool {
        let Expr::Attribute(attribute) = callee else {
            return false;
        };
        let Expr::Name(name) = &*attribute.value else {
            return false;
        };
        let module_level = self.role == Role::ModuleLevel;
        let made = if module_level {
            self.value_of(name.id.as_str())
        } else {
            self.scope
                .value(name.id.as_str())
                .and_then(|value: &LocalValue| value.expr)
        };
        let Some(Expr::Call(made)) = made else {
            return false;
        };
        self.resolve(&made.func).symbol().is_some_and(|symbol| {
            !self.settings.is_known_deterministic(symbol)
                && (self.tables.determinism.get(symbol).is_some()
                    || (module_level && self.tables.restriction(symbol).is_some()))
        })
    }

    fn visit_comprehension_generators(
        &mut self,
        generators: &'a [ast::Comprehension],
        kind: IterationKind,
    ) {
        for (index, generator) in generators.iter().enumerate() {
            if index == 0 {
                rules::dispatch_iteration(self, &generator.iter, kind);
                self.visit_expr(&generator.iter);
            }
            let mut names = Vec::new();
            collect_names(&generator.target, &mut names);
            self.scope.push_names(names);
            if index > 0 {
                rules::dispatch_iteration(self, &generator.iter, kind);
                self.visit_expr(&generator.iter);
            }
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
    }

    fn pop_comprehension(&mut self, generators: &[ast::Comprehension]) {
        for _ in generators {
            self.scope.pop();
        }
    }

    /// Whether the first of `handlers` that catches the sandbox's
    /// `RestrictedWorkflowAccessError` (a bare `except:`, `Exception`, `BaseException` or a
    /// Temporal ancestor) never raises: the rejected call then only takes that path.
    fn catches_rejection(&self, handlers: &[ast::ExceptHandler]) -> bool {
        let rejection = |type_: &Expr| {
            matches!(
                self.exception_class(type_).as_deref(),
                Some(
                    "builtins.Exception"
                        | "builtins.BaseException"
                        | "temporalio.exceptions.TemporalError"
                        | "temporalio.workflow.NondeterminismError"
                        | "temporalio.worker.workflow_sandbox.RestrictedWorkflowAccessError"
                )
            )
        };
        handlers
            .iter()
            .map(|handler| {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                handler
            })
            .find(|handler| match handler.type_.as_deref() {
                None => true,
                Some(Expr::Tuple(types)) => types.elts.iter().any(rejection),
                Some(type_) => rejection(type_),
            })
            .is_some_and(|handler| !raises(&handler.body))
    }

    fn is_call_of(&self, expr: &Expr, symbol: &str) -> bool {
        matches!(expr, Expr::Call(call) if self.resolve(&call.func).symbol() == Some(symbol))
    }

    /// Visits `operand`, a value that only meets values of this process (see
    /// [`Checker::identity_operand`]).
    fn visit_identity_operand(&mut self, operand: &'a Expr) {
        let saved = self.identity_operand.replace(operand.range());
        self.visit_expr(operand);
        self.identity_operand = saved;
    }

    fn visit_nested_function(&mut self, def: &'a ast::StmtFunctionDef) {
        for decorator in &def.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        for parameter in def.parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        if self.role == Role::ModuleLevel {
            return;
        }
        rules::dispatch_nested_definition(self, def.name.as_str(), &def.decorator_list);
        self.scope.set(
            def.name.as_str(),
            LocalValue {
                binding: Binding::Unknown,
                expr: None,
            },
        );
        let effects_start = self.facts.effects.len();
        let edges_start = self.facts.edges.len();
        let heartbeats_start = self.facts.heartbeats.len();
        self.resolver.enter_function(&mut self.scope, def, None);
        let saved_loops = std::mem::take(&mut self.loop_depth);
        let saved_try = std::mem::take(&mut self.in_try);
        let saved_handling = std::mem::take(&mut self.handling);
        let saved_async = std::mem::replace(&mut self.in_async, def.is_async);
        self.deferred += 1;
        self.nested_walking.push(def.name.as_str());
        self.visit_body(&def.body);
        self.nested_walking.pop();
        self.deferred -= 1;
        self.in_async = saved_async;
        self.loop_depth = saved_loops;
        self.in_try = saved_try;
        self.handling = saved_handling;
        self.scope.pop();
        self.nested_used.entry(def.name.as_str()).or_insert(false);
        self.nested.push(NestedDef {
            name: def.name.as_str(),
            effects: effects_start..self.facts.effects.len(),
            edges: edges_start..self.facts.edges.len(),
            heartbeats: heartbeats_start..self.facts.heartbeats.len(),
        });
    }
}

/// Whether a `raise` statement is in `body`, outside nested definitions.
fn raises(body: &[Stmt]) -> bool {
    struct Raises(bool);
    impl<'a> Visitor<'a> for Raises {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Raise(_) => self.0 = true,
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut found = Raises(false);
    found.visit_body(body);
    found.0
}

fn collect_names<'a>(target: &'a Expr, names: &mut Vec<&'a str>) {
    match target {
        Expr::Name(name) => names.push(name.id.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| collect_names(elt, names)),
        Expr::List(list) => list.elts.iter().for_each(|elt| collect_names(elt, names)),
        Expr::Starred(starred) => collect_names(&starred.value, names),
        _ => {}
    }
}

/// `if __name__ == "__main__":`
fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(compare) = test else {
        return false;
    };
    matches!(&*compare.left, Expr::Name(name) if name.id.as_str() == "__name__")
        && compare
            .comparators
            .iter()
            .any(|c| matches!(c, Expr::StringLiteral(s) if s.value.to_str() == "__main__"))
}

impl<'a> Visitor<'a> for Checker<'_, '_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.visit_nested_function(def),
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if self.role != Role::ModuleLevel {
                    rules::dispatch_nested_definition(
                        self,
                        class.name.as_str(),
                        &class.decorator_list,
                    );
                }
                if let Some(arguments) = &class.arguments {
                    for base in &arguments.args {
                        self.visit_expr(base);
                    }
                }
                for stmt in &class.body {
                    match stmt {
                        Stmt::FunctionDef(def) => {
                            for decorator in &def.decorator_list {
                                self.visit_expr(&decorator.expression);
                            }
                            if self.role != Role::ModuleLevel {
                                rules::dispatch_nested_definition(
                                    self,
                                    def.name.as_str(),
                                    &def.decorator_list,
                                );
                            }
                        }
                        other if self.role == Role::ModuleLevel => self.visit_stmt(other),
                        _ => {}
                    }
                }
            }
            Stmt::Assign(assign) => {
                rules::dispatch_assignment(self, assign);
                let unordered = assign.targets.iter().all(|target| {
                    matches!(target, Expr::Attribute(attribute)
                        if is_membership_only(attribute.attr.as_str()))
                });
                self.order_insensitive += u32::from(unordered);
                if identity::kept_for_identity(self.body, assign) {
                    self.visit_identity_operand(&assign.value);
                } else {
                    self.visit_expr(&assign.value);
                }
                self.order_insensitive -= u32::from(unordered);
                for target in &assign.targets {
                    rules::dispatch_assignment_target(self, target);
                    self.visit_target(target);
                    self.resolver.bind(&mut self.scope, target, &assign.value);
                }
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                rules::dispatch_assignment_target(self, &assign.target);
                self.visit_target(&assign.target);
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                    rules::dispatch_assignment_target(self, &assign.target);
                    self.resolver.bind(&mut self.scope, &assign.target, value);
                    // `c: Collection = make()`: what the annotation declares, when the value
                    // is not known.
                    if let Expr::Name(name) = &*assign.target
                        && self.resolve(&assign.target) == Binding::Unknown
                    {
                        let declared = self
                            .resolver
                            .annotation_type(&assign.annotation, &self.scope);
                        self.scope.set(
                            name.id.as_str(),
                            LocalValue {
                                binding: declared,
                                expr: Some(value),
                            },
                        );
                    }
                }
            }
            Stmt::For(for_stmt) => {
                rules::dispatch_for(self, for_stmt);
                self.visit_expr(&for_stmt.iter);
                self.resolver
                    .bind_iteration(&mut self.scope, &for_stmt.target, &for_stmt.iter);
                self.loop_depth += 1;
                self.visit_body(&for_stmt.body);
                self.loop_depth -= 1;
                self.visit_body(&for_stmt.orelse);
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                rules::dispatch_while(self, while_stmt);
                self.loop_depth += 1;
                self.visit_body(&while_stmt.body);
                self.loop_depth -= 1;
                self.visit_body(&while_stmt.orelse);
            }
            Stmt::If(if_stmt) => {
                if self.role == Role::ModuleLevel && is_main_guard(&if_stmt.test) {
                    return;
                }
                self.visit_expr(&if_stmt.test);
                let guards = matches!(&*if_stmt.test, Expr::UnaryOp(unary)
                    if unary.op == UnaryOp::Not
                        && self.is_call_of(&unary.operand, "temporalio.workflow.unsafe.is_replaying"));
                if guards {
                    self.not_replaying += 1;
                }
                let in_workflow = self.workflow_guard(&if_stmt.test);
                // `if parameter is None: parameter = default()` runs only for a false argument
                // (and after `if parameter is not None:`, the other branches do).
                let saved = self.fallback_of;
                let none_test = if self.deferred == 0 {
                    fallback::none_test(self, &if_stmt.test)
                } else {
                    None
                };
                if let Some((parameter, true)) = none_test {
                    self.fallback_of = Some(parameter);
                }
                if in_workflow == Some(false) {
                    self.visit_outside_workflow(&if_stmt.body);
                } else {
                    let start = self.facts.effects.len();
                    self.visit_branch(&if_stmt.body, self.at_most_one(&if_stmt.test, true));
                    if in_workflow == Some(true) {
                        self.only_in_workflow(start);
                    }
                }
                self.fallback_of = saved;
                if guards {
                    self.not_replaying -= 1;
                }
                if let Some((parameter, false)) = none_test {
                    self.fallback_of = Some(parameter);
                }
                for clause in &if_stmt.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    // After `if workflow.in_workflow():`, every other branch runs outside.
                    if in_workflow == Some(true) {
                        self.visit_outside_workflow(&clause.body);
                    } else {
                        // Every other branch runs with the first test false.
                        let proven = self.at_most_one(&if_stmt.test, false);
                        self.visit_branch(&clause.body, proven);
                    }
                }
                self.fallback_of = saved;
            }
            Stmt::With(with) => {
                let mut unrestricted = 0;
                let mut catches = false;
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if self.is_call_of(
                        &item.context_expr,
                        "temporalio.workflow.unsafe.sandbox_unrestricted",
                    ) {
                        unrestricted += 1;
                    }
                    let binding = self.resolve(&item.context_expr);
                    self.enter_context(&item.context_expr, &binding, with.is_async);
                    catches |= self.may_handle_exceptions(&item.context_expr, &binding);
                    if let Some(vars) = &item.optional_vars {
                        self.resolver.bind_binding(&mut self.scope, vars, binding);
                    }
                }
                let catches = u32::from(catches);
                self.sandbox_unrestricted += unrestricted;
                self.in_try += catches;
                self.visit_body(&with.body);
                self.in_try -= catches;
                self.sandbox_unrestricted -= unrestricted;
            }
            Stmt::Try(try_stmt) => {
                let catches = u32::from(!try_stmt.handlers.is_empty());
                let rejection_caught = u32::from(self.catches_rejection(&try_stmt.handlers));
                self.in_try += catches;
                self.rejection_caught += rejection_caught;
                let start = self.facts.effects.len();
                self.visit_body(&try_stmt.body);
                self.in_try -= catches;
                self.rejection_caught -= rejection_caught;
                let handlers_outside = self.fails_only_outside_workflow(&try_stmt.body);
                if handlers_outside && catches > 0 {
                    // `try: now = workflow.now()` / `except …: now = datetime.now()`: the body
                    // is a probe that succeeds only in a workflow.
                    self.only_in_workflow(start);
                }
                for (index, handler) in try_stmt.handlers.iter().enumerate() {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(type_) = &handler.type_ {
                        self.visit_expr(type_);
                    }
                    if let Some(name) = &handler.name {
                        self.scope.set(
                            name.as_str(),
                            LocalValue {
                                binding: Binding::Unknown,
                                expr: None,
                            },
                        );
                    }
                    self.handling.push(Handling {
                        types: handler.type_.as_deref(),
                        first_of: (index == 0).then_some(&try_stmt.body[..]),
                    });
                    if handlers_outside {
                        self.visit_outside_workflow(&handler.body);
                    } else {
                        self.visit_body(&handler.body);
                    }
                    self.handling.pop();
                }
                self.visit_body(&try_stmt.orelse);
                self.visit_body(&try_stmt.finalbody);
            }
            Stmt::Expr(statement) => {
                rules::dispatch_expression_statement(self, statement);
                self.visit_expr(&statement.value);
            }
            Stmt::Raise(raise) => {
                rules::dispatch_raise(self, raise);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Assert(assert) => {
                rules::dispatch_assert(self, assert);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Return(ret) => {
                if let Some(value) = &ret.value {
                    // `return node` hands a nested function to the caller, who may call it
                    // (or hand it to a thread): returning it runs nothing here.
                    let returns_nested = matches!(&**value,
                        Expr::Name(name) if self.nested_used.contains_key(name.id.as_str()));
                    if !returns_nested {
                        self.visit_expr(value);
                    }
                    rules::dispatch_return(self, ret, value);
                }
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) if self.role != Role::ModuleLevel => {
                let project = self.resolver.project();
                for (local, target) in project.local_import_bindings(self.resolver.module(), stmt) {
                    self.scope.set(
                        local,
                        LocalValue {
                            binding: self.resolver.imported(&target),
                            expr: None,
                        },
                    );
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) => self.handle_call(call),
            Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => {
                let fallback_of = match bool_op.values.first() {
                    Some(Expr::Name(name)) if self.deferred == 0 => {
                        fallback::parameter_index(self, name.id.as_str())
                    }
                    _ => None,
                };
                let Some((first, rest)) = bool_op.values.split_first() else {
                    return;
                };
                self.visit_expr(first);
                let saved = self.fallback_of;
                self.fallback_of = fallback_of.or(saved);
                for value in rest {
                    self.visit_expr(value);
                }
                self.fallback_of = saved;
            }
            Expr::If(conditional) => {
                if !self.visit_guarded_conditional(conditional) {
                    visitor::walk_expr(self, expr);
                }
            }
            Expr::Compare(compare) if identity::is_identity_comparison(compare) => {
                self.visit_identity_operand(&compare.left);
                for comparator in &compare.comparators {
                    self.visit_identity_operand(comparator);
                }
            }
            Expr::Await(await_expr) => {
                if let Expr::Call(call) = &*await_expr.value {
                    self.awaited_call = Some((call.range(), await_expr.start()));
                }
                self.visit_expr(&await_expr.value);
            }
            Expr::Name(name) => {
                if name.ctx == ExprContext::Load {
                    self.note_nested_use(name.id.as_str());
                    rules::dispatch_reference(self, expr);
                }
            }
            Expr::Attribute(attribute) => {
                if attribute.ctx == ExprContext::Load {
                    rules::dispatch_reference(self, expr);
                }
                self.visit_chain_base(&attribute.value);
            }
            Expr::Lambda(lambda) => {
                let names = lambda
                    .parameters
                    .iter()
                    .flat_map(|parameters| parameters.iter())
                    .map(|parameter| parameter.name().as_str());
                self.scope.push_names(names);
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter_non_variadic_params() {
                        if let Some(default) = &parameter.default {
                            self.visit_expr(default);
                        }
                    }
                }
                // A lambda stored in a variable or a collection, in a body that hands a
                // stored callable to a thread, may be what runs there: its calls are not taken
                // to run on the event loop. So is one handed to a call that a thread-starting
                // call is handed (`to_thread(carry_context(lambda: …))`).
                let stored = self.handing > 0
                    || (self.argument != Some(lambda.range) && self.hands_stored_callable());
                self.deferred += 1;
                self.offloaded += u32::from(stored);
                self.visit_expr(&lambda.body);
                self.offloaded -= u32::from(stored);
                self.deferred -= 1;
                self.scope.pop();
            }
            Expr::ListComp(comp) => {
                self.visit_comprehension_generators(&comp.generators, IterationKind::Ordered);
                self.visit_expr(&comp.elt);
                self.pop_comprehension(&comp.generators);
            }
            Expr::Generator(comp) => {
                self.visit_comprehension_generators(&comp.generators, IterationKind::Ordered);
                self.visit_expr(&comp.elt);
                self.pop_comprehension(&comp.generators);
            }
            Expr::SetComp(comp) => {
                self.visit_comprehension_generators(&comp.generators, IterationKind::Unordered);
                self.visit_expr(&comp.elt);
                self.pop_comprehension(&comp.generators);
            }
            Expr::DictComp(comp) => {
                self.visit_comprehension_generators(&comp.generators, IterationKind::Ordered);
                if let Some(key) = &comp.key {
                    self.visit_expr(key);
                }
                self.visit_expr(&comp.value);
                self.pop_comprehension(&comp.generators);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

impl<'a> Checker<'_, '_, 'a> {
    /// Visits the sub-expressions of an assignment target (subscripts, attribute bases).
    fn visit_target(&mut self, target: &'a Expr) {
        match target {
            Expr::Subscript(subscript) => {
                self.visit_chain_base(&subscript.value);
                self.visit_expr(&subscript.slice);
            }
            Expr::Attribute(attribute) => self.visit_chain_base(&attribute.value),
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.visit_target(elt)),
            Expr::List(list) => list.elts.iter().for_each(|elt| self.visit_target(elt)),
            Expr::Starred(starred) => self.visit_target(&starred.value),
            _ => {}
        }
    }
}

/// Fields whose order nothing reads: `RetryPolicy.non_retryable_error_types` (the server tests
/// membership, and replay does not compare retry policies).
fn is_membership_only(name: &str) -> bool {
    name == "non_retryable_error_types"
}
