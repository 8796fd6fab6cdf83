//! Compiles the `x-kubernetes-validations` of a schema into a tree that
//! mirrors the schema's structural spine (properties, items,
//! additionalProperties), keeping only the branches that hold rules, and
//! checks every rule the way apiextensions-apiserver does when a CRD is
//! written (syntax, identifiers, fields, `oldSelf` placement, `fieldPath`,
//! `reason`, cost).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::cost;
use crate::validation::field::{child, go_quote};
use crate::validation::{BadValue, FieldError};

/// kube's `FieldValueErrorReason`s a rule may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reason {
    Invalid,
    Forbidden,
    Required,
    Duplicate,
}

/// One compiled rule.
pub(super) struct Rule {
    pub source: String,
    /// Trimmed `message`; empty when unset.
    pub message: String,
    pub message_expression: Option<cel::Program>,
    pub reason: Reason,
    /// `fieldPath` as a kube field path relative to the rule's node
    /// (`foo.bar`, `foo[key]`); empty when unset.
    pub field_path: String,
    pub optional_old_self: bool,
    pub uses_old_self: bool,
    pub program: cel::Program,
}

/// The rules of one schema node and of the nodes below it.
#[derive(Default)]
pub(super) struct Node {
    /// The schema `type` (`object`, `string`, ...), printed as the bad
    /// value of failures; empty when the schema has none.
    pub schema_type: String,
    pub rules: Vec<Rule>,
    pub properties: BTreeMap<String, Node>,
    pub items: Option<Box<Node>>,
    pub additional: Option<Box<Node>>,
    /// Keys of an `x-kubernetes-list-type: map` list: how old items are
    /// found for transition rules on items. `None` for other lists.
    pub list_map_keys: Option<Vec<String>>,
    /// The root of the resource: `self` also has `apiVersion`, `kind` and
    /// `metadata` (`name` and `generateName` only).
    pub resource_root: bool,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.properties.is_empty() && self.items.is_none() && self.additional.is_none()
    }
}

/// The compiled rules of one CRD version's schema.
pub struct Validator {
    pub(super) root: Node,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator").finish_non_exhaustive()
    }
}

