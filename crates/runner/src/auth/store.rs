//! The token store: one trait, and the file backend every run uses today.
//!
//! The refresh protocol (`TokenStore::refresh_locked`: lock, recover, re-read, decide,
//! exchange, write durably, unlock) is the only way a refreshed token is written, so a
//! second backend (a shared database with row locks) implements the same four steps.
//!
//! File layout under `$INTEG_STATE_DIR` (or `$XDG_STATE_HOME/integ`, or
//! `~/.local/state/integ`), in `tokens/`:
//!
//! - `<provider>.<profile>.json` (`authorizedBy: developer`) or
//!   `<provider>.<profile>.user.<user>.json` (`authorizedBy: user`): the token set,
//!   mode 0600. Each name part is percent-encoded down to `[A-Za-z0-9_-]`.
//! - `<same>.json.new`: the journal. A new token set is written and fsynced here first,
//!   then renamed over the token file; one left behind by a killed process is recovered
//!   by whoever takes the lock next.
//! - `<same>.lock`: the lock file, never renamed or removed (locking the token file itself
//!   would lock an inode that the rename replaces).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::AuthError;
use super::pause;
use crate::secret::Secret;

/// Version of the token file format.
pub const FILE_VERSION: u32 = 1;

/// Whose token: a profile, and for `authorizedBy: user` profiles, the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TokenKey {
    pub provider: String,
    pub profile: String,
    /// `Some` exactly for `authorizedBy: user` profiles.
    pub user: Option<String>,
}

impl TokenKey {
    /// `profile P` or `profile P, user U`, for messages.
    pub fn describe(&self) -> String {
        match &self.user {
            Some(u) => format!("profile {}, user {u}", self.profile),
            None => format!("profile {}", self.profile),
        }
    }

    /// The command that logs this key in.
    pub fn login_command(&self) -> String {
        match &self.user {
            Some(u) => format!(
                "integ auth login --profile {} --user {}",
                self.profile,
                shell_word(u)
            ),
            None => format!("integ auth login --profile {}", self.profile),
        }
    }

    fn file_stem(&self) -> String {
        let mut stem = format!("{}.{}", encode(&self.provider), encode(&self.profile));
        if let Some(user) = &self.user {
            stem.push_str(".user.");
            stem.push_str(&encode(user));
        }
        stem
    }
}

impl TokenKey {
    /// The inverse of `file_stem`; `None` for a name the store did not write.
    fn from_file_stem(stem: &str) -> Option<TokenKey> {
        let parts: Vec<&str> = stem.split('.').collect();
        let (provider, profile, user) = match parts.as_slice() {
            [provider, profile] => (provider, profile, None),
            [provider, profile, "user", user] => (provider, profile, Some(decode(user)?)),
            _ => return None,
        };
        Some(TokenKey {
            provider: decode(provider)?,
            profile: decode(profile)?,
            user,
        })
    }
}

