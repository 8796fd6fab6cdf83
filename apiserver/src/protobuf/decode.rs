//! Turns one encoded message into the JSON value Go would write for it,
//! driven by the field tables in `schema`: unset fields are dropped or
//! written as zero values exactly as encoding/json with the struct's
//! omitempty tags would, bytes become base64 and times RFC 3339 strings.

use serde_json::{Map, Value};

use super::DecodeError;
use super::schema::{Field, Form, Message, Rule, Type};
use super::wire::{Reader, WireValue};

/// Nesting deeper than this is refused rather than recursed into
/// (JSONSchemaProps is recursive; a hostile body could nest without end).
const MAX_DEPTH: usize = 100;

/// What the wire held for one field of the message being decoded.
enum Slot {
    Absent,
    One(Value),
    List(Vec<Value>),
    Map(Map<String, Value>),
}

/// Decodes `bytes` as `message` into its JSON form.
pub fn decode_message(message: &Message, bytes: &[u8]) -> Result<Value, DecodeError> {
    decode_at(message, bytes, 0)
}

fn decode_at(message: &Message, bytes: &[u8], depth: usize) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::Malformed("messages nested too deeply"));
    }
    match message.form {
        Form::Time => return time(bytes, false),
        Form::MicroTime => return time(bytes, true),
        Form::RawJson => return raw_json(bytes),
        _ => {}
    }
    let mut slots: Vec<Slot> = message.fields.iter().map(|_| Slot::Absent).collect();
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.next_field()? {
        // Fields this table does not know (newer Kubernetes versions) are
        // skipped, as Go's generated code skips them.
        let Some(index) = message.fields.iter().position(|f| f.number == number) else { continue };
        let field = &message.fields[index];
        match field.rule {
            Rule::List { .. } => {
                let item = scalar_or_message(message, field, field.ty, value, depth)?;
                match &mut slots[index] {
                    Slot::List(items) => items.push(item),
                    slot => *slot = Slot::List(vec![item]),
                }
            }
            Rule::Map { .. } => {
                let (key, item) = map_entry(message, field, value, depth)?;
                match &mut slots[index] {
                    Slot::Map(entries) => {
                        entries.insert(key, item);
                    }
                    slot => *slot = Slot::Map(Map::from_iter([(key, item)])),
                }
            }
            _ => slots[index] = Slot::One(scalar_or_message(message, field, field.ty, value, depth)?),
        }
    }
    let mut object = Map::new();
    for (field, slot) in message.fields.iter().zip(slots) {
        if let Some(value) = present(field, slot, depth)? {
            object.insert(field.json.to_owned(), value);
        }
    }
    Ok(match message.form {
        Form::PropsOrArray => match object.remove("jSONSchemas") {
            Some(list) => list,
            None => object.remove("schema").unwrap_or(Value::Null),
        },
        Form::PropsOrBool => match object.remove("schema") {
            Some(schema) => schema,
            None => object.remove("allows").unwrap_or(Value::Bool(false)),
        },
        Form::PropsOrStringArray => match object.remove("property") {
            Some(list) => list,
            None => object.remove("schema").unwrap_or(Value::Null),
        },
        _ => Value::Object(object),
    })
}

/// The JSON Go writes for a field given what the wire held, or None when
/// it leaves the field out.
fn present(field: &Field, slot: Slot, depth: usize) -> Result<Option<Value>, DecodeError> {
    Ok(match (field.rule, slot) {
        (Rule::Pointer, Slot::One(value)) => Some(value),
        (Rule::Pointer, _) => None,
        (Rule::OmitEmpty, Slot::One(value)) => (!is_zero(&value)).then_some(value),
        (Rule::OmitEmpty, _) => None,
        (Rule::Always, Slot::One(value)) => Some(value),
        (Rule::Always, _) => Some(zero(field.ty, depth)?),
        (Rule::List { .. }, Slot::List(items)) => Some(Value::Array(items)),
        (Rule::List { omit }, _) => (!omit).then_some(Value::Null),
        (Rule::Map { .. }, Slot::Map(entries)) => Some(Value::Object(entries)),
        (Rule::Map { omit }, _) => (!omit).then_some(Value::Null),
    })
}

