//! One request being judged (`Cx`: the request, its caller, the layer's shared state) and what
//! the layer does with it (`Outcome`); the per-service rules take the one and return the other.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::consistency::Consistency;
use super::wire::{Incoming, Reply};
use super::world::{Caller, World};

/// What the layer did with one request, for tests to see which rule answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The rule's name, as in docs/aws-contract.md.
    pub rule: &'static str,
    /// `CreateTrail`, `s3:PutBucketPolicy`, …
    pub operation: String,
    pub status: u16,
    /// The AWS error code (empty when the layer answered a read itself).
    pub code: String,
}

/// State shared by the connections of one layer.
pub struct Shared {
    pub(crate) moto_port: u16,
    pub(crate) world: World,
    pub(crate) consistency: Mutex<Consistency>,
    pub(crate) verdicts: Mutex<Vec<Verdict>>,
    pub(crate) control: super::knobs::Control,
    /// Accounts seen to be an organization's management account: an organization's management
    /// account never changes, and neither SCPs nor RCPs reach its own calls on its own
    /// resources, so those requests skip the organization's policies.
    pub(crate) managements: Mutex<std::collections::HashSet<String>>,
}

impl Shared {
    pub(crate) fn consistency(&self) -> MutexGuard<'_, Consistency> {
        self.consistency.lock().expect("consistency lock")
    }
}

/// One request being judged.
pub struct Cx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) req: Incoming,
    pub(crate) caller: OnceLock<Caller>,
}

impl Cx {
    pub(crate) fn world(&self) -> &World {
        &self.shared.world
    }

    /// The signing account (and its ARN), from the access key.
    pub(crate) fn caller(&self) -> &Caller {
        self.caller
            .get_or_init(|| self.shared.world.caller(&self.req.access_key))
    }

    pub(crate) fn delaying(&self) -> bool {
        self.shared.consistency().delaying()
    }
}

type Adapt = Box<dyn FnOnce(Reply) -> Reply + Send>;

/// What to do with a request.
pub enum Outcome {
    /// Send it to moto (as another account, when moto keeps the resource there), and pass on
    /// moto's answer (adapted, when AWS answers differently).
    Forward {
        as_account: Option<String>,
        then: Option<Adapt>,
    },
    /// AWS rejects it: answer with AWS's error.
    Reject { rule: &'static str, reply: Reply },
    /// The layer answers itself (an API moto lacks, a stale read).
    Answer { rule: &'static str, reply: Reply },
}

impl Outcome {
    pub(crate) fn forward() -> Outcome {
        Outcome::Forward {
            as_account: None,
            then: None,
        }
    }

    pub(crate) fn forward_as(account: &str) -> Outcome {
        Outcome::Forward {
            as_account: Some(account.to_string()),
            then: None,
        }
    }

    pub(crate) fn forward_then(f: impl FnOnce(Reply) -> Reply + Send + 'static) -> Outcome {
        Outcome::Forward {
            as_account: None,
            then: Some(Box::new(f)),
        }
    }

    pub(crate) fn reject(rule: &'static str, reply: Reply) -> Outcome {
        Outcome::Reject { rule, reply }
    }

    pub(crate) fn answer(rule: &'static str, reply: Reply) -> Outcome {
        Outcome::Answer { rule, reply }
    }

    /// The same forward, answered by moto as `account`.
    pub(crate) fn answered_by(self, account: &str) -> Outcome {
        match self {
            Outcome::Forward { then, .. } => Outcome::Forward {
                as_account: Some(account.to_string()),
                then,
            },
            other => other,
        }
    }
}
