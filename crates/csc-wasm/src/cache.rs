//! The shares of one cache: an engine per share on one IndexedDB database, and which share a
//! path belongs to. The Rust face of the package: the JavaScript class (`api`) and the web
//! app use it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use csc_core::engine::{CancelToken, Engine, EngineConfig, EngineError};
use csc_core::store::LocalError;
use csc_core::{CaseRule, ItemPath, Share};
use csc_idb::IdbLocal;
use csc_webdav::fetch::FetchTransport;
use csc_webdav::{Auth, DavStore, HrefError, ShareUrl};
use futures_util::future::LocalBoxFuture;

use crate::runtime::WebRuntime;

/// The engine of one share, as this package runs it.
pub type ShareEngine = Engine<IdbLocal, DavStore<FetchTransport>, WebRuntime>;

/// How to reach a share.
#[derive(Debug, Clone)]
pub struct ShareConfig {
    /// The share's collection URL (`https://host/dav/team/`).
    pub url: String,
    /// Credentials sent with every request.
    pub auth: Option<Auth>,
    /// The server compares names without case (Windows and macOS servers).
    pub case_insensitive: bool,
    /// How long a request may go without progress.
    pub timeout_ms: u32,
}

/// Why a cache could not be opened, or a path or share not found in it.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// No share was given.
    #[error("no share given: pass shares: [{{ url: 'https://host/dav/' }}]")]
    NoShares,
    /// A share URL is not usable.
    #[error(
        "{url:?} is not a share URL: give the absolute http(s) URL of a WebDAV collection, such as https://host/dav/"
    )]
    BadShareUrl {
        /// The URL given.
        url: String,
    },
    /// A share's credentials cannot be sent.
    #[error("the auth of {url} is not usable: {why}")]
    BadAuth {
        /// The share URL given.
        url: String,
        /// What is wrong, and what to give.
        why: &'static str,
    },
    /// A share's timeout would fail every request.
    #[error(
        "the timeout of {url} is 0 ms, so every request would fail: give timeoutMs of at least 1 (or leave it out: 30000)"
    )]
    ZeroTimeout {
        /// The share URL given.
        url: String,
    },
    /// The same share was given twice.
    #[error("the share {url} is given twice: give each share once")]
    DuplicateShare {
        /// The share.
        url: String,
    },
    /// A path does not name an item of any share of the cache.
    #[error(
        "{path:?} is in none of this cache's shares ({shares}): give a path inside one of them"
    )]
    OutsideShares {
        /// The path given.
        path: String,
        /// The cache's shares.
        shares: String,
    },
    /// A share-relative path was given to a cache with several shares.
    #[error("{path:?} is relative, but this cache has {count} shares: give the item's full URL")]
    Ambiguous {
        /// The path given.
        path: String,
        /// How many shares.
        count: usize,
    },
    /// No share was named, and the cache has several.
    #[error("this cache has several shares ({shares}): name one by its URL")]
    ShareNeeded {
        /// The cache's shares.
        shares: String,
    },
    /// A path is not valid.
    #[error("{0}")]
    BadPath(String),
    /// A share was named that the cache does not have.
    #[error("{url:?} is not a share of this cache ({shares}): give one of them")]
    UnknownShare {
        /// The share named.
        url: String,
        /// The cache's shares.
        shares: String,
    },
    /// The cache was closed.
    #[error("this cache was closed: open it again with OfflineFilesCache.open")]
    Closed,
    /// The IndexedDB database could not be opened.
    #[error("the cache database could not be opened: {0}")]
    Database(#[from] LocalError),
    /// A share's engine could not be opened.
    #[error("the share {url} could not be opened: {error}")]
    Engine {
        /// The share.
        url: String,
        /// Why.
        error: EngineError,
    },
}

