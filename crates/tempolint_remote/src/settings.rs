//! Where the server is and how to authenticate: command-line flags over the standard
//! `TEMPORAL_*` environment variables over a `temporal` CLI config profile (TOML at
//! `TEMPORAL_CONFIG_FILE` or the default path, `TEMPORAL_PROFILE`), as the Temporal CLI and SDKs
//! resolve them. Secrets (the API key, a client key) are never shown: [`Settings`]'s `Debug`
//! and [`Settings::describe`] name only where they came from.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use temporalio_client::envconfig::{
    ClientConfigProfile, DataSource, LoadClientConfigProfileOptions,
};
use temporalio_common::envconfig::{ClientConfigTLS, load_client_config_profile};

use crate::RemoteError;

/// What the command line says about the connection; `None` defers to the environment, then to
/// the config profile.
#[derive(Clone, Default)]
pub struct ConnectionFlags {
    pub address: Option<String>,
    pub namespace: Option<String>,
    pub api_key: Option<String>,
    pub tls: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_ca: Option<PathBuf>,
    pub tls_server_name: Option<String>,
    /// The config profile to read (default: `TEMPORAL_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The config file (default: `TEMPORAL_CONFIG_FILE`, else the `temporal` CLI's path).
    pub config_file: Option<PathBuf>,
    /// Connect and per-call deadline.
    pub timeout: Duration,
}

impl fmt::Debug for ConnectionFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionFlags")
            .field("address", &self.address)
            .field("namespace", &self.namespace)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("tls_ca", &self.tls_ca)
            .field("tls_server_name", &self.tls_server_name)
            .field("profile", &self.profile)
            .field("config_file", &self.config_file)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The resolved connection: the profile the client connects with, and the namespace.
#[derive(Clone)]
pub struct Settings {
    pub(crate) profile: ClientConfigProfile,
    pub namespace: String,
    pub timeout: Duration,
}

const DEFAULT_ADDRESS: &str = "localhost:7233";
const DEFAULT_NAMESPACE: &str = "default";

impl Settings {
    /// Resolves `flags` over the environment (`env`, or the process's when `None`) over the
    /// config profile.
    pub fn resolve(
        flags: &ConnectionFlags,
        env: Option<&HashMap<String, String>>,
    ) -> Result<Self, RemoteError> {
        let options = LoadClientConfigProfileOptions::builder()
            .maybe_config_source(
                flags
                    .config_file
                    .as_ref()
                    .map(|path| DataSource::Path(path.display().to_string())),
            )
            .maybe_config_file_profile(flags.profile.clone())
            .build();
        let mut profile = load_client_config_profile(options, env)
            .map_err(|error| RemoteError::Config(error.to_string()))?;
        if let Some(address) = &flags.address {
            profile.address = Some(address.clone());
        }
        if let Some(namespace) = &flags.namespace {
            profile.namespace = Some(namespace.clone());
        }
        if let Some(key) = &flags.api_key {
            profile.api_key = Some(key.clone());
        }
        let wants_tls = flags.tls
            || flags.tls_cert.is_some()
            || flags.tls_key.is_some()
            || flags.tls_ca.is_some()
            || flags.tls_server_name.is_some();
        if wants_tls {
            let tls = profile.tls.get_or_insert_with(ClientConfigTLS::default);
            tls.disabled = Some(false);
            let path = |p: &PathBuf| DataSource::Path(p.display().to_string());
            if let Some(cert) = &flags.tls_cert {
                tls.client_cert = Some(path(cert));
            }
            if let Some(key) = &flags.tls_key {
                tls.client_key = Some(path(key));
            }
            if let Some(ca) = &flags.tls_ca {
                tls.server_ca_cert = Some(path(ca));
            }
            if let Some(name) = &flags.tls_server_name {
                tls.server_name = Some(name.clone());
            }
        }
        if let Some(tls) = &profile.tls
            && tls.client_cert.is_some() != tls.client_key.is_some()
        {
            return Err(RemoteError::Config(
                "a TLS client certificate needs its key, and a key its certificate (--tls-cert with --tls-key)".to_string(),
            ));
        }
        profile
            .address
            .get_or_insert_with(|| DEFAULT_ADDRESS.to_string());
        let namespace = profile
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
        Ok(Self {
            profile,
            namespace,
            timeout: flags.timeout,
        })
    }

    /// The server address (`host:port`, or a URL).
    pub fn address(&self) -> &str {
        self.profile.address.as_deref().unwrap_or(DEFAULT_ADDRESS)
    }

    /// Whether the connection uses TLS (a TLS section not disabled, or an API key).
    pub fn uses_tls(&self) -> bool {
        match &self.profile.tls {
            Some(tls) => tls.disabled != Some(true),
            None => self.profile.api_key.is_some(),
        }
    }

    /// Whether an API key is sent (its value is never shown).
    pub fn has_api_key(&self) -> bool {
        self.profile.api_key.is_some()
    }

