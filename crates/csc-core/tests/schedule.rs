//! The background sync schedule over simulated weeks with a virtual clock: spacing, block-out
//! windows (also across midnight and in far time zones), the maximum time between syncs,
//! overdue passes, and the settings' validation.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use csc_core::schedule::{
    BackgroundSyncSettings, DecodeError, Field, OVERDUE_DELAY_MAX_MS, OVERDUE_DELAY_MIN_MS,
    next_start, takes_part,
};
use csc_core::{Connectivity, Millis, OfflineCause};

const MINUTE: i64 = 60_000;
const DAY: i64 = 1440 * MINUTE;
/// 2026-03-02 00:00 UTC, a Monday.
const EPOCH: i64 = 1_772_409_600_000;

/// splitmix64: a seeded random source for the schedule's draws.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The start times of `days` of background passes, each taking one minute, the first pass
/// at EPOCH.
fn simulate(settings: &BackgroundSyncSettings, offset: i32, days: i64, seed: u64) -> Vec<i64> {
    let mut rng = Rng(seed);
    let mut starts = vec![EPOCH];
    while *starts.last().unwrap() < EPOCH + days * DAY {
        let last = *starts.last().unwrap();
        let next = next_start(
            settings,
            Some(Millis(last)),
            Millis(last + MINUTE),
            offset,
            rng.next(),
        )
        .expect("background sync is on and can run");
        starts.push(next.0);
    }
    starts
}

fn gaps_in_minutes(starts: &[i64]) -> Vec<f64> {
    starts
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / MINUTE as f64)
        .collect()
}

/// Minutes since local midnight.
fn local_minute(at: i64, offset: i32) -> i64 {
    (at + i64::from(offset) * MINUTE).rem_euclid(DAY) / MINUTE
}

fn settings(interval: u32, variance: u32) -> BackgroundSyncSettings {
    BackgroundSyncSettings {
        sync_interval: interval,
        sync_variance: variance,
        ..BackgroundSyncSettings::default()
    }
}

#[test]
fn the_defaults_are_the_documented_every_360_minutes_plus_0_to_60() {
    let d = BackgroundSyncSettings::default();
    assert_eq!((d.sync_interval, d.sync_variance), (360, 60));
    assert_eq!(
        (
            d.enabled,
            d.max_time_between_syncs,
            d.block_out_duration,
            d.work_offline_shares
        ),
        (true, 0, 0, false)
    );
    assert_eq!(d.validate(), Ok(()));
    for gap in gaps_in_minutes(&simulate(&d, 0, 28, 7)) {
        assert!((360.0..=420.0).contains(&gap), "{gap}");
    }
}

#[test]
fn over_four_weeks_starts_follow_the_previous_start_by_the_interval_plus_a_uniform_variance() {
    let gaps = gaps_in_minutes(&simulate(&settings(60, 10), 0, 28, 1));
    assert!(gaps.len() > 500);
    for gap in &gaps {
        assert!((60.0..=70.0).contains(gap), "a gap of {gap} minutes");
    }
    // Uniform over [60, 70]: the mean near 65, both ends reached.
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    assert!((64.5..65.5).contains(&mean), "mean gap {mean}");
    let (min, max) = gaps
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &g| (a.min(g), b.max(g)));
    assert!(min < 60.2 && max > 69.8, "gaps from {min} to {max}");
}

#[test]
fn a_variance_of_zero_starts_exactly_one_interval_after_the_previous_start() {
    for gap in gaps_in_minutes(&simulate(&settings(30, 0), 0, 7, 2)) {
        assert_eq!(gap, 30.0);
    }
}

#[test]
fn a_block_out_window_across_midnight_holds_every_start_until_it_ends_in_any_time_zone() {
    // 22:00 to 06:00 local time.
    let s = BackgroundSyncSettings {
        block_out_start: 2200,
        block_out_duration: 480,
        ..settings(60, 10)
    };
    for offset in [-840, -300, 0, 330, 545, 840] {
        let starts = simulate(&s, offset, 14, 3);
        let mut mornings = 0;
        for &at in &starts[1..] {
            let minute = local_minute(at, offset);
            assert!(
                (360..1320).contains(&minute),
                "offset {offset}: a start at {:02}:{:02} local time, inside the block-out",
                minute / 60,
                minute % 60
            );
            if minute == 360 && (at + i64::from(offset) * MINUTE) % MINUTE == 0 {
                mornings += 1;
            }
        }
        assert!(
            mornings >= 13,
            "offset {offset}: the first start after each night is at 06:00 ({mornings} of 14)"
        );
    }
}

