//! The `tempolint` binary: command-line front end over the analysis core and the replay runtime.

mod replay_command;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tempolint", version, about = "Static analysis for Temporal Python workflows")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay workflow source against recorded event histories.
    Replay(replay_command::ReplayArgs),
    /// Print the version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => replay_command::run(&args),
        Command::Version => {
            #[allow(clippy::print_stdout)]
            {
                println!("tempolint {}", env!("CARGO_PKG_VERSION"));
            }
            ExitCode::SUCCESS
        }
    }
}
