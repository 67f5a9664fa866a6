//! Writes comments: who, when, what about, and how they feel about it.

use crate::rng::Rng;
use crate::scenario::Scenario;
use taxonomy::{Aspect, Polarity, Taxonomy};

/// A commenter. The exporter writes all of this; extract must not let
/// username, nickname or homepage leave it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub nickname: String,
}

/// One comment with everything the exporter writes, plus its labels and
/// the hidden facts tests check scenarios against.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: u64,
    pub reply_to: Option<u64>,
    pub user: User,
    pub text: String,
    /// Seconds since 1970-01-01 UTC.
    pub time: i64,
    pub digg_count: u32,
    pub author_digged: bool,
    pub reply_count: u32,
    pub pinned: bool,
    /// (aspect key, polarity) for every aspect the comment talks about.
    pub labels: Vec<(String, Polarity)>,
    pub language: &'static str,
    pub spam: bool,
}

/// 2026-10-01T00:00:00Z: training comments fall in October 2026.
pub const TRAINING_START: i64 = 1_790_812_800;
/// 2026-11-01T00:00:00Z: hour 0 of the hourly batches.
pub const HOURLY_START: i64 = 1_793_491_200;

const POSITIVE: &[&str] = &[
    "amazing",
    "great",
    "perfect",
    "awesome",
    "solid",
    "so good",
    "lovely",
    "excellent",
    "worth it",
    "incredible",
    "fire",
    "top tier",
];
const NEGATIVE: &[&str] = &[
    "terrible",
    "awful",
    "bad",
    "trash",
    "disappointing",
    "horrible",
    "a joke",
    "the worst",
    "poor",
    "mid",
    "a scam",
    "useless",
];
const INTENSIFIERS: &[&str] =
    &["so", "really", "super", "extremely", "kinda", "pretty", "absolutely", "lowkey", "honestly"];
const SLANG: &[&str] = &["fr", "ngl", "tbh", "no cap", "istg", "bestie", "lol", "omg", "periodt", "lmao"];
/// Slang that never appears in training (the `new_slang` scenario).
pub const NEW_SLANG_POSITIVE: &[&str] = &["bombastic", "sigma tier", "aura farming", "gyatt worthy", "rizzed up"];
pub const NEW_SLANG_NEGATIVE: &[&str] = &["giving ohio", "delulu", "skibidi", "fanum taxed", "negative aura"];
const EMOJI_POSITIVE: &[&str] = &["😍", "🔥", "💯", "✨", "🥰", "👏", "❤️"];
const EMOJI_NEGATIVE: &[&str] = &["😡", "💀", "🤮", "👎", "😤", "🙄"];
const EMOJI_NEUTRAL: &[&str] = &["🤔", "👀", "😅", "😂"];
const NO_ASPECT: &[&str] = &[
    "first!",
    "who's here after the update",
    "need this",
    "where can i buy this",
    "this is so satisfying",
    "the way i ran to the link",
    "adding to cart",
    "my wallet is crying",
    "part 2 please",
    "saving this",
    "wait what",
    "lol same",
    "obsessed",
    "ok but why is this so calming",
];
const ELABORATIONS: &[&str] = &[
    "i've been using it every day for about two weeks now",
    "my sister ordered the same one last month and said the same thing",
    "i compared it with three other brands before buying",
    "not sure if everyone gets the same experience but that was mine",
    "i wrote to them twice before anything happened",
    "i'll update this comment after another month of use",
];
const SPAM: &[&str] = &[
    "Check my bio for a free iPhone 🎁🎁🎁",
    "follow me and I follow back 💯💯",
    "Earn $500 a day from home, link in bio",
    "🔥🔥🔥🔥",
    "😍😍😍",
    "💀💀💀💀💀",
];

/// A language of the `language_mix` scenario: aspect terms by key and the
/// two sentiment predicates.
struct Language {
    code: &'static str,
    terms: &'static [(&'static str, &'static str)],
    positive: &'static str,
    negative: &'static str,
}

