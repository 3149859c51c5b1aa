//! The request options that `ssecat URL` and `ssecat bench` share, as the
//! plain values `http/` takes.

use reqwest::Method;

use crate::cli::RequestArgs;
use crate::extract::wire::Prompt;
use crate::failure::Failure;
use crate::http;

/// The request as the command line gives it: `method` is the METHOD
/// before the URL, `prompt` what `--prompt` sends, `items` the request
/// items after the URL.
pub fn input<'a>(
    args: &'a RequestArgs,
    method: Option<Method>,
    prompt: Option<http::PromptInput<'a>>,
    items: &'a [String],
) -> Result<http::RequestInput<'a>, Failure> {
    Ok(http::RequestInput {
        prompt,
        method: method_of(args, method)?,
        headers: &args.headers,
        data: args.data.as_deref(),
        json: args.json.as_deref(),
        bearer: args.bearer.as_deref(),
        user: args.user.as_deref(),
        last_event_id: args.last_event_id.as_deref(),
        raw_data: args.data_raw.as_deref(),
        user_agent: args.user_agent.as_deref(),
        referer: args.referer.as_deref(),
        items,
    })
}

/// The method: `-X`'s, sent as typed as curl does, or the METHOD before
/// the URL; both, they must agree.
fn method_of(args: &RequestArgs, before_url: Option<Method>) -> Result<Option<Method>, Failure> {
    let Some(typed) = &args.method else {
        return Ok(before_url);
    };
    let method = Method::from_bytes(typed.as_bytes())
        .map_err(|_| Failure::Usage(format!("-X {typed:?} is not an HTTP method")))?;
    match before_url {
        Some(before) if !before.as_str().eq_ignore_ascii_case(typed) => Err(Failure::Usage(
            format!("-X {typed} and the METHOD {before} before the URL differ: give one"),
        )),
        _ => Ok(Some(method)),
    }
}

/// How to connect, as the command line says.
pub fn connect(args: &RequestArgs) -> http::Connect {
    http::Connect {
        insecure: args.insecure,
        cacert: args.cacert.clone(),
        proxy: args.proxy.clone(),
        connect_timeout: args.connect_timeout,
    }
}

/// The time limits and redirects, as the command line says (no
/// reconnection, nothing strict).
pub fn policy(args: &RequestArgs) -> http::Policy {
    http::Policy {
        idle_timeout: args.idle_timeout,
        max_time: args.max_time,
        max_redirects: args.location.then_some(args.max_redirs),
        reconnect: None,
        strict: None,
    }
}

/// `--prompt` with the options that go with it, its text read (`@FILE`,
/// `@-`) without the line break that ends a file; `None` without it.
pub fn prompt(args: &RequestArgs) -> anyhow::Result<Option<Prompt>> {
    let Some(text) = &args.prompt else {
        return Ok(None);
    };
    let text = String::from_utf8(http::read_body(text, "--prompt")?)
        .map_err(|_| Failure::Usage("--prompt: the text is not UTF-8".to_owned()))?;
    let text = text.trim_end_matches(['\n', '\r']).to_owned();
    Ok(Some(prompt_of(args, text)))
}

/// The prompt `text` with the options of `args` (`--model`, `--system`, …).
pub fn prompt_of(args: &RequestArgs, text: String) -> Prompt {
    Prompt {
        text,
        system: args.system.clone(),
        model: args.model.clone(),
        max_tokens: args.max_tokens,
        temperature: args.temperature,
    }
}
