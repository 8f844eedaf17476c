//! Classes: user class bodies, builtin types as classes, `@dataclass` and `Enum`.

use std::cell::RefCell;
use std::rc::Rc;

use tempolint_python::ast::{self, Expr, Stmt};

use super::expr::Args;
use super::native::Native;
use super::scope::Scope;
use super::value::{Class, DataclassField, DataclassInfo, Instance, Value};
use super::{Interp, PyResult};

/// Builtin types and library base classes, as class objects.
pub(crate) struct NativeClasses {
    pub(crate) object: Rc<Class>,
    pub(crate) types: Vec<(&'static str, Rc<Class>)>,
    pub(crate) enum_: Rc<Class>,
    pub(crate) int_enum: Rc<Class>,
    pub(crate) str_enum: Rc<Class>,
}

const BUILTIN_TYPES: &[&str] = &[
    "type",
    "int",
    "float",
    "str",
    "bool",
    "list",
    "dict",
    "tuple",
    "set",
    "frozenset",
    "bytes",
];

impl NativeClasses {
    pub(crate) fn new() -> NativeClasses {
        let object = Class::new("object", "builtins", Vec::new(), Some("object"));
        let mut types = Vec::new();
        for name in BUILTIN_TYPES {
            types.push((
                *name,
                Class::new(name, "builtins", vec![object.clone()], Some(name)),
            ));
        }
        let int = types
            .iter()
            .find(|(n, _)| *n == "int")
            .map_or_else(|| object.clone(), |(_, c)| c.clone());
        let str_ = types
            .iter()
            .find(|(n, _)| *n == "str")
            .map_or_else(|| object.clone(), |(_, c)| c.clone());
        let enum_ = Class::new("Enum", "enum", vec![object.clone()], Some("Enum"));
        let int_enum = Class::new("IntEnum", "enum", vec![int, enum_.clone()], Some("IntEnum"));
        let str_enum = Class::new(
            "StrEnum",
            "enum",
            vec![str_, enum_.clone()],
            Some("StrEnum"),
        );
        NativeClasses {
            object,
            types,
            enum_,
            int_enum,
            str_enum,
        }
    }

    pub(crate) fn builtin_type(&self, name: &str) -> Option<Rc<Class>> {
        self.types
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, class)| class.clone())
    }
}

impl Interp {
    pub(crate) async fn define_class(
        &self,
        class_def: &'static ast::StmtClassDef,
        scope: &Rc<Scope>,
    ) -> PyResult<Value> {
        let mut bases = Vec::new();
        let mut keywords = Vec::new();
        if let Some(arguments) = &class_def.arguments {
            for base in &arguments.args {
                match self.eval(base, scope).await? {
                    Value::Class(class) => bases.push(class),
                    Value::Unknown(unknown) => {
                        return Err(
                            self.unsupported(format!("a class deriving from {}", unknown.what))
                        );
                    }
                    Value::Native(native) if matches!(native.as_ref(), Native::TypingForm(_)) => {}
                    other => {
                        return self.type_error(format!(
                            "bases must be classes, not {}",
                            other.type_name()
                        ));
                    }
                }
            }
            for keyword in &arguments.keywords {
                keywords.push(keyword.arg.as_ref().map(|a| a.as_str().to_string()));
            }
        }
        if bases.is_empty() {
            bases.push(self.natives.object.clone());
        }
        let module_name = scope.module.name.to_string();
        let class = Rc::new(Class {
            name: class_def.name.as_str().into(),
            module: module_name.into(),
            bases,
            ancestors: RefCell::new(Vec::new()),
            attrs: RefCell::default(),
            native: None,
            dataclass: RefCell::new(None),
            enum_members: RefCell::new(None),
            workflow: RefCell::new(None),
            defined_at: Some(Self::loc_of(
                scope,
                tempolint_python::Ranged::range(class_def),
            )),
        });
        class.compute_mro();
        let body_scope = Scope::class(scope.module.clone(), scope.closure_parent());
        match self.exec_block(&class_def.body, &body_scope).await? {
            super::stmt::Flow::Normal => {}
            _ => return Err(self.unsupported("control flow leaving a class body")),
        }
        let namespace = body_scope.class_namespace();
        for name in class_body_order(&class_def.body) {
            if let Some((_, value)) = namespace.iter().find(|(key, _)| key.as_ref() == name) {
                class
                    .attrs
                    .borrow_mut()
                    .insert(Value::str(name), value.clone());
            }
        }
        for (_, value) in &namespace {
            if let Value::Function(function) = value {
                function.meta.borrow_mut().defining_class = Some(Rc::downgrade(&class));
            }
        }
        for (name, value) in &namespace {
            if !class.attrs.borrow().contains(&Value::Str(name.clone())) {
                class
                    .attrs
                    .borrow_mut()
                    .insert(Value::Str(name.clone()), value.clone());
            }
        }
        if class.is_subclass_of(&self.natives.enum_) {
            self.make_enum(&class, &class_def.body);
        }
        let value = Value::Class(class);
        self.apply_decorators(&class_def.decorator_list, value, scope)
            .await
    }

