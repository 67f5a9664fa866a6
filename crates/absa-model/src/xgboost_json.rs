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

/// Rows predicted together, walking each tree side by side: their walks
/// are independent, so the CPU overlaps them instead of waiting on one
/// chain of loads, and the block's features fit in the L1 cache. Measured
/// (`make bench-model`): 8 rows beat 16, 32 and 64.
const BLOCK_ROWS: usize = 8;

/// Trees up to this depth are padded to complete trees (XGBoost's default
/// `max_depth` is 6: 63 splits and 64 leaves); a deeper one is walked node
/// by node rather than padded to 2^depth leaves.
const MAX_COMPLETE_DEPTH: u32 = 7;
/// Slots of a complete tree's arrays: fixed, so that indexing them with a
/// masked slot needs no bounds check in the walk.
const SLOTS: usize = 1 << MAX_COMPLETE_DEPTH;

#[derive(Debug, Clone)]
enum Tree {
    Complete(CompleteTree),
    Deep(Vec<Node>),
}

/// A tree padded to the complete binary tree of its depth: slot `i`'s
/// children are `2i + 1` and `2i + 2`, so a walk is `depth` steps of
/// arithmetic with no branch to mispredict. A leaf above the bottom level
/// fills every bottom slot under it.
#[derive(Debug, Clone)]
struct CompleteTree {
    depth: u32,
    /// Internal slots: 2^depth - 1.
    internal: usize,
    /// (feature position with the default-left flag, threshold) per internal slot.
    splits: Box<[(u32, f32); SLOTS]>,
    leaves: Box<[f32; SLOTS]>,
}

impl CompleteTree {
    fn new(nodes: &[Node], depth: u32) -> Self {
        let mut tree = CompleteTree {
            depth,
            internal: (1 << depth) - 1,
            splits: Box::new([(0, 0.0); SLOTS]),
            leaves: Box::new([0.0; SLOTS]),
        };
        tree.place(nodes, 0, 0, 0);
        tree
    }

    fn place(&mut self, nodes: &[Node], node: usize, slot: usize, level: u32) {
        let n = nodes[node];
        if level == self.depth {
            self.leaves[slot - self.internal] = n.value;
        } else if n.left == 0 {
            // A leaf above the bottom: whichever way the padding goes, here.
            self.place(nodes, node, 2 * slot + 1, level + 1);
            self.place(nodes, node, 2 * slot + 2, level + 1);
        } else {
            self.splits[slot] = (n.feature, n.value);
            self.place(nodes, n.left as usize, 2 * slot + 1, level + 1);
            self.place(nodes, n.right as usize, 2 * slot + 2, level + 1);
        }
    }

    /// The leaf value of each of the block's `rows` rows, in `leaves[..rows]`.
    /// `MISSING`: whether the block has missing values; without, a split is
    /// one comparison.
    fn leaf_values<const MISSING: bool>(&self, block: &[Column], rows: usize, leaves: &mut [f32; BLOCK_ROWS]) {
        // Past `rows`, slots walk stale values: harmless, and not read.
        let mut slots = [0usize; BLOCK_ROWS];
        for _ in 0..self.depth {
            for (row, slot) in slots.iter_mut().enumerate() {
                // The mask changes nothing (a slot is in range) but lets the
                // compiler drop the bounds check.
                let (feature, threshold) = self.splits[*slot & (SLOTS - 1)];
                let value = block[(feature & !DEFAULT_LEFT) as usize][row];
                let left = if MISSING { goes_left(value, feature, threshold) } else { value < threshold };
                *slot = 2 * *slot + 2 - usize::from(left);
            }
        }
        for (leaf, slot) in leaves[..rows].iter_mut().zip(slots) {
            *leaf = self.leaves[(slot - self.internal) & (SLOTS - 1)];
        }
    }
}

/// One feature's values in a block of rows.
type Column = [f32; BLOCK_ROWS];

fn walk(nodes: &[Node], block: &[Column], row: usize) -> f32 {
    let mut node = nodes[0];
    while node.left != 0 {
        let value = block[(node.feature & !DEFAULT_LEFT) as usize][row];
        node = nodes[if goes_left(value, node.feature, node.value) { node.left } else { node.right } as usize];
    }
    node.value
}

/// Depth of a tree whose children follow their parents.
fn depth(nodes: &[Node]) -> u32 {
    let mut levels = vec![0u32; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if n.left != 0 {
            levels[n.left as usize] = levels[i] + 1;
            levels[n.right as usize] = levels[i] + 1;
        }
    }
    levels.into_iter().max().unwrap_or(0)
}

impl Tree {
    fn new(nodes: Vec<Node>) -> Self {
        match depth(&nodes) {
            d if d <= MAX_COMPLETE_DEPTH => Tree::Complete(CompleteTree::new(&nodes, d)),
            _ => Tree::Deep(nodes),
        }
    }

    fn leaf_values(&self, block: &[Column], rows: usize, missing: bool, leaves: &mut [f32; BLOCK_ROWS]) {
        match self {
            Tree::Complete(tree) if missing => tree.leaf_values::<true>(block, rows, leaves),
            Tree::Complete(tree) => tree.leaf_values::<false>(block, rows, leaves),
            Tree::Deep(nodes) => (0..rows).for_each(|row| leaves[row] = walk(nodes, block, row)),
        }
    }
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
    /// The features some split reads, ascending; the trees' splits hold
    /// positions in this list.
    used: Vec<usize>,
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
        let used: Vec<usize> = trees
            .iter()
            .flatten()
            .filter(|n| n.left != 0)
            .map(|n| (n.feature & !DEFAULT_LEFT) as usize)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let position: std::collections::HashMap<usize, u32> =
            used.iter().enumerate().map(|(i, &f)| (f, i as u32)).collect();
        let mut trees = trees;
        for node in trees.iter_mut().flatten().filter(|n| n.left != 0) {
            node.feature = position[&((node.feature & !DEFAULT_LEFT) as usize)] | (node.feature & DEFAULT_LEFT);
        }
        let trees: Vec<Tree> = trees.into_iter().map(Tree::new).collect();
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
        Ok(XgbModel { objective, num_class, num_feature, base_margin, trees, tree_output, used })
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

