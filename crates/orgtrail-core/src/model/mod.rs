//! The bottom layer: plain data every other module shares. The live state as read from AWS
//! ([`live`]), a trail's identity and settings ([`trail`]), where a trail records ([`scope`]),
//! hashes as hex ([`hex`]).
//! Nothing here imports another module of the crate.

pub mod alerts;
pub mod hex;
pub mod live;
pub(crate) mod names;
pub mod org_policies;
pub mod scope;
pub mod trail;

pub use alerts::*;
pub use live::*;
pub use org_policies::*;
pub use scope::*;
pub use trail::*;
