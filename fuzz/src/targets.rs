//! The fuzz targets: each feeds one input to the real binary the way a user would and says
//! what went wrong, if anything. Nothing may panic, die of a signal (a stack overflow aborts),
//! exit with a code outside the command's contract, or hang; `--fix` may never write a file
//! that does not parse.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Where a `source` input's helper module starts.
const HELPERS_MARKER: &[u8] = b"\n# ----";

/// How long one run may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    /// Source text → `check --fix --unsafe-fixes` over a two-module project.
    Source,
    /// History JSON → `replay` against the project's approval and cancellation workflows.
    History,
    /// TOML → the settings of a `check`.
    Config,
    /// Bytes → `server` on standard input (the seeds are framed LSP sessions).
    Lsp,
}

impl Target {
    pub(crate) const ALL: [Self; 4] = [Self::Source, Self::History, Self::Config, Self::Lsp];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::History => "history",
            Self::Config => "config",
            Self::Lsp => "lsp",
        }
    }

    /// A repository folder whose files seed the target besides its own corpus (the rule
    /// fixtures are the best source seeds, and copies of them would go stale).
    pub(crate) fn fixture_seeds(self) -> Option<&'static str> {
        match self {
            Self::Source => Some("fixtures/rules"),
            Self::History | Self::Config | Self::Lsp => None,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.name() == name)
    }
}

/// Why an input was not run through: a problem found (the point of fuzzing), or one of the
/// fuzzer's own (no binary, no scratch folder), which ends the run without blaming the input.
pub(crate) enum Problem {
    Found(String),
    Setup(String),
}

/// Where a target runs: the binary, a scratch folder of its own, the repository's fixtures.
pub(crate) struct Runner {
    pub(crate) binary: PathBuf,
    pub(crate) scratch: PathBuf,
    pub(crate) repository: PathBuf,
}

impl Runner {
    pub(crate) fn run(&self, target: Target, input: &[u8]) -> Result<(), Problem> {
        match target {
            Target::Source => self.source(input),
            Target::History => self.history(input),
            Target::Config => self.config(input),
            Target::Lsp => self.lsp(input),
        }
    }

    /// The input becomes `wf.py`; what follows its first `# ----` line (else its second half)
    /// also becomes `helpers.py`, which `wf.py` may import: the analysis crosses modules.
    fn source(&self, input: &[u8]) -> Result<(), Problem> {
        let project = self.fresh("project")?;
        let split = input
            .windows(HELPERS_MARKER.len())
            .position(|window| window == HELPERS_MARKER)
            .map_or(input.len() / 2, |at| at + 1);
        let helpers = &input[split..];
        let files = [("wf.py", input), ("helpers.py", helpers)];
        for (name, bytes) in files {
            write(&project.join(name), bytes)?;
        }
        let output = self.tempolint(
            &project,
            &[
                "check",
                "--fix",
                "--unsafe-fixes",
                "--output-format",
                "json",
                ".",
            ],
            None,
        )?;
        expect_code(&output, &[0, 1, 2])?;
        for (name, before) in files {
            let parsed_before =
                std::str::from_utf8(before).is_ok_and(|text| parses(text.to_string()));
            let after = std::fs::read(project.join(name))
                .map_err(|e| Problem::Found(format!("{name} after --fix: {e}")))?;
            if parsed_before && after != before {
                let text = String::from_utf8(after)
                    .map_err(|_| Problem::Found(format!("--fix wrote {name} that is not UTF-8")))?;
                if !parses(text) {
                    return Err(Problem::Found(format!(
                        "--fix wrote {name} that does not parse"
                    )));
                }
            }
        }
        Ok(())
    }

    fn history(&self, input: &[u8]) -> Result<(), Problem> {
        let folder = self.fresh("history")?;
        let history = folder.join("history.json");
        write(&history, input)?;
        let workflows = self.repository.join("fixtures/replay/workflows");
        let output = self.tempolint(
            &folder,
            &[
                "replay",
                "--output-format",
                "json",
                "--history",
                &history.display().to_string(),
                &workflows.join("approval.py").display().to_string(),
                &workflows.join("cancelwf.py").display().to_string(),
            ],
            None,
        )?;
        expect_code(&output, &[0, 1, 2, 3])
    }

    fn config(&self, input: &[u8]) -> Result<(), Problem> {
        let project = self.fresh("config")?;
        write(&project.join("pyproject.toml"), input)?;
        write(
            &project.join("wf.py"),
            b"import time\nfrom temporalio import workflow\n\n@workflow.defn\nclass W:\n    \
              @workflow.run\n    async def run(self) -> float:\n        return time.time()\n",
        )?;
        let output = self.tempolint(&project, &["check", "."], None)?;
        expect_code(&output, &[0, 1, 2])
    }

    fn lsp(&self, input: &[u8]) -> Result<(), Problem> {
        let project = self.fresh("lsp")?;
        let output = self.tempolint(&project, &["server"], Some(input))?;
        expect_code(&output, &[0, 1])
    }

    /// An empty folder `name` in the scratch folder.
    fn fresh(&self, name: &str) -> Result<PathBuf, Problem> {
        let folder = self.scratch.join(name);
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder)
            .map_err(|e| Problem::Setup(format!("{}: {e}", folder.display())))?;
        Ok(folder)
    }

    /// Runs the binary in `cwd` with `stdin` (or none), killing it after [`TIMEOUT`]. Output
    /// goes to files (a pipe nobody reads while waiting would fill and stall the child).
    fn tempolint(&self, cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<Ran, Problem> {
        let open = |name: &str| {
            std::fs::File::create(self.scratch.join(name))
                .map_err(|e| Problem::Setup(format!("{name}: {e}")))
        };
        let mut child = Command::new(&self.binary)
            .args(args)
            .current_dir(cwd)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(open("stdout")?)
            .stderr(open("stderr")?)
            .spawn()
            .map_err(|e| Problem::Setup(format!("cannot run {}: {e}", self.binary.display())))?;
        // Fed from a thread: the server may stop reading (a malformed header ends the session).
        let feeder = stdin.map(|bytes| {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            let bytes = bytes.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            })
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Problem::Found(format!(
                        "`tempolint {}` hung for {TIMEOUT:?}",
                        args.join(" ")
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => return Err(Problem::Setup(e.to_string())),
            }
        };
        if let Some(feeder) = feeder {
            let _ = feeder.join();
        }
        let stderr = std::fs::read(self.scratch.join("stderr")).unwrap_or_default();
        Ok(Ran {
            status,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }
}

/// How a run of the binary ended.
struct Ran {
    status: ExitStatus,
    stderr: String,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Problem> {
    std::fs::write(path, bytes).map_err(|e| Problem::Setup(format!("{}: {e}", path.display())))
}

fn parses(text: String) -> bool {
    tempolint_python::ParsedSource::parse(text)
        .syntax_errors()
        .is_empty()
}

/// The process ended by itself with one of `codes` and did not panic.
fn expect_code(output: &Ran, codes: &[i32]) -> Result<(), Problem> {
    let stderr = &output.stderr;
    if stderr.contains("panicked") {
        return Err(Problem::Found(format!("panicked:\n{stderr}")));
    }
    match output.status.code() {
        Some(code) if codes.contains(&code) => Ok(()),
        Some(code) => Err(Problem::Found(format!("exit code {code}:\n{stderr}"))),
        None => Err(Problem::Found(format!(
            "killed by a signal ({}):\n{stderr}",
            output.status
        ))),
    }
}
