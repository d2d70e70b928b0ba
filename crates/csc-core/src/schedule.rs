//! The background sync schedule: Win32_OfflineFilesBackgroundSync's settings, when the next
//! background pass starts, and which shares it syncs.
//!
//! Everything here is a pure function of its inputs. The caller passes the time, the local
//! time zone's offset (block-out windows are in local time) and a random draw, so a test can
//! run months of schedule in a few milliseconds with a virtual clock.
//!
//! The rules, from the Windows documentation and `shared/spec/offline-files.md` §8.2:
//!
//! - A pass starts SyncInterval minutes after the previous pass's start, plus a delay drawn
//!   uniformly from 0 to SyncVariance minutes ("if SyncInterval is 60 and SyncVariance is 10,
//!   the synchronization operation can start any time between 60 and 70 minutes after the
//!   beginning of the previous synchronization operation").
//! - MaxTimeBetweenSyncs (when not 0) caps the time from one start to the next.
//! - A start inside the daily block-out window (local time; it may wrap past midnight) moves to
//!   the window's end, or, if that would exceed MaxTimeBetweenSyncs, to the last moment the
//!   maximum allows: the sync then starts inside the window, as late as it may.
//! - When a pass is overdue (the app was closed through its start time, or has never synced),
//!   it runs soon, after a short random delay: not at once on every page load, and not in the
//!   same second from every device of a user.

use std::fmt;

use crate::model::{Connectivity, Millis, OfflineCause};
use crate::win::{ConflictPolicy, SyncControl, SyncControlFlags};

const MINUTE: i64 = 60_000;
const DAY: i64 = 1440 * MINUTE;

/// The shortest delay before an overdue pass: long enough for the app to finish loading.
pub const OVERDUE_DELAY_MIN_MS: i64 = 30_000;
/// The longest delay before an overdue pass: devices that open together spread out.
pub const OVERDUE_DELAY_MAX_MS: i64 = 120_000;

/// The background sync settings (Win32_OfflineFilesBackgroundSync), plus an on/off switch.
///
/// Windows documents one default: "every 360 minutes with the start varying between 0 and 60
/// additional minutes". The others are ours: no maximum, no block-out, work-offline shares
/// left alone (the user chose to work offline), background sync on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BackgroundSyncSettings {
    /// Whether background passes run at all. Default: on.
    pub enabled: bool,
    /// SyncInterval: minutes from one pass's start to the earliest start of the next; 1–1440.
    /// Default: 360.
    pub sync_interval: u32,
    /// SyncVariance: the most minutes a start is delayed past the interval, at random; 0–3600.
    /// Default: 60.
    pub sync_variance: u32,
    /// MaxTimeBetweenSyncs: minutes from one pass's start by which the next must start, even
    /// inside the block-out window; 0 means no maximum, else at least SyncInterval and at most
    /// 65535 (Windows stores it in 16 bits). Default: 0.
    pub max_time_between_syncs: u32,
    /// BlockOutStartTimeHoursMinutes: when the daily block-out window starts, local time, as
    /// HHMM (hours 00–24, minutes 00–59, at most 2400, which is midnight). Default: 0000.
    pub block_out_start: u32,
    /// BlockOutDurationMin: the window's length in minutes, 0–1440; 0 means no window, 1440
    /// the whole day. Default: 0.
    pub block_out_duration: u32,
    /// BackgroundSyncWorkOfflineSharesEnabled: also sync shares the user put in Work Offline
    /// (they stay offline for everything else). Default: off.
    pub work_offline_shares: bool,
}

impl Default for BackgroundSyncSettings {
    fn default() -> Self {
        BackgroundSyncSettings {
            enabled: true,
            sync_interval: 360,
            sync_variance: 60,
            max_time_between_syncs: 0,
            block_out_start: 0,
            block_out_duration: 0,
            work_offline_shares: false,
        }
    }
}

/// A field of [`BackgroundSyncSettings`], by its Windows name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `enabled`.
    Enabled,
    /// SyncInterval.
    SyncInterval,
    /// SyncVariance.
    SyncVariance,
    /// MaxTimeBetweenSyncs.
    MaxTimeBetweenSyncs,
    /// BlockOutStartTimeHoursMinutes.
    BlockOutStartTimeHoursMinutes,
    /// BlockOutDurationMin.
    BlockOutDurationMin,
    /// BackgroundSyncWorkOfflineSharesEnabled.
    BackgroundSyncWorkOfflineSharesEnabled,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: [Field; 7] = [
        Field::Enabled,
        Field::SyncInterval,
        Field::SyncVariance,
        Field::MaxTimeBetweenSyncs,
        Field::BlockOutStartTimeHoursMinutes,
        Field::BlockOutDurationMin,
        Field::BackgroundSyncWorkOfflineSharesEnabled,
    ];

    /// The Windows (WMI) property name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Enabled => "Enabled",
            Field::SyncInterval => "SyncInterval",
            Field::SyncVariance => "SyncVariance",
            Field::MaxTimeBetweenSyncs => "MaxTimeBetweenSyncs",
            Field::BlockOutStartTimeHoursMinutes => "BlockOutStartTimeHoursMinutes",
            Field::BlockOutDurationMin => "BlockOutDurationMin",
            Field::BackgroundSyncWorkOfflineSharesEnabled => {
                "BackgroundSyncWorkOfflineSharesEnabled"
            }
        }
    }

    /// The values the field accepts, in words.
    pub fn allowed(self) -> &'static str {
        match self {
            Field::Enabled | Field::BackgroundSyncWorkOfflineSharesEnabled => "true or false",
            Field::SyncInterval => "1 to 1440 minutes",
            Field::SyncVariance => "0 to 3600 minutes",
            Field::MaxTimeBetweenSyncs => "0 (no maximum) or SyncInterval to 65535 minutes",
            Field::BlockOutStartTimeHoursMinutes => {
                "a time of day as HHMM: hours 00 to 24, minutes 00 to 59, at most 2400"
            }
            Field::BlockOutDurationMin => "0 (no block-out) to 1440 minutes",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One invalid setting: which, the value given, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} = {value} is not allowed: it must be {allowed}", allowed = field.allowed())]
