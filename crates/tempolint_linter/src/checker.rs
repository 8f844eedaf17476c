//! The checker walks one body (a function, or a module's top-level code) once, keeps the local
//! scope up to date, and calls each enabled rule's check per node kind. Rules report
//! [`Effect`]s: findings tagged with the context they matter in; [`crate::propagate`] turns
//! them into diagnostics once the call graph is known.

use rustc_hash::FxHashMap;
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Stmt, UnaryOp};
use tempolint_python::{Ranged, TextRange};
use tempolint_semantic::{Binding, FunctionId, FunctionKind, LocalValue, Project, Resolver};

use crate::diagnostic::{Fix, Severity};
use crate::registry::Rule;
use crate::rules::{self, Violation};
use crate::settings::Settings;
use crate::tables::{TABLES, Tables};

/// Where a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// In workflow methods, and through calls at the workflow's call site.
    Workflow,
    /// In `async def` activities, and through their calls (not offloaded to a thread).
    AsyncActivity,
    /// In top-level code of a module the sandbox imports, and through its calls.
    ImportTime,
    /// Only directly in a workflow method.
    WorkflowBody,
    /// Only directly in an activity.
    ActivityBody,
    /// Wherever it is.
    Anywhere,
}

/// A finding of one body, before propagation.
#[derive(Debug, Clone)]
pub(crate) struct Effect {
    pub(crate) rule: Rule,
    pub(crate) context: Context,
    pub(crate) range: TextRange,
    pub(crate) message: String,
    pub(crate) severity: Severity,
    pub(crate) fix: Option<Fix>,
    /// Inside code handed to a thread (`run_in_executor(…, lambda: …)`).
    pub(crate) offloaded: bool,
}

/// A call of a project function.
#[derive(Debug, Clone)]
pub(crate) struct CallEdge {
    pub(crate) range: TextRange,
    pub(crate) target: FunctionId,
    pub(crate) offloaded: bool,
}

/// A call that schedules a project activity, for the heartbeat rules.
#[derive(Debug, Clone)]
pub(crate) struct ActivityCall {
    pub(crate) activity: FunctionId,
    pub(crate) heartbeat_timeout: Option<TextRange>,
}

/// Everything one body contributes to the analysis.
#[derive(Debug, Default)]
pub(crate) struct BodyFacts {
    pub(crate) effects: Vec<Effect>,
    pub(crate) edges: Vec<CallEdge>,
    pub(crate) activity_calls: Vec<ActivityCall>,
    /// `activity.heartbeat(…)` calls, with whether they sit in a loop.
    pub(crate) heartbeats: Vec<(TextRange, bool)>,
    pub(crate) continues_as_new: bool,
    /// `while True:` loops that await something.
    pub(crate) endless_loops: Vec<TextRange>,
}

/// What the body being walked is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    ModuleLevel,
    Function(FunctionKind),
}

/// A resolved call, handed to every call rule.
pub(crate) struct CallInfo<'a, 'e> {
    pub(crate) call: &'e ast::ExprCall,
    pub(crate) symbol: Option<&'a str>,
    /// The determinism table's rule for the symbol (none if declared deterministic).
    pub(crate) determinism: Option<Rule>,
    /// The blocking table's rule for the symbol.
    pub(crate) blocking: Option<Rule>,
}

struct NestedDef<'a> {
    name: &'a str,
    effects: std::ops::Range<usize>,
    edges: std::ops::Range<usize>,
}

pub(crate) struct Checker<'c, 'p, 'a> {
    pub(crate) resolver: Resolver<'p, 'a>,
    pub(crate) settings: &'c Settings,
    pub(crate) tables: &'static Tables,
    pub(crate) scope: tempolint_semantic::LocalScope<'a>,
    pub(crate) facts: BodyFacts,
    pub(crate) role: Role,
    offloaded: u32,
    /// Inside `with workflow.unsafe.sandbox_unrestricted():`.
    pub(crate) sandbox_unrestricted: u32,
    /// Inside `if not workflow.unsafe.is_replaying():`.
    pub(crate) not_replaying: u32,
    pub(crate) loop_depth: u32,
    /// Inside an argument of `sorted`, `len`, `set`, … (iteration order cannot matter).
    pub(crate) order_insensitive: u32,
    nested: Vec<NestedDef<'a>>,
    /// Nested function names referenced outside offloaded code.
    nested_used: FxHashMap<&'a str, bool>,
}

