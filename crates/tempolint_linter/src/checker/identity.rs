//! Where an `id()` value only meets identities taken in the same run: a membership test, a
//! set's `add`/`discard`/`remove`, `id(a) == id(b)`, or a local name used only so (the cycle
//! guard `node_id = id(node); if node_id in seen: …; seen.add(node_id)`). Such code decides
//! the same way in every process.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, CmpOp, Expr, Stmt};

/// `x in seen` and `x not in seen` (membership only), or `id(a) == id(b)` and `is`
/// comparisons between `id()` calls.
pub(super) fn is_identity_comparison(compare: &ast::ExprCompare) -> bool {
    let membership = compare
        .ops
        .iter()
        .all(|op| matches!(op, CmpOp::In | CmpOp::NotIn));
    let between_ids = compare
        .ops
        .iter()
        .all(|op| matches!(op, CmpOp::Eq | CmpOp::NotEq | CmpOp::Is | CmpOp::IsNot))
        && std::iter::once(&*compare.left)
            .chain(&compare.comparators)
            .all(is_id_call);
    membership || between_ids
}

fn is_id_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call)
        if matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "id"))
}

/// Whether `assign` is `name = id(…)` and every read of `name` in `body` is an identity use:
/// an operand of a membership test, or the element of an `add`/`discard`/`remove` call.
pub(super) fn kept_for_identity(body: &[Stmt], assign: &ast::StmtAssign) -> bool {
    let [Expr::Name(target)] = assign.targets.as_slice() else {
        return false;
    };
    if !is_id_call(&assign.value) {
        return false;
    }
    let mut uses = Uses {
        name: target.id.as_str(),
        reads: 0,
        identity: 0,
    };
    uses.visit_body(body);
    uses.reads == uses.identity
}

struct Uses<'n> {
    name: &'n str,
    reads: usize,
    identity: usize,
}

impl Uses<'_> {
    fn is_name(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Name(name) if name.id.as_str() == self.name)
    }
}

impl<'a> Visitor<'a> for Uses<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.id.as_str() == self.name && name.ctx.is_load() => {
                self.reads += 1;
            }
            Expr::Compare(compare)
                if compare
                    .ops
                    .iter()
                    .all(|op| matches!(op, CmpOp::In | CmpOp::NotIn)) =>
            {
                self.identity += std::iter::once(&*compare.left)
                    .chain(&compare.comparators)
                    .filter(|operand| self.is_name(operand))
                    .count();
            }
            Expr::Call(call)
                if matches!(&*call.func, Expr::Attribute(attribute)
                    if matches!(attribute.attr.as_str(), "add" | "discard" | "remove")) =>
            {
                self.identity += call
                    .arguments
                    .args
                    .iter()
                    .filter(|argument| self.is_name(argument))
                    .count();
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
