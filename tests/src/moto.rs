//! moto in server mode, installed into the project's .venv by scripts/emulators.sh and started
//! on a free 127.0.0.1 port, through scripts/moto_server.py (moto with the gaps amiflow relies on
//! filled, and the project's fake front in its process). It dies with the test process: it is
//! spawned from a thread that never exits, with PR_SET_PDEATHSIG, so no moto outlives the tests,
//! even on a panic or kill.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    pub pid: u32,
    /// The venv's python, beside its moto_server: it runs moto with the project's front, and the
    /// Runtime API emulator.
    pub python: PathBuf,
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// The moto_server executable: `AMIFLOW_MOTO_SERVER`, else the project venv (installed on demand).
fn moto_server() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var("AMIFLOW_MOTO_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let root = workspace_root();
    let output = Command::new("bash")
        .arg(root.join("scripts/emulators.sh"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run scripts/emulators.sh: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "scripts/emulators.sh failed with {}",
            output.status
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Moto {
    pub fn start() -> Result<Self, String> {
        let python = moto_server()?.with_file_name("python");
        let script = workspace_root().join("scripts/moto_server.py");
        let interpreter = python.clone();
        let port = free_port();
        let log = std::env::temp_dir().join(format!("amiflow-moto-{port}.log"));
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("moto-parent".into())
            .spawn(move || {
                let log_file = std::fs::File::create(&log)
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null());
                let mut command = Command::new(&interpreter);
                command
                    .arg(&script)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(log_file);
                // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
                unsafe {
                    command.pre_exec(|| {
                        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        Ok(())
                    });
                }
                match command.spawn() {
                    Ok(child) => {
                        let _ = sender.send(Ok(child.id()));
                        // Parked for the life of the process: PDEATHSIG fires when this thread dies.
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(e) => {
                        let _ = sender
                            .send(Err(format!("cannot start {}: {e}", interpreter.display())));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        let pid = receiver.recv().map_err(|e| e.to_string())??;
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(port, Duration::from_secs(60))?;
        Ok(Self { url, pid, python })
    }
}

/// Waits until moto answers HTTP on `port`.
pub fn wait_ready(port: u16, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            let mut reply = [0u8; 16];
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read(&mut reply).is_ok_and(|n| n > 0)
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "moto did not answer on 127.0.0.1:{port} within {limit:?}"
    ))
}
