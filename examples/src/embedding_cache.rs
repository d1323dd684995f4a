//! An embedder's vectors kept in a file, so that replays with a slow embedder
//! (MiniLM: milliseconds per message) embed each text once across runs.
//!
//! The file belongs to one embedder: it records the embedder's name and dimension and
//! is refused for another. Vectors are stored exactly (little-endian `f32`), so a
//! replay with the cache decides exactly as one without it.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use pattern_learning::embed::{Embedder, HashedNgramEmbedder};
//! use pattern_learning_examples::embedding_cache::EmbeddingCache;
//! let dir = std::env::temp_dir().join(format!("pl-cache-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("vectors.bin");
//! let cache = EmbeddingCache::open(Arc::new(HashedNgramEmbedder::default()), &path).unwrap();
//! let v = cache.embed("the trackman is frozen");
//! cache.save().unwrap();
//! let again = EmbeddingCache::open(Arc::new(HashedNgramEmbedder::default()), &path).unwrap();
//! assert_eq!(again.len(), 1);
//! assert_eq!(again.embed("the trackman is frozen"), v);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use pattern_learning::embed::Embedder;
use pattern_learning::gates::Gates;

/// First bytes of a cache file (format version 1).
const MAGIC: &[u8; 8] = b"PLEMBv1\n";

/// Why a cache file cannot be used.
#[derive(Debug)]
pub enum CacheError {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The file is not a cache file, or it is cut short.
    Damaged(String),
    /// The file holds another embedder's vectors.
    OtherEmbedder {
        /// Name and dimension recorded in the file.
        found: String,
        /// Name and dimension of the embedder in use.
        expected: String,
    },
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Io(e) => write!(f, "embedding cache: {e}"),
            CacheError::Damaged(why) => write!(f, "embedding cache is damaged: {why}"),
            CacheError::OtherEmbedder { found, expected } => write!(
                f,
                "embedding cache holds vectors of {found}, not of {expected}: use another file"
            ),
        }
    }
}

impl std::error::Error for CacheError {}

impl From<std::io::Error> for CacheError {
    fn from(e: std::io::Error) -> Self {
        CacheError::Io(e)
    }
}

/// An [`Embedder`] that answers from a file of known vectors and embeds the rest
/// with the embedder it wraps. [`EmbeddingCache::save`] writes what it learned.
pub struct EmbeddingCache {
    inner: Arc<dyn Embedder>,
    path: PathBuf,
    vectors: RwLock<HashMap<String, Vec<f32>>>,
}

impl fmt::Debug for EmbeddingCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddingCache")
            .field("embedder", &self.inner.name())
            .field("path", &self.path)
            .field("vectors", &self.len())
            .finish()
    }
}