    /// `@dataclass` on a class (fields from the annotated class body, in order).
    pub(crate) fn make_dataclass(
        &self,
        class: &Rc<Class>,
        frozen: bool,
        kw_only_default: bool,
    ) -> PyResult<()> {
        let mut fields: Vec<DataclassField> = Vec::new();
        for base in class
            .mro()
            .iter()
            .skip(1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if let Some(info) = base.dataclass.borrow().as_ref() {
                for field in &info.fields {
                    fields.retain(|f| f.name != field.name);
                    fields.push(DataclassField {
                        name: field.name.clone(),
                        default: field.default.clone(),
                        default_factory: field.default_factory.clone(),
                        init: field.init,
                        kw_only: field.kw_only,
                        annotation: field.annotation.clone(),
                    });
                }
            }
        }
        let Some(loc) = class.defined_at else {
            return Ok(());
        };
        let source = self.source(loc.source);
        let Some(class_def) = find_class_def(source.parsed.module().body.as_slice(), loc.start)
        else {
            return Err(self.unsupported("a dataclass whose definition cannot be found"));
        };
        let module = self.modules.borrow().get(&source.module).cloned();
        let mut kw_only = kw_only_default;
        for statement in &class_def.body {
            let Stmt::AnnAssign(assign) = statement else {
                continue;
            };
            let Expr::Name(target) = assign.target.as_ref() else {
                continue;
            };
            let annotation_text = source
                .parsed
                .slice(tempolint_python::Ranged::range(assign.annotation.as_ref()));
            if annotation_text.contains("ClassVar") {
                continue;
            }
            if annotation_text == "KW_ONLY" || annotation_text.ends_with(".KW_ONLY") {
                kw_only = true;
                continue;
            }
            let name: Rc<str> = target.id.as_str().into();
            let attr = class.attrs.borrow().get(&Value::Str(name.clone()));
            let mut field = DataclassField {
                name: name.clone(),
                default: None,
                default_factory: None,
                init: true,
                kw_only,
                annotation: module.clone().map(|m| (assign.annotation.as_ref(), m)),
            };
            match attr {
                Some(Value::Native(native)) if matches!(native.as_ref(), Native::Field { .. }) => {
                    if let Native::Field {
                        default,
                        default_factory,
                        init,
                        kw_only: field_kw,
                    } = native.as_ref()
                    {
                        field.default.clone_from(default);
                        field.default_factory.clone_from(default_factory);
                        field.init = *init;
                        if let Some(flag) = field_kw {
                            field.kw_only = *flag;
                        }
                    }
                    match &field.default {
                        Some(default) => {
                            class
                                .attrs
                                .borrow_mut()
                                .insert(Value::Str(name.clone()), default.clone());
                        }
                        None => {
                            class.attrs.borrow_mut().remove(&Value::Str(name.clone()));
                        }
                    }
                }
                Some(default) => field.default = Some(default),
                None => {}
            }
            fields.retain(|f| f.name != field.name);
            fields.push(field);
        }
        *class.dataclass.borrow_mut() = Some(Rc::new(DataclassInfo { fields, frozen }));
        Ok(())
    }

