//! The headers that carry credentials: one list for the redirects that
//! drop them, the masking of `-v` and `--record`, the clear-text warning
//! and the help; and the query parameters that carry keys.

/// Request headers that carry credentials: never sent on to another
/// origin, masked by `-v`. As the help names them; HTTP names match in
/// any case.
pub const REQUEST: [&str; 8] = [
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "x-api-key",
    "api-key",
    // Gemini's key header.
    "x-goog-api-key",
    "x-auth-token",
    // Azure API Management.
    "Ocp-Apim-Subscription-Key",
];

/// The response header that carries credentials, masked by `-v`.
pub const RESPONSE: &str = "Set-Cookie";

/// Whether `name` (any case) is a request header of credentials.
pub fn is_request_secret(name: &str) -> bool {
    REQUEST
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// Whether `name` (any case) carries credentials, in a request or a response.
pub fn is_secret(name: &str) -> bool {
    is_request_secret(name) || RESPONSE.eq_ignore_ascii_case(name)
}

/// The request headers of credentials as a list in words: "A, B and C".
pub fn request_in_words() -> String {
    let (last, rest) = REQUEST.split_last().expect("a list of headers");
    format!("{} and {last}", rest.join(", "))
}

/// Query parameters that carry keys (Gemini's `key=`, and the usual others).
const PARAMETERS: &[&str] = &[
    "key",
    "api_key",
    "api-key",
    "apikey",
    "token",
    "access_token",
    "auth",
    "sig",
    "signature",
    "password",
];

/// `query` with the value of each parameter that carries a key replaced
/// by `mask`.
pub fn mask_query(query: &str, mask: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) => {
                format!("{name}={mask}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case() {
        assert!(is_request_secret("authorization"));
        assert!(is_request_secret("X-API-Key"));
        assert!(!is_request_secret("set-cookie"));
        assert!(is_secret("set-cookie"));
        assert!(!is_secret("x-trace"));
        assert_eq!(
            request_in_words(),
            "Authorization, Proxy-Authorization, Cookie, x-api-key, api-key, x-goog-api-key, \
             x-auth-token and Ocp-Apim-Subscription-Key"
        );
    }

    #[test]
    fn query_keys_are_masked() {
        assert_eq!(
            mask_query("alt=sse&key=AIzaSECRET", "****"),
            "alt=sse&key=****"
        );
        assert_eq!(mask_query("Token=x&a=1&b", "<x>"), "Token=<x>&a=1&b");
    }
}