fn decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Percent-encodes everything outside `[A-Za-z0-9_-]`: injective, so two ids never share
/// a file, and no id can climb out of the directory.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stored token set. Secrets are [`Secret`]s, so printing one shows `[redacted]`; but
/// its `Serialize` writes them in clear, for the store's files only — never serialize
/// one for output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredToken {
    pub version: u32,
    #[serde(flatten)]
    pub key: TokenKey,
    /// The token endpoint that issued it, and the client it was issued to: a token is
    /// never sent on behalf of another server or client.
    pub token_url: String,
    pub client_id: String,
    pub access_token: Secret,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Unix seconds; `None` when the server did not say (`expires_in` absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Unix seconds when the token response arrived.
    pub obtained_at: u64,
    /// Granted scopes (as the server reported them, else as requested).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The token response's other fields (HighLevel: `locationId`, `companyId`,
    /// `userType`, `userId`): what `{{ token.x }}` reads.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

impl StoredToken {
    /// A field of the token response, for `{{ token.NAME }}`.
    pub fn field(&self, name: &str) -> Option<&serde_json::Value> {
        self.metadata.get(name)
    }

    /// True when the access token expires within `margin` seconds of `now`.
    pub fn expires_within(&self, now: u64, margin: u64) -> bool {
        self.expires_at
            .is_some_and(|at| now.saturating_add(margin) >= at)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no state directory: set INTEG_STATE_DIR (or XDG_STATE_HOME, or HOME) to where integ may keep tokens"
    )]
    NoStateDir,
    #[error(
        "INTEG_STATE_DIR is a relative path (`{}`): tokens would be written wherever integ happens to run (inside a repository, say); set it to an absolute path",
        .0.display()
    )]
    RelativeStateDir(PathBuf),
    #[error(
        "{} is a directory, not a token file; remove it (`rm -r` it) and log in again",
        .0.display()
    )]
    NotAFile(PathBuf),
    #[error("{action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "the token file {} is not a token set integ can read ({reason}); run `integ auth logout` for it and log in again",
        .path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "the token file {} belongs to {found}, not {wanted}; refusing to use it",
        .path.display()
    )]
    WrongOwner {
        path: PathBuf,
        found: String,
        wanted: String,
    },
    #[error(
        "another integ process has held the lock {} for {} s; giving up",
        .path.display(), .waited.as_secs()
    )]
    LockTimeout { path: PathBuf, waited: Duration },
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError + use<> {
    let path = path.to_path_buf();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// What [`TokenStore::refresh_locked`] asks of its caller while it holds the lock: given
/// the token now on disk, return `Some(new)` to store (the exchange happens inside), or
/// `None` to keep the current one (another process refreshed already).
pub type RefreshStep<'a> =
    dyn FnMut(Option<&StoredToken>) -> Result<Option<StoredToken>, AuthError> + 'a;

/// Where tokens live. Implementations must make `save` and `refresh_locked` atomic and
/// durable (a reader sees the old set or the new one, and a returned write survives a
/// crash), and serialize `refresh_locked` per key across processes.
pub trait TokenStore: Send + Sync {
    /// The token set of `key`, if any.
    fn load(&self, key: &TokenKey) -> Result<Option<StoredToken>, StoreError>;
    /// Replaces the token set of `key` (after a login), under the key's lock.
    fn save(&self, key: &TokenKey, token: &StoredToken) -> Result<(), StoreError>;
    /// Removes the token set of `key`; false when there was none.
    fn remove(&self, key: &TokenKey) -> Result<bool, StoreError>;
    /// Every stored token set, sorted by key.
    fn list(&self) -> Result<Vec<StoredToken>, StoreError>;
    /// Holds the key's exclusive lock while `step` decides and (maybe) exchanges; a new
    /// set it returns is durable before this returns. Returns the set now current.
    fn refresh_locked(
        &self,
        key: &TokenKey,
        step: &mut RefreshStep<'_>,
    ) -> Result<Option<StoredToken>, AuthError>;
}

/// The file backend.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
    lock_timeout: Duration,
}

/// How long a process waits for another one's refresh before giving up.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(180);

struct Paths {
    token: PathBuf,
    journal: PathBuf,
    lock: PathBuf,
}

impl FileTokenStore {
    /// The store under `state_dir` (tokens go to `state_dir/tokens`).
    pub fn new(state_dir: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore {
            dir: state_dir.into().join("tokens"),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The store under `$INTEG_STATE_DIR`, else `$XDG_STATE_HOME/integ`, else
    /// `~/.local/state/integ`.
    pub fn from_env() -> Result<FileTokenStore, StoreError> {
        Ok(FileTokenStore::new(state_dir_from(|name| {
            std::env::var_os(name).filter(|v| !v.is_empty())
        })?))
    }

    pub fn with_lock_timeout(mut self, timeout: Duration) -> FileTokenStore {
        self.lock_timeout = timeout;
        self
    }

    /// The directory holding the token files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The token file of `key` (which may not exist).
    pub fn token_path(&self, key: &TokenKey) -> PathBuf {
        self.paths(key).token
    }

    /// The journal of `key` (which exists only between a write and its rename).
    pub fn journal_path(&self, key: &TokenKey) -> PathBuf {
        self.paths(key).journal
    }

    /// The keys of every token file (or journal) in the store, from the file names alone,
    /// so that a file that does not parse can still be named and removed. Sorted.
    pub fn keys(&self) -> Result<Vec<TokenKey>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("cannot list", &self.dir)(e)),
        };
        let mut keys = std::collections::BTreeSet::new();
        for entry in entries {
            let entry = entry.map_err(io_err("cannot list", &self.dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let stem = name
                .strip_suffix(".json")
                .or_else(|| name.strip_suffix(".json.new"));
            if let Some(key) = stem.and_then(TokenKey::from_file_stem) {
                keys.insert(key);
            }
        }
        Ok(keys.into_iter().collect())
    }

    /// The lock file of `key`: whoever holds an exclusive lock on it may refresh.
    pub fn lock_path(&self, key: &TokenKey) -> PathBuf {
        self.paths(key).lock
    }

    fn paths(&self, key: &TokenKey) -> Paths {
        let stem = key.file_stem();
        Paths {
            token: self.dir.join(format!("{stem}.json")),
            journal: self.dir.join(format!("{stem}.json.new")),
            lock: self.dir.join(format!("{stem}.lock")),
        }
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(io_err("cannot create the token directory", &self.dir))
    }

    /// Takes the exclusive lock of `key`; released when the returned file is dropped.
    fn lock(&self, paths: &Paths) -> Result<File, StoreError> {
        self.ensure_dir()?;
        let file = open_private(&paths.lock, false)
            .map_err(io_err("cannot open the lock file", &paths.lock))?;
        let started = Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(TryLockError::WouldBlock) => {
                    if !announced {
                        tracing::debug!(lock = %paths.lock.display(), "waiting for another integ process");
                        announced = true;
                    }
                    if started.elapsed() >= self.lock_timeout {
                        return Err(StoreError::LockTimeout {
                            path: paths.lock.clone(),
                            waited: started.elapsed(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(15));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(io_err("cannot lock", &paths.lock)(e));
                }
            }
        }
    }

    /// Under the lock: finishes a write that a killed process left in the journal.
    fn recover(&self, key: &TokenKey, paths: &Paths) -> Result<(), StoreError> {
        let bytes = match fs::read(&paths.journal) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err("cannot read the journal", &paths.journal)(e)),
        };
        match serde_json::from_slice::<StoredToken>(&bytes) {
            Ok(token) if token.key == *key => {
                tracing::info!(file = %paths.token.display(), "recovering a token set an interrupted integ process had written");
                fs::rename(&paths.journal, &paths.token)
                    .map_err(io_err("cannot rename the journal over", &paths.token))?;
                sync_dir(&self.dir)?;
            }
            _ => {
                // Torn (killed mid-write, before its fsync): the file it would have
                // replaced is still the last complete one.
                tracing::warn!(file = %paths.journal.display(), "discarding an incomplete token journal");
                fs::remove_file(&paths.journal)
                    .map_err(io_err("cannot remove the journal", &paths.journal))?;
            }
        }
        Ok(())
    }

