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

use std::io::Write as _;
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
    /// Parse a JSON file into a `serde_json::Value` and nothing else: the floor replay's load
    /// time is measured against (scripts/bench_replay.sh).
    ParseJson { file: std::path::PathBuf },
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

/// Stack for every thread that walks syntax trees (the command's own thread, rayon's workers,
/// the server's blocking jobs): the walkers recurse once per level of nesting, and
/// `tempolint_python` reports files nested deeper than [`tempolint_python::MAX_NESTING`] rather
/// than parse them, so this bounds the stack any input can need. Only the pages used are ever
/// committed.
pub(crate) const ANALYSIS_STACK_BYTES: usize = 512 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(ANALYSIS_STACK_BYTES)
        .build_global();
    // The main thread's stack is the system's (8 MiB); the command runs on one as big as the
    // workers'.
    let command = std::thread::Builder::new()
        .name("tempolint".to_string())
        .stack_size(ANALYSIS_STACK_BYTES)
        .spawn(move || run(cli.command));
    match command.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "tempolint: cannot start the analysis thread: {error}"
            );
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> ExitCode {
    match command {
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
        Command::Debug(DebugCommand::ParseJson { file }) => replay_command::parse_json_only(&file),
        Command::Debug(DebugCommand::RulesTable) => rule_command::print_table(),
        Command::Debug(DebugCommand::GenerateDocs { root, check }) => {
            rule_command::generate_docs(&root, check)
        }
    }
}
