use std::path::{Component, Path};

/// The dotted module name of `path` relative to the first source root that contains it
/// (`src/pkg/wf.py` under root `src` is `pkg.wf`; `pkg/__init__.py` is `pkg`).
/// Returns `None` when the path is under none of the roots or has a non-identifier part.
pub fn module_name_for(path: &Path, roots: &[&Path]) -> Option<String> {
    roots.iter().find_map(|root| relative_module(path, root))
}

/// The module name of a file under no source root, or under a folder whose name is not an
/// identifier (`my-repo/pkg/wf.py`): its trailing identifier folders and its stem
/// (`pkg.wf`). Sibling imports then still resolve, and same-named files in different
/// folders keep different names.
pub fn trailing_module_name(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut components = path.components().rev();
    let file = components.next()?.as_os_str().to_str()?;
    let stem = file
        .strip_suffix(".pyi")
        .or_else(|| file.strip_suffix(".py"))?;
    if stem != "__init__" {
        parts.push(stem);
    }
    for component in components {
        match component {
            Component::Normal(part) => match part.to_str() {
                Some(part) if is_identifier(part) => parts.push(part),
                _ => break,
            },
            _ => break,
        }
    }
    if parts.is_empty() || !is_identifier(parts[0]) {
        return None;
    }
    parts.reverse();
    Some(parts.join("."))
}

fn relative_module(path: &Path, root: &Path) -> Option<String> {
    if let TextMatch::Decided(name) = relative_module_fast(path, root) {
        return name;
    }
    let relative = if root.as_os_str().is_empty() || root == Path::new(".") {
        path.strip_prefix(".").unwrap_or(path)
    } else {
        path.strip_prefix(root)
            .or_else(|_| path.strip_prefix(root.strip_prefix(".").unwrap_or(root)))
            .ok()?
    };
    let mut parts: Vec<String> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    dotted(parts.iter().map(String::as_str))
}

/// The answer of the text comparison, or that it does not apply.
enum TextMatch {
    Decided(Option<String>),
    NotApplicable,
}

/// The common case of absolute, UTF-8 paths, compared as text (path component parsing is
/// the larger part of the cost otherwise).
fn relative_module_fast(path: &Path, root: &Path) -> TextMatch {
    let (Some(path), Some(root)) = (path.to_str(), root.to_str()) else {
        return TextMatch::NotApplicable;
    };
    if !path.starts_with('/')
        || !root.starts_with('/')
        || path.contains("/./")
        || path.contains("//")
    {
        return TextMatch::NotApplicable;
    }
    let mut root = root;
    while let Some(trimmed) = root.strip_suffix("/.").or_else(|| root.strip_suffix('/')) {
        root = trimmed;
    }
    if root.contains("/./") {
        return TextMatch::NotApplicable;
    }
    let Some(rest) = path
        .strip_prefix(root)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return TextMatch::Decided(None);
    };
    if rest.split('/').any(|part| part == "..") {
        return TextMatch::NotApplicable;
    }
    TextMatch::Decided(dotted(rest.split('/')))
}

/// `pkg/sub/mod.py` parts as `pkg.sub.mod` (`__init__` names its package).
fn dotted<'p>(parts: impl Iterator<Item = &'p str>) -> Option<String> {
    let mut parts: Vec<&str> = parts.collect();
    let last = parts.pop()?;
    let stem = last
        .strip_suffix(".pyi")
        .or_else(|| last.strip_suffix(".py"))?;
    if stem != "__init__" {
        parts.push(stem);
    }
    if parts.is_empty() || !parts.iter().all(|part| is_identifier(part)) {
        return None;
    }
    Some(parts.join("."))
}

/// Whether `part` can name a Python module or package.
pub fn is_identifier(part: &str) -> bool {
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
        let absolute = [Path::new("/repo/src"), Path::new("/repo/.")];
        assert_eq!(
            module_name_for(Path::new("/repo/src/pkg/__init__.py"), &absolute).as_deref(),
            Some("pkg")
        );
        assert_eq!(
            module_name_for(Path::new("/repo/case/wf.py"), &absolute).as_deref(),
            Some("case.wf")
        );
        assert_eq!(
            module_name_for(Path::new("/elsewhere/wf.py"), &absolute),
            None
        );
    }

    #[test]
    fn trailing_names_stop_at_the_first_non_identifier_folder() {
        assert_eq!(
            trailing_module_name(Path::new("/x/my-repo/pkg/wf.py")).as_deref(),
            Some("pkg.wf")
        );
        assert_eq!(
            trailing_module_name(Path::new("/x/my-repo/pkg/__init__.py")).as_deref(),
            Some("pkg")
        );
        assert_eq!(trailing_module_name(Path::new("my-repo/bad-name.py")), None);
    }

    #[test]
    fn package_of_module() {
        assert_eq!(package_of("a.b.c", false), "a.b");
        assert_eq!(package_of("a.b", true), "a.b");
        assert_eq!(package_of("top", false), "");
    }
}
