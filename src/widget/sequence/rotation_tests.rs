use super::*;

fn page(duration: u32) -> Page {
    Page {
        duration,
        min_duration: 0,
        cooldown: 0,
        priority: None,
        on_change: vec![],
        eligible: true,
        hold: false,
        default: false,
    }
}

fn alert(priority: u32) -> Page {
    Page {
        priority: Some(priority),
        hold: true,
        ..page(90)
    }
}

/// The page shown at each tick of `range`, stepping.
fn shown(
    st: &mut SequenceState,
    pages: &[Page],
    range: std::ops::Range<u64>,
) -> Vec<Option<usize>> {
    let refs: Vec<&Page> = pages.iter().collect();
    range
        .map(|t| {
            advance(st, &refs, &[], t);
            displayed(st, &refs)
        })
        .collect()
}

#[test]
fn rotates_skips_and_honours_cooldown() {
    let mut pages = [page(10), page(5), page(5)];
    pages[1].eligible = false;
    pages[2].cooldown = 100;
    let mut st = SequenceState::default();
    let s = shown(&mut st, &pages, 0..60);
    assert_eq!(s[0..10], [Some(0); 10]);
    assert_eq!(s[10..15], [Some(2); 5], "page 1 is skipped while false");
    assert_eq!(s[15..25], [Some(0); 10]);
    assert_eq!(s[25], Some(0), "page 2 is cooling down, page 0 goes on");
}

#[test]
fn a_page_whose_condition_fails_stays_its_minimum() {
    let mut pages = [page(50), page(50)];
    pages[0].min_duration = 10;
    let mut st = SequenceState::default();
    shown(&mut st, &pages, 0..1);
    pages[0].eligible = false;
    let s = shown(&mut st, &pages, 1..11);
    assert_eq!(s[..9], [Some(0); 9], "within its minimum");
    assert_eq!(s[9], Some(1));
}

#[test]
fn no_eligible_page_shows_the_default_page_or_nothing() {
    let mut pages = [page(10), page(10), page(10)];
    pages[0].eligible = false;
    pages[1].eligible = false;
    pages[2].default = true;
    let mut st = SequenceState::default();
    assert_eq!(
        shown(&mut st, &pages, 0..30),
        [Some(2); 30],
        "the default page"
    );
    pages[1].eligible = true;
    assert_eq!(
        shown(&mut st, &pages, 30..31),
        [Some(1)],
        "a page turned eligible is shown"
    );
    pages[1].eligible = false;
    assert_eq!(
        shown(&mut st, &pages, 31..32),
        [Some(2)],
        "back to the default"
    );
    pages[2].default = false;
    pages[2].eligible = false;
    let mut st = SequenceState::default();
    assert_eq!(
        shown(&mut st, &pages, 0..5),
        [None; 5],
        "nothing, never a false page"
    );
}

#[test]
fn an_alert_true_at_the_start_is_shown_from_tick_0_while_it_holds() {
    let mut pages = [page(20), page(20), alert(1)];
    let mut st = SequenceState::default();
    assert_eq!(shown(&mut st, &pages, 0..50), [Some(2); 50]);
    pages[2].eligible = false;
    let s = shown(&mut st, &pages, 50..75);
    assert_eq!(s[0..20], [Some(0); 20], "the rotation starts where it was");
    assert_eq!(s[20], Some(1));
}

#[test]
fn an_alert_with_a_duration_is_shown_again_after_its_cooldown() {
    let mut pages = [page(100), alert(1)];
    pages[1].hold = false;
    pages[1].duration = 10;
    pages[1].cooldown = 30;
    let mut st = SequenceState::default();
    let s = shown(&mut st, &pages, 0..90);
    assert_eq!(s[0..10], [Some(1); 10]);
    assert_eq!(s[10..40], [Some(0); 30]);
    assert_eq!(s[40..50], [Some(1); 10]);
    assert_eq!(s[50..80], [Some(0); 30]);
    assert_eq!(s[80], Some(1));
}

#[test]
fn an_on_change_alert_preempts_and_the_rotation_resumes_where_it_was() {
    let mut pages = [page(20), page(20), page(6)];
    pages[2].priority = Some(1);
    pages[2].on_change = vec!["mpd.volume".into()];
    let refs: Vec<&Page> = pages.iter().collect();
    let mut st = SequenceState::default();
    for t in 0..5 {
        advance(&mut st, &refs, &[], t);
    }
    assert_eq!(st.alert, None, "no change yet: an on_change alert waits");
    advance(&mut st, &refs, &["mpd.volume".to_string()], 5);
    assert_eq!(st.alert, Some(2));
    for t in 6..11 {
        advance(&mut st, &refs, &[], t);
        assert_eq!(displayed(&st, &refs), Some(2), "alert still shown at {t}");
    }
    advance(&mut st, &refs, &[], 11);
    assert_eq!((st.alert, st.current), (None, Some(0)));
    // Page 0 had shown 5 of its 20 ticks: it leaves 15 ticks after the resume.
    for t in 12..26 {
        advance(&mut st, &refs, &[], t);
        assert_eq!(st.current, Some(0), "tick {t}");
    }
    advance(&mut st, &refs, &[], 26);
    assert_eq!(st.current, Some(1));
}