/// True for an http(s) URL (an item's or a share's), false for a share-relative path.
fn is_url(s: &str) -> bool {
    let lower = s.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// What is wrong with `url`, inside a share but not an item's URL, in the caller's terms
/// (`HrefError` words it for a server's answer).
fn not_an_item_url(url: &str, e: &HrefError) -> String {
    match e {
        HrefError::DotSegment(_) => {
            format!("{url:?} has a \".\" or \"..\" segment: give the item's own URL")
        }
        HrefError::QueryOrFragment(_) => format!(
            "{url:?} has a query or fragment: '?' and '#' in a name are written %3F and %23"
        ),
        HrefError::EmptySegment(_) => {
            format!("{url:?} has an empty segment (//): give the item's own URL")
        }
        HrefError::HiddenSeparator(_) => format!(
            "{url:?} has an encoded '/', '\\' or NUL (%2F, %5C, %00) in a name, which no file name can hold"
        ),
        HrefError::BadEncoding(_) => {
            format!("{url:?} has percent-encoding that does not decode to UTF-8")
        }
        HrefError::BadName { error, .. } => format!("{url:?}: {error}"),
        HrefError::BadShareUrl(_) | HrefError::OtherHost(_) | HrefError::OutsideShare(_) => {
            format!("{url:?} is not an item of this cache's shares")
        }
    }
}

/// One share of a cache: its engine, and the cancel tokens of its running operations (so a
/// forced transition offline can stop them).
#[derive(Debug)]
pub struct ShareSlot {
    /// The share's canonical URL (the engine's share).
    pub url: String,
    /// How to turn hrefs into paths.
    pub share_url: ShareUrl,
    /// The engine.
    pub engine: ShareEngine,
    /// The IndexedDB database the share's cache lives in (it names the share's sync lock).
    pub database: String,
    running: RefCell<Vec<CancelToken>>,
    /// How many of this page's operations on the share are waiting for the caller's
    /// onConflict: they hold the share's lock meanwhile.
    in_handler: std::cell::Cell<u32>,
}

impl ShareSlot {
    /// Registers a running operation's token until the guard is dropped.
    pub fn running(self: &Rc<Self>, token: CancelToken) -> Running {
        self.running.borrow_mut().push(token.clone());
        Running {
            slot: Rc::clone(self),
            token,
        }
    }

    /// Cancels every running operation; true if there was one.
    pub fn cancel_running(&self) -> bool {
        let running = self.running.borrow();
        for t in running.iter() {
            t.cancel();
        }
        !running.is_empty()
    }

    /// True while an operation runs.
    pub fn is_running(&self) -> bool {
        !self.running.borrow().is_empty()
    }

    /// Marks the share's operation as waiting for the caller's handler until the guard goes.
    pub fn in_handler(&self) -> InHandler<'_> {
        self.in_handler.set(self.in_handler.get() + 1);
        InHandler(self)
    }

    /// True while one of this page's operations on the share, holding its lock, waits for the
    /// caller's handler: an operation that needs the lock, started from the handler, would
    /// wait for ever.
    pub fn awaits_handler(&self) -> bool {
        self.in_handler.get() > 0
    }
}

/// See [`ShareSlot::in_handler`].
#[derive(Debug)]
pub struct InHandler<'a>(&'a ShareSlot);

impl Drop for InHandler<'_> {
    fn drop(&mut self) {
        self.0.in_handler.set(self.0.in_handler.get() - 1);
    }
}

/// A running operation's registration (see [`ShareSlot::running`]).
#[derive(Debug)]
pub struct Running {
    slot: Rc<ShareSlot>,
    token: CancelToken,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.slot.running.borrow_mut();
        if let Some(i) = running.iter().position(|t| t.same_as(&self.token)) {
            running.remove(i);
        }
    }
}

/// A cache: one IndexedDB database holding one or more shares.
#[derive(Debug)]
pub struct Cache {
    name: String,
    shares: Vec<Rc<ShareSlot>>,
    closed: Cell<bool>,
}

