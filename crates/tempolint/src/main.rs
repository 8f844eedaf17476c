//! The `tempolint` binary: command-line front end over the analysis core and the replay runtime.

mod cache;
mod check_command;
mod context;
mod discovery;
mod fix;
mod loader;
mod printer;
mod progress;
mod replay_command;
mod replay_remote;
mod replay_report;
mod rule_command;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Parsing allocates many small nodes from several threads; mimalloc keeps that cheap.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tempolint",
    version,
    about = "Static analysis for Temporal Python workflows"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint Python files for Temporal determinism, timeout, blocking and payload problems.
    Check(check_command::CheckArgs),
    /// Print the documentation of a rule (or of all rules).
    Rule(rule_command::RuleArgs),
    /// Replay workflow source against recorded event histories.
    Replay(Box<replay_command::ReplayArgs>),
    /// Serve the Language Server Protocol over stdio (for editors).
    Server,
    /// Print the version.
    Version,
    /// Developer tools (parse-only floor for benchmarks).
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Read and parse every Python file under PATHS, in parallel; print the file count.
    Parse { paths: Vec<std::path::PathBuf> },
    /// Print the README's rules table (Markdown), generated from the rule registry.
    RulesTable,
    /// Write `docs/rules/<CODE>.md` and the README's rules table from the rule doc comments
    /// (`--check`: write nothing, exit 1 when they are stale).
    GenerateDocs {
        /// The repository root (default: the current folder).
        #[arg(default_value = ".")]
        root: std::path::PathBuf,
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Deeply nested source recurses deeply in the parser and the checker: give the worker
    // threads the main thread's headroom rather than rayon's 2 MiB default.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .build_global();
    match cli.command {
        Command::Check(args) => check_command::run(&args),
        Command::Rule(args) => rule_command::run(&args),
        Command::Replay(args) => replay_command::run(&args),
        Command::Server => server::run(),
        Command::Version => {
            #[allow(clippy::print_stdout, reason = "the version is the command's output")]
            {
                println!("tempolint {}", env!("CARGO_PKG_VERSION"));
            }
            ExitCode::SUCCESS
        }
        Command::Debug(DebugCommand::Parse { paths }) => check_command::parse_only(&paths),
        Command::Debug(DebugCommand::RulesTable) => rule_command::print_table(),
        Command::Debug(DebugCommand::GenerateDocs { root, check }) => {
            rule_command::generate_docs(&root, check)
        }
    }
}
