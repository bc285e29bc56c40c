//! `imagebuilder-standin [--port N] [--fixtures DIR]...`: the Image Builder stand-in as a process,
//! for `cargo lambda watch` and the demo. Prints the URL it listens on, then serves until killed.

use std::net::SocketAddr;
use std::path::PathBuf;

use amiflow_testkit::StandIn;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 0u16;
    let mut fixtures: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a number")?.parse()?,
            "--fixtures" => fixtures.push(args.next().ok_or("--fixtures needs a folder")?.into()),
            other => return Err(format!("unknown argument {other:?}; usage: imagebuilder-standin [--port N] [--fixtures DIR]...").into()),
        }
    }
    let (standin, server) = StandIn::serve(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    for dir in &fixtures {
        let count = standin.load_fixtures(dir)?;
        eprintln!("loaded {count} fixtures from {}", dir.display());
    }
    println!("{}", standin.url);
    server.await?;
    Ok(())
}
