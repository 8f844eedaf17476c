//! A small deterministic interpreter for the Python that workflow code uses.
//!
//! It evaluates the ruff AST directly. Every Python task is a Rust future driven by the FIFO
//! scheduler in [`asyncio`], so an `await` on a Temporal operation suspends exactly where Python
//! would, and the library the workflow touches (asyncio, dataclasses, datetime, enum, temporalio)
//! is modelled natively, as far as workflow code needs it.

pub(crate) mod asyncio_condition;
mod asyncio_coroutines;
mod asyncio_functions;
pub(crate) mod asyncio_primitives;
mod builtins;
mod call;
mod classes;
mod convert;
mod cycles;
pub(crate) mod event_loop;
mod exceptions;
mod expr;
mod format;
pub(crate) mod generators;
mod imports;
mod match_statement;
mod methods;
pub(crate) mod native;
mod native_methods;
mod ops;
pub(crate) mod rng;
pub(crate) mod runtime;
pub(crate) mod sandbox;
pub(crate) mod scope;
mod sdk_decorators;
mod sdk_functions;
mod stdlib;
mod stmt;
mod str_methods;
pub(crate) mod value;
pub(crate) mod workflow_instance;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use tempolint_python::{ParsedSource, TextRange};

use self::exceptions::ExceptionClasses;
use self::value::{Dict, Value};

pub(crate) type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
pub(crate) type PyResult<T> = Result<T, Unwind>;

/// The parse of a file's text, made once per process: coroutines borrow syntax trees for as
/// long as a replay runs, so they are leaked — once per distinct (path, text), not once per
/// replay, so replaying a fleet of histories against one project does not grow without bound.
pub(crate) fn parse_once(path: &str, text: String) -> &'static ParsedSource {
    type Parses = std::sync::Mutex<HashMap<(String, String), &'static ParsedSource>>;
    static PARSES: std::sync::OnceLock<Parses> = std::sync::OnceLock::new();
    let parses = PARSES.get_or_init(Parses::default);
    let key = (path.to_string(), text);
    if let Some(parsed) = parses
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
    {
        return parsed;
    }
    // Parsed outside the lock, so parallel replays do not wait on each other's parses.
    let parsed: &'static ParsedSource = Box::leak(Box::new(ParsedSource::parse(key.1.clone())));
    parses
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(key)
        .or_insert(parsed)
}

/// A source position: which file, which byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    pub(crate) source: u32,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Loc {
    pub(crate) fn new(source: u32, range: TextRange) -> Loc {
        Loc {
            source,
            start: range.start().to_u32(),
            end: range.end().to_u32(),
        }
    }
}

/// Why evaluation stopped without a Python exception.
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    pub(crate) kind: StopKind,
    pub(crate) message: String,
    pub(crate) loc: Option<Loc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopKind {
    /// The runtime cannot follow this code: `inconclusive`.
    Inconclusive,
    /// The SDK sandbox would reject this: `error`.
    Restricted,
}

/// Non-local exits that cross Python frames.
#[derive(Clone)]
pub(crate) enum Unwind {
    /// A Python exception (an instance of a `BaseException` subclass).
    Exception(Value),
    /// Not catchable by Python code.
    Stop(Box<Stop>),
}

/// A loaded Python module (user source or modelled library).
pub(crate) struct Module {
    pub(crate) name: Rc<str>,
    pub(crate) dict: RefCell<Dict>,
    pub(crate) source: Option<u32>,
    /// Imported under `workflow.unsafe.imports_passed_through()` (not re-imported by the sandbox).
    pub(crate) passed_through: Cell<bool>,
}

pub(crate) type ModuleRef = Rc<Module>;

