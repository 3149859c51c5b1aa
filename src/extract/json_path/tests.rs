use proptest::prelude::*;
use serde_json::Value;

use super::*;

const CONTENT: &[Step<'static>] = &[
    Step::Key("choices"),
    Step::Index(0),
    Step::Key("delta"),
    Step::Key("content"),
];

/// The same path as JSON Pointer tokens.
const TOKENS: &[Step<'static>] = &[
    Step::Token("choices"),
    Step::Token("0"),
    Step::Token("delta"),
    Step::Token("content"),
];

/// What `lookup` must agree with: serde_json's own parse, walked with typed
/// steps.
fn reference(json: &str, path: &[Step<'_>]) -> Result<Option<Value>, serde_json::Error> {
    let value: Value = serde_json::from_str(json)?;
    Ok(walk(&value, path).cloned())
}

fn walk<'v>(value: &'v Value, path: &[Step<'_>]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |value, step| match (step, value) {
            (Step::Key(key), Value::Object(map)) => map.get(*key),
            (Step::Index(i), Value::Array(items)) => items.get(*i),
            (Step::Token(token), Value::Object(map)) => map.get(*token),
            (Step::Token(token), Value::Array(items)) => items.get(pointer_index(token)?),
            _ => None,
        })
}

/// Runs `f` with texts taking `path` rather than the index.
fn on<R>(path: Path, f: impl FnOnce() -> R) -> R {
    PATH.set(path);
    let result = f();
    PATH.set(Path::Indexed);
    result
}

/// Runs `f` on the portable path (eight bytes at a time, then one), which
/// targets without SSE2 take.
fn portable<R>(f: impl FnOnce() -> R) -> R {
    on(Path::Portable, f)
}

/// Checks `lookup` against serde_json, that looking up several paths at
/// once finds what each lookup finds alone, and that the indexed, scanned
/// and portable paths agree.
fn check(json: &str, path: &[Step<'_>]) {
    let everything = || {
        (
            lookup(json, path),
            lookup_all(json, &[CONTENT, path, &[], TOKENS]),
            elements(json),
        )
    };
    let indexed = everything();
    assert_eq!(
        indexed,
        on(Path::Scanned, everything),
        "{json:?} at {path:?}"
    );
    assert_eq!(indexed, portable(everything), "{json:?} at {path:?}");
    check_elements(json);
    let found = lookup(json, path);
    let alone = [
        lookup(json, CONTENT),
        found,
        lookup(json, &[]),
        lookup(json, TOKENS),
    ];
    // The empty path finds the whole document exactly when it is valid.
    let valid = alone[2].is_some();
    assert_eq!(
        lookup_all(json, &[CONTENT, path, &[], TOKENS]),
        valid.then_some(alone),
        "{json:?}"
    );
    match reference(json, path) {
        Ok(expected) => {
            let found: Option<Value> = found.map(|raw| serde_json::from_str(raw).unwrap());
            assert_eq!(found, expected, "{json:?} at {path:?}");
        }
        Err(err) => assert_eq!(found, None, "{json:?} is invalid ({err}) but gave a value"),
    }
}

/// Checks `elements` against serde_json.
fn check_elements(json: &str) {
    let items: Vec<Value> = elements(json)
        .into_iter()
        .map(|raw| serde_json::from_str(raw).unwrap())
        .collect();
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Array(expected)) => assert_eq!(items, expected, "{json:?}"),
        _ => assert_eq!(items, Vec::<Value>::new(), "{json:?}"),
    }
}

