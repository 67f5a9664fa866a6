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

/// One tree node packed in 16 bytes, a tree's nodes contiguous: a walk
/// touches one cache line per level instead of one per field.
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

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn leaf_value(&self, row: &[f32]) -> f32 {
        let mut node = self.nodes[0];
        while node.left != 0 {
            let value = row.get((node.feature & !DEFAULT_LEFT) as usize).copied().unwrap_or(f32::NAN);
            let go_left = if value.is_nan() { node.feature & DEFAULT_LEFT != 0 } else { value < node.value };
            node = self.nodes[if go_left { node.left } else { node.right } as usize];
        }
        node.value
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
            .collect::<Result<Vec<_>, _>>()?;
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
        Ok(XgbModel { objective, num_class, num_feature, base_margin, trees, tree_output })
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
        let mut margin = self.base_margin.clone();
        for (tree, &output) in self.trees.iter().zip(&self.tree_output) {
            margin[output] += tree.leaf_value(row);
        }
        margin
    }

    /// Probabilities per class (softprob/softmax: softmax of the margins;
    /// logistic: [1 - p, p]); the prediction itself for regression.
    pub fn predict(&self, row: &[f32]) -> Vec<f32> {
        self.transform(&self.predict_margin(row))
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

fn parse_tree(index: usize, t: &Value) -> Result<Tree, ModelError> {
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
    let nodes = (0..n)
        .map(|i| Node {
            left: left[i].max(0) as u32,
            right: right[i].max(0) as u32,
            feature: feature[i] | if default_left[i] { DEFAULT_LEFT } else { 0 },
            value: condition[i],
        })
        .collect();
    Ok(Tree { nodes })
}
