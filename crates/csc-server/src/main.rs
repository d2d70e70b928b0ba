//! `csc-server --root DIR`: serves DIR as a WebDAV share under `/dav/` and the web app at `/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use csc_server::{Options, Share, check_bind, serve};

/// Serves a folder as a WebDAV share (with RFC 6578 sync-collection) for Offline Files.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The folder to serve (created if missing).
    #[arg(long, env = "CSC_ROOT")]
    root: PathBuf,
    /// The address to listen on; anything but loopback needs --token.
    #[arg(long, env = "CSC_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The bearer token clients must send (Authorization: Bearer <token>, or as the password
    /// of Basic auth).
    #[arg(long, env = "CSC_TOKEN")]
    token: Option<String>,
    /// An origin allowed to use the share from its pages (CORS); repeat or separate by commas.
    #[arg(
        long = "allow-origin",
        env = "CSC_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origin: Vec<String>,
    /// The built web app to serve at / (default: www/dist when it exists).
    #[arg(long, env = "CSC_APP")]
    app: Option<PathBuf>,
    /// Seconds between rescans for changes made to the folder behind the server's back (0:
    /// only at start).
    #[arg(long, env = "CSC_RESCAN_SECS", default_value_t = 30)]
    rescan_secs: u64,
    /// The largest upload in bytes.
    #[arg(long, env = "CSC_MAX_UPLOAD", default_value_t = 64 << 30)]
    max_upload: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,dav_server=warn".into()),
        )
        .init();
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("csc-server: {e}");
            ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    check_bind(args.addr, args.token.as_deref())?;
    let app_dir = args.app.or_else(|| {
        let default = PathBuf::from("www/dist");
        default.join("index.html").is_file().then_some(default)
    });
    if let Some(dir) = &app_dir
        && !dir.join("index.html").is_file()
    {
        return Err(format!(
            "{} has no index.html: build the app first (cargo xtask run builds it)",
            dir.display()
        )
        .into());
    }
    let options = Options {
        app_dir,
        token: args.token.filter(|t| !t.is_empty()),
        allowed_origins: args.allow_origin,
        max_upload: args.max_upload,
        ..Options::new(args.root)
    };
    let share = Share::open(options)?;
    if args.rescan_secs > 0 {
        share.spawn_rescan(Duration::from_secs(args.rescan_secs));
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "csc-server: serving {} at http://{addr}/dav/ (app at http://{addr}/)",
        share.root().display()
    );
    serve(listener, share, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
