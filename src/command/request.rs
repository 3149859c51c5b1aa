//! The request options that `ssecat URL` and `ssecat bench` share, as the
//! plain values `http/` takes.

use reqwest::Method;

use crate::cli::RequestArgs;
use crate::failure::Failure;
use crate::http;

/// The request as the command line gives it: `method` is the METHOD
/// before the URL, `items` the request items after it.
pub fn input<'a>(
    args: &'a RequestArgs,
    method: Option<Method>,
    items: &'a [String],
) -> Result<http::RequestInput<'a>, Failure> {
    Ok(http::RequestInput {
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