    fn read(&self, key: &TokenKey, path: &Path) -> Result<Option<StoredToken>, StoreError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => {
                return Err(StoreError::NotAFile(path.to_path_buf()));
            }
            Err(e) => return Err(io_err("cannot read", path)(e)),
        };
        let token: StoredToken =
            serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                // serde_json's message names the place, never the value.
                reason: e.to_string(),
            })?;
        if token.key != *key {
            return Err(StoreError::WrongOwner {
                path: path.to_path_buf(),
                found: token.key.describe(),
                wanted: key.describe(),
            });
        }
        tighten(path);
        Ok(Some(token))
    }

    /// Journal (write, fsync), rename over the token file, fsync the directory.
    fn write_durably(&self, paths: &Paths, token: &StoredToken) -> Result<(), StoreError> {
        let mut json = serde_json::to_vec_pretty(token).map_err(|e| StoreError::Corrupt {
            path: paths.journal.clone(),
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        let mut file = open_private(&paths.journal, true)
            .map_err(io_err("cannot create the journal", &paths.journal))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(io_err("cannot write the journal", &paths.journal))?;
        drop(file);
        pause::point(pause::AFTER_JOURNAL);
        fs::rename(&paths.journal, &paths.token)
            .map_err(io_err("cannot rename the journal over", &paths.token))?;
        sync_dir(&self.dir)?;
        pause::point(pause::AFTER_RENAME);
        Ok(())
    }
}

/// Opens (creating) a file readable by its owner only; `truncate` empties it.
fn open_private(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // `mode` applies only at creation; a file left by something else is tightened here.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// A token file that other users can read (copied with `cp`, restored from a backup,
/// written by hand) is a leaked secret waiting to happen: make it 0600 again and say so.
/// Refusing it instead would lock the user out over a fixable mode; failing to fix it (a
/// file owned by someone else) is only warned about.
fn tighten(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = fs::metadata(path) else { return };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return;
        }
        match fs::set_permissions(path, fs::Permissions::from_mode(0o600)) {
            Ok(()) => tracing::warn!(
                "the token file {} was readable by other users (mode {mode:o}); made it 0600",
                path.display()
            ),
            Err(e) => tracing::warn!(
                "the token file {} is readable by other users (mode {mode:o}) and could not be made 0600: {e}; run `chmod 600` on it",
                path.display()
            ),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("cannot sync the directory", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// `$INTEG_STATE_DIR`, else `$XDG_STATE_HOME/integ`, else `$HOME/.local/state/integ`.
pub fn state_dir_from(
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(dir) = env("INTEG_STATE_DIR") {
        let dir = PathBuf::from(dir);
        if dir.is_relative() {
            return Err(StoreError::RelativeStateDir(dir));
        }
        return Ok(dir);
    }
    // The XDG base directory spec: a relative XDG_STATE_HOME is invalid and ignored.
    if let Some(dir) = env("XDG_STATE_HOME").filter(|d| Path::new(d).is_absolute()) {
        return Ok(PathBuf::from(dir).join("integ"));
    }
    if let Some(home) = env("HOME") {
        return Ok(PathBuf::from(home).join(".local/state/integ"));
    }
    Err(StoreError::NoStateDir)
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &TokenKey) -> Result<Option<StoredToken>, StoreError> {
        let paths = self.paths(key);
        if paths.journal.exists() {
            let _lock = self.lock(&paths)?;
            self.recover(key, &paths)?;
        }
        self.read(key, &paths.token)
    }

    fn save(&self, key: &TokenKey, token: &StoredToken) -> Result<(), StoreError> {
        let paths = self.paths(key);
        let _lock = self.lock(&paths)?;
        self.write_durably(&paths, token)
    }

    fn remove(&self, key: &TokenKey) -> Result<bool, StoreError> {
        let paths = self.paths(key);
        if !paths.token.exists() && !paths.journal.exists() {
            return Ok(false);
        }
        let _lock = self.lock(&paths)?;
        let mut removed = false;
        for path in [&paths.journal, &paths.token] {
            match fs::remove_file(path) {
                Ok(()) => removed = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("cannot remove", path)(e)),
            }
        }
        sync_dir(&self.dir)?;
        Ok(removed)
    }

    fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        let mut tokens = Vec::new();
        for key in self.keys()? {
            match self.load(&key) {
                Ok(Some(token)) => tokens.push(token),
                Ok(None) => {}
                // One bad file must not hide the others (nor block `logout` of itself).
                Err(e) => tracing::warn!("skipping a token file: {e}"),
            }
        }
        Ok(tokens)
    }

    fn refresh_locked(
        &self,
        key: &TokenKey,
        step: &mut RefreshStep<'_>,
    ) -> Result<Option<StoredToken>, AuthError> {
        let paths = self.paths(key);
        let _lock = self.lock(&paths)?;
        self.recover(key, &paths)?;
        let current = self.read(key, &paths.token)?;
        match step(current.as_ref())? {
            None => Ok(current),
            Some(new) => {
                self.write_durably(&paths, &new)?;
                Ok(Some(new))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: Option<&str>) -> TokenKey {
        TokenKey {
            provider: "highlevel".into(),
            profile: "custom".into(),
            user: user.map(str::to_string),
        }
    }

    fn token(key: &TokenKey, refresh: &str) -> StoredToken {
        StoredToken {
            version: FILE_VERSION,
            key: key.clone(),
            token_url: "http://127.0.0.1:1/oauth/token".into(),
            client_id: "client".into(),
            access_token: Secret::new(format!("at-{refresh}")),
            token_type: "Bearer".into(),
            refresh_token: Some(Secret::new(refresh)),
            expires_at: Some(1_000),
            obtained_at: 900,
            scopes: vec!["contacts.readonly".into()],
            metadata: BTreeMap::from([("locationId".into(), serde_json::json!("loc-1"))]),
        }
    }

    #[test]
    fn file_names_are_injective_and_stay_in_the_directory() {
        let a = TokenKey {
            user: Some("../../etc/passwd".into()),
            ..key(None)
        };
        assert_eq!(
            a.file_stem(),
            "highlevel.custom.user.%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"
        );
        let b = TokenKey {
            profile: "custom.user.x".into(),
            ..key(None)
        };
        let c = TokenKey {
            user: Some("x".into()),
            ..key(None)
        };
        assert_ne!(b.file_stem(), c.file_stem());
        for k in [a, b, c, key(None), key(Some("zoë o'neil"))] {
            assert_eq!(TokenKey::from_file_stem(&k.file_stem()), Some(k));
        }
    }

    #[test]
    fn a_file_that_does_not_parse_is_skipped_by_list_and_still_removable() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        let (good, bad) = (key(Some("a")), key(Some("b")));
        store.save(&good, &token(&good, "rt-a")).unwrap();
        store.save(&bad, &token(&bad, "rt-b")).unwrap();
        fs::write(store.token_path(&bad), b"not json").unwrap();
        assert!(matches!(store.load(&bad), Err(StoreError::Corrupt { .. })));
        assert_eq!(store.keys().unwrap(), vec![good.clone(), bad.clone()]);
        assert_eq!(store.list().unwrap(), vec![token(&good, "rt-a")]);
        assert!(store.remove(&bad).unwrap());
        assert_eq!(store.keys().unwrap(), vec![good]);
    }

    #[test]
    fn save_load_remove_round_trip_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        let k = key(Some("alice"));
        assert_eq!(store.load(&k).unwrap(), None);
        let t = token(&k, "rt-1");
        store.save(&k, &t).unwrap();
        assert_eq!(store.load(&k).unwrap(), Some(t.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.token_path(&k))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(store.list().unwrap(), vec![t]);
        assert!(store.remove(&k).unwrap());
        assert!(!store.remove(&k).unwrap());
        assert_eq!(store.load(&k).unwrap(), None);
    }

    #[test]
    fn one_users_file_is_never_read_for_another() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        let alice = key(Some("alice"));
        let bob = key(Some("bob"));
        store.save(&alice, &token(&alice, "rt-a")).unwrap();
        assert_eq!(store.load(&bob).unwrap(), None);
        // A file copied under another user's name is refused, not used.
        fs::copy(store.token_path(&alice), store.token_path(&bob)).unwrap();
        assert!(matches!(
            store.load(&bob),
            Err(StoreError::WrongOwner { .. })
        ));
    }

    #[test]
    fn a_complete_journal_is_recovered_and_a_torn_one_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        let k = key(None);
        store.save(&k, &token(&k, "rt-old")).unwrap();
        let new = token(&k, "rt-new");
        fs::write(store.journal_path(&k), serde_json::to_vec(&new).unwrap()).unwrap();
        assert_eq!(store.load(&k).unwrap(), Some(new.clone()));
        assert!(!store.journal_path(&k).exists());

        fs::write(store.journal_path(&k), b"{\"version\":1,\"prov").unwrap();
        assert_eq!(store.load(&k).unwrap(), Some(new));
        assert!(!store.journal_path(&k).exists());
    }

    #[test]
    fn refresh_locked_keeps_or_replaces_and_errors_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path());
        let k = key(None);
        let old = token(&k, "rt-old");
        store.save(&k, &old).unwrap();
        let before = fs::read(store.token_path(&k)).unwrap();

        let kept = store.refresh_locked(&k, &mut |_| Ok(None)).unwrap();
        assert_eq!(kept, Some(old.clone()));

        let err = store
            .refresh_locked(&k, &mut |_| Err(AuthError::Internal("boom".into())))
            .unwrap_err();
        assert!(matches!(err, AuthError::Internal(_)));
        assert_eq!(fs::read(store.token_path(&k)).unwrap(), before);

        let new = token(&k, "rt-new");
        let got = store
            .refresh_locked(&k, &mut |cur| {
                assert_eq!(cur, Some(&old));
                Ok(Some(new.clone()))
            })
            .unwrap();
        assert_eq!(got, Some(new.clone()));
        assert_eq!(store.load(&k).unwrap(), Some(new));
    }

    #[test]
    fn the_lock_serializes_threads_and_waiters_see_the_winners_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(FileTokenStore::new(dir.path()));
        let k = key(None);
        store.save(&k, &token(&k, "rt-0")).unwrap();
        let exchanges = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (store, k, exchanges) = (store.clone(), k.clone(), exchanges.clone());
                std::thread::spawn(move || {
                    store
                        .refresh_locked(&k, &mut |cur| {
                            let cur = cur.expect("a token");
                            if cur.refresh_token.as_ref().map(Secret::expose) != Some("rt-0") {
                                return Ok(None);
                            }
                            exchanges.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok(Some(token(&k, "rt-1")))
                        })
                        .unwrap()
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            let got = t.join().unwrap();
            assert_eq!(got.refresh_token.as_ref().map(Secret::expose), Some("rt-1"));
        }
        assert_eq!(exchanges.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn state_dir_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert_eq!(
            state_dir_from(env(&[("INTEG_STATE_DIR", "/s"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/s")
        );
        assert_eq!(
            state_dir_from(env(&[("XDG_STATE_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/x/integ")
        );
        assert_eq!(
            state_dir_from(env(&[("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.local/state/integ")
        );
        assert!(matches!(
            state_dir_from(env(&[])),
            Err(StoreError::NoStateDir)
        ));
        // A relative XDG_STATE_HOME is ignored (XDG spec); a relative INTEG_STATE_DIR,
        // integ's own, is refused.
        assert_eq!(
            state_dir_from(env(&[("XDG_STATE_HOME", "x"), ("HOME", "/h")])).unwrap(),
            PathBuf::from("/h/.local/state/integ")
        );
        assert!(matches!(
            state_dir_from(env(&[("INTEG_STATE_DIR", "s")])),
            Err(StoreError::RelativeStateDir(_))
        ));
    }
}
