//! Which rules are on for a file: the top level (the config's `[rules]`, with `--select`
//! replacing its `select`), then each matching `[[overrides]]` entry's `rules` in order (a
//! `select` replaces the set, an `ignore` takes rules out, a `severity` changes them, later
//! entries winning), and `--select`/`--ignore` from the command line have the last word, as
//! ruff's command line does over its per-file ignores. Pure: ids in, ids out.

use std::collections::BTreeSet;

use crate::config::{Config, RuleLayer};
use crate::engine::RuleChoices;
use crate::rules::Rule;

/// The rule choices of a run, before any file is seen.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    /// The ids on at the top level.
    base: BTreeSet<String>,
    cli_select: Option<Vec<String>>,
    cli_ignore: Vec<String>,
}

/// An id that names no rule (`all` names every rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl RuleSelection {
    /// Checks every id the config and the command line name against `rules`, the rules loaded.
    pub fn new(
        rules: &[Rule],
        config: &Config,
        cli_select: Option<Vec<String>>,
        cli_ignore: Vec<String>,
    ) -> Result<Self, UnknownRule> {
        let layers = config.overrides.iter().filter_map(|o| o.rules.as_ref());
        let mut named: Vec<&String> = config.select.iter().flatten().collect();
        named.extend(&config.ignore);
        named.extend(cli_select.iter().flatten());
        named.extend(&cli_ignore);
        for layer in layers {
            named.extend(layer.select.iter().flatten());
            named.extend(&layer.ignore);
            named.extend(layer.severity.keys());
        }
        if let Some(id) = named
            .into_iter()
            .find(|id| *id != "all" && !rules.iter().any(|r| &r.id == *id))
        {
            return Err(UnknownRule(id.clone()));
        }
        let every = || rules.iter().map(|r| r.id.clone());
        let top = RuleLayer {
            select: cli_select.clone().or_else(|| config.select.clone()),
            ignore: config.ignore.clone(),
            severity: Default::default(),
        };
        let mut base: BTreeSet<String> = every().collect();
        apply(&mut base, &top, every);
        let mut selection = Self {
            base,
            cli_select,
            cli_ignore,
        };
        selection.base = selection.finish(selection.base.clone());
        Ok(selection)
    }

    /// Whether a rule is on for at least one file: the engine runs these.
    pub fn reachable(&self, rules: &[Rule], config: &Config) -> BTreeSet<String> {
        let every = || rules.iter().map(|r| r.id.clone());
        let mut on = self.base.clone();
        for layer in config.overrides.iter().filter_map(|o| o.rules.as_ref()) {
            match &layer.select {
                Some(select) if select.iter().any(|id| id == "all") => on.extend(every()),
                Some(select) => on.extend(select.iter().cloned()),
                None => {}
            }
        }
        self.finish(on)
    }

    /// What the `rules` tables of the overrides matching a file change for it, given the rules
    /// the engine runs.
    pub fn choices(&self, engine_rules: &[Rule], layers: &[RuleLayer]) -> RuleChoices {
        let mut choices = RuleChoices::default();
        if layers.is_empty() {
            return choices;
        }
        let every = || engine_rules.iter().map(|r| r.id.clone());
        let mut on = self.base.clone();
        for layer in layers {
            apply(&mut on, layer, every);
            for (id, severity) in &layer.severity {
                choices.severity.insert(id.clone(), *severity.get_ref());
            }
        }
        let on = self.finish(on);
        choices.off = every().filter(|id| !on.contains(id)).collect();
        choices
    }

    /// The command line's last word: `--select` keeps only what it names, `--ignore` removes.
    fn finish(&self, mut on: BTreeSet<String>) -> BTreeSet<String> {
        if let Some(select) = &self.cli_select
            && !select.iter().any(|id| id == "all")
        {
            on.retain(|id| select.contains(id));
        }
        remove(&mut on, &self.cli_ignore);
        on
    }
}

/// One layer over the ids that are on.
fn apply<I: Iterator<Item = String>>(
    on: &mut BTreeSet<String>,
    layer: &RuleLayer,
    every: impl Fn() -> I,
) {
    if let Some(select) = &layer.select {
        *on = if select.iter().any(|id| id == "all") {
            every().collect()
        } else {
            select.iter().cloned().collect()
        };
    }
    remove(on, &layer.ignore);
}

fn remove(on: &mut BTreeSet<String>, ignore: &[String]) {
    if ignore.iter().any(|id| id == "all") {
        on.clear();
    } else {
        for id in ignore {
            on.remove(id);
        }
    }
}
