//! Code that making an instance of a project model runs besides an `__init__`: the
//! `default_factory` of each field the call leaves out, and the post-init hook.
//!
//! `Order()` on a dataclass with `id: str = field(default_factory=lambda: str(uuid4()))`
//! calls `uuid4()` there, in the workflow that makes the order. Only classes whose generated
//! `__init__` is known are followed (a dataclass, attrs class or pydantic model that defines
//! no `__init__` of its own, with every base resolved), and only calls whose arguments say
//! which fields they fill: `Order(**data)` may fill any, so nothing is reported for it.

use tempolint_python::ast::visitor::{self, Visitor};
use tempolint_python::ast::{self, Expr, Stmt};
use tempolint_semantic::{ClassId, FunctionId, LocalScope, Project, Resolver};

use super::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules;

/// How a model class makes its `__init__`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    /// `@dataclass`, `@attrs.define`…: fields take positional arguments in order.
    Decorated(Decorator),
    /// A pydantic `BaseModel` or `SQLModel`: keyword arguments only.
    Pydantic,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Decorator {
    Dataclass,
    /// attrs: a private field `_x` takes the keyword `x`; the hook is `__attrs_post_init__`.
    Attrs,
}

const DECORATORS: &[(&str, Decorator)] = &[
    ("dataclasses.dataclass", Decorator::Dataclass),
    ("pydantic.dataclasses.dataclass", Decorator::Dataclass),
    ("attr.s", Decorator::Attrs),
    ("attr.attrs", Decorator::Attrs),
    ("attr.define", Decorator::Attrs),
    ("attr.frozen", Decorator::Attrs),
    ("attr.mutable", Decorator::Attrs),
    ("attrs.define", Decorator::Attrs),
    ("attrs.frozen", Decorator::Attrs),
    ("attrs.mutable", Decorator::Attrs),
];

const PYDANTIC_BASES: &[&str] = &[
    "pydantic.BaseModel",
    "pydantic.main.BaseModel",
    "sqlmodel.SQLModel",
    "sqlmodel.main.SQLModel",
];

/// Field specifiers and the keyword that names their factory.
const FIELD_FUNCTIONS: &[(&str, &str)] = &[
    ("dataclasses.field", "default_factory"),
    ("pydantic.Field", "default_factory"),
    ("pydantic.fields.Field", "default_factory"),
    ("sqlmodel.Field", "default_factory"),
    ("attr.ib", "factory"),
    ("attr.attrib", "factory"),
    ("attr.field", "factory"),
    ("attrs.field", "factory"),
];

fn model(project: &Project, class: ClassId, outside: &[&str]) -> Option<Model> {
    let data = project.class(class);
    let resolver = Resolver::new(project, data.module);
    let scope = LocalScope::default();
    let decorated = data.def.decorator_list.iter().find_map(|decorator| {
        let named = match &decorator.expression {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        let symbol = resolver.resolve(named, &scope);
        DECORATORS
            .iter()
            .find(|(name, _)| symbol.symbol() == Some(name))
            .map(|(_, decorator)| *decorator)
    });
    if let Some(decorator) = decorated {
        Some(Model::Decorated(decorator))
    } else if outside.iter().any(|base| PYDANTIC_BASES.contains(base)) {
        Some(Model::Pydantic)
    } else {
        None
    }
}

/// One field of a model class body.
struct Field<'a> {
    /// The keyword that fills it (`x` for attrs' private `_x`).
    keyword: &'a str,
    factory: Option<&'a Expr>,
    /// Whether it takes the next positional argument of `__init__` (not an `InitVar`, a
    /// `KW_ONLY` marker, or a field with `init=` or `kw_only=` said).
    in_order: bool,
}

