use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, Stmt};

use crate::binding::Binding;

/// What a local name holds at the current point of a walk: its resolved binding and the last
/// expression assigned to it (for constant folding, e.g. payload sizes).
#[derive(Debug, Clone)]
pub struct LocalValue<'a> {
    pub binding: Binding,
    pub expr: Option<&'a Expr>,
}

#[derive(Debug, Default)]
struct Frame<'a> {
    /// Every name the function binds anywhere in its body (Python decides locality statically).
    bound: FxHashSet<&'a str>,
    /// `global` names: they resolve in the module.
    declared_global: FxHashSet<&'a str>,
    /// `nonlocal` names: they resolve in an enclosing function.
    declared_nonlocal: FxHashSet<&'a str>,
    values: FxHashMap<&'a str, LocalValue<'a>>,
    /// For a method, the canonical name of its class (what `super()` starts from).
    class: Option<String>,
}

/// The local scopes enclosing the point of a walk, innermost last. Empty at module level.
#[derive(Debug, Default)]
pub struct LocalScope<'a> {
    frames: Vec<Frame<'a>>,
}

/// The result of looking a name up in the local scopes.
pub(crate) enum LocalLookup<'s, 'a> {
    /// A local name with a known or unknown value.
    Local(Option<&'s LocalValue<'a>>),
    /// Not local to any enclosing function: look in the module.
    NotLocal,
}

impl<'a> LocalScope<'a> {
    pub fn is_module_level(&self) -> bool {
        self.frames.is_empty()
    }

    /// Opens a function frame with the local names of its body (see [`FrameNames::of`]).
    pub(crate) fn push_frame(&mut self, names: FrameNames<'a>) {
        self.frames.push(Frame {
            bound: names.bound,
            declared_global: names.declared_global,
            declared_nonlocal: names.declared_nonlocal,
            values: FxHashMap::default(),
            class: None,
        });
    }

    /// Records that the innermost frame is a method of `class`.
    pub(crate) fn set_class(&mut self, class: &str) {
        if let Some(frame) = self.frames.last_mut() {
            frame.class = Some(class.to_string());
        }
    }

    /// The class of the innermost enclosing method (nested functions and lambdas in it see
    /// it too, as they see its `__class__`).
    pub(crate) fn enclosing_class(&self) -> Option<&str> {
        self.frames
            .iter()
            .rev()
            .find_map(|frame| frame.class.as_deref())
    }

    /// Opens a frame for a lambda or comprehension binding exactly `names`.
    pub fn push_names(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.frames.push(Frame {
            bound: names.into_iter().collect(),
            ..Frame::default()
        });
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    /// Records that `name` now holds `value` in the innermost frame that owns it.
    pub fn set(&mut self, name: &'a str, value: LocalValue<'a>) {
        if let Some(frame) = self
            .frames
            .iter_mut()
            .rev()
            .find(|frame| frame.bound.contains(name))
        {
            frame.values.insert(name, value);
        }
    }

    pub(crate) fn lookup(&self, name: &str) -> LocalLookup<'_, 'a> {
        let mut nonlocal = false;
        for frame in self.frames.iter().rev() {
            if frame.declared_global.contains(name) {
                return LocalLookup::NotLocal;
            }
            if frame.declared_nonlocal.contains(name) {
                nonlocal = true;
                continue;
            }
            if frame.bound.contains(name) {
                return LocalLookup::Local(frame.values.get(name));
            }
        }
        // A `nonlocal` name belongs to an enclosing function even when that function's frame is
        // not on this walk (a nested function checked on its own): never module state.
        if nonlocal {
            LocalLookup::Local(None)
        } else {
            LocalLookup::NotLocal
        }
    }

    /// The value a local name holds, if it is local and known.
    pub fn value(&self, name: &str) -> Option<&LocalValue<'a>> {
        match self.lookup(name) {
            LocalLookup::Local(value) => value,
            LocalLookup::NotLocal => None,
        }
    }

