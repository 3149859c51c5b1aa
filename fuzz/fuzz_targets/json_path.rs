//! Fuzzes `ssecat::extract::json_path` against serde_json.
//!
//! The input is the JSON text (inputs that are not UTF-8 are skipped). It is
//! looked up at three paths: the OpenAI `choices/0/delta/content`, the empty
//! path (the whole document) and a path of 1 or 2 steps derived from the
//! first byte (see `derived_path`).
//!
//! - When serde_json parses the text, `lookup` must find exactly what
//!   serde_json's `Value` walked with the same typed steps holds (compared
//!   as parsed `Value`s).
//! - When serde_json refuses it for any other reason, `lookup` gives `None`.
//! - `string_value` of a found string equals serde_json's string, and is
//!   `None` for any other value.
//! - A `Query` of several paths (those three and a few more) finds what
//!   each `lookup` finds alone, and `None` exactly when the empty path
//!   finds nothing.
//! - `elements` gives serde_json's array elements, and nothing for any
//!   other document.
//! - Split at its ASCII record separators (0x1E), the input is a stream of
//!   documents: read in turn with one `Template`, each gives what a read in
//!   full gives.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use ssecat::extract::json_path::{elements, lookup, string_value, Query, Step, Template};

const CONTENT: &[Step<'static>] = &[
    Step::Key("choices"),
    Step::Index(0),
    Step::Key("delta"),
    Step::Key("content"),
];

const STEPS: [Step<'static>; 4] = [
    Step::Index(0),
    Step::Index(1),
    Step::Key(""),
    Step::Key("a"),
];

/// One or two steps from `STEPS`, chosen by `h = byte * 155 >> 3` (wrapping
/// `u8` product; the multiplier makes `{`, `[` and the four whitespace bytes,
/// which can start any document, give six different paths): bit 0 of `h`
/// selects two steps, bits 1-2 and 3-4 index `STEPS`. (The empty path is
/// always checked anyway.)
///
/// | first byte | path         |
/// |------------|--------------|
/// | `{`        | `a/1`        |
/// | `[`        | `1/0`        |
/// | space      | `""`         |
/// | tab        | `a`          |
/// | LF         | `0/0`        |
/// | CR         | `1/a`        |
fn derived_path(byte: u8) -> Vec<Step<'static>> {
    let h = byte.wrapping_mul(155) >> 3;
    let len = 1 + usize::from(h & 1);
    [(h >> 1) & 3, (h >> 3) & 3]
        .into_iter()
        .take(len)
        .map(|i| STEPS[usize::from(i)])
        .collect()
}

/// serde_json's parse walked with typed steps, as `lookup` reads a path.
fn walk<'v>(value: &'v Value, path: &[Step<'_>]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |value, step| match (step, value) {
            (Step::Key(key), Value::Object(map)) => map.get(*key),
            (Step::Index(i), Value::Array(items)) => items.get(*i),
            _ => None,
        })
}

fn check(json: &str, parsed: &Result<Value, serde_json::Error>, path: &[Step<'_>]) {
    let found = lookup(json, path);

    if let Some(raw) = found {
        // The found text must itself be one JSON value.
        if let Ok(value) = serde_json::from_str::<Value>(raw) {
            let text = string_value(raw);
            match &value {
                Value::String(expected) => assert_eq!(
                    text.as_deref(),
                    Some(expected.as_str()),
                    "string_value({raw:?})"
                ),
                _ => assert_eq!(text, None, "string_value({raw:?}) of a non-string"),
            }
        }
    }

    match parsed {
        Ok(value) => {
            let expected = walk(value, path);
            let found: Option<Value> = found.map(|raw| {
                serde_json::from_str(raw)
                    .unwrap_or_else(|err| panic!("found {raw:?} is not JSON ({err})"))
            });
            assert_eq!(found.as_ref(), expected, "{json:?} at {path:?}");
        }
        Err(err) => assert_eq!(
            found, None,
            "{json:?} is invalid ({err}) but gave a value at {path:?}"
        ),
    }
}

/// `elements` against serde_json.
fn check_elements(json: &str, parsed: &Result<Value, serde_json::Error>) {
    let items = elements(json);
    match parsed {
        Ok(Value::Array(expected)) => {
            let items: Vec<Value> = items
                .iter()
                .map(|raw| {
                    serde_json::from_str(raw)
                        .unwrap_or_else(|err| panic!("element {raw:?} is not JSON ({err})"))
                })
                .collect();
            assert_eq!(&items, expected, "elements of {json:?}");
        }
        _ => assert!(items.is_empty(), "elements of {json:?} gave {items:?}"),
    }
}

fuzz_target!(|input: &[u8]| {
    let Ok(json) = std::str::from_utf8(input) else {
        return;
    };
    let parsed = serde_json::from_str::<Value>(json);
    let derived = derived_path(input.first().copied().unwrap_or(0));
    check(json, &parsed, CONTENT);
    check(json, &parsed, &[]);
    check(json, &parsed, &derived);
    check_elements(json, &parsed);

    // Paths sharing steps, ending inside one another, and the same twice.
    let paths: [&[Step<'_>]; 8] = [
        CONTENT,
        &[],
        &derived,
        &CONTENT[..2],
        &[Step::Key("choices"), Step::Token("0"), Step::Key("text")],
        &[Step::Key("a")],
        &[Step::Token("a"), Step::Token("1")],
        CONTENT,
    ];
    let alone = paths.map(|path| lookup(json, path));
    let query = Query::new(&paths);
    assert_eq!(
        query.find(json),
        alone[1].is_some().then_some(alone),
        "{json:?}: a query and single lookups disagree"
    );

    let mut template = Template::default();
    for doc in json.split('\u{1e}') {
        assert_eq!(
            query.find_like(doc, &mut template),
            query.find(doc),
            "{doc:?} in {json:?}: read against a template and in full disagree"
        );
    }
});
