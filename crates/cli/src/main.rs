//! `absa-drift`: the command line of the absa-drift pipeline.

mod approval_command;
mod backfill_command;
mod baseline_command;
mod csv_cells;
mod dataset;
mod drift_command;
mod labels_command;
mod local_functions;
#[cfg(feature = "train")]
mod mlflow_mirror;
mod pandas_csv;
mod predict_command;
mod publish_command;
mod run_command;
mod short_cells;
mod simulate_command;
mod text_report;
#[cfg(feature = "train")]
mod train_command;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "absa-drift", version, about = "Watch an aspect-based sentiment model for data and prediction drift")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare a current table with a reference table (CSV or Parquet) and
    /// report drift per column and for the dataset, as Evidently's
    /// DataDriftTable does.
    Drift(drift_command::DriftArgs),
    /// Write synthetic TikTok comments (exporter CSV format) with aspect
    /// labels: a training set and hourly batches with a drift scenario.
    Simulate(simulate_command::SimulateArgs),
    /// Run the whole pipeline locally: the state machine with its steps
    /// in-process on a local store, one execution per hourly batch.
    Run(run_command::RunArgs),
    /// Train the sentiment model (XGBoost) on labelled comments; write the
    /// model, its metrics and its reference profile.
    #[cfg(feature = "train")]
    Train(train_command::TrainArgs),
    /// Build a baseline from a stream's own processed hours: the monitor
    /// compares that stream's batches with it instead of the model's
    /// training reference.
    Baseline(baseline_command::BaselineArgs),
    /// Monitor a range of past hours again (after a baseline or threshold
    /// change) with the backfill state machine: reports and history lines
    /// are rewritten, alerts muted unless --alert.
    Backfill(backfill_command::BackfillArgs),
    /// Score comments from a file (exporter CSV, JSON Lines or Parquet)
    /// with the sentiment model: one JSON object per comment on stdout,
    /// one line per unreadable row on stderr.
    Predict(predict_command::PredictArgs),
    /// Take labels that came back for a batch (a filled-in labelling
    /// queue, or any comment_id,aspect,polarity file) and monitor the batch
    /// again: its report shows the realised quality beside the estimate.
    Labels(labels_command::LabelsArgs),
    /// Start the retraining branch now: train a challenger on the labels
    /// that came back (if enough did), evaluate it, promote it or ask a
    /// person (needs a binary built with the `train` feature).
    Retrain(approval_command::RetrainArgs),
    /// Approve the challenger an approval request (an alert) asks about:
    /// the paused execution goes on and promotes it to production.
    Approve(approval_command::ApproveArgs),
    /// Reject that challenger: production stays as it is.
    Reject(approval_command::RejectArgs),
    /// Publish a model directory (default: the bundled data/model) to a
    /// local registry as its next version, and point an alias at it.
    Publish(publish_command::PublishArgs),
}

/// Exit codes: 0 when everything worked (for `drift`, whether or not it
/// found drift), 1 when `run` finished but some of its executions failed,
/// `predict` skipped rows it could not read or `labels` refused rows, 2
/// for bad input or any other error, with one line on stderr.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Drift(args) => drift_command::run(&args).map_err(|e| e.to_string()),
        Command::Simulate(args) => simulate_command::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "train")]
        Command::Train(args) => train_command::run(&args).map_err(|e| e.to_string()),
        Command::Run(args) => match run_command::run(&args) {
            Ok(s) if s.failed > 0 => {
                eprintln!("absa-drift: {} of {} executions failed (see above)", s.failed, s.executions);
                return ExitCode::from(1);
            }
            other => other.map(drop).map_err(|e| e.to_string()),
        },
        Command::Predict(args) => match predict_command::run(&args) {
            Ok(p) if p.skipped > 0 => {
                eprintln!("absa-drift: scored {} comments, skipped {} rows (see above)", p.comments, p.skipped);
                return ExitCode::from(1);
            }
            other => other.map(drop).map_err(|e| e.to_string()),
        },
        Command::Baseline(args) => baseline_command::run(&args).map_err(|e| e.to_string()),
        Command::Backfill(args) => backfill_command::run(&args).map_err(|e| e.to_string()),
        Command::Labels(args) => match labels_command::run(&args) {
            Ok(t) if t.rejected > 0 => {
                eprintln!("absa-drift: {} label rows refused (above)", t.rejected);
                return ExitCode::from(1);
            }
            other => other.map(drop).map_err(|e| e.to_string()),
        },
        Command::Retrain(args) => approval_command::retrain(&args).map_err(|e| e.to_string()),
        Command::Approve(args) => approval_command::approve(&args).map_err(|e| e.to_string()),
        Command::Reject(args) => approval_command::reject(&args).map_err(|e| e.to_string()),
        Command::Publish(args) => publish_command::run(&args).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("absa-drift: error: {}", printable(&e));
            ExitCode::from(2)
        }
    }
}

/// Text from input files, made safe for a terminal: control characters (a
/// NUL, an escape sequence, a line break in a one-line message) are shown
/// as `\u{..}` instead of acting on the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(super::printable("red \u{1b}[31m\0x\nnext é"), "red \\u{1b}[31m\\u{0}x\\u{a}next é");
    }
}
