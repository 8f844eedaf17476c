//! Calls (argument binding, instantiation) and attribute access.

use std::cell::RefCell;
use std::rc::Rc;

use super::expr::Args;
use super::scope::Scope;
use super::value::{Class, Coroutine, CoroutineKind, Function, Instance, Value};
use super::{Interp, LocalFuture, PyResult};

/// Hidden locals that make zero-argument `super()` work.
pub(crate) const SUPER_CLASS: &str = "__tempolint_super_class__";
pub(crate) const SUPER_SELF: &str = "__tempolint_super_self__";

impl Interp {
    /// `function(*args, **kwargs)`.
    pub(crate) fn call<'a>(
        &'a self,
        function: &Value,
        args: Args,
    ) -> LocalFuture<'a, PyResult<Value>> {
        let function = function.clone();
        Box::pin(async move {
            let _guard = self.enter()?;
            match &function {
                Value::Function(user) => {
                    let scope = self.bind_arguments(user, args)?;
                    let generator = *user
                        .meta
                        .borrow_mut()
                        .generator
                        .get_or_insert_with(|| super::generators::is_generator(user));
                    if generator {
                        let generator = self.new_generator(user, scope);
                        if !user.meta.borrow().context_manager {
                            return Ok(generator);
                        }
                        let Value::Native(native) = &generator else {
                            unreachable!("new_generator makes a generator");
                        };
                        let super::native::Native::Generator(generator) = native.as_ref() else {
                            unreachable!("new_generator makes a generator");
                        };
                        return Ok(Value::Native(Rc::new(
                            super::native::Native::GeneratorContextManager(generator.clone()),
                        )));
                    }
                    if user.is_async() {
                        return Ok(Value::Coroutine(Rc::new(Coroutine {
                            name: user.name.clone(),
                            kind: RefCell::new(Some(CoroutineKind::User {
                                function: user.clone(),
                                scope,
                            })),
                        })));
                    }
                    self.exec_function_body(user, &scope).await
                }
                Value::BoundMethod(bound) => {
                    let (receiver, inner) = (bound.0.clone(), bound.1.clone());
                    let mut args = args;
                    args.positional.insert(0, receiver);
                    self.call(&inner, args).await
                }
                Value::Builtin(builtin) => self.call_builtin(builtin.clone(), args).await,
                Value::Class(class) => self.instantiate(class, args).await,
                Value::Unknown(unknown) if unknown.inert => {
                    if args
                        .positional
                        .iter()
                        .chain(args.keywords.iter().map(|(_, v)| v))
                        .any(Value::is_mutable)
                    {
                        return Err(self.unsupported(format!(
                            "calling {} with a mutable argument",
                            unknown.what
                        )));
                    }
                    Ok(Value::inert_unknown(
                        format!("the result of {}", unknown.what),
                        unknown.loc,
                    ))
                }
                Value::Unknown(unknown) => {
                    Err(self.unsupported(format!("calling {}", unknown.what)))
                }
                Value::Instance(_) => {
                    let method = self.get_attr(&function, "__call__")?;
                    self.call(&method, args).await
                }
                Value::Native(native) => self.call_native_object(native.clone(), args).await,
                other => self.type_error(format!("'{}' object is not callable", other.type_name())),
            }
        })
    }

    /// Calls a function that must not suspend (callbacks, `key=` functions, dunders).
    pub(crate) fn call_sync(&self, function: &Value, positional: Vec<Value>) -> PyResult<Value> {
        self.block_on(self.call(function, Args::positional(positional)))
    }

    /// Binds call arguments to a user function's parameters in a new scope.
    pub(crate) fn bind_arguments(
        &self,
        function: &Rc<Function>,
        args: Args,
    ) -> PyResult<Rc<Scope>> {
        let scope = Scope::function(function.module.clone(), function.closure.clone());
        let Some(parameters) = function.parameters() else {
            if !args.positional.is_empty() || !args.keywords.is_empty() {
                return self.type_error(format!(
                    "{}() takes 0 positional arguments but {} were given",
                    function.name,
                    args.positional.len()
                ));
            }
            return Ok(scope);
        };
        let positional_params: Vec<_> = parameters
            .posonlyargs
            .iter()
            .chain(parameters.args.iter())
            .collect();
        let mut bound: Vec<Option<Value>> = vec![None; positional_params.len()];
        let mut positional = args.positional.into_iter();
        for slot in &mut bound {
            match positional.next() {
                Some(value) => *slot = Some(value),
                None => break,
            }
        }
        let extra: Vec<Value> = positional.collect();
        if !extra.is_empty() && parameters.vararg.is_none() {
            return self.type_error(format!(
                "{}() takes {} positional arguments but {} were given",
                function.name,
                positional_params.len(),
                positional_params.len() + extra.len()
            ));
        }
        let mut kwonly: Vec<Option<Value>> = vec![None; parameters.kwonlyargs.len()];
        let mut extra_keywords = super::value::Dict::default();
        for (name, value) in args.keywords {
            if let Some(index) = positional_params
                .iter()
                .position(|p| p.parameter.name.as_str() == name.as_ref())
            {
                if index < parameters.posonlyargs.len() {
                    extra_keywords.insert(Value::Str(name), value);
                    continue;
                }
                if bound[index].is_some() {
                    return self.type_error(format!(
                        "{}() got multiple values for argument '{name}'",
                        function.name
                    ));
                }
                bound[index] = Some(value);
            } else if let Some(index) = parameters
                .kwonlyargs
                .iter()
                .position(|p| p.parameter.name.as_str() == name.as_ref())
            {
                kwonly[index] = Some(value);
            } else if parameters.kwarg.is_some() {
                extra_keywords.insert(Value::Str(name), value);
            } else {
                return self.type_error(format!(
                    "{}() got an unexpected keyword argument '{name}'",
                    function.name
                ));
            }
        }
        let first_default =
            positional_params.len() - function.defaults.len().min(positional_params.len());
        for (index, (parameter, value)) in positional_params.iter().zip(bound).enumerate() {
            let value = match value {
                Some(value) => value,
                None if index >= first_default => function.defaults[index - first_default].clone(),
                None => {
                    return self.type_error(format!(
                        "{}() missing 1 required positional argument: '{}'",
                        function.name,
                        parameter.parameter.name.as_str()
                    ));
                }
            };
            scope.assign(parameter.parameter.name.as_str(), value);
        }
        for (parameter, value) in parameters.kwonlyargs.iter().zip(kwonly) {
            let name = parameter.parameter.name.as_str();
            let value = match value {
                Some(value) => value,
                None => match function
                    .kw_defaults
                    .iter()
                    .find(|(key, _)| key.as_ref() == name)
                {
                    Some((_, default)) => default.clone(),
                    None => {
                        return self.type_error(format!(
                            "{}() missing 1 required keyword-only argument: '{name}'",
                            function.name
                        ));
                    }
                },
            };
            scope.assign(name, value);
        }
        let defining_class = function
            .meta
            .borrow()
            .defining_class
            .as_ref()
            .and_then(std::rc::Weak::upgrade);
        if let (Some(class), Some(first)) = (defining_class, positional_params.first()) {
            // What zero-argument `super()` needs: the class and the first argument.
            if let super::scope::Lookup::Found(receiver) =
                scope.lookup(first.parameter.name.as_str())
            {
                scope.assign(SUPER_CLASS, Value::Class(class));
                scope.assign(SUPER_SELF, receiver);
            }
        }
        if let Some(vararg) = &parameters.vararg {
            scope.assign(vararg.name.as_str(), Value::tuple(extra));
        }
        if let Some(kwarg) = &parameters.kwarg {
            scope.assign(kwarg.name.as_str(), Value::dict(extra_keywords));
        }
        Ok(scope)
    }

    /// `Class(*args)`.
    async fn instantiate(&self, class: &Rc<Class>, args: Args) -> PyResult<Value> {
        if let Some(native) = class.native
            && (!class.is_subclass_of(&self.exc.base_exception) || native != "BaseException")
            && let Some(result) = self.construct_native(class, native, &args)?
        {
            return Ok(result);
        }
        if class.enum_members.borrow().is_some() {
            let value = args.positional.first().cloned().unwrap_or(Value::None);
            return self.enum_lookup(class, &value);
        }
        if class.is_subclass_of(&self.exc.base_exception) {
            let exception = self.new_exception(class, args.positional.clone());
            if let Some(init) = self.find_user_method(class, "__init__") {
                let mut init_args = args;
                init_args.positional.insert(0, exception.clone());
                self.call(&init, init_args).await?;
            } else if let Some(native) = self.native_exception_base(class) {
                self.init_native_exception(&exception, native, &args)?;
            }
            return Ok(exception);
        }
        let instance = Value::Instance(Instance::new(class.clone()));
        if let Some(init) = self.find_user_method(class, "__init__") {
            let mut init_args = args;
            init_args.positional.insert(0, instance.clone());
            self.call(&init, init_args).await?;
        } else if class.dataclass.borrow().is_some() {
            self.dataclass_init(&instance, args).await?;
        } else if !args.positional.is_empty() || !args.keywords.is_empty() {
            if class
                .mro()
                .iter()
                .any(|c| c.native.is_some() && c.native != Some("object"))
            {
                return Err(
                    self.unsupported(format!("subclasses of library class `{}`", class.name))
                );
            }
            return self.type_error(format!("{}() takes no arguments", class.name));
        }
        if let Some(post_init) = self.find_user_method(class, "__post_init__")
            && class.dataclass.borrow().is_some()
            && self.find_user_method(class, "__init__").is_none()
        {
            self.call(&post_init, Args::positional(vec![instance.clone()]))
                .await?;
        }
        Ok(instance)
    }

    /// A method defined in Python source somewhere on the class's MRO.
    pub(crate) fn find_user_method(&self, class: &Rc<Class>, name: &str) -> Option<Value> {
        for base in &class.mro() {
            if let Some(value) = base.attrs.borrow().get_str(name) {
                return match value {
                    Value::Function(_) => Some(value),
                    _ => None,
                };
            }
        }
        None
    }

    /// A user-defined dunder bound to `value` (for operators and `str()`).
    pub(crate) fn user_dunder(&self, value: &Value, name: &str) -> Option<Value> {
        let Value::Instance(instance) = value else {
            return None;
        };
        let method = self.find_user_method(&instance.class, name)?;
        Some(Value::BoundMethod(Rc::new((value.clone(), method))))
    }

    /// `object.name`.
    pub(crate) fn get_attr(&self, object: &Value, name: &str) -> PyResult<Value> {
        match object {
            Value::Instance(instance) => {
                if let Some(value) = instance.get(name) {
                    return Ok(value);
                }
                if let Some(value) = self.enum_member_attr(object, name) {
                    return Ok(value);
                }
                if let Some(value) = instance.class.lookup(name) {
                    return self.bind_class_attr(value, object, &instance.class);
                }
                if name == "__class__" {
                    return Ok(Value::Class(instance.class.clone()));
                }
                if name == "__dict__" {
                    return Ok(Value::dict(instance.attrs.borrow().clone()));
                }
                self.attribute_error(object, name)
            }
            Value::Class(class) => {
                if let Some(member) = self.enum_class_member(class, name) {
                    return Ok(member);
                }
                if let Some(value) = class.lookup(name) {
                    return match &value {
                        Value::Function(function) if function.meta.borrow().is_classmethod => {
                            Ok(Value::BoundMethod(Rc::new((object.clone(), value.clone()))))
                        }
                        _ => Ok(value),
                    };
                }
                match name {
                    "__name__" | "__qualname__" => Ok(Value::Str(class.name.clone())),
                    "__module__" => Ok(Value::Str(class.module.clone())),
                    "__mro__" => Ok(Value::tuple(
                        class
                            .mro()
                            .iter()
                            .map(|c| Value::Class(c.clone()))
                            .collect(),
                    )),
                    _ => self.native_class_attr(class, name),
                }
            }
            Value::Module(module) => {
                if let Some(value) = module.get(name) {
                    Ok(value)
                } else {
                    if let Some(value) = self.lazy_module_attr(module, name)? {
                        return Ok(value);
                    }
                    if name == "__name__" {
                        return Ok(Value::Str(module.name.clone()));
                    }
                    self.attribute_error(object, name)
                }
            }
            Value::Function(function) => match name {
                "__name__" => Ok(Value::Str(function.name.clone())),
                "__qualname__" => Ok(Value::Str(function.qualname.clone())),
                "__module__" => Ok(Value::Str(function.module.name.clone())),
                "__doc__" => Ok(Value::None),
                "validator" => Ok(Value::bound_builtin("update.validator", object.clone())),
                _ => self.attribute_error(object, name),
            },
            Value::BoundMethod(bound) => match name {
                "__self__" => Ok(bound.0.clone()),
                "__func__" => Ok(bound.1.clone()),
                _ => self.get_attr(&bound.1, name),
            },
            Value::Unknown(unknown) => Ok(Value::Unknown(Rc::new(super::value::Unknown {
                what: format!("{}.{name}", unknown.what),
                loc: unknown.loc.or(self.here()),
                inert: unknown.inert,
            }))),
            Value::Native(native) => self.native_attr(native, object, name),
            Value::Future(future) => self.future_attr(future, object, name),
            _ => self.builtin_method(object, name),
        }
    }

    /// A class attribute seen through an instance: functions bind, static/class methods and
    /// properties behave as their decorators say.
    fn bind_class_attr(
        &self,
        value: Value,
        instance: &Value,
        class: &Rc<Class>,
    ) -> PyResult<Value> {
        match &value {
            Value::Function(function) => {
                let meta = function.meta.borrow();
                if meta.is_staticmethod {
                    return Ok(value.clone());
                }
                if meta.is_classmethod {
                    return Ok(Value::BoundMethod(Rc::new((
                        Value::Class(class.clone()),
                        value.clone(),
                    ))));
                }
                if meta.is_property {
                    drop(meta);
                    return self.call_sync(&value, vec![instance.clone()]);
                }
                Ok(Value::BoundMethod(Rc::new((
                    instance.clone(),
                    value.clone(),
                ))))
            }
            _ => Ok(value),
        }
    }

    /// `object.name = value`.
    pub(crate) fn set_attr(&self, object: &Value, name: &str, value: Value) -> PyResult<()> {
        match object {
            Value::Instance(instance) => {
                if let Some(info) = instance.class.dataclass.borrow().as_ref()
                    && info.frozen
                    && self.importing.get() == 0
                {
                    return Err(self.raise(
                        &self.exc.attribute_error,
                        format!("cannot assign to field '{name}'"),
                    ));
                }
                instance.set(name, value);
                Ok(())
            }
            Value::Class(class) => {
                class.attrs.borrow_mut().insert(Value::str(name), value);
                Ok(())
            }
            Value::Module(module) => {
                module.set(name, value);
                Ok(())
            }
            Value::Function(_) => Ok(()),
            Value::Unknown(unknown) => {
                Err(self.unsupported(format!("setting an attribute of {}", unknown.what)))
            }
            other => self.type_error(format!(
                "'{}' object attribute '{name}' is read-only",
                other.type_name()
            )),
        }
    }
}
