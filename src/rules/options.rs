//! A rule's options: its YAML defaults, overridden by the user's configuration.

use std::collections::BTreeMap;

use super::decl::{OptionValue, RuleDecl};

#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    values: BTreeMap<String, OptionValue>,
}

impl RuleOptions {
    pub fn defaults(rule: &RuleDecl) -> Self {
        RuleOptions {
            values: rule
                .options
                .iter()
                .map(|(k, o)| (k.clone(), o.default.clone()))
                .collect(),
        }
    }

    /// Sets a value; the configuration loader has already checked its type.
    pub fn set(&mut self, key: &str, value: OptionValue) {
        self.values.insert(key.to_string(), value);
    }

    pub fn bool(&self, key: &str) -> bool {
        matches!(self.values.get(key), Some(OptionValue::Bool(true)))
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        match self.values.get(key) {
            Some(OptionValue::Int(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn list(&self, key: &str) -> &[String] {
        match self.values.get(key) {
            Some(OptionValue::List(v)) => v,
            _ => &[],
        }
    }
}