pub struct FieldError {
    /// The field.
    pub field: Field,
    /// The value given.
    pub value: u64,
}

/// Settings that were refused, with every invalid field (nothing of them was saved).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid background sync settings: {}; nothing was saved", join(.0))]
pub struct SettingsError(pub Vec<FieldError>);

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stored settings value that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The text is not `name=value` pairs of known names and whole numbers.
    #[error(
        "the stored background sync settings {0:?} are not readable: set them again (the defaults apply until then)"
    )]
    Malformed(String),
    /// The values are out of range.
    #[error(transparent)]
    Invalid(#[from] SettingsError),
}

impl BackgroundSyncSettings {
    /// Checks every field together; the error lists each invalid one.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut errors = Vec::new();
        let mut check = |field: Field, value: u32, ok: bool| {
            if !ok {
                errors.push(FieldError {
                    field,
                    value: value.into(),
                });
            }
        };
        check(
            Field::SyncInterval,
            self.sync_interval,
            (1..=1440).contains(&self.sync_interval),
        );
        check(
            Field::SyncVariance,
            self.sync_variance,
            self.sync_variance <= 3600,
        );
        let max = self.max_time_between_syncs;
        check(
            Field::MaxTimeBetweenSyncs,
            max,
            max == 0 || (self.sync_interval.max(1)..=65535).contains(&max),
        );
        let start = self.block_out_start;
        check(
            Field::BlockOutStartTimeHoursMinutes,
            start,
            start <= 2400 && start % 100 <= 59,
        );
        check(
            Field::BlockOutDurationMin,
            self.block_out_duration,
            self.block_out_duration <= 1440,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SettingsError(errors))
        }
    }

    /// The settings as stored in the cache: `name=value` pairs, Windows names, booleans as
    /// 0 or 1.
    pub fn encode(&self) -> String {
        Field::ALL
            .iter()
            .map(|&f| format!("{}={}", f.name(), self.get(f)))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Reads settings written by [`encode`](Self::encode); fields it does not name keep
    /// their defaults (settings written by an older version).
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let malformed = || DecodeError::Malformed(text.to_owned());
        let mut settings = BackgroundSyncSettings::default();
        for pair in text.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or_else(malformed)?;
            let field = Field::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .ok_or_else(malformed)?;
            let value: u32 = value.parse().map_err(|_| malformed())?;
            settings.set(field, value).map_err(|_| malformed())?;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// A field's value as a number (booleans 0 or 1).
    pub fn get(&self, field: Field) -> u32 {
        match field {
            Field::Enabled => self.enabled.into(),
            Field::SyncInterval => self.sync_interval,
            Field::SyncVariance => self.sync_variance,
            Field::MaxTimeBetweenSyncs => self.max_time_between_syncs,
            Field::BlockOutStartTimeHoursMinutes => self.block_out_start,
            Field::BlockOutDurationMin => self.block_out_duration,
            Field::BackgroundSyncWorkOfflineSharesEnabled => self.work_offline_shares.into(),
        }
    }

    /// Sets a field from a number; a boolean field takes only 0 or 1. Ranges are checked by
    /// [`validate`](Self::validate), all fields together.
    pub fn set(&mut self, field: Field, value: u32) -> Result<(), FieldError> {
        let flag = || match value {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(FieldError {
                field,
                value: value.into(),
            }),
        };
        match field {
            Field::Enabled => self.enabled = flag()?,
            Field::SyncInterval => self.sync_interval = value,
            Field::SyncVariance => self.sync_variance = value,
            Field::MaxTimeBetweenSyncs => self.max_time_between_syncs = value,
            Field::BlockOutStartTimeHoursMinutes => self.block_out_start = value,
            Field::BlockOutDurationMin => self.block_out_duration = value,
            Field::BackgroundSyncWorkOfflineSharesEnabled => self.work_offline_shares = flag()?,
        }
        Ok(())
    }

    /// The block-out window as (start, length) in minutes of the local day, if there is one.
    pub fn block_out(&self) -> Option<(i64, i64)> {
        if self.block_out_duration == 0 {
            return None;
        }
        let start = i64::from(self.block_out_start / 100 * 60 + self.block_out_start % 100);
        Some((start % 1440, i64::from(self.block_out_duration)))
    }

    /// Whether `at` falls in the block-out window, for a time zone `utc_offset_min` minutes
    /// east of UTC.
    pub fn is_blocked(&self, at: Millis, utc_offset_min: i32) -> bool {
        self.window_end(at, utc_offset_min).is_some()
    }

    /// The end of the block-out window `at` falls in (`i64::MAX` for a window of the whole
    /// day, which never ends), or `None` outside the window.
    fn window_end(&self, at: Millis, utc_offset_min: i32) -> Option<i64> {
        let (start, length) = self.block_out()?;
        if length >= 1440 {
            return Some(i64::MAX);
        }
        let offset = i64::from(utc_offset_min) * MINUTE;
        let local = at.0 + offset;
        let day = local.div_euclid(DAY) * DAY;
        // The window that began yesterday may still be open (it wraps past midnight).
        [day - DAY, day].into_iter().find_map(|d| {
            let from = d + start * MINUTE;
            let to = from + length * MINUTE;
            (from..to).contains(&local).then_some(to - offset)
        })
    }
}

