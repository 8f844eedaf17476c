//! Callables a constructor only keeps: `Realizer(session_driver=drive)` where `__init__` does
//! `self._driver = session_driver`. A nested function handed over that way runs when some
//! later method calls the attribute, not in the body that builds the object.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, ExprContext, Stmt};
use tempolint_semantic::{FunctionId, Project};

/// Whether `target`'s body only stores its parameter `name` (`self.x = name`, or keeps it
/// in a tuple or list, or tests it against `None`), never calling it or handing it on.
pub(super) fn only_stores(project: &Project, target: FunctionId, name: &str) -> bool {
    let def = project.function(target).def;
    let mut finder = Uses {
        name,
        other_use: false,
    };
    for stmt in &def.body {
        finder.visit_stmt(stmt);
    }
    !finder.other_use
}

/// The parameter of `target` an argument fills: its position among the call's positional
/// arguments shifted by `offset` (the `self` a bound call fills), or its keyword.
pub(super) fn parameter_name<'a>(
    project: &Project<'a>,
    target: FunctionId,
    position: Option<usize>,
    keyword: Option<&str>,
    offset: usize,
) -> Option<&'a str> {
    let parameters = &project.function(target).def.parameters;
    let name = match (position, keyword) {
        (Some(position), _) => parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .nth(position + offset)?
            .parameter
            .name
            .as_str(),
        (None, Some(keyword)) => parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .chain(&parameters.kwonlyargs)
            .map(|parameter| parameter.parameter.name.as_str())
            .find(|name| *name == keyword)?,
        (None, None) => return None,
    };
    Some(name)
}

struct Uses<'n> {
    name: &'n str,
    other_use: bool,
}

impl Uses<'_> {
    fn is_name(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if name.id.as_str() == self.name)
    }

    /// A value that only keeps the name: the name itself, or a tuple or list holding it.
    fn keeps(&self, value: &Expr) -> bool {
        match value {
            Expr::Tuple(tuple) => tuple
                .elts
                .iter()
                .all(|elt| self.keeps(elt) || !self.mentions(elt)),
            Expr::List(list) => list
                .elts
                .iter()
                .all(|elt| self.keeps(elt) || !self.mentions(elt)),
            other => self.is_name(other),
        }
    }

    /// Whether `expr` uses the name other than by keeping it.
    fn mentions(&self, expr: &Expr) -> bool {
        let mut inner = Uses {
            name: self.name,
            other_use: false,
        };
        inner.visit_expr(expr);
        inner.other_use
    }

    /// Whether a definition uses the name anywhere (its body runs when it is called).
    fn mentions_in_stmt(&self, stmt: &Stmt) -> bool {
        let mut inner = Uses {
            name: self.name,
            other_use: false,
        };
        visitor::walk_stmt(&mut inner, stmt);
        inner.other_use
    }
}

impl<'e> Visitor<'e> for Uses<'_> {
    fn visit_stmt(&mut self, stmt: &'e Stmt) {
        let (targets, value): (&[Expr], Option<&Expr>) = match stmt {
            Stmt::Assign(assign) => (&assign.targets, Some(&*assign.value)),
            Stmt::AnnAssign(assign) => (
                std::slice::from_ref(&*assign.target),
                assign.value.as_deref(),
            ),
            // A nested definition's body runs when it is called: a use there is unknown.
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.other_use |= self.mentions_in_stmt(stmt);
                return;
            }
            _ => (&[], None),
        };
        // Kept as it is in an attribute (`self._driver = driver`), or in a tuple or list
        // (`dependencies = (store, driver)`, tested for `None`); a plain alias may be called.
        let kept = value.is_some_and(|value| {
            if self.is_name(value) {
                targets.iter().all(Expr::is_attribute_expr)
            } else {
                self.keeps(value)
            }
        });
        if kept {
            // The targets may still use the name (`name.x = value`).
            for target in targets {
                self.visit_expr(target);
            }
        } else {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'e Expr) {
        match expr {
            Expr::Name(name) if name.id.as_str() == self.name && name.ctx == ExprContext::Load => {
                self.other_use = true;
            }
            // `name is None`, `name is not None`: a test, not a use.
            Expr::Compare(compare)
                if compare
                    .ops
                    .iter()
                    .all(|op| matches!(op, ast::CmpOp::Is | ast::CmpOp::IsNot))
                    && std::iter::once(&*compare.left)
                        .chain(&compare.comparators)
                        .all(|operand| self.is_name(operand) || operand.is_none_literal_expr()) => {
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}
