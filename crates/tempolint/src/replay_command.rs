//! `tempolint replay`: argument parsing and rendering around `tempolint_replay`.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// A history JSON file, or a folder of them.
    #[arg(long)]
    history: PathBuf,
    /// The workflow type to replay (default: the history's own).
    #[arg(long)]
    workflow_type: Option<String>,
    /// Files or folders holding the workflow source.
    paths: Vec<PathBuf>,
}

pub(crate) fn run(args: &ReplayArgs) -> ExitCode {
    let _ = (&args.history, &args.workflow_type, &args.paths);
    ExitCode::from(2)
}
