use std::path::{Component, Path};

/// The dotted module name of `path` relative to the first source root that contains it
/// (`src/pkg/wf.py` under root `src` is `pkg.wf`; `pkg/__init__.py` is `pkg`).
/// Returns `None` when the path is under none of the roots or has a non-identifier part.
pub fn module_name_for(path: &Path, roots: &[&Path]) -> Option<String> {
    roots.iter().find_map(|root| relative_module(path, root))
}

fn relative_module(path: &Path, root: &Path) -> Option<String> {
    let relative = if root.as_os_str().is_empty() || root == Path::new(".") {
        path.strip_prefix(".").unwrap_or(path)
    } else {
        path.strip_prefix(root)
            .or_else(|_| path.strip_prefix(root.strip_prefix(".").unwrap_or(root)))
            .ok()?
    };
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    let last = parts.pop()?;
    let stem = last
        .strip_suffix(".pyi")
        .or_else(|| last.strip_suffix(".py"))?;
    if stem != "__init__" {
        parts.push(stem.to_string());
    }
    if parts.is_empty() || !parts.iter().all(|part| is_identifier(part)) {
        return None;
    }
    Some(parts.join("."))
}

fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The package a module's relative imports resolve against: the module itself for a package
/// `__init__`, otherwise its parent.
pub fn package_of(module: &str, is_package: bool) -> &str {
    if is_package {
        module
    } else {
        module.rsplit_once('.').map_or("", |(parent, _)| parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_modules_from_roots() {
        let roots = [Path::new("src"), Path::new(".")];
        assert_eq!(
            module_name_for(Path::new("src/pkg/wf.py"), &roots).as_deref(),
            Some("pkg.wf")
        );
        assert_eq!(
            module_name_for(Path::new("pkg/__init__.py"), &roots).as_deref(),
            Some("pkg")
        );
        assert_eq!(
            module_name_for(Path::new("./case/wf.py"), &roots).as_deref(),
            Some("case.wf")
        );
        assert_eq!(module_name_for(Path::new("my-dir/wf.py"), &roots), None);
    }

    #[test]
    fn package_of_module() {
        assert_eq!(package_of("a.b.c", false), "a.b");
        assert_eq!(package_of("a.b", true), "a.b");
        assert_eq!(package_of("top", false), "");
    }
}
