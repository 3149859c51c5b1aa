//! A synthetic OpenAI Chat Completions stream, for benchmarks.

/// Tokens as models send them: mostly short words with a leading space, some
/// punctuation, escapes and non-ASCII text.
const TOKENS: &[&str] = &[
    " The",
    " quick",
    " brown",
    " fox",
    " jumps",
    " over",
    " the",
    " lazy",
    " dog",
    ".",
    "\\n\\n",
    " It",
    " said",
    " \\\"hello\\\"",
    " in",
    " Fran\u{e7}ais",
    " and",
    " \u{65e5}\u{672c}\u{8a9e}",
    " \u{1F600}",
    ",",
    " then",
    " ran",
    " away",
    "!",
];

/// Returns an OpenAI-style stream of at least `min_bytes`, ending with `[DONE]`,
/// and the answer text a `--text` extractor must give for it.
pub fn generate(min_bytes: usize) -> (Vec<u8>, String) {
    let mut stream = Vec::with_capacity(min_bytes + 512);
    let mut text = String::new();
    let mut i = 0;
    while stream.len() < min_bytes {
        let token = TOKENS[i % TOKENS.len()];
        let line = format!(
            "data: {{\"id\":\"chatcmpl-Ax7Kq2mZt9LrB4wYcN1pQ8sVd3Fh\",\"object\":\"chat.completion.chunk\",\
             \"created\":1731542400,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\
             \"system_fingerprint\":\"fp_72ed7ab54c\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{token}\"}},\
             \"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
        );
        stream.extend_from_slice(line.as_bytes());
        text.push_str(&token.replace("\\n", "\n").replace("\\\"", "\""));
        i += 1;
    }
    stream.extend_from_slice(b"data: [DONE]\n\n");
    (stream, text)
}
