//! A child process that is stopped when the test holding it ends, however it ends: a failing
//! assert unwinds through `Drop`, so a server or a hung orgtrail is never left running
//! (`scripts/leftovers` fails the suite if one is). The child leads a process group of its
//! own, and the whole group is signalled: a script's children (the demo's moto and contract
//! layer) stop with it even when its EXIT trap waits for a foreground command.

use std::ops::{Deref, DerefMut};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A spawned child, killed and reaped on drop.
pub struct Reaped(Child);

impl Reaped {
    /// Spawn `cmd`; panics naming the program when it cannot start.
    pub fn spawn(cmd: &mut Command) -> Reaped {
        use std::os::unix::process::CommandExt;
        let program = cmd.get_program().to_string_lossy().to_string();
        Reaped(
            cmd.process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {program}: {e}")),
        )
    }

    /// `kill -SIG -PGID`: every process of the child's group.
    fn signal_group(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{}", self.0.id())])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        // SIGTERM first, so a script's EXIT trap stops what it started; SIGKILL to what is left
        // of the group two seconds later. The group outlives its leader: signalled either way.
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(2);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal_group("-KILL");
        // An error means it has already exited; waiting reaps it either way.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