/// The fields a class body declares (annotated names, not class variables), in order.
fn fields<'a>(project: &Project<'a>, class: ClassId, attrs: bool) -> Vec<Field<'a>> {
    let data = project.class(class);
    let resolver = Resolver::new(project, data.module);
    let scope = LocalScope::default();
    data.def
        .body
        .iter()
        .filter_map(|stmt| {
            let Stmt::AnnAssign(assign) = stmt else {
                return None;
            };
            let Expr::Name(name) = &*assign.target else {
                return None;
            };
            let annotation = match &*assign.annotation {
                Expr::Subscript(subscript) => &*subscript.value,
                other => other,
            };
            let annotation = resolver.resolve(annotation, &scope);
            let mut in_order = true;
            match annotation.symbol() {
                Some("typing.ClassVar") => return None,
                Some("dataclasses.KW_ONLY" | "dataclasses.InitVar") => in_order = false,
                _ => {}
            }
            let mut factory = None;
            if let Some(Expr::Call(call)) = assign.value.as_deref() {
                let symbol = resolver.resolve(&call.func, &scope);
                if let Some((_, keyword)) = FIELD_FUNCTIONS
                    .iter()
                    .find(|(function, _)| symbol.symbol() == Some(function))
                {
                    factory = call
                        .arguments
                        .find_keyword(keyword)
                        .map(|found| &found.value);
                    in_order &= call.arguments.find_keyword("init").is_none()
                        && call.arguments.find_keyword("kw_only").is_none();
                }
            }
            let keyword = name.id.as_str();
            Some(Field {
                keyword: if attrs {
                    keyword.trim_start_matches('_')
                } else {
                    keyword
                },
                factory,
                in_order,
            })
        })
        .collect()
}

/// The callables a factory runs: the factory itself, or the calls in a lambda's body.
fn factory_callees(factory: &Expr) -> Vec<&Expr> {
    #[derive(Default)]
    struct Calls<'e> {
        found: Vec<&'e Expr>,
    }
    impl<'e> Visitor<'e> for Calls<'e> {
        fn visit_expr(&mut self, expr: &'e Expr) {
            if let Expr::Call(call) = expr {
                self.found.push(&call.func);
            }
            // A lambda inside the factory runs only if something calls it.
            if !matches!(expr, Expr::Lambda(_)) {
                visitor::walk_expr(self, expr);
            }
        }
    }
    match factory {
        Expr::Lambda(lambda) => {
            let mut calls = Calls::default();
            calls.visit_expr(&lambda.body);
            calls.found
        }
        other => vec![other],
    }
}

/// What making an instance of `class` with `call` runs besides `__init__`: the post-init
/// hook, and each left-out field's factory with the class and field it belongs to.
struct ConstructorCode<'a> {
    post_init: Option<FunctionId>,
    /// (`Order.id`, the class that declares the field, a callable its factory runs).
    factories: Vec<(String, ClassId, &'a Expr)>,
}

