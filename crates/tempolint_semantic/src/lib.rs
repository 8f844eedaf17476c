//! The project model tempolint analyses: every module of the project with its imports and
//! top-level definitions, which classes are workflows and which functions are activities, and
//! a resolver that turns an expression into the canonical dotted name it refers to.

mod binding;
mod imports;
mod project;
mod resolve;
mod scope;

pub use binding::Binding;
pub use imports::Import;
pub use project::{
    Ancestry, Class, ClassId, Function, FunctionId, FunctionKind, Global, Module, ModuleId,
    Project, SourceInput, is_stdlib_module,
};
pub use resolve::Resolver;
pub use scope::{FrameNames, LocalScope, LocalValue};
