//! Imports: project modules are read and executed; the modelled library (temporalio, asyncio,
//! dataclasses, datetime, enum, typing, logging) is native; the rest of the standard library
//! resolves to members checked against the sandbox when called; anything else is unknown.

use std::rc::Rc;

use tempolint_python::ast;

use super::native::{ContextKind, Native};
use super::scope::Scope;
use super::value::{Class, Value};
use super::{Interp, Module, ModuleRef, PyResult};

const KIND: &str = "__tempolint_kind__";

/// What a dotted name is under a source root.
enum RootEntry {
    File(std::path::PathBuf),
    NamespacePackage,
}

impl Interp {
    pub(crate) fn exec_import(
        &self,
        import: &'static ast::StmtImport,
        scope: &Rc<Scope>,
    ) -> PyResult<()> {
        for alias in &import.names {
            let name = alias.name.as_str();
            let module = self.load_module(name)?;
            if let Some(asname) = &alias.asname {
                scope.assign(asname.as_str(), Value::Module(module));
            } else {
                let top = name.split('.').next().unwrap_or(name);
                scope.assign(top, Value::Module(self.load_module(top)?));
            }
        }
        Ok(())
    }

    pub(crate) fn exec_import_from(
        &self,
        import: &'static ast::StmtImportFrom,
        scope: &Rc<Scope>,
    ) -> PyResult<()> {
        let base = import
            .module
            .as_ref()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        let name = if import.level > 0 {
            let mut package: Vec<&str> = scope.module.name.split('.').collect();
            let is_package = scope.module.get("__path__").is_some();
            let drop = import.level as usize - usize::from(is_package);
            for _ in 0..drop {
                package.pop();
            }
            let mut parts: Vec<String> = package.into_iter().map(str::to_string).collect();
            if !base.is_empty() {
                parts.push(base);
            }
            parts.join(".")
        } else {
            base
        };
        let module = self.load_module(&name)?;
        for alias in &import.names {
            let member = alias.name.as_str();
            if member == "*" {
                for (key, value) in module.dict.borrow().items() {
                    if let Value::Str(key) = &key
                        && !key.starts_with('_')
                    {
                        scope.assign(key, value.clone());
                    }
                }
                continue;
            }
            let value = match module.get(member) {
                Some(value) => value,
                None => match self.lazy_module_attr(&module, member)? {
                    Some(value) => value,
                    None => {
                        return Err(self.raise(
                            &self.exc.attribute_error,
                            format!("cannot import name '{member}' from '{name}'"),
                        ));
                    }
                },
            };
            scope.assign(alias.asname.as_ref().unwrap_or(&alias.name).as_str(), value);
        }
        Ok(())
    }

    /// Loads (once) the module `name` and its parent packages.
    pub(crate) fn load_module(&self, name: &str) -> PyResult<ModuleRef> {
        if let Some(module) = self.modules.borrow().get(name) {
            if self.passthrough_depth.get() > 0 {
                module.passed_through.set(true);
            }
            return Ok(module.clone());
        }
        if let Some((parent, _)) = name.rsplit_once('.') {
            self.load_module(parent)?;
        }
        // Looked up first: the map's borrow must not last while the module's body runs.
        let listed = self.project_files.borrow().get(name).cloned();
        let module = if let Some(module) = self.native_module(name) {
            module
        } else if let Some(path) = listed {
            return self.load_project_module(name, &path);
        } else if let Some(path) = self.unique_project_suffix(name) {
            // A sibling folder's module imported by its short name (the worker's sys.path had
            // that folder on it): `from activities import x` with `workflows/activities.py`.
            return self.load_project_module(name, &path);
        } else if let Some(found) = self.find_in_source_roots(name) {
            match found {
                RootEntry::File(path) => {
                    self.project_files
                        .borrow_mut()
                        .insert(name.to_string(), path.clone());
                    return self.load_project_module(name, &path);
                }
                RootEntry::NamespacePackage => {
                    let module = Module::new(name, None);
                    module.set("__name__", Value::str(name));
                    module.set("__path__", Value::list(Vec::new()));
                    module
                }
            }
        } else if self.restrictions.is_stdlib(name) {
            let module = Module::new(name, None);
            module.set(KIND, Value::str("stdlib"));
            module
        } else {
            let module = Module::new(name, None);
            module.set(KIND, Value::str("unknown"));
            module
        };
        self.register_module(name, module.clone());
        Ok(module)
    }

    fn register_module(&self, name: &str, module: ModuleRef) {
        self.modules
            .borrow_mut()
            .insert(name.to_string(), module.clone());
        if let Some((parent, child)) = name.rsplit_once('.')
            && let Some(parent) = self.modules.borrow().get(parent)
            && parent.get(child).is_none()
        {
            parent.set(child, Value::Module(module));
        }
    }

