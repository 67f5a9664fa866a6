//! Prediction from XGBoost's JSON model format, in pure Rust: the Lambdas
//! cannot link XGBoost's C++ (the Lambda runtime's libstdc++ is too old),
//! and XGBoost 1.6 misreads the `base_score` of models saved by 3.x. Models
//! trained by Python XGBoost 3.x or by our own training load here alike.
//!
//! Supported: `multi:softprob`, `multi:softmax`, `binary:logistic` and
//! `reg:squarederror` with numerical splits (`gbtree`). Anything else is
//! refused with a clear error rather than mispredicted.

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("XGBoost model: not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("XGBoost model: missing or malformed field '{0}'")]
    Field(&'static str),
    #[error("XGBoost model: objective '{0}' is not supported")]
    Objective(String),
    #[error("XGBoost model: booster '{0}' is not supported (only gbtree)")]
    Booster(String),
    #[error("XGBoost model: tree {0} has categorical splits, which are not supported")]
    Categorical(usize),
    #[error("XGBoost model: tree {tree} is malformed: {reason}")]
    Tree { tree: usize, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Objective {
    SoftProb,
    SoftMax,
    Logistic,
    SquaredError,
}

/// One tree node as XGBoost stores it, packed in 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Child indices; `left == 0` marks a leaf (children always follow
    /// their parent, so no child is node 0).
    left: u32,
    right: u32,
    /// The split feature, with the default-left flag in the top bit.
    feature: u32,
    /// The split threshold, or the leaf value at a leaf.
    value: f32,
}

const DEFAULT_LEFT: u32 = 1 << 31;

/// Whether a value goes to the left child: below the threshold, or missing
/// where the split sends missing values left. No branch: `&`/`|` on bools.
#[inline(always)]
fn goes_left(value: f32, feature: u32, threshold: f32) -> bool {
    (value < threshold) | (value.is_nan() & (feature & DEFAULT_LEFT != 0))
}

/// A tree with at most this many leaves is evaluated QuickScorer-style
/// (Lucchese et al., SIGIR 2015): one bit per leaf in a `u64`.
const MAX_MASKED_LEAVES: usize = 64;

#[derive(Debug, Clone)]
enum Tree {
    /// Leaves from `first_leaf` in [`XgbModel::leaf_values`], left to right;
    /// its splits are in [`XgbModel::features`].
    Masked { first_leaf: usize },
    /// More leaves than bits: walked node by node.
    Walked(Vec<Node>),
}

/// A split of a masked tree, filed under its feature: when a row's value
/// sends the row right, the leaves of the left subtree are out.
#[derive(Debug, Clone, Copy)]
struct Split {
    threshold: f32,
    tree: u32,
    /// Every leaf's bit but those of the left subtree.
    keep: u64,
}

/// The splits of the masked trees on one feature.
#[derive(Debug, Clone)]
struct FeatureSplits {
    feature: usize,
    /// By ascending threshold: a value sends right exactly a prefix of them.
    splits: Vec<Split>,
    /// Those whose default direction is right: what a missing value sends right.
    missing_right: Vec<Split>,
    /// Whether 0.0 sends some split right (a threshold <= 0): when not, a
    /// zero changes nothing and is skipped, and most features of a text
    /// row (word counts) are zero.
    zero_matters: bool,
}

impl FeatureSplits {
    /// Clears, in `alive`, the leaves that `value` rules out.
    #[inline]
    fn rule_out(&self, value: f32, alive: &mut [u64]) {
        if value.is_nan() {
            self.missing_right.iter().for_each(|s| alive[s.tree as usize] &= s.keep);
        } else {
            for s in self.splits.iter().take_while(|s| s.threshold <= value) {
                alive[s.tree as usize] &= s.keep;
            }
        }
    }
}

/// Numbers the leaves of the subtree at `node` from `next` on, left to
/// right, and files its splits; returns the number after its last leaf.
fn number_leaves(
    nodes: &[Node],
    node: usize,
    next: u32,
    tree: u32,
    leaf_values: &mut Vec<f32>,
    splits: &mut Vec<(u32, Split, bool)>,
) -> u32 {
    let n = nodes[node];
    if n.left == 0 {
        leaf_values.push(n.value);
        return next + 1;
    }
    let middle = number_leaves(nodes, n.left as usize, next, tree, leaf_values, splits);
    let left_leaves = ((1u128 << middle) - (1u128 << next)) as u64;
    splits.push((
        n.feature & !DEFAULT_LEFT,
        Split { threshold: n.value, tree, keep: !left_leaves },
        n.feature & DEFAULT_LEFT != 0,
    ));
    number_leaves(nodes, n.right as usize, middle, tree, leaf_values, splits)
}

fn walk(nodes: &[Node], row: &[f32]) -> f32 {
    let mut node = nodes[0];
    while node.left != 0 {
        let value = row.get((node.feature & !DEFAULT_LEFT) as usize).copied().unwrap_or(f32::NAN);
        node = nodes[if goes_left(value, node.feature, node.value) { node.left } else { node.right } as usize];
    }
    node.value
}

/// A loaded model.
#[derive(Debug, Clone)]
pub struct XgbModel {
    objective: Objective,
    num_class: usize,
    num_feature: usize,
    /// The starting margin per output (XGBoost 3.x may store one per class).
    base_margin: Vec<f32>,
    trees: Vec<Tree>,
    /// Which output each tree adds to.
    tree_output: Vec<usize>,
    /// The masked trees' leaves, tree after tree.
    leaf_values: Vec<f32>,
    /// The masked trees' splits, by feature.
    features: Vec<FeatureSplits>,
}

fn field<'a>(v: &'a Value, path: &[&'static str]) -> Result<&'a Value, ModelError> {
    path.iter().try_fold(v, |v, key| v.get(key).ok_or(ModelError::Field(key)))
}

/// XGBoost writes numbers in its parameter block as strings: "5E-1",
/// "[5E-1,5E-1,5E-1]" for a per-class base score, "3".
fn numbers_in(text: &str) -> Vec<f32> {
    text.trim_matches(|c| c == '[' || c == ']').split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn floats(v: &Value, name: &'static str) -> Result<Vec<f32>, ModelError> {
    v.get(name)
        .and_then(Value::as_array)
        .ok_or(ModelError::Field(name))?
        .iter()
        .map(|x| x.as_f64().map(|f| f as f32).ok_or(ModelError::Field(name)))
        .collect()
}

fn ints(v: &Value, name: &'static str) -> Result<Vec<i64>, ModelError> {
    v.get(name)
        .and_then(Value::as_array)
        .ok_or(ModelError::Field(name))?
        .iter()
        .map(|x| x.as_i64().ok_or(ModelError::Field(name)))
        .collect()
}

impl XgbModel {
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let root: Value = serde_json::from_str(text)?;
        let learner = field(&root, &["learner"])?;
        let objective_name = field(learner, &["objective", "name"])?.as_str().ok_or(ModelError::Field("name"))?;
        let objective = match objective_name {
            "multi:softprob" => Objective::SoftProb,
            "multi:softmax" => Objective::SoftMax,
            "binary:logistic" => Objective::Logistic,
            "reg:squarederror" => Objective::SquaredError,
            other => return Err(ModelError::Objective(other.to_owned())),
        };
        let params = field(learner, &["learner_model_param"])?;
        let param = |name: &'static str| -> Result<Vec<f32>, ModelError> {
            Ok(numbers_in(params.get(name).and_then(Value::as_str).ok_or(ModelError::Field(name))?))
        };
        let num_class = (param("num_class")?.first().copied().unwrap_or(0.0) as usize).max(1);
        let num_feature = param("num_feature")?.first().copied().unwrap_or(0.0) as usize;
        let base_score = param("base_score")?;
        let booster = field(learner, &["gradient_booster"])?;
        let booster_name = field(booster, &["name"])?.as_str().unwrap_or_default();
        if booster_name != "gbtree" {
            return Err(ModelError::Booster(booster_name.to_owned()));
        }
        let model = field(booster, &["model"])?;
        let tree_output: Vec<usize> = ints(model, "tree_info")?.into_iter().map(|c| c as usize).collect();
        let trees = field(model, &["trees"])?
            .as_array()
            .ok_or(ModelError::Field("trees"))?
            .iter()
            .enumerate()
            .map(|(i, t)| parse_tree(i, t))
            .collect::<Result<Vec<Vec<Node>>, _>>()?;
        let (trees, leaf_values, features) = index_trees(trees);
        if trees.len() != tree_output.len() || tree_output.iter().any(|&c| c >= num_class) {
            return Err(ModelError::Field("tree_info"));
        }
        // base_score is in probability space; its margin is what trees add to.
        let to_margin = |p: f32| match objective {
            Objective::Logistic => -(1.0 / p - 1.0).ln(),
            _ => p,
        };
        let base_margin = match base_score.as_slice() {
            [one] => vec![to_margin(*one); num_class],
            many if many.len() == num_class => many.iter().map(|&p| to_margin(p)).collect(),
            _ => return Err(ModelError::Field("base_score")),
        };
        Ok(XgbModel { objective, num_class, num_feature, base_margin, trees, tree_output, leaf_values, features })
    }

    pub fn num_class(&self) -> usize {
        self.num_class
    }

    pub fn num_feature(&self) -> usize {
        self.num_feature
    }

    /// Raw scores per output, before the objective's transform
    /// (XGBoost's `output_margin=True`). NaN is a missing value.
    pub fn predict_margin(&self, row: &[f32]) -> Vec<f32> {
        self.predict_margins(&[row]).pop().expect("one row in, one out")
    }

    /// Probabilities per class (softprob/softmax: softmax of the margins;
    /// logistic: [1 - p, p]); the prediction itself for regression.
    pub fn predict(&self, row: &[f32]) -> Vec<f32> {
        self.transform(&self.predict_margin(row))
    }

    /// [`XgbModel::predict`] for many rows: faster than one by one.
    pub fn predict_rows<R: AsRef<[f32]>>(&self, rows: &[R]) -> Vec<Vec<f32>> {
        self.predict_margin_rows(rows).iter().map(|m| self.transform(m)).collect()
    }

    /// [`XgbModel::predict_margin`] for many rows.
    pub fn predict_margin_rows<R: AsRef<[f32]>>(&self, rows: &[R]) -> Vec<Vec<f32>> {
        let rows: Vec<&[f32]> = rows.iter().map(AsRef::as_ref).collect();
        self.predict_margins(&rows)
    }

    /// Margins of many rows. Per row, each feature rules out the leaves its
    /// value cannot reach (zero word counts skipped), so each masked tree's
    /// exit leaf is its first leaf still in; the trees are then added in the
    /// model's order, as XGBoost adds them, so the sums are the same.
    fn predict_margins(&self, rows: &[&[f32]]) -> Vec<Vec<f32>> {
        let mut alive = vec![0u64; self.trees.len()];
        rows.iter()
            .map(|row| {
                alive.fill(!0);
                for f in &self.features {
                    // Past a short row's end, a feature is missing.
                    let value = row.get(f.feature).copied().unwrap_or(f32::NAN);
                    if value != 0.0 || f.zero_matters {
                        f.rule_out(value, &mut alive);
                    }
                }
                let mut margin = self.base_margin.clone();
                for ((tree, &output), bits) in self.trees.iter().zip(&self.tree_output).zip(&alive) {
                    margin[output] += match tree {
                        Tree::Masked { first_leaf } => self.leaf_values[first_leaf + bits.trailing_zeros() as usize],
                        Tree::Walked(nodes) => walk(nodes, row),
                    };
                }
                margin
            })
            .collect()
    }

    fn transform(&self, margin: &[f32]) -> Vec<f32> {
        match self.objective {
            Objective::SoftProb | Objective::SoftMax => softmax(margin),
            Objective::Logistic => {
                let p = 1.0 / (1.0 + (-margin[0]).exp());
                vec![1.0 - p, p]
            }
            Objective::SquaredError => margin.to_vec(),
        }
    }
}

/// XGBoost's softmax: shifted by the maximum, in f32.
fn softmax(margin: &[f32]) -> Vec<f32> {
    let max = margin.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = margin.iter().map(|m| (m - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// Splits the trees into masked ones (leaves numbered, splits filed by
/// feature) and walked ones.
fn index_trees(trees: Vec<Vec<Node>>) -> (Vec<Tree>, Vec<f32>, Vec<FeatureSplits>) {
    let mut leaf_values = Vec::new();
    let mut splits = Vec::new();
    let trees = trees
        .into_iter()
        .enumerate()
        .map(|(t, nodes)| {
            if nodes.iter().filter(|n| n.left == 0).count() > MAX_MASKED_LEAVES {
                return Tree::Walked(nodes);
            }
            let first_leaf = leaf_values.len();
            number_leaves(&nodes, 0, 0, t as u32, &mut leaf_values, &mut splits);
            Tree::Masked { first_leaf }
        })
        .collect();
    let mut by_feature: std::collections::BTreeMap<u32, FeatureSplits> = std::collections::BTreeMap::new();
    for (feature, split, default_left) in splits {
        let f = by_feature.entry(feature).or_insert_with(|| FeatureSplits {
            feature: feature as usize,
            splits: Vec::new(),
            missing_right: Vec::new(),
            zero_matters: false,
        });
        f.splits.push(split);
        if !default_left {
            f.missing_right.push(split);
        }
        f.zero_matters |= split.threshold <= 0.0;
    }
    let mut features: Vec<FeatureSplits> = by_feature.into_values().collect();
    features.iter_mut().for_each(|f| f.splits.sort_by(|a, b| a.threshold.total_cmp(&b.threshold)));
    (trees, leaf_values, features)
}

fn parse_tree(index: usize, t: &Value) -> Result<Vec<Node>, ModelError> {
    let bad = |reason: &str| ModelError::Tree { tree: index, reason: reason.to_owned() };
    if ints(t, "split_type").is_ok_and(|types| types.iter().any(|&s| s != 0)) {
        return Err(ModelError::Categorical(index));
    }
    let left: Vec<i32> = ints(t, "left_children")?.into_iter().map(|x| x as i32).collect();
    let right: Vec<i32> = ints(t, "right_children")?.into_iter().map(|x| x as i32).collect();
    let feature: Vec<u32> = ints(t, "split_indices")?.into_iter().map(|x| x as u32).collect();
    let condition = floats(t, "split_conditions")?;
    let default_left: Vec<bool> = ints(t, "default_left")?.into_iter().map(|x| x != 0).collect();
    let n = left.len();
    if [right.len(), feature.len(), condition.len(), default_left.len()].iter().any(|&len| len != n) || n == 0 {
        return Err(bad("node arrays of different lengths"));
    }
    // Children must point forward inside the tree, so a walk always ends.
    for node in 0..n {
        let (l, r) = (left[node], right[node]);
        if (l >= 0) != (r >= 0)
            || (l >= 0 && (l as usize <= node || r as usize <= node || l as usize >= n || r as usize >= n))
        {
            return Err(bad(&format!("node {node} has children {l} and {r}")));
        }
    }
    if feature.iter().any(|&f| f & DEFAULT_LEFT != 0) {
        return Err(bad("a split feature index is too large"));
    }
    if (0..n).any(|i| left[i] >= 0 && condition[i].is_nan()) {
        return Err(bad("a split threshold is NaN"));
    }
    Ok((0..n)
        .map(|i| Node {
            left: left[i].max(0) as u32,
            right: right[i].max(0) as u32,
            feature: feature[i] | if default_left[i] { DEFAULT_LEFT } else { 0 },
            value: condition[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_model(name: &str) -> XgbModel {
        let path = format!("{}/tests/fixtures/xgboost/{name}.json", env!("CARGO_MANIFEST_DIR"));
        XgbModel::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Rows of the fixtures' 12 features with values around the splits, a
    /// quarter of them missing and an eighth zero (either sign).
    fn rows(n: usize) -> Vec<Vec<f32>> {
        let mut state = 7u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        (0..n)
            .map(|_| {
                (0..12)
                    .map(|_| match next() % 8 {
                        0 | 1 => f32::NAN,
                        2 => {
                            if next() % 2 == 0 {
                                0.0
                            } else {
                                -0.0
                            }
                        }
                        _ => (next() % 2000) as f32 / 500.0 - 2.0,
                    })
                    .collect()
            })
            .collect()
    }

    /// A regression model of one tree, to compare its prediction with a walk.
    fn one_tree_model(nodes: Vec<Node>) -> XgbModel {
        let (trees, leaf_values, features) = index_trees(vec![nodes]);
        XgbModel {
            objective: Objective::SquaredError,
            num_class: 1,
            num_feature: 12,
            base_margin: vec![0.0],
            trees,
            tree_output: vec![0],
            leaf_values,
            features,
        }
    }

    #[test]
    fn masks_find_the_leaves_a_node_walk_finds() {
        let path = format!("{}/tests/fixtures/xgboost/softprob_deep.json", env!("CARGO_MANIFEST_DIR"));
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let trees = json["learner"]["gradient_booster"]["model"]["trees"].as_array().unwrap();
        let rows = rows(200);
        let (mut zero_skipped, mut zero_read, mut walked) = (0, 0, 0);
        for (i, tree) in trees.iter().enumerate() {
            let nodes = parse_tree(i, tree).unwrap();
            let model = one_tree_model(nodes.clone());
            walked += usize::from(matches!(model.trees[0], Tree::Walked(_)));
            zero_skipped += model.features.iter().filter(|f| !f.zero_matters).count();
            zero_read += model.features.iter().filter(|f| f.zero_matters).count();
            for row in &rows {
                assert_eq!(model.predict_margin(row), [walk(&nodes, row)], "tree {i}, row {row:?}");
            }
        }
        assert!(zero_skipped > 0 && zero_read > 0, "both ways of treating a zero are tested");
        assert!(walked > 0 && walked < trees.len() / 2, "mostly masked trees, some walked: {walked}");
    }

    /// A chain of `splits` splits on feature 0: leaf k is reached by values in [k, k + 1).
    fn chain(splits: usize) -> Value {
        let (mut left, mut right, mut feature, mut condition) = (vec![], vec![], vec![], vec![]);
        for level in 0..splits {
            let node = 2 * level;
            left.push(node as i64 + 1);
            right.push(node as i64 + 2);
            feature.push(0);
            condition.push(level as f64 + 1.0);
            // The left child is a leaf worth its level.
            left.push(-1);
            right.push(-1);
            feature.push(0);
            condition.push(level as f64);
        }
        left.push(-1);
        right.push(-1);
        feature.push(0);
        condition.push(splits as f64);
        let n = left.len();
        serde_json::json!({
            "left_children": left, "right_children": right, "split_indices": feature,
            "split_conditions": condition, "default_left": vec![0; n], "split_type": vec![0; n],
        })
    }

    #[test]
    fn depth_does_not_matter_but_trees_with_more_leaves_than_bits_are_walked() {
        for (splits, masked) in [(12, true), (63, true), (64, false), (80, false)] {
            let model = serde_json::json!({"learner": {
                "objective": {"name": "reg:squarederror"},
                "learner_model_param": {"num_class": "0", "num_feature": "1", "base_score": "0E0"},
                "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0], "trees": [chain(splits)]}},
            }});
            let model = XgbModel::from_json(&model.to_string()).unwrap();
            assert_eq!(matches!(model.trees[0], Tree::Masked { .. }), masked, "{splits} splits");
            let values: Vec<Vec<f32>> = (0..=splits).map(|k| vec![k as f32 + 0.5]).collect();
            let expected: Vec<Vec<f32>> = (0..=splits).map(|k| vec![k as f32]).collect();
            assert_eq!(model.predict_rows(&values), expected, "{splits} splits");
        }
    }

    #[test]
    fn many_rows_predict_as_one_row_at_a_time_and_short_rows_are_padded_with_missing_values() {
        let model = fixture_model("softprob_shallow");
        let mut rows = rows(37);
        rows[3].truncate(5);
        rows[20].clear();
        let one_by_one: Vec<Vec<f32>> = rows.iter().map(|r| model.predict(r)).collect();
        assert_eq!(model.predict_rows(&rows), one_by_one);
        let mut padded = rows[3].clone();
        padded.resize(12, f32::NAN);
        assert_eq!(model.predict(&rows[3]), model.predict(&padded));
    }
}
