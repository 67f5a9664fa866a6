//! What the pipeline steps say to each other, in one place, so no
//! step imports another:
//!
//! - [`messages`]: every step's input and output, as the workflow passes
//!   them (documented, with examples, in docs/events.md);
//! - [`time`]: UTC dates and the batch hour, `dt=YYYY-MM-DD/hour=HH`;
//! - [`keys`]: the object-key layout of the store, as functions;
//! - [`StepError`]: the error names the state machine's `Catch` and
//!   `Choice` rules match.

pub mod keys;
pub mod messages;
pub mod time;

pub use messages::{
    AlertInput, AlertOutput, Approval, ApprovalRequest, BackfillPlan, BaselineSummary, Challenger, Comparison, Counts,
    DEFAULT_STREAM, Evaluation, ExtractInput, ExtractOutput, Failure, HourRange, Ingestion, MonitorJob, MonitorRequest,
    Partition, PredictionPartition, Promotion, REJECTED, RetrainJob, RetrainRequest, Severity, Training,
    TransformOutput, Verdict,
};
pub use time::BatchHour;

/// An error a step returns to the workflow. `error_type` is the name
/// Step Functions sees as the task's `Error` (and the embedded runner
/// uses the same), so the state machine's rules can match it.
pub trait StepError: std::error::Error {
    fn error_type(&self) -> &'static str;
}
