//! What several of the CLI's tests share.

use std::path::Path;

use absa_train::{TrainOptions, Trained, train};
use comment_sim::{Generator, write_batch_files};
use taxonomy::Taxonomy;

/// A small model in seconds: `comments` simulated comments (seed 11)
/// written under `dir/train`, at most `max_rounds` rounds, two threads.
/// For tests that need some real model, not a good one.
pub fn train_simulated(dir: &Path, comments: usize, max_rounds: u32) -> Trained {
    let data_dir = dir.join("train");
    let generated = Generator::new(&Taxonomy::bundled(), 11).training_set(comments);
    write_batch_files(&data_dir, "comments", &generated).unwrap();
    let options = TrainOptions {
        data_dir,
        human_rated_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/human-rated").into(),
        name: "absa-sentiment".into(),
        seed: 7,
        max_rounds,
        patience: (max_rounds / 6).max(5),
        threads: 2,
    };
    train(&options, &mut |_| {}).unwrap()
}
