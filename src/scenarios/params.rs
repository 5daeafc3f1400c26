//! A scenario's parameter values, checked against its schema.

use super::chaos::is_chaos;
use super::schema::{ParamSpec, Value};

/// The values of every parameter of one scenario, in schema order.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    specs: &'static [ParamSpec],
    values: Vec<Value>,
}

impl Params {
    /// Every parameter at its default.
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        Params {
            specs,
            values: specs.iter().map(|s| s.default.clone()).collect(),
        }
    }

    /// The schema.
    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }

    /// The spec of parameter `name`, or a message naming what is allowed.
    pub fn spec(&self, name: &str) -> Result<&'static ParamSpec, String> {
        self.specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| unknown_param(self.specs, name))
    }

    /// Sets `name` from text; an unknown name or a bad value is an error that
    /// says what is allowed, and nothing changes.
    pub fn set_text(&mut self, name: &str, text: &str) -> Result<(), String> {
        let spec = self.spec(name)?;
        let v = spec.parse(text)?;
        self.set(name, v)
    }

    /// Sets `name` to an already parsed value.
    pub fn set(&mut self, name: &str, v: Value) -> Result<(), String> {
        let i = self
            .specs
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| unknown_param(self.specs, name))?;
        self.values[i] = v;
        Ok(())
    }

    /// The value of `name`. Panics on a name the schema lacks: that is a bug in
    /// the scenario, not bad input.
    pub fn get(&self, name: &str) -> &Value {
        let i = self
            .specs
            .iter()
            .position(|s| s.name == name)
            .unwrap_or_else(|| panic!("scenario reads undeclared parameter '{name}'"));
        &self.values[i]
    }

    /// A number parameter's value (`None` when it is `off`).
    pub fn num(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Value::Number(x) => Some(*x),
            Value::Off => None,
            v => panic!("parameter '{name}' is not a number: {v}"),
        }
    }

    /// A number parameter that cannot be off.
    pub fn f(&self, name: &str) -> f64 {
        self.num(name)
            .unwrap_or_else(|| panic!("parameter '{name}' is off"))
    }

    /// A switch's value.
    pub fn on(&self, name: &str) -> bool {
        match self.get(name) {
            Value::Switch(b) => *b,
            v => panic!("parameter '{name}' is not a switch: {v}"),
        }
    }

    /// A choice's value.
    pub fn choice(&self, name: &str) -> &'static str {
        match self.get(name) {
            Value::Choice(c) => c,
            v => panic!("parameter '{name}' is not a choice: {v}"),
        }
    }

    /// (spec, value) pairs in schema order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, &Value)> {
        self.specs.iter().zip(self.values.iter())
    }

    /// The parameters whose value differs from the default.
    pub fn non_defaults(&self) -> impl Iterator<Item = (&'static ParamSpec, &Value)> {
        self.iter().filter(|(s, v)| s.default != **v)
    }

    /// The parameters whose value differs in `other` (of the same scenario):
    /// (spec, this value, `other`'s), in schema order. What B changes in an
    /// A/B comparison.
    pub fn differences<'a>(
        &'a self,
        other: &'a Params,
    ) -> impl Iterator<Item = (&'static ParamSpec, &'a Value, &'a Value)> {
        self.iter()
            .zip(other.values.iter())
            .filter(|((_, a), b)| a != b)
            .map(|((s, a), b)| (s, a, b))
    }
}

/// "unknown parameter 'bulkhed' — did you mean 'bulkhead'? (allowed: …)".
/// The chaos parameters are named by their pattern, not one by one: a
/// scenario of fifty services has two hundred of them.
pub fn unknown_param(specs: &[ParamSpec], name: &str) -> String {
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    let hint = did_you_mean(name, &names)
        .map(|n| format!(" — did you mean '{n}'?"))
        .unwrap_or_default();
    let own: Vec<&str> = names.iter().copied().filter(|n| !is_chaos(n)).collect();
    let chaos = if own.len() < names.len() {
        ", chaos.SERVICE.latency_ms, .fail_percent, .partitioned, .pods_down"
    } else {
        ""
    };
    format!(
        "unknown parameter '{}'{hint} (allowed: {}{chaos})",
        super::schema::quote(name),
        own.join(", ")
    )
}

/// The closest candidate within a small edit distance, if any.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance between two short strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("bulkhed", &["bulkhead", "timeout_ms"]),
            Some("bulkhead")
        );
        assert_eq!(did_you_mean("zzz", &["bulkhead", "timeout_ms"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
