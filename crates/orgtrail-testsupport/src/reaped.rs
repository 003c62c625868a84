//! A child process that is stopped when the test holding it ends, however it ends: a failing
//! assert unwinds through `Drop`, so a server or a hung orgtrail is never left running
//! (`scripts/leftovers` fails the suite if one is).

use std::ops::{Deref, DerefMut};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A spawned child, killed and reaped on drop.
pub struct Reaped(Child);

impl Reaped {
    /// Spawn `cmd`; panics naming the program when it cannot start.
    pub fn spawn(cmd: &mut Command) -> Reaped {
        let program = cmd.get_program().to_string_lossy().to_string();
        Reaped(
            cmd.spawn()
                .unwrap_or_else(|e| panic!("cannot start {program}: {e}")),
        )
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
        if matches!(self.0.try_wait(), Ok(None)) {
            // SIGTERM first, so a script's EXIT trap stops what it started (the demo's moto
            // and contract layer); SIGKILL if it is still there two seconds later.
            let _ = Command::new("kill").arg(self.0.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(2);
            while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // An error means it has already exited; waiting reaps it either way.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
