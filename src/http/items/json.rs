//! A JSON value that keeps the order of an object's members, as xh's
//! does: a body built from request items is sent in the order they were
//! typed (serde_json's own map sorts its keys, and ssecat's other output
//! relies on that).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// An object keeps its members in order; anything else but an array is a
/// `Scalar` (null, a boolean, a number or a string).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Scalar(Value),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What the value is, for a message.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Scalar(Value::Null) => "null",
            Json::Scalar(Value::Bool(_)) => "a boolean",
            Json::Scalar(Value::Number(_)) => "a number",
            Json::Scalar(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Sets `key` to `value`: in its place when it is there, as the last member
/// when it is not.
pub fn set_member(members: &mut Vec<(String, Json)>, key: &str, value: Json) {
    match members.iter_mut().find(|(name, _)| name == key) {
        Some((_, old)) => *old = value,
        None => members.push((key.to_owned(), value)),
    }
}

/// Takes `key` out, the last member moving to its place: what xh's
/// ordered map does before it puts a nested value back, at the end.
pub fn take_member(members: &mut Vec<(String, Json)>, key: &str) -> Option<Json> {
    let at = members.iter().position(|(name, _)| name == key)?;
    Some(members.swap_remove(at).1)
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Scalar(value) => value.serialize(serializer),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Scalar(Value::Null))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Scalar(Value::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Scalar(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Scalar(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Json, E> {
        // JSON has no NaN or infinity, so a parsed number always fits.
        Ok(Json::Scalar(
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Json, E> {
        Ok(Json::Scalar(Value::String(value.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            // A repeated key keeps its first place and its last value.
            set_member(&mut members, &key, value);
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let json: Json = serde_json::from_str(text).unwrap();
        serde_json::to_string(&json).unwrap()
    }

    #[test]
    fn members_keep_their_order_and_values_their_text() {
        assert_eq!(
            round_trip(r#"{"z": 1, "a": [true, null, 2.5, -3], "m": {"y": "é", "b": {}}}"#),
            r#"{"z":1,"a":[true,null,2.5,-3],"m":{"y":"é","b":{}}}"#
        );
        assert_eq!(
            round_trip(r#"{"a": 1, "b": 2, "a": 3}"#),
            r#"{"a":3,"b":2}"#
        );
    }

    #[test]
    fn taking_a_member_moves_the_last_one_to_its_place() {
        let mut members = vec![
            ("a".to_owned(), Json::Scalar(1.into())),
            ("b".to_owned(), Json::Scalar(2.into())),
            ("c".to_owned(), Json::Scalar(3.into())),
        ];
        assert_eq!(take_member(&mut members, "a"), Some(Json::Scalar(1.into())));
        let keys: Vec<&str> = members.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["c", "b"]);
        assert_eq!(take_member(&mut members, "x"), None);
    }
}
