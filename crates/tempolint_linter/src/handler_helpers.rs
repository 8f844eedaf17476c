//! Helper methods of a workflow class that only query handlers (or only update validators)
//! use: replay never runs them either, so they are judged as those handlers are.

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{ClassId, FunctionId, Project};

use crate::propagate::Handler;

/// The undecorated methods of workflow classes that only methods of one kind of handler use
/// (`self._age()` in two queries and nowhere else), with that kind. A class that another
/// project class extends is left out: the subclass may use its methods anywhere.
pub(crate) fn handler_helpers(project: &Project) -> FxHashMap<FunctionId, Handler> {
    let extended: FxHashSet<ClassId> = project
        .classes
        .iter()
        .flat_map(|class| class.bases.iter())
        .filter_map(|base| project.class_by_name(base))
        .collect();
    let mut helpers = FxHashMap::default();
    for (index, class) in project.classes.iter().enumerate() {
        if class.workflow.is_none() || extended.contains(&ClassId(index as u32)) {
            continue;
        }
        let mut handlers: FxHashMap<FunctionId, Option<Handler>> = FxHashMap::default();
        // For each method, the methods that read `self.<its name>`.
        let mut users: FxHashMap<&str, Vec<FunctionId>> = FxHashMap::default();
        for (name, method) in &class.methods {
            let def = project.function(*method).def;
            handlers.insert(*method, Handler::of(project, *method));
            if let Some(receiver) = def.parameters.args.first() {
                let mut reads = SelfReads {
                    receiver: receiver.parameter.name.as_str(),
                    names: FxHashSet::default(),
                };
                reads.visit_body(&def.body);
                for read in reads.names {
                    users.entry(read).or_default().push(*method);
                }
            }
            users.entry(name).or_default();
        }
        // The greatest fixpoint: assume every used, undecorated method is a helper of the
        // kind its first user has, then drop those another kind of method uses.
        let mut candidates: FxHashMap<FunctionId, Handler> = FxHashMap::default();
        for (name, method) in &class.methods {
            let def = project.function(*method).def;
            let used_by = &users[name];
            if !def.decorator_list.is_empty() || name.starts_with("__") || used_by.is_empty() {
                continue;
            }
            if let Some(kind) = used_by.iter().find_map(|user| handlers[user]) {
                candidates.insert(*method, kind);
            }
        }
        loop {
            let dropped: Vec<FunctionId> = candidates
                .iter()
                .filter(|(method, kind)| {
                    let name = project.function(**method).def.name.as_str();
                    users[name].iter().any(|user| {
                        handlers[user].or_else(|| candidates.get(user).copied()) != Some(**kind)
                    })
                })
                .map(|(method, _)| *method)
                .collect();
            if dropped.is_empty() {
                break;
            }
            for method in dropped {
                candidates.remove(&method);
            }
        }
        helpers.extend(candidates);
    }
    helpers
}

/// The attribute names a method body reads from its receiver (`self.<name>`), nested
/// functions and lambdas included.
struct SelfReads<'a> {
    receiver: &'a str,
    names: FxHashSet<&'a str>,
}

impl<'a> Visitor<'a> for SelfReads<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Attribute(ast::ExprAttribute { value, attr, .. }) = expr
            && matches!(&**value, Expr::Name(name) if name.id.as_str() == self.receiver)
        {
            self.names.insert(attr.as_str());
        }
        visitor::walk_expr(self, expr);
    }
}
