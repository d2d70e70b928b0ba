//! The change journal: what the share holds, at which version, and what changed when.
//!
//! Every change to the share — through WebDAV or found by a rescan — takes the next number of
//! one sequence and is written to a SQLite database inside the share's hidden state folder.
//! That one sequence gives three things:
//!
//! - **ETags**: a file's ETag is its content MD5 (first 16 hex digits) and the sequence number
//!   of its last content change, so it changes on every content change, and a journal made anew
//!   (its sequence starting over) cannot hand out an ETag that names other content;
//! - **sync tokens** (RFC 6578): `urn:offline-files:sync:<journal id>:<seq>`; the changes since
//!   a token are the items with a larger number and the removals (tombstones) with a larger
//!   number. Tokens survive restarts; a token of another journal, or older than the pruned
//!   tombstones, is refused, and the client lists in full;
//! - the content hashes (MD5 and SHA-256) PROPFIND reports, computed while a file is written.
//!
//! Dead properties (PROPPATCH) live here too, moved and copied with their items.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// A failure of the journal's database.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// SQLite failed.
    #[error(
        "the share's change journal failed: {0} (check that the share's .offline-files folder is writable and not corrupt; deleting it makes the server rebuild it, and clients list in full once)"
    )]
    Db(#[from] rusqlite::Error),
}

/// What the file system says of an item; a difference from the journal's copy means the item
/// changed behind the server's back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// A directory.
    pub dir: bool,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// Last modification, in nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// The inode number (a file replaced by rename has a new one).
    pub ino: u64,
}

impl Stat {
    /// The stat of `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Stat {
        use std::os::unix::fs::MetadataExt;
        Stat {
            dir: meta.is_dir(),
            size: if meta.is_dir() { 0 } else { meta.len() },
            mtime_ns: meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec()),
            ino: meta.ino(),
        }
    }

    /// Whether `other` describes the same content (directories change only by kind).
    fn same(&self, other: &Stat) -> bool {
        if self.dir || other.dir {
            return self.dir == other.dir;
        }
        self == other
    }
}

/// A file's content hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashes {
    /// MD5 (what the sync core compares).
    pub md5: [u8; 16],
    /// SHA-256.
    pub sha256: [u8; 32],
}

/// One item as the journal knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The share-relative path (`""` for the root, `a/b` below it).
    pub path: String,
    /// Its stat when last recorded.
    pub stat: Stat,
    /// Content hashes (files).
    pub hashes: Option<Hashes>,
    /// The sequence number of its last change.
    pub seq: i64,
}

impl Record {
    /// The strong ETag, without its quotes.
    pub fn etag(&self, journal_id: &str) -> String {
        match &self.hashes {
            Some(h) => format!("{}-{:x}", hex(&h.md5[..8]), self.seq),
            None => format!("d-{journal_id}-{:x}", self.seq),
        }
    }
}

/// The changes after a sequence number.
#[derive(Debug, Default)]
pub struct Changes {
    /// Items created or changed.
    pub changed: Vec<Record>,
    /// Paths removed.
    pub removed: Vec<String>,
    /// The sequence number the answer is complete up to.
    pub seq: i64,
}

/// What a rescan found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RescanReport {
    /// Items seen for the first time.
    pub added: usize,
    /// Files whose content changed.
    pub changed: usize,
    /// Items gone.
    pub removed: usize,
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The journal.
#[derive(Debug)]
pub struct Journal {
    inner: Mutex<Inner>,
    id: String,
}

