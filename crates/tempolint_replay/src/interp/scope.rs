//! Name scopes: function locals (with closures over enclosing functions), class bodies, modules.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::ModuleRef;
use super::value::Value;

pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    pub(crate) module: ModuleRef,
    /// The enclosing function scope (class bodies are skipped, as in Python).
    pub(crate) parent: Option<Rc<Scope>>,
    declared_global: RefCell<HashSet<Rc<str>>>,
    declared_nonlocal: RefCell<HashSet<Rc<str>>>,
    /// Exceptions being handled by `except` blocks of this frame, innermost last.
    pub(crate) handling: RefCell<Vec<Value>>,
    /// Set when this is the body of a running generator: where its `yield`s go.
    pub(crate) generator: RefCell<Option<Rc<super::generators::Channel>>>,
    /// A function or lambda defined here captured this scope (see `Interp::capture`).
    pub(crate) captured: Cell<bool>,
}

pub(crate) enum ScopeKind {
    Module,
    Function(RefCell<HashMap<Rc<str>, Value>>),
    Class(RefCell<HashMap<Rc<str>, Value>>),
}

/// Where a name was found.
pub(crate) enum Lookup {
    Found(Value),
    /// A local that has not been assigned yet is read past like Python's LEGB fallback.
    Missing,
}

impl Scope {
    pub(crate) fn module(module: ModuleRef) -> Rc<Scope> {
        Rc::new(Scope {
            kind: ScopeKind::Module,
            module,
            parent: None,
            declared_global: RefCell::default(),
            declared_nonlocal: RefCell::default(),
            handling: RefCell::default(),
            generator: RefCell::default(),
            captured: Cell::new(false),
        })
    }

    pub(crate) fn function(module: ModuleRef, parent: Option<Rc<Scope>>) -> Rc<Scope> {
        Rc::new(Scope {
            kind: ScopeKind::Function(RefCell::default()),
            module,
            parent,
            declared_global: RefCell::default(),
            declared_nonlocal: RefCell::default(),
            handling: RefCell::default(),
            generator: RefCell::default(),
            captured: Cell::new(false),
        })
    }

    pub(crate) fn class(module: ModuleRef, parent: Option<Rc<Scope>>) -> Rc<Scope> {
        Rc::new(Scope {
            kind: ScopeKind::Class(RefCell::default()),
            module,
            parent,
            declared_global: RefCell::default(),
            declared_nonlocal: RefCell::default(),
            handling: RefCell::default(),
            generator: RefCell::default(),
            captured: Cell::new(false),
        })
    }

    /// The scope closures defined here capture: class bodies are not visible to methods.
    pub(crate) fn closure_parent(self: &Rc<Self>) -> Option<Rc<Scope>> {
        match self.kind {
            ScopeKind::Module => None,
            ScopeKind::Function(_) => Some(self.clone()),
            ScopeKind::Class(_) => self.parent.clone(),
        }
    }

    /// Empties the scope, which breaks the reference cycles it is part of: a function defined
    /// in a function body holds that body's scope, and the scope holds the function.
    pub(crate) fn clear(&self) {
        if let ScopeKind::Function(vars) | ScopeKind::Class(vars) = &self.kind {
            vars.take();
        }
        self.handling.take();
        self.generator.take();
    }

    pub(crate) fn declare_global(&self, name: &str) {
        self.declared_global.borrow_mut().insert(name.into());
    }

    pub(crate) fn declare_nonlocal(&self, name: &str) {
        self.declared_nonlocal.borrow_mut().insert(name.into());
    }

    pub(crate) fn lookup(&self, name: &str) -> Lookup {
        if !self.declared_global.borrow().contains(name) {
            match &self.kind {
                ScopeKind::Function(vars) | ScopeKind::Class(vars) => {
                    if let Some(value) = vars.borrow().get(name) {
                        return Lookup::Found(value.clone());
                    }
                }
                ScopeKind::Module => {}
            }
            let mut parent = self.parent.as_ref();
            while let Some(scope) = parent {
                if let ScopeKind::Function(vars) = &scope.kind
                    && let Some(value) = vars.borrow().get(name)
                {
                    return Lookup::Found(value.clone());
                }
                parent = scope.parent.as_ref();
            }
        }
        match self.module.dict.borrow().get_str(name) {
            Some(value) => Lookup::Found(value),
            None => Lookup::Missing,
        }
    }

    pub(crate) fn assign(&self, name: &str, value: Value) {
        if self.declared_global.borrow().contains(name) {
            self.module.set(name, value);
            return;
        }
        if self.declared_nonlocal.borrow().contains(name) {
            let mut parent = self.parent.as_ref();
            while let Some(scope) = parent {
                if let ScopeKind::Function(vars) = &scope.kind
                    && vars.borrow().contains_key(name)
                {
                    vars.borrow_mut().insert(name.into(), value);
                    return;
                }
                parent = scope.parent.as_ref();
            }
        }
        match &self.kind {
            ScopeKind::Function(vars) | ScopeKind::Class(vars) => {
                vars.borrow_mut().insert(name.into(), value);
            }
            ScopeKind::Module => self.module.set(name, value),
        }
    }

    pub(crate) fn delete(&self, name: &str) -> bool {
        match &self.kind {
            ScopeKind::Function(vars) | ScopeKind::Class(vars) => {
                vars.borrow_mut().remove(name).is_some()
            }
            ScopeKind::Module => self
                .module
                .dict
                .borrow_mut()
                .remove(&Value::str(name))
                .is_some(),
        }
    }

    /// The names bound in a class body, in no particular order.
    pub(crate) fn class_namespace(&self) -> Vec<(Rc<str>, Value)> {
        match &self.kind {
            ScopeKind::Class(vars) | ScopeKind::Function(vars) => vars
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ScopeKind::Module => Vec::new(),
        }
    }
}
