//! Generators: a generator's body is a future of its own, polled by whoever resumes it (so it
//! runs in the consumer's task, as in Python); `yield` hands a value out through a channel and
//! suspends until the next `send`/`throw`. `contextlib.(async)contextmanager` is built on it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use tempolint_python::ast::{self, visitor::Visitor};

use super::native::Native;
use super::scope::Scope;
use super::value::{Function, FunctionBody, Value};
use super::{Interp, LocalFuture, PyResult, Unwind};

/// Where a running generator's `yield` and its consumer meet.
#[derive(Default)]
pub(crate) struct Channel {
    yielded: RefCell<Option<Value>>,
    sent: RefCell<Option<Resume>>,
}

/// What the consumer sends into a suspended generator.
pub(crate) enum Resume {
    Send(Value),
    Throw(Value),
}

/// A generator object (`def` or `async def` with `yield`).
pub(crate) struct Generator {
    pub(crate) is_async: bool,
    channel: Rc<Channel>,
    body: RefCell<Option<LocalFuture<'static, PyResult<Value>>>>,
    started: Cell<bool>,
}

/// Whether a function body yields (nested functions, lambdas and classes do not count).
pub(crate) fn is_generator(function: &Function) -> bool {
    struct FindYield(bool);
    impl<'a> Visitor<'a> for FindYield {
        fn visit_stmt(&mut self, stmt: &'a ast::Stmt) {
            if !self.0 && !matches!(stmt, ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_)) {
                ast::visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a ast::Expr) {
            match expr {
                ast::Expr::Yield(_) | ast::Expr::YieldFrom(_) => self.0 = true,
                ast::Expr::Lambda(_) => {}
                _ if !self.0 => ast::visitor::walk_expr(self, expr),
                _ => {}
            }
        }
    }
    let FunctionBody::Def(def) = function.body else {
        return false;
    };
    let mut finder = FindYield(false);
    finder.visit_body(&def.body);
    finder.0
}

/// The future of one `yield`: hands the value out, then waits for what is sent back.
struct YieldPoint {
    channel: Rc<Channel>,
    value: Option<Value>,
}

impl Future for YieldPoint {
    type Output = PyResult<Value>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(value) = self.value.take() {
            *self.channel.yielded.borrow_mut() = Some(value);
            return Poll::Pending;
        }
        match self.channel.sent.borrow_mut().take() {
            Some(Resume::Send(value)) => Poll::Ready(Ok(value)),
            Some(Resume::Throw(exception)) => Poll::Ready(Err(Unwind::Exception(exception))),
            None => Poll::Pending,
        }
    }
}

impl Interp {
    /// Calls a generator function: binds nothing more, runs nothing yet.
    pub(crate) fn new_generator(&self, function: &Rc<Function>, scope: Rc<Scope>) -> Value {
        let channel = Rc::new(Channel::default());
        *scope.generator.borrow_mut() = Some(channel.clone());
        let interp = self.rc();
        let body_function = function.clone();
        let body: LocalFuture<'static, PyResult<Value>> =
            Box::pin(async move { interp.exec_function_body(&body_function, &scope).await });
        Value::Native(Rc::new(Native::Generator(Rc::new(Generator {
            is_async: function.is_async(),
            channel,
            body: RefCell::new(Some(body)),
            started: Cell::new(false),
        }))))
    }

    /// `yield value` inside the generator whose body `scope` is.
    pub(crate) async fn yield_value(&self, scope: &Rc<Scope>, value: Value) -> PyResult<Value> {
        let Some(channel) = scope.generator.borrow().clone() else {
            return Err(self.unsupported("`yield` outside a generator's own body"));
        };
        YieldPoint {
            channel,
            value: Some(value),
        }
        .await
    }

    /// Resumes `generator` until it yields (`Some(value)`) or returns (`None`); an exception
    /// escaping the body propagates.
    pub(crate) async fn resume(
        &self,
        generator: &Rc<Generator>,
        resume: Resume,
    ) -> PyResult<Option<Value>> {
        if generator.body.borrow().is_none() {
            return match resume {
                Resume::Send(_) => Ok(None),
                Resume::Throw(exception) => Err(Unwind::Exception(exception)),
            };
        }
        if generator.started.replace(true) {
            *generator.channel.sent.borrow_mut() = Some(resume);
        } else if let Resume::Throw(exception) = resume {
            generator.body.borrow_mut().take();
            return Err(Unwind::Exception(exception));
        }
        std::future::poll_fn(|cx| {
            let Ok(mut slot) = generator.body.try_borrow_mut() else {
                return Poll::Ready(Err(
                    self.raise(&self.exc.value_error, "generator already executing")
                ));
            };
            let Some(body) = slot.as_mut() else {
                return Poll::Ready(Ok(None));
            };
            match body.as_mut().poll(cx) {
                Poll::Ready(outcome) => {
                    *slot = None;
                    Poll::Ready(outcome.map(|_| None))
                }
                // Either the body yielded, or it awaits something and the task suspends.
                Poll::Pending => match generator.channel.yielded.borrow_mut().take() {
                    Some(value) => Poll::Ready(Ok(Some(value))),
                    None => Poll::Pending,
                },
            }
        })
        .await
    }

    /// `with cm:` / `async with cm:` for a `contextlib.(async)contextmanager` generator:
    /// runs the generator to its `yield`, the block, then resumes it (throwing the block's
    /// exception in) and expects it to finish, as `contextlib` does.
    pub(crate) async fn with_generator<'a>(
        &'a self,
        generator: &Rc<Generator>,
        bind: impl FnOnce(Value) -> LocalFuture<'a, PyResult<()>>,
        block: LocalFuture<'a, PyResult<super::stmt::Flow>>,
    ) -> PyResult<super::stmt::Flow> {
        let Some(entered) = self.resume(generator, Resume::Send(Value::None)).await? else {
            return Err(self.raise(&self.exc.runtime_error, "generator didn't yield"));
        };
        bind(entered).await?;
        let result = block.await;
        match result {
            Err(Unwind::Exception(exception)) => {
                match self
                    .resume(generator, Resume::Throw(exception.clone()))
                    .await
                {
                    // The generator caught the exception and finished: it is suppressed.
                    Ok(None) => Ok(super::stmt::Flow::Normal),
                    Ok(Some(_)) => Err(self.raise(
                        &self.exc.runtime_error,
                        "generator didn't stop after athrow()",
                    )),
                    Err(error) => Err(error),
                }
            }
            Err(stop) => Err(stop),
            Ok(flow) => match self.resume(generator, Resume::Send(Value::None)).await? {
                None => Ok(flow),
                Some(_) => Err(self.raise(&self.exc.runtime_error, "generator didn't stop")),
            },
        }
    }
}
