use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};
use tempolint_python::ParsedSource;
use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, Stmt};

use crate::binding::Binding;
use crate::imports::{Import, ImportTable};
use crate::resolve::Resolver;
use crate::scope::{LocalScope, LocalValue};

/// One file handed to the analysis: where it is, which module it is, and its parsed text.
pub struct SourceInput {
    /// The path as the user gave it (relative paths stay relative in reports).
    pub path: PathBuf,
    /// Dotted module name derived from the source roots.
    pub module_name: String,
    /// Whether the file is a package's `__init__.py`.
    pub is_package: bool,
    /// The longer name a shallower source root gives the file, which imports may use too:
    /// `src.shared` for `src/shared.py`, named `shared` under the root `src` when `src` is
    /// no package but `.` is a root as well (a namespace package, importable both ways).
    pub alias: Option<String>,
    pub source: ParsedSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);

/// What a module-level name is bound to by a definition in that module.
#[derive(Debug, Clone)]
pub enum Global<'a> {
    Function(FunctionId),
    Class(ClassId),
    /// `NAME = value` (the last such assignment at module level).
    Variable(&'a Expr),
    /// A name that branches of an `if` bind to other values (`if gemini: client =
    /// genai.Client()` / `else: client = OpenAI()`), with each value but `None`: which one
    /// holds is known only when they agree.
    Alternatives(Vec<&'a Expr>),
    /// `v1, apps = init_clients()`: item `place` of the `length` items `value` gives.
    Unpacked {
        value: &'a Expr,
        place: usize,
        length: usize,
    },
}

/// What [`Project::ancestry`] finds.
pub struct Ancestry<'p> {
    /// The class itself first, then its project ancestors.
    pub classes: Vec<ClassId>,
    /// Bases outside the project (`pydantic.BaseModel`, `builtins.object`).
    pub outside: Vec<&'p str>,
    /// Some base names nothing we can resolve.
    pub unresolved: bool,
}

/// How many classes [`Project::ancestry`] follows.
const MAX_ANCESTRY: usize = 16;

pub struct Module<'a> {
    pub input: &'a SourceInput,
    pub(crate) imports: ImportTable,
    pub globals: FxHashMap<&'a str, Global<'a>>,
    /// The annotations of module-level names declared without a value or as `None`
    /// (`_session: requests.Session | None = None`, set later by a function that declares it
    /// `global`): what the name holds once it is set.
    pub(crate) declared: FxHashMap<&'a str, &'a Expr>,
    /// Classes decorated `@workflow.defn` defined here.
    pub workflows: Vec<ClassId>,
    /// Whether the module defines an `@activity.defn` function or method.
    pub defines_activities: bool,
    /// Whether the module imports its own top-level package absolutely (`import antgent.x`
    /// in `antgent/workflows/text.py`): when that is a regular package, the module is
    /// imported from above it, so its other absolute imports are never found beside it or in
    /// an enclosing package.
    imports_own_top: bool,
    /// Whether the text holds `:=` anywhere: otherwise no expression of it binds a name, and
    /// [`FrameNames::of`](crate::scope::FrameNames::of) need not look into them.
    pub(crate) named_expressions: bool,
}

impl<'a> Module<'a> {
    pub fn name(&self) -> &'a str {
        &self.input.module_name
    }

    pub fn body(&self) -> &'a [Stmt] {
        &self.input.source.module().body
    }

    /// The local name under which this module imported `target` (`workflow` for
    /// `from temporalio import workflow`), if it did.
    pub fn local_name_for(&self, target: &str) -> Option<&str> {
        let mut names: Vec<&str> = self
            .imports
            .names
            .iter()
            .filter(|(_, import)| import.target == target)
            .map(|(local, _)| local.as_str())
            .collect();
        names.sort_unstable();
        names.first().copied()
    }

    /// Every module this module imports at its top level, with the import statement.
    pub fn imported_modules(&self) -> impl Iterator<Item = &Import> {
        self.imports.modules.iter()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// Any function or method with no Temporal role of its own.
    Plain,
    /// An instance method of a `@workflow.defn` class (workflow context by definition).
    WorkflowMethod,
    /// An `@activity.defn` function or method.
    Activity { is_async: bool },
}

pub struct Function<'a> {
    pub module: ModuleId,
    pub class: Option<ClassId>,
    pub qualified_name: String,
    pub def: &'a ast::StmtFunctionDef,
    pub kind: FunctionKind,
    /// For a definition made inside a function (an activity a factory makes around its
    /// dependencies), that function: its local names are the definition's closure.
    pub enclosing: Option<FunctionId>,
}

impl Function<'_> {
    /// Whether it is a `@classmethod` or `@staticmethod`.
    pub fn is_class_or_static(&self) -> bool {
        self.def.decorator_list.iter().any(|decorator| {
            matches!(&decorator.expression, Expr::Name(name)
                if matches!(name.id.as_str(), "classmethod" | "staticmethod"))
        })
    }
}

pub struct Class<'a> {
    pub module: ModuleId,
    pub qualified_name: String,
    pub def: &'a ast::StmtClassDef,
    pub methods: FxHashMap<&'a str, FunctionId>,
    /// Canonical names of the base classes that resolve.
    pub bases: Vec<String>,
    /// `Some(sandboxed)` for a `@workflow.defn` class.
    pub workflow: Option<bool>,
    /// Types of `self.<name>` assigned in any method, or declared as a field in the body.
    pub attributes: FxHashMap<String, Binding>,
    /// Types of the names the body assigns a value (`session: Session = field(…)` on a
    /// dataclass, `client = httpx.Client()`): what an instance reads where no method assigns
    /// the name. Apart from `attributes`, which say what each instance holds itself.
    pub class_values: FxHashMap<String, Binding>,
}