#[test]
fn jumping_to_a_tick_gives_the_state_stepping_gives() {
    let mut pages = [page(17), page(9), page(13), alert(2), page(30)];
    pages[1].cooldown = 40;
    pages[3].hold = false;
    pages[3].duration = 11;
    pages[3].cooldown = 57;
    pages[4].default = true;
    pages[2].eligible = false;
    let refs: Vec<&Page> = pages.iter().collect();
    for target in [1u64, 16, 17, 40, 99, 250, 1001] {
        let mut stepped = SequenceState::default();
        for t in 0..=target {
            advance(&mut stepped, &refs, &[], t);
        }
        let mut jumped = SequenceState::default();
        advance(&mut jumped, &refs, &[], 0);
        advance(&mut jumped, &refs, &[], target);
        assert_eq!(stepped, jumped, "tick {target}");
    }
}

#[test]
fn a_forced_page_tops_every_alert_for_its_time_then_the_rotation_resumes() {
    let mut pages = [page(20), page(20), alert(9), page(5)];
    pages[2].eligible = false;
    let refs: Vec<&Page> = pages.iter().collect();
    let mut st = SequenceState::default();
    for t in 0..5 {
        advance(&mut st, &refs, &[], t);
    }
    // Page 3 (a rotation page) forced at tick 5 for 10 ticks.
    st.force(3, refs.len(), 5, 10);
    for t in 5..15 {
        advance(&mut st, &refs, &[], t);
        assert_eq!(displayed(&st, &refs), Some(3), "forced at {t}");
    }
    // An alert raised meanwhile waits behind it, then shows.
    pages[2].eligible = true;
    let refs: Vec<&Page> = pages.iter().collect();
    advance(&mut st, &refs, &[], 14);
    assert_eq!(displayed(&st, &refs), Some(3), "the forced page is on top");
    advance(&mut st, &refs, &[], 15);
    assert_eq!(
        displayed(&st, &refs),
        Some(2),
        "the alert after the forced page"
    );
    pages[2].eligible = false;
    let refs: Vec<&Page> = pages.iter().collect();
    advance(&mut st, &refs, &[], 16);
    assert_eq!(
        (st.alert, st.current),
        (None, Some(0)),
        "the rotation resumes with the page it was on"
    );
    // Jumping over a forced page's end gives what stepping gives.
    let mut stepped = SequenceState::default();
    let mut jumped = SequenceState::default();
    advance(&mut stepped, &refs, &[], 0);
    advance(&mut jumped, &refs, &[], 0);
    stepped.force(1, refs.len(), 1, 7);
    jumped.force(1, refs.len(), 1, 7);
    for t in 1..=60 {
        advance(&mut stepped, &refs, &[], t);
    }
    advance(&mut jumped, &refs, &[], 1);
    advance(&mut jumped, &refs, &[], 60);
    assert_eq!(stepped, jumped);
}

#[test]
fn long_jumps_skip_whole_periods_and_match_stepping() {
    let mut pages = [page(17), page(9), page(13), alert(2), page(30), page(5)];
    pages[1].cooldown = 40;
    pages[3].hold = false;
    pages[3].duration = 11;
    pages[3].cooldown = 57;
    pages[4].default = true;
    pages[2].eligible = false;
    pages[5].min_duration = 3;
    pages[5].cooldown = 23;
    let refs: Vec<&Page> = pages.iter().collect();
    let mut stepped = SequenceState::default();
    let mut t = 0;
    for target in [3000u64, 4321, 7919, 12_000] {
        while t <= target {
            advance(&mut stepped, &refs, &[], t);
            t += 1;
        }
        let mut jumped = SequenceState::default();
        advance(&mut jumped, &refs, &[], 0);
        advance(&mut jumped, &refs, &[], target);
        assert_eq!(stepped, jumped, "tick {target}");
    }
}

#[test]
fn a_jump_to_the_end_of_time_ends() {
    let pages = [page(3), page(4), page(5)];
    let refs: Vec<&Page> = pages.iter().collect();
    let mut st = SequenceState::default();
    advance(&mut st, &refs, &[], 0);
    // Event by event this is 10^18 steps: it only ends when whole periods are skipped.
    advance(&mut st, &refs, &[], u64::MAX - 1);
    // The rotation has a period of 12 ticks: page 0 for ticks 0..3 of each period.
    let phase = (u64::MAX - 1) % 12;
    let expect = if phase < 3 {
        0
    } else if phase < 7 {
        1
    } else {
        2
    };
    assert_eq!(st.current, Some(expect));
    let mut again = SequenceState::default();
    advance(&mut again, &refs, &[], 0);
    advance(&mut again, &refs, &[], 1_000_000_000_000 - 1);
    for t in 1_000_000_000_000..1_000_000_000_030 {
        advance(&mut again, &refs, &[], t);
        assert_eq!(
            again.current,
            Some(match t % 12 {
                0..3 => 0,
                3..7 => 1,
                _ => 2,
            }),
            "tick {t}"
        );
    }
}