impl<'c, 'p, 'a> Checker<'c, 'p, 'a> {
    fn new(
        project: &'p Project<'a>,
        module: tempolint_semantic::ModuleId,
        settings: &'c Settings,
        role: Role,
    ) -> Self {
        Self {
            resolver: Resolver::new(project, module),
            settings,
            tables: &TABLES,
            scope: tempolint_semantic::LocalScope::default(),
            facts: BodyFacts::default(),
            role,
            offloaded: 0,
            sandbox_unrestricted: 0,
            not_replaying: 0,
            loop_depth: 0,
            order_insensitive: 0,
            nested: Vec::new(),
            nested_used: FxHashMap::default(),
        }
    }

    /// Walks a project function's body.
    pub(crate) fn check_function(
        project: &'p Project<'a>,
        function: FunctionId,
        settings: &'c Settings,
    ) -> BodyFacts {
        let data = project.function(function);
        let mut checker = Checker::new(project, data.module, settings, Role::Function(data.kind));
        let class = data
            .class
            .map(|class| project.class(class).qualified_name.as_str());
        checker
            .resolver
            .enter_function(&mut checker.scope, data.def, class);
        checker.visit_body(&data.def.body);
        checker.finish()
    }

    /// Walks a module's top-level code (not function bodies).
    pub(crate) fn check_module(
        project: &'p Project<'a>,
        module: tempolint_semantic::ModuleId,
        settings: &'c Settings,
    ) -> BodyFacts {
        let mut checker = Checker::new(project, module, settings, Role::ModuleLevel);
        checker.visit_body(project.module(module).body());
        checker.finish()
    }

    /// Marks the findings of nested functions that only run in a thread as offloaded.
    fn finish(mut self) -> BodyFacts {
        for nested in &self.nested {
            if !self.nested_used.get(nested.name).copied().unwrap_or(false) {
                for effect in &mut self.facts.effects[nested.effects.clone()] {
                    effect.offloaded = true;
                }
                for edge in &mut self.facts.edges[nested.edges.clone()] {
                    edge.offloaded = true;
                }
            }
        }
        self.facts
    }

    pub(crate) fn enabled(&self, rule: Rule) -> bool {
        self.settings.rules.contains(rule)
    }

    pub(crate) fn resolve(&self, expr: &Expr) -> Binding {
        self.resolver.resolve(expr, &self.scope)
    }

    /// Records a finding of `violation` at `range`, relevant in `context`.
    pub(crate) fn report<V: Violation>(
        &mut self,
        violation: &V,
        range: TextRange,
        context: Context,
    ) -> &mut Effect {
        self.facts.effects.push(Effect {
            rule: V::RULE,
            context,
            range,
            message: violation.message(),
            severity: V::RULE.default_severity(),
            fix: None,
            offloaded: self.offloaded > 0,
        });
        self.facts.effects.last_mut().expect("just pushed")
    }

    fn visit_body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.visit_stmt(stmt);
        }
    }

    /// Visits an attribute chain's innermost non-chain expression (`f().a.b` visits `f()`).
    fn visit_chain_base(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(attribute) => self.visit_chain_base(&attribute.value),
            Expr::Name(name) => self.note_nested_use(name.id.as_str()),
            other => self.visit_expr(other),
        }
    }

    fn note_nested_use(&mut self, name: &'a str) {
        if let Some(used) = self.nested_used.get_mut(name) {
            *used |= self.offloaded == 0;
        }
    }

    fn handle_call(&mut self, call: &'a ast::ExprCall) {
        let callee = self.resolve(&call.func);
        let symbol = callee.symbol().map(str::to_string);
        if let Some(target) = self.resolver.called_function(&callee)
            && !self
                .settings
                .is_known_deterministic(symbol.as_deref().unwrap_or_default())
        {
            self.facts.edges.push(CallEdge {
                range: call.func.range(),
                target,
                offloaded: self.offloaded > 0,
            });
        }
        let determinism = symbol
            .as_deref()
            .filter(|symbol| !self.settings.is_known_deterministic(symbol))
            .and_then(|symbol| self.tables.determinism.get(symbol).copied());
        let blocking = symbol
            .as_deref()
            .and_then(|symbol| self.tables.blocking.get(symbol).copied());
        let info = CallInfo {
            call,
            symbol: symbol.as_deref(),
            determinism,
            blocking,
        };
        rules::dispatch_call(self, &info);

        self.visit_chain_base(&call.func);
        let offloads = symbol
            .as_deref()
            .is_some_and(|symbol| self.tables.offloading.get(symbol).is_some())
            || matches!(&*call.func, Expr::Attribute(attribute)
                if matches!(attribute.attr.as_str(), "run_in_executor" | "to_thread" | "submit" | "run_sync"));
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
        if offloads {
            self.offloaded += 1;
        }
        if insensitive {
            self.order_insensitive += 1;
        }
        for arg in &call.arguments.args {
            rules::dispatch_call_argument(self, &info, arg);
            self.visit_expr(arg);
        }
        for keyword in &call.arguments.keywords {
            self.visit_expr(&keyword.value);
        }
        if insensitive {
            self.order_insensitive -= 1;
        }
        if offloads {
            self.offloaded -= 1;
        }
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

    fn is_call_of(&self, expr: &Expr, symbol: &str) -> bool {
        matches!(expr, Expr::Call(call) if self.resolve(&call.func).symbol() == Some(symbol))
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
        self.scope.set(
            def.name.as_str(),
            LocalValue {
                binding: Binding::Unknown,
                expr: None,
            },
        );
        let effects_start = self.facts.effects.len();
        let edges_start = self.facts.edges.len();
        self.resolver.enter_function(&mut self.scope, def, None);
        let saved_loops = std::mem::take(&mut self.loop_depth);
        self.visit_body(&def.body);
        self.loop_depth = saved_loops;
        self.scope.pop();
        self.nested_used.entry(def.name.as_str()).or_insert(false);
        self.nested.push(NestedDef {
            name: def.name.as_str(),
            effects: effects_start..self.facts.effects.len(),
            edges: edges_start..self.facts.edges.len(),
        });
    }
}

