use std::cell::Cell;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, Operator, Stmt};

use crate::FunctionId;
use crate::binding::{BUILTINS, Binding};
use crate::project::{Global, ModuleId, Project};
use crate::scope::{FrameNames, LocalLookup, LocalScope, LocalValue};

/// Bounds the chase through variables and re-exports (`A = B`, `B = A`).
const MAX_DEPTH: u8 = 12;

/// Bounds the inference of a helper's result inside the inference of another's.
const MAX_INFERRING: u8 = 4;

thread_local! {
    /// How many results of unannotated helpers this thread is inferring, one inside another.
    static INFERRING: Cell<u8> = const { Cell::new(0) };
}

#[derive(serde::Deserialize)]
struct ReturnTypes {
    returns: FxHashMap<String, String>,
    attributes: FxHashMap<String, String>,
    classes: FxHashMap<String, String>,
}

static TYPES: LazyLock<ReturnTypes> = LazyLock::new(|| {
    toml::from_str::<ReturnTypes>(include_str!("../data/return_types.toml"))
        .expect("data/return_types.toml is valid (checked by a unit test)")
});

/// Resolves expressions of one module to what they refer to.
#[derive(Clone, Copy)]
pub struct Resolver<'p, 'a> {
    project: &'p Project<'a>,
    module: ModuleId,
}

impl<'p, 'a> Resolver<'p, 'a> {
    pub fn new(project: &'p Project<'a>, module: ModuleId) -> Self {
        Self { project, module }
    }

    pub fn project(&self) -> &'p Project<'a> {
        self.project
    }

    pub fn module(&self) -> ModuleId {
        self.module
    }

    pub fn resolve(&self, expr: &Expr, scope: &LocalScope) -> Binding {
        self.resolve_at(expr, scope, 0)
    }

    fn resolve_at(&self, expr: &Expr, scope: &LocalScope, depth: u8) -> Binding {
        if depth > MAX_DEPTH {
            return Binding::Unknown;
        }
        match expr {
            Expr::Name(name) => self.resolve_name(name.id.as_str(), scope, depth),
            Expr::Attribute(attribute) => {
                let base = self.resolve_at(&attribute.value, scope, depth + 1);
                self.member(&base, attribute.attr.as_str(), depth)
            }
            Expr::Call(call) => {
                let callee = self.resolve_at(&call.func, scope, depth + 1);
                // `await asyncio.to_thread(download)`: what `download` returns.
                if callee.symbol() == Some("asyncio.to_thread")
                    && let Some(function) = call.arguments.args.first()
                {
                    let function = self.resolve_at(function, scope, depth + 1);
                    return self.call_result(&function);
                }
                // `next(get_db())`: what the project generator yields.
                if callee.symbol() == Some("builtins.next")
                    && let [Expr::Call(generator)] = &call.arguments.args[..]
                {
                    return self
                        .resolve_at(&generator.func, scope, depth + 1)
                        .symbol()
                        .and_then(|path| self.project.function_by_name(path))
                        .and_then(|function| self.yielded_instance(function))
                        .unwrap_or(Binding::Unknown);
                }
                if callee.symbol() == Some("builtins.super") {
                    return self.super_instance(call, scope, depth);
                }
                if let Some(made) = self.in_memory_database(&callee, call, scope, depth) {
                    return made;
                }
                // `sorted(folder.glob("*"))`: the same elements, where the table says what
                // iterating gives (not a set's: a sorted list of it has an order).
                if matches!(callee.symbol(), Some("builtins.sorted" | "builtins.list"))
                    && let [iterable] = &call.arguments.args[..]
                    && let Binding::Instance(class) = self.resolve_at(iterable, scope, depth + 1)
                    && !class.starts_with("builtins.")
                    && TYPES
                        .returns
                        .contains_key(format!("{class}.__iter__").as_str())
                {
                    return Binding::Instance(class);
                }
                let result = self.call_result(&callee);
                if result == Binding::Unknown
                    && let Expr::Attribute(attribute) = &*call.func
                    && call.arguments.is_empty()
                {
                    // `x.keys()` on anything is a keys view, which supports set algebra.
                    return match attribute.attr.as_str() {
                        "keys" => Binding::Instance("builtins.dict_keys".into()),
                        "items" => Binding::Instance("builtins.dict_items".into()),
                        _ => Binding::Unknown,
                    };
                }
                result
            }
            // `client["orders"]`: what the class's `__getitem__` returns, where known.
            Expr::Subscript(subscript) => {
                match self.resolve_at(&subscript.value, scope, depth + 1) {
                    Binding::Instance(class) => TYPES
                        .returns
                        .get(format!("{class}.__getitem__").as_str())
                        .map_or(Binding::Unknown, |item| Binding::Instance(item.clone())),
                    _ => Binding::Unknown,
                }
            }
            Expr::Await(await_expr) => self.resolve_at(&await_expr.value, scope, depth + 1),
            Expr::Named(named) => self.resolve_at(&named.value, scope, depth + 1),
            Expr::Set(_) | Expr::SetComp(_) => Binding::Instance("builtins.set".into()),
            Expr::Dict(_) | Expr::DictComp(_) => Binding::Instance("builtins.dict".into()),
            Expr::List(_) | Expr::ListComp(_) => Binding::Instance("builtins.list".into()),
            Expr::Tuple(_) => Binding::Instance("builtins.tuple".into()),
            Expr::StringLiteral(_) | Expr::FString(_) => Binding::Instance("builtins.str".into()),
            Expr::BytesLiteral(_) => Binding::Instance("builtins.bytes".into()),
            Expr::BinOp(binop) => {
                let left = self.resolve_at(&binop.left, scope, depth + 1);
                let result = binop_result(&left, binop.op);
                if result != Binding::Unknown || binop.op != Operator::BitOr {
                    return result;
                }
                // `prompt | llm`: the left side's `__or__`, else the right side's `__ror__`,
                // where the table knows them.
                let right = self.resolve_at(&binop.right, scope, depth + 1);
                [(&left, "__or__"), (&right, "__ror__")]
                    .into_iter()
                    .find_map(|(side, method)| {
                        TYPES
                            .returns
                            .get(format!("{}.{method}", side.instance()?).as_str())
                    })
                    .map_or(Binding::Unknown, |piped| Binding::Instance(piped.clone()))
            }
            // `client or httpx.Client(…)`: the one type the known alternatives agree on (an
            // unknown one is, as a rule, an optional injected instance of it). Not for builtin
            // values: `names or set()` may well be a list.
            Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => {
                let mut agreed = Binding::Unknown;
                for value in &bool_op.values {
                    let binding = self.resolve_at(value, scope, depth + 1);
                    if binding == Binding::Unknown || binding == agreed {
                        continue;
                    }
                    if agreed != Binding::Unknown {
                        return Binding::Unknown;
                    }
                    agreed = binding;
                }
                if agreed
                    .instance()
                    .is_some_and(|class| class.starts_with("builtins."))
                {
                    return Binding::Unknown;
                }
                agreed
            }
            // `X(…) if ctx else None`: whatever is done with the value beyond a truth test
            // is done to an `X` (the same on `None` raises).
            Expr::If(if_expr) if if_expr.orelse.is_none_literal_expr() => {
                self.resolve_at(&if_expr.body, scope, depth + 1)
            }
            Expr::If(if_expr) if if_expr.body.is_none_literal_expr() => {
                self.resolve_at(&if_expr.orelse, scope, depth + 1)
            }
            Expr::If(if_expr) => {
                let body = self.resolve_at(&if_expr.body, scope, depth + 1);
                let orelse = self.resolve_at(&if_expr.orelse, scope, depth + 1);
                if body == orelse {
                    body
                } else {
                    Binding::Unknown
                }
            }
            _ => Binding::Unknown,
        }
    }