/// The whole project: modules, functions and classes with indexes by canonical name.
pub struct Project<'a> {
    pub modules: Vec<Module<'a>>,
    pub functions: Vec<Function<'a>>,
    pub classes: Vec<Class<'a>>,
    module_index: FxHashMap<&'a str, ModuleId>,
    function_index: FxHashMap<String, FunctionId>,
    class_index: FxHashMap<String, ClassId>,
    /// First segments of every module name (`pkg` for `pkg.flows`).
    top_level_packages: FxHashSet<&'a str>,
    /// Every segment of every module name: an import whose first segment is none of them
    /// cannot land in the project.
    module_segments: FxHashSet<&'a str>,
    /// Every package that holds a project module, with or without an `__init__.py`
    /// (`app.activities` for `app/activities/models.py`).
    packages: FxHashSet<&'a str>,
    /// The modules by their longer names (see [`SourceInput::alias`]).
    aliases: FxHashMap<&'a str, ModuleId>,
}

/// The Temporal SDK's package. Its names always mean the built-in model of the SDK, even when
/// the project holds a `temporalio/` package of its own (the SDK's repository, a vendored copy,
/// a fork): following that package's re-exports would turn `workflow.defn` into
/// `temporalio.workflow._definition.defn`, and every workflow of the project would be lost.
/// Its files are still checked as code; only name resolution into them is off.
const SDK_PACKAGE: &str = "temporalio";