impl Validator {
    /// Compiles the rules of a CRD version's `openAPIV3Schema`; `None` when
    /// it has none. Errors (which a CRD write would have rejected) are
    /// joined into one message.
    pub fn compile(schema: &Value) -> Result<Option<Validator>, String> {
        match Self::compile_at(schema, "openAPIV3Schema") {
            Ok(v) if v.root.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(errs) => Err(errs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        }
    }

    /// Compiles, reporting problems as field errors under `path`.
    pub(super) fn compile_at(schema: &Value, path: &str) -> Result<Validator, Vec<FieldError>> {
        let mut errors = Vec::new();
        let root = compile_node(schema, path, true, None, &mut errors);
        if errors.is_empty() { Ok(Validator { root }) } else { Err(errors) }
    }
}

/// Compiles one schema node. `uncorrelatable` names the nearest place
/// above it where old values cannot be matched up (the items of a list
/// that is not a map list), for kube's `oldSelf` check.
fn compile_node(
    schema: &Value,
    path: &str,
    resource_root: bool,
    uncorrelatable: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Node {
    let mut node = Node {
        schema_type: schema.get("type").and_then(Value::as_str).unwrap_or_default().to_owned(),
        resource_root,
        ..Node::default()
    };
    if let Some(rules) = schema.get("x-kubernetes-validations").and_then(Value::as_array) {
        let checked_schema = if resource_root { with_type_and_object_meta(schema) } else { schema.clone() };
        for (i, rule) in rules.iter().enumerate() {
            let rule_path = format!("{}[{i}]", child(path, "x-kubernetes-validations"));
            if let Some(rule) = compile_rule(rule, &checked_schema, &rule_path, uncorrelatable, errors) {
                node.rules.push(rule);
            }
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            let embedded = prop.get("x-kubernetes-embedded-resource").and_then(Value::as_bool).unwrap_or(false);
            let sub = compile_node(prop, &format!("{path}.properties[{name}]"), embedded, uncorrelatable, errors);
            if !sub.is_empty() {
                node.properties.insert(name.clone(), sub);
            }
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        let items_path = child(path, "items");
        let map_list = schema.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map");
        let below = if map_list { uncorrelatable } else { Some(uncorrelatable.unwrap_or(&items_path)) };
        let embedded = items.get("x-kubernetes-embedded-resource").and_then(Value::as_bool).unwrap_or(false);
        let sub = compile_node(items, &items_path, embedded, below, errors);
        if !sub.is_empty() {
            node.items = Some(Box::new(sub));
        }
        if map_list {
            node.list_map_keys = Some(
                schema
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .map(|keys| keys.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default(),
            );
        }
    }
    if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        let embedded = additional.get("x-kubernetes-embedded-resource").and_then(Value::as_bool).unwrap_or(false);
        let sub = compile_node(additional, &child(path, "additionalProperties"), embedded, uncorrelatable, errors);
        if !sub.is_empty() {
            node.additional = Some(Box::new(sub));
        }
    }
    node
}

/// The schema `self` has at a resource root: kube adds `apiVersion`,
/// `kind` and a `metadata` with only `name` and `generateName`.
fn with_type_and_object_meta(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(obj) = schema.as_object_mut() {
        let props = obj.entry("properties").or_insert_with(|| Value::Object(Map::new()));
        if let Some(props) = props.as_object_mut() {
            props.insert("apiVersion".into(), serde_json::json!({"type": "string"}));
            props.insert("kind".into(), serde_json::json!({"type": "string"}));
            props.insert(
                "metadata".into(),
                serde_json::json!({"type": "object", "properties": {
                    "name": {"type": "string"}, "generateName": {"type": "string"}}}),
            );
        }
    }
    schema
}

/// Go's `%#v` of the `apiextensions.ValidationRule` kube prints as the bad
/// value of a rule it cannot compile.
fn go_rule(rule: &Value) -> String {
    let s = |k: &str| go_quote(rule.get(k).and_then(Value::as_str).unwrap_or_default());
    let reason = match rule.get("reason").and_then(Value::as_str) {
        Some(_) => "(*apiextensions.FieldValueErrorReason)(0xc000000000)",
        None => "(*apiextensions.FieldValueErrorReason)(nil)",
    };
    let optional = match rule.get("optionalOldSelf").and_then(Value::as_bool) {
        Some(_) => "(*bool)(0xc000000001)",
        None => "(*bool)(nil)",
    };
    format!(
        "apiextensions.ValidationRule{{Rule:{}, Message:{}, MessageExpression:{}, Reason:{reason}, FieldPath:{}, OptionalOldSelf:{optional}}}",
        s("rule"),
        s("message"),
        s("messageExpression"),
        s("fieldPath"),
    )
}

fn compile_rule(
    rule: &Value,
    schema: &Value,
    path: &str,
    uncorrelatable: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Rule> {
    let env = super::environment();
    let source = rule.get("rule").and_then(Value::as_str).unwrap_or_default();
    let rule_field = child(path, "rule");
    if source.trim().is_empty() {
        errors.push(FieldError::required(rule_field, "rule is not specified"));
        return None;
    }
    let message = rule.get("message").and_then(Value::as_str).unwrap_or_default();
    let message_expression_source = rule.get("messageExpression").and_then(Value::as_str).unwrap_or_default();
    let mut ok = true;
    if message.contains('\n') {
        errors.push(FieldError::invalid_str(child(path, "message"), message, "message must not contain line breaks"));
        ok = false;
    } else if message.is_empty() && message_expression_source.is_empty() && source.contains('\n') {
        errors.push(FieldError::required(
            child(path, "message"),
            "message must be specified if rule contains line breaks",
        ));
        ok = false;
    }
    let reason = match rule.get("reason").and_then(Value::as_str) {
        None => Reason::Invalid,
        Some("FieldValueInvalid") => Reason::Invalid,
        Some("FieldValueForbidden") => Reason::Forbidden,
        Some("FieldValueRequired") => Reason::Required,
        Some("FieldValueDuplicate") => Reason::Duplicate,
        Some(other) => {
            errors.push(FieldError::not_supported(
                child(path, "reason"),
                BadValue::Json(Value::String(other.to_owned())),
                &["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"],
            ));
            ok = false;
            Reason::Invalid
        }
    };
    let field_path = match rule.get("fieldPath").and_then(Value::as_str) {
        None | Some("") => String::new(),
        Some(fp) => match normalize_field_path(fp, schema) {
            Ok(p) => p,
            Err(why) => {
                errors.push(FieldError::invalid_str(
                    child(path, "fieldPath"),
                    fp,
                    format!("fieldPath must be a valid path: {why}"),
                ));
                ok = false;
                String::new()
            }
        },
    };
    let optional_old_self = rule.get("optionalOldSelf").and_then(Value::as_bool).unwrap_or(false);
    let program = match env.compile(source) {
        Ok(p) => p,
        Err(err) => {
            errors.push(FieldError::invalid(
                &rule_field,
                BadValue::Raw(go_rule(rule)),
                format!("compilation failed: {err}"),
            ));
            return None;
        }
    };
    let check = check_program(&program, source, schema, optional_old_self);
    if let Some(problem) = check.problem {
        errors.push(FieldError::invalid(
            &rule_field,
            BadValue::Raw(go_rule(rule)),
            format!("compilation failed: {problem}"),
        ));
        return None;
    }
    if check.uses_old_self
        && let Some(at) = uncorrelatable
    {
        errors.push(FieldError::invalid_str(
            &rule_field,
            source,
            format!("oldSelf cannot be used on the uncorrelatable portion of the schema within {at}"),
        ));
        ok = false;
    }
    if optional_old_self && !check.uses_old_self {
        errors.push(FieldError::invalid(
            child(path, "optionalOldSelf"),
            BadValue::Json(Value::Bool(true)),
            "may not be set if rule does not use oldSelf",
        ));
        ok = false;
    }
    if let Some(factor) = cost::exceeds_budget(program.expression(), schema) {
        errors.push(FieldError::forbidden(
            &rule_field,
            format!(
                "estimated rule cost exceeds budget by factor of {factor:.1}x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
            ),
        ));
        ok = false;
    }
    let message_expression = if message_expression_source.trim().is_empty() {
        None
    } else {
        let mx_path = child(path, "messageExpression");
        match env.compile(message_expression_source) {
            Ok(p) => {
                let check = check_program(&p, message_expression_source, schema, optional_old_self);
                match check.problem {
                    Some(problem) => {
                        errors.push(FieldError::invalid_str(
                            mx_path,
                            message_expression_source,
                            format!("messageExpression compilation failed: {problem}"),
                        ));
                        ok = false;
                        None
                    }
                    None => Some(p),
                }
            }
            Err(err) => {
                errors.push(FieldError::invalid_str(
                    mx_path,
                    message_expression_source,
                    format!("messageExpression compilation failed: {err}"),
                ));
                ok = false;
                None
            }
        }
    };
    ok.then(|| Rule {
        source: source.to_owned(),
        message: message.trim().to_owned(),
        message_expression,
        reason,
        field_path,
        optional_old_self,
        uses_old_self: check.uses_old_self,
        program,
    })
}

/// kube's `ValidFieldPath`: `.a.b`, `.a['x.y']`, map keys by name; returns
/// the kube field path (`a.b`, `a[key]`) or why it is invalid.
fn normalize_field_path(fp: &str, schema: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut schema = schema;
    let mut rest = fp;
    let step = |name: &str, out: &mut String, schema: &mut &Value| -> Result<(), String> {
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            *schema = props.get(name).ok_or("does not refer to a valid field")?;
            *out = child(out, name);
        } else if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            *schema = additional;
            *out = format!("{out}[{name}]");
        } else {
            return Err("does not refer to a valid field".into());
        }
        Ok(())
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return Err("unexpected end of JSON path".into());
            }
            step(&after[..end], &mut out, &mut schema)?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']").ok_or("unexpected end of JSON path")?;
            step(&after[..end], &mut out, &mut schema)?;
            rest = &after[end + 2..];
        } else {
            return Err(format!("expected [ or . but got: {rest}"));
        }
    }
    Ok(out)
}