#[derive(Debug)]
struct Inner {
    conn: Connection,
    seq: i64,
    horizon: i64,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items(
    path TEXT PRIMARY KEY,
    dir INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    md5 BLOB,
    sha256 BLOB,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS items_seq ON items(seq);
CREATE TABLE IF NOT EXISTS removed(path TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS removed_seq ON removed(seq);
CREATE TABLE IF NOT EXISTS props(path TEXT NOT NULL, key TEXT NOT NULL, xml BLOB NOT NULL, PRIMARY KEY(path, key));
";

/// How many tombstones the journal keeps before it prunes the oldest (tokens older than the
/// pruned ones then list in full).
const MAX_TOMBSTONES: i64 = 1_000_000;

/// `path` and everything below it, as an SQL condition on column `col` with the path as `?1`.
fn subtree(col: &str) -> String {
    // '0' is the character after '/', so the range holds exactly the paths under `?1/`.
    format!("({col} = ?1 OR ?1 = '' OR ({col} >= ?1 || '/' AND {col} < ?1 || '0'))")
}

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let md5: Option<Vec<u8>> = row.get(5)?;
    let sha: Option<Vec<u8>> = row.get(6)?;
    let hashes = match (md5, sha) {
        (Some(m), Some(s)) if m.len() == 16 && s.len() == 32 => Some(Hashes {
            md5: m.try_into().expect("length checked"),
            sha256: s.try_into().expect("length checked"),
        }),
        _ => None,
    };
    Ok(Record {
        path: row.get(0)?,
        stat: Stat {
            dir: row.get(1)?,
            size: row.get::<_, i64>(2)? as u64,
            mtime_ns: row.get(3)?,
            ino: row.get::<_, i64>(4)? as u64,
        },
        hashes,
        seq: row.get(7)?,
    })
}

const COLUMNS: &str = "path, dir, size, mtime_ns, ino, md5, sha256, seq";

impl Journal {
    /// Opens (or creates) the journal at `file`.
    pub fn open(file: &Path) -> Result<Journal, JournalError> {
        let conn = Connection::open(file)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
        )?;
        conn.execute_batch(SCHEMA)?;
        let get = |key: &str| -> Result<Option<String>, JournalError> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        let id = match get("id")? {
            Some(id) => id,
            None => {
                let id: String =
                    conn.query_row("SELECT lower(hex(randomblob(6)))", [], |r| r.get(0))?;
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('id', ?1), ('seq', '0'), ('horizon', '0')",
                    [&id],
                )?;
                id
            }
        };
        let seq = get("seq")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let horizon = get("horizon")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok(Journal {
            inner: Mutex::new(Inner { conn, seq, horizon }),
            id,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves SQLite consistent (every change is a
        // transaction), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// This journal's identity (part of every token and directory ETag).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The current sequence number.
    pub fn seq(&self) -> i64 {
        self.lock().seq
    }

    /// The sync token for the current state.
    pub fn token(&self) -> String {
        self.token_at(self.seq())
    }

    /// The sync token for sequence number `seq`.
    pub fn token_at(&self, seq: i64) -> String {
        format!("urn:offline-files:sync:{}:{seq}", self.id)
    }

    /// The sequence number in `token`, if it is a valid token of this journal.
    pub fn parse_token(&self, token: &str) -> Option<i64> {
        let rest = token.strip_prefix("urn:offline-files:sync:")?;
        let (id, seq) = rest.split_once(':')?;
        let seq: i64 = seq.parse().ok()?;
        let inner = self.lock();
        (id == self.id && seq >= inner.horizon && seq <= inner.seq).then_some(seq)
    }

    /// The record of `path`.
    pub fn get(&self, path: &str) -> Result<Option<Record>, JournalError> {
        let inner = self.lock();
        Ok(inner
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE path = ?1"))?
            .query_row([path], row_to_record)
            .optional()?)
    }

    /// The records of `paths`, in one go.
    pub fn get_many(&self, paths: &[String]) -> Result<Vec<Option<Record>>, JournalError> {
        let inner = self.lock();
        let mut stmt = inner
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE path = ?1"))?;
        paths
            .iter()
            .map(|p| Ok(stmt.query_row([p], row_to_record).optional()?))
            .collect()
    }

    /// Records `path` as it is now: a new version if its content (or kind) changed, else only
    /// its new stat. `hashes` are the file's content hashes (`None` for a directory).
    pub fn record(
        &self,
        path: &str,
        stat: Stat,
        hashes: Option<Hashes>,
    ) -> Result<Record, JournalError> {
        let mut inner = self.lock();
        let tx_seq = inner.seq;
        let tx = inner.conn.transaction()?;
        let (record, seq) = record_in(&tx, tx_seq, path, stat, hashes)?;
        tx.commit()?;
        inner.seq = seq;
        Ok(record)
    }

    /// Records a whole rescan in one transaction: `seen` is every item on disk with its stat;
    /// `hash` is asked for the hashes of files that are new or whose stat changed. Items the
    /// journal has but `seen` lacks are removed.
    pub fn reconcile(
        &self,
        seen: &HashMap<String, Stat>,
        mut hash: impl FnMut(&str) -> Option<Hashes>,
    ) -> Result<RescanReport, JournalError> {
        let known = self.all()?;
        let mut report = RescanReport::default();
        let mut updates = Vec::new();
        for (path, stat) in seen {
            match known.get(path) {
                Some(old) if old.stat.same(stat) => {}
                old => {
                    let hashes = if stat.dir {
                        None
                    } else {
                        // A file that vanished while being hashed is left to the next scan.
                        match hash(path) {
                            Some(h) => Some(h),
                            None => continue,
                        }
                    };
                    match old {
                        None => report.added += 1,
                        Some(o) if o.hashes != hashes || o.stat.dir != stat.dir => {
                            report.changed += 1
                        }
                        Some(_) => {}
                    }
                    updates.push((path.clone(), *stat, hashes));
                }
            }
        }
        let mut gone: Vec<&String> = known.keys().filter(|p| !seen.contains_key(*p)).collect();
        gone.sort();
        let mut inner = self.lock();
        let mut seq = inner.seq;
        let tx = inner.conn.transaction()?;
        for (path, stat, hashes) in updates {
            seq = record_in(&tx, seq, &path, stat, hashes)?.1;
        }
        for path in gone {
            // Removing a directory removes what is below it; skip what is already gone.
            let exists: bool = tx
                .prepare_cached("SELECT 1 FROM items WHERE path = ?1")?
                .exists([path])?;
            if exists {
                let (n, s) = remove_in(&tx, seq, path)?;
                report.removed += n;
                seq = s;
            }
        }
        set_seq(&tx, seq)?;
        tx.commit()?;
        inner.seq = seq;
        Ok(report)
    }

    /// Every record, by path.
    fn all(&self) -> Result<HashMap<String, Record>, JournalError> {
        let inner = self.lock();
        let mut stmt = inner
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM items"))?;
        let rows = stmt.query_map([], row_to_record)?;
        let mut all = HashMap::new();
        for r in rows {
            let r = r?;
            all.insert(r.path.clone(), r);
        }
        Ok(all)
    }

    /// Removes `path` and everything below it; returns how many items went.
    pub fn remove_tree(&self, path: &str) -> Result<usize, JournalError> {
        let mut inner = self.lock();
        let seq = inner.seq;
        let tx = inner.conn.transaction()?;
        let (n, seq) = remove_in(&tx, seq, path)?;
        set_seq(&tx, seq)?;
        tx.commit()?;
        inner.seq = seq;
        prune(&mut inner)?;
        Ok(n)
    }

    /// Moves `from` and everything below it to `to` (with their properties): the old paths
    /// are removed, the new ones are changes. `stat_of` gives the stat at the new place.
    pub fn rename_tree(
        &self,
        from: &str,
        to: &str,
        mut stat_of: impl FnMut(&str) -> Option<Stat>,
    ) -> Result<(), JournalError> {
        let mut inner = self.lock();
        let mut seq = inner.seq;
        let tx = inner.conn.transaction()?;
        let moved: Vec<Record> = tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM items WHERE {} ORDER BY path",
                subtree("path")
            ))?
            .query_map([from], row_to_record)?
            .collect::<Result<_, _>>()?;
        // What the destination held is replaced; its properties go with it.
        seq = remove_in(&tx, seq, to)?.1;
        let props: Vec<(String, String, Vec<u8>)> = tx
            .prepare_cached(&format!(
                "SELECT path, key, xml FROM props WHERE {}",
                subtree("path")
            ))?
            .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        seq = remove_in(&tx, seq, from)?.1;
        for r in moved {
            let new_path = format!("{to}{}", &r.path[from.len()..]);
            let stat = stat_of(&new_path).unwrap_or(r.stat);
            seq = record_in(&tx, seq, &new_path, stat, r.hashes)?.1;
        }
        for (path, key, xml) in props {
            let new_path = format!("{to}{}", &path[from.len()..]);
            tx.prepare_cached("INSERT OR REPLACE INTO props(path, key, xml) VALUES (?1, ?2, ?3)")?
                .execute(params![new_path, key, xml])?;
        }
        set_seq(&tx, seq)?;
        tx.commit()?;
        inner.seq = seq;
        Ok(())
    }

    /// The changes under `prefix` after `since`. Both queries walk the sequence index from
    /// `since`, so an unchanged share costs two empty index lookups whatever its size.
    pub fn changes_since(&self, since: i64, prefix: &str) -> Result<Changes, JournalError> {
        let under = |path: &str| {
            prefix.is_empty()
                || path == prefix
                || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
        };
        let inner = self.lock();
        let mut changed = inner
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE seq > ?1"))?
            .query_map([since], row_to_record)?
            .filter(|r| r.as_ref().map_or(true, |r| under(&r.path)))
            .collect::<Result<Vec<_>, _>>()?;
        changed.sort_by(|a, b| a.path.cmp(&b.path));
        let mut removed = if since == 0 {
            Vec::new()
        } else {
            inner
                .conn
                .prepare_cached("SELECT path FROM removed WHERE seq > ?1")?
                .query_map([since], |r| r.get::<_, String>(0))?
                .filter(|p| p.as_ref().map_or(true, |p| under(p)))
                .collect::<Result<Vec<_>, _>>()?
        };
        removed.sort();
        Ok(Changes {
            changed,
            removed,
            seq: inner.seq,
        })
    }

    /// The dead properties of `path`: (namespace + name key, XML).
    pub fn props(&self, path: &str) -> Result<Vec<(String, Vec<u8>)>, JournalError> {
        let inner = self.lock();
        Ok(inner
            .conn
            .prepare_cached("SELECT key, xml FROM props WHERE path = ?1 ORDER BY key")?
            .query_map([path], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// Sets (`Some`) or removes (`None`) dead properties of `path`, all or none.
    pub fn patch_props(
        &self,
        path: &str,
        patch: &[(String, Option<Vec<u8>>)],
    ) -> Result<(), JournalError> {
        let mut inner = self.lock();
        let tx = inner.conn.transaction()?;
        for (key, xml) in patch {
            match xml {
                Some(xml) => tx.execute(
                    "INSERT OR REPLACE INTO props(path, key, xml) VALUES (?1, ?2, ?3)",
                    params![path, key, xml],
                )?,
                None => tx.execute(
                    "DELETE FROM props WHERE path = ?1 AND key = ?2",
                    params![path, key],
                )?,
            };
        }
        tx.commit()?;
        Ok(())
    }

    /// Copies the dead properties of `from` to `to` (COPY of one item).
    pub fn copy_props(&self, from: &str, to: &str) -> Result<(), JournalError> {
        let inner = self.lock();
        inner.conn.execute(
            "INSERT OR REPLACE INTO props(path, key, xml) SELECT ?2, key, xml FROM props WHERE path = ?1",
            params![from, to],
        )?;
        Ok(())
    }
}

fn set_seq(tx: &rusqlite::Transaction<'_>, seq: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'seq'")?
        .execute([seq.to_string()])?;
    Ok(())
}

/// Records one item inside a transaction; returns the record and the sequence number after.
fn record_in(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    path: &str,
    stat: Stat,
    hashes: Option<Hashes>,
) -> Result<(Record, i64), JournalError> {
    let old = tx
        .prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE path = ?1"))?
        .query_row([path], row_to_record)
        .optional()?;
    let (item_seq, next) = match &old {
        // Same content, new stat (a touch, a copy back): no new version.
        Some(o) if o.hashes == hashes && o.stat.dir == stat.dir => (o.seq, seq),
        _ => (seq + 1, seq + 1),
    };
    tx.prepare_cached(
        "INSERT OR REPLACE INTO items(path, dir, size, mtime_ns, ino, md5, sha256, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        path,
        stat.dir,
        stat.size as i64,
        stat.mtime_ns,
        stat.ino as i64,
        hashes.as_ref().map(|h| h.md5.to_vec()),
        hashes.as_ref().map(|h| h.sha256.to_vec()),
        item_seq
    ])?;
    tx.prepare_cached("DELETE FROM removed WHERE path = ?1")?
        .execute([path])?;
    if next != seq {
        set_seq(tx, next)?;
    }
    Ok((
        Record {
            path: path.to_owned(),
            stat,
            hashes,
            seq: item_seq,
        },
        next,
    ))
}

/// Removes `path` and its subtree inside a transaction, leaving tombstones.
fn remove_in(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    path: &str,
) -> Result<(usize, i64), JournalError> {
    let paths: Vec<String> = tx
        .prepare_cached(&format!("SELECT path FROM items WHERE {}", subtree("path")))?
        .query_map([path], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if paths.is_empty() {
        return Ok((0, seq));
    }
    let seq = seq + 1;
    for p in &paths {
        tx.prepare_cached("INSERT OR REPLACE INTO removed(path, seq) VALUES (?1, ?2)")?
            .execute(params![p, seq])?;
    }
    tx.execute(
        &format!("DELETE FROM items WHERE {}", subtree("path")),
        [path],
    )?;
    tx.execute(
        &format!("DELETE FROM props WHERE {}", subtree("path")),
        [path],
    )?;
    Ok((paths.len(), seq))
}

/// Drops the oldest tombstones beyond the cap; tokens from before them are then refused.
fn prune(inner: &mut Inner) -> Result<(), JournalError> {
    let count: i64 = inner
        .conn
        .query_row("SELECT count(*) FROM removed", [], |r| r.get(0))?;
    if count <= MAX_TOMBSTONES {
        return Ok(());
    }
    let cut: i64 = inner.conn.query_row(
        "SELECT seq FROM removed ORDER BY seq LIMIT 1 OFFSET ?1",
        [count - MAX_TOMBSTONES / 2],
        |r| r.get(0),
    )?;
    let tx = inner.conn.transaction()?;
    tx.execute("DELETE FROM removed WHERE seq < ?1", [cut])?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'horizon'",
        [cut.to_string()],
    )?;
    tx.commit()?;
    inner.horizon = cut;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, ino: u64) -> Stat {
        Stat {
            dir: false,
            size,
            mtime_ns: 1,
            ino,
        }
    }

    fn hashes(b: u8) -> Hashes {
        Hashes {
            md5: [b; 16],
            sha256: [b; 32],
        }
    }

    #[test]
    fn changes_since_a_token_are_the_newer_items_and_removals_under_the_prefix() {
        let dir = std::env::temp_dir().join(format!("csc-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j1.sqlite");
        let _ = std::fs::remove_file(&path);
        let j = Journal::open(&path).unwrap();
        j.record("a", file(1, 1), Some(hashes(1))).unwrap();
        j.record("b", file(1, 2), Some(hashes(2))).unwrap();
        let token = j.token();
        let since = j.parse_token(&token).unwrap();
        j.record("a", file(2, 3), Some(hashes(3))).unwrap();
        j.remove_tree("b").unwrap();
        let c = j.changes_since(since, "").unwrap();
        assert_eq!(
            c.changed
                .iter()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        assert_eq!(c.removed, ["b"]);
        // Tokens survive reopening; tokens of another journal do not parse.
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.parse_token(&token), Some(since));
        assert_eq!(j.parse_token("urn:offline-files:sync:000000000000:1"), None);
        assert_eq!(j.parse_token(&j.token_at(j.seq() + 1)), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stat_change_without_a_content_change_keeps_the_etag() {
        let dir = std::env::temp_dir().join(format!("csc-journal2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let j = Journal::open(&dir.join("j.sqlite")).unwrap();
        let a = j.record("a", file(1, 1), Some(hashes(1))).unwrap();
        let b = j.record("a", file(1, 9), Some(hashes(1))).unwrap();
        assert_eq!(a.etag(j.id()), b.etag(j.id()));
        let c = j.record("a", file(1, 9), Some(hashes(2))).unwrap();
        assert_ne!(a.etag(j.id()), c.etag(j.id()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Regression (found by litmus' propmove): a move dropped the properties it was meant to
    /// carry, because the old paths' rows were removed before they were copied.
    #[test]
    fn a_move_carries_the_dead_properties_of_the_whole_subtree() {
        let dir = std::env::temp_dir().join(format!("csc-journal3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let j = Journal::open(&dir.join("j.sqlite")).unwrap();
        let d = Stat {
            dir: true,
            size: 0,
            mtime_ns: 1,
            ino: 1,
        };
        j.record("d", d, None).unwrap();
        j.record("d/f", file(1, 2), Some(hashes(1))).unwrap();
        let prop = vec![("{urn:x}p".to_owned(), Some(b"<p/>".to_vec()))];
        j.patch_props("d", &prop).unwrap();
        j.patch_props("d/f", &prop).unwrap();
        j.rename_tree("d", "e", |_| None).unwrap();
        assert_eq!(j.props("e").unwrap().len(), 1);
        assert_eq!(j.props("e/f").unwrap().len(), 1);
        assert!(j.props("d/f").unwrap().is_empty());
        assert!(j.get("d/f").unwrap().is_none());
        assert_eq!(j.get("e/f").unwrap().unwrap().hashes, Some(hashes(1)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
