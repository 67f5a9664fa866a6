//! Two-sample Kolmogorov-Smirnov test, exactly as scipy 1.17's
//! `ks_2samp(a, b, method="auto")`: the exact path-counting p-value when
//! max(n1, n2) <= 10 000, otherwise `kstwo.sf(D, round(n1*n2/(n1+n2)))`,
//! the finite-n two-sided distribution (Simard & L'Ecuyer 2011), which is
//! not the limiting Kolmogorov distribution (`kstwobign`).

use crate::sample::{EcdfSteps, runs};
use crate::special::MIN_LOG;

/// scipy's `MAX_AUTO_N`: above this sample size "auto" goes asymptotic.
const MAX_EXACT_N: usize = 10_000;

/// Statistic and p-value of the two-sided test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    pub statistic: f64,
    pub p_value: f64,
}

/// Two-sided two-sample KS test on two *sorted*, NaN-free, non-empty samples.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> KsResult {
    let (n1, n2) = (a.len(), b.len());
    assert!(n1 > 0 && n2 > 0, "ks_2samp needs two non-empty samples");
    let d = max_cdf_difference(a, b);
    let g = gcd(n1, n2);
    if n1.max(n2) <= MAX_EXACT_N {
        let lcm = (n1 / g) * n2;
        let h = (d * lcm as f64).round_ties_even() as usize;
        let d_exact = h as f64 / lcm as f64;
        if h == 0 {
            return KsResult { statistic: d_exact, p_value: 1.0 };
        }
        let prob = if n1 == n2 { prob_outside_square(n1, h) } else { prob_outside_band(n1, n2, g, h) };
        if (0.0..=1.0).contains(&prob) {
            return KsResult { statistic: d_exact, p_value: prob };
        }
        // scipy falls back to the asymptotic formula, keeping the rounded D.
        return asymptotic(n1, n2, d_exact);
    }
    asymptotic(n1, n2, d)
}

fn asymptotic(n1: usize, n2: usize, d: f64) -> KsResult {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = (m * n / (m + n)).round_ties_even() as usize;
    KsResult { statistic: d, p_value: kolmogorov_n_sf(en, d).clamp(0.0, 1.0) }
}

/// max |F1(x) - F2(x)| over the pooled sample, with the ECDF differences
/// rounded as numpy computes them (`i / n1 - j / n2`).
fn max_cdf_difference(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut max_diff, mut min_diff) = (0.0f64, 0.0f64);
    for (_, i, j) in EcdfSteps::new(runs(a), runs(b)) {
        let diff = i as f64 / n1 - j as f64 / n2;
        max_diff = max_diff.max(diff);
        min_diff = min_diff.min(diff);
    }
    let min_s = (-min_diff).clamp(0.0, 1.0);
    if min_s > max_diff { min_s } else { max_diff }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// P(D_{n,n} >= h/n) by a Horner-like alternating sum (scipy
/// `_compute_prob_outside_square`).
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let (n, h) = (n as f64, h as f64);
    let mut p = 0.0;
    let mut k = (n / h).floor();
    while k >= 0.0 {
        let mut p1 = 1.0;
        let mut j = 0.0;
        while j < h {
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1.0);
            j += 1.0;
        }
        p = p1 * (1.0 - p);
        k -= 1.0;
    }
    2.0 * p
}

