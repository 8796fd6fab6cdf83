//! Field tables of apiextensions.k8s.io/v1 CustomResourceDefinition,
//! including the recursive JSONSchemaProps, after apiextensions-apiserver's
//! `generated.proto` (field numbers) and `types.go`/`types_jsonschema.go`
//! (JSON names, omitempty and the custom JSON of the "or" unions).

use super::core::OBJECT_META;
use super::schema::{
    Field, Form, Message, Rule, TIME, Type, object, object_ptr, objects, string, string_always, string_ptr, strings,
};

static JSON: Message = Message { name: "JSON", fields: &[], form: Form::RawJson };

static EXTERNAL_DOCUMENTATION: Message = Message {
    name: "ExternalDocumentation",
    fields: &[string(1, "description"), string(2, "url")],
    form: Form::Object,
};

static VALIDATION_RULE: Message = Message {
    name: "ValidationRule",
    fields: &[
        string_always(1, "rule"),
        string(2, "message"),
        string(3, "messageExpression"),
        string_ptr(4, "reason"),
        string(5, "fieldPath"),
        Field::new(6, "optionalOldSelf", Type::Bool, Rule::Pointer),
    ],
    form: Form::Object,
};

static PROPS_OR_ARRAY: Message = Message {
    name: "JSONSchemaPropsOrArray",
    fields: &[object_ptr(1, "schema", &JSON_SCHEMA_PROPS), objects(2, "jSONSchemas", &JSON_SCHEMA_PROPS)],
    form: Form::PropsOrArray,
};

static PROPS_OR_BOOL: Message = Message {
    name: "JSONSchemaPropsOrBool",
    fields: &[Field::new(1, "allows", Type::Bool, Rule::Always), object_ptr(2, "schema", &JSON_SCHEMA_PROPS)],
    form: Form::PropsOrBool,
};

static PROPS_OR_STRING_ARRAY: Message = Message {
    name: "JSONSchemaPropsOrStringArray",
    fields: &[object_ptr(1, "schema", &JSON_SCHEMA_PROPS), strings(2, "property")],
    form: Form::PropsOrStringArray,
};

const fn props_map(number: u32, json: &'static str, message: &'static Message) -> Field {
    Field::new(number, json, Type::Message(message), Rule::Map { omit: true })
}

static JSON_SCHEMA_PROPS: Message = Message {
    name: "JSONSchemaProps",
    fields: &[
        string(1, "id"),
        string(2, "$schema"),
        string_ptr(3, "$ref"),
        string(4, "description"),
        string(5, "type"),
        string(6, "format"),
        string(7, "title"),
        object_ptr(8, "default", &JSON),
        Field::new(9, "maximum", Type::Double, Rule::Pointer),
        Field::new(10, "exclusiveMaximum", Type::Bool, Rule::OmitEmpty),
        Field::new(11, "minimum", Type::Double, Rule::Pointer),
        Field::new(12, "exclusiveMinimum", Type::Bool, Rule::OmitEmpty),
        Field::new(13, "maxLength", Type::Int64, Rule::Pointer),
        Field::new(14, "minLength", Type::Int64, Rule::Pointer),
        string(15, "pattern"),
        Field::new(16, "maxItems", Type::Int64, Rule::Pointer),
        Field::new(17, "minItems", Type::Int64, Rule::Pointer),
        Field::new(18, "uniqueItems", Type::Bool, Rule::OmitEmpty),
        Field::new(19, "multipleOf", Type::Double, Rule::Pointer),
        objects(20, "enum", &JSON),
        Field::new(21, "maxProperties", Type::Int64, Rule::Pointer),
        Field::new(22, "minProperties", Type::Int64, Rule::Pointer),
        strings(23, "required"),
        object_ptr(24, "items", &PROPS_OR_ARRAY),
        objects(25, "allOf", &JSON_SCHEMA_PROPS),
        objects(26, "oneOf", &JSON_SCHEMA_PROPS),
        objects(27, "anyOf", &JSON_SCHEMA_PROPS),
        object_ptr(28, "not", &JSON_SCHEMA_PROPS),
        props_map(29, "properties", &JSON_SCHEMA_PROPS),
        object_ptr(30, "additionalProperties", &PROPS_OR_BOOL),
        props_map(31, "patternProperties", &JSON_SCHEMA_PROPS),
        props_map(32, "dependencies", &PROPS_OR_STRING_ARRAY),
        object_ptr(33, "additionalItems", &PROPS_OR_BOOL),
        props_map(34, "definitions", &JSON_SCHEMA_PROPS),
        object_ptr(35, "externalDocs", &EXTERNAL_DOCUMENTATION),
        object_ptr(36, "example", &JSON),
        Field::new(37, "nullable", Type::Bool, Rule::OmitEmpty),
        Field::new(38, "x-kubernetes-preserve-unknown-fields", Type::Bool, Rule::Pointer),
        Field::new(39, "x-kubernetes-embedded-resource", Type::Bool, Rule::OmitEmpty),
        Field::new(40, "x-kubernetes-int-or-string", Type::Bool, Rule::OmitEmpty),
        strings(41, "x-kubernetes-list-map-keys"),
        string_ptr(42, "x-kubernetes-list-type"),
        string_ptr(43, "x-kubernetes-map-type"),
        objects(44, "x-kubernetes-validations", &VALIDATION_RULE),
    ],
    form: Form::Object,
};

