//! The indexes every rule reads: documents grouped by provider, so cross-file checks
//! look things up instead of rescanning the workspace for every pair.

use std::collections::HashMap;

use integ_spec::{Action, AuthProfile, Loaded, Provider, Workspace};

/// Everything of one provider name: the provider document (absent when profiles or
/// actions name a provider that was not loaded), its actions and its profiles.
#[derive(Debug)]
pub struct ProviderIndex<'w> {
    pub name: &'w str,
    pub provider: Option<&'w Loaded<Provider>>,
    pub actions: Vec<&'w Loaded<Action>>,
    pub profiles: Vec<&'w Loaded<AuthProfile>>,
    /// (action name, position in `actions`), sorted by name: looked up by binary search
    /// (one allocation per provider instead of one per action).
    action_names: Vec<(&'w str, usize)>,
}

impl<'w> ProviderIndex<'w> {
    fn new(name: &'w str) -> Self {
        ProviderIndex {
            name,
            provider: None,
            actions: Vec::new(),
            profiles: Vec::new(),
            action_names: Vec::new(),
        }
    }

    pub fn has_action(&self, name: &str) -> bool {
        self.actions_named(name).next().is_some()
    }

    /// Positions in `actions` of the actions called `name` (more than one only when
    /// names collide).
    pub fn actions_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        let start = self.action_names.partition_point(|(n, _)| *n < name);
        self.action_names[start..]
            .iter()
            .take_while(move |(n, _)| *n == name)
            .map(|(_, i)| *i)
    }

    /// Every action name, sorted (with repeats when names collide).
    pub fn action_names(&self) -> impl Iterator<Item = &'w str> + '_ {
        self.action_names.iter().map(|(n, _)| *n)
    }
}

/// The workspace and its indexes, built once per lint run and shared by every rule.
#[derive(Debug)]
pub struct LintContext<'w> {
    pub ws: &'w Workspace,
    /// One entry per provider name, in the order names were first seen.
    pub providers: Vec<ProviderIndex<'w>>,
    by_name: HashMap<&'w str, usize>,
}

impl<'w> LintContext<'w> {
    pub fn new(ws: &'w Workspace) -> Self {
        let mut ctx = LintContext {
            ws,
            providers: Vec::new(),
            by_name: HashMap::new(),
        };
        for p in &ws.providers {
            let idx = ctx.index_of(&p.doc.metadata.name);
            // The first of duplicate providers wins; `duplicate-name` reports the rest.
            ctx.providers[idx].provider.get_or_insert(p);
        }
        for a in &ws.actions {
            let idx = ctx.index_of(&a.doc.spec.provider);
            let group = &mut ctx.providers[idx];
            group
                .action_names
                .push((&a.doc.metadata.name, group.actions.len()));
            group.actions.push(a);
        }
        for p in &ws.profiles {
            let idx = ctx.index_of(&p.doc.spec.provider);
            ctx.providers[idx].profiles.push(p);
        }
        for group in &mut ctx.providers {
            group.action_names.sort_unstable();
        }
        ctx
    }

    fn index_of(&mut self, name: &'w str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.providers.push(ProviderIndex::new(name));
        self.by_name.insert(name, self.providers.len() - 1);
        self.providers.len() - 1
    }

    pub fn provider(&self, name: &str) -> Option<&ProviderIndex<'w>> {
        self.by_name.get(name).map(|&i| &self.providers[i])
    }

    /// The text of the file a document came from.
    pub fn text<T>(&self, doc: &Loaded<T>) -> &'w str {
        &self.ws.file(doc.file).text
    }
}
