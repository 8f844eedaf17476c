//! Replay rules (REP): findings of `tempolint replay`, which runs workflow source against
//! recorded histories. `check` never reports them; they live in the rule table so that every
//! code has one documentation page (`tempolint rule REP101`, `docs/rules/`, SARIF rules).

pub(crate) mod history_length;
pub(crate) mod history_payload_size;
pub(crate) mod replay_divergence;
