//! What a test proves about a set's size. Iterating a set of at most one element has one order
//! only, so inside `if len(owners) == 1:` (or after `if len(owners) > 1: raise …`) DET202 has
//! nothing to say about `owners`.

use tempolint_python::ast::{BoolOp, CmpOp, Expr, Number, UnaryOp};

use super::Checker;

impl<'a> Checker<'_, '_, 'a> {
    /// The names `test` proves to hold at most one element when it evaluates to `outcome`.
    pub(super) fn at_most_one(&self, test: &'a Expr, outcome: bool) -> Vec<&'a str> {
        match test {
            Expr::UnaryOp(unary) if unary.op == UnaryOp::Not => {
                self.at_most_one(&unary.operand, !outcome)
            }
            // `a and b` true: both hold; `a or b` false: both fail.
            Expr::BoolOp(bool_op) if (bool_op.op == BoolOp::And) == outcome => bool_op
                .values
                .iter()
                .flat_map(|value| self.at_most_one(value, outcome))
                .collect(),
            Expr::Compare(compare) => {
                let ([op], [right]) = (&*compare.ops, &*compare.comparators) else {
                    return Vec::new();
                };
                let (name, op, bound) = if let Some(name) = self.len_of(&compare.left) {
                    (name, *op, right)
                } else if let Some(name) = self.len_of(right) {
                    (name, mirrored(*op), &*compare.left)
                } else {
                    return Vec::new();
                };
                let Some(bound) = small_int(bound) else {
                    return Vec::new();
                };
                let op = if outcome { op } else { negated(op) };
                let proven = match op {
                    CmpOp::Eq | CmpOp::LtE => bound <= 1,
                    CmpOp::Lt => bound <= 2,
                    _ => false,
                };
                if proven { vec![name] } else { Vec::new() }
            }
            _ => Vec::new(),
        }
    }

    /// `len(name)` with the builtin `len`.
    fn len_of(&self, expr: &'a Expr) -> Option<&'a str> {
        let Expr::Call(call) = expr else {
            return None;
        };
        let ([Expr::Name(name)], []) = (&*call.arguments.args, &*call.arguments.keywords) else {
            return None;
        };
        (self.resolve(&call.func).symbol() == Some("builtins.len")).then_some(name.id.as_str())
    }
}

/// `1 == len(s)` reads as `len(s) == 1`.
fn mirrored(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtE => CmpOp::GtE,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtE => CmpOp::LtE,
        other => other,
    }
}

/// What a comparison means when it is false.
fn negated(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::NotEq,
        CmpOp::NotEq => CmpOp::Eq,
        CmpOp::Lt => CmpOp::GtE,
        CmpOp::GtE => CmpOp::Lt,
        CmpOp::Gt => CmpOp::LtE,
        CmpOp::LtE => CmpOp::Gt,
        other => other,
    }
}

fn small_int(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::NumberLiteral(literal) => match &literal.value {
            Number::Int(int) => int.as_i64(),
            _ => None,
        },
        _ => None,
    }
}
