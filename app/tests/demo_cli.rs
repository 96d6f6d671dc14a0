//! `bulwark demo` tells the story, not the runtime: the program's own logs (`Instruction: …`,
//! a refused attempt's `AnchorError`) appear only with `--program-logs`.

mod common;

#[test]
fn the_demo_prints_its_story_and_the_program_logs_only_when_asked() {
    let quiet = common::bulwark(&["demo"]);
    let story = String::from_utf8_lossy(&quiet.stdout);
    assert!(quiet.status.success(), "{story}");
    assert!(story.contains("vault = buckets: yes"), "{story}");
    assert!(!story.contains("Instruction:"), "{story}");
    assert!(!story.contains("AnchorError"), "{story}");
    let loud = common::bulwark(&["demo", "--program-logs"]);
    let all = String::from_utf8_lossy(&loud.stdout);
    assert!(loud.status.success());
    assert!(all.contains("Instruction:"));
    assert!(all.lines().count() > story.lines().count());
}
