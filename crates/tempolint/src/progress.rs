//! A progress bar on stderr for long runs (`tempolint replay` over a folder of histories), drawn
//! only when stderr is a terminal and not in CI: logs and pipes never see it.

use std::io::{IsTerminal, Write};

pub(crate) struct Progress {
    total: usize,
    done: usize,
    enabled: bool,
}

const WIDTH: usize = 30;

impl Progress {
    pub(crate) fn new(total: usize) -> Self {
        let enabled =
            total > 1 && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Self {
            total,
            done: 0,
            enabled,
        }
    }

    /// Draws the bar with `label` (the item being worked on) after `done` items.
    pub(crate) fn start(&mut self, label: &str) {
        if !self.enabled {
            return;
        }
        let filled = WIDTH * self.done / self.total.max(1);
        let label: String = label.chars().take(50).collect();
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K[{}{}] {}/{} {label}",
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.done,
            self.total
        );
        self.done += 1;
    }

    /// Erases the bar.
    pub(crate) fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
