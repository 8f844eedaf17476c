//! Payload and history rules (PAY): values too large for Temporal's limits.

pub(crate) mod oversized_payload;
pub(crate) mod unbounded_history;
pub(crate) mod whole_content_return;