#[test]
fn a_start_in_the_window_moves_to_its_end_only_while_that_keeps_within_the_maximum_time() {
    // 00:00 to 10:00 local, and never more than 3 hours between two starts.
    let s = BackgroundSyncSettings {
        block_out_start: 0,
        block_out_duration: 600,
        max_time_between_syncs: 180,
        ..settings(60, 30)
    };
    let starts = simulate(&s, 120, 14, 4);
    let mut inside = 0;
    for (w, gap) in starts.windows(2).zip(gaps_in_minutes(&starts)) {
        assert!((60.0..=180.0).contains(&gap), "a gap of {gap} minutes");
        if local_minute(w[1], 120) < 600 {
            // Inside the window only because waiting longer would exceed the maximum, and then
            // as late as the maximum allows.
            inside += 1;
            assert_eq!(gap, 180.0);
        }
    }
    assert!(
        inside >= 14 * 2,
        "{inside} forced starts in two weeks of 10-hour windows"
    );
}

#[test]
fn a_whole_day_block_out_with_a_maximum_syncs_once_per_maximum_and_without_one_never() {
    let s = BackgroundSyncSettings {
        block_out_start: 1230,
        block_out_duration: 1440,
        max_time_between_syncs: 240,
        ..settings(60, 10)
    };
    for gap in gaps_in_minutes(&simulate(&s, -600, 7, 5)) {
        assert_eq!(gap, 240.0);
    }
    let never = BackgroundSyncSettings {
        max_time_between_syncs: 0,
        ..s
    };
    assert_eq!(
        next_start(&never, Some(Millis(EPOCH)), Millis(EPOCH), 0, 42),
        None
    );
    assert_eq!(next_start(&never, None, Millis(EPOCH), 0, 42), None);
}

#[test]
fn an_overdue_pass_runs_after_a_short_random_delay_not_at_once() {
    let s = settings(360, 60);
    let now = EPOCH + 10 * DAY;
    let soon = (now + OVERDUE_DELAY_MIN_MS)..=(now + OVERDUE_DELAY_MAX_MS);
    let mut rng = Rng(6);
    let mut delays = Vec::new();
    for last in [None, Some(Millis(now - 7 * 60 * MINUTE)), Some(Millis(0))] {
        for _ in 0..200 {
            let at = next_start(&s, last, Millis(now), 0, rng.next()).unwrap().0;
            assert!(
                soon.contains(&at),
                "{last:?}: starts {} ms from now",
                at - now
            );
            delays.push(at - now);
        }
    }
    // Page loads on several devices do not all start in the same second.
    let spread = delays.iter().max().unwrap() - delays.iter().min().unwrap();
    assert!(spread > 60_000, "delays spread over {spread} ms");
    // Not overdue: the schedule stands.
    let last = now - 60 * MINUTE;
    let at = next_start(&s, Some(Millis(last)), Millis(now), 0, rng.next())
        .unwrap()
        .0;
    assert!(((last + 360 * MINUTE)..=(last + 420 * MINUTE)).contains(&at));
}

#[test]
fn an_overdue_pass_that_falls_in_the_block_out_waits_for_its_end() {
    // 08:00 to 18:00 UTC; the app opens at 12:00 with the last pass a day ago.
    let s = BackgroundSyncSettings {
        block_out_start: 800,
        block_out_duration: 600,
        ..settings(60, 10)
    };
    let now = EPOCH + 12 * 60 * MINUTE;
    let at = next_start(&s, Some(Millis(now - DAY)), Millis(now), 0, 99).unwrap();
    assert_eq!(at, Millis(EPOCH + 18 * 60 * MINUTE));
    assert!(!s.is_blocked(at, 0));
    assert!(s.is_blocked(Millis(now), 0));
}

#[test]
fn background_sync_switched_off_never_starts() {
    let s = BackgroundSyncSettings {
        enabled: false,
        ..BackgroundSyncSettings::default()
    };
    assert_eq!(next_start(&s, None, Millis(EPOCH), 0, 1), None);
    assert_eq!(next_start(&s, Some(Millis(0)), Millis(EPOCH), 0, 1), None);
}

