//! Statements and control flow (`try`/`except`/`finally`/`else`, loops, `with`, `raise`).

use std::cell::RefCell;
use std::rc::Rc;

use tempolint_python::Ranged;
use tempolint_python::ast::{self, Expr, Stmt};

use super::native::Native;
use super::scope::Scope;
use super::value::{Function, FunctionBody, FunctionMeta, Value};
use super::{Interp, LocalFuture, PyResult, Unwind};

/// How a block ended.
pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

impl Interp {
    pub(crate) fn exec_block<'a>(
        &'a self,
        body: &'static [Stmt],
        scope: &'a Rc<Scope>,
    ) -> LocalFuture<'a, PyResult<Flow>> {
        Box::pin(async move {
            for statement in body {
                match self.exec(statement, scope).await? {
                    Flow::Normal => {}
                    other => return Ok(other),
                }
            }
            Ok(Flow::Normal)
        })
    }

    async fn exec(&self, statement: &'static Stmt, scope: &Rc<Scope>) -> PyResult<Flow> {
        self.loc.set(Some(Self::loc_of(scope, statement.range())));
        match statement {
            Stmt::Expr(expr) => {
                self.eval(&expr.value, scope).await?;
            }
            Stmt::Assign(assign) => {
                let value = self.eval(&assign.value, scope).await?;
                for target in &assign.targets {
                    self.assign(target, value.clone(), scope).await?;
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    let value = self.eval(value, scope).await?;
                    self.assign(&assign.target, value, scope).await?;
                }
            }
            Stmt::AugAssign(assign) => self.aug_assign(assign, scope).await?,
            Stmt::Return(ret) => {
                let value = match &ret.value {
                    Some(value) => self.eval(value, scope).await?,
                    None => Value::None,
                };
                self.wf.borrow_mut().last_return = Some(Self::loc_of(scope, statement.range()));
                return Ok(Flow::Return(value));
            }
            Stmt::If(if_stmt) => {
                let test = self.eval(&if_stmt.test, scope).await?;
                if self.truthy(&test)? {
                    return self.exec_block(&if_stmt.body, scope).await;
                }
                for clause in &if_stmt.elif_else_clauses {
                    let take = match &clause.test {
                        Some(test) => {
                            let test = self.eval(test, scope).await?;
                            self.truthy(&test)?
                        }
                        None => true,
                    };
                    if take {
                        return self.exec_block(&clause.body, scope).await;
                    }
                }
            }
            Stmt::While(while_stmt) => loop {
                let test = self.eval(&while_stmt.test, scope).await?;
                if !self.truthy(&test)? {
                    return self.exec_block(&while_stmt.orelse, scope).await;
                }
                self.count_step()?;
                match self.exec_block(&while_stmt.body, scope).await? {
                    Flow::Break => break,
                    Flow::Return(value) => return Ok(Flow::Return(value)),
                    Flow::Normal | Flow::Continue => {}
                }
            },
            Stmt::For(for_stmt) => {
                let iterable = self.eval(&for_stmt.iter, scope).await?;
                // Generators are resumed item by item, in this task (async ones by `async for`).
                if let Value::Native(native) = &iterable
                    && let Native::Generator(generator) = native.as_ref()
                    && generator.is_async == for_stmt.is_async
                {
                    return self.for_generator(for_stmt, generator, scope).await;
                }
                if for_stmt.is_async {
                    return Err(
                        self.unsupported(format!("`async for` over {}", iterable.type_name()))
                    );
                }
                let live_list = if let Value::List(list) = &iterable {
                    Some(list.clone())
                } else {
                    None
                };
                // Ranges are walked without materializing them.
                let range = if let Value::Range(start, stop, step) = iterable {
                    Some((start, step, super::ops::range_len(start, stop, step)))
                } else {
                    None
                };
                let items = if live_list.is_some() || range.is_some() {
                    Vec::new()
                } else {
                    self.iterate(&iterable)?
                };
                let mut index = 0;
                loop {
                    self.count_step()?;
                    let item = match (&live_list, range) {
                        (Some(list), _) => list.borrow().get(index).cloned(),
                        (None, Some((start, step, length))) => (index < length as usize)
                            .then(|| Value::Int(start + step * index as i64)),
                        (None, None) => items.get(index).cloned(),
                    };
                    let Some(item) = item else {
                        return self.exec_block(&for_stmt.orelse, scope).await;
                    };
                    index += 1;
                    self.assign(&for_stmt.target, item, scope).await?;
                    match self.exec_block(&for_stmt.body, scope).await? {
                        Flow::Break => break,
                        Flow::Return(value) => return Ok(Flow::Return(value)),
                        Flow::Normal | Flow::Continue => {}
                    }
                }
            }
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            Stmt::Pass(_) => {}
            Stmt::Raise(raise) => return Err(self.exec_raise(raise, scope).await?),
            Stmt::Try(try_stmt) => return self.exec_try(try_stmt, scope).await,
            Stmt::With(with) => return self.exec_with(with, 0, scope).await,
            Stmt::FunctionDef(def) => {
                let function = self.define_function(def, scope).await?;
                let decorated = self
                    .apply_decorators(&def.decorator_list, function, scope)
                    .await?;
                scope.assign(def.name.as_str(), decorated);
            }
            Stmt::ClassDef(class) => {
                let value = self.define_class(class, scope).await?;
                scope.assign(class.name.as_str(), value);
            }
            Stmt::Import(import) => self.exec_import(import, scope)?,
            Stmt::ImportFrom(import) => self.exec_import_from(import, scope)?,
            Stmt::Global(global) => {
                for name in &global.names {
                    scope.declare_global(name.as_str());
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                for name in &nonlocal.names {
                    scope.declare_nonlocal(name.as_str());
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.delete(target, scope).await?;
                }
            }
            Stmt::Assert(assert) => {
                let test = self.eval(&assert.test, scope).await?;
                if !self.truthy(&test)? {
                    let args = match &assert.msg {
                        Some(message) => vec![self.eval(message, scope).await?],
                        None => Vec::new(),
                    };
                    return Err(Unwind::Exception(
                        self.new_exception(&self.exc.assertion_error, args),
                    ));
                }
            }
            Stmt::Match(statement) => return self.exec_match(statement, scope).await,
            Stmt::TypeAlias(_) => {}
            Stmt::IpyEscapeCommand(_) => return Err(self.unsupported("IPython escape commands")),
        }
        Ok(Flow::Normal)
    }

    async fn aug_assign(
        &self,
        assign: &'static ast::StmtAugAssign,
        scope: &Rc<Scope>,
    ) -> PyResult<()> {
        let current = self.eval(&assign.target, scope).await?;
        let right = self.eval(&assign.value, scope).await?;
        // Lists, dicts and sets are updated in place (aliases see the change).
        match (&current, assign.op, &right) {
            (Value::List(list), ast::Operator::Add, _) => {
                let items = self.iterate(&right)?;
                list.borrow_mut().extend(items);
                return Ok(());
            }
            (Value::Dict(dict), ast::Operator::BitOr, Value::Dict(other)) => {
                let items = other.borrow().items();
                let mut dict = dict.borrow_mut();
                for (key, value) in items {
                    dict.insert(key, value);
                }
                return Ok(());
            }
            (Value::Set(set), ast::Operator::BitOr, Value::Set(other)) => {
                let keys = other.borrow().keys();
                let mut set = set.borrow_mut();
                for key in keys {
                    set.insert(key, Value::None);
                }
                return Ok(());
            }
            _ => {}
        }
        let value = self.binary_op(assign.op, &current, &right)?;
        self.assign(&assign.target, value, scope).await
    }

    async fn exec_raise(
        &self,
        raise: &'static ast::StmtRaise,
        scope: &Rc<Scope>,
    ) -> PyResult<Unwind> {
        let Some(exc) = &raise.exc else {
            let current = scope.handling.borrow().last().cloned().or_else(|| {
                self.handling
                    .borrow()
                    .last()
                    .map(|(_, value)| value.clone())
            });
            return Ok(match current {
                Some(exception) => Unwind::Exception(exception),
                None => self.raise(&self.exc.runtime_error, "No active exception to reraise"),
            });
        };
        let value = self.eval(exc, scope).await?;
        let exception = self.to_exception(value).await?;
        if let Some(cause) = &raise.cause {
            let cause = self.eval(cause, scope).await?;
            let cause = if cause.is_none() {
                cause
            } else {
                self.to_exception(cause).await?
            };
            if let Value::Instance(instance) = &exception {
                instance.set("__cause__", cause);
            }
        }
        if let Value::Instance(instance) = &exception {
            instance.raised_at.set(self.here());
        }
        Ok(Unwind::Exception(exception))
    }

    /// `raise X` accepts a class (instantiated without arguments) or an instance.
    async fn to_exception(&self, value: Value) -> PyResult<Value> {
        match &value {
            Value::Class(class) if class.is_subclass_of(&self.exc.base_exception) => {
                self.call(&value, super::expr::Args::positional(Vec::new()))
                    .await
            }
            Value::Instance(instance)
                if instance.class.is_subclass_of(&self.exc.base_exception) =>
            {
                Ok(value)
            }
            Value::Unknown(unknown) => Err(self.unsupported(format!("raising {}", unknown.what))),
            _ => self.type_error("exceptions must derive from BaseException"),
        }
    }

    async fn exec_try(&self, try_stmt: &'static ast::StmtTry, scope: &Rc<Scope>) -> PyResult<Flow> {
        if try_stmt.is_star {
            return Err(self.unsupported("`except*`"));
        }
        let outcome = match self.exec_block(&try_stmt.body, scope).await {
            Err(Unwind::Exception(exception)) => {
                self.handle_exception(try_stmt, exception, scope).await
            }
            Ok(Flow::Normal) => self.exec_block(&try_stmt.orelse, scope).await,
            other => other,
        };
        if try_stmt.finalbody.is_empty() {
            return outcome;
        }
        if let Err(Unwind::Stop(_)) = &outcome {
            return outcome;
        }
        match self.exec_block(&try_stmt.finalbody, scope).await? {
            Flow::Normal => outcome,
            other => Ok(other),
        }
    }

    async fn handle_exception(
        &self,
        try_stmt: &'static ast::StmtTry,
        exception: Value,
        scope: &Rc<Scope>,
    ) -> PyResult<Flow> {
        for handler in &try_stmt.handlers {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            let matches = match &handler.type_ {
                None => true,
                Some(type_expr) => {
                    let class = self.eval(type_expr, scope).await?;
                    self.exception_matches(&exception, &class)?
                }
            };
            if !matches {
                continue;
            }
            if let Some(name) = &handler.name {
                scope.assign(name.as_str(), exception.clone());
            }
            let marker = exception.identity().unwrap_or(0);
            self.handling.borrow_mut().push((marker, exception.clone()));
            scope.handling.borrow_mut().push(exception.clone());
            let result = self.exec_block(&handler.body, scope).await;
            scope.handling.borrow_mut().pop();
            {
                let mut stack = self.handling.borrow_mut();
                if let Some(position) = stack.iter().rposition(|(id, _)| *id == marker) {
                    stack.remove(position);
                }
            }
            if let Some(name) = &handler.name {
                scope.delete(name.as_str());
            }
            return match result {
                Err(Unwind::Exception(raised)) => {
                    if let Value::Instance(instance) = &raised
                        && raised.identity() != exception.identity()
                        && instance.get("__context__").is_none_or(|c| c.is_none())
                    {
                        instance.set("__context__", exception.clone());
                    }
                    Err(Unwind::Exception(raised))
                }
                other => other,
            };
        }
        Err(Unwind::Exception(exception))
    }

    /// `except class:` (a class or a tuple of classes).
    pub(crate) fn exception_matches(&self, exception: &Value, class: &Value) -> PyResult<bool> {
        match class {
            Value::Class(class) => Ok(Self::is_instance_of(exception, class)),
            Value::Tuple(classes) => {
                for class in classes.iter() {
                    if self.exception_matches(exception, class)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Unknown(unknown) => Err(self.unsupported(format!("catching {}", unknown.what))),
            _ => self.type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            ),
        }
    }

    fn exec_with<'a>(
        &'a self,
        with: &'static ast::StmtWith,
        index: usize,
        scope: &'a Rc<Scope>,
    ) -> LocalFuture<'a, PyResult<Flow>> {
        Box::pin(async move {
            let Some(item) = with.items.get(index) else {
                return self.exec_block(&with.body, scope).await;
            };
            let manager = self.eval(&item.context_expr, scope).await?;
            match &manager {
                Value::Instance(_) if with.is_async => {
                    let enter = self.get_attr(&manager, "__aenter__")?;
                    let exit = self.get_attr(&manager, "__aexit__")?;
                    let entered = self
                        .call(&enter, super::expr::Args::positional(Vec::new()))
                        .await?;
                    let entered = self.await_value(entered).await?;
                    if let Some(target) = &item.optional_vars {
                        self.assign(target, entered, scope).await?;
                    }
                    let result = self.exec_with(with, index + 1, scope).await;
                    let (class, exception) = match &result {
                        Err(Unwind::Exception(exception)) => match exception {
                            Value::Instance(instance) => {
                                (Value::Class(instance.class.clone()), exception.clone())
                            }
                            _ => (Value::None, exception.clone()),
                        },
                        _ => (Value::None, Value::None),
                    };
                    if let Err(Unwind::Stop(_)) = &result {
                        return result;
                    }
                    let suppress = self
                        .call(
                            &exit,
                            super::expr::Args::positional(vec![class, exception, Value::None]),
                        )
                        .await?;
                    let suppress = self.await_value(suppress).await?;
                    match result {
                        Err(Unwind::Exception(_)) if self.truthy(&suppress)? => Ok(Flow::Normal),
                        other => other,
                    }
                }
                Value::Native(native)
                    if with.is_async && matches!(native.as_ref(), Native::Condition(_)) =>
                {
                    let Native::Condition(state) = native.as_ref() else {
                        unreachable!("matched above");
                    };
                    self.lock_acquire(&state.lock).await?;
                    let result = self.exec_with(with, index + 1, scope).await;
                    self.lock_release(&state.lock)?;
                    result
                }
                Value::Native(native)
                    if with.is_async && matches!(native.as_ref(), Native::Semaphore(_)) =>
                {
                    self.semaphore_acquire(native).await?;
                    let result = self.exec_with(with, index + 1, scope).await;
                    self.semaphore_release(native)?;
                    result
                }
                Value::Native(native)
                    if with.is_async && matches!(native.as_ref(), Native::Lock(_)) =>
                {
                    self.lock_acquire(native).await?;
                    let result = self.exec_with(with, index + 1, scope).await;
                    self.lock_release(native)?;
                    result
                }
                Value::Native(native) if matches!(native.as_ref(), Native::GeneratorContextManager(g) if g.is_async == with.is_async) =>
                {
                    let Native::GeneratorContextManager(generator) = native.as_ref() else {
                        unreachable!("matched above");
                    };
                    let target = item.optional_vars.as_deref();
                    self.with_generator(
                        generator,
                        |entered| {
                            Box::pin(async move {
                                if let Some(target) = target {
                                    self.assign(target, entered, scope).await?;
                                }
                                Ok(())
                            })
                        },
                        self.exec_with(with, index + 1, scope),
                    )
                    .await
                }
                Value::Native(native) => {
                    let Native::ContextManager(kind) = native.as_ref() else {
                        return Err(self.unsupported(format!("`with {}`", manager.type_name())));
                    };
                    if with.is_async {
                        return Err(self.unsupported("`async with` on this object"));
                    }
                    let kind = *kind;
                    self.enter_context(kind);
                    let result = self.exec_with(with, index + 1, scope).await;
                    self.exit_context(kind);
                    result
                }
                Value::Instance(_) if !with.is_async => {
                    let enter = self.get_attr(&manager, "__enter__")?;
                    let exit = self.get_attr(&manager, "__exit__")?;
                    let entered = self
                        .call(&enter, super::expr::Args::positional(Vec::new()))
                        .await?;
                    if let Some(target) = &item.optional_vars {
                        self.assign(target, entered, scope).await?;
                    }
                    let result = self.exec_with(with, index + 1, scope).await;
                    match result {
                        Err(Unwind::Exception(exception)) => {
                            let class = match &exception {
                                Value::Instance(instance) => Value::Class(instance.class.clone()),
                                _ => Value::None,
                            };
                            let suppress = self
                                .call(
                                    &exit,
                                    super::expr::Args::positional(vec![
                                        class,
                                        exception.clone(),
                                        Value::None,
                                    ]),
                                )
                                .await?;
                            if self.truthy(&suppress)? {
                                Ok(Flow::Normal)
                            } else {
                                Err(Unwind::Exception(exception))
                            }
                        }
                        Err(stop) => Err(stop),
                        Ok(flow) => {
                            self.call(
                                &exit,
                                super::expr::Args::positional(vec![
                                    Value::None,
                                    Value::None,
                                    Value::None,
                                ]),
                            )
                            .await?;
                            Ok(flow)
                        }
                    }
                }
                Value::Unknown(unknown) => {
                    Err(self.unsupported(format!("`with {}`", unknown.what)))
                }
                other => Err(self.unsupported(format!("`with` on a {} object", other.type_name()))),
            }
        })
    }

    pub(crate) async fn define_function(
        &self,
        def: &'static ast::StmtFunctionDef,
        scope: &Rc<Scope>,
    ) -> PyResult<Value> {
        let (defaults, kw_defaults) = self.eval_defaults(&def.parameters, scope).await?;
        let qualname = match &scope.kind {
            super::scope::ScopeKind::Class(_) => def.name.as_str().to_string(),
            _ => def.name.as_str().to_string(),
        };
        Ok(Value::Function(Rc::new(Function {
            name: def.name.as_str().into(),
            qualname: qualname.into(),
            body: FunctionBody::Def(def),
            module: scope.module.clone(),
            closure: self.capture(scope),
            defaults,
            kw_defaults,
            meta: RefCell::new(FunctionMeta::default()),
        })))
    }

    /// Applies decorators bottom-up, as Python does.
    pub(crate) async fn apply_decorators(
        &self,
        decorators: &'static [ast::Decorator],
        mut value: Value,
        scope: &Rc<Scope>,
    ) -> PyResult<Value> {
        for decorator in decorators.iter().rev() {
            self.loc.set(Some(Self::loc_of(scope, decorator.range())));
            let decorator_value = self.eval(&decorator.expression, scope).await?;
            value = self
                .call(&decorator_value, super::expr::Args::positional(vec![value]))
                .await?;
        }
        Ok(value)
    }

    async fn for_generator(
        &self,
        for_stmt: &'static ast::StmtFor,
        generator: &Rc<super::generators::Generator>,
        scope: &Rc<Scope>,
    ) -> PyResult<Flow> {
        loop {
            self.count_step()?;
            let resumed = self
                .resume(generator, super::generators::Resume::Send(Value::None))
                .await?;
            let Some(item) = resumed else {
                return self.exec_block(&for_stmt.orelse, scope).await;
            };
            self.assign(&for_stmt.target, item, scope).await?;
            match self.exec_block(&for_stmt.body, scope).await? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(value) => return Ok(Flow::Return(value)),
                Flow::Normal | Flow::Continue => {}
            }
        }
    }

    pub(crate) async fn exec_function_body(
        &self,
        function: &Rc<Function>,
        scope: &Rc<Scope>,
    ) -> PyResult<Value> {
        match function.body {
            FunctionBody::Def(def) => {
                if let Flow::Return(value) = self.exec_block(&def.body, scope).await? {
                    Ok(value)
                } else {
                    self.wf.borrow_mut().last_return = def
                        .body
                        .last()
                        .map(|last| Self::loc_of(scope, last.range()));
                    Ok(Value::None)
                }
            }
            FunctionBody::Lambda(lambda) => self.eval(&lambda.body, scope).await,
        }
    }

    /// Module-level code: each statement runs; in library modules a failure to follow a
    /// statement only makes the names it binds unknown (they matter only if used).
    pub(crate) fn exec_module_body(
        &self,
        body: &'static [Stmt],
        scope: &Rc<Scope>,
        lenient: bool,
    ) -> PyResult<()> {
        self.importing.set(self.importing.get() + 1);
        let result = (|| {
            for statement in body {
                let outcome = self.block_on(Box::pin(self.exec(statement, scope)));
                match outcome {
                    Ok(_) => {}
                    Err(Unwind::Stop(stop))
                        if lenient || stop.kind == super::StopKind::Inconclusive =>
                    {
                        for name in bound_names(statement) {
                            scope.assign(
                                name,
                                Value::unknown(
                                    format!(
                                        "`{name}` (defined where {})",
                                        stop.message.trim_start_matches("cannot follow ")
                                    ),
                                    stop.loc,
                                ),
                            );
                        }
                    }
                    Err(Unwind::Exception(_)) if lenient => {
                        for name in bound_names(statement) {
                            scope.assign(name, Value::unknown(format!("`{name}`"), self.here()));
                        }
                    }
                    Err(error) => return Err(error),
                }
            }
            Ok(())
        })();
        self.importing.set(self.importing.get() - 1);
        result
    }
}

