//! `absa-drift simulate`: the synthetic comment data, written as the TikTok
//! comment exporter writes it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use comment_sim::{Comment, Generator, HOURLY_START, Scenario, iso_hour, write_batch_files};
use taxonomy::Taxonomy;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Directory to write train/ and hourly/ into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Labelled training comments (train/comments.csv, train/labels.csv).
    #[arg(long, default_value_t = 20_000)]
    train: usize,
    /// Hourly batches from 2026-11-01T00:00Z (hourly/<hour>.csv and .labels.csv).
    #[arg(long, default_value_t = 48)]
    hours: u32,
    /// Comments per hourly batch.
    #[arg(long, default_value_t = 400)]
    per_hour: usize,
    /// Drift scenario: none, aspect_mix, sentiment_flip, new_slang, spam_bots,
    /// language_mix, length_shift.
    #[arg(long, default_value = "aspect_mix")]
    scenario: Scenario,
    /// First hour the scenario applies to.
    #[arg(long, default_value_t = 24)]
    from_hour: u32,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 20_261_126)]
    seed: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write: {source}")]
pub struct SimulateError {
    path: PathBuf,
    source: std::io::Error,
}

pub fn run(args: &SimulateArgs) -> Result<(), SimulateError> {
    let taxonomy = Taxonomy::bundled();
    let mut generator = Generator::new(&taxonomy, args.seed);
    let train_dir = args.out.join("train");
    let training = generator.training_set(args.train);
    write_batch(&train_dir, "comments", &training)?;
    write_file(&train_dir.join("manifest.json"), |out| {
        writeln!(out, "{{\"seed\": {}, \"comments\": {}, \"synthetic\": true}}", args.seed, training.len())
    })?;

    let hourly_dir = args.out.join("hourly");
    let mut names = Vec::new();
    for hour in 0..args.hours {
        let name = iso_hour(HOURLY_START + i64::from(hour) * 3600);
        write_batch(&hourly_dir, &name, &generator.hour(hour, args.per_hour, args.scenario, args.from_hour))?;
        names.push(format!("\"{name}\""));
    }
    write_file(&hourly_dir.join("manifest.json"), |out| {
        writeln!(
            out,
            "{{\"seed\": {}, \"scenario\": \"{}\", \"from_hour\": {}, \"per_hour\": {}, \"synthetic\": true, \"hours\": [{}]}}",
            args.seed,
            args.scenario,
            args.from_hour,
            args.per_hour,
            names.join(", ")
        )
    })?;
    println!(
        "wrote {} training comments to {} and {} hourly batches ({}, from hour {}) to {}",
        training.len(),
        train_dir.display(),
        args.hours,
        args.scenario,
        args.from_hour,
        hourly_dir.display()
    );
    Ok(())
}

fn write_batch(dir: &Path, name: &str, comments: &[Comment]) -> Result<(), SimulateError> {
    write_batch_files(dir, name, comments).map_err(|source| SimulateError { path: dir.join(name), source })
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), SimulateError> {
    let error = |source| SimulateError { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    let mut out = BufWriter::new(File::create(path).map_err(error)?);
    write(&mut out).and_then(|()| out.flush()).map_err(error)
}
