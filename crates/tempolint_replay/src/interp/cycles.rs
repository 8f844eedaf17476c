//! Reference cycles a replay's values form, and how teardown breaks them.
//!
//! Values are reference-counted, and Python code makes cycles all the time: a function defined
//! in a function body holds that body's scope, which holds the function; a suspended task's
//! coroutine awaits a future whose callbacks hold the task; an enum's class holds its members,
//! which hold the class. Python's collector frees those; here teardown empties the objects that
//! can close a cycle, so everything a replay built is freed when it ends (a fleet replayed in
//! one process would otherwise grow with every history: `tests/memory.rs`).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::value::Value;

/// Objects that may be part of a cycle, noted when made and emptied at teardown.
pub(crate) struct Registry<T>(RefCell<Vec<Weak<T>>>);

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry(RefCell::default())
    }
}

impl<T> Registry<T> {
    pub(crate) fn note(&self, object: &Rc<T>) {
        let mut objects = self.0.borrow_mut();
        // Objects already freed are dropped from the list as it grows, so a loop that makes
        // and drops many keeps it at the live ones.
        if objects.len() == objects.capacity() && objects.len() >= 64 {
            objects.retain(|object| object.strong_count() > 0);
        }
        objects.push(Rc::downgrade(object));
    }

    /// The noted objects still alive; the registry is empty afterwards.
    pub(crate) fn take_alive(&self) -> Vec<Rc<T>> {
        self.0.take().iter().filter_map(Weak::upgrade).collect()
    }
}

/// Empties a module's dict, or a class's attributes, member list and dataclass and workflow
/// data, and then the modules and classes found in them: a class's dataclass fields hold the
/// module their annotations are evaluated in, whose dict holds the class; an enum's members
/// hold their class. Each object is emptied before its contents are visited, so a cycle is
/// visited once.
pub(crate) fn break_cycles(value: &Value) {
    let contents = match value {
        Value::Module(module) => module.dict.take(),
        Value::Class(class) => {
            class.enum_members.take();
            class.dataclass.take();
            class.workflow.take();
            class.attrs.take()
        }
        _ => return,
    };
    for inner in contents.values() {
        break_cycles(&inner);
    }
}