/// How an iterated value is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IterationKind {
    /// A `for` loop or a list/dict comprehension or generator: order reaches the result.
    Ordered,
    /// A set comprehension: its result has no order either.
    IntoSet,
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
                        }
                        other if self.role == Role::ModuleLevel => self.visit_stmt(other),
                        _ => {}
                    }
                }
            }
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
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
                }
            }
            Stmt::For(for_stmt) => {
                rules::dispatch_iteration(self, &for_stmt.iter, IterationKind::Ordered);
                self.visit_expr(&for_stmt.iter);
                tempolint_semantic::bind_unknown(&mut self.scope, &for_stmt.target);
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
                self.visit_body(&if_stmt.body);
                if guards {
                    self.not_replaying -= 1;
                }
                for clause in &if_stmt.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    self.visit_body(&clause.body);
                }
            }
            Stmt::With(with) => {
                let mut unrestricted = 0;
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if self.is_call_of(
                        &item.context_expr,
                        "temporalio.workflow.unsafe.sandbox_unrestricted",
                    ) {
                        unrestricted += 1;
                    }
                    if let Some(vars) = &item.optional_vars {
                        let binding = self.resolve(&item.context_expr);
                        self.resolver.bind_binding(&mut self.scope, vars, binding);
                    }
                }
                self.sandbox_unrestricted += unrestricted;
                self.visit_body(&with.body);
                self.sandbox_unrestricted -= unrestricted;
            }
            Stmt::Try(try_stmt) => {
                self.visit_body(&try_stmt.body);
                for handler in &try_stmt.handlers {
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
                    self.visit_body(&handler.body);
                }
                self.visit_body(&try_stmt.orelse);
                self.visit_body(&try_stmt.finalbody);
            }
            Stmt::Return(ret) => {
                if let Some(value) = &ret.value {
                    self.visit_expr(value);
                    rules::dispatch_return(self, ret, value);
                }
            }
            Stmt::Import(import) if self.role != Role::ModuleLevel => {
                for alias in &import.names {
                    let full = alias.name.as_str();
                    let (local, target) = if let Some(asname) = &alias.asname {
                        (asname.as_str(), full)
                    } else {
                        let first = full.split('.').next().unwrap_or(full);
                        (first, first)
                    };
                    self.scope.set(
                        local,
                        LocalValue {
                            binding: Binding::Symbol(target.to_string()),
                            expr: None,
                        },
                    );
                }
            }
            Stmt::ImportFrom(import) if self.role != Role::ModuleLevel && import.level == 0 => {
                let Some(module) = &import.module else { return };
                for alias in &import.names {
                    let local = alias
                        .asname
                        .as_ref()
                        .map_or(alias.name.as_str(), |asname| asname.as_str());
                    self.scope.set(
                        local,
                        LocalValue {
                            binding: Binding::Symbol(format!("{module}.{}", alias.name)),
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
                self.visit_expr(&lambda.body);
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
                self.visit_comprehension_generators(&comp.generators, IterationKind::IntoSet);
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