const FOREIGN: &[Language] = &[
    Language {
        code: "es",
        terms: &[
            ("price", "el precio"),
            ("quality", "la calidad"),
            ("shipping", "el envío"),
            ("customer_service", "la atención al cliente"),
            ("packaging", "el empaque"),
            ("creator", "el video"),
        ],
        positive: "es increíble",
        negative: "es horrible",
    },
    Language {
        code: "de",
        terms: &[
            ("price", "der Preis"),
            ("quality", "die Qualität"),
            ("shipping", "der Versand"),
            ("customer_service", "der Kundenservice"),
            ("packaging", "die Verpackung"),
            ("creator", "das Video"),
        ],
        positive: "ist super",
        negative: "ist schrecklich",
    },
    Language {
        code: "pt",
        terms: &[
            ("price", "o preço"),
            ("quality", "a qualidade"),
            ("shipping", "a entrega"),
            ("customer_service", "o atendimento"),
            ("packaging", "a embalagem"),
            ("creator", "o vídeo"),
        ],
        positive: "é ótimo",
        negative: "é péssimo",
    },
];

const FIRST_NAMES: &[&str] = &[
    "mia", "jay", "tom", "lea", "sam", "ava", "leo", "zoe", "max", "ivy", "noah", "ella", "kai", "ruby", "omar", "nina",
];
const HANDLE_SUFFIXES: &[&str] =
    &["styles", "tech", "vlogs", "eats", "fit", "reviews", "daily", "xo", "official", "hauls"];

/// How comments are written in one batch: the baseline, or a scenario's.
#[derive(Debug, Clone)]
struct Style {
    /// How often each aspect is talked about (taxonomy key order).
    aspect_weights: Vec<f64>,
    /// [negative, neutral, positive] probabilities per aspect.
    polarity: Vec<[f64; 3]>,
    new_slang: f64,
    spam: f64,
    foreign: f64,
    /// How many of [`FOREIGN`]'s languages foreign comments use: the
    /// baseline's rare ones are Spanish, `language_mix` brings new languages.
    languages: usize,
    elaborations: f64,
}

impl Style {
    fn new(taxonomy: &Taxonomy, scenario: Scenario) -> Self {
        let keys: Vec<&str> = taxonomy.keys().collect();
        let mut style = Style {
            aspect_weights: keys
                .iter()
                .map(|k| match *k {
                    "quality" => 3.0,
                    "price" => 2.5,
                    "shipping" => 1.5,
                    "creator" => 2.0,
                    _ => 1.0,
                })
                .collect(),
            polarity: keys
                .iter()
                .map(|k| match *k {
                    "shipping" | "customer_service" => [0.45, 0.2, 0.35],
                    "creator" => [0.15, 0.25, 0.6],
                    _ => [0.25, 0.2, 0.55],
                })
                .collect(),
            new_slang: 0.0,
            spam: 0.01,
            foreign: 0.01,
            languages: 1,
            elaborations: 0.05,
        };
        let index = |key: &str| keys.iter().position(|k| *k == key);
        match scenario {
            Scenario::None => {}
            Scenario::AspectMix => {
                if let Some(i) = index("shipping") {
                    style.aspect_weights[i] = 9.0;
                    style.polarity[i] = [0.8, 0.1, 0.1];
                }
            }
            Scenario::SentimentFlip => {
                if let Some(i) = index("quality") {
                    style.polarity[i] = [0.7, 0.15, 0.15];
                }
            }
            Scenario::NewSlang => style.new_slang = 0.45,
            Scenario::SpamBots => style.spam = 0.35,
            Scenario::LanguageMix => {
                style.foreign = 0.4;
                style.languages = FOREIGN.len();
            }
            Scenario::LengthShift => style.elaborations = 0.9,
        }
        style
    }
}

