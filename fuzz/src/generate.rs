//! Structure-aware inputs for the `source` target: random but well-formed Temporal modules
//! (workflows, activities, helpers; the calls the rules look for, nested in random statements
//! and expressions), so mutation starts from code that reaches the rules and their fixes.

use std::fmt::Write as _;

use crate::mutate::Rng;

/// Calls the rules know about (clock, randomness, I/O, the SDK's APIs), with their fixes.
const CALLS: &[&str] = &[
    "time.time()",
    "datetime.now()",
    "datetime.datetime.utcnow()",
    "random.randint(1, 6)",
    "uuid.uuid4()",
    "open('f.txt').read()",
    "os.environ.get('X')",
    "time.sleep(1)",
    "print('x')",
    "hash(self)",
    "helpers.stamp()",
    "stamp()",
    "asyncio.wait([a, b])",
    "workflow.execute_activity(work, 1)",
    "workflow.execute_activity(work, 1, 2)",
    "workflow.start_activity(work, start_to_close_timeout=5)",
    "workflow.execute_child_workflow(Other.run, 'x')",
    "workflow.sleep(1)",
    "workflow.continue_as_new()",
    "requests.get('http://x')",
    "subprocess.run(['ls'])",
    "set([1, 2])",
];

const IMPORTS: &str = "import asyncio\nimport datetime\nimport os\nimport random\nimport \
     subprocess\nimport time\nimport uuid\nfrom datetime import datetime, timedelta\n\nimport \
     requests\nfrom temporalio import activity, workflow\n\nimport helpers\nfrom helpers import \
     stamp\n\n";

fn expression(rng: &mut Rng, depth: usize) -> String {
    let call = CALLS[rng.below(CALLS.len())].to_string();
    if depth == 0 {
        return call;
    }
    let inner = expression(rng, depth - 1);
    match rng.below(10) {
        0 => format!("(await {inner})"),
        1 => format!("[{inner}, {}]", expression(rng, depth / 2)),
        2 => format!("{{'k': {inner}}}"),
        3 => format!("({inner} if {} else None)", expression(rng, depth / 2)),
        4 => format!("(lambda: {inner})()"),
        5 => format!("[x for x in sorted({inner})]"),
        // Nested same-quote f-strings need Python 3.12: only the outermost is an f-string.
        6 if !inner.contains('"') => format!("f\"{{{inner}}}\""),
        7 => format!("(not {inner})"),
        8 => format!("str({inner}).strip()"),
        _ => call,
    }
}

fn block(rng: &mut Rng, indent: usize, depth: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for _ in 0..=rng.below(3) {
        let nesting = rng.below(4);
        let value = expression(rng, nesting);
        match if depth == 0 { 0 } else { rng.below(9) } {
            1 => {
                let _ = writeln!(out, "{pad}if {value}:");
                block(rng, indent + 4, depth - 1, out);
                let _ = writeln!(out, "{pad}else:");
                block(rng, indent + 4, depth - 1, out);
            }
            2 => {
                let _ = writeln!(out, "{pad}for item in {value}:");
                block(rng, indent + 4, depth - 1, out);
            }
            3 => {
                let _ = writeln!(out, "{pad}while {value}:");
                block(rng, indent + 4, depth - 1, out);
            }
            4 => {
                let _ = writeln!(out, "{pad}try:");
                block(rng, indent + 4, depth - 1, out);
                let _ = writeln!(out, "{pad}except Exception:\n{pad}    pass");
            }
            5 => {
                let _ = writeln!(out, "{pad}with workflow.unsafe.imports_passed_through():");
                block(rng, indent + 4, depth - 1, out);
            }
            6 => {
                let _ = writeln!(out, "{pad}return {value}  # tempolint: ignore[DET101]");
            }
            7 => {
                let _ = writeln!(out, "{pad}self.state = {value}  # noqa: DET102");
            }
            _ => {
                let _ = writeln!(out, "{pad}value = {value}");
            }
        }
    }
}

/// A workflow module and, after a `# ----` line, its `helpers` module.
pub(crate) fn module(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::from(IMPORTS);
    out.push_str("\n@activity.defn\nasync def work(n: int) -> int:\n");
    block(rng, 4, 2, &mut out);
    out.push_str(
        "    return n\n\n\n@workflow.defn\nclass Flow:\n    def __init__(self) -> None:\n",
    );
    out.push_str(
        "        self.state = None\n\n    @workflow.run\n    async def run(self) -> None:\n",
    );
    block(rng, 8, 3, &mut out);
    out.push_str("\n    @workflow.signal\n    def poke(self) -> None:\n");
    block(rng, 8, 2, &mut out);
    out.push_str("\n\n# ---- helpers.py\nimport time\n\n\ndef stamp():\n");
    block(rng, 4, 2, &mut out);
    out.push_str("    return time.time()\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_modules_parse_and_split_at_the_marker() {
        for seed in 1..200 {
            let text = String::from_utf8(module(&mut Rng::new(seed))).unwrap();
            let at = text.find("\n# ----").unwrap();
            let (workflow, helpers) = (&text[..at], &text[at + 1..]);
            for part in [text.as_str(), workflow, helpers] {
                let parsed = tempolint_python::ParsedSource::parse(part.to_string());
                assert!(
                    parsed.syntax_errors().is_empty(),
                    "seed {seed}: {:?}\n{part}",
                    parsed.syntax_errors()
                );
            }
        }
    }
}
