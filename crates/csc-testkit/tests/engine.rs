//! The engine's Synchronize on in-memory stores: what users see.

use csc_testkit::mem::run;
use csc_testkit::p;
use csc_testkit::rig::{Rig, two_way};

#[test]
fn pinning_a_server_folder_deep_with_fill_caches_its_files_in_full() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.remote
        .put_file(&p("docs/sub/b.txt"), b"bravo bravo bravo");
    rig.pin_deep(&p("docs"));
    assert_eq!(
        run(rig.engine.read_file(&p("docs/a.txt"))).unwrap(),
        b"alpha"
    );
    assert_eq!(
        run(rig.engine.read_file(&p("docs/sub/b.txt"))).unwrap(),
        b"bravo bravo bravo"
    );
}

#[test]
fn a_file_written_offline_reaches_the_server_on_the_next_sync() {
    let rig = Rig::new();
    rig.remote.put_file(&p("docs/a.txt"), b"alpha");
    rig.pin_deep(&p("docs"));
    run(rig.engine.write_file(&p("docs/a.txt"), b"alpha v2")).unwrap();
    run(rig.engine.write_file(&p("docs/new.txt"), b"brand new")).unwrap();
    let summary = rig.sync(two_way()).unwrap();
    assert_eq!(summary.failed, 0, "{summary:?}");
    let server = rig.remote.contents();
    assert_eq!(server[&p("docs/a.txt")], b"alpha v2");
    assert_eq!(server[&p("docs/new.txt")], b"brand new");
    // And the next sync has nothing to do.
    let again = rig.sync(two_way()).unwrap();
    assert_eq!(again.items, 0, "{again:?}");
}