    /// The generated `__init__` of a dataclass.
    pub(crate) async fn dataclass_init(&self, instance: &Value, args: Args) -> PyResult<()> {
        let Value::Instance(object) = instance else {
            return Ok(());
        };
        let Some(info) = object.class.dataclass.borrow().clone() else {
            return Ok(());
        };
        let positional_fields: Vec<_> = info
            .fields
            .iter()
            .filter(|f| f.init && !f.kw_only)
            .collect();
        if args.positional.len() > positional_fields.len() {
            return self.type_error(format!(
                "{}.__init__() takes {} positional arguments but {} were given",
                object.class.name,
                positional_fields.len() + 1,
                args.positional.len() + 1
            ));
        }
        let mut values: Vec<(Rc<str>, Option<Value>)> =
            info.fields.iter().map(|f| (f.name.clone(), None)).collect();
        for (field, value) in positional_fields.iter().zip(args.positional) {
            if let Some(slot) = values.iter_mut().find(|(name, _)| *name == field.name) {
                slot.1 = Some(value);
            }
        }
        for (key, value) in args.keywords {
            match values.iter_mut().find(|(name, _)| *name == key) {
                Some(slot) if slot.1.is_some() => {
                    return self.type_error(format!(
                        "{}.__init__() got multiple values for argument '{key}'",
                        object.class.name
                    ));
                }
                Some(slot) => slot.1 = Some(value),
                None => {
                    return self.type_error(format!(
                        "{}.__init__() got an unexpected keyword argument '{key}'",
                        object.class.name
                    ));
                }
            }
        }
        for (field, (name, value)) in info.fields.iter().zip(values) {
            let value = match value {
                Some(value) => value,
                None => match (&field.default, &field.default_factory) {
                    (Some(default), _) => default.clone(),
                    (None, Some(factory)) => {
                        self.call(factory, Args::positional(Vec::new())).await?
                    }
                    (None, None) if !field.init => continue,
                    (None, None) => {
                        return self.type_error(format!(
                            "{}.__init__() missing 1 required positional argument: '{name}'",
                            object.class.name
                        ));
                    }
                },
            };
            object.set(&name, value);
        }
        Ok(())
    }

    fn make_enum(&self, class: &Rc<Class>, body: &'static [Stmt]) {
        let is_str = class.is_subclass_of(&self.natives.str_enum);
        let mut members: Vec<(Rc<str>, Value)> = Vec::new();
        let mut next_auto = 1;
        for statement in body {
            let Stmt::Assign(assign) = statement else {
                continue;
            };
            let [Expr::Name(target)] = assign.targets.as_slice() else {
                continue;
            };
            let name = target.id.as_str();
            if name.starts_with('_') {
                continue;
            }
            let Some(raw) = class.attrs.borrow().get_str(name) else {
                continue;
            };
            if matches!(raw, Value::Function(_) | Value::Builtin(_)) {
                continue;
            }
            let value = match &raw {
                Value::Native(native) if matches!(native.as_ref(), Native::EnumAuto) => {
                    if is_str {
                        Value::str(&name.to_lowercase())
                    } else {
                        let value = Value::Int(next_auto);
                        next_auto += 1;
                        value
                    }
                }
                Value::Int(n) => {
                    next_auto = n + 1;
                    raw.clone()
                }
                _ => raw.clone(),
            };
            if let Some((_, existing)) = members
                .iter()
                .find(|(_, v)| self.py_eq(&enum_raw(v), &value).unwrap_or(false))
            {
                let alias = existing.clone();
                class.attrs.borrow_mut().insert(Value::str(name), alias);
                continue;
            }
            let member = Instance::new(class.clone());
            member.set("name", Value::str(name));
            member.set("value", value.clone());
            member.set("_name_", Value::str(name));
            member.set("_value_", value);
            let member = Value::Instance(member);
            class
                .attrs
                .borrow_mut()
                .insert(Value::str(name), member.clone());
            members.push((name.into(), member));
        }
        *class.enum_members.borrow_mut() = Some(members);
    }

    /// `Color("red")`.
    pub(crate) fn enum_lookup(&self, class: &Rc<Class>, value: &Value) -> PyResult<Value> {
        if let Value::Instance(instance) = value
            && Rc::ptr_eq(&instance.class, class)
        {
            return Ok(value.clone());
        }
        let members = class.enum_members.borrow().clone().unwrap_or_default();
        for (_, member) in &members {
            if self.py_eq(&enum_raw(member), value)? {
                return Ok(member.clone());
            }
        }
        self.value_error(format!(
            "{} is not a valid {}",
            self.py_repr(value)?,
            class.name
        ))
    }

    pub(crate) fn enum_class_member(&self, class: &Rc<Class>, name: &str) -> Option<Value> {
        if name == "__members__" {
            let members = class.enum_members.borrow().clone()?;
            let mut dict = super::value::Dict::default();
            for (key, value) in members {
                dict.insert(Value::Str(key), value);
            }
            return Some(Value::dict(dict));
        }
        None
    }