    /// Whether `name` is local to an enclosing function (assigned, a parameter, …).
    pub fn is_local(&self, name: &str) -> bool {
        matches!(self.lookup(name), LocalLookup::Local(_))
    }

    /// Whether `name` was declared `global` in the innermost function frame.
    pub fn is_declared_global(&self, name: &str) -> bool {
        self.frames
            .last()
            .is_some_and(|frame| frame.declared_global.contains(name))
    }
}

/// The names a function makes local: its parameters and what its body binds, less what it
/// declares `global`/`nonlocal`. Computed once per project function and reused.
#[derive(Debug, Clone, Default)]
pub struct FrameNames<'a> {
    bound: FxHashSet<&'a str>,
    declared_global: FxHashSet<&'a str>,
    declared_nonlocal: FxHashSet<&'a str>,
}

impl<'a> FrameNames<'a> {
    /// `named_expressions`: whether the body may hold `:=` (else its expressions bind
    /// nothing, and are not walked).
    pub fn of(
        parameters: impl IntoIterator<Item = &'a str>,
        body: &'a [Stmt],
        named_expressions: bool,
    ) -> Self {
        let mut collector = BoundNames {
            named_expressions,
            ..BoundNames::default()
        };
        for stmt in body {
            collector.visit_stmt(stmt);
        }
        let mut bound = collector.bound;
        bound.extend(parameters);
        for name in collector
            .declared_global
            .iter()
            .chain(&collector.declared_nonlocal)
        {
            bound.remove(name);
        }
        FrameNames {
            bound,
            declared_global: collector.declared_global,
            declared_nonlocal: collector.declared_nonlocal,
        }
    }
}

/// Collects the names a function body binds, without entering nested scopes.
#[derive(Default)]
struct BoundNames<'a> {
    /// Whether expressions may bind names (`:=`): else they are skipped.
    named_expressions: bool,
    bound: FxHashSet<&'a str>,
    declared_global: FxHashSet<&'a str>,
    declared_nonlocal: FxHashSet<&'a str>,
}

impl<'a> BoundNames<'a> {
    fn bind_target(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(name) => {
                self.bound.insert(name.id.as_str());
            }
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::List(list) => list.elts.iter().for_each(|elt| self.bind_target(elt)),
            Expr::Starred(starred) => self.bind_target(&starred.value),
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for BoundNames<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                self.bound.insert(def.name.as_str());
                return;
            }
            Stmt::ClassDef(def) => {
                self.bound.insert(def.name.as_str());
                return;
            }
            Stmt::Assign(assign) => assign.targets.iter().for_each(|t| self.bind_target(t)),
            Stmt::AugAssign(assign) => self.bind_target(&assign.target),
            Stmt::AnnAssign(assign) => self.bind_target(&assign.target),
            Stmt::For(for_stmt) => self.bind_target(&for_stmt.target),
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(vars) = &item.optional_vars {
                        self.bind_target(vars);
                    }
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let local = alias.asname.as_ref().map_or_else(
                        || alias.name.as_str().split('.').next().unwrap_or_default(),
                        |asname| asname.as_str(),
                    );
                    self.bound.insert(local);
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let local = alias
                        .asname
                        .as_ref()
                        .map_or(alias.name.as_str(), |asname| asname.as_str());
                    self.bound.insert(local);
                }
            }
            Stmt::Global(global) => {
                self.declared_global
                    .extend(global.names.iter().map(ruff_name_str));
            }
            Stmt::Nonlocal(nonlocal) => {
                self.declared_nonlocal
                    .extend(nonlocal.names.iter().map(ruff_name_str));
            }
            Stmt::Try(try_stmt) => {
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.bound.insert(name.as_str());
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !self.named_expressions {
            return;
        }
        match expr {
            Expr::Named(named) => self.bind_target(&named.target),
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => return,
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

fn ruff_name_str(name: &ast::Identifier) -> &str {
    name.as_str()
}
