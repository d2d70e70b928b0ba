use csc_testkit::World;

#[test]
fn smoke() {
    let mut w = World::default();
    w.synced_dir("docs").synced_file("docs/a.txt", "one").synced_file("docs/b.txt", "two");
    w.synced_file("docs/c.txt", "three");
    w.local_write("docs/a.txt", "one-local");
    w.remote_write("docs/b.txt", "two-remote");
    w.local_write("docs/a.txt", "one-local2");
    w.remote_write("docs/c.txt", "three-remote");
    w.local_write("docs/c.txt", "three-local");
    w.local_write("docs/new.txt", "new");
    w.remote_write("docs/rnew.txt", "rnew");
    let plan = w.plan_two_way();
    for item in &plan.items {
        println!("{} {:?} {:?} {:?}", item.path, item.class.state, item.outcome, item.ops.iter().map(|o| &o.action).collect::<Vec<_>>());
    }
    println!("{:?}", plan.conflicts);
    w.apply(&plan);
    let again = w.plan_two_way();
    println!("again: {:?}", again.items.iter().map(|i| (&i.path, i.class.state, &i.outcome)).collect::<Vec<_>>());
    assert!(again.is_noop());
}