    fn resolve_name(&self, name: &str, scope: &LocalScope, depth: u8) -> Binding {
        match scope.lookup(name) {
            LocalLookup::Local(value) => {
                value.map_or(Binding::Unknown, |value| value.binding.clone())
            }
            LocalLookup::NotLocal => self.module_global(self.module, name, depth),
        }
    }

    /// What a name means at the top level of `module`.
    fn module_global(&self, module: ModuleId, name: &str, depth: u8) -> Binding {
        if depth > MAX_DEPTH {
            return Binding::Unknown;
        }
        let project = self.project;
        let module_data = project.module(module);
        let declared = || {
            module_data
                .declared
                .get(name)
                .map_or(Binding::Unknown, |annotation| {
                    Resolver::new(project, module)
                        .annotation_type(annotation, &LocalScope::default())
                })
        };
        if let Some(global) = module_data.globals.get(name) {
            return match global {
                Global::Function(id) => {
                    Binding::Symbol(project.function(*id).qualified_name.clone())
                }
                Global::Class(id) => Binding::Symbol(project.class(*id).qualified_name.clone()),
                Global::Variable(value) => match Resolver::new(project, module).resolve_at(
                    value,
                    &LocalScope::default(),
                    depth + 1,
                ) {
                    Binding::Unknown => declared(),
                    known => known,
                },
                Global::Alternatives(values) => {
                    let resolver = Resolver::new(project, module);
                    let mut bindings = values
                        .iter()
                        .map(|value| resolver.resolve_at(value, &LocalScope::default(), depth + 1));
                    let first = bindings.next().unwrap_or(Binding::Unknown);
                    if bindings.all(|binding| binding == first) && first != Binding::Unknown {
                        first
                    } else {
                        declared()
                    }
                }
                Global::Unpacked {
                    value,
                    place,
                    length,
                } => Resolver::new(project, module)
                    .unpacked(value, *length, &LocalScope::default())
                    .and_then(|made| made.into_iter().nth(*place))
                    .unwrap_or(Binding::Unknown),
            };
        }
        if module_data.declared.contains_key(name) {
            return declared();
        }
        if let Some(import) = module_data.imports.names.get(name) {
            return self.symbol(&import.target, depth);
        }
        for star in &module_data.imports.star_modules {
            if let Some(star_module) = project.module_by_name(&star.target) {
                let binding = self.module_global(star_module, name, depth + 1);
                if binding != Binding::Unknown {
                    return binding;
                }
            }
        }
        if BUILTINS.binary_search(&name).is_ok() {
            // Hot (every `len`, `str`, `isinstance`): no formatting machinery.
            let mut symbol = String::with_capacity("builtins.".len() + name.len());
            symbol.push_str("builtins.");
            symbol.push_str(name);
            return Binding::Symbol(symbol);
        }
        Binding::Unknown
    }

    /// A dotted name, with project re-exports and module-level variables followed.
    /// What a name imported inside a function holds (`from app.database import db`): as the
    /// same import at module level, a project module's variable is its value.
    pub fn imported(&self, name: &str) -> Binding {
        self.symbol(name, 0)
    }