impl Cache {
    /// Opens (creating on first use) the cache `name` for `shares`.
    ///
    /// Boxed here so the opening is compiled once, in this crate, whoever awaits it (see
    /// [`crate::share_ops`]).
    #[inline(never)]
    pub fn open(
        name: &str,
        shares: Vec<ShareConfig>,
    ) -> LocalBoxFuture<'_, Result<Cache, CacheError>> {
        Box::pin(Self::open_shares(name, shares))
    }

    async fn open_shares(name: &str, shares: Vec<ShareConfig>) -> Result<Cache, CacheError> {
        if shares.is_empty() {
            return Err(CacheError::NoShares);
        }
        let mut slots: Vec<Rc<ShareSlot>> = Vec::new();
        for config in shares {
            let share_url = ShareUrl::new(&config.url).map_err(|_| CacheError::BadShareUrl {
                url: config.url.clone(),
            })?;
            if let Some(why) = config.auth.as_ref().and_then(Auth::problem) {
                return Err(CacheError::BadAuth {
                    url: config.url,
                    why,
                });
            }
            if config.timeout_ms == 0 {
                return Err(CacheError::ZeroTimeout { url: config.url });
            }
            let url = share_url.url(&ItemPath::root(), true);
            if slots.iter().any(|s| s.url == url) {
                return Err(CacheError::DuplicateShare { url });
            }
            let local = IdbLocal::open(name, &url).await?;
            let remote = DavStore::new(
                share_url.clone(),
                FetchTransport::new(config.auth, config.timeout_ms),
            );
            let share = Share {
                url: url.clone(),
                case: if config.case_insensitive {
                    CaseRule::Insensitive
                } else {
                    CaseRule::Sensitive
                },
            };
            let engine = Engine::open(local, remote, WebRuntime, share, EngineConfig::default())
                .await
                .map_err(|error| CacheError::Engine {
                    url: url.clone(),
                    error,
                })?;
            slots.push(Rc::new(ShareSlot {
                url,
                share_url,
                engine,
                database: name.to_owned(),
                running: RefCell::new(Vec::new()),
                in_handler: std::cell::Cell::new(0),
            }));
        }
        Ok(Cache {
            name: name.to_owned(),
            shares: slots,
            closed: Cell::new(false),
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shares, in the order given.
    pub fn shares(&self) -> Result<&[Rc<ShareSlot>], CacheError> {
        if self.closed.get() {
            return Err(CacheError::Closed);
        }
        Ok(&self.shares)
    }

    fn share_list(&self) -> String {
        self.shares
            .iter()
            .map(|s| s.url.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The share and share-relative path that `path` names: an item's full URL, or, in a
    /// cache of one share, a path inside it (`docs/a.txt`; a leading `/` is allowed; the
    /// empty path or `/` is the root).
    pub fn locate(&self, path: &str) -> Result<(Rc<ShareSlot>, ItemPath), CacheError> {
        let shares = self.shares()?;
        if is_url(path) {
            // The share with the longest URL that contains it (shares may nest).
            let mut best: Option<(&Rc<ShareSlot>, ItemPath)> = None;
            // Why a URL inside a share is not an item's, said to the caller.
            let mut refused: Option<String> = None;
            for slot in shares {
                match slot.share_url.path_of(path) {
                    Ok(p) => {
                        if best
                            .as_ref()
                            .is_none_or(|(b, _)| slot.url.len() > b.url.len())
                        {
                            best = Some((slot, p));
                        }
                    }
                    Err(HrefError::OtherHost(_) | HrefError::OutsideShare(_)) => {}
                    Err(e) => {
                        refused.get_or_insert_with(|| not_an_item_url(path, &e));
                    }
                }
            }
            return best
                .map(|(s, p)| (Rc::clone(s), p))
                .ok_or_else(|| match refused {
                    Some(why) => CacheError::BadPath(why),
                    None => CacheError::OutsideShares {
                        path: path.to_owned(),
                        shares: self.share_list(),
                    },
                });
        }
        if shares.len() > 1 {
            return Err(CacheError::Ambiguous {
                path: path.to_owned(),
                count: shares.len(),
            });
        }
        let relative = path.trim_start_matches('/').trim_end_matches('/');
        let item = ItemPath::new(relative).map_err(|e| CacheError::BadPath(e.to_string()))?;
        Ok((Rc::clone(&shares[0]), item))
    }

    /// The share named by `url` (any URL inside it, or its own); with `None`, the only share.
    /// A name that is not an http(s) URL is refused even with one share: `'offline'` given
    /// by mistake must not act on the share.
    pub fn share(&self, url: Option<&str>) -> Result<Rc<ShareSlot>, CacheError> {
        let shares = self.shares()?;
        match url {
            None if shares.len() == 1 => Ok(Rc::clone(&shares[0])),
            None => Err(CacheError::ShareNeeded {
                shares: self.share_list(),
            }),
            Some(u) => match is_url(u).then(|| self.locate(u)) {
                Some(Ok((slot, _))) => Ok(slot),
                Some(Err(CacheError::Closed)) => Err(CacheError::Closed),
                _ => Err(CacheError::UnknownShare {
                    url: u.to_owned(),
                    shares: self.share_list(),
                }),
            },
        }
    }

    /// Closes the database connections; the cache cannot be used afterwards.
    pub fn close(&self) {
        if self.closed.replace(true) {
            return;
        }
        for s in &self.shares {
            s.cancel_running();
            s.engine.set_notify(None);
            s.engine.local().close();
        }
    }
}
