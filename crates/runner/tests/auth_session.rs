//! `auth::Session` and `auth::login` as the request executor uses them, against the
//! sandbox over real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use integ_runner::auth::{
    self, AuthError, FileTokenStore, Interaction, LoginOptions, OAuthConfig, Session, StoredToken,
    TokenStore,
};
use integ_runner::secret::Secret;
use integ_sandbox::{Config, Sandbox};
use integ_spec::model::{AuthProfile, Provider};

fn provider(base: &str) -> Provider {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "integ/v1", "kind": "Provider",
        "metadata": { "name": "sb" },
        "spec": {
            "baseUrl": base,
            "auth": {
                "oauth2": {
                    "authorizationUrl": format!("{base}/oauth/chooselocation"),
                    "tokenUrl": format!("{base}/oauth/token"),
                    "tokenParams": { "user_type": "Location" }
                },
                "modes": { "custom": { "developer": true, "user": true } }
            }
        }
    }))
    .unwrap()
}

fn profile(base: &str, authorized_by: &str, extra: serde_json::Value) -> AuthProfile {
    let mut oauth2 = serde_json::json!({
        "clientId": "${env:SB_CLIENT_ID}",
        "clientSecret": "${env:SB_CLIENT_SECRET}",
        "authorizationUrl": format!("{base}/oauth/chooselocation"),
        "tokenUrl": format!("{base}/oauth/token"),
        "scopes": ["contacts.readonly", "contacts.write"],
    });
    if let (Some(o), Some(e)) = (oauth2.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    serde_json::from_value(serde_json::json!({
        "apiVersion": "integ/v1", "kind": "AuthProfile",
        "metadata": { "name": "p" },
        "spec": {
            "provider": "sb", "type": "oauth2", "ownership": "custom",
            "authorizedBy": authorized_by, "oauth2": oauth2
        }
    }))
    .unwrap()
}

fn config(
    sandbox: &Sandbox,
    authorized_by: &str,
    extra: serde_json::Value,
    refresh: Option<&str>,
) -> OAuthConfig {
    let base = sandbox.base_url();
    let refresh = refresh.map(str::to_string);
    OAuthConfig::from_profile_with_env(
        &profile(&base, authorized_by, extra),
        &provider(&base),
        |name| match name {
            "SB_CLIENT_ID" => Some("sandbox-client".into()),
            "SB_CLIENT_SECRET" => Some("sandbox-secret".into()),
            "SB_REFRESH_TOKEN" => refresh.clone(),
            _ => None,
        },
    )
    .unwrap()
}

/// A token minted by the sandbox, stored as a login would have stored it.
fn seed(
    sandbox: &Sandbox,
    store: &FileTokenStore,
    config: &OAuthConfig,
    user: Option<&str>,
    location: &str,
) -> StoredToken {
    let body = sandbox
        .issue_token(location, &[])
        .expect("a known location");
    let now = auth::now_unix();
    let mut metadata = std::collections::BTreeMap::new();
    for k in ["locationId", "companyId", "userType", "userId"] {
        if let Some(v) = body.get(k) {
            metadata.insert(k.to_string(), v.clone());
        }
    }
    let token = StoredToken {
        version: 1,
        key: config.key(user),
        token_url: config.token_url.to_string(),
        client_id: config.client_id.clone(),
        access_token: Secret::new(body["access_token"].as_str().unwrap()),
        token_type: "Bearer".into(),
        refresh_token: Some(Secret::new(body["refresh_token"].as_str().unwrap())),
        expires_at: Some(now + body["expires_in"].as_u64().unwrap()),
        obtained_at: now,
        scopes: vec!["contacts.readonly".into(), "contacts.write".into()],
        metadata,
    };
    store.save(&token.key, &token).unwrap();
    token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_within_sixty_seconds_of_expiry_is_refreshed_before_use() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path());
    let config = config(&sandbox, "developer", serde_json::json!({}), None);
    let location = sandbox.locations()[0].id.clone();
    let mut seeded = seed(&sandbox, &store, &config, None, &location);

    // Valid for a day: used as is.
    let session = Session::open(
        config.clone(),
        Arc::new(store.clone()),
        None,
        Interaction::None,
    )
    .await
    .unwrap();
    assert_eq!(session.access_token().await.unwrap(), seeded.access_token);
    assert_eq!(sandbox.stats().token_requests("refresh_token"), 0);

    // 59 s left: refreshed first, and the new set is on disk before it is handed out.
    seeded.expires_at = Some(auth::now_unix() + 59);
    store.save(&seeded.key, &seeded).unwrap();
    let session = Session::open(config, Arc::new(store.clone()), None, Interaction::None)
        .await
        .unwrap();
    let fresh = session.token().await.unwrap();
    assert_ne!(fresh.access_token, seeded.access_token);
    assert_eq!(
        fresh.field("locationId"),
        Some(&serde_json::json!(location))
    );
    assert_eq!(store.load(&seeded.key).unwrap(), Some(fresh.clone()));
    assert_eq!(sandbox.stats().token_requests("refresh_token"), 1);
    assert_eq!(session.refreshes_sent(), 1);
    // And not again.
    assert_eq!(session.access_token().await.unwrap(), fresh.access_token);
    assert_eq!(sandbox.stats().token_requests("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_once_however_many_requests_saw_it() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path());
    let config = config(&sandbox, "developer", serde_json::json!({}), None);
    let seeded = seed(
        &sandbox,
        &store,
        &config,
        None,
        &sandbox.locations()[0].id.clone(),
    );
    assert!(sandbox.expire_access_token(seeded.access_token.expose()));

    let session = Session::open(config, Arc::new(store.clone()), None, Interaction::None)
        .await
        .unwrap();
    let rejected = session.access_token().await.unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (session, rejected) = (session.clone(), rejected.clone());
            tokio::spawn(
                async move { session.refresh_after_unauthorized(&rejected).await.unwrap() },
            )
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().access_token);
    }
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != rejected));
    assert_eq!(sandbox.stats().token_requests("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_authorized_profile_bootstraps_from_its_refresh_token() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path());
    let location = sandbox.locations()[1].id.clone();
    let minted = sandbox.issue_token(&location, &[]).unwrap();
    let rt = minted["refresh_token"].as_str().unwrap();
    let config = config(
        &sandbox,
        "developer",
        serde_json::json!({ "refreshToken": "${env:SB_REFRESH_TOKEN}" }),
        Some(rt),
    );
    let session = Session::open(
        config.clone(),
        Arc::new(store.clone()),
        None,
        Interaction::None,
    )
    .await
    .unwrap();
    let token = session.token().await.unwrap();
    assert_eq!(sandbox.stats().token_requests("refresh_token"), 1);
    assert_eq!(
        token.field("locationId"),
        Some(&serde_json::json!(location))
    );
    assert_ne!(token.refresh_token.as_ref().unwrap().expose(), rt);
    assert_eq!(store.load(&config.key(None)).unwrap(), Some(token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_says_log_in_again_and_leaves_the_file_as_it_was() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path());
    let config = config(&sandbox, "user", serde_json::json!({}), None);
    let seeded = seed(
        &sandbox,
        &store,
        &config,
        Some("ann"),
        &sandbox.locations()[0].id.clone(),
    );
    // Someone else redeemed it (a copy of the file on another machine, say).
    let other = Session::open(
        config.clone(),
        Arc::new(FileTokenStore::new(dir.path())),
        Some("ann"),
        Interaction::None,
    )
    .await
    .unwrap();
    let path = store.token_path(&seeded.key);
    std::fs::write(dir.path().join("copy"), std::fs::read(&path).unwrap()).unwrap();
    other.force_refresh().await.unwrap();
    std::fs::copy(dir.path().join("copy"), &path).unwrap();
    let before = std::fs::read(&path).unwrap();

    let session = Session::open(
        config,
        Arc::new(store.clone()),
        Some("ann"),
        Interaction::None,
    )
    .await
    .unwrap();
    let err = session.force_refresh().await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidGrant { .. }));
    assert_eq!(
        err.to_string(),
        "the refresh token of profile p, user ann was rejected (invalid_grant): it was used already, expired or was revoked. The stored token was left as it was; log in again: `integ auth login --profile p --user ann`"
    );
    assert_eq!(err.exit_code(), 1);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_a_token_is_told_the_exact_command_when_not_interactive() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&sandbox, "user", serde_json::json!({}), None);
    let err = Session::open(
        config,
        Arc::new(FileTokenStore::new(dir.path())),
        Some("zoë o'neil"),
        Interaction::None,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no token is stored for profile p, user zoë o'neil; log in first: `integ auth login --profile p --user 'zoë o'\\''neil'`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_client_secret_basic_tolerates_iss_and_stores_the_grant() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(dir.path()));
    let config = config(
        &sandbox,
        "user",
        serde_json::json!({ "clientAuth": "basic" }),
        None,
    );
    let location = sandbox.locations()[1].id.clone();
    let options = LoginOptions {
        open_browser: false,
        timeout: Duration::from_secs(30),
        ..LoginOptions::default()
    };
    let pending = auth::login::start(&config, config.key(Some("kim")), &options)
        .await
        .unwrap();
    let url = format!(
        "{}&sandbox_approve=1&sandbox_location={location}",
        pending.url()
    );
    assert!(url.contains("code_challenge_method=S256"));
    let http = integ_runner::http::client().unwrap();
    let browser = {
        let http = http.clone();
        tokio::spawn(async move {
            let redirect = http.get(&url).send().await.unwrap();
            assert_eq!(redirect.status(), 302);
            let to = redirect.headers()["location"].to_str().unwrap().to_string();
            let callback = http
                .get(format!("{to}&iss=http%3A%2F%2F127.0.0.1"))
                .send()
                .await
                .unwrap();
            callback.status().as_u16()
        })
    };
    let token = pending.finish(http, store.clone()).await.unwrap();
    assert_eq!(browser.await.unwrap(), 200);
    assert_eq!(token.key.user.as_deref(), Some("kim"));
    assert_eq!(
        token.field("locationId"),
        Some(&serde_json::json!(location))
    );
    assert_eq!(token.scopes, vec!["contacts.readonly", "contacts.write"]);
    assert_eq!(store.load(&token.key).unwrap(), Some(token));
    assert_eq!(sandbox.stats().token_requests("authorization_code"), 1);
}
