use crate::checker::{CallInfo, Checker};
use crate::registry::Rule;
use crate::rules::blocking::{classified_as, report_call};
use crate::rules::violation;

violation! {
    /// ## What it does
    /// Checks for blocking network I/O in `async def` activities and the helpers they call:
    /// `requests` (also `Session` objects kept on `self`), `urllib.request`, `httpx.Client`,
    /// `urllib3`, `smtplib`, `ftplib`, `socket`, and the synchronous API clients of the LLM
    /// era: `openai.OpenAI`, `anthropic.Anthropic`, `litellm.completion`/`embedding`,
    /// `google.genai.Client` (not its `.aio`), a strands `Agent` called directly (not its
    /// `invoke_async`), LangChain chat models' and prebuilt LangGraph agents' `invoke` (not
    /// `ainvoke`), Haystack's `Pipeline.run`, `stripe`, and web API clients: `slack_sdk`'s
    /// `WebClient`, `twilio.rest.Client`, web3's JSON-RPC calls. Clients kept on `self`, passed to
    /// annotated helpers, or returned by annotated factories are followed, and so are calls
    /// through handler-dispatch tables (`HANDLERS[kind](…)`, a factory returning functions).
    ///
    /// ## Why is this bad?
    /// The call blocks the worker's event loop for the whole round trip, stalling every other
    /// activity and delaying heartbeats until they time out.
    ///
    /// ## Example
    /// ```python
    /// import requests
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def fetch(url: str) -> int:
    ///     return requests.get(url).status_code
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import httpx
    /// from temporalio import activity
    ///
    /// @activity.defn
    /// async def fetch(url: str) -> int:
    ///     async with httpx.AsyncClient() as client:
    ///         return (await client.get(url)).status_code
    /// ```
    BlockingNetwork => BlockingNetwork { symbol: String }
}

impl BlockingNetwork {
    fn describe(&self) -> String {
        format!(
            "`{}()` does blocking network I/O inside an `async def` activity and stalls the worker's event loop. Use an async client or a sync (`def`) activity",
            self.symbol
        )
    }
}

pub(crate) fn check(checker: &mut Checker, info: &CallInfo) {
    let Some(symbol) = classified_as(info, Rule::BlockingNetwork) else {
        return;
    };
    report_call(
        checker,
        info,
        &BlockingNetwork {
            symbol: symbol.to_string(),
        },
    );
}
