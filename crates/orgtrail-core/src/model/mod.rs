//! The bottom layer: plain data every other module shares. The live state as read from AWS
//! ([`live`]) and a trail's identity and settings ([`trail`]). Nothing here imports another
//! module of the crate.

pub mod live;
pub(crate) mod names;
pub mod trail;

pub use live::*;
pub use trail::*;