    fn symbol(&self, name: &str, depth: u8) -> Binding {
        if !self
            .project
            .has_top_level_package(name.split('.').next().unwrap_or(name))
        {
            // Not the project's: no re-export to follow, no module variable to read.
            return Binding::Symbol(name.to_string());
        }
        let canonical = self.project.canonicalize(name);
        if let Some((module, member)) = canonical.rsplit_once('.')
            && let Some(module) = self.project.module_by_name(module)
            && let Some(Global::Variable(_) | Global::Alternatives(_) | Global::Unpacked { .. }) =
                self.project.module(module).globals.get(member)
        {
            return self.module_global(module, member, depth + 1);
        }
        Binding::Symbol(canonical)
    }

    fn member(&self, base: &Binding, attribute: &str, depth: u8) -> Binding {
        match base {
            Binding::Symbol(path) => {
                // `cls._TEMPLATES` or `Config._TEMPLATES`: what the class body assigns it.
                if let Some(class_id) = self.project.class_by_name(path) {
                    if let Some(binding) = self.attribute_type(class_id, attribute, 0, true) {
                        return binding;
                    }
                    // A library base's class attribute of known type (Flask-SQLAlchemy's
                    // `Model.query` on a `db.Model` subclass); not for the class's own methods
                    // (`Flow.run`), named far more often.
                    if let Some(of_type) = self
                        .project
                        .method_of(class_id, attribute, 0)
                        .is_none()
                        .then(|| self.project.ancestry(class_id))
                        .into_iter()
                        .flat_map(|ancestry| ancestry.outside)
                        .find_map(|base| TYPES.attributes.get(&format!("{base}.{attribute}")))
                    {
                        return Binding::Instance(of_type.clone());
                    }
                }
                let mut name = String::with_capacity(path.len() + 1 + attribute.len());
                name.push_str(path);
                name.push('.');
                name.push_str(attribute);
                self.symbol(&name, depth + 1)
            }
            Binding::Instance(class) => {
                if let Some(class_id) = self.project.class_by_name(class) {
                    if let Some(binding) = self.attribute_type(class_id, attribute, 0, false) {
                        return binding;
                    }
                    if let Some(method) = self.project.method_of(class_id, attribute, 0) {
                        if is_property(self.project.function(method).def) {
                            return self.property_type(class_id, method, depth);
                        }
                        return Binding::Symbol(
                            self.project.function(method).qualified_name.clone(),
                        );
                    }
                }
                let member = format!("{class}.{attribute}");
                match TYPES.attributes.get(&member) {
                    // A library attribute of known type (`Path(…).parent`).
                    Some(of_type) => Binding::Instance(of_type.clone()),
                    None => Binding::Symbol(member),
                }
            }
            Binding::Unknown => Binding::Unknown,
        }
    }

    /// The type a project function's return annotation names, read in its own module.
    fn annotated_return(&self, function: FunctionId) -> Option<Binding> {
        let function = self.project.function(function);
        let returns = function.def.returns.as_deref()?;
        Some(
            Resolver::new(self.project, function.module)
                .annotation_type(returns, &LocalScope::default()),
        )
    }

    /// What an unannotated project function returns when each of its `return`s makes an
    /// instance of the same class by calling it (`def get_client(): return OpenAI()`), and it
    /// yields nothing. The class is a project or library class, or what a library call
    /// returns; another project function's result is not followed.
    fn made_instance(&self, function: FunctionId) -> Option<Binding> {
        let outputs = self.returned_values(function)?;
        self.one_instance(function, &outputs.returns, &outputs)
    }

