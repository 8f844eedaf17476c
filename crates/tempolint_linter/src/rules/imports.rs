//! Fixes that need a name from another module (`timedelta`, `workflow`): the name the checked
//! module already has for it, or the edit that imports it.

use tempolint_python::ast;
use tempolint_python::{Ranged, TextRange};

use crate::checker::Checker;
use crate::diagnostic::Edit;

/// How the checked module can name `module.member`: the name it already imports it under,
/// `<alias of module>.member`, or `member` with an edit adding `from module import member`
/// before the module's first import (after `from __future__` imports). `None` when `member`
/// names something else there, or the module has no import to put the line before.
pub(crate) fn reference(
    checker: &Checker,
    module_name: &str,
    member: &str,
) -> Option<(String, Option<Edit>)> {
    let module = checker.module();
    if let Some(name) = module.local_name_for(&format!("{module_name}.{member}")) {
        return Some((name.to_string(), None));
    }
    if let Some(alias) = module.local_name_for(module_name) {
        return Some((format!("{alias}.{member}"), None));
    }
    if module.globals.contains_key(member) {
        return None;
    }
    let first_import = module.body().iter().find(|stmt| match stmt {
        ast::Stmt::Import(_) => true,
        ast::Stmt::ImportFrom(import) => import
            .module
            .as_ref()
            .is_none_or(|name| name.as_str() != "__future__"),
        _ => false,
    })?;
    let source = &module.input.source;
    let at = first_import.start();
    // Only a statement that starts its line can get a line inserted before it.
    if source.line_start(at) != at {
        return None;
    }
    Some((
        member.to_string(),
        Some(Edit {
            range: TextRange::empty(at),
            content: format!("from {module_name} import {member}\n"),
        }),
    ))
}