/// Generates comments reproducibly from a seed.
pub struct Generator<'a> {
    taxonomy: &'a Taxonomy,
    users: Vec<User>,
    seed: u64,
    next_serial: u64,
}

/// Streams derived from the seed: each part is reproducible on its own.
const USERS_STREAM: u64 = 1;
const TRAINING_STREAM: u64 = 2;
const HOUR_STREAMS: u64 = 1_000;

impl<'a> Generator<'a> {
    /// `seed` fixes everything: users, texts, times, counts.
    pub fn new(taxonomy: &'a Taxonomy, seed: u64) -> Self {
        let mut user_rng = Rng::stream(seed, USERS_STREAM);
        let users = (0..4000).map(|i| make_user(&mut user_rng, i)).collect();
        Generator { taxonomy, users, seed, next_serial: 0 }
    }

    /// `count` comments from the baseline style, spread over October 2026.
    pub fn training_set(&mut self, count: usize) -> Vec<Comment> {
        let style = Style::new(self.taxonomy, Scenario::None);
        self.next_serial = 0;
        self.batch(Rng::stream(self.seed, TRAINING_STREAM), &style, TRAINING_START, 31 * 24 * 3600, count)
    }

    /// The comments of one hour, with `scenario` applied when
    /// `hour >= from_hour`. Each hour is its own seeded stream, so one hour
    /// can be regenerated alone.
    pub fn hour(&mut self, hour: u32, count: usize, scenario: Scenario, from_hour: u32) -> Vec<Comment> {
        let active = if hour >= from_hour { scenario } else { Scenario::None };
        let style = Style::new(self.taxonomy, active);
        self.next_serial = 1_000_000 * (u64::from(hour) + 1);
        let rng = Rng::stream(self.seed, HOUR_STREAMS + u64::from(hour));
        self.batch(rng, &style, HOURLY_START + i64::from(hour) * 3600, 3600, count)
    }

    /// `count` comments at times drawn from `[start, start + span)` seconds,
    /// in time order, a fifth of them replies to earlier ones.
    fn batch(&mut self, mut rng: Rng, style: &Style, start: i64, span: usize, count: usize) -> Vec<Comment> {
        let mut comments: Vec<Comment> = (0..count)
            .map(|_| {
                let time = start + rng.below(span) as i64;
                self.comment(&mut rng, style, time)
            })
            .collect();
        comments.sort_by_key(|c| c.time);
        link_replies(&mut rng, &mut comments);
        comments
    }

    fn comment(&mut self, rng: &mut Rng, style: &Style, time: i64) -> Comment {
        self.next_serial += 1;
        let id = 7_226_000_000_000_000_000 + self.next_serial * 1000 + rng.below(1000) as u64;
        let user = rng.pick(&self.users).clone();
        let mut comment = Comment {
            id,
            reply_to: None,
            user,
            text: String::new(),
            time,
            digg_count: digg_count(rng),
            author_digged: rng.chance(0.04),
            reply_count: 0,
            pinned: rng.chance(0.002),
            labels: Vec::new(),
            language: "en",
            spam: false,
        };
        if rng.chance(style.spam) {
            comment.text = (*rng.pick(SPAM)).to_owned();
            comment.spam = true;
            comment.digg_count = 0;
            return comment;
        }
        let keys: Vec<&str> = self.taxonomy.keys().collect();
        let n_aspects = [0usize, 1, 2, 3][rng.weighted(&[0.15, 0.55, 0.22, 0.08])];
        let mut weights = style.aspect_weights.clone();
        let mut chosen = Vec::new();
        for _ in 0..n_aspects {
            let i = rng.weighted(&weights);
            weights[i] = 0.0;
            let polarity =
                [Polarity::Negative, Polarity::Neutral, Polarity::Positive][rng.weighted(&style.polarity[i])];
            chosen.push((i, polarity));
        }
        if rng.chance(style.foreign) && !chosen.is_empty() {
            let language = &FOREIGN[rng.below(style.languages)];
            let clauses: Vec<String> = chosen
                .iter()
                .map(|&(i, p)| {
                    let term = language.terms.iter().find(|(k, _)| *k == keys[i]).map_or(keys[i], |(_, t)| t);
                    match p {
                        Polarity::Positive => format!("{term} {}", language.positive),
                        Polarity::Negative => format!("{term} {}", language.negative),
                        Polarity::Neutral => format!("¿{term}?"),
                    }
                })
                .collect();
            comment.text = clauses.join(", ");
            comment.language = language.code;
        } else {
            let clauses: Vec<String> =
                chosen.iter().map(|&(i, p)| self.clause(rng, &self.taxonomy.aspects[keys[i]], p, style)).collect();
            comment.text = if clauses.is_empty() {
                (*rng.pick(NO_ASPECT)).to_owned()
            } else {
                join_clauses(rng, &clauses, &chosen)
            };
            decorate(rng, &mut comment.text, &chosen, style);
        }
        comment.labels = chosen.iter().map(|&(i, p)| (keys[i].to_owned(), p)).collect();
        comment
    }

