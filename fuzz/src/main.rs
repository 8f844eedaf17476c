//! `tempolint_fuzz TARGET [--seconds N] [--seed S] [--binary PATH] [--corpus DIR] [--replay]`:
//! a bounded mutational fuzzer that runs on the stable toolchain. It mutates the seed corpus
//! `fuzz/corpus/TARGET` (bit flips, edge bytes, deletions, repetitions, dictionary tokens,
//! splices), and for `source` also generates well-formed Temporal modules (`generate.rs`), and
//! feeds each input to the real release binary (see `targets.rs`). The first
//! failure is saved to `fuzz/artifacts/TARGET/` and ends the run with exit 1; `--replay` runs
//! every corpus file and every file of `fuzz/regressions/TARGET` once, unmutated (inputs that
//! once crashed the binary go there when fixed: too big or slow to be mutation seeds).
//!
//! Without coverage feedback this finds what blind mutation of realistic seeds can reach; with
//! `cargo-afl` installed, `scripts/fuzz.sh --afl` runs coverage-guided AFL++ on the library
//! layers (`fuzz/afl`).

mod generate;
mod mutate;
mod targets;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mutate::{Rng, mutate};
use targets::{Problem, Runner, Target};

struct Options {
    target: Target,
    seconds: u64,
    seed: u64,
    binary: PathBuf,
    corpus: PathBuf,
    replay: bool,
}

fn usage() -> String {
    let names: Vec<&str> = Target::ALL.iter().map(|target| target.name()).collect();
    format!(
        "usage: tempolint_fuzz {{{}}} [--seconds N] [--seed S] [--binary PATH] [--corpus DIR] [--replay]",
        names.join("|")
    )
}

fn parse_options() -> Result<Options, String> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1);
    let target = args.next().ok_or_else(usage)?;
    let target = Target::parse(&target).ok_or_else(usage)?;
    let mut options = Options {
        target,
        seconds: 30,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.as_nanos() as u64),
        binary: fuzz.join("../target/release/tempolint"),
        corpus: fuzz.join("corpus").join(target.name()),
        replay: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--replay" {
            options.replay = true;
            continue;
        }
        let value = args.next().ok_or_else(usage)?;
        match flag.as_str() {
            "--seconds" => options.seconds = value.parse().map_err(|_| usage())?,
            "--seed" => options.seed = value.parse().map_err(|_| usage())?,
            "--binary" => options.binary = PathBuf::from(value),
            "--corpus" => options.corpus = PathBuf::from(value),
            _ => return Err(usage()),
        }
    }
    Ok(options)
}

/// The seed inputs, in name order.
fn read_corpus(folder: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    let corpus: Vec<(PathBuf, Vec<u8>)> = paths
        .into_iter()
        .filter_map(|path| std::fs::read(&path).ok().map(|bytes| (path, bytes)))
        .collect();
    if corpus.is_empty() {
        return Err(format!("{}: no seed inputs", folder.display()));
    }
    Ok(corpus)
}

/// Saves a failing input; its path.
fn save_failure(target: Target, input: &[u8]) -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join(target.name());
    let _ = std::fs::create_dir_all(&folder);
    // FNV-1a: a stable name for the same input.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
    });
    let path = folder.join(format!("crash-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

fn run(options: &Options) -> Result<bool, String> {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut corpus = read_corpus(&options.corpus)?;
    if let Some(folder) = options.target.fixture_seeds() {
        corpus.extend(read_corpus(&repository.join(folder))?);
    }
    let scratch = std::env::temp_dir().join(format!(
        "tempolint-fuzz-{}-{}",
        options.target.name(),
        std::process::id()
    ));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let runner = Runner {
        binary: std::path::absolute(&options.binary).map_err(|e| e.to_string())?,
        scratch: scratch.clone(),
        repository,
    };
    let mut out = std::io::stdout();
    let name = options.target.name();
    let mut failed = false;
    if options.replay {
        let regressions = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("regressions")
            .join(name);
        let mut inputs = corpus.clone();
        if regressions.is_dir() {
            inputs.extend(read_corpus(&regressions)?);
        }
        for (path, input) in &inputs {
            match runner.run(options.target, input) {
                Ok(()) => {}
                Err(Problem::Found(problem)) => {
                    let _ = writeln!(out, "{name}: {} fails: {problem}", path.display());
                    failed = true;
                }
                Err(Problem::Setup(problem)) => return Err(problem),
            }
        }
        let _ = writeln!(
            out,
            "{name}: replayed {} corpus and regression inputs",
            inputs.len()
        );
    } else {
        let mut rng = Rng::new(options.seed);
        let deadline = Instant::now() + Duration::from_secs(options.seconds);
        let mut executions = 0u64;
        while Instant::now() < deadline {
            let (_, seed) = &corpus[rng.below(corpus.len())];
            let (_, other) = &corpus[rng.below(corpus.len())];
            // A third of `source` inputs are generated modules (mutated half the time).
            let input = if options.target == Target::Source && rng.below(3) == 0 {
                let generated = generate::module(&mut rng);
                if rng.below(2) == 0 {
                    mutate(&mut rng, &generated, other)
                } else {
                    generated
                }
            } else {
                mutate(&mut rng, seed, other)
            };
            executions += 1;
            if let Err(problem) = runner.run(options.target, &input) {
                let problem = match problem {
                    Problem::Found(problem) => problem,
                    Problem::Setup(problem) => return Err(problem),
                };
                let saved = save_failure(options.target, &input);
                let _ = writeln!(
                    out,
                    "{name}: FAILURE after {executions} executions, saved to {}:\n{problem}",
                    saved.display()
                );
                failed = true;
                break;
            }
        }
        let _ = writeln!(
            out,
            "{name}: {executions} executions in {}s (seed {}), {} seed inputs",
            options.seconds,
            options.seed,
            corpus.len()
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(!failed)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "{message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "tempolint_fuzz: {message}");
            ExitCode::from(2)
        }
    }
}
