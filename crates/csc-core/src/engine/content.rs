//! Moving content: hashing, staging chunks in the cache, streaming cached content out.
//!
//! Content hashes are MD5, the 16-byte digest WebDAV servers commonly offer as a checksum
//! property (ownCloud/Nextcloud `oc:checksums`, `getcontentmd5`). The hash only decides whether
//! two copies are equal (a converged item is not a conflict, a server move is not a download);
//! it is not a security boundary.

use md5::{Digest, Md5};

use crate::model::ContentHash;
use crate::store::{BlobId, ChunkStream, LocalError, LocalStore, RemoteError};

/// An incremental content hash.
#[derive(Debug, Clone, Default)]
pub struct ContentHasher(Md5);

impl ContentHasher {
    /// A hasher with nothing hashed yet.
    pub fn new() -> Self {
        ContentHasher(Md5::new())
    }

    /// Hashes more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The hash of everything given.
    pub fn finish(self) -> ContentHash {
        ContentHash(self.0.finalize().into())
    }
}

/// The content hash of `bytes`.
pub fn hash_bytes(bytes: &[u8]) -> ContentHash {
    let mut h = ContentHasher::new();
    h.update(bytes);
    h.finish()
}

/// Cached content streamed chunk by chunk (an upload body).
#[derive(Debug)]
pub(crate) struct LocalBody<'a, L> {
    pub(crate) local: &'a L,
    pub(crate) blob: BlobId,
    pub(crate) next: u32,
}

impl<L: LocalStore> ChunkStream for LocalBody<'_, L> {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, RemoteError> {
        let chunk = self
            .local
            .chunk(self.blob, self.next)
            .await
            .map_err(|e| RemoteError::Local(e.to_string()))?;
        self.next += 1;
        Ok(chunk)
    }
}

/// Stages `bytes` as a new blob in chunks of `chunk_size`; returns the blob and its hash.
pub(crate) async fn stage_bytes<L: LocalStore>(
    local: &L,
    bytes: &[u8],
    chunk_size: usize,
) -> Result<(BlobId, ContentHash), LocalError> {
    let blob = local.create_blob().await?;
    let mut hasher = ContentHasher::new();
    for (i, chunk) in bytes.chunks(chunk_size.max(1)).enumerate() {
        hasher.update(chunk);
        let index = u32::try_from(i).map_err(|_| {
            LocalError::Failed("a file of more than 2^32 chunks cannot be cached".into())
        })?;
        local.put_chunk(blob, index, chunk).await?;
    }
    Ok((blob, hasher.finish()))
}

/// Reads a whole blob (for callers that want the bytes, such as `read_file`).
pub(crate) async fn read_blob<L: LocalStore>(
    local: &L,
    blob: BlobId,
) -> Result<Vec<u8>, LocalError> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(chunk) = local.chunk(blob, i).await? {
        out.extend_from_slice(&chunk);
        i += 1;
    }
    Ok(out)
}