impl EmbeddingCache {
    /// Wraps `inner`, with the vectors stored at `path` (none when the file does not
    /// exist yet).
    pub fn open(inner: Arc<dyn Embedder>, path: impl AsRef<Path>) -> Result<Self, CacheError> {
        let path = path.as_ref().to_path_buf();
        let vectors = match std::fs::read(&path) {
            Ok(bytes) => decode(&bytes, &identity(inner.as_ref()), inner.dimension())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(EmbeddingCache {
            inner,
            path,
            vectors: RwLock::new(vectors),
        })
    }

    /// Number of texts with a known vector.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no vector is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes every known vector to the file (to a temporary file of this process
    /// first, then renamed over it, so an interrupted save leaves the previous file
    /// whole and replays saving the same file at once do not collide).
    pub fn save(&self) -> Result<(), CacheError> {
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(format!(".{}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp);
        {
            let mut out = BufWriter::new(std::fs::File::create(&tmp)?);
            out.write_all(MAGIC)?;
            write_str(&mut out, &identity(self.inner.as_ref()))?;
            let vectors = self.read();
            let mut texts: Vec<&String> = vectors.keys().collect();
            texts.sort();
            for text in texts {
                write_str(&mut out, text)?;
                for x in &vectors[text] {
                    out.write_all(&x.to_le_bytes())?;
                }
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Vec<f32>>> {
        self.vectors.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Embedder for EmbeddingCache {
    fn dimension(&self) -> usize {
        self.inner.dimension()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        if let Some(v) = self.read().get(text) {
            return v.clone();
        }
        let v = self.inner.embed(text);
        self.vectors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_owned(), v.clone());
        v
    }

    fn tuned_gates(&self) -> Option<Gates> {
        self.inner.tuned_gates()
    }
}

/// What a file records about its embedder.
fn identity(embedder: &dyn Embedder) -> String {
    format!("{} ({} dimensions)", embedder.name(), embedder.dimension())
}

fn write_str(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    let len = u32::try_from(s.len()).map_err(|_| std::io::Error::other("text over 4 GB"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(s.as_bytes())
}

/// Reads a cache file written by [`EmbeddingCache::save`].
fn decode(
    bytes: &[u8],
    expected: &str,
    dimension: usize,
) -> Result<HashMap<String, Vec<f32>>, CacheError> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.take(MAGIC.len())? != MAGIC {
        return Err(CacheError::Damaged("not an embedding cache file".into()));
    }
    let found = reader.string()?;
    if found != expected {
        return Err(CacheError::OtherEmbedder {
            found,
            expected: expected.to_owned(),
        });
    }
    let mut vectors = HashMap::new();
    while reader.at < bytes.len() {
        let text = reader.string()?;
        let vector = reader
            .take(4 * dimension)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        vectors.insert(text, vector);
    }
    Ok(vectors)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CacheError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| CacheError::Damaged(format!("cut short at byte {}", self.at)))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn string(&mut self) -> Result<String, CacheError> {
        let len = self.take(4)?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| CacheError::Damaged(format!("text before byte {} is not UTF-8", self.at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pattern_learning::embed::{HashedNgramEmbedder, StaticEmbedder};

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pl-embedding-cache-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("vectors.bin")
    }

    /// The built-in table with gates of its own, as MiniLM has.
    #[derive(Debug)]
    struct Tuned(StaticEmbedder);

    impl Embedder for Tuned {
        fn dimension(&self) -> usize {
            self.0.dimension()
        }
        fn name(&self) -> &str {
            self.0.name()
        }
        fn embed(&self, text: &str) -> Vec<f32> {
            self.0.embed(text)
        }
        fn tuned_gates(&self) -> Option<Gates> {
            Some(Gates {
                min_margin: 0.3,
                ..Gates::default()
            })
        }
    }

    #[test]
    fn vectors_come_back_bit_for_bit_and_gates_pass_through() {
        let path = temp("roundtrip");
        let inner: Arc<dyn Embedder> = Arc::new(Tuned(StaticEmbedder::new()));
        let cache = EmbeddingCache::open(inner.clone(), &path).unwrap();
        let texts = ["the trackman is frozen", "", "Ünïcode ✓ gift card"];
        for t in texts {
            assert_eq!(cache.embed(t), inner.embed(t));
        }
        cache.save().unwrap();
        let again = EmbeddingCache::open(inner.clone(), &path).unwrap();
        assert_eq!(again.len(), texts.len());
        for t in texts {
            let stored = again.read().get(t).cloned().unwrap();
            assert_eq!(stored, inner.embed(t));
        }
        assert_eq!(again.tuned_gates().map(|g| g.min_margin), Some(0.3));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn another_embedders_file_and_damaged_files_are_refused() {
        let path = temp("refused");
        let cache = EmbeddingCache::open(Arc::new(StaticEmbedder::new()), &path).unwrap();
        cache.embed("door code");
        cache.save().unwrap();
        let other = EmbeddingCache::open(Arc::new(HashedNgramEmbedder::default()), &path);
        assert!(matches!(other, Err(CacheError::OtherEmbedder { .. })));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let cut = EmbeddingCache::open(Arc::new(StaticEmbedder::new()), &path);
        assert!(matches!(cut, Err(CacheError::Damaged(_))), "{cut:?}");
        std::fs::write(&path, b"not a cache").unwrap();
        let foreign = EmbeddingCache::open(Arc::new(StaticEmbedder::new()), &path);
        assert!(matches!(foreign, Err(CacheError::Damaged(_))));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
