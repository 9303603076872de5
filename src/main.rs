//! The `cairn` binary: parse the configuration, start logging, dispatch the command.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use cairn::config::{Cli, Command, UserCommand};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CAIRN_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_target(false)
        // Logs go to stderr so that stdout carries only what a command prints (a new key).
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Err(e) = run(cli).await {
        eprintln!("cairn: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => cairn::app::serve(cairn::app::prepare(config).await?).await,
        Command::Migrate => {
            cairn::app::prepare(config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User(cmd) => {
            let state = cairn::app::prepare(config).await?;
            let key = match cmd {
                UserCommand::Add {
                    email,
                    org,
                    role,
                    password,
                    api_key,
                } => {
                    cairn::bootstrap::cli_add_user(
                        &state.db,
                        &state.secret,
                        &email,
                        &org,
                        &role,
                        password,
                        api_key,
                    )
                    .await?
                }
                UserCommand::ResetKey { email } => {
                    cairn::bootstrap::cli_reset_key(&state.db, &state.secret, &email).await?
                }
            };
            println!("{key}");
            Ok(())
        }
        Command::Correlate { rebuild } => {
            if !rebuild {
                anyhow::bail!("nothing to do: use `cairn correlate --rebuild`");
            }
            let state = cairn::app::prepare(config).await?;
            let started = std::time::Instant::now();
            let posted = cairn::correlation::rebuild(&state.db).await?;
            println!(
                "correlation index rebuilt: {posted} attributes in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}