    /// What a function body outputs, when it only returns values (no bare `return`, no
    /// `yield`).
    fn returned_values(&self, function: FunctionId) -> Option<Outputs<'a>> {
        let outputs = self.outputs(function);
        (!outputs.other_return && outputs.yields.is_empty() && !outputs.returns.is_empty())
            .then_some(outputs)
    }

    /// What each of `length` names unpacking a call of an unannotated project function holds
    /// (`v1, apps = init_clients()`), when every `return` is a tuple of that many values and it
    /// yields nothing: at each place, the class all the returns make there (see
    /// [`Self::made_instance`]), else nothing known.
    /// What the `length` names of `a, b = value` hold, when `value` calls (or awaits) a
    /// project helper that returns a tuple (`v1, apps = init_clients()`).
    fn unpacked(
        &self,
        value: &Expr,
        length: usize,
        scope: &LocalScope<'a>,
    ) -> Option<Vec<Binding>> {
        let value = match value {
            Expr::Await(awaited) => &*awaited.value,
            value => value,
        };
        let Expr::Call(call) = value else {
            return None;
        };
        self.resolve(&call.func, scope)
            .symbol()
            .and_then(|path| self.project.function_by_name(path))
            .and_then(|function| self.made_tuple(function, length))
    }

    fn made_tuple(&self, function: FunctionId, length: usize) -> Option<Vec<Binding>> {
        if self.project.function(function).def.returns.is_some() {
            return None;
        }
        let outputs = self.returned_values(function)?;
        let tuples: Vec<&'a [Expr]> = outputs
            .returns
            .iter()
            .map(|returned| match returned {
                Expr::Tuple(tuple) if tuple.elts.len() == length => Some(&tuple.elts[..]),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let made: Vec<Binding> = (0..length)
            .map(|place| {
                let values: Vec<&'a Expr> = tuples.iter().map(|tuple| &tuple[place]).collect();
                self.one_instance(function, &values, &outputs)
                    .unwrap_or(Binding::Unknown)
            })
            .collect();
        made.iter()
            .any(|binding| *binding != Binding::Unknown)
            .then_some(made)
    }

    /// What a project generator yields, when each `yield` gives an instance of the same
    /// class: made there (`yield Session()`), or held by a local name assigned once, by such a
    /// call (`db = SessionLocal()` … `yield db`).
    fn yielded_instance(&self, function: FunctionId) -> Option<Binding> {
        let outputs = self.outputs(function);
        if outputs.other_yield || outputs.yields.is_empty() {
            return None;
        }
        self.one_instance(function, &outputs.yields, &outputs)
    }

    fn outputs(&self, function: FunctionId) -> Outputs<'a> {
        let mut outputs = Outputs::default();
        outputs.visit_body(&self.project.function(function).def.body);
        outputs
    }

    /// The one class of instance every value of `values` (read in `function`) makes, where
    /// each is a call or a local name assigned once by a call (of a callee that may itself be
    /// a local name assigned once). Bounded in depth: reading the
    /// values may come back to inferring this function (`def f(): return X()`, `X = f()`).
    fn one_instance(
        &self,
        function: FunctionId,
        values: &[&'a Expr],
        outputs: &Outputs<'a>,
    ) -> Option<Binding> {
        let depth = INFERRING.get();
        if depth >= MAX_INFERRING {
            return None;
        }
        INFERRING.set(depth + 1);
        let made = self.made_by_all(function, values, outputs);
        INFERRING.set(depth);
        made
    }

    fn made_by_all(
        &self,
        function: FunctionId,
        values: &[&'a Expr],
        outputs: &Outputs<'a>,
    ) -> Option<Binding> {
        let resolver = Resolver::new(self.project, self.project.function(function).module);
        let mut scope = LocalScope::default();
        resolver.enter_project_function(&mut scope, function);
        let mut made = None;
        for value in values {
            let instance = self.made_at(&resolver, &scope, value, outputs)?;
            if made.as_ref().is_some_and(|made| *made != instance) {
                return None;
            }
            made = Some(instance);
        }
        made
    }

    /// The instance a returned value is: a library call's result (`return Session()`, or a
    /// local name assigned one once), or an item of one whose class the table says
    /// (`return MongoClient(url)["orders"]`).
    fn made_at(
        &self,
        resolver: &Resolver<'_, 'a>,
        scope: &LocalScope<'a>,
        value: &'a Expr,
        outputs: &Outputs<'a>,
    ) -> Option<Binding> {
        let call = match value {
            Expr::Call(call) => call,
            Expr::Name(name) => match outputs.assigned(name.id.as_str())? {
                Expr::Call(call) => call,
                _ => return None,
            },
            Expr::Subscript(subscript) => {
                let container = self.made_at(resolver, scope, &subscript.value, outputs)?;
                let item = TYPES
                    .returns
                    .get(format!("{}.__getitem__", container.instance()?).as_str())?;
                return Some(Binding::Instance(item.clone()));
            }
            _ => return None,
        };
        // A local factory assigned once (`Session = sessionmaker(bind=engine)` …
        // `return Session()`) is what it was assigned.
        let callee_expr = match &*call.func {
            Expr::Name(name) => outputs.assigned(name.id.as_str()).unwrap_or(&call.func),
            other => other,
        };
        let callee = resolver.resolve(callee_expr, scope);
        if callee
            .symbol()
            .is_some_and(|path| self.project.function_by_name(path).is_some())
        {
            return None;
        }
        let instance = resolver.call_result(&callee);
        (instance != Binding::Unknown).then_some(instance)
    }

    /// Whether the decorator `decorator` (read in this module) is a project function (not a
    /// method: its first parameter would be the receiver) that gives back what it is given:
    /// every `return` returns its first parameter, which it never rebinds
    /// (`def register(cls): REGISTRY.append(cls); return cls`). Such a class decorator leaves
    /// the class as it is.
    pub fn is_identity_decorator(&self, decorator: &Expr) -> bool {
        if !matches!(decorator, Expr::Name(_) | Expr::Attribute(_)) {
            return false;
        }
        let Some(function) = self
            .resolve(decorator, &LocalScope::default())
            .symbol()
            .and_then(|path| self.project.function_by_name(path))
        else {
            return false;
        };
        let data = self.project.function(function);
        if data.class.is_some() {
            return false;
        }
        let Some(first) = parameter_names(data.def).next() else {
            return false;
        };
        let outputs = self.outputs(function);
        !outputs.returns.is_empty()
            && !outputs.other_return
            && !outputs.other_yield
            && outputs.yields.is_empty()
            && outputs.bindings.iter().all(|(bound, _)| *bound != first)
            && outputs
                .returns
                .iter()
                .all(|value| matches!(value, Expr::Name(name) if name.id.as_str() == first))
    }

    /// Whether a project function is decorated `@contextmanager` / `@asynccontextmanager`.
    fn is_context_manager(&self, function: FunctionId) -> bool {
        let data = self.project.function(function);
        let resolver = Resolver::new(self.project, data.module);
        data.def.decorator_list.iter().any(|decorator| {
            matches!(
                resolver
                    .resolve(&decorator.expression, &LocalScope::default())
                    .symbol(),
                Some("contextlib.contextmanager" | "contextlib.asynccontextmanager")
            )
        })
    }

    /// What reading the property `method` of an instance of `class` gives: its return
    /// annotation, or the attribute it returns (`return self._client`, set by any method, as
    /// a lazily built client is).
    fn property_type(&self, class: crate::ClassId, method: FunctionId, depth: u8) -> Binding {
        if let Some(annotated) = self.annotated_return(method) {
            return annotated;
        }
        // The body's only return (not counting those in nested blocks).
        let function = self.project.function(method);
        let returns: Vec<&Expr> = function
            .def
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::Return(returned) => returned.value.as_deref(),
                _ => None,
            })
            .collect();
        match returns.as_slice() {
            [Expr::Attribute(attribute)] if matches!(&*attribute.value, Expr::Name(name) if name.id.as_str() == "self") => {
                self.attribute_type(class, attribute.attr.as_str(), depth, false)
                    .unwrap_or(Binding::Unknown)
            }
            _ => Binding::Unknown,
        }
    }

    /// The type of `attribute` on `class` or a project base: what its methods assign to
    /// `self.attribute`, else what the class body assigns. Read through the class itself
    /// (`through_class`), only the class body's.
    fn attribute_type(
        &self,
        class: crate::ClassId,
        attribute: &str,
        depth: u8,
        through_class: bool,
    ) -> Option<Binding> {
        let data = self.project.class(class);
        let own = if through_class {
            None
        } else {
            data.attributes.get(attribute)
        };
        if let Some(binding) = own.or_else(|| data.class_values.get(attribute)) {
            return Some(binding.clone());
        }
        if depth > 8 {
            return None;
        }
        data.bases.iter().find_map(|base| {
            self.project
                .class_by_name(base)
                .and_then(|base| self.attribute_type(base, attribute, depth + 1, through_class))
        })
    }

    /// Whether a call of `symbol` opens a SQLite database held in memory
    /// (`sqlite3.connect(":memory:")`, `create_engine("sqlite://")`, a `mode=memory` URI), its
    /// address written in the call or last assigned to the name it passes (a local, else a
    /// module-level one): a data structure of the process, not a database or a server a replay
    /// would read again.
    pub fn opens_memory_sqlite(
        &self,
        symbol: &str,
        call: &ast::ExprCall,
        scope: &LocalScope,
    ) -> bool {
        let (parameter, url) = match symbol {
            "sqlalchemy.create_engine" | "sqlalchemy.engine.create_engine" => ("url", true),
            "sqlite3.connect" => ("database", false),
            _ => return false,
        };
        let Some(mut target) = call.arguments.find_argument_value(parameter, 0) else {
            return false;
        };
        if let Expr::Name(name) = target {
            let name = name.id.as_str();
            let value = if scope.is_local(name) {
                scope.value(name).and_then(|value| value.expr)
            } else {
                match self.project.module(self.module).globals.get(name) {
                    Some(Global::Variable(value)) => Some(*value),
                    _ => None,
                }
            };
            if let Some(value) = value {
                target = value;
            }
        }
        literal_text(target).is_some_and(|text| in_memory_sqlite(&text, url))
    }

    /// What a SQLAlchemy engine on a SQLite database held in memory makes
    /// (`create_engine("sqlite://")`, `sessionmaker(bind=engine)`, `Session(engine)`, a
    /// `scoped_session` over such a factory): the classes of [`IN_MEMORY_SQLITE`], whose calls
    /// are the process's data, not I/O.
    fn in_memory_database(
        &self,
        callee: &Binding,
        call: &ast::ExprCall,
        scope: &LocalScope,
        depth: u8,
    ) -> Option<Binding> {
        let [engine, factory, session] = IN_MEMORY_SQLITE;
        let symbol = callee.symbol()?;
        let made = match symbol {
            "sqlalchemy.create_engine" | "sqlalchemy.engine.create_engine" => {
                return self
                    .opens_memory_sqlite(symbol, call, scope)
                    .then(|| Binding::Instance(engine.into()));
            }
            "sqlalchemy.orm.sessionmaker" => factory,
            "sqlalchemy.orm.Session" => session,
            "sqlalchemy.orm.scoped_session" | "sqlalchemy.orm.scoping.scoped_session" => {
                let made_by = call.arguments.find_argument_value("session_factory", 0)?;
                return (self.resolve_at(made_by, scope, depth + 1).instance() == Some(factory))
                    .then(|| Binding::Instance(session.into()));
            }
            _ => return None,
        };
        let bind = call.arguments.find_argument_value("bind", 0)?;
        (self.resolve_at(bind, scope, depth + 1).instance() == Some(engine))
            .then(|| Binding::Instance(made.into()))
    }

    /// What calling `callee` returns.
    pub fn call_result(&self, callee: &Binding) -> Binding {
        let path = match callee {
            Binding::Symbol(path) => path,
            // Calling a library object of a known class (`SessionLocal()` on a sessionmaker).
            Binding::Instance(class) => {
                return TYPES
                    .returns
                    .get(&format!("{class}.__call__"))
                    .map_or(Binding::Unknown, |returned| {
                        Binding::Instance(returned.clone())
                    });
            }
            Binding::Unknown => return Binding::Unknown,
        };
        if self.project.class_by_name(path).is_some() {
            return Binding::Instance(path.clone());
        }
        if let Some(function) = self.project.function_by_name(path) {
            // `with get_session() as session:` binds what the generator yields.
            if self.is_context_manager(function) {
                return self.yielded_instance(function).unwrap_or(Binding::Unknown);
            }
            return self
                .annotated_return(function)
                .or_else(|| self.made_instance(function))
                .unwrap_or(Binding::Unknown);
        }
        // `Builder.*`: every method of a fluent builder returns a builder.
        let every_method = path
            .rsplit_once('.')
            .and_then(|(owner, _)| TYPES.returns.get(format!("{owner}.*").as_str()));
        if let Some(returned) = TYPES.returns.get(path.as_str()).or(every_method) {
            return Binding::Instance(returned.clone());
        }
        let last = path.rsplit('.').next().unwrap_or(path);
        if matches!(
            path.as_str(),
            "builtins.set"
                | "builtins.frozenset"
                | "builtins.dict"
                | "builtins.list"
                | "builtins.tuple"
                | "builtins.str"
                | "builtins.bytes"
        ) || last.starts_with(|c: char| c.is_ascii_uppercase())
        {
            return Binding::Instance(path.clone());
        }
        Binding::Unknown
    }

    /// The project function a call of `callee` runs: the function itself, or a class's
    /// `__init__`.
    pub fn called_function(&self, callee: &Binding) -> Option<FunctionId> {
        let path = callee.symbol()?;
        if let Some(class) = self.project.class_by_name(path) {
            return self.project.method_of(class, "__init__", 0);
        }
        self.project.function_by_name(path)
    }

    /// The qualifier a class-body annotation is (`ClassVar[…]` or `Final[…]`, or bare):
    /// `typing.ClassVar`, `typing.Final`, else `None`.
    pub fn annotation_qualifier(&self, annotation: &Expr) -> Option<&'static str> {
        let base = match annotation {
            Expr::Subscript(subscript) => &*subscript.value,
            other => other,
        };
        match self.resolve(base, &LocalScope::default()).symbol() {
            Some("typing.ClassVar") => Some("typing.ClassVar"),
            Some("typing.Final") => Some("typing.Final"),
            _ => None,
        }
    }

    /// The instance type an annotation describes (`set[str]` -> `builtins.set`).
    pub fn annotation_type(&self, annotation: &Expr, scope: &LocalScope) -> Binding {
        match annotation {
            Expr::Subscript(subscript) => {
                let base = self.resolve(&subscript.value, scope);
                if base.symbol() == Some("typing.Optional") {
                    return self.annotation_type(&subscript.slice, scope);
                }
                self.annotation_class(&base)
            }
            Expr::BinOp(binop) if binop.op == Operator::BitOr => {
                if binop.right.is_none_literal_expr() {
                    self.annotation_type(&binop.left, scope)
                } else if binop.left.is_none_literal_expr() {
                    self.annotation_type(&binop.right, scope)
                } else {
                    Binding::Unknown
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                let base = self.resolve(annotation, scope);
                self.annotation_class(&base)
            }
            // A forward reference, `-> "ApplicationContext"`: the annotation it spells (no
            // string inside it is parsed again).
            Expr::StringLiteral(literal) => {
                match tempolint_python::parse_string_annotation(literal.value.to_str()) {
                    Some(Expr::StringLiteral(_)) | None => Binding::Unknown,
                    Some(parsed) => self.annotation_type(&parsed, scope),
                }
            }
            _ => Binding::Unknown,
        }
    }

    fn annotation_class(&self, base: &Binding) -> Binding {
        let Some(path) = base.symbol() else {
            return Binding::Unknown;
        };
        let class = match path {
            "builtins.set"
            | "typing.Set"
            | "typing.AbstractSet"
            | "typing.MutableSet"
            | "collections.abc.Set"
            | "collections.abc.MutableSet" => "builtins.set",
            "builtins.frozenset" | "typing.FrozenSet" => "builtins.frozenset",
            "builtins.dict"
            | "typing.Dict"
            | "typing.Mapping"
            | "typing.MutableMapping"
            | "collections.abc.Mapping"
            | "collections.abc.MutableMapping" => "builtins.dict",
            "builtins.list" | "typing.List" | "typing.Sequence" | "collections.abc.Sequence" => {
                "builtins.list"
            }
            path if TYPES.classes.contains_key(path) => &TYPES.classes[path],
            path if path.starts_with("builtins.")
                || self.project.class_by_name(path).is_some()
                || path
                    .rsplit('.')
                    .next()
                    .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase())) =>
            {
                path
            }
            _ => return Binding::Unknown,
        };
        Binding::Instance(class.to_string())
    }

    /// Opens a frame for a function body: parameters bound to their annotated types, `self`
    /// to the enclosing class.
    pub fn enter_function(
        &self,
        scope: &mut LocalScope<'a>,
        def: &'a ast::StmtFunctionDef,
        class: Option<&str>,
    ) {
        let named_expressions = self.project.module(self.module).named_expressions;
        scope.push_frame(FrameNames::of(
            parameter_names(def),
            &def.body,
            named_expressions,
        ));
        self.bind_parameters(scope, def, class);
    }

    /// [`Self::enter_function`] for a project function. Its local names are computed at each
    /// entry: keeping them for every function of a large project cost more (memory, and the
    /// clone per entry) than the walk that finds them.
    pub fn enter_project_function(&self, scope: &mut LocalScope<'a>, function: FunctionId) {
        let data = self.project.function(function);
        let named_expressions = self.project.module(data.module).named_expressions;
        if let Some(enclosing) = data.enclosing {
            // The factory's parameters and locals are the closure: not module names.
            let outer = self.project.function(enclosing).def;
            scope.push_frame(FrameNames::of(
                parameter_names(outer),
                &outer.body,
                named_expressions,
            ));
        }
        scope.push_frame(FrameNames::of(
            parameter_names(data.def),
            &data.def.body,
            named_expressions,
        ));
        let class = data
            .class
            .map(|class| self.project.class(class).qualified_name.as_str());
        self.bind_parameters(scope, data.def, class);
    }

    /// `super()` in a method of a project class (or `super(Class, self)`): an instance of
    /// the class's only base, when that is a project class, whose methods the call reaches.
    fn super_instance(&self, call: &ast::ExprCall, scope: &LocalScope, depth: u8) -> Binding {
        let class = match &call.arguments.args[..] {
            [] => scope.enclosing_class().map(str::to_string),
            [class, _] => self
                .resolve_at(class, scope, depth + 1)
                .symbol()
                .map(str::to_string),
            _ => None,
        };
        class
            .and_then(|class| self.project.class_by_name(&class))
            .and_then(|class| {
                let data = self.project.class(class);
                // The next class in the method resolution order is the first base only when
                // there is one: with several, which one has the method is not followed.
                match &data.bases[..] {
                    [base] if data.def.bases().len() == 1 => self.project.class_by_name(base),
                    _ => None,
                }
            })
            .map_or(Binding::Unknown, |base| {
                Binding::Instance(self.project.class(base).qualified_name.clone())
            })
    }

    fn bind_parameters(
        &self,
        scope: &mut LocalScope<'a>,
        def: &'a ast::StmtFunctionDef,
        class: Option<&str>,
    ) {
        let parameters = &def.parameters;
        let is_static = def.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
        });
        let is_classmethod = def.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "classmethod")
        });
        let mut positional = parameters.posonlyargs.iter().chain(&parameters.args);
        if let Some(class) = class {
            scope.set_class(class);
        }
        if let Some(class) = class
            && !is_static
            && let Some(first) = positional.next()
        {
            let binding = if is_classmethod {
                Binding::Symbol(class.to_string())
            } else {
                Binding::Instance(class.to_string())
            };
            scope.set(
                first.parameter.name.as_str(),
                LocalValue {
                    binding,
                    expr: None,
                },
            );
        }
        for parameter in positional.chain(&parameters.kwonlyargs) {
            if let Some(annotation) = &parameter.parameter.annotation {
                let binding = self.annotation_type(annotation, scope);
                scope.set(
                    parameter.parameter.name.as_str(),
                    LocalValue {
                        binding,
                        expr: None,
                    },
                );
            }
        }
    }

    /// Records an assignment `target = value` in the scope.
    pub fn bind(&self, scope: &mut LocalScope<'a>, target: &'a Expr, value: &'a Expr) {
        match (target, value) {
            (Expr::Name(name), _) => {
                let binding = self.resolve(value, scope);
                scope.set(
                    name.id.as_str(),
                    LocalValue {
                        binding,
                        expr: Some(value),
                    },
                );
            }
            (Expr::Tuple(targets), Expr::Tuple(values))
                if targets.elts.len() == values.elts.len() =>
            {
                for (target, value) in targets.elts.iter().zip(&values.elts) {
                    self.bind(scope, target, value);
                }
            }
            (Expr::Tuple(targets), _) => match self.unpacked(value, targets.elts.len(), scope) {
                Some(made) => {
                    for (target, binding) in targets.elts.iter().zip(made) {
                        self.bind_binding(scope, target, binding);
                    }
                }
                None => bind_unknown(scope, target),
            },
            _ => bind_unknown(scope, target),
        }
    }

    /// Records `for target in iterable`: a name holds an element, of the type the table gives
    /// (`"pathlib._Paths.__iter__"`: what `rglob()` yields), of the one type every element of
    /// a literal has (`[Path("a"), Path("b")]`), or of none known.
    pub fn bind_iteration(&self, scope: &mut LocalScope<'a>, target: &'a Expr, iterable: &Expr) {
        // `candidates = [Path(…), …]` above, then `for path in candidates:`.
        let literal = match iterable {
            Expr::Name(name) => scope
                .value(name.id.as_str())
                .and_then(|value| value.expr)
                .filter(|value| matches!(value, Expr::List(_) | Expr::Tuple(_) | Expr::Set(_)))
                .unwrap_or(iterable),
            other => other,
        };
        let element = match (target, literal) {
            (
                Expr::Name(_),
                Expr::List(ast::ExprList { elts, .. })
                | Expr::Tuple(ast::ExprTuple { elts, .. })
                | Expr::Set(ast::ExprSet { elts, .. }),
            ) => {
                let mut types = elts.iter().map(|element| self.resolve(element, scope));
                match types.next() {
                    Some(Binding::Instance(first))
                        if types.all(|other| other.instance() == Some(first.as_str())) =>
                    {
                        Some(first)
                    }
                    _ => None,
                }
            }
            (Expr::Name(_), _) => match self.resolve(iterable, scope) {
                Binding::Instance(class) => {
                    TYPES.returns.get(&format!("{class}.__iter__")).cloned()
                }
                _ => None,
            },
            _ => None,
        };
        match element {
            Some(element) => self.bind_binding(scope, target, Binding::Instance(element)),
            None => bind_unknown(scope, target),
        }
    }

    /// Records that `target` now holds `binding` (a `with … as target`).
    pub fn bind_binding(&self, scope: &mut LocalScope<'a>, target: &'a Expr, binding: Binding) {
        if let Expr::Name(name) = target {
            scope.set(
                name.id.as_str(),
                LocalValue {
                    binding,
                    expr: None,
                },
            );
        } else {
            bind_unknown(scope, target);
        }
    }
}

