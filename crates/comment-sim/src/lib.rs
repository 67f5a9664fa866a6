//! A seeded simulator of TikTok-style comments on product videos, with
//! aspect-sentiment labels and named drift scenarios.
//!
//! No licensed, labelled TikTok corpus can be shipped, so the project's data
//! is generated: varied sentence patterns, slang, emoji, typos, negation
//! ("not bad at all"), intensifiers, questions, replies, several aspects per
//! comment or none. The same seed always gives the same bytes.

mod exporter_csv;
mod generator;
mod rng;
mod scenario;

pub use exporter_csv::{iso_hour, write_batch_files, write_exporter_csv, write_labels_csv};
pub use generator::{Comment, Generator, HOURLY_START, NEW_SLANG_NEGATIVE, NEW_SLANG_POSITIVE, TRAINING_START, User};
pub use scenario::{Scenario, UnknownScenario};