/// What the static check of a program found.
struct Check {
    uses_old_self: bool,
    problem: Option<String>,
}

/// Identifiers that name types or namespaces rather than variables.
const TYPE_IDENTS: [&str; 12] =
    ["bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type", "optional", "dyn"];

/// cel-go's checker errors that matter for rules without a full type
/// checker: undeclared identifiers and fields the schema does not have.
fn check_program(program: &cel::Program, source: &str, schema: &Value, optional_old_self: bool) -> Check {
    let mut check = Check { uses_old_self: false, problem: None };
    let mut scope: HashMap<String, Option<Value>> = HashMap::new();
    scope.insert("self".into(), Some(schema.clone()));
    // An optional oldSelf has no fields of its own: `oldSelf.value().x`.
    scope.insert("oldSelf".into(), if optional_old_self { None } else { Some(schema.clone()) });
    walk(program, program.expression(), source, &mut scope, &mut check);
    check
}

fn position(program: &cel::Program, source: &str, id: u64) -> String {
    let offset = program.source_info().offset_for(id).map_or(0, |(start, _)| start as usize);
    let before: String = source.chars().take(offset).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("<input>:{line}:{column}")
}

fn walk(
    program: &cel::Program,
    expr: &cel::IdedExpr,
    source: &str,
    scope: &mut HashMap<String, Option<Value>>,
    check: &mut Check,
) {
    use cel::common::ast::{EntryExpr, Expr};
    if check.problem.is_some() {
        return;
    }
    match &expr.expr {
        Expr::Ident(name) => {
            if name == "oldSelf" {
                check.uses_old_self = true;
            }
            if !scope.contains_key(name) && !TYPE_IDENTS.contains(&name.as_str()) {
                check.problem = Some(format!(
                    "ERROR: {}: undeclared reference to '{name}' (in container '')",
                    position(program, source, expr.id)
                ));
            }
        }
        Expr::Select(select) => {
            walk(program, &select.operand, source, scope, check);
            if check.problem.is_none()
                && let Some(schema) = schema_of(&select.operand, scope)
                && !has_field(&schema, &select.field)
            {
                check.problem =
                    Some(format!("ERROR: {}: undefined field '{}'", position(program, source, expr.id), select.field));
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                // `optional.none()` and friends: a namespace, not a variable.
                if !matches!(&target.expr, Expr::Ident(n) if n == "optional") {
                    walk(program, target, source, scope, check);
                }
            }
            for arg in &call.args {
                walk(program, arg, source, scope, check);
            }
        }
        Expr::Comprehension(c) => {
            walk(program, &c.iter_range, source, scope, check);
            let element = schema_of(&c.iter_range, scope).and_then(|s| element_schema(&s));
            let mut inner = scope.clone();
            inner.insert(c.iter_var.clone(), element);
            if let Some(v2) = &c.iter_var2 {
                inner.insert(v2.clone(), None);
            }
            inner.insert(c.accu_var.clone(), None);
            walk(program, &c.accu_init, source, scope, check);
            for part in [&c.loop_cond, &c.loop_step, &c.result] {
                walk(program, part, source, &mut inner, check);
            }
        }
        Expr::List(list) => {
            for e in &list.elements {
                walk(program, e, source, scope, check);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(e) = &entry.expr {
                    walk(program, &e.key, source, scope, check);
                    walk(program, &e.value, source, scope, check);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => walk(program, &f.value, source, scope, check),
                    EntryExpr::MapEntry(e) => walk(program, &e.value, source, scope, check),
                }
            }
        }
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The schema of an expression, when it is a chain of field selections
/// from `self`, `oldSelf` or a comprehension variable over such a chain.
pub(super) fn schema_of(expr: &cel::IdedExpr, scope: &HashMap<String, Option<Value>>) -> Option<Value> {
    use cel::common::ast::Expr;
    match &expr.expr {
        Expr::Ident(name) => scope.get(name).cloned().flatten(),
        Expr::Select(select) if !select.test => {
            let parent = schema_of(&select.operand, scope)?;
            if let Some(prop) = parent.get("properties").and_then(|p| p.get(&select.field)) {
                Some(prop.clone())
            } else {
                parent.get("additionalProperties").filter(|a| a.is_object()).cloned()
            }
        }
        _ => None,
    }
}

/// The schema of the elements a comprehension iterates: list items, or
/// map keys (strings).
pub(super) fn element_schema(schema: &Value) -> Option<Value> {
    if let Some(items) = schema.get("items") {
        return Some(items.clone());
    }
    if schema.get("additionalProperties").is_some_and(Value::is_object) {
        return Some(serde_json::json!({"type": "string"}));
    }
    None
}

/// Whether selecting `field` on a value of `schema` can succeed: kube's
/// checker rejects fields a closed object schema does not declare.
fn has_field(schema: &Value, field: &str) -> bool {
    let open = schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool).unwrap_or(false)
        || schema.get("additionalProperties").is_some_and(|a| a.is_object() || a == true);
    match schema.get("properties").and_then(Value::as_object) {
        Some(props) => open || props.contains_key(field),
        None => true,
    }
}