impl Module {
    pub(crate) fn new(name: &str, source: Option<u32>) -> ModuleRef {
        Rc::new(Module {
            name: name.into(),
            dict: RefCell::new(Dict::default()),
            source,
            passed_through: Cell::new(false),
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<Value> {
        self.dict.borrow().get_str(name)
    }

    pub(crate) fn set(&self, name: &str, value: Value) {
        self.dict.borrow_mut().insert(Value::str(name), value);
    }
}

/// Tears the interpreter down (see [`Interp::teardown`]) when a replay ends, on every path.
pub(crate) struct Teardown(pub(crate) Rc<Interp>);

impl Drop for Teardown {
    fn drop(&mut self) {
        self.0.teardown();
    }
}

/// One project source file.
pub(crate) struct SourceFile {
    /// As given on the command line (relative paths stay relative).
    pub(crate) path: String,
    pub(crate) module: String,
    pub(crate) parsed: &'static ParsedSource,
}

/// The interpreter: sources, modules, native classes, the event loop and the workflow state.
pub(crate) struct Interp {
    this: RefCell<Weak<Interp>>,
    pub(crate) sources: RefCell<Vec<Rc<SourceFile>>>,
    pub(crate) modules: RefCell<HashMap<String, ModuleRef>>,
    /// Project files by dotted module name (not yet executed).
    pub(crate) project_files: RefCell<HashMap<String, std::path::PathBuf>>,
    /// Folders that are on the worker's `sys.path` (the `src` setting, relative to the project
    /// root): modules not among the given paths load from there on demand, as Python would.
    pub(crate) source_roots: RefCell<Vec<std::path::PathBuf>>,
    pub(crate) builtins: ModuleRef,
    pub(crate) exc: ExceptionClasses,
    pub(crate) natives: classes::NativeClasses,
    /// The statement or call being evaluated (for command origins and messages).
    pub(crate) loc: Cell<Option<Loc>>,
    pub(crate) depth: Cell<u32>,
    pub(crate) aio: event_loop::Loop,
    pub(crate) wf: RefCell<workflow_instance::WorkflowState>,
    pub(crate) restrictions: sandbox::Restrictions,
    /// Nesting of `imports_passed_through()` blocks.
    pub(crate) passthrough_depth: Cell<u32>,
    /// Nesting of `sandbox_unrestricted()` blocks.
    pub(crate) unrestricted_depth: Cell<u32>,
    /// True while module-level code runs (restrictions marked run-time-only do not apply).
    pub(crate) importing: Cell<u32>,
    /// Loop iterations so far (a workflow that never stops computing is not followed).
    pub(crate) steps: Cell<u64>,
    /// Function scopes that a function or lambda defined in them captured: each may be part of
    /// a cycle (the scope holds the function), so teardown empties those still alive.
    captured_scopes: cycles::Registry<scope::Scope>,
    /// The exception each running `except` block handles, innermost last (for a bare `raise`
    /// in a function called from one). Per replay: a workflow left suspended in an `except`
    /// block never pops its entry.
    pub(crate) handling: RefCell<Vec<(usize, Value)>>,
}

const MAX_DEPTH: u32 = 400;
const MAX_STEPS: u64 = 5_000_000;

impl Interp {
    pub(crate) fn new() -> Rc<Interp> {
        let builtins = Module::new("builtins", None);
        let exc = ExceptionClasses::new();
        let natives = classes::NativeClasses::new();
        let interp = Rc::new(Interp {
            this: RefCell::new(Weak::new()),
            sources: RefCell::default(),
            modules: RefCell::default(),
            project_files: RefCell::default(),
            source_roots: RefCell::default(),
            builtins,
            exc,
            natives,
            loc: Cell::new(None),
            depth: Cell::new(0),
            aio: event_loop::Loop::default(),
            wf: RefCell::new(workflow_instance::WorkflowState::default()),
            restrictions: sandbox::Restrictions::load(),
            passthrough_depth: Cell::new(0),
            unrestricted_depth: Cell::new(0),
            importing: Cell::new(0),
            steps: Cell::new(0),
            captured_scopes: cycles::Registry::default(),
            handling: RefCell::default(),
        });
        *interp.this.borrow_mut() = Rc::downgrade(&interp);
        builtins::install(&interp);
        interp
    }

    /// Breaks the reference cycles a run leaves — module globals and the functions and classes
    /// in them, tasks and the coroutines they run — so that a replay's values are freed when
    /// it ends: a fleet replay in one process would otherwise grow with every history.
    pub(crate) fn teardown(&self) {
        self.aio.clear();
        self.drop_futures();
        self.handling.take();
        self.wf.take();
        for scope in self.captured_scopes.take_alive() {
            scope.clear();
        }
        let modules: Vec<ModuleRef> = self.modules.borrow_mut().drain().map(|(_, m)| m).collect();
        for module in modules.into_iter().chain([self.builtins.clone()]) {
            cycles::break_cycles(&Value::Module(module));
        }
    }

    /// The scope a function or lambda defined in `scope` closes over, noted for teardown.
    pub(crate) fn capture(&self, scope: &Rc<scope::Scope>) -> Option<Rc<scope::Scope>> {
        let captured = scope.closure_parent()?;
        if !captured.captured.replace(true) {
            self.captured_scopes.note(&captured);
        }
        Some(captured)
    }

    pub(crate) fn rc(&self) -> Rc<Interp> {
        self.this
            .borrow()
            .upgrade()
            .expect("the interpreter is alive while it runs")
    }

    pub(crate) fn source(&self, index: u32) -> Rc<SourceFile> {
        self.sources.borrow()[index as usize].clone()
    }

    pub(crate) fn here(&self) -> Option<Loc> {
        self.loc.get()
    }

    pub(crate) fn stop(&self, kind: StopKind, message: impl Into<String>) -> Unwind {
        Unwind::Stop(Box::new(Stop {
            kind,
            message: message.into(),
            loc: self.here(),
        }))
    }

    /// The runtime cannot follow this: `inconclusive`, naming the construct.
    pub(crate) fn unsupported(&self, construct: impl Into<String>) -> Unwind {
        self.stop(
            StopKind::Inconclusive,
            format!("cannot follow {}", construct.into()),
        )
    }

    /// Enter one more level of nesting (Python call or expression); Python's own limit is a
    /// `RecursionError`, ours is a clear `inconclusive`.
    pub(crate) fn enter(&self) -> PyResult<DepthGuard<'_>> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(self.unsupported("code nested this deeply (recursion limit reached)"));
        }
        self.depth.set(depth);
        Ok(DepthGuard { interp: self })
    }

    /// Counts one loop iteration; past the budget the replay is inconclusive rather than slow.
    pub(crate) fn count_step(&self) -> PyResult<()> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_STEPS {
            return Err(self.unsupported(format!(
                "a computation this long ({MAX_STEPS} loop iterations)"
            )));
        }
        Ok(())
    }

    /// Runs a future that must not suspend (module code, sync functions called from native code).
    pub(crate) fn block_on<T>(&self, mut future: LocalFuture<'_, PyResult<T>>) -> PyResult<T> {
        let mut context = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut context) {
            Poll::Ready(result) => result,
            Poll::Pending => {
                self.aio.suspension.borrow_mut().take();
                Err(self
                    .unsupported("an await outside of a workflow task (in a synchronous callback)"))
            }
        }
    }
}

pub(crate) struct DepthGuard<'a> {
    interp: &'a Interp,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.interp.depth.set(self.interp.depth.get() - 1);
    }
}
