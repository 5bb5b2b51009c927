//! `integ.toml`: per-rule severities and ignored paths, found by walking up from the
//! linted path.
//!
//! ```toml
//! ignore = ["tests/fixtures/**", "*.draft.yaml"]   # relative to integ.toml
//!
//! [rules]
//! oauth-endpoint-mismatch = "off"                   # off | warning | error
//! unused-input = "error"
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use integ_spec::Severity;
use serde::Deserialize;

use crate::registry;

pub const FILE_NAME: &str = "integ.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "{path}: [rules] names `{id}`, which is not a rule{hint} (`integ explain --list` lists them)"
    )]
    UnknownRule {
        path: PathBuf,
        id: String,
        hint: String,
    },
    #[error("{path}: ignore pattern `{pattern}` is not a valid glob: {message}")]
    Glob {
        path: PathBuf,
        pattern: String,
        message: String,
    },
}

/// A configured level: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    rules: HashMap<String, Level>,
}

/// The lint configuration; [`Config::default`] when no `integ.toml` is found.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `integ.toml` this came from.
    pub path: Option<PathBuf>,
    /// The directory ignore globs are relative to.
    pub root: PathBuf,
    levels: HashMap<String, Level>,
    ignore: GlobSet,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            root: std::env::current_dir().unwrap_or_default(),
            levels: HashMap::new(),
            ignore: GlobSet::empty(),
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Config {
    /// Looks for `integ.toml` in `start` (a file's directory when it is a file) and its
    /// ancestors; the default configuration when there is none.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let start = absolute(start);
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
            dir = d.parent();
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of an `integ.toml` at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        for id in raw.rules.keys() {
            if registry::rule(id).is_none() {
                let hint = registry::RULES
                    .iter()
                    .find(|r| integ_spec::template::close_to(id, r.id))
                    .map(|r| format!(" (did you mean `{}`?)", r.id))
                    .unwrap_or_default();
                return Err(ConfigError::UnknownRule {
                    path: path.to_path_buf(),
                    id: id.clone(),
                    hint,
                });
            }
        }
        let mut globs = GlobSetBuilder::new();
        for pattern in &raw.ignore {
            let p = pattern.trim_start_matches("./").trim_end_matches('/');
            // gitignore-like: a bare name matches at any depth, a directory matches its contents.
            let anchored = if p.contains('/') {
                p.to_string()
            } else {
                format!("**/{p}")
            };
            for g in [anchored.clone(), format!("{anchored}/**")] {
                let glob = GlobBuilder::new(&g)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| ConfigError::Glob {
                        path: path.to_path_buf(),
                        pattern: pattern.clone(),
                        message: e.kind().to_string(),
                    })?;
                globs.add(glob);
            }
        }
        let ignore = globs.build().map_err(|e| ConfigError::Glob {
            path: path.to_path_buf(),
            pattern: raw.ignore.join(", "),
            message: e.to_string(),
        })?;
        let root = absolute(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Ok(Config {
            path: Some(path.to_path_buf()),
            root,
            levels: raw.rules,
            ignore,
        })
    }

    /// The severity findings of `code` get, `None` when the rule is off. Codes that are
    /// not rules (other loader diagnostics) follow the `schema` rule.
    pub fn severity(&self, code: &str) -> Option<Severity> {
        let rule = registry::rule(code).or_else(|| registry::rule("schema"))?;
        match self.levels.get(rule.id) {
            Some(Level::Off) => None,
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Error) => Some(Severity::Error),
            None => Some(rule.default_severity),
        }
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.severity(code).is_some()
    }

    /// Whether `path` matches an `ignore` glob (relative to the config's directory).
    pub fn is_ignored(&self, path: &Path) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let abs = absolute(path);
        let rel = abs.strip_prefix(&self.root).unwrap_or(&abs);
        self.ignore.is_match(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_defaults() {
        let c = Config::parse(
            "[rules]\nunused-input = \"error\"\ninsecure-url = \"off\"\n",
            Path::new("/r/integ.toml"),
        )
        .unwrap();
        assert_eq!(c.severity("unused-input"), Some(Severity::Error));
        assert_eq!(c.severity("insecure-url"), None);
        assert_eq!(
            c.severity("oauth-endpoint-mismatch"),
            Some(Severity::Warning)
        );
        assert_eq!(c.severity("yaml-syntax"), Some(Severity::Error));
    }

    #[test]
    fn unknown_rule_is_an_error_with_a_hint() {
        let e = Config::parse(
            "[rules]\ninsecure-urls = \"off\"\n",
            Path::new("integ.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "integ.toml: [rules] names `insecure-urls`, which is not a rule (did you mean `insecure-url`?) (`integ explain --list` lists them)"
        );
    }

    #[test]
    fn bad_level_is_a_parse_error() {
        let e = Config::parse(
            "[rules]\ninsecure-url = \"loud\"\n",
            Path::new("integ.toml"),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
    }

    #[test]
    fn ignore_globs_are_relative_to_the_config() {
        let c = Config::parse(
            "ignore = [\"drafts\", \"*.wip.yaml\", \"a/b/*.yaml\"]\n",
            Path::new("/r/integ.toml"),
        )
        .unwrap();
        assert!(c.is_ignored(Path::new("/r/drafts/x.yaml")));
        assert!(c.is_ignored(Path::new("/r/specs/drafts/x.yaml")));
        assert!(c.is_ignored(Path::new("/r/specs/p.wip.yaml")));
        assert!(c.is_ignored(Path::new("/r/a/b/c.yaml")));
        assert!(!c.is_ignored(Path::new("/r/a/b/c/d.yaml")));
        assert!(!c.is_ignored(Path::new("/r/specs/p.yaml")));
    }
}