    fn load_project_module(&self, name: &str, path: &std::path::Path) -> PyResult<ModuleRef> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            self.unsupported(format!("importing `{name}` ({}: {error})", path.display()))
        })?;
        let source = self.add_source(path.display().to_string(), name, text);
        let module = Module::new(name, Some(source));
        module.set("__name__", Value::str(name));
        if path.file_name().is_some_and(|f| f == "__init__.py") {
            module.set("__path__", Value::list(Vec::new()));
        }
        module.passed_through.set(self.passthrough_depth.get() > 0);
        self.register_module(name, module.clone());
        let parsed = self.source(source).parsed;
        let scope = Scope::module(module.clone());
        let lenient = !self.is_workflow_module(name);
        let passthrough = module.passed_through.get();
        if passthrough {
            self.unrestricted_depth
                .set(self.unrestricted_depth.get() + 1);
        }
        let outcome = self.exec_module_body(parsed.module().body.as_slice(), &scope, lenient);
        if passthrough {
            self.unrestricted_depth
                .set(self.unrestricted_depth.get() - 1);
        }
        outcome?;
        Ok(module)
    }

    /// `name` as Python finds it on `sys.path` = the source roots: a module file, a package's
    /// `__init__.py`, or a folder without one (a namespace package). The standard library and
    /// installed packages come first in Python's search, so a root never shadows them.
    fn find_in_source_roots(&self, name: &str) -> Option<RootEntry> {
        if self.restrictions.is_stdlib(name) {
            return None;
        }
        let relative: std::path::PathBuf = name.split('.').collect();
        let roots = self.source_roots.borrow();
        for root in roots.iter() {
            let base = root.join(&relative);
            let package = base.join("__init__.py");
            if package.is_file() {
                return Some(RootEntry::File(package));
            }
            let module = base.with_extension("py");
            if module.is_file() {
                return Some(RootEntry::File(module));
            }
        }
        roots
            .iter()
            .any(|root| root.join(&relative).is_dir())
            .then_some(RootEntry::NamespacePackage)
    }

    /// The one project file named `folder.name` (a top-level folder of the project, one level
    /// up), if exactly one is. Deeper matches are other projects' files, not a sibling folder.
    fn unique_project_suffix(&self, name: &str) -> Option<std::path::PathBuf> {
        let suffix = format!(".{name}");
        let files = self.project_files.borrow();
        let mut matches = files.iter().filter(|(module, _)| {
            module
                .strip_suffix(&suffix)
                .is_some_and(|folder| !folder.contains('.'))
        });
        let (_, path) = matches.next()?;
        if matches.next().is_some() {
            return None;
        }
        Some(path.clone())
    }

    /// Registers a source file; its AST lives for the rest of the process (coroutines borrow it).
    pub(crate) fn add_source(&self, path: String, module: &str, text: String) -> u32 {
        let parsed = super::parse_once(&path, text);
        let mut sources = self.sources.borrow_mut();
        sources.push(Rc::new(super::SourceFile {
            path,
            module: module.to_string(),
            parsed,
        }));
        (sources.len() - 1) as u32
    }

    fn is_workflow_module(&self, name: &str) -> bool {
        self.wf.borrow().workflow_module.as_deref() == Some(name)
    }

    /// Members of modules that are not in the module dict: library members resolved lazily.
    pub(crate) fn lazy_module_attr(
        &self,
        module: &ModuleRef,
        name: &str,
    ) -> PyResult<Option<Value>> {
        if let Some(full) = self
            .modules
            .borrow()
            .get(&format!("{}.{name}", module.name))
        {
            return Ok(Some(Value::Module(full.clone())));
        }
        let kind = module.get(KIND);
        match kind {
            Some(Value::Str(kind)) if kind.as_ref() == "stdlib" => Ok(Some(Value::builtin(
                &format!("stdlib:{}.{name}", module.name),
            ))),
            Some(Value::Str(kind)) if kind.as_ref() == "unknown" => Ok(Some(Value::unknown(
                format!(
                    "`{}.{name}` (module `{}` is not part of the project)",
                    module.name, module.name
                ),
                self.here(),
            ))),
            Some(Value::Str(kind)) if kind.as_ref() == "typing" => Ok(Some(Value::Native(
                Rc::new(Native::TypingForm(format!("{}.{name}", module.name))),
            ))),
            _ => {
                let candidate = format!("{}.{name}", module.name);
                if self.project_files.borrow().contains_key(&candidate) {
                    return Ok(Some(Value::Module(self.load_module(&candidate)?)));
                }
                // Built once and registered: a modelled module built only to ask whether it
                // exists would leave its enum classes (each a cycle with its members) behind.
                if let Some(native) = self.native_module(&candidate) {
                    self.register_module(&candidate, native.clone());
                    return Ok(Some(Value::Module(native)));
                }
                if module.source.is_none() {
                    // A library member the runtime does not model: only using it is inconclusive.
                    return Ok(Some(Value::unknown(
                        format!("`{}.{name}`", module.name),
                        self.here(),
                    )));
                }
                Ok(None)
            }
        }
    }

    /// Attributes of library classes that are not modelled (`datetime.datetime.now`).
    pub(crate) fn native_class_attr(&self, class: &Rc<Class>, name: &str) -> PyResult<Value> {
        if class.native.is_some() && self.restrictions.is_stdlib(&class.module) {
            return Ok(Value::builtin(&format!(
                "stdlib:{}.{}.{name}",
                class.module, class.name
            )));
        }
        self.attribute_error(&Value::Class(class.clone()), name)
    }

    pub(crate) fn enter_context(&self, kind: ContextKind) {
        match kind {
            ContextKind::ImportsPassedThrough => {
                self.passthrough_depth.set(self.passthrough_depth.get() + 1);
            }
            ContextKind::SandboxUnrestricted => self
                .unrestricted_depth
                .set(self.unrestricted_depth.get() + 1),
            ContextKind::Null => {}
        }
    }

    pub(crate) fn exit_context(&self, kind: ContextKind) {
        match kind {
            ContextKind::ImportsPassedThrough => self
                .passthrough_depth
                .set(self.passthrough_depth.get().saturating_sub(1)),
            ContextKind::SandboxUnrestricted => self
                .unrestricted_depth
                .set(self.unrestricted_depth.get().saturating_sub(1)),
            ContextKind::Null => {}
        }
    }

    pub(crate) fn module_kind_marker(module: &ModuleRef, kind: &str) {
        module.set(KIND, Value::str(kind));
    }
}
