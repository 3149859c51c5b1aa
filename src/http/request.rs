//! The request: what the command line gives, checked once into a
//! [`RequestSpec`] that can be sent many times, and how it changes on a
//! redirect.

use std::fs;
use std::io::{self, Read};

use anyhow::Context;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Request, StatusCode, Url};

use super::prompt::PromptInput;
use super::{items, LAST_EVENT_ID};
use crate::failure::Failure;
use crate::secrets;

/// The request, checked and ready to be sent again and again: on a
/// redirect, a reconnection, or by a load generator.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    /// Headers whose value came from the environment: secrets too.
    pub env_headers: Vec<HeaderName>,
    pub body: Option<Vec<u8>>,
}

/// The request as the command line gives it, before it is checked; each
/// value as typed (`@FILE`, `env:VAR` are read by [`RequestSpec::new`]).
#[derive(Debug, Clone, Default)]
pub struct RequestInput<'a> {
    /// `None`: GET, or POST with a body.
    pub method: Option<Method>,
    /// `Name: value` lines (`-H`).
    pub headers: &'a [String],
    /// `-d`: TEXT, @FILE or @-.
    pub data: Option<&'a str>,
    /// `--json`: TEXT, @FILE or @-, checked.
    pub json: Option<&'a str>,
    /// `--bearer`: TOKEN or env:VAR.
    pub bearer: Option<&'a str>,
    /// `-u`: USER:PASS, PASS may be env:VAR.
    pub user: Option<&'a str>,
    pub last_event_id: Option<&'a str>,
    /// `--prompt`: the body is the request it makes, with its headers.
    pub prompt: Option<PromptInput<'a>>,
    /// `--data-raw`: TEXT, sent as it is (no `@` meaning).
    pub raw_data: Option<&'a str>,
    /// `-A`: the User-Agent instead of ssecat's; empty, none is sent.
    pub user_agent: Option<&'a str>,
    /// `-e`: the Referer.
    pub referer: Option<&'a str>,
    /// xh's request items, the words after the URL (`Name:value`,
    /// `field=text`, `field:=json`, `param==value`).
    pub items: &'a [String],
}

impl RequestSpec {
    /// Checks `input` and builds the request to `url`; also gives what the
    /// user should know about it before it is sent (warnings).
    pub fn new(url: Url, input: &RequestInput<'_>) -> anyhow::Result<(RequestSpec, Vec<String>)> {
        request_spec(url, input)
    }

    pub(super) fn build(&self, client: &Client) -> anyhow::Result<Request> {
        let mut builder = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        builder.build().context("building the request")
    }

    /// Turns this request into the one that follows a redirect to `next`.
    pub(super) fn redirect(&mut self, status: StatusCode, next: Url) {
        // As browsers and curl do: 303 always, and 301/302 after a POST, become a GET without body.
        let to_get = status == StatusCode::SEE_OTHER && self.method != Method::HEAD
            || matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                && self.method == Method::POST;
        if to_get {
            self.method = Method::GET;
            self.body = None;
            self.headers.remove(header::CONTENT_TYPE);
        }
        if next.origin() != self.url.origin() {
            for name in secrets::REQUEST {
                self.headers.remove(name);
            }
            for name in &self.env_headers {
                self.headers.remove(name);
            }
        }
        self.url = next;
    }
}