static NAMES: Message = Message {
    name: "CustomResourceDefinitionNames",
    fields: &[
        string_always(1, "plural"),
        string(2, "singular"),
        strings(3, "shortNames"),
        string_always(4, "kind"),
        string(5, "listKind"),
        strings(6, "categories"),
    ],
    form: Form::Object,
};

static VALIDATION: Message = Message {
    name: "CustomResourceValidation",
    fields: &[object_ptr(1, "openAPIV3Schema", &JSON_SCHEMA_PROPS)],
    form: Form::Object,
};

static SUBRESOURCE_STATUS: Message =
    Message { name: "CustomResourceSubresourceStatus", fields: &[], form: Form::Object };

static SUBRESOURCE_SCALE: Message = Message {
    name: "CustomResourceSubresourceScale",
    fields: &[
        string_always(1, "specReplicasPath"),
        string_always(2, "statusReplicasPath"),
        string_ptr(3, "labelSelectorPath"),
    ],
    form: Form::Object,
};

static SUBRESOURCES: Message = Message {
    name: "CustomResourceSubresources",
    fields: &[object_ptr(1, "status", &SUBRESOURCE_STATUS), object_ptr(2, "scale", &SUBRESOURCE_SCALE)],
    form: Form::Object,
};

static COLUMN: Message = Message {
    name: "CustomResourceColumnDefinition",
    fields: &[
        string_always(1, "name"),
        string_always(2, "type"),
        string(3, "format"),
        string(4, "description"),
        Field::new(5, "priority", Type::Int32, Rule::OmitEmpty),
        string_always(6, "jsonPath"),
    ],
    form: Form::Object,
};

static SELECTABLE_FIELD: Message =
    Message { name: "SelectableField", fields: &[string_always(1, "jsonPath")], form: Form::Object };

static VERSION: Message = Message {
    name: "CustomResourceDefinitionVersion",
    fields: &[
        string_always(1, "name"),
        Field::new(2, "served", Type::Bool, Rule::Always),
        Field::new(3, "storage", Type::Bool, Rule::Always),
        Field::new(7, "deprecated", Type::Bool, Rule::OmitEmpty),
        string_ptr(8, "deprecationWarning"),
        object_ptr(4, "schema", &VALIDATION),
        object_ptr(5, "subresources", &SUBRESOURCES),
        objects(6, "additionalPrinterColumns", &COLUMN),
        objects(9, "selectableFields", &SELECTABLE_FIELD),
    ],
    form: Form::Object,
};

static SERVICE_REFERENCE: Message = Message {
    name: "ServiceReference",
    fields: &[
        string_always(1, "namespace"),
        string_always(2, "name"),
        string_ptr(3, "path"),
        Field::new(4, "port", Type::Int32, Rule::Pointer),
    ],
    form: Form::Object,
};

static WEBHOOK_CLIENT_CONFIG: Message = Message {
    name: "WebhookClientConfig",
    fields: &[
        string_ptr(3, "url"),
        object_ptr(1, "service", &SERVICE_REFERENCE),
        Field::new(2, "caBundle", Type::Bytes, Rule::OmitEmpty),
    ],
    form: Form::Object,
};

static WEBHOOK_CONVERSION: Message = Message {
    name: "WebhookConversion",
    fields: &[
        object_ptr(2, "clientConfig", &WEBHOOK_CLIENT_CONFIG),
        Field::new(3, "conversionReviewVersions", Type::String, Rule::List { omit: false }),
    ],
    form: Form::Object,
};

static CONVERSION: Message = Message {
    name: "CustomResourceConversion",
    fields: &[string_always(1, "strategy"), object_ptr(2, "webhook", &WEBHOOK_CONVERSION)],
    form: Form::Object,
};

static SPEC: Message = Message {
    name: "CustomResourceDefinitionSpec",
    fields: &[
        string_always(1, "group"),
        object(3, "names", &NAMES),
        string_always(4, "scope"),
        Field::new(7, "versions", Type::Message(&VERSION), Rule::List { omit: false }),
        object_ptr(9, "conversion", &CONVERSION),
        Field::new(10, "preserveUnknownFields", Type::Bool, Rule::OmitEmpty),
    ],
    form: Form::Object,
};

static CONDITION: Message = Message {
    name: "CustomResourceDefinitionCondition",
    fields: &[
        string_always(1, "type"),
        string_always(2, "status"),
        object(3, "lastTransitionTime", &TIME),
        string(4, "reason"),
        string(5, "message"),
    ],
    form: Form::Object,
};

static STATUS: Message = Message {
    name: "CustomResourceDefinitionStatus",
    fields: &[
        Field::new(1, "conditions", Type::Message(&CONDITION), Rule::List { omit: true }),
        object(2, "acceptedNames", &NAMES),
        Field::new(3, "storedVersions", Type::String, Rule::List { omit: false }),
    ],
    form: Form::Object,
};

pub static CUSTOM_RESOURCE_DEFINITION: Message = Message {
    name: "CustomResourceDefinition",
    fields: &[object(1, "metadata", &OBJECT_META), object(2, "spec", &SPEC), object(3, "status", &STATUS)],
    form: Form::Object,
};
