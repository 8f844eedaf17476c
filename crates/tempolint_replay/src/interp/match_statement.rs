//! `match` statements (PEP 634): value, singleton, capture/wildcard, or, sequence (with a star),
//! mapping and class patterns, with guards. A subject the runtime does not know exactly is
//! inconclusive wherever a pattern has to look at it.

use std::rc::Rc;

use tempolint_python::ast::{self, Pattern};

use super::scope::Scope;
use super::stmt::Flow;
use super::value::Value;
use super::{Interp, LocalFuture, PyResult};

type Bindings = Vec<(&'static str, Value)>;

impl Interp {
    pub(crate) async fn exec_match(
        &self,
        statement: &'static ast::StmtMatch,
        scope: &Rc<Scope>,
    ) -> PyResult<Flow> {
        let subject = self.eval(&statement.subject, scope).await?;
        for case in &statement.cases {
            let mut bindings = Bindings::new();
            if !self
                .match_pattern(&case.pattern, &subject, scope, &mut bindings)
                .await?
            {
                continue;
            }
            for (name, value) in bindings {
                scope.assign(name, value);
            }
            if let Some(guard) = &case.guard {
                let guard = self.eval(guard, scope).await?;
                if !self.truthy(&guard)? {
                    continue;
                }
            }
            return self.exec_block(&case.body, scope).await;
        }
        Ok(Flow::Normal)
    }

    fn match_pattern<'a>(
        &'a self,
        pattern: &'static Pattern,
        subject: &'a Value,
        scope: &'a Rc<Scope>,
        bindings: &'a mut Bindings,
    ) -> LocalFuture<'a, PyResult<bool>> {
        Box::pin(async move {
            match pattern {
                Pattern::MatchAs(matched) => {
                    if let Some(inner) = &matched.pattern
                        && !self.match_pattern(inner, subject, scope, bindings).await?
                    {
                        return Ok(false);
                    }
                    if let Some(name) = &matched.name {
                        bindings.push((name.as_str(), subject.clone()));
                    }
                    Ok(true)
                }
                Pattern::MatchValue(matched) => {
                    let value = self.eval(&matched.value, scope).await?;
                    self.py_eq(subject, &value)
                }
                Pattern::MatchSingleton(matched) => {
                    let value = match matched.value {
                        ast::Singleton::None => Value::None,
                        ast::Singleton::True => Value::Bool(true),
                        ast::Singleton::False => Value::Bool(false),
                    };
                    self.compare_sync(ast::CmpOp::Is, subject, &value)
                }
                Pattern::MatchOr(matched) => {
                    for alternative in &matched.patterns {
                        let mut inner = Bindings::new();
                        if self
                            .match_pattern(alternative, subject, scope, &mut inner)
                            .await?
                        {
                            bindings.extend(inner);
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                Pattern::MatchSequence(matched) => {
                    let items = match subject {
                        Value::List(items) => items.borrow().clone(),
                        Value::Tuple(items) => items.to_vec(),
                        Value::Unknown(unknown) => {
                            return Err(self.unsupported(format!("`match` on {}", unknown.what)));
                        }
                        _ => return Ok(false),
                    };
                    self.match_sequence(&matched.patterns, &items, scope, bindings)
                        .await
                }
                Pattern::MatchMapping(matched) => {
                    let Value::Dict(dict) = subject else {
                        if let Value::Unknown(unknown) = subject {
                            return Err(self.unsupported(format!("`match` on {}", unknown.what)));
                        }
                        return Ok(false);
                    };
                    let mut rest = dict.borrow().clone();
                    for (key, inner) in matched.keys.iter().zip(matched.patterns.iter()) {
                        let key = self.eval(key, scope).await?;
                        if let Value::Unknown(unknown) = &key {
                            return Err(
                                self.unsupported(format!("a mapping pattern key {}", unknown.what))
                            );
                        }
                        let Some(value) = dict.borrow().get(&key) else {
                            return Ok(false);
                        };
                        if !self.match_pattern(inner, &value, scope, bindings).await? {
                            return Ok(false);
                        }
                        rest.remove(&key);
                    }
                    if let Some(name) = &matched.rest {
                        bindings.push((name.as_str(), Value::dict(rest)));
                    }
                    Ok(true)
                }
                Pattern::MatchClass(matched) => {
                    let class = self.eval(&matched.cls, scope).await?;
                    if !self.isinstance(subject, &class)? {
                        return Ok(false);
                    }
                    let positional = &matched.arguments.patterns;
                    if !positional.is_empty() {
                        let names = self.match_args(&class, positional.len())?;
                        for (name, inner) in names.iter().zip(positional.iter()) {
                            let value = match name {
                                Some(name) => match self.get_attr(subject, name) {
                                    Ok(value) => value,
                                    Err(_) => return Ok(false),
                                },
                                None => subject.clone(),
                            };
                            if !self.match_pattern(inner, &value, scope, bindings).await? {
                                return Ok(false);
                            }
                        }
                    }
                    for keyword in &matched.arguments.keywords {
                        let Ok(value) = self.get_attr(subject, keyword.attr.as_str()) else {
                            return Ok(false);
                        };
                        if !self
                            .match_pattern(&keyword.pattern, &value, scope, bindings)
                            .await?
                        {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                Pattern::MatchStar(_) => Err(self.unsupported("a star pattern outside a sequence")),
            }
        })
    }

    async fn match_sequence(
        &self,
        patterns: &'static [Pattern],
        items: &[Value],
        scope: &Rc<Scope>,
        bindings: &mut Bindings,
    ) -> PyResult<bool> {
        let star = patterns
            .iter()
            .position(|p| matches!(p, Pattern::MatchStar(_)));
        let fixed = patterns.len() - usize::from(star.is_some());
        if star.is_none() && items.len() != fixed || items.len() < fixed {
            return Ok(false);
        }
        let after = star.map_or(0, |index| patterns.len() - index - 1);
        for (index, pattern) in patterns.iter().enumerate() {
            match (star, pattern) {
                (Some(at), Pattern::MatchStar(matched)) if at == index => {
                    if let Some(name) = &matched.name {
                        let middle = items[index..items.len() - after].to_vec();
                        bindings.push((name.as_str(), Value::list(middle)));
                    }
                }
                _ => {
                    let item = match star {
                        Some(at) if index > at => &items[items.len() - (patterns.len() - index)],
                        _ => &items[index],
                    };
                    if !self.match_pattern(pattern, item, scope, bindings).await? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// The attributes positional class patterns read (`__match_args__`; the subject itself for
    /// the builtin types that match themselves).
    fn match_args(&self, class: &Value, count: usize) -> PyResult<Vec<Option<Rc<str>>>> {
        let Value::Class(class) = class else {
            return Err(self.unsupported("a class pattern on this object"));
        };
        if let Some(native) = class.native
            && matches!(
                native,
                "bool"
                    | "bytes"
                    | "dict"
                    | "float"
                    | "frozenset"
                    | "int"
                    | "list"
                    | "set"
                    | "str"
                    | "tuple"
            )
        {
            if count > 1 {
                return self.type_error(format!(
                    "{native}() accepts 1 positional sub-pattern ({count} given)"
                ));
            }
            return Ok(vec![None]);
        }
        let names = match self.get_attr(&Value::Class(class.clone()), "__match_args__") {
            Ok(value) => self
                .iterate_sync(&value)?
                .into_iter()
                .map(|name| match name {
                    Value::Str(name) => Ok(Some(name)),
                    _ => self.type_error("__match_args__ elements must be strings"),
                })
                .collect::<PyResult<Vec<_>>>()?,
            Err(_) => match class.dataclass.borrow().as_ref() {
                Some(info) => info
                    .fields
                    .iter()
                    .filter(|field| field.init)
                    .map(|field| Some(field.name.clone()))
                    .collect(),
                None => Vec::new(),
            },
        };
        if names.len() < count {
            return self.type_error(format!(
                "{}() accepts {} positional sub-patterns ({count} given)",
                class.name,
                names.len()
            ));
        }
        Ok(names)
    }
}

/// Names a `match` statement may bind (for the function's set of locals).
pub(crate) fn match_bound_names(statement: &'static ast::StmtMatch, out: &mut Vec<&'static str>) {
    fn pattern_names(pattern: &'static Pattern, out: &mut Vec<&'static str>) {
        match pattern {
            Pattern::MatchAs(matched) => {
                if let Some(inner) = &matched.pattern {
                    pattern_names(inner, out);
                }
                if let Some(name) = &matched.name {
                    out.push(name.as_str());
                }
            }
            Pattern::MatchStar(matched) => {
                if let Some(name) = &matched.name {
                    out.push(name.as_str());
                }
            }
            Pattern::MatchOr(matched) => {
                matched.patterns.iter().for_each(|p| pattern_names(p, out));
            }
            Pattern::MatchSequence(matched) => {
                matched.patterns.iter().for_each(|p| pattern_names(p, out));
            }
            Pattern::MatchMapping(matched) => {
                matched.patterns.iter().for_each(|p| pattern_names(p, out));
                if let Some(rest) = &matched.rest {
                    out.push(rest.as_str());
                }
            }
            Pattern::MatchClass(matched) => {
                matched
                    .arguments
                    .patterns
                    .iter()
                    .for_each(|p| pattern_names(p, out));
                for keyword in &matched.arguments.keywords {
                    pattern_names(&keyword.pattern, out);
                }
            }
            Pattern::MatchValue(_) | Pattern::MatchSingleton(_) => {}
        }
    }
    for case in &statement.cases {
        pattern_names(&case.pattern, out);
    }
}
