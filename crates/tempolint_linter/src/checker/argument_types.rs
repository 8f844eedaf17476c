//! Objects handed to helpers: `upload(self.s3, body)` where `def upload(s3, body)` has no
//! annotation. Every call site records what it passes for each parameter; when all the
//! project's calls of a function pass the same known type for an unannotated parameter, the
//! function is checked again with the parameter bound to it, so `s3.put_object(…)` in the
//! helper is seen for what it is.

use rustc_hash::FxHashMap;
use tempolint_python::ast::{self, Expr};
use tempolint_semantic::{Binding, FunctionId, Project};

use super::{BodyFacts, Checker};

/// What one call passes for one parameter of a project function.
#[derive(Debug, Clone)]
pub(crate) struct ArgumentType {
    pub(crate) function: FunctionId,
    pub(crate) parameter: usize,
    pub(crate) binding: Binding,
}

/// Parameter bindings agreed by every call site, by function.
pub(crate) type Hints = FxHashMap<FunctionId, Vec<(usize, Binding)>>;

impl<'a> Checker<'_, '_, 'a> {
    /// Which parameter of `target` the first positional argument of `call` fills: 0 for a
    /// function, 1 for a method called on an instance or a class's `__init__` (they receive
    /// `self` first); none for other method calls (on the class, static or class methods).
    pub(super) fn bound_arguments(
        &self,
        call: &ast::ExprCall,
        target: FunctionId,
    ) -> Option<usize> {
        let function = self.resolver.project().function(target);
        if function.class.is_none() {
            Some(0)
        } else if function.def.name.as_str() == "__init__"
            || matches!(&*call.func, Expr::Attribute(attribute)
                if matches!(self.resolve(&attribute.value), Binding::Instance(_)))
        {
            Some(1)
        } else {
            None
        }
    }

    /// Records what a call of the project function `target` passes for each parameter.
    pub(super) fn record_argument_types(&mut self, call: &'a ast::ExprCall, target: FunctionId) {
        let project = self.resolver.project();
        let def = project.function(target).def;
        let parameters: Vec<&ast::ParameterWithDefault> = def
            .parameters
            .posonlyargs
            .iter()
            .chain(&def.parameters.args)
            .collect();
        let Some(offset) = self.bound_arguments(call, target) else {
            return;
        };
        for (index, argument) in call.arguments.args.iter().enumerate() {
            if argument.is_starred_expr() {
                break;
            }
            let binding = self.resolve(argument);
            self.facts.argument_types.push(ArgumentType {
                function: target,
                parameter: index + offset,
                binding,
            });
        }
        for keyword in &call.arguments.keywords {
            let Some(name) = &keyword.arg else { continue };
            if let Some(index) = parameters
                .iter()
                .position(|parameter| parameter.parameter.name.as_str() == name.as_str())
            {
                let binding = self.resolve(&keyword.value);
                self.facts.argument_types.push(ArgumentType {
                    function: target,
                    parameter: index,
                    binding,
                });
            }
        }
    }
}

/// The instance types every call site agrees on, for unannotated parameters of plain
/// functions that some call passes positionally or by name. A parameter some call leaves
/// unknown, or that calls pass different types for, gets no hint.
pub(crate) fn agreed(project: &Project, facts: &[BodyFacts], modules: &[BodyFacts]) -> Hints {
    let mut seen: FxHashMap<(FunctionId, usize), Option<Binding>> = FxHashMap::default();
    for argument in facts.iter().chain(modules).flat_map(|f| &f.argument_types) {
        let agreed = match &argument.binding {
            Binding::Instance(_) => Some(argument.binding.clone()),
            _ => None,
        };
        seen.entry((argument.function, argument.parameter))
            .and_modify(|current| {
                if *current != agreed {
                    *current = None;
                }
            })
            .or_insert(agreed);
    }
    let mut hints: Hints = FxHashMap::default();
    for ((function, index), binding) in seen {
        let Some(binding) = binding else { continue };
        let def = project.function(function).def;
        let Some(parameter) = def
            .parameters
            .posonlyargs
            .iter()
            .chain(&def.parameters.args)
            .nth(index)
        else {
            continue;
        };
        if parameter.parameter.annotation.is_none() {
            hints.entry(function).or_default().push((index, binding));
        }
    }
    hints
}
