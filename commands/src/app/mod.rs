//! The commands that drive the App (SPEC §7): `rdd set`, `start` and
//! `stop` write its spec and wait until it settles; `rdd delete` removes
//! it (the engine stops first); `rdd run` runs a program against the
//! running engine.

pub mod command;
pub mod delete;
pub mod progress;
pub mod property;
pub mod reconnect;
pub mod run;
pub mod set;
pub mod wait;
