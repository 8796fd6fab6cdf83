//! Field tables of the meta/v1, core/v1, events.k8s.io/v1 and
//! coordination.k8s.io/v1 messages rdd decodes, after k8s.io/api's and
//! k8s.io/apimachinery's `generated.proto` (field numbers) and `types.go`
//! (JSON names and omitempty).

use super::schema::{
    Field, Form, MICRO_TIME, Message, Rule, TIME, Type, object, object_ptr, objects, string, string_always, string_ptr,
    strings,
};

pub static FIELDS_V1: Message = Message { name: "FieldsV1", fields: &[], form: Form::RawJson };

pub static OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    fields: &[
        string_always(5, "apiVersion"),
        string_always(1, "kind"),
        string_always(3, "name"),
        string_always(4, "uid"),
        Field::new(6, "controller", Type::Bool, Rule::Pointer),
        Field::new(7, "blockOwnerDeletion", Type::Bool, Rule::Pointer),
    ],
    form: Form::Object,
};

pub static MANAGED_FIELDS_ENTRY: Message = Message {
    name: "ManagedFieldsEntry",
    fields: &[
        string(1, "manager"),
        string(2, "operation"),
        string(3, "apiVersion"),
        object_ptr(4, "time", &TIME),
        string(6, "fieldsType"),
        object_ptr(7, "fieldsV1", &FIELDS_V1),
        string(8, "subresource"),
    ],
    form: Form::Object,
};

pub static OBJECT_META: Message = Message {
    name: "ObjectMeta",
    fields: &[
        string(1, "name"),
        string(2, "generateName"),
        string(3, "namespace"),
        string(4, "selfLink"),
        string(5, "uid"),
        string(6, "resourceVersion"),
        Field::new(7, "generation", Type::Int64, Rule::OmitEmpty),
        object(8, "creationTimestamp", &TIME),
        object_ptr(9, "deletionTimestamp", &TIME),
        Field::new(10, "deletionGracePeriodSeconds", Type::Int64, Rule::Pointer),
        Field::new(11, "labels", Type::String, Rule::Map { omit: true }),
        Field::new(12, "annotations", Type::String, Rule::Map { omit: true }),
        objects(13, "ownerReferences", &OWNER_REFERENCE),
        strings(14, "finalizers"),
        objects(17, "managedFields", &MANAGED_FIELDS_ENTRY),
    ],
    form: Form::Object,
};

pub static PRECONDITIONS: Message = Message {
    name: "Preconditions",
    fields: &[string_ptr(1, "uid"), string_ptr(2, "resourceVersion")],
    form: Form::Object,
};

pub static DELETE_OPTIONS: Message = Message {
    name: "DeleteOptions",
    fields: &[
        Field::new(1, "gracePeriodSeconds", Type::Int64, Rule::Pointer),
        object_ptr(2, "preconditions", &PRECONDITIONS),
        Field::new(3, "orphanDependents", Type::Bool, Rule::Pointer),
        string_ptr(4, "propagationPolicy"),
        strings(5, "dryRun"),
        Field::new(6, "ignoreStoreReadErrorWithClusterBreakingPotential", Type::Bool, Rule::Pointer),
    ],
    form: Form::Object,
};

pub static CONFIG_MAP: Message = Message {
    name: "ConfigMap",
    fields: &[
        object(1, "metadata", &OBJECT_META),
        Field::new(4, "immutable", Type::Bool, Rule::Pointer),
        Field::new(2, "data", Type::String, Rule::Map { omit: true }),
        Field::new(3, "binaryData", Type::Bytes, Rule::Map { omit: true }),
    ],
    form: Form::Object,
};

pub static SECRET: Message = Message {
    name: "Secret",
    fields: &[
        object(1, "metadata", &OBJECT_META),
        Field::new(5, "immutable", Type::Bool, Rule::Pointer),
        Field::new(2, "data", Type::Bytes, Rule::Map { omit: true }),
        Field::new(4, "stringData", Type::String, Rule::Map { omit: true }),
        string(3, "type"),
    ],
    form: Form::Object,
};

static NAMESPACE_SPEC: Message =
    Message { name: "NamespaceSpec", fields: &[strings(1, "finalizers")], form: Form::Object };

