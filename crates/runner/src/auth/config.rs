//! A profile and its provider, resolved for use: `${env:NAME}` read now, token
//! parameters merged (the provider's, then the profile's over them).

use std::collections::BTreeMap;

use integ_spec::model::{AuthProfile, AuthorizedBy, ClientAuth, Provider};
use integ_spec::template::{self, Part};
use url::Url;

use super::AuthError;
use super::store::TokenKey;
use crate::secret::Secret;

/// Everything an OAuth flow of one profile needs. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub provider: String,
    pub profile: String,
    pub authorized_by: AuthorizedBy,
    pub client_id: String,
    pub client_secret: Secret,
    pub authorization_url: Url,
    pub token_url: Url,
    /// Where refresh requests go (the profile's `refreshUrl`, else the token URL).
    pub refresh_url: Url,
    pub scopes: Vec<String>,
    pub client_auth: ClientAuth,
    /// Extra form parameters of every token request (HighLevel: `user_type`).
    pub token_params: BTreeMap<String, String>,
    /// `oauth2.refreshToken`: bootstraps a pre-authorized profile with no stored token.
    pub refresh_token: Option<Secret>,
}

impl OAuthConfig {
    /// Resolves `profile` (whose provider is `provider`) against the process environment.
    pub fn from_profile(
        profile: &AuthProfile,
        provider: &Provider,
    ) -> Result<OAuthConfig, AuthError> {
        Self::from_profile_with_env(profile, provider, |name| std::env::var(name).ok())
    }

    /// As [`OAuthConfig::from_profile`], reading variables through `env`.
    pub fn from_profile_with_env(
        profile: &AuthProfile,
        provider: &Provider,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<OAuthConfig, AuthError> {
        let name = &profile.metadata.name;
        let oauth = profile
            .spec
            .oauth2
            .as_ref()
            .ok_or_else(|| AuthError::NoOAuth2 {
                profile: name.clone(),
            })?;
        let r = Resolver {
            profile: name,
            env: &env,
        };

        let mut token_params = BTreeMap::new();
        if let Some(p) = &provider.spec.auth.oauth2 {
            for (k, v) in &p.token_params {
                let field = format!(
                    "provider {} spec.auth.oauth2.tokenParams.{k}",
                    provider.metadata.name
                );
                token_params.insert(k.clone(), r.value(&field, v)?);
            }
        }
        for (k, v) in &oauth.token_params {
            token_params.insert(
                k.clone(),
                r.value(&format!("spec.oauth2.tokenParams.{k}"), v)?,
            );
        }

        let token_url = r.url("spec.oauth2.tokenUrl", &oauth.token_url)?;
        let refresh_url = match &oauth.refresh_url {
            Some(u) => r.url("spec.oauth2.refreshUrl", u)?,
            None => token_url.clone(),
        };
        Ok(OAuthConfig {
            provider: provider.metadata.name.clone(),
            profile: name.clone(),
            authorized_by: profile.spec.authorized_by,
            client_id: r.value("spec.oauth2.clientId", &oauth.client_id)?,
            client_secret: Secret::new(r.value("spec.oauth2.clientSecret", &oauth.client_secret)?),
            authorization_url: r.url("spec.oauth2.authorizationUrl", &oauth.authorization_url)?,
            token_url,
            refresh_url,
            scopes: oauth.scopes.clone(),
            client_auth: oauth.client_auth,
            token_params,
            refresh_token: oauth
                .refresh_token
                .as_ref()
                .map(|v| r.value("spec.oauth2.refreshToken", v).map(Secret::new))
                .transpose()?,
        })
    }

    /// The store key of this profile for `user` (`Some` only for `authorizedBy: user`).
    pub fn key(&self, user: Option<&str>) -> TokenKey {
        TokenKey {
            provider: self.provider.clone(),
            profile: self.profile.clone(),
            user: match self.authorized_by {
                AuthorizedBy::User => Some(user.unwrap_or(super::DEFAULT_USER).to_string()),
                AuthorizedBy::Developer => None,
            },
        }
    }
}

struct Resolver<'a, F> {
    profile: &'a str,
    env: &'a F,
}