    pub(crate) fn enum_member_attr(&self, _object: &Value, _name: &str) -> Option<Value> {
        None
    }

    fn enum_member_of(&self, value: &Value) -> Option<Rc<Class>> {
        match value {
            Value::Instance(instance) if instance.class.enum_members.borrow().is_some() => {
                Some(instance.class.clone())
            }
            _ => None,
        }
    }

    /// A member's raw value when its class mixes in `str`/`int` (so it compares equal to it).
    pub(crate) fn enum_raw_value(&self, value: &Value) -> Option<Value> {
        let class = self.enum_member_of(value)?;
        let mixed = class
            .mro()
            .iter()
            .any(|c| matches!(c.native, Some("str" | "int" | "float")));
        mixed.then(|| enum_raw(value))
    }

    pub(crate) fn enum_value_eq(&self, left: &Value, right: &Value) -> Option<bool> {
        if self.enum_member_of(left).is_some() && self.enum_member_of(right).is_some() {
            return Some(left.identity() == right.identity());
        }
        let raw = self
            .enum_raw_value(left)
            .map(|raw| (raw, right))
            .or_else(|| self.enum_raw_value(right).map(|raw| (raw, left)))?;
        self.py_eq(&raw.0, raw.1).ok()
    }

    /// `str(member)`: the value for `StrEnum`/`IntEnum`, `Class.NAME` otherwise (Python 3.11).
    pub(crate) fn enum_str(&self, value: &Value) -> PyResult<Option<String>> {
        let Some(class) = self.enum_member_of(value) else {
            return Ok(None);
        };
        if class.is_subclass_of(&self.natives.str_enum)
            || class.is_subclass_of(&self.natives.int_enum)
        {
            return Ok(Some(self.py_str(&enum_raw(value))?));
        }
        let Value::Instance(instance) = value else {
            return Ok(None);
        };
        let name = instance
            .get("name")
            .map(|n| self.py_str(&n))
            .transpose()?
            .unwrap_or_default();
        Ok(Some(format!("{}.{name}", class.name)))
    }

    pub(crate) fn enum_repr(&self, value: &Value) -> PyResult<Option<String>> {
        let Some(class) = self.enum_member_of(value) else {
            return Ok(None);
        };
        let Value::Instance(instance) = value else {
            return Ok(None);
        };
        let name = instance
            .get("name")
            .map(|n| self.py_str(&n))
            .transpose()?
            .unwrap_or_default();
        Ok(Some(format!(
            "<{}.{name}: {}>",
            class.name,
            self.py_repr(&enum_raw(value))?
        )))
    }
}

pub(crate) fn enum_raw(member: &Value) -> Value {
    match member {
        Value::Instance(instance) => instance.get("_value_").unwrap_or(Value::None),
        other => other.clone(),
    }
}

/// Names bound by a class body, in source order (dict order of the class namespace).
fn class_body_order(body: &'static [Stmt]) -> Vec<&'static str> {
    let mut names = Vec::new();
    for statement in body {
        match statement {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Expr::Name(name) = target {
                        names.push(name.id.as_str());
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    names.push(name.id.as_str());
                }
            }
            Stmt::FunctionDef(def) => names.push(def.name.as_str()),
            Stmt::ClassDef(class) => names.push(class.name.as_str()),
            _ => {}
        }
    }
    names
}

/// The class definition starting at `offset`, searched through nested bodies.
fn find_class_def(body: &'static [Stmt], offset: u32) -> Option<&'static ast::StmtClassDef> {
    for statement in body {
        let range = tempolint_python::Ranged::range(statement);
        if range.start().to_u32() > offset || range.end().to_u32() <= offset {
            continue;
        }
        match statement {
            Stmt::ClassDef(class) if range.start().to_u32() == offset => return Some(class),
            Stmt::ClassDef(class) => return find_class_def(&class.body, offset),
            Stmt::FunctionDef(def) => return find_class_def(&def.body, offset),
            Stmt::If(if_stmt) => {
                return find_class_def(&if_stmt.body, offset).or_else(|| {
                    if_stmt
                        .elif_else_clauses
                        .iter()
                        .find_map(|c| find_class_def(&c.body, offset))
                });
            }
            Stmt::Try(try_stmt) => return find_class_def(&try_stmt.body, offset),
            Stmt::With(with) => return find_class_def(&with.body, offset),
            _ => {}
        }
    }
    None
}
