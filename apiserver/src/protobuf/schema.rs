//! How a protobuf message maps to the JSON Go's encoding/json would write
//! for the same Kubernetes struct: each field's number, JSON name, type and
//! presence rule (omitempty scalar, pointer, always-present struct, list or
//! map), plus the few types with a custom JSON form (Time, MicroTime, raw
//! JSON and the JSONSchemaProps "or" unions).

/// A message type: its fields and how it turns into JSON.
pub struct Message {
    pub name: &'static str,
    pub fields: &'static [Field],
    pub form: Form,
}

/// The JSON shape of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A JSON object of its fields.
    Object,
    /// meta/v1 Time: {seconds, nanos} as RFC 3339 seconds, null when empty.
    Time,
    /// meta/v1 MicroTime: RFC 3339 with microseconds, null when empty.
    MicroTime,
    /// FieldsV1 and apiextensions JSON: field 1 holds raw JSON, null when empty.
    RawJson,
    /// JSONSchemaPropsOrArray: the array when non-empty, else the schema.
    PropsOrArray,
    /// JSONSchemaPropsOrBool: the schema when set, else the boolean.
    PropsOrBool,
    /// JSONSchemaPropsOrStringArray: the strings when non-empty, else the schema.
    PropsOrStringArray,
}

/// The protobuf type of a field's values.
#[derive(Clone, Copy)]
pub enum Type {
    String,
    /// `[]byte`: base64 in JSON.
    Bytes,
    Bool,
    Int32,
    Int64,
    Double,
    Message(&'static Message),
}

/// When Go writes the field, given what the wire held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A scalar with `omitempty`: written unless it is the zero value.
    OmitEmpty,
    /// A scalar without `omitempty`, or a non-pointer struct (omitempty has
    /// no effect on structs): always written, as the zero value if absent.
    Always,
    /// A pointer with `omitempty`: written exactly when it was on the wire.
    Pointer,
    /// A slice; `omit` for omitempty, else an empty one is written as null.
    List { omit: bool },
    /// A `map[string]T` (protobuf map entries: key 1, value 2).
    Map { omit: bool },
}

pub struct Field {
    pub number: u32,
    pub json: &'static str,
    pub ty: Type,
    pub rule: Rule,
}

impl Field {
    pub const fn new(number: u32, json: &'static str, ty: Type, rule: Rule) -> Self {
        Self { number, json, ty, rule }
    }
}

// Shorthands for the tables: the common field shapes.

/// `string` with omitempty.
pub const fn string(number: u32, json: &'static str) -> Field {
    Field::new(number, json, Type::String, Rule::OmitEmpty)
}

/// `string` without omitempty.
pub const fn string_always(number: u32, json: &'static str) -> Field {
    Field::new(number, json, Type::String, Rule::Always)
}

/// `*string`.
pub const fn string_ptr(number: u32, json: &'static str) -> Field {
    Field::new(number, json, Type::String, Rule::Pointer)
}

/// `[]string` with omitempty.
pub const fn strings(number: u32, json: &'static str) -> Field {
    Field::new(number, json, Type::String, Rule::List { omit: true })
}

/// A non-pointer struct (always written).
pub const fn object(number: u32, json: &'static str, message: &'static Message) -> Field {
    Field::new(number, json, Type::Message(message), Rule::Always)
}

/// A pointer to a struct.
pub const fn object_ptr(number: u32, json: &'static str, message: &'static Message) -> Field {
    Field::new(number, json, Type::Message(message), Rule::Pointer)
}

/// A slice of structs with omitempty.
pub const fn objects(number: u32, json: &'static str, message: &'static Message) -> Field {
    Field::new(number, json, Type::Message(message), Rule::List { omit: true })
}

/// Go's `metav1.Time`.
pub static TIME: Message = Message { name: "Time", fields: &[], form: Form::Time };

/// Go's `metav1.MicroTime`.
pub static MICRO_TIME: Message = Message { name: "MicroTime", fields: &[], form: Form::MicroTime };
