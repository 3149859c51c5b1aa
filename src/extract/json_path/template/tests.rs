use proptest::prelude::*;
use serde_json::Value;

use super::super::tests::{chunk_like, json_value};
use super::super::{Query, Step};
use super::Template;

const PATHS: [&[Step<'static>]; 6] = [
    &[
        Step::Key("choices"),
        Step::Index(0),
        Step::Key("delta"),
        Step::Key("content"),
    ],
    &[Step::Key("choices"), Step::Index(0)],
    &[Step::Key("id")],
    &[Step::Key("usage"), Step::Key("completion_tokens")],
    &[Step::Key("choices"), Step::Index(0), Step::Key("extra")],
    &[],
];

/// Reads `docs` in order with one template, checking each against a read
/// in full; the number of documents the template told.
fn read_in_turn(query: &Query<6>, docs: &[String]) -> usize {
    let mut template = Template::default();
    let mut told = 0;
    for doc in docs {
        told += usize::from(
            template
                .read(query.id, doc.as_bytes(), &mut [(0, 0); 6])
                .is_some(),
        );
        assert_eq!(
            query.find_like(doc, &mut template),
            query.find(doc),
            "{doc}\nafter\n{:?}",
            String::from_utf8_lossy(&template.doc)
        );
    }
    told
}

const CHUNK: &str = r#"{"id":"c1","created":1731542460,"choices":[{"index":0,"delta":{"content":"The"},"finish_reason":null}],"usage":{"completion_tokens":9},"obfuscation":"q7Xk"}"#;

#[test]
fn chunks_that_differ_in_strings_and_numbers_are_told() {
    let query = Query::new(&PATHS);
    let next = CHUNK
        .replace(r#""The""#, r#"" capital \"of\"""#)
        .replace("q7Xk", "Zp2mWq1\\u00e9")
        .replace(":9}", ":10}")
        .replace("1731542460", "-1.5e3");
    let mut template = Template::default();
    assert_eq!(query.find_like(CHUNK, &mut template), query.find(CHUNK));
    let mut spans = [(0, 0); 6];
    let found = template
        .read(query.id, next.as_bytes(), &mut spans)
        .unwrap();
    assert_eq!(found, 0b10_1111);
    let text = |i: usize| &next[spans[i].0..spans[i].1];
    assert_eq!(text(0), r#"" capital \"of\"""#);
    assert_eq!(text(2), r#""c1""#);
    assert_eq!(text(3), "10");
    assert_eq!(text(5), next);
    assert_eq!(read_in_turn(&query, &[CHUNK.into(), next.clone(), next]), 2);
}

#[test]
fn other_shapes_are_read_in_full() {
    let query = Query::new(&PATHS);
    let other_shapes = [
        // A key, a value of another kind, another structure, white space.
        CHUNK.replace(r#""content""#, r#""refusal""#),
        CHUNK.replace("null", r#""stop""#),
        CHUNK.replace(r#""The""#, "7"),
        CHUNK.replace(":9}", ":[9]}"),
        CHUNK.replace(r#","obfuscation""#, r#", "obfuscation""#),
        // Invalid strings and numbers in place of valid ones.
        CHUNK.replace(r#""The""#, r#""a"b""#),
        CHUNK.replace(r#""The""#, r#""\x""#),
        CHUNK.replace(r#""The""#, "\"\u{1}\""),
        CHUNK.replace(r#""The""#, r#""\ud800""#),
        CHUNK.replace(":9}", ":09}"),
        CHUNK.replace(":9}", ":9.}"),
        CHUNK.replace(":9}", ":9e}"),
        // Cut short, or with more after the end.
        CHUNK[..CHUNK.len() - 1].to_owned(),
        CHUNK[..CHUNK.len() - 12].to_owned(),
        format!("{CHUNK} 1"),
        format!("{CHUNK}}}"),
    ];
    for doc in other_shapes {
        let mut template = Template::default();
        query.find_like(CHUNK, &mut template);
        assert!(
            template
                .read(query.id, doc.as_bytes(), &mut [(0, 0); 6])
                .is_none(),
            "{doc}"
        );
        read_in_turn(&query, &[CHUNK.into(), doc]);
    }
}

#[test]
fn a_template_serves_only_its_query() {
    let query = Query::new(&PATHS);
    let other = Query::new(&PATHS);
    let mut template = Template::default();
    query.find_like(CHUNK, &mut template);
    assert!(template
        .read(query.id, CHUNK.as_bytes(), &mut [(0, 0); 6])
        .is_some());
    assert!(template
        .read(other.id, CHUNK.as_bytes(), &mut [(0, 0); 6])
        .is_none());
}

/// `value` with its strings and numbers replaced, in order, by those of
/// `strings` and `numbers` where `pick` says so.
fn vary(
    value: &Value,
    strings: &[String],
    numbers: &[f64],
    pick: &mut impl Iterator<Item = bool>,
) -> Value {
    match value {
        Value::String(_) if pick.next().unwrap_or(false) => {
            Value::String(strings[pick_index(pick, strings.len())].clone())
        }
        Value::Number(_) if pick.next().unwrap_or(false) => {
            serde_json::json!(numbers[pick_index(pick, numbers.len())])
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| vary(v, strings, numbers, pick))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), vary(v, strings, numbers, pick)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn pick_index(pick: &mut impl Iterator<Item = bool>, len: usize) -> usize {
    (0..3).fold(0, |i, _| i * 2 + usize::from(pick.next().unwrap_or(false))) % len
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn documents_that_vary_in_their_values_read_as_in_full(
        base in json_value(),
        strings in prop::collection::vec("[a-z\"\\\\/\n\u{1}é😀 ]{0,12}", 1..4),
        numbers in prop::collection::vec(prop_oneof![any::<i32>().prop_map(f64::from), -1e9f64..1e9], 1..4),
        picks in prop::collection::vec(prop::collection::vec(any::<bool>(), 0..64), 1..5),
        pretty: bool,
    ) {
        let write = |value: &Value| if pretty { serde_json::to_string_pretty(value).unwrap() } else { value.to_string() };
        let mut docs = vec![write(&base)];
        for pick in picks {
            docs.push(write(&vary(&base, &strings, &numbers, &mut pick.into_iter())));
        }
        read_in_turn(&Query::new(&PATHS), &docs);
    }

    #[test]
    fn damaged_chunks_read_as_in_full(
        json in chunk_like(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), "[\"\\\\{}\\[\\],:0-9eE.+ a-z-]{1,3}"), 1..4),
    ) {
        let mut docs = vec![json.clone()];
        let mut doc = json;
        for (at, text) in edits {
            let boundaries: Vec<usize> = (0..=doc.len()).filter(|&i| doc.is_char_boundary(i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            let next = boundaries.iter().copied().find(|&j| j > i).unwrap_or(doc.len());
            doc.replace_range(i..next, &text);
            docs.push(doc.clone());
        }
        read_in_turn(&Query::new(&PATHS), &docs);
    }
}

#[test]
fn common_prefixes_are_found_at_every_position() {
    let a: Vec<u8> = (0..100u8).collect();
    for len in 0..=a.len() {
        for differs in 0..=len {
            let mut b = a[..len].to_vec();
            if differs < len {
                b[differs] ^= 0x80;
            }
            assert_eq!(
                super::common_prefix(&a[..len], &b),
                differs,
                "{len} {differs}"
            );
            // A longer text shares the shorter one's length at most.
            assert_eq!(super::common_prefix(&a, &b), differs, "{len} {differs}");
        }
    }
}
