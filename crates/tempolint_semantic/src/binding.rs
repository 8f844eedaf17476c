/// What an expression refers to, as far as static resolution can tell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Binding {
    /// A module, function, class or other module member, by canonical dotted name
    /// (`datetime.datetime.now`, `pkg.helpers.stamp`); also a member reached through an
    /// instance (`sqlite3.Connection.execute`).
    Symbol(String),
    /// An instance of the class with this canonical name (`httpx.Client`, `builtins.set`).
    Instance(String),
    /// Not known: nothing is reported from it.
    Unknown,
}

impl Binding {
    pub fn symbol(&self) -> Option<&str> {
        match self {
            Binding::Symbol(name) => Some(name),
            _ => None,
        }
    }

    pub fn instance(&self) -> Option<&str> {
        match self {
            Binding::Instance(name) => Some(name),
            _ => None,
        }
    }

    /// Whether iterating this value follows hash order (`set`, `frozenset`, set-like views).
    pub fn is_unordered_collection(&self) -> bool {
        matches!(self.instance(), Some("builtins.set" | "builtins.frozenset"))
    }
}

/// Builtin names (sorted, for binary search) that resolve to `builtins.<name>` when nothing shadows them.
pub(crate) const BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

#[cfg(test)]
mod tests {
    #[test]
    fn builtins_are_sorted() {
        assert!(super::BUILTINS.is_sorted());
    }
}