/// Proportion of lattice paths from (0,0) to (m,n) leaving the band
/// |x/m - y/n| < h/lcm (scipy `_compute_outer_prob_inside_method`,
/// Viehmann's recursion that computes 1 - p directly).
fn prob_outside_band(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (m, n, h) = (m as i64, n as i64, h as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    a[minj as usize..maxj as usize].fill(0.0);
    for i in 1..=m {
        let (last_minj, last_len) = (minj, curlen);
        minj = (((ng * i - h) as f64 / mg as f64).floor() as i64 + 1).max(0);
        minj = minj.min(n);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let fi = i as f64;
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            val = (a[(jj + minj - last_minj) as usize] * fi + val * j) / (fi + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if last_len > curlen {
            let start = curlen as usize;
            let end = (curlen + (last_len - curlen)) as usize;
            a[start..end.min(len_a)].fill(1.0);
        }
    }
    a[(maxj - minj - 1) as usize]
}

// ---- kstwo.sf: scipy.stats._ksstats._kolmogn(n, x, cdf=False) ----

const E128: i32 = 128;
const EP128: f64 = (1u128 << 127) as f64 * 2.0; // 2^128
const EM128: f64 = 1.0 / EP128;

/// Survival function of D_n, the two-sided one-sample KS statistic.
pub fn kolmogorov_n_sf(n: usize, x: f64) -> f64 {
    if x.is_nan() || n == 0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben-Gambino: 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let prob = if n <= 140 {
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return (1.0 - prob).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    let nx_squared = t * x;
    if n <= 140 {
        let cdf = if nx_squared <= 0.754_693 {
            durbin_matrix_cdf(n, x)
        } else if nx_squared <= 4.0 {
            pomeranz_cdf(n, x)
        } else {
            return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
        };
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    if nx_squared >= 370.0 {
        return 0.0;
    }
    if nx_squared >= 2.2 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    let cdf = if n <= 100_000 && nf * x.powf(1.5) <= 1.4 { durbin_matrix_cdf(n, x) } else { pelz_good_cdf(n, x) };
    (1.0 - cdf).clamp(0.0, 1.0)
}

fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124_2e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_6e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_953e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let rn = 1.0 / n;
    let poly = STIRLING.iter().fold(0.0, |acc, c| acc * (rn / n) + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// Durbin's matrix algorithm as modified by Marsaglia, Tsang and Wang.
fn durbin_matrix_cdf(n: usize, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powi(j as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powf(m as f64) - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;
    let mut hm = Matrix::zeros(m);
    for i in 1..m {
        for r in (i - 1)..m {
            hm.set(r, i, w[r - (i - 1)]);
        }
    }
    for (r, &value) in v.iter().enumerate() {
        hm.set(r, 0, value);
    }
    for c in 0..m {
        hm.set(m - 1, c, v[m - 1 - c]);
    }
    let mut power = Matrix::identity(m);
    let (mut nn, mut expnt, mut h_expnt) = (n, 0i32, 0i32);
    while nn > 0 {
        if nn % 2 == 1 {
            power = power.mul(&hm);
            expnt += h_expnt;
        }
        hm = hm.mul(&hm);
        h_expnt *= 2;
        if hm.get(k - 1, k - 1).abs() > EP128 {
            hm.scale(1.0 / EP128);
            h_expnt += E128;
        }
        nn /= 2;
    }
    let mut p = power.get(k - 1, k - 1);
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < EM128 {
            p *= EP128;
            expnt -= E128;
        }
    }
    ldexp(p, expnt).clamp(0.0, 1.0)
}

/// Row-major square matrix, just enough for Durbin's matrix power.
struct Matrix {
    size: usize,
    data: Vec<f64>,
}

impl Matrix {
    fn zeros(size: usize) -> Self {
        Matrix { size, data: vec![0.0; size * size] }
    }
    fn identity(size: usize) -> Self {
        let mut m = Matrix::zeros(size);
        for i in 0..size {
            m.set(i, i, 1.0);
        }
        m
    }
    fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.size + c]
    }
    fn set(&mut self, r: usize, c: usize, v: f64) {
        self.data[r * self.size + c] = v;
    }
    fn scale(&mut self, f: f64) {
        self.data.iter_mut().for_each(|x| *x *= f);
    }
    fn mul(&self, other: &Matrix) -> Matrix {
        let n = self.size;
        let mut out = Matrix::zeros(n);
        for r in 0..n {
            for k in 0..n {
                let a = self.get(r, k);
                if a == 0.0 {
                    continue;
                }
                let row = &other.data[k * n..(k + 1) * n];
                let dst = &mut out.data[r * n..(r + 1) * n];
                for (d, b) in dst.iter_mut().zip(row) {
                    *d += a * b;
                }
            }
        }
        out
    }
}

fn ldexp(x: f64, e: i32) -> f64 {
    x * 2f64.powi(e)
}

fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (half, odd) = ((i + 1) / 2, (i + 1) % 2);
        if odd == 0 {
            if half == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
            }
        } else {
            (half - 1 - ll - 1, half + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// Pomeranz's recursion for P(D_n <= x).
fn pomeranz_cdf(n: usize, x: f64) -> f64 {
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor();
    let f = t - ll;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let ll = ll as i64;
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0; npwrs];
    let mut twogpower = vec![1.0; npwrs];
    let mut onem2gpower = vec![1.0; npwrs];
    let (g_n, two_g_n, one_m2g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m as f64;
    }
    let n = n as i64;
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i32;
    let (mut j1, _) = pomeranz_j1j2(0, n, ll, ceilf, roundf);
    for i in 1..(2 * n + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.fill(0.0);
        let (nj1, j2) = pomeranz_j1j2(i, n, ll, ceilf, roundf);
        j1 = nj1;
        let pwrs = if i == 1 || i == 2 * n + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let start = (k1 - v0s) as usize;
            let seg = &v0[start..(start + ln2 as usize).min(npwrs)];
            let kernel = &pwrs[..(ln2 as usize).min(npwrs)];
            let conv = convolve(seg, kernel);
            let conv_start = (j1 - k1) as usize;
            let conv_len = (j2 - j1 + 1) as usize;
            v1[..conv_len].copy_from_slice(&conv[conv_start..conv_start + conv_len]);
            let max = v1.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < max && max < EM128 {
                v1.iter_mut().for_each(|v| *v *= EP128);
                expnt -= E128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut ans = v1[(n - v1s) as usize];
    for m in 1..=n {
        if ans.abs() > EP128 {
            ans *= EM128;
            expnt += E128;
        }
        ans *= m as f64;
    }
    ldexp(ans, expnt).clamp(0.0, 1.0)
}

/// Full discrete convolution, as `numpy.convolve(a, v)`.
fn convolve(a: &[f64], v: &[f64]) -> Vec<f64> {
    if a.is_empty() || v.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0.0; a.len() + v.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in v.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// Pelz-Good asymptotic series for P(D_n <= x).
fn pelz_good_cdf(n: usize, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let sqrt_2pi = (2.0 * PI).sqrt();
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf(8.0 * kk as f64);
        let coeffs = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
        for i in 0..4 {
            k[i] = k[i] * qpower + coeffs[i];
        }
    }
    let denominators = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for i in 0..4 {
        k[i] = k[i] * q * sqrt_2pi / denominators[i];
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks2 = (kk * kk) as f64;
        let qp = q.powf(ks2);
        let kspi = PI * kk as f64;
        k2extra += ks2 * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    k[2] += k2extra * pi2 * sqrt_2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt_2pi / (216.0 * z6);
    let nf = n as f64;
    (0..4).map(|i| k[i] / nf.powf(i as f64 / 2.0)).sum()
}

/// One-sided Smirnov survival function P(D+_n >= x) (xsf `smirnov`),
/// by the Birnbaum-Tingey sum of positive terms, evaluated in logs.
pub fn smirnov_sf(n: usize, x: f64) -> f64 {
    if !(n > 0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let (nx_floor, alpha) = floor_and_remainder(nf, x);
    debug_assert!((0.0..1.0).contains(&alpha));
    if nx_floor == 0 || (nx_floor == 1 && alpha == 0.0) {
        let cdf = x * (1.0 + x).powf(nf - 1.0);
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    if -2.0 * nf * x * x < MIN_LOG {
        return 0.0;
    }
    if nx_floor as usize >= n - 1 {
        return (1.0 - x).powf(nf);
    }
    if n > 1_000_000 {
        // xsf's approximation for very large n: p ~ exp(-(6nx+1)^2 / 18n).
        let logp = -(6.0 * nf * x + 1.0).powi(2) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 { logp.exp() } else { 1.0 + logp.exp_m1() };
    }
    // sf = x * sum_{j=0}^{J} C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1) with
    // J = n - floor(nx) - 1: up to floor(n(1-x)), less the j whose first
    // factor is exactly zero when nx is an integer.
    let last = n as i64 - nx_floor - 1;
    let mut log_terms = Vec::with_capacity(last.max(0) as usize + 1);
    let mut log_binom = 0.0;
    for j in 0..=last {
        let jf = j as f64;
        if j > 0 {
            log_binom += ((nf - jf + 1.0) / jf).ln();
        }
        let base1 = (nf - jf) / nf - x;
        if base1 <= 0.0 {
            break;
        }
        let term = log_binom + (nf - jf) * base1.ln() + (jf - 1.0) * (x + jf / nf).ln();
        log_terms.push(term);
    }
    let max = log_terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = log_terms.iter().map(|t| (t - max).exp()).sum();
    (x.ln() + max + sum.ln()).exp().clamp(0.0, 1.0)
}

/// floor(n*x) and the remainder, computed from the exact product (xsf `modNX`).
fn floor_and_remainder(n: f64, x: f64) -> (i64, f64) {
    let p = n * x;
    let err = n.mul_add(x, -p);
    let mut fl = p.floor();
    let mut alpha = (p - fl) + err;
    if alpha < 0.0 {
        fl -= 1.0;
        alpha += 1.0;
    }
    if alpha >= 1.0 {
        fl += 1.0;
        alpha = 0.0;
    }
    (fl as i64, alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_give_p_one_and_zero_statistic() {
        let a: Vec<f64> = (0..50).map(f64::from).collect();
        let r = ks_2samp(&a, &a);
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
        // And on the asymptotic path, where statrs would hang at D = 0.
        let big: Vec<f64> = (0..20_000).map(f64::from).collect();
        assert_eq!(ks_2samp(&big, &big).p_value, 1.0);
    }

    #[test]
    fn disjoint_samples_have_statistic_one() {
        let a = [1.0, 2.0, 3.0];
        let b = [10.0, 11.0, 12.0, 13.0];
        let r = ks_2samp(&a, &b);
        assert_eq!(r.statistic, 1.0);
        // Exactly 2 / C(7,3): only two of the 35 orderings are as extreme.
        assert!((r.p_value - 2.0 / 35.0).abs() < 1e-15, "{}", r.p_value);
    }
}