fn is_sdk_module(name: &str) -> bool {
    name.strip_prefix(SDK_PACKAGE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

impl<'a> Project<'a> {
    pub fn build(inputs: &'a [SourceInput]) -> Self {
        let mut project = Project {
            modules: Vec::with_capacity(inputs.len()),
            functions: Vec::new(),
            classes: Vec::new(),
            module_index: FxHashMap::default(),
            function_index: FxHashMap::default(),
            class_index: FxHashMap::default(),
            top_level_packages: inputs
                .iter()
                .map(|input| input.module_name.split('.').next().unwrap_or_default())
                .filter(|top| *top != SDK_PACKAGE)
                .collect(),
            module_segments: inputs
                .iter()
                .flat_map(|input| input.module_name.split('.'))
                .collect(),
            packages: inputs
                .iter()
                .flat_map(|input| {
                    let name = input.module_name.as_str();
                    name.match_indices('.').map(move |(dot, _)| &name[..dot])
                })
                .collect(),
            aliases: FxHashMap::default(),
        };
        // Each module's imports and definitions are its own: collected in parallel, numbered
        // from zero, then joined in input order (so ids and index precedence do not depend on
        // the threads).
        let parts: Vec<(ImportTable, Definitions<'a>)> = {
            use rayon::prelude::*;
            inputs
                .par_iter()
                .map(|input| {
                    let body = &input.source.module().body;
                    let imports = ImportTable::collect(&input.module_name, input.is_package, body);
                    let mut definitions = Definitions::default();
                    definitions.collect_globals(&input.module_name, body);
                    (imports, definitions)
                })
                .collect()
        };
        // `config.py` beside a package `config/`: Python imports the package, so the module's
        // names reach nothing.
        let packages: FxHashSet<(&str, &Path)> = inputs
            .iter()
            .filter(|input| input.is_package)
            .filter_map(|input| Some((input.module_name.as_str(), input.path.parent()?)))
            .collect();
        for (input, (imports, definitions)) in inputs.iter().zip(parts) {
            let shadowed = !input.is_package
                && packages.contains(&(input.module_name.as_str(), &input.path.with_extension("")));
            project.add_module(input, imports, definitions, shadowed);
        }
        project.resolve_imports();
        project.classify();
        project.infer_attributes();
        project
    }

    fn add_module(
        &mut self,
        input: &'a SourceInput,
        imports: ImportTable,
        definitions: Definitions<'a>,
        shadowed: bool,
    ) {
        let id = ModuleId(self.modules.len() as u32);
        let function_offset = self.functions.len() as u32;
        let class_offset = self.classes.len() as u32;
        let function = |local: FunctionId| FunctionId(local.0 + function_offset);
        let class = |local: ClassId| ClassId(local.0 + class_offset);
        for mut data in definitions.functions {
            data.module = id;
            data.class = data.class.map(class);
            data.enclosing = data.enclosing.map(function);
            let global = FunctionId(self.functions.len() as u32);
            if !shadowed {
                self.function_index
                    .entry(data.qualified_name.clone())
                    .or_insert(global);
            }
            self.functions.push(data);
        }
        for mut data in definitions.classes {
            data.module = id;
            for method in data.methods.values_mut() {
                *method = function(*method);
            }
            let global = ClassId(self.classes.len() as u32);
            if !shadowed {
                self.class_index
                    .entry(data.qualified_name.clone())
                    .or_insert(global);
            }
            self.classes.push(data);
        }
        let globals = definitions
            .globals
            .into_iter()
            .map(|(name, global)| {
                let global = match global {
                    Global::Function(local) => Global::Function(function(local)),
                    Global::Class(local) => Global::Class(class(local)),
                    variable @ (Global::Variable(_)
                    | Global::Alternatives(_)
                    | Global::Unpacked { .. }) => variable,
                };
                (name, global)
            })
            .collect();
        if !is_sdk_module(&input.module_name) && !shadowed {
            self.module_index.entry(&input.module_name).or_insert(id);
            if let Some(alias) = input.alias.as_deref() {
                self.aliases.entry(alias).or_insert(id);
            }
        }
        let top = top_package_name(&input.module_name);
        let imports_own_top = module_top(&input.module_name) != input.module_name
            && imports.modules.iter().any(|import| {
                !import.relative
                    && import.target.split('.').next() == Some(top)
                    && import.target.contains('.')
            });
        self.modules.push(Module {
            input,
            imports,
            globals,
            declared: definitions.declared,
            workflows: Vec::new(),
            defines_activities: false,
            imports_own_top,
            named_expressions: input.source.text().contains(":="),
        });
    }

    /// Marks workflow classes, their methods, and activities; resolves class bases.
    fn classify(&mut self) {
        let mut workflow_classes = Vec::new();
        let mut bases = Vec::new();
        for (index, class) in self.classes.iter().enumerate() {
            let resolver = Resolver::new(self, class.module);
            let scope = LocalScope::default();
            let workflow = class.def.decorator_list.iter().find_map(|decorator| {
                let call = match &decorator.expression {
                    Expr::Call(call) => Some(call),
                    _ => None,
                };
                (self
                    .sdk_decorator(class.module, decorator)
                    .is_some_and(|(symbol, _)| symbol == "temporalio.workflow.defn"))
                .then(|| {
                    !call.is_some_and(|call| {
                        call.arguments.find_keyword("sandboxed").is_some_and(|keyword| {
                            matches!(&keyword.value, Expr::BooleanLiteral(literal) if !literal.value)
                        })
                    })
                })
            });
            if let Some(sandboxed) = workflow {
                workflow_classes.push((ClassId(index as u32), sandboxed));
            }
            let class_bases: Vec<String> = class
                .def
                .bases()
                .iter()
                .filter_map(|base| resolver.resolve(base, &scope).symbol().map(str::to_string))
                .collect();
            bases.push(class_bases);
        }
        let mut activities = Vec::new();
        for (index, function) in self.functions.iter().enumerate() {
            let is_activity = function.def.decorator_list.iter().any(|decorator| {
                self.sdk_decorator(function.module, decorator)
                    .is_some_and(|(symbol, _)| symbol == "temporalio.activity.defn")
            });
            if is_activity {
                activities.push((FunctionId(index as u32), function.def.is_async));
            }
        }
        for (class, class_bases) in self.classes.iter_mut().zip(bases) {
            class.bases = class_bases;
        }
        let inherited = self.inherited_handlers(&workflow_classes);
        for (id, sandboxed) in workflow_classes {
            let class = &mut self.classes[id.0 as usize];
            class.workflow = Some(sandboxed);
            let module = class.module;
            let methods: Vec<FunctionId> = class.methods.values().copied().collect();
            self.modules[module.0 as usize].workflows.push(id);
            for method in methods {
                // A class or static method runs wherever it is called (worker set-up code
                // listing the activities, say); the workflow's own calls of it are followed.
                let function = &mut self.functions[method.0 as usize];
                if !function.is_class_or_static() {
                    function.kind = FunctionKind::WorkflowMethod;
                }
            }
        }
        for method in inherited {
            self.functions[method.0 as usize].kind = FunctionKind::WorkflowMethod;
        }
        for module in &mut self.modules {
            module.workflows.sort();
        }
        for (id, is_async) in activities {
            let function = &mut self.functions[id.0 as usize];
            function.kind = FunctionKind::Activity { is_async };
            self.modules[function.module.0 as usize].defines_activities = true;
        }
    }

    /// The handlers workflows inherit from project classes that are no workflows themselves
    /// (`@workflow.signal` on a shared `BaseDeployment`): the SDK registers them as the
    /// workflow's own. Only names one class of the ancestry defines: an override decides
    /// which one runs.
    fn inherited_handlers(&self, workflows: &[(ClassId, bool)]) -> Vec<FunctionId> {
        const HANDLERS: &[&str] = &[
            "temporalio.workflow.run",
            "temporalio.workflow.signal",
            "temporalio.workflow.update",
            "temporalio.workflow.query",
        ];
        let mut inherited = Vec::new();
        for (workflow, _) in workflows {
            let ancestry = self.ancestry(*workflow);
            let mut defined: FxHashMap<&str, Vec<FunctionId>> = FxHashMap::default();
            for class in &ancestry.classes {
                for (name, method) in &self.class(*class).methods {
                    defined.entry(name).or_default().push(*method);
                }
            }
            for methods in defined.values() {
                let [method] = methods[..] else {
                    continue;
                };
                let function = self.function(method);
                // A base that is a workflow itself has its own methods classified.
                let inherits = function
                    .class
                    .is_some_and(|class| !workflows.iter().any(|(other, _)| *other == class));
                let handler = function.def.decorator_list.iter().any(|decorator| {
                    self.sdk_decorator(function.module, decorator)
                        .is_some_and(|(symbol, _)| HANDLERS.contains(&symbol.as_str()))
                });
                if inherits && handler && !function.is_class_or_static() {
                    inherited.push(method);
                }
            }
        }
        inherited.sort_unstable();
        inherited.dedup();
        inherited
    }

    /// The SDK decorator `decorator` applies (`temporalio.workflow.defn`), and whether it does
    /// so through a project function that wraps it (`def workflow_defn(cls): return cast(T,
    /// workflow.defn(cls))`, or a factory whose inner decorator applies it): then the
    /// decorator's own arguments are the wrapper's, not the SDK's.
    pub fn sdk_decorator(
        &self,
        module: ModuleId,
        decorator: &ast::Decorator,
    ) -> Option<(String, bool)> {
        let callee = match &decorator.expression {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        let resolver = Resolver::new(self, module);
        let symbol = resolver
            .resolve(callee, &LocalScope::default())
            .symbol()?
            .to_string();
        if symbol.starts_with("temporalio.") {
            return Some((symbol, false));
        }
        let wrapper = self.function(self.function_by_name(&symbol)?);
        let mut calls = SdkCalls {
            resolver: Resolver::new(self, wrapper.module),
            found: None,
        };
        calls.visit_body(&wrapper.def.body);
        calls.found.map(|symbol| (symbol, true))
    }

    /// Records the type of every `self.<attr> = value` assignment in a class's methods, and of
    /// every field its body declares.
    fn infer_attributes(&mut self) {
        use rayon::prelude::*;
        // What class bodies assign first: methods read them (`settings.data_dir / "x"`).
        let values: Vec<FxHashMap<String, Binding>> = (0..self.classes.len())
            .into_par_iter()
            .map(|class| self.class_values(ClassId(class as u32)))
            .collect();
        for (class, values) in self.classes.iter_mut().zip(values) {
            class.class_values = values;
        }
        let first: Vec<(FxHashMap<String, Binding>, bool)> = (0..self.classes.len())
            .into_par_iter()
            .map(|class| self.class_attributes(ClassId(class as u32), FxHashMap::default(), true))
            .collect();
        let mut retry = Vec::new();
        for (index, (attributes, again)) in first.into_iter().enumerate() {
            self.classes[index].attributes = attributes;
            if again {
                retry.push(index);
            }
        }
        // What reads another attribute of `self`, once the first pass has typed them all.
        let second: Vec<(usize, FxHashMap<String, Binding>)> = retry
            .into_par_iter()
            .map(|class| {
                let known = self.classes[class].attributes.clone();
                (
                    class,
                    self.class_attributes(ClassId(class as u32), known, false).0,
                )
            })
            .collect();
        for (class, attributes) in second {
            self.classes[class].attributes = attributes;
        }
    }

    /// The types `class`'s methods assign to attributes of `self`, added to `known`; whether
    /// some are left unknown that read other attributes of `self` (all such are, when
    /// `defer_self_reads`: before the first pass has typed them, `self.client.Table(…)` would
    /// resolve against nothing).
    fn class_attributes(
        &self,
        class: ClassId,
        mut known: FxHashMap<String, Binding>,
        defer_self_reads: bool,
    ) -> (FxHashMap<String, Binding>, bool) {
        let data = self.class(class);
        let resolver = Resolver::new(self, data.module);
        let mut methods: Vec<FunctionId> = data.methods.values().copied().collect();
        methods.sort();
        let mut retry = false;
        for method in methods {
            let def = self.functions[method.0 as usize].def;
            let mut scope = LocalScope::default();
            resolver.enter_project_function(&mut scope, method);
            retry |= collect_self_assignments(
                &resolver,
                &mut scope,
                &def.body,
                &mut known,
                defer_self_reads,
            );
        }
        // The fields the class body declares without a value (`data_source: str` on a
        // dataclass or a pydantic model), where no method assigns something more precise. One
        // with a value may be a class attribute every instance shares (`counts: dict = {}`).
        for stmt in &data.def.body {
            if let Stmt::AnnAssign(field) = stmt
                && field.value.is_none()
                && let Expr::Name(name) = &*field.target
                && resolver.annotation_qualifier(&field.annotation).is_none()
            {
                let binding = resolver.annotation_type(&field.annotation, &LocalScope::default());
                if binding != Binding::Unknown {
                    known.entry(name.id.as_str().to_string()).or_insert(binding);
                }
            }
        }
        (known, retry)
    }

    /// The types of the objects `class`'s body assigns to names: what the annotation
    /// declares, else what the value makes.
    fn class_values(&self, class: ClassId) -> FxHashMap<String, Binding> {
        let data = self.class(class);
        let resolver = Resolver::new(self, data.module);
        let scope = LocalScope::default();
        let mut values = FxHashMap::default();
        for stmt in &data.def.body {
            let (target, value, annotation) = match stmt {
                Stmt::Assign(assign) => match assign.targets.as_slice() {
                    [target] => (target, &*assign.value, None),
                    _ => continue,
                },
                Stmt::AnnAssign(assign) => match &assign.value {
                    Some(value) => (&*assign.target, &**value, Some(&*assign.annotation)),
                    None => continue,
                },
                _ => continue,
            };
            let Expr::Name(name) = target else {
                continue;
            };
            // The annotation first: a field's value is often a specifier (`Field(…)`).
            let declared =
                annotation.map(|annotation| resolver.annotation_type(annotation, &scope));
            let binding = match declared {
                Some(Binding::Instance(class)) => Binding::Instance(class),
                _ => resolver.resolve(value, &scope),
            };
            // Only objects: a function stored on the class is a method when an instance
            // reads it.
            if matches!(binding, Binding::Instance(_)) {
                values.insert(name.id.as_str().to_string(), binding);
            }
        }
        values
    }

    pub fn module(&self, id: ModuleId) -> &Module<'a> {
        &self.modules[id.0 as usize]
    }

    /// Every module `def`'s body (in `module`) imports when it runs (`from .activities import
    /// charge` written inside a method), resolved as the module's own imports are; not
    /// counting the bodies of functions it defines.
    pub fn imports_in(&self, module: ModuleId, def: &ast::StmtFunctionDef) -> Vec<Import> {
        let data = self.module(module);
        let mut imports =
            data.imports
                .collect_within(&data.input.module_name, data.input.is_package, &def.body);
        for import in &mut imports {
            import.target = self.resolve_import(module, import);
        }
        imports
    }

    pub fn function(&self, id: FunctionId) -> &Function<'a> {
        &self.functions[id.0 as usize]
    }

    pub fn class(&self, id: ClassId) -> &Class<'a> {
        &self.classes[id.0 as usize]
    }

    pub fn module_by_name(&self, name: &str) -> Option<ModuleId> {
        self.module_index.get(name).copied()
    }

    /// Whether `module` is imported from above its top-level package: that is a regular
    /// package (`antgent/__init__.py`), which the module imports by its full name.
    fn rooted_at_top(&self, module: &Module) -> bool {
        module.imports_own_top && self.is_regular_package(module_top(module.name()))
    }

    /// Whether `name` is a package with an `__init__.py`.
    fn is_regular_package(&self, name: &str) -> bool {
        self.module_by_name(name)
            .is_some_and(|package| self.module(package).input.is_package)
    }

    /// Whether some project module's name starts with the package `top`.
    pub fn has_top_level_package(&self, top: &str) -> bool {
        self.top_level_packages.contains(top)
    }

    /// The value last assigned at the top level of `module` to `name`, or to the module
    /// variable `name` imports (`from app.constants import DEFAULT_TIMEZONE`), through
    /// re-exports and star imports (`from .constants import *` in a package's `__init__`),
    /// with the module that holds it.
    pub fn constant(&self, module: ModuleId, name: &str) -> Option<(ModuleId, &'a Expr)> {
        self.constant_at(module, name, 0)
    }

    /// [`Self::constant`], `depth` imports deep (modules may import each other in a cycle).
    fn constant_at(&self, module: ModuleId, name: &str, depth: u8) -> Option<(ModuleId, &'a Expr)> {
        if depth > 8 {
            return None;
        }
        let data = self.module(module);
        match data.globals.get(name) {
            Some(Global::Variable(value)) => Some((module, *value)),
            Some(_) => None,
            None => {
                if let Some(import) = data.imports.names.get(name) {
                    let (from, constant) = import.target.rsplit_once('.')?;
                    return self.constant_at(self.module_by_name(from)?, constant, depth + 1);
                }
                // A star import brings no `_private` name; the last one to define it wins.
                if name.starts_with('_') {
                    return None;
                }
                data.imports.star_modules.iter().rev().find_map(|star| {
                    self.constant_at(self.module_by_name(&star.target)?, name, depth + 1)
                })
            }
        }
    }

    pub fn class_by_name(&self, name: &str) -> Option<ClassId> {
        self.class_index.get(name).copied()
    }

    /// The project function a canonical name denotes: `mod.func`, `mod.Class.method`
    /// (looked up along project base classes).
    pub fn function_by_name(&self, name: &str) -> Option<FunctionId> {
        if let Some(id) = self.function_index.get(name) {
            return Some(*id);
        }
        let (class_name, method) = name.rsplit_once('.')?;
        self.method_of(self.class_by_name(class_name)?, method, 0)
    }

    /// `class` and the project classes it derives from, and the bases outside the project they
    /// name (`builtins.object` among them); whether some base does not resolve at all.
    pub fn ancestry(&self, class: ClassId) -> Ancestry<'_> {
        let mut ancestry = Ancestry {
            classes: Vec::new(),
            outside: Vec::new(),
            unresolved: false,
        };
        let mut queue = vec![class];
        while let Some(class) = queue.pop() {
            // Bounded: a project may name a cycle of bases, or a very deep one.
            if ancestry.classes.contains(&class) || ancestry.classes.len() >= MAX_ANCESTRY {
                continue;
            }
            ancestry.classes.push(class);
            let data = self.class(class);
            ancestry.unresolved |= data.def.bases().len() != data.bases.len();
            for base in &data.bases {
                match self.class_by_name(base) {
                    Some(base) => queue.push(base),
                    None => ancestry.outside.push(base.as_str()),
                }
            }
        }
        ancestry
    }

    /// A method of a class or of its project bases.
    pub fn method_of(&self, class: ClassId, method: &str, depth: u8) -> Option<FunctionId> {
        let class = self.class(class);
        if let Some(id) = class.methods.get(method) {
            return Some(*id);
        }
        if depth > 8 {
            return None;
        }
        class.bases.iter().find_map(|base| {
            self.class_by_name(base)
                .and_then(|base| self.method_of(base, method, depth + 1))
        })
    }

    /// Rewrites a dotted name that goes through a project module's imports or re-exports
    /// into the name of the definition it reaches (`pkg.stamp` -> `pkg.helpers.stamp`).
    pub fn canonicalize(&self, name: &str) -> String {
        self.canonicalize_at(name, 0)
    }

    /// [`Self::canonicalize`], `depth` star imports deep: a module that star-imports itself
    /// (`from helpers import *` in `helpers.py`) must not recurse without end.
    fn canonicalize_at(&self, name: &str, depth: u8) -> String {
        let mut current = name.to_string();
        if depth > 8 {
            return current;
        }
        for _ in 0..8 {
            let Some(next) = self.follow_reexport(&current, depth) else {
                break;
            };
            current = next;
        }
        current
    }

    fn follow_reexport(&self, name: &str, depth: u8) -> Option<String> {
        // Names outside the project's packages (`datetime.datetime.now`) have nothing to follow.
        if !self.has_top_level_package(name.split('.').next().unwrap_or(name)) {
            return None;
        }
        let mut split = name.len();
        loop {
            let prefix = &name[..split];
            if let Some(module) = self.module_by_name(prefix) {
                if split == name.len() {
                    return None;
                }
                let rest = &name[split + 1..];
                let (first, tail) = rest
                    .split_once('.')
                    .map_or((rest, None), |(f, t)| (f, Some(t)));
                let module = self.module(module);
                if module.globals.contains_key(first) {
                    return None;
                }
                let target = if let Some(import) = module.imports.names.get(first) {
                    import.target.clone()
                } else {
                    module.imports.star_modules.iter().find_map(|star| {
                        let candidate = format!("{}.{first}", star.target);
                        let canonical = self.canonicalize_at(&candidate, depth + 1);
                        (self.function_by_name(&canonical).is_some()
                            || self.class_by_name(&canonical).is_some())
                        .then_some(canonical)
                    })?
                };
                return Some(match tail {
                    Some(tail) => format!("{target}.{tail}"),
                    None => target,
                });
            }
            split = prefix.rfind('.')?;
        }
    }

    /// Where an absolute import written in `from` lands in the project: the importer's own
    /// folder comes first (a script's folder is on `sys.path`, so `from activities import x`
    /// finds the sibling file), then each enclosing package, then the top level.
    fn resolve_import(&self, from: ModuleId, import: &Import) -> String {
        let target = import.target.as_str();
        if import.relative {
            return target.to_string();
        }
        let first = target.split('.').next().unwrap_or(target);
        if !self.aliases.is_empty()
            && !self.module_segments.contains(first)
            && let Some(canonical) = self.unaliased(target)
        {
            return canonical;
        }
        let module = self.module(from);
        let mut base = tempolint_python::package_of(module.name(), module.input.is_package);
        // `temporalio` is the SDK's model even beside a project copy (see `SDK_PACKAGE`).
        if first == SDK_PACKAGE || !self.module_segments.contains(first) {
            return target.to_string();
        }
        // `import logging` in `app/utils/logging.py` or beside it is the standard library's:
        // a project module of that name is found only at the top level, where it shadows it.
        if is_stdlib_module(first) {
            return target.to_string();
        }
        // And a module imported from above its package finds nothing beside it: only what is
        // at the top (or in the one service folder that has it).
        if first != top_package_name(module.name()) && self.rooted_at_top(module) {
            return if self.lands(target) {
                target.to_string()
            } else {
                self.in_named_folder(target)
            };
        }
        // The first enclosing package holding the first segment, unless the whole name lands
        // elsewhere: in a Django tree checked from above (`backend/backend/__init__.py`),
        // `backend.temporal.helpers` is that module, not `backend.backend.temporal.helpers`.
        let mut first_match = None;
        // Under a namespace top package that the module imports by its full name, the module
        // is imported from above that package: no regular package on the way is a folder on
        // `sys.path` (`ein_agent_worker/workflows/agents/` is no `from agents import Agent`),
        // though a namespace folder may be a source root (a Django `backend/`).
        let from_above =
            module.imports_own_top && !self.is_regular_package(module_top(module.name()));
        // One buffer for every candidate: this runs for each import of each module.
        let mut candidate = String::with_capacity(base.len() + 1 + target.len());
        while !base.is_empty() {
            candidate.clear();
            candidate.push_str(base);
            candidate.push('.');
            candidate.push_str(first);
            // A namespace package (no `__init__.py`) is no module of its own, but holds some.
            if !(from_above && self.is_regular_package(base))
                && (self.module_by_name(&candidate).is_some()
                    || self.packages.contains(candidate.as_str()))
            {
                candidate.truncate(base.len() + 1);
                candidate.push_str(target);
                if self.lands(&candidate) {
                    return candidate;
                }
                first_match.get_or_insert_with(|| candidate.clone());
            }
            base = base.rsplit_once('.').map_or("", |(parent, _)| parent);
        }
        if self.lands(target) {
            return target.to_string();
        }
        first_match.unwrap_or_else(|| self.in_named_folder(target))
    }

    /// Where `target` lands among the modules of folders that are no package, named with
    /// the folder in front (`svc-a.app.core`, when two such folders hold an `app`): the one
    /// folder that has it (a shared library beside the services), else `target` as written.
    fn in_named_folder(&self, target: &str) -> String {
        let mut landing = self
            .top_level_packages
            .iter()
            .filter(|top| !tempolint_python::is_identifier(top))
            .map(|folder| format!("{folder}.{target}"))
            .filter(|name| self.lands(name));
        match (landing.next(), landing.next()) {
            (Some(name), None) => name,
            _ => target.to_string(),
        }
    }

    /// The names an import statement inside a function of `from` binds, each with what it
    /// stands for, resolved as a module-level import is (relative imports and re-exports
    /// included).
    pub fn local_import_bindings<'s>(
        &self,
        from: ModuleId,
        stmt: &'s Stmt,
    ) -> Vec<(&'s str, String)> {
        // Through re-exports too (`from pkg.reports import run_report`, which
        // `pkg/reports/__init__.py` imports from `pkg.reports.runner`).
        let resolve = |target: String, relative: bool| {
            self.canonicalize(&self.resolve_import(
                from,
                &Import {
                    target,
                    passed_through: false,
                    range: tempolint_python::TextRange::default(),
                    relative,
                },
            ))
        };
        match stmt {
            Stmt::Import(import) => import
                .names
                .iter()
                .map(|alias| {
                    let full = alias.name.as_str();
                    if let Some(asname) = &alias.asname {
                        (asname.as_str(), resolve(full.to_string(), false))
                    } else {
                        let first = full.split('.').next().unwrap_or(full);
                        (first, resolve(first.to_string(), false))
                    }
                })
                .collect(),
            Stmt::ImportFrom(import) => {
                let module = self.module(from);
                let Some(base) =
                    crate::imports::resolve_from(module.name(), module.input.is_package, import)
                else {
                    return Vec::new();
                };
                import
                    .names
                    .iter()
                    .map(|alias| {
                        let local = alias
                            .asname
                            .as_ref()
                            .map_or(alias.name.as_str(), |asname| asname.as_str());
                        let target = if base.is_empty() {
                            alias.name.to_string()
                        } else {
                            format!("{base}.{}", alias.name)
                        };
                        (local, resolve(target, import.level > 0))
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// `target` with its longest leading module alias replaced by the module's own name
    /// (`src.shared.JobInput` -> `shared.JobInput`), when it has one.
    fn unaliased(&self, target: &str) -> Option<String> {
        let mut end = target.len();
        loop {
            if let Some(module) = self.aliases.get(&target[..end]) {
                return Some(format!("{}{}", self.module(*module).name(), &target[end..]));
            }
            end = target[..end].rfind('.')?;
        }
    }

    /// Whether a dotted name is a project module or package, or a name in a project module
    /// (`from pkg.mod import name`).
    fn lands(&self, name: &str) -> bool {
        self.module_by_name(name).is_some()
            || self.packages.contains(name)
            || name
                .rsplit_once('.')
                .is_some_and(|(parent, _)| self.module_by_name(parent).is_some())
    }

    /// Rewrites every module's import targets to the project modules they land in.
    fn resolve_imports(&mut self) {
        use rayon::prelude::*;
        type Resolved = (Vec<(String, String)>, Vec<String>, Vec<String>);
        let this = &*self;
        let all: Vec<Resolved> = (0..this.modules.len())
            .into_par_iter()
            .map(|index| {
                let id = ModuleId(index as u32);
                let imports = &this.modules[index].imports;
                let names = imports
                    .names
                    .iter()
                    .map(|(local, import)| (local.clone(), this.resolve_import(id, import)))
                    .collect();
                let modules = imports
                    .modules
                    .iter()
                    .map(|import| this.resolve_import(id, import))
                    .collect();
                let stars = imports
                    .star_modules
                    .iter()
                    .map(|star| this.resolve_import(id, star))
                    .collect();
                (names, modules, stars)
            })
            .collect();
        for (module, (names, modules, stars)) in self.modules.iter_mut().zip(all) {
            let imports = &mut module.imports;
            for (local, target) in names {
                if let Some(import) = imports.names.get_mut(&local) {
                    import.target = target;
                }
            }
            for (import, target) in imports.modules.iter_mut().zip(modules) {
                import.target = target;
            }
            for (star, target) in imports.star_modules.iter_mut().zip(stars) {
                star.target = target;
            }
        }
    }
}

/// Whether a decorator is spelled `….defn` or `….defn(…)` (what `classify` may resolve to
/// `activity.defn`).
/// The SDK's decorators of workflows, their handlers and activities.
const SDK_DECORATORS: &[&str] = &[
    "temporalio.workflow.defn",
    "temporalio.workflow.run",
    "temporalio.workflow.signal",
    "temporalio.workflow.query",
    "temporalio.workflow.update",
    "temporalio.workflow.init",
    "temporalio.activity.defn",
];

/// The first SDK decorator a body calls or applies, nested functions included.
struct SdkCalls<'p, 'a> {
    resolver: Resolver<'p, 'a>,
    found: Option<String>,
}

impl SdkCalls<'_, '_> {
    /// Records `callee` when it names an SDK decorator; whether it does.
    fn found_in(&mut self, callee: &Expr) -> bool {
        let resolved = self.resolver.resolve(callee, &LocalScope::default());
        match resolved.symbol() {
            Some(symbol) if SDK_DECORATORS.contains(&symbol) => {
                self.found = Some(symbol.to_string());
                true
            }
            _ => false,
        }
    }
}

impl<'b> Visitor<'b> for SdkCalls<'_, '_> {
    /// `@workflow.run` on the function a wrapper makes and returns.
    fn visit_decorator(&mut self, decorator: &'b ast::Decorator) {
        if self.found.is_none() && !self.found_in(&decorator.expression) {
            visitor::walk_decorator(self, decorator);
        }
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        if self.found.is_some() {
            return;
        }
        if let Expr::Call(call) = expr
            && self.found_in(&call.func)
        {
            return;
        }
        visitor::walk_expr(self, expr);
    }
}

/// `@classmethod` or `@staticmethod`.
/// The functions, classes and module-level names one module defines, numbered from zero
/// within the module (the module's id is set when it joins the project).
#[derive(Default)]
struct Definitions<'a> {
    functions: Vec<Function<'a>>,
    classes: Vec<Class<'a>>,
    globals: FxHashMap<&'a str, Global<'a>>,
    declared: FxHashMap<&'a str, &'a Expr>,
    /// Whether the statements collected now run only in one branch of an `if`.
    in_branch: bool,
}

impl<'a> Definitions<'a> {
    /// Binds `name` to `value`: in place of what it held, unless this runs in a branch of an
    /// `if` and the name held another value, which stays an alternative.
    fn bind_variable(&mut self, name: &'a str, value: &'a Expr) {
        let earlier = match self.globals.get(name) {
            Some(Global::Variable(earlier)) if self.in_branch => vec![*earlier],
            Some(Global::Alternatives(earlier)) if self.in_branch => earlier.clone(),
            _ => Vec::new(),
        };
        let mut values: Vec<&'a Expr> = earlier
            .into_iter()
            .chain([value])
            .filter(|value| !value.is_none_literal_expr())
            .collect();
        let global = match values.len() {
            0 => Global::Variable(value),
            1 => Global::Variable(values.remove(0)),
            _ => Global::Alternatives(values),
        };
        self.globals.insert(name, global);
    }

    /// The module variables `target = value` binds: a name, or the names of a tuple (`a, b =
    /// X(), Y()` item by item, `a, b = make()` by their places in what it gives).
    fn collect_target(&mut self, target: &'a Expr, value: &'a Expr) {
        match (target, value) {
            (Expr::Name(name), _) => self.bind_variable(name.id.as_str(), value),
            (Expr::Tuple(targets), Expr::Tuple(values))
                if targets.elts.len() == values.elts.len() =>
            {
                for (target, value) in targets.elts.iter().zip(&values.elts) {
                    self.collect_target(target, value);
                }
            }
            (Expr::Tuple(targets), _) => {
                for (place, target) in targets.elts.iter().enumerate() {
                    if let Expr::Name(name) = target {
                        self.globals.insert(
                            name.id.as_str(),
                            Global::Unpacked {
                                value,
                                place,
                                length: targets.elts.len(),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn collect_globals(&mut self, module_name: &str, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(def) => {
                    let id = self.add_function(None, format!("{module_name}.{}", def.name), def);
                    self.globals.insert(def.name.as_str(), Global::Function(id));
                    self.add_nested_definitions(id, &def.body);
                }
                Stmt::ClassDef(class) => {
                    let id = self.add_class(module_name, class);
                    self.globals.insert(class.name.as_str(), Global::Class(id));
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        self.collect_target(target, &assign.value);
                    }
                }
                Stmt::AnnAssign(assign) => {
                    let Expr::Name(name) = &*assign.target else {
                        continue;
                    };
                    if let Some(value) = &assign.value {
                        self.bind_variable(name.id.as_str(), value);
                    }
                    if assign
                        .value
                        .as_deref()
                        .is_none_or(Expr::is_none_literal_expr)
                    {
                        self.declared.insert(name.id.as_str(), &assign.annotation);
                    }
                }
                Stmt::If(if_stmt) => {
                    let in_branch = std::mem::replace(&mut self.in_branch, true);
                    self.collect_globals(module_name, &if_stmt.body);
                    for clause in &if_stmt.elif_else_clauses {
                        self.collect_globals(module_name, &clause.body);
                    }
                    self.in_branch = in_branch;
                }
                Stmt::Try(try_stmt) => {
                    self.collect_globals(module_name, &try_stmt.body);
                    self.collect_globals(module_name, &try_stmt.orelse);
                }
                Stmt::With(with) => self.collect_globals(module_name, &with.body),
                _ => {}
            }
        }
    }

    fn add_function(
        &mut self,
        class: Option<ClassId>,
        qualified_name: String,
        def: &'a ast::StmtFunctionDef,
    ) -> FunctionId {
        let id = FunctionId(self.functions.len() as u32);
        self.functions.push(Function {
            module: ModuleId(0),
            class,
            qualified_name,
            def,
            kind: FunctionKind::Plain,
            enclosing: None,
        });
        id
    }

    /// Adds the functions `enclosing`'s body defines with a `…defn` decorator (`activity.defn`
    /// on a function a factory makes and returns): `classify` decides what they are. Other
    /// nested functions stay part of the body that defines them.
    fn add_nested_definitions(&mut self, enclosing: FunctionId, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(def) if def.decorator_list.iter().any(names_defn) => {
                    let name = format!(
                        "{}.<locals>.{}",
                        self.functions[enclosing.0 as usize].qualified_name, def.name
                    );
                    let id = self.add_function(None, name, def);
                    self.functions[id.0 as usize].enclosing = Some(enclosing);
                }
                Stmt::If(if_stmt) => {
                    self.add_nested_definitions(enclosing, &if_stmt.body);
                    for clause in &if_stmt.elif_else_clauses {
                        self.add_nested_definitions(enclosing, &clause.body);
                    }
                }
                Stmt::Try(try_stmt) => {
                    self.add_nested_definitions(enclosing, &try_stmt.body);
                    self.add_nested_definitions(enclosing, &try_stmt.orelse);
                }
                Stmt::With(with) => self.add_nested_definitions(enclosing, &with.body),
                _ => {}
            }
        }
    }

    fn add_class(&mut self, module_name: &str, def: &'a ast::StmtClassDef) -> ClassId {
        let id = ClassId(self.classes.len() as u32);
        let qualified_name = format!("{module_name}.{}", def.name);
        let mut methods = FxHashMap::default();
        for stmt in &def.body {
            if let Stmt::FunctionDef(method) = stmt {
                let function = self.add_function(
                    Some(id),
                    format!("{qualified_name}.{}", method.name),
                    method,
                );
                methods.insert(method.name.as_str(), function);
                self.add_nested_definitions(function, &method.body);
            }
        }
        self.classes.push(Class {
            module: ModuleId(0),
            qualified_name,
            def,
            methods,
            bases: Vec::new(),
            workflow: None,
            attributes: FxHashMap::default(),
            class_values: FxHashMap::default(),
        });
        id
    }
}

fn names_defn(decorator: &ast::Decorator) -> bool {
    let callee = match &decorator.expression {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    match callee {
        Expr::Attribute(attribute) => attribute.attr.as_str() == "defn",
        Expr::Name(name) => name.id.as_str() == "defn",
        _ => false,
    }
}

/// Records the type of each `self.<attr> = value` in `body`; whether some value left unknown
/// reads another attribute of `self` (`self.s3 = self.session.client("s3")`), which a second
/// pass, knowing the first's attributes, may type.
fn collect_self_assignments<'a>(
    resolver: &Resolver<'_, 'a>,
    scope: &mut LocalScope<'a>,
    body: &'a [Stmt],
    attributes: &mut FxHashMap<String, Binding>,
    defer_self_reads: bool,
) -> bool {
    let mut retry = false;
    for stmt in body {
        let (targets, value, annotation): (&[Expr], &Expr, Option<&Expr>) = match stmt {
            Stmt::Assign(assign) => {
                // A local name's value, for what is made from it below
                // (`url = f"sqlite://…"`, `self.engine = create_engine(url)`).
                if let [Expr::Name(name)] = &assign.targets[..] {
                    let binding = resolver.resolve(&assign.value, scope);
                    scope.set(
                        name.id.as_str(),
                        LocalValue {
                            binding,
                            expr: Some(&assign.value),
                        },
                    );
                }
                (&assign.targets, &assign.value, None)
            }
            Stmt::AnnAssign(assign) => match &assign.value {
                Some(value) => (
                    std::slice::from_ref(&*assign.target),
                    value,
                    Some(&*assign.annotation),
                ),
                None => continue,
            },
            // `from pkg.proc import TextProcessor` in `__init__`, for `self.proc = TextProcessor()`.
            Stmt::Import(_) | Stmt::ImportFrom(_) => {
                let project = resolver.project();
                for (local, target) in project.local_import_bindings(resolver.module(), stmt) {
                    scope.set(
                        local,
                        LocalValue {
                            binding: resolver.imported(&target),
                            expr: None,
                        },
                    );
                }
                continue;
            }
            Stmt::If(if_stmt) => {
                retry |= collect_self_assignments(
                    resolver,
                    scope,
                    &if_stmt.body,
                    attributes,
                    defer_self_reads,
                );
                for clause in &if_stmt.elif_else_clauses {
                    retry |= collect_self_assignments(
                        resolver,
                        scope,
                        &clause.body,
                        attributes,
                        defer_self_reads,
                    );
                }
                continue;
            }
            Stmt::With(with) => {
                retry |= collect_self_assignments(
                    resolver,
                    scope,
                    &with.body,
                    attributes,
                    defer_self_reads,
                );
                continue;
            }
            Stmt::Try(try_stmt) => {
                retry |= collect_self_assignments(
                    resolver,
                    scope,
                    &try_stmt.body,
                    attributes,
                    defer_self_reads,
                );
                continue;
            }
            _ => continue,
        };
        for target in targets {
            let Expr::Attribute(attribute) = target else {
                continue;
            };
            if !is_self(&attribute.value) {
                continue;
            }
            if defer_self_reads && reads_self(value) {
                retry = true;
                continue;
            }
            // `self.collection: Collection = make_collection()`: what the value makes, else
            // what the annotation declares.
            let binding = match (resolver.resolve(value, scope), annotation) {
                (Binding::Unknown, Some(annotation)) => resolver.annotation_type(annotation, scope),
                (binding, _) => binding,
            };
            if binding == Binding::Unknown {
                retry |= reads_self(value);
            } else {
                attributes
                    .entry(attribute.attr.as_str().to_string())
                    .or_insert(binding);
            }
        }
    }
    retry
}

fn is_self(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == "self")
}

/// Whether `expr` is a chain of attributes, calls and subscripts rooted at `self`, or a call
/// given one (`sessionmaker(bind=self.engine)`: what it makes may depend on it).
fn reads_self(expr: &Expr) -> bool {
    match expr {
        Expr::Attribute(attribute) => is_self(&attribute.value) || reads_self(&attribute.value),
        Expr::Call(call) => {
            reads_self(&call.func)
                || call.arguments.args.iter().any(reads_self)
                || call
                    .arguments
                    .keywords
                    .iter()
                    .any(|keyword| reads_self(&keyword.value))
        }
        Expr::Subscript(subscript) => reads_self(&subscript.value),
        Expr::Await(await_expr) => reads_self(&await_expr.value),
        _ => false,
    }
}

/// The top-level package (or module) of a module name, with the folder tag in front when
/// it has one (`svc-a.app` for `svc-a.app.core`: see `separate_same_named_trees`).
fn module_top(name: &str) -> &str {
    let mut segments = name.splitn(3, '.');
    let first = segments.next().unwrap_or(name);
    match segments.next() {
        Some(second) if !tempolint_python::is_identifier(first) => {
            &name[..first.len() + 1 + second.len()]
        }
        _ => first,
    }
}

/// The name a module's own code imports its top-level package by (`app` for
/// `svc-a.app.core`).
fn top_package_name(name: &str) -> &str {
    let top = module_top(name);
    top.rsplit_once('.').map_or(top, |(_, last)| last)
}

/// Whether `name` is a top-level module of the standard library (`data/stdlib_modules.txt`).
pub fn is_stdlib_module(name: &str) -> bool {
    static STDLIB: std::sync::LazyLock<FxHashSet<&str>> = std::sync::LazyLock::new(|| {
        include_str!("../data/stdlib_modules.txt")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .collect()
    });
    STDLIB.contains(name)
}