impl<F: Fn(&str) -> Option<String>> Resolver<'_, F> {
    fn bad(&self, field: &str, message: String) -> AuthError {
        AuthError::BadConfig {
            profile: self.profile.to_string(),
            field: field.to_string(),
            message,
        }
    }

    /// Literal text and `${env:NAME}`; `{{ }}` references mean nothing here.
    fn value(&self, field: &str, text: &str) -> Result<String, AuthError> {
        let parsed = template::parse(text).map_err(|e| self.bad(field, e.message))?;
        parsed.render(|part| match part {
            Part::Env(e) => (self.env)(&e.name).ok_or_else(|| AuthError::MissingEnv {
                var: e.name.clone(),
                profile: self.profile.to_string(),
                field: field.to_string(),
            }),
            Part::Ref(r) => Err(self.bad(
                field,
                format!(
                    "`{{{{ {} }}}}` cannot be used here; write a value or ${{env:NAME}}",
                    r.dotted()
                ),
            )),
            Part::Literal(s) => Ok(s.clone()),
        })
    }

    fn url(&self, field: &str, text: &str) -> Result<Url, AuthError> {
        let value = self.value(field, text)?;
        let url = Url::parse(&value).map_err(|e| self.bad(field, format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(self.bad(field, format!("`{}` URLs are not supported", url.scheme())));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> (AuthProfile, Provider) {
        let provider: Provider = serde_json::from_value(serde_json::json!({
            "apiVersion": "integ/v1", "kind": "Provider",
            "metadata": { "name": "highlevel" },
            "spec": {
                "baseUrl": "http://127.0.0.1:9",
                "auth": {
                    "oauth2": {
                        "authorizationUrl": "http://127.0.0.1:9/oauth/chooselocation",
                        "tokenUrl": "http://127.0.0.1:9/oauth/token",
                        "tokenParams": { "user_type": "Location", "audience": "x" }
                    },
                    "modes": {}
                }
            }
        }))
        .unwrap();
        let profile: AuthProfile = serde_json::from_value(serde_json::json!({
            "apiVersion": "integ/v1", "kind": "AuthProfile",
            "metadata": { "name": "dev" },
            "spec": {
                "provider": "highlevel", "type": "oauth2", "ownership": "custom",
                "authorizedBy": "user",
                "oauth2": {
                    "clientId": "${env:HL_CLIENT_ID}",
                    "clientSecret": "${env:HL_CLIENT_SECRET}",
                    "authorizationUrl": "http://127.0.0.1:9/oauth/chooselocation",
                    "tokenUrl": "http://127.0.0.1:9/oauth/token",
                    "scopes": ["contacts.readonly"],
                    "clientAuth": "basic",
                    "tokenParams": { "audience": "y" }
                }
            }
        }))
        .unwrap();
        (profile, provider)
    }

    #[test]
    fn resolves_env_and_merges_token_params() {
        let (profile, provider) = docs();
        let c = OAuthConfig::from_profile_with_env(&profile, &provider, |n| Some(format!("v-{n}")))
            .unwrap();
        assert_eq!(c.client_id, "v-HL_CLIENT_ID");
        assert_eq!(c.client_secret.expose(), "v-HL_CLIENT_SECRET");
        assert_eq!(c.refresh_url, c.token_url);
        assert_eq!(c.client_auth, ClientAuth::Basic);
        assert_eq!(
            c.token_params,
            BTreeMap::from([
                ("audience".into(), "y".into()),
                ("user_type".into(), "Location".into())
            ])
        );
        assert_eq!(c.key(None).user.as_deref(), Some("default"));
        assert_eq!(c.key(Some("bob")).user.as_deref(), Some("bob"));
        assert!(!format!("{c:?}").contains("v-HL_CLIENT_SECRET"));
    }

    #[test]
    fn a_missing_variable_names_itself_and_the_field() {
        let (profile, provider) = docs();
        let err = OAuthConfig::from_profile_with_env(&profile, &provider, |n| {
            (n == "HL_CLIENT_ID").then(|| "id".to_string())
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable HL_CLIENT_SECRET is not set (profile dev, field spec.oauth2.clientSecret); export it before running integ"
        );
    }
}
