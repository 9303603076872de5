//! One typed configuration: every setting is a command-line flag or a `CAIRN_*` environment
//! variable. Secrets are redacted from `Debug` so they never reach a log line.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cairn",
    version,
    about = "Threat-intelligence sharing server, wire-compatible with MISP"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (the default when no command is given).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Maintain the correlation index.
    Correlate {
        /// Rebuild the whole index from the attributes (after an upgrade or a restore).
        #[arg(long)]
        rebuild: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user (and its organisation when missing); prints the API key once.
    Add {
        #[arg(long)]
        email: String,
        /// Organisation name; created as a local organisation when it does not exist.
        #[arg(long)]
        org: String,
        /// Role name or id (admin, "Org Admin", User, Publisher, "Sync user", "Read Only").
        #[arg(long, default_value = "User")]
        role: String,
        #[arg(long)]
        password: Option<String>,
        /// Use this 40-character key instead of generating one.
        #[arg(long = "api-key")]
        api_key: Option<String>,
    },
    /// Give a user a new API key (the old ones expire now); prints it once.
    ResetKey {
        #[arg(long)]
        email: String,
    },
}

#[derive(Args, Clone)]
pub struct Config {
    /// Database URL: sqlite://path, postgres://... or mysql://...
    #[arg(
        long,
        env = "CAIRN_DATABASE_URL",
        default_value = "sqlite://./cairn-data/cairn.db",
        global = true
    )]
    pub database_url: String,
    /// Redis URL for the shared cache; the in-process cache is used when unset.
    #[arg(long, env = "CAIRN_REDIS_URL", global = true)]
    pub redis_url: Option<String>,
    /// Address to listen on.
    #[arg(
        long,
        env = "CAIRN_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,
    /// The public URL of this instance (defaults to http://<listen>).
    #[arg(long, env = "CAIRN_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Name of the host organisation created on first start.
    #[arg(long, env = "CAIRN_ORG_NAME", default_value = "ORGNAME", global = true)]
    pub org_name: String,
    /// E-mail of the site administrator created on first start.
    #[arg(
        long,
        env = "CAIRN_ADMIN_EMAIL",
        default_value = "admin@admin.test",
        global = true
    )]
    pub admin_email: String,
    /// Password of that administrator; generated and logged once when unset.
    #[arg(
        long,
        env = "CAIRN_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,
    /// API key (40 characters) of that administrator; generated and logged once when unset.
    #[arg(long, env = "CAIRN_ADMIN_KEY", hide_env_values = true, global = true)]
    pub admin_key: Option<String>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "CAIRN_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// A value carried by more than this many other attributes over-correlates and is not
    /// shown as a correlation (MISP's `MISP.correlation_limit`).
    #[arg(
        long,
        env = "CAIRN_CORRELATION_LIMIT",
        default_value_t = 20,
        global = true
    )]
    pub correlation_limit: i64,
    /// `off` stops correlating new and changed data (MISP's `completely_disable_correlation`);
    /// after switching it back on, `cairn correlate --rebuild` catches up.
    #[arg(long, env = "CAIRN_CORRELATION", default_value = "on", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set, global = true)]
    pub correlation: bool,
}

impl Config {
    /// Treats empty optional settings as unset (`CAIRN_ADMIN_KEY=` in a compose file).
    pub fn normalized(mut self) -> Config {
        for opt in [
            &mut self.redis_url,
            &mut self.base_url,
            &mut self.admin_password,
            &mut self.admin_key,
        ] {
            if opt.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *opt = None;
            }
        }
        self
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// A configuration for tests and tools: defaults, with the given database.
    pub fn for_database(database_url: &str) -> Config {
        let mut cli = Cli::parse_from(["cairn"]);
        cli.config.database_url = database_url.to_string();
        cli.config
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |s: &Option<String>| s.as_ref().map(|_| "***");
        f.debug_struct("Config")
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .field(
                "redis_url",
                &self.redis_url.as_deref().map(crate::db::redact_url),
            )
            .field("listen", &self.listen)
            .field("base_url", &self.base_url)
            .field("org_name", &self.org_name)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &redact(&self.admin_password))
            .field("admin_key", &redact(&self.admin_key))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("correlation_limit", &self.correlation_limit)
            .field("correlation", &self.correlation)
            .finish()
    }
}