    /// Margins of many rows, a block at a time; each row's trees are added
    /// in the model's order, as XGBoost adds them, so the sums are the same.
    /// A block holds the features the trees read, feature by feature: the
    /// rows at one split read one cache line, not one each.
    fn predict_margins(&self, rows: &[&[f32]]) -> Vec<Vec<f32>> {
        let mut margins = Vec::with_capacity(rows.len());
        let mut block: Vec<Column> = vec![[f32::NAN; BLOCK_ROWS]; self.used.len()];
        let mut leaves = [0f32; BLOCK_ROWS];
        for chunk in rows.chunks(BLOCK_ROWS) {
            let mut missing = false;
            for (row, values) in chunk.iter().enumerate() {
                for (position, &feature) in self.used.iter().enumerate() {
                    // Past a short row's end, a feature is missing.
                    let value = values.get(feature).copied().unwrap_or(f32::NAN);
                    missing |= value.is_nan();
                    block[position][row] = value;
                }
            }
            let first = margins.len();
            margins.extend(std::iter::repeat_n(self.base_margin.clone(), chunk.len()));
            for (tree, &output) in self.trees.iter().zip(&self.tree_output) {
                tree.leaf_values(&block, chunk.len(), missing, &mut leaves);
                for (margin, leaf) in margins[first..].iter_mut().zip(leaves) {
                    margin[output] += leaf;
                }
            }
        }
        margins
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
    /// quarter of them missing.
    fn rows(n: usize) -> Vec<Vec<f32>> {
        let mut state = 7u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        (0..n)
            .map(|_| {
                (0..12).map(|_| if next() % 4 == 0 { f32::NAN } else { (next() % 2000) as f32 / 500.0 - 2.0 }).collect()
            })
            .collect()
    }

    #[test]
    fn complete_trees_find_the_leaves_a_node_walk_finds() {
        let path = format!("{}/tests/fixtures/xgboost/softprob_deep.json", env!("CARGO_MANIFEST_DIR"));
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let trees = json["learner"]["gradient_booster"]["model"]["trees"].as_array().unwrap();
        let rows = rows(40);
        let rows: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let mut padded = 0;
        for (i, tree) in trees.iter().enumerate() {
            let nodes = parse_tree(i, tree).unwrap();
            padded += usize::from(nodes.len() < (2 << depth(&nodes)) - 1);
            let complete = CompleteTree::new(&nodes, depth(&nodes));
            for chunk in rows.chunks(BLOCK_ROWS) {
                // Every feature in the block, at its own index.
                let mut block = vec![[f32::NAN; BLOCK_ROWS]; 12];
                for (row, values) in chunk.iter().enumerate() {
                    values.iter().enumerate().for_each(|(f, &v)| block[f][row] = v);
                }
                let mut leaves = [0f32; BLOCK_ROWS];
                complete.leaf_values::<true>(&block, chunk.len(), &mut leaves);
                let walked: Vec<f32> = (0..chunk.len()).map(|row| walk(&nodes, &block, row)).collect();
                assert_eq!(&leaves[..chunk.len()], &walked[..], "tree {i}");
                // Without missing values, the one-comparison walk.
                block.iter_mut().flatten().filter(|v| v.is_nan()).for_each(|v| *v = 0.5);
                complete.leaf_values::<false>(&block, chunk.len(), &mut leaves);
                let walked: Vec<f32> = (0..chunk.len()).map(|row| walk(&nodes, &block, row)).collect();
                assert_eq!(&leaves[..chunk.len()], &walked[..], "tree {i} without missing values");
            }
        }
        assert!(padded > trees.len() / 2, "most trees have leaves above their bottom level: {padded}");
    }

    #[test]
    fn trees_deeper_than_the_padding_limit_are_walked() {
        // A chain of 12 splits on feature 0: leaf k is reached by values in [k, k + 1).
        let depth = 12usize;
        let (mut left, mut right, mut feature, mut condition) = (vec![], vec![], vec![], vec![]);
        for level in 0..depth {
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
        condition.push(depth as f64);
        let n = left.len();
        let tree = serde_json::json!({
            "left_children": left, "right_children": right, "split_indices": feature,
            "split_conditions": condition, "default_left": vec![0; n], "split_type": vec![0; n],
        });
        let model = serde_json::json!({"learner": {
            "objective": {"name": "reg:squarederror"},
            "learner_model_param": {"num_class": "0", "num_feature": "1", "base_score": "0E0"},
            "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0], "trees": [tree]}},
        }});
        let model = XgbModel::from_json(&model.to_string()).unwrap();
        assert!(matches!(model.trees[0], Tree::Deep(_)));
        let values: Vec<Vec<f32>> = (0..=depth).map(|k| vec![k as f32 + 0.5]).collect();
        let expected: Vec<Vec<f32>> = (0..=depth).map(|k| vec![k as f32]).collect();
        assert_eq!(model.predict_rows(&values), expected);
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