#[test]
fn finds_the_openai_delta_content() {
    let json =
        r#"{"id":"x","choices":[{"index":0,"delta":{"content":"Hi \"you\""},"logprobs":null}]}"#;
    let raw = lookup(json, CONTENT).unwrap();
    assert_eq!(raw, r#""Hi \"you\"""#);
    assert_eq!(string_value(raw).unwrap(), "Hi \"you\"");
}

#[test]
fn string_values_borrow_unless_escaped() {
    assert!(matches!(
        string_value(r#""plain""#),
        Some(Cow::Borrowed("plain"))
    ));
    assert_eq!(
        string_value(r#""a\nb\t\u00e9\ud83d\ude00\/\\""#).as_deref(),
        Some("a\nb\té😀/\\")
    );
    assert_eq!(string_value("42"), None);
    // Alone, without `lookup` first, broken escapes are refused, not trusted.
    for raw in [
        r#""\ud800\u0041""#,
        r#""\ud800x""#,
        r#""\x""#,
        r#""\u12""#,
        r#""\udc00""#,
    ] {
        assert_eq!(string_value(raw), None, "{raw}");
    }
    let mut out = "kept".to_owned();
    assert!(!push_string(r#""ab\q""#, &mut out));
    assert_eq!(out, "kept");
    assert!(push_string(r#""\u00e9!""#, &mut out));
    assert_eq!(out, "kepté!");
    assert_eq!(string_value("null"), None);
}

#[test]
fn invalid_documents_give_nothing_even_after_the_value() {
    for json in [
        r#"{"choices":[{"delta":{"content":"a"}}]"#,
        r#"{"choices":[{"delta":{"content":"a"}}]} x"#,
        r#"{"choices":[{"delta":{"content":"a"}}],}"#,
        r#"{"choices":[{"delta":{"content":"a\x"}}]}"#,
        r#"{"choices":[{"delta":{"content":"\ud800"}}]}"#,
        r#"{"choices":[{"delta":{"content":"\udc00\ud800"}}]}"#,
        "{\"choices\":[{\"delta\":{\"content\":\"tab\there\"}}]}",
        r#"{"choices":[{"delta":{"content":"a"}}],"n":01}"#,
        r#"{"choices":[{"delta":{"content":"a"}}],"n":1.}"#,
        r#"{"choices":[{"delta":{"content":"a"}}],"n":tru}"#,
        r#"{"choices":[{"delta":{"content":"a"}}] "n":1}"#,
    ] {
        assert_eq!(lookup(json, CONTENT), None, "{json}");
        check(json, CONTENT);
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(lookup(&deep, &[]), None);
    // serde_json's limit exactly: 127 levels pass, 128 do not.
    let fine = "[".repeat(127) + &"]".repeat(127);
    assert_eq!(lookup(&fine, &[]), Some(fine.as_str()));
    check(&fine, &[]);
    let too_deep = "[".repeat(128) + &"]".repeat(128);
    assert_eq!(lookup(&too_deep, &[]), None);
    check(&too_deep, &[]);
}

#[test]
fn steps_are_typed() {
    assert_eq!(lookup(r#"{"0":[1]}"#, &[Step::Index(0)]), None);
    assert_eq!(lookup(r#"[[1]]"#, &[Step::Key("0")]), None);
    assert_eq!(
        lookup(r#"{"0":[1]}"#, &[Step::Key("0"), Step::Index(0)]),
        Some("1")
    );
}

#[test]
fn pointer_tokens_name_keys_and_canonical_indexes() {
    let json = r#"{"a":[10,11,12],"01":"key","1":{"x":1}}"#;
    assert_eq!(
        lookup(json, &[Step::Token("a"), Step::Token("2")]),
        Some("12")
    );
    assert_eq!(lookup(json, &[Step::Token("a"), Step::Token("02")]), None);
    assert_eq!(lookup(json, &[Step::Token("a"), Step::Token("+1")]), None);
    assert_eq!(lookup(json, &[Step::Token("01")]), Some(r#""key""#));
    assert_eq!(
        lookup(json, &[Step::Token("1"), Step::Token("x")]),
        Some("1")
    );
    assert_eq!(
        lookup(
            json,
            &[Step::Token("a"), Step::Token("99999999999999999999999")]
        ),
        None
    );
}

#[test]
fn several_paths_in_one_pass() {
    let json = r#"{"choices":[{"delta":{"content":"Hi","role":"assistant"},"finish_reason":null}],"usage":{"n":3}}"#;
    let [content, role, finish, usage, missing] = lookup_all(
        json,
        &[
            CONTENT,
            &[
                Step::Key("choices"),
                Step::Index(0),
                Step::Key("delta"),
                Step::Key("role"),
            ],
            &[
                Step::Key("choices"),
                Step::Index(0),
                Step::Key("finish_reason"),
            ],
            &[Step::Key("usage")],
            &[Step::Key("error")],
        ],
    )
    .unwrap();
    assert_eq!(content, Some(r#""Hi""#));
    assert_eq!(role, Some(r#""assistant""#));
    assert_eq!(finish, Some("null"));
    assert_eq!(usage, Some(r#"{"n":3}"#));
    assert_eq!(missing, None);
    assert_eq!(lookup_all(r#"{"usage":1"#, &[&[Step::Key("usage")]]), None);
}

#[test]
fn escaped_and_repeated_keys_follow_serde_json() {
    for json in [
        r#"{"cho\u0069ces":[{"delta":{"content":"esc"}}]}"#,
        r#"{"choices":[{"delta":{"content":"first"}}],"choices":[{"delta":{"content":"last"}}]}"#,
        r#"{"choices":[{"delta":{"content":"first"}}],"choices":[]}"#,
        r#"{"choices":[{"delta":{"content":"a","content":null}}]}"#,
    ] {
        check(json, CONTENT);
    }
}

pub(super) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z\"\\\\/\n\t\u{1}é😀 ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("choices".to_owned()),
                        Just("delta".to_owned()),
                        Just("content".to_owned()),
                        Just("0".to_owned()),
                        "[a-z]{0,3}"
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Documents shaped like chunks often enough that the path is present.
pub(super) fn chunk_like() -> impl Strategy<Value = String> {
    (json_value(), json_value(), any::<bool>()).prop_map(|(content, extra, pretty)| {
        let doc = serde_json::json!({
            "id": "x",
            "choices": [{"delta": {"content": content}, "extra": extra}],
        });
        if pretty {
            serde_json::to_string_pretty(&doc).unwrap()
        } else {
            doc.to_string()
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn agrees_with_serde_json_on_valid_documents(doc in json_value(), pretty: bool) {
        let json = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
        check(&json, CONTENT);
        check(&json, &[]);
        check(&json, &[Step::Index(1), Step::Key("")]);
        check(&json, &[Step::Token("0"), Step::Token("choices"), Step::Token("1")]);
        check(&json, TOKENS);
    }

    #[test]
    fn agrees_with_serde_json_on_chunks(json in chunk_like()) {
        check(&json, CONTENT);
    }

    #[test]
    fn agrees_with_serde_json_on_damaged_documents(
        json in chunk_like(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), "[\"\\\\{}\\[\\],:0-9eE.+ a-z-]", any::<bool>()), 1..4),
    ) {
        let mut json = json;
        for (at, text, replace) in edits {
            let boundaries: Vec<usize> = (0..=json.len()).filter(|&i| json.is_char_boundary(i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            if replace && i < json.len() {
                let next = boundaries.iter().copied().find(|&j| j > i).unwrap_or(json.len());
                json.replace_range(i..next, &text);
            } else {
                json.insert_str(i, &text);
            }
        }
        check(&json, CONTENT);
    }
}

#[test]
fn elements_of_an_array() {
    assert_eq!(
        elements(r#" [ {"a":[1,2]} , "x\"" ,3,[]] "#),
        vec![r#"{"a":[1,2]}"#, r#""x\"""#, "3", "[]"]
    );
    assert_eq!(elements("[]"), Vec::<&str>::new());
    for not_an_array in [r#"{"a":1}"#, "[1,]", "[1] x", "", "[[1]"] {
        assert_eq!(elements(not_an_array), Vec::<&str>::new(), "{not_an_array}");
        check(not_an_array, CONTENT);
    }
}

#[test]
fn keys_are_told_apart_by_their_whole_text() {
    // Keys sharing a length, a first word, a hash slot or a 16-byte prefix
    // with a wanted key, near the end of the text and away from it.
    let long = "a_key_longer_than_16_bytes";
    for key in [
        "",
        "c",
        "choice",
        "choices",
        "choicez",
        "Choices",
        "choices_",
        long,
        "a_key_longer_than_16_bytez",
        "a_key_longer_than_16_byte",
    ] {
        for tail in ["", "                "] {
            let json = format!(r#"{{"{key}":1{tail}}}"#);
            for path in [
                &[Step::Key("choices")][..],
                &[Step::Key("")],
                &[Step::Key(long)],
            ] {
                check(&json, path);
            }
            let wanted = [
                &[Step::Key("choices")][..],
                &[Step::Key("")],
                &[Step::Key(long)],
                &[Step::Key("c")],
                &[Step::Key(key)],
            ];
            let expected = wanted.map(|path| lookup(&json, path));
            assert_eq!(lookup_all(&json, &wanted), Some(expected), "{json}");
            assert_eq!(expected[4], Some("1"), "{json}");
        }
    }
}

#[test]
fn many_keys_at_one_level() {
    // More keys than hash slots: shared slots, and keys past 254.
    let keys: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
    let paths: Vec<[Step<'_>; 1]> = keys.iter().map(|key| [Step::Key(key)]).collect();
    let json = format!(
        "{{{}}}",
        keys.iter()
            .enumerate()
            .map(|(i, key)| format!("\"{key}\":{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(lookup(&json, path), Some(i.to_string().as_str()));
    }
    // All 300 keys in one level of one query, 64 paths at a time.
    let mut level = Level::default();
    for (i, key) in keys.iter().enumerate() {
        level.add_key(key, 1 << (i % 64));
    }
    level.index_keys();
    for (i, key) in keys.iter().enumerate() {
        let quoted = format!("\"{key}\"");
        let paths = level.key_paths(quoted.as_bytes(), 1, key.len());
        assert_ne!(paths & 1 << (i % 64), 0, "{key}");
    }
    assert_eq!(level.key_paths(b"\"k300\"", 1, 4), 0);
}

#[test]
fn long_documents_stay_linear() {
    let text = "x".repeat(10 << 20);
    let json = format!(r#"{{"choices":[{{"delta":{{"content":"{text}"}}}}]}}"#);
    assert_eq!(lookup(&json, CONTENT).map(str::len), Some(text.len() + 2));
    assert_eq!(
        portable(|| lookup(&json, CONTENT)).map(str::len),
        Some(text.len() + 2)
    );
    let items = format!("[{}]", vec!["[1,{\"a\":\"b\"}]"; 100_000].join(","));
    assert_eq!(elements(&items).len(), 100_000);
    assert_eq!(
        lookup(
            &items,
            &[Step::Index(99_999), Step::Index(1), Step::Key("a")]
        ),
        Some("\"b\"")
    );
}

#[test]
fn numbers_out_of_range_follow_serde_json() {
    let long = |first: char, zeros: usize| format!("{first}{}", "0".repeat(zeros));
    for number in [
        "1e308".to_owned(),
        "1.7976931348623157e308".into(),
        "1.7976931348623159e308".into(),
        "1e309".into(),
        "-1e400".into(),
        "1E+400".into(),
        "1e-400".into(),
        "0e999999999999999999".into(),
        "1e999999999999999999".into(),
        long('1', 307),
        long('9', 308),
        long('1', 400),
        format!("{}.5", long('1', 308)),
        format!("-{}", long('2', 308)),
    ] {
        for json in [
            number.clone(),
            format!(r#"{{"choices":[{{"delta":{{"content":{number}}}}}]}}"#),
            format!("[{number},1]"),
        ] {
            check(&json, CONTENT);
            check(&json, &[]);
        }
    }
}
