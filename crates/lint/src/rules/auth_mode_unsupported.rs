//! ## What it does
//! Checks that a profile's `ownership` (`system` or `custom`, "OAuth - System" or
//! "OAuth - Custom") and `authorizedBy` (`developer` or `user`) form a combination that
//! its provider lists as supported under `auth.modes`.
//!
//! ## Why is this bad?
//! A profile of a kind the provider does not offer cannot be authorized at all.
//! HighLevel, for one, has no System OAuth app: every integration registers its own
//! custom app, so a `system` profile fails at the first login.
//!
//! ## Example
//! ```yaml
//! # provider highlevel: modes: { system: { developer: false, user: false }, ... }
//! spec:
//!   provider: highlevel
//!   ownership: system
//!   authorizedBy: developer
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   provider: highlevel
//!   ownership: custom
//!   authorizedBy: developer
//! ```

use integ_spec::{AuthorizedBy, Diagnostic, Ownership, Severity};

use crate::context::LintContext;
use crate::rule::Rule;

pub const RULE: Rule = Rule {
    id: "auth-mode-unsupported",
    default_severity: Severity::Error,
    summary: "a profile's ownership/authorizedBy is a mode its provider does not support",
    fixable: false,
    source: include_str!("auth_mode_unsupported.rs"),
    check: Some(check),
};

fn ownership_str(o: Ownership) -> &'static str {
    match o {
        Ownership::System => "system",
        Ownership::Custom => "custom",
    }
}

fn authorized_by_str(a: AuthorizedBy) -> &'static str {
    match a {
        AuthorizedBy::Developer => "developer",
        AuthorizedBy::User => "user",
    }
}

fn check(ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for group in &ctx.providers {
        let Some(provider) = group.provider else {
            continue;
        };
        let modes = &provider.doc.spec.auth.modes;
        let mut supported = Vec::new();
        for (o, m) in [
            (Ownership::System, modes.system),
            (Ownership::Custom, modes.custom),
        ] {
            if m.developer {
                supported.push(format!("{}/developer", ownership_str(o)));
            }
            if m.user {
                supported.push(format!("{}/user", ownership_str(o)));
            }
        }
        for profile in &group.profiles {
            let spec = &profile.doc.spec;
            let mode = match spec.ownership {
                Ownership::System => modes.system,
                Ownership::Custom => modes.custom,
            };
            let ok = match spec.authorized_by {
                AuthorizedBy::Developer => mode.developer,
                AuthorizedBy::User => mode.user,
            };
            if ok {
                continue;
            }
            let (pointer, what) = if !mode.developer && !mode.user {
                (
                    "/spec/ownership",
                    format!("`ownership: {}` profiles", ownership_str(spec.ownership)),
                )
            } else {
                (
                    "/spec/authorizedBy",
                    format!(
                        "`ownership: {}` profiles with `authorizedBy: {}`",
                        ownership_str(spec.ownership),
                        authorized_by_str(spec.authorized_by)
                    ),
                )
            };
            let mut d = RULE.diagnostic(
                profile.file,
                profile.span_of(pointer).value,
                format!("provider `{}` does not support {what}", group.name),
            );
            d.label = Some("not offered by the provider".to_string());
            d.help = Some(if supported.is_empty() {
                format!(
                    "provider `{}` lists no supported mode under `auth.modes`",
                    group.name
                )
            } else {
                format!(
                    "use one of the modes `{}` supports (ownership/authorizedBy): {}",
                    group.name,
                    supported.join(", ")
                )
            });
            out.push(d);
        }
    }
}