/// The request, and warnings about it for the user.
fn request_spec(
    mut url: Url,
    input: &RequestInput<'_>,
) -> anyhow::Result<(RequestSpec, Vec<String>)> {
    let items = items::read(input.items)?;
    if !items.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&items.query);
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::USER_AGENT,
        HeaderValue::from_static(concat!("ssecat/", env!("CARGO_PKG_VERSION"))),
    );
    // As curl: -A '' sends no User-Agent.
    if let Some(agent) = input.user_agent {
        headers.remove(header::USER_AGENT);
        if !agent.is_empty() {
            headers.insert(header::USER_AGENT, header_value(agent, "--user-agent")?);
        }
    }
    if let Some(referer) = input.referer.filter(|referer| !referer.is_empty()) {
        headers.insert(header::REFERER, header_value(referer, "--referer")?);
    }

    let body = match (input.data, input.json) {
        (Some(data), _) => Some(read_body(data, "--data")?),
        (None, Some(json)) => {
            let body = read_body(json, "--json")?;
            if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                return Err(Failure::Usage(format!("--json is not valid JSON: {err}")).into());
            }
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Some(body)
        }
        (None, None) => input.raw_data.map(|text| text.as_bytes().to_vec()),
    };
    let body = match (body, items.body) {
        (None, Some(json)) => {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Some(json)
        }
        (Some(_), Some(_)) => {
            let message = "request items (field=text, field:=json) build the body: \
                           not with -d, --data-raw or --json";
            return Err(Failure::Usage(message.to_owned()).into());
        }
        (body, None) => body,
    };
    let body = match &input.prompt {
        Some(_) if body.is_some() => {
            let message = "--prompt builds the body: not with request items (field=text), \
                           -d, --data-raw or --json";
            return Err(Failure::Usage(message.to_owned()).into());
        }
        Some(prompt) => {
            let (body, api_headers) = prompt.request(&url)?;
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            for (name, value) in api_headers {
                headers.insert(name, HeaderValue::from_static(value));
            }
            Some(body)
        }
        None => body,
    };
    if let Some(token) = input.bearer {
        let token = secret_value(token, "--bearer")?;
        headers.insert(
            header::AUTHORIZATION,
            header_value(&format!("Bearer {token}"), "--bearer")?,
        );
    }
    if let Some(user) = input.user {
        let (name, password) = user.split_once(':').unwrap_or((user, ""));
        let password = secret_value(password, "--user")?;
        let credentials = BASE64.encode(format!("{name}:{password}"));
        headers.insert(
            header::AUTHORIZATION,
            header_value(&format!("Basic {credentials}"), "--user")?,
        );
    }
    if let Some(id) = input.last_event_id {
        headers.insert(LAST_EVENT_ID, header_value(id, "--last-event-id")?);
    }
    let mut env_headers = Vec::new();
    let mut warnings = Vec::new();
    let mut user_names: Vec<HeaderName> = Vec::new();
    for line in input.headers.iter().chain(&items.headers) {
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Failure::Usage(format!("bad header {line:?}: expected 'Name: value'"))
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::Usage(format!("bad header name in {line:?}")))?;
        let value = value.trim_start();
        if value.is_empty() {
            headers.remove(&name);
            continue;
        }
        if value.starts_with("env:") {
            env_headers.push(name.clone());
        } else if let Some(at) = value.find("env:") {
            warnings.push(literal_env_warning(&name, &value[at..]));
        }
        let value = header_value(&secret_value(value, "--header")?, "--header")?;
        // The first value given for a name replaces a default; more values add to it.
        if user_names.contains(&name) {
            headers.append(name, value);
        } else {
            user_names.push(name.clone());
            headers.insert(name, value);
        }
    }
    let method = input.method.clone().unwrap_or(if body.is_some() {
        Method::POST
    } else {
        Method::GET
    });
    if let Some(name) = credentials_in_clear(&url, &headers) {
        warnings.push(format!(
            "sending credentials ({name}) over plain http:// to {}: anyone on the way \
             can read them; use https://",
            url.host_str().unwrap_or_default()
        ));
    }
    Ok((
        RequestSpec {
            method,
            url,
            headers,
            env_headers,
            body,
        },
        warnings,
    ))
}

/// `-H 'Authorization: Bearer env:KEY'` sends `env:KEY` as written: only a
/// whole value is read from the environment.
fn literal_env_warning(name: &HeaderName, from_env: &str) -> String {
    let variable = from_env.split_whitespace().next().unwrap_or(from_env);
    let instead = if name == header::AUTHORIZATION {
        format!("; --bearer {variable} sends 'Authorization: Bearer' with its value")
    } else {
        String::new()
    };
    format!(
        "-H {name} sends {variable:?} as written: only a whole value env:VAR is read \
         from the environment{instead}"
    )
}

/// The first credential header that `headers` would send in clear text to
/// a host other than this machine.
fn credentials_in_clear(url: &Url, headers: &HeaderMap) -> Option<&'static str> {
    if url.scheme() != "http" || is_loopback(url) {
        return None;
    }
    // Proxy-Authorization goes to the proxy, not to this host.
    secrets::REQUEST
        .into_iter()
        .filter(|name| !name.eq_ignore_ascii_case("proxy-authorization"))
        .find(|name| headers.contains_key(*name))
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    match ip.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

fn header_value(text: &str, flag: &str) -> Result<HeaderValue, Failure> {
    HeaderValue::from_str(text)
        .map_err(|_| Failure::Usage(format!("{flag}: the value is not a valid header value")))
}

/// `env:NAME` is read from the environment, so secrets stay out of shell
/// history and `ps`; anything else is taken as it is.
fn secret_value(text: &str, flag: &str) -> Result<String, Failure> {
    let Some(name) = text.strip_prefix("env:") else {
        return Ok(text.to_owned());
    };
    std::env::var(name).map_err(|_| {
        Failure::Usage(format!(
            "{flag}: the environment variable {name} is not set"
        ))
    })
}

/// `TEXT`, `@FILE`, or `@-` for standard input.
pub fn read_body(arg: &str, flag: &str) -> anyhow::Result<Vec<u8>> {
    match arg.strip_prefix('@') {
        None => Ok(arg.as_bytes().to_vec()),
        Some("-") => {
            let mut body = Vec::new();
            io::stdin()
                .read_to_end(&mut body)
                .with_context(|| format!("reading {flag} from standard input"))?;
            Ok(body)
        }
        Some(path) => fs::read(path)
            .map_err(|err| Failure::Usage(format!("{flag}: cannot read {path}: {err}")).into()),
    }
}