/// What a function body returns and yields, and the local names it assigns, not counting
/// nested definitions.
#[derive(Default)]
struct Outputs<'a> {
    returns: Vec<&'a Expr>,
    /// A `return` without a value.
    other_return: bool,
    yields: Vec<&'a Expr>,
    /// A `yield` without a value, or a `yield from`.
    other_yield: bool,
    /// Each binding of a local name: the value of a plain `name = value`, else `None`
    /// (`for name in …`, `name += …`, `with … as name`, unpacking).
    bindings: Vec<(&'a str, Option<&'a Expr>)>,
}

impl<'a> Outputs<'a> {
    /// The value of `name` when it is bound once, by a plain assignment.
    fn assigned(&self, name: &str) -> Option<&'a Expr> {
        let mut found = self.bindings.iter().filter(|(bound, _)| *bound == name);
        match (found.next(), found.next()) {
            (Some((_, value)), None) => *value,
            _ => None,
        }
    }

    fn bind(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(name) => self.bindings.push((name.id.as_str(), value)),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.bind(elt, None);
                }
            }
            Expr::Starred(starred) => self.bind(&starred.value, None),
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Outputs<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return,
            Stmt::Return(returned) => match returned.value.as_deref() {
                Some(value) => self.returns.push(value),
                None => self.other_return = true,
            },
            Stmt::Assign(assign) => match &assign.targets[..] {
                [target] => self.bind(target, Some(&assign.value)),
                targets => targets.iter().for_each(|target| self.bind(target, None)),
            },
            Stmt::AnnAssign(assign) => self.bind(&assign.target, assign.value.as_deref()),
            Stmt::AugAssign(assign) => self.bind(&assign.target, None),
            Stmt::For(for_stmt) => self.bind(&for_stmt.target, None),
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(vars) = &item.optional_vars {
                        self.bind(vars, None);
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Yield(ast::ExprYield {
                value: Some(value), ..
            }) => self.yields.push(value),
            Expr::Yield(_) | Expr::YieldFrom(_) => self.other_yield = true,
            Expr::Named(named) => self.bind(&named.target, None),
            Expr::Lambda(_) => return,
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

/// The classes the resolver gives a SQLAlchemy engine on a SQLite database held in memory,
/// its session factory and its sessions (queries are `sqlalchemy._MemoryQuery`): not the
/// library's names, so no rule's table of I/O calls matches them.
const IN_MEMORY_SQLITE: [&str; 3] = [
    "sqlalchemy._MemoryEngine",
    "sqlalchemy._MemorySessionmaker",
    "sqlalchemy._MemorySession",
];

/// Whether a connection string's literal text (see [`literal_text`]) names a SQLite database
/// held in memory: `:memory:`, a `mode=memory` URI, or as a SQLAlchemy `url`, `sqlite://` or
/// one ending in `/:memory:`.
fn in_memory_sqlite(text: &str, url: bool) -> bool {
    if url && !text.starts_with("sqlite") {
        return false;
    }
    text == ":memory:"
        || text.contains("mode=memory")
        || (url && (text == "sqlite://" || text.ends_with("/:memory:")))
}

/// The literal text of a string or an f-string, with `{}` for what the f-string fills in.
fn literal_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_string()),
        Expr::FString(fstring) => Some(
            fstring
                .value
                .elements()
                .map(|element| match element {
                    ast::InterpolatedStringElement::Literal(literal) => &*literal.value,
                    ast::InterpolatedStringElement::Interpolation(_) => "{}",
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The names of a function's parameters.
pub(crate) fn parameter_names(def: &ast::StmtFunctionDef) -> impl Iterator<Item = &str> {
    def.parameters
        .iter()
        .map(|parameter| parameter.name().as_str())
}

/// Forgets what the names in `target` held (loop variables, unpacking).
pub(crate) fn bind_unknown<'a>(scope: &mut LocalScope<'a>, target: &'a Expr) {
    match target {
        Expr::Name(name) => scope.set(
            name.id.as_str(),
            LocalValue {
                binding: Binding::Unknown,
                expr: None,
            },
        ),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| bind_unknown(scope, elt)),
        Expr::List(list) => list.elts.iter().for_each(|elt| bind_unknown(scope, elt)),
        Expr::Starred(starred) => bind_unknown(scope, &starred.value),
        _ => {}
    }
}

fn binop_result(left: &Binding, op: Operator) -> Binding {
    let Some(class) = left.instance() else {
        return Binding::Unknown;
    };
    match op {
        Operator::Sub | Operator::BitOr | Operator::BitAnd | Operator::BitXor => match class {
            "builtins.set" | "builtins.dict_keys" | "builtins.dict_items" => {
                Binding::Instance("builtins.set".into())
            }
            "builtins.frozenset" => Binding::Instance("builtins.frozenset".into()),
            _ => Binding::Unknown,
        },
        Operator::Div if class.starts_with("pathlib.") => left.clone(),
        Operator::Add | Operator::Mult if class.starts_with("builtins.") => left.clone(),
        _ => Binding::Unknown,
    }
}

/// Whether a method is read as an attribute: `@property`, `@functools.cached_property`.
fn is_property(def: &ast::StmtFunctionDef) -> bool {
    def.decorator_list
        .iter()
        .any(|decorator| match &decorator.expression {
            Expr::Name(name) => matches!(name.id.as_str(), "property" | "cached_property"),
            Expr::Attribute(attribute) => attribute.attr.as_str() == "cached_property",
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn return_types_table_parses() {
        assert!(super::TYPES.returns.contains_key("sqlite3.connect"));
        assert!(super::TYPES.attributes.contains_key("pathlib.Path.parent"));
    }
}
