//! The static cost bound of a rule: CEL has no loops, only comprehensions
//! (`all`, `exists`, `map`, `filter`, ...) over lists and maps, so a rule's
//! work is bounded by the sizes of what it iterates, nested. Sizes come
//! from the schema (`maxItems`, `maxProperties`); an unbounded list or map
//! counts as large as a request body allows, as kube estimates it. A rule
//! whose estimate exceeds kube's per-call limit is rejected when its CRD
//! is written, so no rule can keep the server busy at evaluation time.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr};
use serde_json::Value;

use super::compile::{element_schema, schema_of};

/// kube's per-expression cost limit (`PerCallLimit`).
const PER_CALL_LIMIT: f64 = 1_000_000.0;
/// Largest request body kube accepts (3 MiB); with at least two bytes per
/// element (a value and a separator), the most elements a list can have.
const UNBOUNDED_ELEMENTS: f64 = (3 * 1024 * 1024 / 2) as f64;

/// `Some(factor)` when the estimated cost exceeds the limit by `factor`.
pub(super) fn exceeds_budget(expr: &cel::IdedExpr, schema: &Value) -> Option<f64> {
    let mut scope: HashMap<String, Option<Value>> = HashMap::new();
    scope.insert("self".into(), Some(schema.clone()));
    scope.insert("oldSelf".into(), Some(schema.clone()));
    let estimate = cost(expr, &scope);
    (estimate > PER_CALL_LIMIT).then_some(estimate / PER_CALL_LIMIT)
}

/// How many elements an iterated expression can have at most.
fn cardinality(expr: &cel::IdedExpr, scope: &HashMap<String, Option<Value>>) -> f64 {
    if let Expr::List(list) = &expr.expr {
        return list.elements.len() as f64;
    }
    if let Expr::Map(map) = &expr.expr {
        return map.entries.len() as f64;
    }
    // `x.map(...)` and `x.filter(...)` are comprehensions over `x`.
    if let Expr::Comprehension(c) = &expr.expr {
        return cardinality(&c.iter_range, scope);
    }
    let Some(schema) = schema_of(expr, scope) else { return UNBOUNDED_ELEMENTS };
    let bound = if schema.get("items").is_some() {
        schema.get("maxItems").and_then(Value::as_f64)
    } else {
        schema.get("maxProperties").and_then(Value::as_f64)
    };
    bound.unwrap_or(UNBOUNDED_ELEMENTS)
}

fn cost(expr: &cel::IdedExpr, scope: &HashMap<String, Option<Value>>) -> f64 {
    match &expr.expr {
        Expr::Comprehension(c) => {
            let n = cardinality(&c.iter_range, scope);
            let element = schema_of(&c.iter_range, scope).and_then(|s| element_schema(&s));
            let mut inner = scope.clone();
            inner.insert(c.iter_var.clone(), element);
            inner.insert(c.accu_var.clone(), None);
            let body = cost(&c.loop_cond, &inner) + cost(&c.loop_step, &inner) + 1.0;
            cost(&c.iter_range, scope) + cost(&c.accu_init, scope) + n * body + cost(&c.result, &inner)
        }
        Expr::Call(call) => {
            1.0 + call.target.as_ref().map_or(0.0, |t| cost(t, scope))
                + call.args.iter().map(|a| cost(a, scope)).sum::<f64>()
        }
        Expr::Select(select) => 1.0 + cost(&select.operand, scope),
        Expr::List(list) => 1.0 + list.elements.iter().map(|e| cost(e, scope)).sum::<f64>(),
        Expr::Map(map) => {
            1.0 + map
                .entries
                .iter()
                .map(|e| match &e.expr {
                    EntryExpr::MapEntry(m) => cost(&m.key, scope) + cost(&m.value, scope),
                    EntryExpr::StructField(f) => cost(&f.value, scope),
                })
                .sum::<f64>()
        }
        Expr::Struct(s) => {
            1.0 + s
                .entries
                .iter()
                .map(|e| match &e.expr {
                    EntryExpr::MapEntry(m) => cost(&m.value, scope),
                    EntryExpr::StructField(f) => cost(&f.value, scope),
                })
                .sum::<f64>()
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => 1.0,
    }
}
