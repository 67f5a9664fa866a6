//! Fuzzing on stable Rust, for the parsers that take outside input.
//!
//! [`mutated`] makes inputs from seed files (real exports, the bad-input
//! corpus) by flipping, inserting, deleting, duplicating and truncating
//! bytes, with tokens that break parsers (quotes, line ends, `="`, byte
//! order marks, NUL, huge numbers, impossible dates). [`check`] runs a
//! property over them with proptest, which shrinks a failure to a small
//! input:
//!
//! - by default 64 cases from a fixed seed, the same every run, which is
//!   what `make test` runs;
//! - with `ABSA_FUZZ_SECONDS=N`, random cases for N seconds, which is what
//!   `make fuzz` runs.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRng, TestRunner};

/// Byte strings that tend to break CSV, JSON, Parquet and date parsers.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b",",
    b";",
    b"=\"",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"\x1b[2J",
    b"\xC3",
    b"18446744073709551616",
    b"9223372036854775807",
    b"-1",
    b"01/01/0000, 00:00:00",
    b"31/12/9999, 23:59:59",
    b"29/02/2023, 25:61:61",
    b"NaN",
    b"1e309",
    b"{",
    b"}",
    b"[",
    b"null",
    b"PAR1",
    b"$.",
    b"@",
    b"\xF0\x9F\x94\xA5",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, Index),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Mutation::Insert(at, token)),
        (any::<Index>(), 1..64usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<Index>(), 1..4096usize).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let at = |i: &Index| if bytes.is_empty() { 0 } else { i.index(bytes.len() + 1) };
        match m {
            Mutation::Flip(i, byte) if !bytes.is_empty() => {
                let at = i.index(bytes.len());
                bytes[at] = *byte;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, token) => {
                let at = at(i);
                let token = TOKENS[token.index(TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            Mutation::Delete(i, len) => {
                let at = at(i).min(bytes.len());
                bytes.drain(at..(at + len).min(bytes.len()));
            }
            Mutation::Duplicate(i, len) => {
                let at = at(i).min(bytes.len());
                let copy = bytes[at..(at + len).min(bytes.len())].to_vec();
                bytes.splice(at..at, copy);
            }
            Mutation::Truncate(i) => {
                let at = at(i).min(bytes.len());
                bytes.truncate(at);
            }
        }
    }
    bytes
}

/// An input file's bytes, shown escaped when a case fails.
#[derive(Clone)]
pub struct Bytes(pub Vec<u8>);

impl Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// One of `seeds`, with up to eight mutations (none, sometimes: the seeds
/// themselves are cases too).
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Bytes> {
    assert!(!seeds.is_empty(), "fuzzing needs at least one seed");
    (any::<Index>(), prop::collection::vec(mutation(), 0..8))
        .prop_map(move |(seed, mutations)| Bytes(apply(seeds[seed.index(seeds.len())].clone(), &mutations)))
}

/// Every file of a directory (not recursive), as seeds.
pub fn seeds_in(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Runs `property` on inputs from `strategy` (see the crate's doc for how
/// many) and panics with the smallest failing input it finds.
pub fn check<S>(name: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let budget = std::env::var("ABSA_FUZZ_SECONDS")
        .ok()
        .map(|s| Duration::from_secs(s.parse().unwrap_or_else(|_| panic!("ABSA_FUZZ_SECONDS '{s}' is not a number"))));
    let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
    let Some(budget) = budget else {
        let mut runner = TestRunner::new_with_rng(config.clone(), TestRng::deterministic_rng(config.rng_algorithm));
        if let Err(e) = runner.run(&strategy, property) {
            panic!("fuzz {name}: {e}");
        }
        return;
    };
    // Shrinking a panic replays it hundreds of times: the default hook would
    // print each; the smallest case is reported below instead.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut runner = TestRunner::new(config);
    let (start, mut cases) = (Instant::now(), 0u64);
    let mut failure = None;
    while failure.is_none() && start.elapsed() < budget {
        let case = strategy.new_tree(&mut runner).expect("the strategies here reject nothing");
        match runner.run_one(case, &property) {
            Ok(_) => cases += 1,
            Err(TestError::Fail(why, input)) => failure = Some(format!("{why}\nminimal input: {input:?}")),
            Err(TestError::Abort(why)) => failure = Some(format!("aborted: {why}")),
        }
    }
    std::panic::set_hook(hook);
    if let Some(failure) = failure {
        panic!("fuzz {name}: {failure}");
    }
    println!("fuzz {name}: {cases} cases in {} s, no failure", budget.as_secs());
}