    /// `address (namespace N, TLS, API key)`, for messages; no secret in it.
    pub fn describe(&self) -> String {
        let mut extras = vec![format!("namespace {}", self.namespace)];
        if self.uses_tls() {
            extras.push("TLS".to_string());
        }
        if self.has_api_key() {
            extras.push("API key".to_string());
        }
        format!("{} ({})", self.address(), extras.join(", "))
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    /// A config file in the system temp folder, removed on drop.
    struct TempConfig(PathBuf);

    impl Drop for TempConfig {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn config_file(text: &str) -> TempConfig {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "tempolint-remote-{}-{}.toml",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, text).expect("write the config");
        TempConfig(path)
    }

    const PROFILES: &str = r#"
[profile.default]
address = "file-default:7233"
namespace = "file-ns"

[profile.prod]
address = "prod.example:7233"
namespace = "prod-ns"
api_key = "file-secret"
"#;

    fn resolve(flags: &ConnectionFlags, env: &HashMap<String, String>) -> Settings {
        Settings::resolve(flags, Some(env)).expect("resolves")
    }

    #[test]
    fn defaults_without_flags_env_or_file() {
        let settings = resolve(
            &ConnectionFlags::default(),
            &env(&[("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")]),
        );
        assert_eq!(settings.address(), "localhost:7233");
        assert_eq!(settings.namespace, "default");
        assert!(!settings.uses_tls());
    }

    #[test]
    fn profile_file_then_env_then_flags() {
        let file = config_file(PROFILES);
        let path = file.0.display().to_string();
        let only_file = env(&[("TEMPORAL_CONFIG_FILE", path.as_str())]);
        let settings = resolve(&ConnectionFlags::default(), &only_file);
        assert_eq!(settings.address(), "file-default:7233");
        assert_eq!(settings.namespace, "file-ns");

        let with_env = env(&[
            ("TEMPORAL_CONFIG_FILE", path.as_str()),
            ("TEMPORAL_ADDRESS", "env:7233"),
        ]);
        let settings = resolve(&ConnectionFlags::default(), &with_env);
        assert_eq!(settings.address(), "env:7233", "env beats the file");
        assert_eq!(
            settings.namespace, "file-ns",
            "the file fills what env leaves"
        );

        let flags = ConnectionFlags {
            address: Some("flag:7233".to_string()),
            namespace: Some("flag-ns".to_string()),
            ..ConnectionFlags::default()
        };
        let settings = resolve(&flags, &with_env);
        assert_eq!(settings.address(), "flag:7233", "flags beat env");
        assert_eq!(settings.namespace, "flag-ns");
    }

    #[test]
    fn named_profile_from_env_or_flag() {
        let file = config_file(PROFILES);
        let path = file.0.display().to_string();
        let vars = env(&[
            ("TEMPORAL_CONFIG_FILE", path.as_str()),
            ("TEMPORAL_PROFILE", "prod"),
        ]);
        let settings = resolve(&ConnectionFlags::default(), &vars);
        assert_eq!(settings.address(), "prod.example:7233");
        assert!(
            settings.has_api_key() && settings.uses_tls(),
            "an API key turns TLS on"
        );

        let flags = ConnectionFlags {
            profile: Some("default".to_string()),
            ..ConnectionFlags::default()
        };
        assert_eq!(
            resolve(&flags, &vars).namespace,
            "file-ns",
            "--profile beats TEMPORAL_PROFILE"
        );

        let missing = ConnectionFlags {
            profile: Some("staging".to_string()),
            ..ConnectionFlags::default()
        };
        let error = Settings::resolve(&missing, Some(&vars)).expect_err("no such profile");
        assert!(error.to_string().contains("staging"), "{error}");
    }

    #[test]
    fn api_key_from_env_is_never_shown() {
        let vars = env(&[
            ("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml"),
            ("TEMPORAL_API_KEY", "sekrit-env-value"),
            ("TEMPORAL_NAMESPACE", "env-ns"),
        ]);
        let settings = resolve(&ConnectionFlags::default(), &vars);
        assert!(settings.has_api_key());
        assert_eq!(settings.namespace, "env-ns");
        let shown = format!("{settings:?} {}", settings.describe());
        assert!(!shown.contains("sekrit"), "{shown}");
        assert!(shown.contains("API key"), "{shown}");
        let flags = ConnectionFlags {
            api_key: Some("sekrit-flag-value".to_string()),
            ..ConnectionFlags::default()
        };
        assert!(!format!("{flags:?}").contains("sekrit"));
    }

    #[test]
    fn tls_flags_turn_tls_on_and_need_cert_and_key_together() {
        let vars = env(&[("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")]);
        let flags = ConnectionFlags {
            tls_ca: Some(PathBuf::from("/etc/ca.pem")),
            tls_server_name: Some("temporal.internal".to_string()),
            ..ConnectionFlags::default()
        };
        let settings = resolve(&flags, &vars);
        assert!(settings.uses_tls());
        let tls = settings.profile.tls.as_ref().expect("tls section");
        assert_eq!(tls.server_name.as_deref(), Some("temporal.internal"));

        let half = ConnectionFlags {
            tls_cert: Some(PathBuf::from("/etc/client.pem")),
            ..ConnectionFlags::default()
        };
        let error = Settings::resolve(&half, Some(&vars)).expect_err("cert without key");
        assert!(error.to_string().contains("--tls-key"), "{error}");

        let from_env = env(&[
            ("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml"),
            ("TEMPORAL_TLS", "true"),
        ]);
        assert!(resolve(&ConnectionFlags::default(), &from_env).uses_tls());
    }
}