static NAMESPACE_CONDITION: Message = Message {
    name: "NamespaceCondition",
    fields: &[
        string_always(1, "type"),
        string_always(2, "status"),
        object(4, "lastTransitionTime", &TIME),
        string(5, "reason"),
        string(6, "message"),
    ],
    form: Form::Object,
};

static NAMESPACE_STATUS: Message = Message {
    name: "NamespaceStatus",
    fields: &[string(1, "phase"), objects(2, "conditions", &NAMESPACE_CONDITION)],
    form: Form::Object,
};

pub static NAMESPACE: Message = Message {
    name: "Namespace",
    fields: &[
        object(1, "metadata", &OBJECT_META),
        object(2, "spec", &NAMESPACE_SPEC),
        object(3, "status", &NAMESPACE_STATUS),
    ],
    form: Form::Object,
};

static OBJECT_REFERENCE: Message = Message {
    name: "ObjectReference",
    fields: &[
        string(1, "kind"),
        string(2, "namespace"),
        string(3, "name"),
        string(4, "uid"),
        string(5, "apiVersion"),
        string(6, "resourceVersion"),
        string(7, "fieldPath"),
    ],
    form: Form::Object,
};

static EVENT_SOURCE: Message =
    Message { name: "EventSource", fields: &[string(1, "component"), string(2, "host")], form: Form::Object };

static CORE_EVENT_SERIES: Message = Message {
    name: "EventSeries",
    fields: &[Field::new(1, "count", Type::Int32, Rule::OmitEmpty), object(2, "lastObservedTime", &MICRO_TIME)],
    form: Form::Object,
};

pub static CORE_EVENT: Message = Message {
    name: "Event",
    fields: &[
        object(1, "metadata", &OBJECT_META),
        object(2, "involvedObject", &OBJECT_REFERENCE),
        string(3, "reason"),
        string(4, "message"),
        object(5, "source", &EVENT_SOURCE),
        object(6, "firstTimestamp", &TIME),
        object(7, "lastTimestamp", &TIME),
        Field::new(8, "count", Type::Int32, Rule::OmitEmpty),
        string(9, "type"),
        object(10, "eventTime", &MICRO_TIME),
        object_ptr(11, "series", &CORE_EVENT_SERIES),
        string(12, "action"),
        object_ptr(13, "related", &OBJECT_REFERENCE),
        string_always(14, "reportingComponent"),
        string_always(15, "reportingInstance"),
    ],
    form: Form::Object,
};

static EVENTS_V1_SERIES: Message = Message {
    name: "EventSeries",
    fields: &[Field::new(1, "count", Type::Int32, Rule::Always), object(2, "lastObservedTime", &MICRO_TIME)],
    form: Form::Object,
};

pub static EVENTS_V1_EVENT: Message = Message {
    name: "Event",
    fields: &[
        object(1, "metadata", &OBJECT_META),
        object(2, "eventTime", &MICRO_TIME),
        object_ptr(3, "series", &EVENTS_V1_SERIES),
        string(4, "reportingController"),
        string(5, "reportingInstance"),
        string(6, "action"),
        string(7, "reason"),
        object(8, "regarding", &OBJECT_REFERENCE),
        object_ptr(9, "related", &OBJECT_REFERENCE),
        string(10, "note"),
        string(11, "type"),
        object(12, "deprecatedSource", &EVENT_SOURCE),
        object(13, "deprecatedFirstTimestamp", &TIME),
        object(14, "deprecatedLastTimestamp", &TIME),
        Field::new(15, "deprecatedCount", Type::Int32, Rule::OmitEmpty),
    ],
    form: Form::Object,
};

static LEASE_SPEC: Message = Message {
    name: "LeaseSpec",
    fields: &[
        string_ptr(1, "holderIdentity"),
        Field::new(2, "leaseDurationSeconds", Type::Int32, Rule::Pointer),
        object_ptr(3, "acquireTime", &MICRO_TIME),
        object_ptr(4, "renewTime", &MICRO_TIME),
        Field::new(5, "leaseTransitions", Type::Int32, Rule::Pointer),
        string_ptr(6, "strategy"),
        string_ptr(7, "preferredHolder"),
    ],
    form: Form::Object,
};

pub static LEASE: Message = Message {
    name: "Lease",
    fields: &[object(1, "metadata", &OBJECT_META), object(2, "spec", &LEASE_SPEC)],
    form: Form::Object,
};