fn constructor_code<'a>(
    project: &Project<'a>,
    class: ClassId,
    call: &ast::ExprCall,
) -> Option<ConstructorCode<'a>> {
    let ancestry = project.ancestry(class);
    if ancestry.unresolved || project.method_of(class, "__init__", 0).is_some() {
        return None;
    }
    let kind = model(project, class, &ancestry.outside)?;
    let arguments = &call.arguments;
    if arguments.args.iter().any(Expr::is_starred_expr)
        || arguments
            .keywords
            .iter()
            .any(|keyword| keyword.arg.is_none())
    {
        return None;
    }
    let positional = arguments.args.len();
    // Positional arguments fill the fields of the bases first: only one class's order is
    // certain.
    if positional > 0 && (kind == Model::Pydantic || ancestry.classes.len() > 1) {
        return None;
    }
    let mut declared = Vec::new();
    for &member in &ancestry.classes {
        let Some(kind) = model(project, member, &ancestry.outside) else {
            continue;
        };
        let attrs = kind == Model::Decorated(Decorator::Attrs);
        declared.extend(
            fields(project, member, attrs)
                .into_iter()
                .map(|field| (member, field)),
        );
    }
    // A keyword that names no field is an alias we do not read, or a mistake.
    let filled = |keyword: &str| declared.iter().any(|(_, field)| field.keyword == keyword);
    if arguments
        .keywords
        .iter()
        .filter_map(|keyword| keyword.arg.as_deref())
        .any(|keyword| !filled(keyword))
        || declared
            .iter()
            .take(positional)
            .any(|(_, field)| !field.in_order)
    {
        return None;
    }
    let mut factories = Vec::new();
    for (index, (member, field)) in declared.iter().enumerate() {
        let Some(factory) = field.factory else {
            continue;
        };
        let passed = index < positional
            || arguments
                .keywords
                .iter()
                .any(|keyword| keyword.arg.as_deref() == Some(field.keyword));
        if passed {
            continue;
        }
        let owner = format!("{}.{}", project.class(*member).def.name, field.keyword);
        factories.extend(
            factory_callees(factory)
                .into_iter()
                .map(|callee| (owner.clone(), *member, callee)),
        );
    }
    let hook = match kind {
        Model::Pydantic => "model_post_init",
        Model::Decorated(Decorator::Dataclass) => "__post_init__",
        Model::Decorated(Decorator::Attrs) => "__attrs_post_init__",
    };
    Some(ConstructorCode {
        post_init: project.method_of(class, hook, 0),
        factories,
    })
}

impl<'a> Checker<'_, '_, 'a> {
    /// Follows what `call`, which makes an instance of the project model `class`, runs
    /// besides `__init__`: edges to project functions, and the determinism findings of the
    /// library calls a factory makes, reported at `call` with the field named.
    pub(super) fn visit_constructor_code(&mut self, call: &'a ast::ExprCall, class: ClassId) {
        let project = self.resolver.project();
        let Some(code) = constructor_code(project, class, call) else {
            return;
        };
        if let Some(hook) = code.post_init {
            let edge = self.edge(call, hook);
            self.facts.edges.push(edge);
        }
        let scope = LocalScope::default();
        // Library factories by what they call, with the fields that use them: fields sharing
        // one (`created_at` and `updated_at` both `datetime.utcnow`) make one finding.
        let mut library: Vec<(Vec<String>, String, Rule)> = Vec::new();
        for (owner, member, callee) in code.factories {
            let binding =
                Resolver::new(project, project.class(member).module).resolve(callee, &scope);
            if let Some(target) = self.resolver.called_function(&binding) {
                let edge = self.edge(call, target);
                self.facts.edges.push(edge);
                continue;
            }
            let Some(symbol) = binding.symbol() else {
                continue;
            };
            if self.settings.is_known_deterministic(symbol) {
                continue;
            }
            let Some(&rule) = self.tables.determinism.get(symbol) else {
                continue;
            };
            match library.iter_mut().find(|(_, known, _)| known == symbol) {
                Some((owners, ..)) => owners.push(owner),
                None => library.push((vec![owner], symbol.to_string(), rule)),
            }
        }
        for (owners, symbol, rule) in library {
            // What the sandbox would do with the factory depends on whether the model's
            // module is passed through: only the determinism finding is certain.
            let info = CallInfo {
                call,
                symbol: Some(&symbol),
                determinism: Some(rule),
                blocking: None,
                restriction: None,
            };
            let before = self.facts.effects.len();
            rules::dispatch_call(self, &info);
            let mut made = self.facts.effects.split_off(before);
            made.retain(|effect| effect.rule == rule);
            let owners: Vec<String> = owners.iter().map(|owner| format!("`{owner}`")).collect();
            let owners = match owners.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => owners.concat(),
            };
            let prefix = format!(
                "`{}()` runs the `default_factory` of {owners}: ",
                project.class(class).def.name
            );
            for effect in &mut made {
                effect.fix = None;
                effect.message.insert_str(0, &prefix);
            }
            self.facts.effects.extend(made);
        }
    }
}