/// Go's zero value of a type, as JSON.
fn zero(ty: Type, depth: usize) -> Result<Value, DecodeError> {
    Ok(match ty {
        Type::String => Value::String(String::new()),
        Type::Bytes => Value::Null,
        Type::Bool => Value::Bool(false),
        Type::Int32 | Type::Int64 | Type::Double => Value::from(0),
        Type::Message(message) => decode_at(message, &[], depth + 1)?,
    })
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn scalar_or_message(
    message: &Message,
    field: &Field,
    ty: Type,
    value: WireValue<'_>,
    depth: usize,
) -> Result<Value, DecodeError> {
    let mismatch = || DecodeError::WrongWireType { message: message.name, field: field.json };
    Ok(match (ty, value) {
        (Type::String, WireValue::Bytes(bytes)) => Value::String(
            String::from_utf8(bytes.to_vec())
                .map_err(|_| DecodeError::InvalidUtf8 { message: message.name, field: field.json })?,
        ),
        (Type::Bytes, WireValue::Bytes(bytes)) => Value::String(base64(bytes)),
        (Type::Bool, WireValue::Varint(v)) => Value::Bool(v != 0),
        // int32 travels sign-extended to 64 bits; truncation recovers it.
        (Type::Int32, WireValue::Varint(v)) => Value::from(v as i64 as i32),
        (Type::Int64, WireValue::Varint(v)) => Value::from(v as i64),
        (Type::Double, WireValue::Fixed64(bits)) => float(f64::from_bits(bits))?,
        (Type::Message(inner), WireValue::Bytes(bytes)) => decode_at(inner, bytes, depth + 1)?,
        _ => return Err(mismatch()),
    })
}

/// One `map<string, T>` entry: key 1, value 2, either possibly absent.
fn map_entry(
    message: &Message,
    field: &Field,
    value: WireValue<'_>,
    depth: usize,
) -> Result<(String, Value), DecodeError> {
    let WireValue::Bytes(entry) = value else {
        return Err(DecodeError::WrongWireType { message: message.name, field: field.json });
    };
    let mut key = String::new();
    let mut item = None;
    let mut reader = Reader::new(entry);
    while let Some((number, value)) = reader.next_field()? {
        match number {
            1 => match value {
                WireValue::Bytes(bytes) => {
                    key = String::from_utf8(bytes.to_vec())
                        .map_err(|_| DecodeError::InvalidUtf8 { message: message.name, field: field.json })?;
                }
                _ => return Err(DecodeError::WrongWireType { message: message.name, field: field.json }),
            },
            2 => item = Some(scalar_or_message(message, field, field.ty, value, depth)?),
            _ => {}
        }
    }
    let item = match item {
        Some(item) => item,
        // An absent value is the zero value; for bytes Go keeps an empty
        // (not nil) slice, which encodes as "".
        None if matches!(field.ty, Type::Bytes) => Value::String(String::new()),
        None => zero(field.ty, depth)?,
    };
    Ok((key, item))
}

/// A float64 as Go writes it: integral values without a fraction.
fn float(value: f64) -> Result<Value, DecodeError> {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return Ok(Value::from(value as i64));
    }
    serde_json::Number::from_f64(value).map(Value::Number).ok_or(DecodeError::Malformed("a double is NaN or infinite"))
}

/// Time and MicroTime: an empty message is Go's zero time (null); Time
/// keeps whole seconds only, MicroTime truncates to microseconds.
fn time(bytes: &[u8], micro: bool) -> Result<Value, DecodeError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut seconds = 0i64;
    let mut nanos = 0i32;
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.next_field()? {
        match (number, value) {
            (1, WireValue::Varint(v)) => seconds = v as i64,
            (2, WireValue::Varint(v)) => nanos = v as i64 as i32,
            (1 | 2, _) => return Err(DecodeError::WrongWireType { message: "Time", field: "seconds/nanos" }),
            _ => {}
        }
    }
    let nanos = if micro { nanos - nanos.rem_euclid(1000) } else { 0 };
    let timestamp = jiff::Timestamp::new(seconds, nanos).map_err(|_| DecodeError::Malformed("time out of range"))?;
    let format = if micro { "%Y-%m-%dT%H:%M:%S.%6fZ" } else { "%Y-%m-%dT%H:%M:%SZ" };
    Ok(Value::String(timestamp.strftime(format).to_string()))
}

/// FieldsV1 and JSON: field 1 carries the JSON text; empty is null.
fn raw_json(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut raw: &[u8] = &[];
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.next_field()? {
        match (number, value) {
            (1, WireValue::Bytes(b)) => raw = b,
            (1, _) => return Err(DecodeError::WrongWireType { message: "JSON", field: "raw" }),
            _ => {}
        }
    }
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(raw).map_err(|err| DecodeError::EmbeddedJson(err.to_string()))
}

/// Bytes as JSON shows them (standard base64, as Go's encoding/json).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_like_go() {
        // seconds = 1700000000, nanos = 123456789
        let mut bytes = vec![0x08];
        let mut v = 1_700_000_000u64;
        while v >= 0x80 {
            bytes.push((v as u8) | 0x80);
            v >>= 7;
        }
        bytes.push(v as u8);
        bytes.extend([0x10, 0x95, 0x9a, 0xef, 0x3a]);
        assert_eq!(time(&bytes, false).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(time(&bytes, true).unwrap(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(time(&[], true).unwrap(), Value::Null);
    }

    #[test]
    fn floats_are_integral_when_go_would_print_them_so() {
        assert_eq!(float(3.0).unwrap().to_string(), "3");
        assert_eq!(float(0.5).unwrap().to_string(), "0.5");
    }
}