/// Names a module-level statement binds (for marking them unknown when it cannot be followed).
fn bound_names(statement: &'static Stmt) -> Vec<&'static str> {
    fn target_names(target: &'static Expr, out: &mut Vec<&'static str>) {
        match target {
            Expr::Name(name) => out.push(name.id.as_str()),
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| target_names(e, out)),
            Expr::List(list) => list.elts.iter().for_each(|e| target_names(e, out)),
            Expr::Starred(starred) => target_names(&starred.value, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match statement {
        Stmt::Assign(assign) => assign
            .targets
            .iter()
            .for_each(|t| target_names(t, &mut out)),
        Stmt::AnnAssign(assign) => target_names(&assign.target, &mut out),
        Stmt::AugAssign(assign) => target_names(&assign.target, &mut out),
        Stmt::FunctionDef(def) => out.push(def.name.as_str()),
        Stmt::ClassDef(class) => out.push(class.name.as_str()),
        Stmt::Import(import) => {
            for alias in &import.names {
                out.push(alias.asname.as_ref().map_or_else(
                    || alias.name.as_str().split('.').next().unwrap_or_default(),
                    |a| a.as_str(),
                ));
            }
        }
        Stmt::ImportFrom(import) => {
            for alias in &import.names {
                out.push(alias.asname.as_ref().unwrap_or(&alias.name).as_str());
            }
        }
        Stmt::With(with) => {
            for inner in &with.body {
                out.extend(bound_names(inner));
            }
        }
        Stmt::Try(try_stmt) => {
            for inner in try_stmt
                .body
                .iter()
                .chain(try_stmt.orelse.iter())
                .chain(try_stmt.finalbody.iter())
            {
                out.extend(bound_names(inner));
            }
        }
        Stmt::If(if_stmt) => {
            for inner in if_stmt
                .body
                .iter()
                .chain(if_stmt.elif_else_clauses.iter().flat_map(|c| c.body.iter()))
            {
                out.extend(bound_names(inner));
            }
        }
        Stmt::Match(statement) => {
            super::match_statement::match_bound_names(statement, &mut out);
            for inner in statement.cases.iter().flat_map(|case| case.body.iter()) {
                out.extend(bound_names(inner));
            }
        }
        _ => {}
    }
    out
}