#[test]
fn each_field_accepts_exactly_its_documented_range() {
    use Field::*;
    let cases: &[(Field, u32, bool)] = &[
        (SyncInterval, 0, false),
        (SyncInterval, 1, true),
        (SyncInterval, 1440, true),
        (SyncInterval, 1441, false),
        (SyncVariance, 0, true),
        (SyncVariance, 3600, true),
        (SyncVariance, 3601, false),
        (MaxTimeBetweenSyncs, 0, true),
        (MaxTimeBetweenSyncs, 359, false),
        (MaxTimeBetweenSyncs, 360, true),
        (MaxTimeBetweenSyncs, 65535, true),
        (MaxTimeBetweenSyncs, 65536, false),
        (BlockOutStartTimeHoursMinutes, 0, true),
        (BlockOutStartTimeHoursMinutes, 2359, true),
        (BlockOutStartTimeHoursMinutes, 2400, true),
        (BlockOutStartTimeHoursMinutes, 2401, false),
        (BlockOutStartTimeHoursMinutes, 1260, false),
        (BlockOutStartTimeHoursMinutes, 2500, false),
        (BlockOutDurationMin, 0, true),
        (BlockOutDurationMin, 1440, true),
        (BlockOutDurationMin, 1441, false),
    ];
    for &(field, value, valid) in cases {
        let mut s = BackgroundSyncSettings::default();
        s.set(field, value).unwrap();
        match s.validate() {
            Ok(()) => assert!(valid, "{field} = {value} was accepted"),
            Err(e) => {
                assert!(!valid, "{field} = {value} was refused: {e}");
                assert_eq!(e.0.len(), 1);
                assert_eq!((e.0[0].field, e.0[0].value), (field, u64::from(value)));
            }
        }
    }
    let mut s = BackgroundSyncSettings::default();
    assert!(s.set(Field::Enabled, 2).is_err(), "a switch is 0 or 1");
}

#[test]
fn every_invalid_field_is_reported_at_once_with_its_value_and_allowed_range() {
    let s = BackgroundSyncSettings {
        sync_interval: 1441,
        block_out_start: 1260,
        ..BackgroundSyncSettings::default()
    };
    let e = s.validate().unwrap_err();
    let fields: Vec<Field> = e.0.iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        [Field::SyncInterval, Field::BlockOutStartTimeHoursMinutes]
    );
    let message = e.to_string();
    for part in [
        "SyncInterval = 1441",
        "1 to 1440 minutes",
        "BlockOutStartTimeHoursMinutes = 1260",
        "minutes 00 to 59",
        "nothing was saved",
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn settings_read_back_as_written_and_a_damaged_record_is_an_error_not_a_guess() {
    let s = BackgroundSyncSettings {
        enabled: false,
        sync_interval: 30,
        sync_variance: 5,
        max_time_between_syncs: 90,
        block_out_start: 2230,
        block_out_duration: 420,
        work_offline_shares: true,
    };
    assert_eq!(BackgroundSyncSettings::decode(&s.encode()), Ok(s));
    assert_eq!(
        BackgroundSyncSettings::decode(""),
        Ok(BackgroundSyncSettings::default())
    );
    for damaged in ["SyncInterval", "SyncInterval=x", "Nonsense=1", "Enabled=7"] {
        assert!(
            matches!(
                BackgroundSyncSettings::decode(damaged),
                Err(DecodeError::Malformed(_))
            ),
            "{damaged}"
        );
    }
    assert!(matches!(
        BackgroundSyncSettings::decode("SyncInterval=0"),
        Err(DecodeError::Invalid(_))
    ));
}

#[test]
fn online_and_slow_link_shares_take_part_work_offline_ones_only_when_enabled_and_others_never() {
    let off = BackgroundSyncSettings::default();
    let on = BackgroundSyncSettings {
        work_offline_shares: true,
        ..off
    };
    let cases = [
        (Connectivity::Online, true, true),
        (Connectivity::Offline(OfflineCause::Slow), true, true),
        (Connectivity::Offline(OfflineCause::Forced), false, true),
        (Connectivity::Offline(OfflineCause::Error), false, false),
        (Connectivity::Offline(OfflineCause::Conflict), false, false),
        (Connectivity::Offline(OfflineCause::Suspended), false, false),
    ];
    for (c, without, with) in cases {
        assert_eq!(
            (takes_part(&off, c), takes_part(&on, c)),
            (without, with),
            "{c:?}"
        );
    }
}

#[test]
fn the_maximum_time_between_syncs_also_caps_the_random_delay() {
    let s = BackgroundSyncSettings {
        max_time_between_syncs: 90,
        ..settings(60, 120)
    };
    let gaps = gaps_in_minutes(&simulate(&s, 0, 7, 8));
    assert!(gaps.iter().all(|g| (60.0..=90.0).contains(g)), "{gaps:?}");
    assert!(gaps.contains(&90.0), "some draws reach the cap");
}
