//! Expressions.

use std::rc::Rc;

use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr};

use super::scope::{Lookup, Scope};
use super::value::{Dict, Function, FunctionBody, FunctionMeta, Value};
use super::{Interp, Loc, LocalFuture, PyResult};

/// Call arguments after evaluation: positional values and keyword pairs.
pub(crate) struct Args {
    pub(crate) positional: Vec<Value>,
    pub(crate) keywords: Vec<(Rc<str>, Value)>,
}

impl Args {
    pub(crate) fn positional(values: Vec<Value>) -> Args {
        Args {
            positional: values,
            keywords: Vec::new(),
        }
    }

    pub(crate) fn keyword(&self, name: &str) -> Option<&Value> {
        self.keywords
            .iter()
            .find(|(key, _)| key.as_ref() == name)
            .map(|(_, value)| value)
    }

    /// The `index`th positional argument, or the keyword `name`.
    pub(crate) fn get(&self, index: usize, name: &str) -> Option<&Value> {
        self.positional.get(index).or_else(|| self.keyword(name))
    }
}

impl Interp {
    pub(crate) fn loc_of(scope: &Scope, range: tempolint_python::TextRange) -> Loc {
        Loc::new(scope.module.source.unwrap_or(u32::MAX), range)
    }

    pub(crate) fn eval<'a>(
        &'a self,
        expr: &'static Expr,
        scope: &'a Rc<Scope>,
    ) -> LocalFuture<'a, PyResult<Value>> {
        Box::pin(async move {
            let _guard = self.enter()?;
            match expr {
                Expr::Name(name) => self.load_name(name.id.as_str(), scope, expr),
                Expr::NumberLiteral(number) => match &number.value {
                    ast::Number::Int(int) => match int.as_u64().and_then(|n| i64::try_from(n).ok())
                    {
                        Some(number) => Ok(Value::Int(number)),
                        None => Err(self.unsupported("an integer literal this large")),
                    },
                    ast::Number::Float(number) => Ok(Value::Float(*number)),
                    ast::Number::Complex { .. } => Err(self.unsupported("complex numbers")),
                },
                Expr::StringLiteral(string) => Ok(Value::str(string.value.to_str())),
                Expr::BytesLiteral(bytes) => Ok(Value::Bytes(
                    bytes.value.bytes().collect::<Vec<u8>>().into(),
                )),
                Expr::BooleanLiteral(boolean) => Ok(Value::Bool(boolean.value)),
                Expr::NoneLiteral(_) => Ok(Value::None),
                Expr::EllipsisLiteral(_) => Ok(Value::builtin("Ellipsis")),
                Expr::FString(fstring) => self.eval_fstring(fstring, scope).await,
                Expr::Attribute(attribute) => {
                    let value = self.eval(&attribute.value, scope).await?;
                    self.loc.set(Some(Self::loc_of(scope, expr.range())));
                    self.get_attr(&value, attribute.attr.as_str())
                }
                Expr::Subscript(subscript) => {
                    let value = self.eval(&subscript.value, scope).await?;
                    let key = self.eval(&subscript.slice, scope).await?;
                    self.loc.set(Some(Self::loc_of(scope, expr.range())));
                    self.get_item(&value, &key)
                }
                Expr::Call(call) => self.eval_call(call, scope).await,
                Expr::BinOp(binop) => {
                    let left = self.eval(&binop.left, scope).await?;
                    let right = self.eval(&binop.right, scope).await?;
                    self.loc.set(Some(Self::loc_of(scope, expr.range())));
                    self.binary_op(binop.op, &left, &right)
                }
                Expr::UnaryOp(unary) => {
                    let operand = self.eval(&unary.operand, scope).await?;
                    self.unary_op(unary.op, &operand)
                }
                Expr::BoolOp(boolop) => {
                    let mut last = Value::None;
                    for (index, value) in boolop.values.iter().enumerate() {
                        last = self.eval(value, scope).await?;
                        let truthy = self.truthy(&last)?;
                        let decided = match boolop.op {
                            ast::BoolOp::And => !truthy,
                            ast::BoolOp::Or => truthy,
                        };
                        if decided || index + 1 == boolop.values.len() {
                            return Ok(last);
                        }
                    }
                    Ok(last)
                }
                Expr::Compare(compare) => {
                    let mut left = self.eval(&compare.left, scope).await?;
                    for (op, right_expr) in compare.ops.iter().zip(compare.comparators.iter()) {
                        let right = self.eval(right_expr, scope).await?;
                        if !self.compare(*op, &left, &right)? {
                            return Ok(Value::Bool(false));
                        }
                        left = right;
                    }
                    Ok(Value::Bool(true))
                }
                Expr::If(if_expr) => {
                    let test = self.eval(&if_expr.test, scope).await?;
                    if self.truthy(&test)? {
                        self.eval(&if_expr.body, scope).await
                    } else {
                        self.eval(&if_expr.orelse, scope).await
                    }
                }
                Expr::Named(named) => {
                    let value = self.eval(&named.value, scope).await?;
                    self.assign(&named.target, value.clone(), scope).await?;
                    Ok(value)
                }
                Expr::List(list) => Ok(Value::list(self.eval_elements(&list.elts, scope).await?)),
                Expr::Tuple(tuple) => {
                    Ok(Value::tuple(self.eval_elements(&tuple.elts, scope).await?))
                }
                Expr::Set(set) => {
                    let mut dict = Dict::default();
                    for item in self.eval_elements(&set.elts, scope).await? {
                        self.dict_insert(&mut dict, item, Value::None)?;
                    }
                    Ok(Value::Set(std::rc::Rc::new(std::cell::RefCell::new(dict))))
                }
                Expr::Dict(dict_expr) => {
                    let mut dict = Dict::default();
                    for item in &dict_expr.items {
                        let value = self.eval(&item.value, scope).await?;
                        match &item.key {
                            Some(key) => {
                                let key = self.eval(key, scope).await?;
                                self.dict_insert(&mut dict, key, value)?;
                            }
                            None => {
                                for (key, value) in self.mapping_items(&value)? {
                                    self.dict_insert(&mut dict, key, value)?;
                                }
                            }
                        }
                    }
                    Ok(Value::dict(dict))
                }
                Expr::ListComp(comp) => {
                    let items = self
                        .comprehension(&comp.generators, scope, Some(&comp.elt), None)
                        .await?;
                    Ok(Value::list(
                        items.into_iter().map(|(item, _)| item).collect(),
                    ))
                }
                Expr::Generator(comp) => {
                    // Generator expressions are evaluated eagerly; workflow code consumes them
                    // at once (`sum(...)`, `gather(*(...))`, `next(...)`). The result is an
                    // iterator, as in Python, so `next()` and a second pass behave alike.
                    let items = self
                        .comprehension(&comp.generators, scope, Some(&comp.elt), None)
                        .await?;
                    Ok(Value::Native(Rc::new(super::native::Native::Iterator(
                        std::cell::RefCell::new((
                            items.into_iter().map(|(item, _)| item).collect(),
                            0,
                        )),
                    ))))
                }
                Expr::SetComp(comp) => {
                    let items = self
                        .comprehension(&comp.generators, scope, Some(&comp.elt), None)
                        .await?;
                    let mut dict = Dict::default();
                    for (item, _) in items {
                        self.dict_insert(&mut dict, item, Value::None)?;
                    }
                    Ok(Value::Set(std::rc::Rc::new(std::cell::RefCell::new(dict))))
                }
                Expr::DictComp(comp) => {
                    let Some(key) = &comp.key else {
                        return Err(self.unsupported("a dict comprehension with `**`"));
                    };
                    let items = self
                        .comprehension(&comp.generators, scope, Some(key), Some(&comp.value))
                        .await?;
                    let mut dict = Dict::default();
                    for (key, value) in items {
                        self.dict_insert(&mut dict, key, value.unwrap_or(Value::None))?;
                    }
                    Ok(Value::dict(dict))
                }
                Expr::Await(await_expr) => {
                    let value = self.eval(&await_expr.value, scope).await?;
                    self.loc.set(Some(Self::loc_of(scope, expr.range())));
                    self.await_value(value).await
                }
                Expr::Lambda(lambda) => {
                    let (defaults, kw_defaults) = match &lambda.parameters {
                        Some(parameters) => self.eval_defaults(parameters, scope).await?,
                        None => (Vec::new(), Vec::new()),
                    };
                    Ok(Value::Function(Rc::new(Function {
                        name: "<lambda>".into(),
                        qualname: "<lambda>".into(),
                        body: FunctionBody::Lambda(lambda),
                        module: scope.module.clone(),
                        closure: self.capture(scope),
                        defaults,
                        kw_defaults,
                        meta: std::cell::RefCell::new(FunctionMeta::default()),
                    })))
                }
                Expr::Slice(slice) => {
                    let mut parts = [Value::None, Value::None, Value::None];
                    for (slot, part) in [&slice.lower, &slice.upper, &slice.step]
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(part) = part {
                            parts[slot] = self.eval(part, scope).await?;
                        }
                    }
                    Ok(Value::Slice(Rc::new(parts)))
                }
                Expr::Starred(_) => {
                    Err(self.raise(&self.exc.type_error, "can't use starred expression here"))
                }
                Expr::Yield(expr) => {
                    let value = match &expr.value {
                        Some(value) => self.eval(value, scope).await?,
                        None => Value::None,
                    };
                    self.yield_value(scope, value).await
                }
                Expr::YieldFrom(_) => Err(self.unsupported("`yield from`")),
                Expr::TString(_) => Err(self.unsupported("template strings")),
                Expr::IpyEscapeCommand(_) => Err(self.unsupported("IPython escape commands")),
            }
        })
    }

    fn load_name(&self, name: &str, scope: &Scope, expr: &Expr) -> PyResult<Value> {
        if let Lookup::Found(value) = scope.lookup(name) {
            return Ok(value);
        }
        if let Some(value) = self.builtins.get(name) {
            return Ok(value);
        }
        self.loc.set(Some(Self::loc_of(scope, expr.range())));
        Err(self.raise(
            &self.exc.name_error,
            format!("name '{name}' is not defined"),
        ))
    }

    /// Elements of a list/tuple/set display, with `*iterable` unpacked.
    pub(crate) async fn eval_elements(
        &self,
        elements: &'static [Expr],
        scope: &Rc<Scope>,
    ) -> PyResult<Vec<Value>> {
        let mut values = Vec::with_capacity(elements.len());
        for element in elements {
            if let Expr::Starred(starred) = element {
                let iterable = self.eval(&starred.value, scope).await?;
                values.extend(self.iterate(&iterable)?);
            } else {
                values.push(self.eval(element, scope).await?);
            }
        }
        Ok(values)
    }

    async fn eval_call(&self, call: &'static ast::ExprCall, scope: &Rc<Scope>) -> PyResult<Value> {
        if let Expr::Name(name) = call.func.as_ref()
            && name.id.as_str() == "super"
            && call.arguments.args.is_empty()
            && call.arguments.keywords.is_empty()
            && let (Lookup::Found(Value::Class(class)), Lookup::Found(receiver)) = (
                scope.lookup(super::call::SUPER_CLASS),
                scope.lookup(super::call::SUPER_SELF),
            )
        {
            return Ok(Value::Native(Rc::new(super::native::Native::Super {
                class,
                instance: receiver,
            })));
        }
        let function = self.eval(&call.func, scope).await?;
        let mut args = Args {
            positional: Vec::with_capacity(call.arguments.args.len()),
            keywords: Vec::new(),
        };
        for arg in &call.arguments.args {
            if let Expr::Starred(starred) = arg {
                let iterable = self.eval(&starred.value, scope).await?;
                args.positional.extend(self.iterate(&iterable)?);
            } else {
                args.positional.push(self.eval(arg, scope).await?);
            }
        }
        for keyword in &call.arguments.keywords {
            let value = self.eval(&keyword.value, scope).await?;
            match &keyword.arg {
                Some(name) => args.keywords.push((name.as_str().into(), value)),
                None => {
                    for (key, value) in self.mapping_items(&value)? {
                        let Value::Str(key) = key else {
                            return self.type_error("keywords must be strings");
                        };
                        args.keywords.push((key, value));
                    }
                }
            }
        }
        self.loc.set(Some(Self::loc_of(scope, call.range())));
        self.call(&function, args).await
    }

    /// Evaluates the generators of a comprehension in its own scope and collects
    /// `(element, value)` pairs (`value` only for dict comprehensions).
    async fn comprehension(
        &self,
        generators: &'static [ast::Comprehension],
        scope: &Rc<Scope>,
        element: Option<&'static Expr>,
        value: Option<&'static Expr>,
    ) -> PyResult<Vec<(Value, Option<Value>)>> {
        let Some(first) = generators.first() else {
            return Ok(Vec::new());
        };
        let outer_iterable = self.eval(&first.iter, scope).await?;
        let inner = Scope::function(scope.module.clone(), scope.closure_parent());
        let mut out = Vec::new();
        self.comprehension_level(
            generators,
            0,
            Some(outer_iterable),
            &inner,
            element,
            value,
            &mut out,
        )
        .await?;
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn comprehension_level<'a>(
        &'a self,
        generators: &'static [ast::Comprehension],
        level: usize,
        iterable: Option<Value>,
        scope: &'a Rc<Scope>,
        element: Option<&'static Expr>,
        value: Option<&'static Expr>,
        out: &'a mut Vec<(Value, Option<Value>)>,
    ) -> LocalFuture<'a, PyResult<()>> {
        Box::pin(async move {
            let generator = &generators[level];
            let iterable = match iterable {
                Some(iterable) => iterable,
                None => self.eval(&generator.iter, scope).await?,
            };
            'items: for item in self.iterate(&iterable)? {
                self.assign(&generator.target, item, scope).await?;
                for condition in &generator.ifs {
                    let test = self.eval(condition, scope).await?;
                    if !self.truthy(&test)? {
                        continue 'items;
                    }
                }
                if level + 1 < generators.len() {
                    self.comprehension_level(
                        generators,
                        level + 1,
                        None,
                        scope,
                        element,
                        value,
                        out,
                    )
                    .await?;
                } else {
                    let key = match element {
                        Some(element) => self.eval(element, scope).await?,
                        None => Value::None,
                    };
                    let value = match value {
                        Some(value) => Some(self.eval(value, scope).await?),
                        None => None,
                    };
                    out.push((key, value));
                }
            }
            Ok(())
        })
    }

    /// Default values of a parameter list, evaluated at definition time.
    pub(crate) async fn eval_defaults(
        &self,
        parameters: &'static ast::Parameters,
        scope: &Rc<Scope>,
    ) -> PyResult<(Vec<Value>, Vec<(Rc<str>, Value)>)> {
        let mut defaults = Vec::new();
        for parameter in parameters.posonlyargs.iter().chain(parameters.args.iter()) {
            if let Some(default) = &parameter.default {
                defaults.push(self.eval(default, scope).await?);
            }
        }
        let mut kw_defaults = Vec::new();
        for parameter in &parameters.kwonlyargs {
            if let Some(default) = &parameter.default {
                kw_defaults.push((
                    parameter.parameter.name.as_str().into(),
                    self.eval(default, scope).await?,
                ));
            }
        }
        Ok((defaults, kw_defaults))
    }

    /// Binds `value` to an assignment target (names, attributes, subscripts, unpacking).
    pub(crate) fn assign<'a>(
        &'a self,
        target: &'static Expr,
        value: Value,
        scope: &'a Rc<Scope>,
    ) -> LocalFuture<'a, PyResult<()>> {
        Box::pin(async move {
            match target {
                Expr::Name(name) => {
                    scope.assign(name.id.as_str(), value);
                    Ok(())
                }
                Expr::Attribute(attribute) => {
                    let object = self.eval(&attribute.value, scope).await?;
                    self.set_attr(&object, attribute.attr.as_str(), value)
                }
                Expr::Subscript(subscript) => {
                    let object = self.eval(&subscript.value, scope).await?;
                    let key = self.eval(&subscript.slice, scope).await?;
                    self.set_item(&object, key, value).await
                }
                Expr::Tuple(ast::ExprTuple { elts, .. })
                | Expr::List(ast::ExprList { elts, .. }) => {
                    let items = self.iterate(&value)?;
                    let star = elts
                        .iter()
                        .position(|element| matches!(element, Expr::Starred(_)));
                    match star {
                        None => {
                            if items.len() != elts.len() {
                                let message = if items.len() > elts.len() {
                                    format!("too many values to unpack (expected {})", elts.len())
                                } else {
                                    format!(
                                        "not enough values to unpack (expected {}, got {})",
                                        elts.len(),
                                        items.len()
                                    )
                                };
                                return self.value_error(message);
                            }
                            for (element, item) in elts.iter().zip(items) {
                                self.assign(element, item, scope).await?;
                            }
                        }
                        Some(star) => {
                            let after = elts.len() - star - 1;
                            if items.len() < star + after {
                                return self.value_error(format!(
                                    "not enough values to unpack (expected at least {}, got {})",
                                    star + after,
                                    items.len()
                                ));
                            }
                            for (element, item) in elts[..star].iter().zip(items.iter()) {
                                self.assign(element, item.clone(), scope).await?;
                            }
                            let middle = items[star..items.len() - after].to_vec();
                            if let Expr::Starred(starred) = &elts[star] {
                                self.assign(&starred.value, Value::list(middle), scope)
                                    .await?;
                            }
                            for (element, item) in elts[star + 1..]
                                .iter()
                                .zip(items[items.len() - after..].iter())
                            {
                                self.assign(element, item.clone(), scope).await?;
                            }
                        }
                    }
                    Ok(())
                }
                Expr::Starred(starred) => self.assign(&starred.value, value, scope).await,
                _ => Err(self.unsupported("this assignment target")),
            }
        })
    }

    /// `del target`.
    pub(crate) async fn delete(&self, target: &'static Expr, scope: &Rc<Scope>) -> PyResult<()> {
        match target {
            Expr::Name(name) => {
                if !scope.delete(name.id.as_str()) {
                    return Err(self.raise(
                        &self.exc.name_error,
                        format!("name '{}' is not defined", name.id.as_str()),
                    ));
                }
                Ok(())
            }
            Expr::Subscript(subscript) => {
                let object = self.eval(&subscript.value, scope).await?;
                let key = self.eval(&subscript.slice, scope).await?;
                self.del_item(&object, &key)
            }
            Expr::Attribute(attribute) => {
                let object = self.eval(&attribute.value, scope).await?;
                match &object {
                    Value::Instance(instance) => {
                        instance
                            .attrs
                            .borrow_mut()
                            .remove(&Value::str(attribute.attr.as_str()));
                        Ok(())
                    }
                    _ => Err(self.unsupported("deleting this attribute")),
                }
            }
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    Box::pin(self.delete(element, scope)).await?;
                }
                Ok(())
            }
            _ => Err(self.unsupported("this `del` target")),
        }
    }
}