/// When the next background pass starts, or `None` when none will: background sync is off,
/// or the block-out window covers the whole day and there is no maximum time.
///
/// `last_start` is when the previous pass began (`None`: never), `now` the current time,
/// `utc_offset_min` the local time zone's offset east of UTC in minutes (JavaScript's
/// `-getTimezoneOffset()`), `random` a uniformly random number. The caller keeps the result
/// until the pass runs or the settings change: another draw gives another time.
pub fn next_start(
    settings: &BackgroundSyncSettings,
    last_start: Option<Millis>,
    now: Millis,
    utc_offset_min: i32,
    random: u64,
) -> Option<Millis> {
    if !settings.enabled {
        return None;
    }
    let draw = |range: i64| -> i64 {
        // `range` is at most a few million milliseconds, so the modulo's bias is negligible.
        let span = u64::try_from(range).unwrap_or(0) + 1;
        i64::try_from(random % span).unwrap_or(0)
    };
    let deadline = match (last_start, settings.max_time_between_syncs) {
        (Some(last), max) if max > 0 => Some(last.0 + i64::from(max) * MINUTE),
        _ => None,
    };
    let soonest = now.0 + OVERDUE_DELAY_MIN_MS;
    let mut at = match last_start {
        Some(last) => {
            let at = last.0
                + i64::from(settings.sync_interval) * MINUTE
                + draw(i64::from(settings.sync_variance) * MINUTE);
            deadline.map_or(at, |d| at.min(d))
        }
        None => soonest,
    };
    if at < soonest {
        // Overdue: the app was not running at the planned time, or has never synced.
        at = now.0 + OVERDUE_DELAY_MIN_MS + draw(OVERDUE_DELAY_MAX_MS - OVERDUE_DELAY_MIN_MS);
    }
    if let Some(end) = settings.window_end(Millis(at), utc_offset_min) {
        at = match (deadline, last_start) {
            // Wait for the window's end, or as long as the maximum allows.
            (Some(d), _) => end.min(d).max(at),
            // Never synced: waiting would exceed any maximum.
            (None, None) if settings.max_time_between_syncs > 0 => at,
            (None, _) if end == i64::MAX => return None,
            (None, _) => end,
        };
    }
    Some(Millis(at))
}

/// Whether a share in `connectivity` takes part in a background pass: online shares and
/// shares offline on a slow link do; shares the user put in Work Offline only with
/// BackgroundSyncWorkOfflineSharesEnabled; shares offline for an error are left to the
/// reconnect logic, and suspended or conflicted ones are not synced in the background.
pub fn takes_part(settings: &BackgroundSyncSettings, connectivity: Connectivity) -> bool {
    match connectivity {
        Connectivity::Online | Connectivity::Offline(OfflineCause::Slow) => true,
        Connectivity::Offline(OfflineCause::Forced) => settings.work_offline_shares,
        Connectivity::Offline(
            OfflineCause::Error | OfflineCause::Conflict | OfflineCause::Suspended,
        ) => false,
    }
}

/// The dwSyncControl of a background pass: two-way, filling sparse files and pinning new
/// ones, leaving suspended folders and open items alone; conflicts go to the conflict store.
pub fn pass_control() -> SyncControl {
    SyncControl {
        flags: SyncControlFlags::SYNCIN
            | SyncControlFlags::SYNCOUT
            | SyncControlFlags::FILLSPARSE
            | SyncControlFlags::PINNEWFILES
            | SyncControlFlags::SKIPSUSPENDEDDIRS
            | SyncControlFlags::BACKGROUND,
        policy: ConflictPolicy::Default,
    }
}
