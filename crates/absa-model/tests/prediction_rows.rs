//! A scored comment's prediction rows survive Parquet unchanged, deterministically, and
//! a file of another shape is refused with the column named.

use std::sync::Arc;

use absa_model::{AspectSentiment, CommentAnalysis, CommentSentimentScore};
use absa_model::{CommentFacts, prediction_rows};
use arrow::array::{ArrayRef, RecordBatch, StringArray};
use tables::predictions::{from_parquet, to_parquet, to_record_batch};
use tables::{NO_ASPECT, TableError};
use taxonomy::Polarity;

fn facts(id: u64) -> CommentFacts {
    CommentFacts {
        comment_id: id,
        created_at: 1_793_491_200 + id as i64,
        digg_count: 3,
        reply_count: 1,
        is_reply: id.is_multiple_of(2),
    }
}

fn analysis(aspects: &[(&str, Polarity, [f32; 3])]) -> CommentAnalysis {
    CommentAnalysis {
        chars: 42,
        words: 8,
        emoji: 2,
        unseen_word_share: Some(0.125),
        language: "eng",
        sentiment: CommentSentimentScore::of([0.2, 0.5, 0.3]),
        aspects: aspects
            .iter()
            .map(|(a, p, probabilities)| AspectSentiment {
                aspect: (*a).into(),
                term: (*a).into(),
                start: 0,
                end: 1,
                polarity: *p,
                probabilities: *probabilities,
            })
            .collect(),
    }
}

#[test]
fn rows_round_trip_through_parquet() {
    let mut rows = prediction_rows(
        facts(7_226_000_000_000_000_001),
        &analysis(&[("price", Polarity::Negative, [0.7, 0.2, 0.1]), ("shipping", Polarity::Positive, [0.1, 0.1, 0.8])]),
    );
    rows.extend(prediction_rows(facts(2), &CommentAnalysis { unseen_word_share: None, ..analysis(&[]) }));
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].sentiment.as_str(), rows[0].confidence), ("negative", Some(f64::from(0.7f32))));
    assert_eq!((rows[2].aspect.as_str(), rows[2].sentiment.as_str(), rows[2].confidence), (NO_ASPECT, NO_ASPECT, None));
    assert!(rows.iter().all(|r| r.comment_sentiment == "neutral" && r.comment_confidence == f64::from(0.5f32)));
    let bytes = to_parquet(&rows).unwrap();
    assert_eq!(from_parquet(&bytes).unwrap(), rows);
    assert_eq!(to_parquet(&rows).unwrap(), bytes, "the same rows give the same bytes");
}

fn parquet_of(columns: Vec<(&str, ArrayRef)>) -> Vec<u8> {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut out = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}

#[test]
fn a_parquet_file_of_another_shape_is_refused_with_the_column() {
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["1"]));
    let err = from_parquet(&parquet_of(vec![("comment_id", ids)])).unwrap_err();
    assert!(matches!(&err, TableError::Missing { column } if column == "created_at"), "{err}");

    // Every column present, but digg_count written as text.
    let good = to_record_batch(&prediction_rows(facts(1), &analysis(&[]))).unwrap();
    let schema = good.schema();
    let columns: Vec<(&str, ArrayRef)> = schema
        .fields()
        .iter()
        .zip(good.columns())
        .map(|(f, c)| {
            let c = if f.name() == "digg_count" {
                Arc::new(StringArray::from(vec!["many"])) as ArrayRef
            } else {
                c.clone()
            };
            (f.name().as_str(), c)
        })
        .collect();
    let err = from_parquet(&parquet_of(columns)).unwrap_err();
    assert_eq!(err.to_string(), "column 'digg_count' is Utf8, expected Int64");
    assert!(matches!(from_parquet(b"PAR1 not parquet"), Err(TableError::Parquet(_))));
}