    fn clause(&self, rng: &mut Rng, aspect: &Aspect, polarity: Polarity, style: &Style) -> String {
        let intens = rng.pick(INTENSIFIERS);
        let new_slang = rng.chance(style.new_slang);
        if !aspect.verb_terms.is_empty() && polarity != Polarity::Neutral && !new_slang && rng.chance(0.25) {
            let verb = rng.pick(&aspect.verb_terms);
            return match polarity {
                Polarity::Positive => format!("{verb} {intens} {}", rng.pick(&["well", "perfectly", "fast", "nicely"])),
                _ => format!("{verb} {intens} {}", rng.pick(&["badly", "late", "poorly", "wrong"])),
            };
        }
        let term = rng.pick(&aspect.terms);
        match polarity {
            Polarity::Positive if new_slang => format!("the {term} is {}", rng.pick(NEW_SLANG_POSITIVE)),
            Polarity::Negative if new_slang => format!("the {term} is {}", rng.pick(NEW_SLANG_NEGATIVE)),
            Polarity::Positive => match rng.below(5) {
                0 => format!("the {term} is {}", rng.pick(POSITIVE)),
                1 => format!("{term} was {intens} {}", rng.pick(POSITIVE)),
                2 => format!("love the {term}"),
                // Negated negative: positive, the case lexicons get wrong.
                3 => format!("the {term} is not {} at all", rng.pick(NEGATIVE)),
                _ => format!("{term} is {} {}", rng.pick(POSITIVE), rng.pick(EMOJI_POSITIVE)),
            },
            Polarity::Negative => match rng.below(5) {
                0 => format!("the {term} is {}", rng.pick(NEGATIVE)),
                1 => format!("{term} was {intens} {}", rng.pick(NEGATIVE)),
                2 => format!("hate the {term}"),
                3 => format!("the {term} is not {} tbh", rng.pick(POSITIVE)),
                _ => format!("worst {term} ever {}", rng.pick(EMOJI_NEGATIVE)),
            },
            Polarity::Neutral => match rng.below(4) {
                0 => format!("what's the {term}?"),
                1 => format!("how is the {term}?"),
                2 => format!("the {term} is ok i guess"),
                _ => format!("anyone know about the {term}?"),
            },
        }
    }
}

fn join_clauses(rng: &mut Rng, clauses: &[String], chosen: &[(usize, Polarity)]) -> String {
    let mut text = clauses[0].clone();
    for (k, clause) in clauses.iter().enumerate().skip(1) {
        let contrast = chosen[k].1 != chosen[k - 1].1;
        let joiner = if text.ends_with('?') {
            " "
        } else if contrast && rng.chance(0.7) {
            " but "
        } else {
            *rng.pick(&[", ", " and ", ". "])
        };
        text.push_str(joiner);
        text.push_str(clause);
    }
    text
}

