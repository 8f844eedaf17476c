//! Options built up after the fact: `config["start_to_close_timeout"] = timedelta(…)` on a
//! dict or `ActivityConfig` before `**config` is passed to an activity call.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{Expr, Stmt};

/// The keys `body` sets on `name` by item assignment (`name["key"] = value`), in nested
/// functions too. `None` when `name` changes in a way whose keys cannot be known:
/// `name[key] = …` with a computed key, `name.update(…)`, `name.setdefault(…)`, `name |= …`,
/// or `name` handed to a call that may fill it in.
pub(crate) fn item_assignments<'a>(
    body: &'a [Stmt],
    name: &str,
) -> Option<Vec<(String, &'a Expr)>> {
    let mut finder = Finder {
        name,
        keys: Vec::new(),
        opaque: false,
    };
    finder.visit_body(body);
    (!finder.opaque).then_some(finder.keys)
}

struct Finder<'n, 'a> {
    name: &'n str,
    keys: Vec<(String, &'a Expr)>,
    opaque: bool,
}

impl Finder<'_, '_> {
    fn is_name(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if name.id.as_str() == self.name)
    }
}

impl<'a> Visitor<'a> for Finder<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Expr::Subscript(subscript) = target
                        && self.is_name(&subscript.value)
                    {
                        match &*subscript.slice {
                            Expr::StringLiteral(key) => self
                                .keys
                                .push((key.value.to_str().to_string(), &assign.value)),
                            _ => self.opaque = true,
                        }
                    }
                }
            }
            Stmt::AugAssign(assign) if self.is_name(&assign.target) => self.opaque = true,
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            let mutates = matches!(&*call.func, Expr::Attribute(attribute)
                if self.is_name(&attribute.value)
                    && matches!(attribute.attr.as_str(), "update" | "setdefault"));
            let handed_over = call.arguments.args.iter().any(|arg| self.is_name(arg))
                || call
                    .arguments
                    .keywords
                    .iter()
                    .any(|keyword| keyword.arg.is_some() && self.is_name(&keyword.value));
            if mutates || handed_over {
                self.opaque = true;
            }
        }
        visitor::walk_expr(self, expr);
    }
}
