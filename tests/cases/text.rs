//! `--text` / `--format text`: the LLM answer text, nothing added.

use super::support::{fixture, read_fixture, ssecat, with_stdin};

/// Expected texts from tests/fixtures/llm/README.md.
const EXPECTED: &[(&str, &str)] = &[
    ("openai-chat.sse", "Hello! How can I help you today?"),
    ("openai-chat-usage.sse", "The capital of France is Paris."),
    ("openai-chat-tools.sse", ""),
    ("openai-chat-error.sse", "Once upon a time"),
    ("vllm-chat-error.sse", "Partial answer"),
];

#[test]
fn text_of_openai_chat_fixtures_is_exactly_the_expected_text() {
    for (name, text) in EXPECTED {
        for flags in [&["--text"][..], &["--format", "text"][..]] {
            ssecat()
                .args(flags)
                .arg(fixture(name))
                .assert()
                .code(0)
                .stdout(*text)
                .stderr("");
        }
        with_stdin(&["--text"], read_fixture(name))
            .code(0)
            .stdout(*text)
            .stderr("");
    }
}

#[test]
fn text_is_unescaped_and_nothing_else_is_printed() {
    let input = concat!(
        "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"a\\nb\\u00e9\\\"\"}}]}\n\n",
        "data: not json\n\n",
        "data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\" \\ud83d\\ude00\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"!\"}},{\"delta\":{\"content\":\"no\"}}]}\n\n",
    );
    with_stdin(&["--text"], input)
        .code(0)
        .stdout("a\nbé\" 😀!")
        .stderr("");
}