/// Slang, emoji, elaborations, capitals and typos, as people write.
fn decorate(rng: &mut Rng, text: &mut String, chosen: &[(usize, Polarity)], style: &Style) {
    if rng.chance(style.elaborations) {
        let n = 1 + rng.below(3);
        for _ in 0..n {
            text.push_str(". ");
            text.push_str(rng.pick::<&str>(ELABORATIONS));
        }
    }
    if rng.chance(0.3) {
        let slang = rng.pick(SLANG);
        *text = if rng.chance(0.5) { format!("{slang} {text}") } else { format!("{text} {slang}") };
    }
    let overall = chosen.iter().map(|(_, p)| *p as i32 - 1).sum::<i32>();
    if rng.chance(0.4) {
        let emoji = match overall.signum() {
            1 => rng.pick(EMOJI_POSITIVE),
            -1 => rng.pick(EMOJI_NEGATIVE),
            _ => rng.pick(EMOJI_NEUTRAL),
        };
        text.push(' ');
        text.push_str(&emoji.repeat(1 + rng.below(3)));
    }
    match rng.below(10) {
        0 => {
            *text = text.to_uppercase();
            text.push_str("!!!");
        }
        1..=3 => {
            if let Some(first) = text.chars().next() {
                *text = first.to_uppercase().collect::<String>() + &text[first.len_utf8()..];
            }
        }
        _ => {}
    }
    if rng.chance(0.08) {
        add_typo(rng, text);
    }
}

/// Swaps, drops or doubles one ASCII letter inside a word.
fn add_typo(rng: &mut Rng, text: &mut String) {
    let positions: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| c.is_ascii_alphabetic() && text[i + 1..].starts_with(|n: char| n.is_ascii_alphabetic()))
        .map(|(i, _)| i)
        .collect();
    if positions.is_empty() {
        return;
    }
    let i = *rng.pick(&positions);
    let bytes = text.as_bytes();
    let (a, b) = (bytes[i] as char, bytes[i + 1] as char);
    let replacement = match rng.below(3) {
        0 => format!("{b}{a}"),
        1 => format!("{b}"),
        _ => format!("{a}{a}{b}"),
    };
    text.replace_range(i..i + 2, &replacement);
}

/// Heavy-tailed like counts: most comments get none, a few get thousands.
fn digg_count(rng: &mut Rng) -> u32 {
    if rng.chance(0.45) {
        return 0;
    }
    let u = rng.unit().max(1e-12);
    (u.powf(-1.3) - 1.0).min(250_000.0) as u32
}

fn make_user(rng: &mut Rng, serial: u64) -> User {
    let name = rng.pick(FIRST_NAMES);
    let username = match rng.below(3) {
        0 => format!("{name}.{}", rng.pick(HANDLE_SUFFIXES)),
        1 => format!("{name}_{}", rng.below(100)),
        _ => format!("{}{name}{}", rng.pick(HANDLE_SUFFIXES), rng.below(1000)),
    };
    let mut nickname = name[..1].to_uppercase() + &name[1..];
    if rng.chance(0.3) {
        nickname.push_str(&format!(" {}", rng.pick(EMOJI_POSITIVE)));
    }
    User { id: 6_800_000_000_000_000_000 + serial * 100_003 + rng.below(100_000) as u64, username, nickname }
}

/// Makes a fifth of the comments replies to an earlier comment of the same
/// batch: "@nickname …" in the text, the parent's id in `reply_to`.
fn link_replies(rng: &mut Rng, comments: &mut [Comment]) {
    for i in 1..comments.len() {
        if comments[i].spam || !rng.chance(0.2) {
            continue;
        }
        let parent = rng.below(i);
        if comments[parent].reply_to.is_some() {
            continue;
        }
        comments[i].reply_to = Some(comments[parent].id);
        comments[i].pinned = false; // only top-level comments can be pinned
        comments[i].text = format!("@{} {}", comments[parent].user.nickname, comments[i].text);
        comments[parent].reply_count += 1;
    }
}
