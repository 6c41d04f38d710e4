//! What the engine's task holds beside the domain's [`Rules`]: the rule
//! rows as last read (to notice changes), the rows of the rules running
//! (the evidence an alert carries), the street's root region (where alert
//! orders are filed) and when the state was last read and rebuilt.

use shequ_domain::sensing::engine::Rules;
use shequ_store::alerts::AlertRule;

pub(crate) struct EngineState {
    /// The rules' state, moved only by the domain's step.
    pub rules: Rules,
    /// Every rule row as last read, active or not.
    pub loaded: Vec<AlertRule>,
    /// The rows of the rules in `rules`.
    pub running: Vec<AlertRule>,
    pub root_path: String,
    pub built_at: i64,
    pub rules_read_at: i64,
    /// Rebuild at the next refresh whatever the rows say (a device was
    /// registered since the state was built).
    pub stale: bool,
}

impl EngineState {
    /// The row of a running rule.
    pub fn rule(&self, id: i64) -> Option<&AlertRule> {
        self.running.iter().find(|r| r.id == id)
    }
}
