//! The request options that `ssecat URL` and `ssecat bench` share, as the
//! plain values `http/` takes.

use crate::cli::RequestArgs;
use crate::http;

/// The request as the command line gives it.
pub fn input(args: &RequestArgs, method: Option<reqwest::Method>) -> http::RequestInput<'_> {
    http::RequestInput {
        method,
        headers: &args.headers,
        data: args.data.as_deref(),
        json: args.json.as_deref(),
        bearer: args.bearer.as_deref(),
        user: args.user.as_deref(),
        last_event_id: args.last_event_id.as_deref(),
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
