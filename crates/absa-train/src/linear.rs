//! Trains absa-model's [`LinearText`] scorer: a multinomial logistic
//! regression over hashed text features, by AdaGrad with L2 and a fixed,
//! seeded order, so the same data gives the same bytes.

use absa_model::{LinearText, TextFeatures, calibrated};

#[derive(Debug, Clone, Copy)]
pub struct LinearOptions {
    pub buckets: u32,
    pub epochs: u32,
    pub learning_rate: f32,
    /// L2 strength per update of a touched weight.
    pub l2: f32,
    pub seed: u64,
}

impl Default for LinearOptions {
    fn default() -> Self {
        LinearOptions { buckets: 1 << 18, epochs: 6, learning_rate: 0.2, l2: 1e-6, seed: 7 }
    }
}

/// One training example: its features, class and weight.
pub struct Example<'a> {
    pub features: &'a TextFeatures,
    pub class: usize,
    pub weight: f32,
}

pub fn train_linear(examples: &[Example], options: &LinearOptions) -> LinearText {
    let mut model = LinearText::zeros(options.buckets);
    let mut squares = vec![0f32; model.weights.len()];
    let mut bias_squares = [0f32; 3];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    const EPS: f32 = 1e-6;
    for _ in 0..options.epochs {
        shuffle(&mut order, &mut rng);
        for &i in &order {
            let e = &examples[i];
            let p = calibrated(&model.margins(e.features), 1.0);
            let residual: [f32; 3] = std::array::from_fn(|c| (p[c] - f32::from(u8::from(c == e.class))) * e.weight);
            for ((bias, square), r) in model.bias.iter_mut().zip(&mut bias_squares).zip(residual) {
                *square += r * r;
                *bias -= options.learning_rate * r / (*square + EPS).sqrt();
            }
            for &(b, v) in &e.features.sparse {
                for (c, r) in residual.iter().enumerate() {
                    let k = b as usize * 3 + c;
                    let g = r * v + options.l2 * model.weights[k];
                    squares[k] += g * g;
                    model.weights[k] -= options.learning_rate * g / (squares[k] + EPS).sqrt();
                }
            }
        }
    }
    model
}

/// Fisher–Yates with xorshift64: the order depends on the seed only.
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        order.swap(i, (*state % (i as u64 + 1)) as usize);
    }
}
