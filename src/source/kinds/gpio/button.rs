//! A debounced button as a pure state machine: fed (is it active?, time in ms) samples, it
//! answers press, long press and release events.

/// What a button did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonEvent {
    /// It went down (after debouncing).
    Press,
    /// It has been held for the long-press time (once per press).
    LongPress,
    /// It came up; `long` tells whether a long press was reported for this press.
    Release {
        /// Whether this press had become a long press.
        long: bool,
    },
}

/// Debounce and long-press state of one button.
#[derive(Debug, Clone)]
pub struct Debouncer {
    debounce_ms: u64,
    long_press_ms: u64,
    stable: bool,
    candidate: bool,
    candidate_since: u64,
    pressed_at: u64,
    long_sent: bool,
}

impl Debouncer {
    /// A released button; a level must hold `debounce_ms` to count, a press held
    /// `long_press_ms` (0: never) is a long press.
    pub fn new(debounce_ms: u64, long_press_ms: u64) -> Self {
        Self {
            debounce_ms,
            long_press_ms,
            stable: false,
            candidate: false,
            candidate_since: 0,
            pressed_at: 0,
            long_sent: false,
        }
    }

    /// Whether the button is (debounced) down.
    pub fn is_down(&self) -> bool {
        self.stable
    }

    /// One sample: `active` is the pin's level after active-low inversion.
    pub fn sample(&mut self, active: bool, now_ms: u64) -> Option<ButtonEvent> {
        if active != self.candidate {
            self.candidate = active;
            self.candidate_since = now_ms;
        }
        let settled = now_ms.saturating_sub(self.candidate_since) >= self.debounce_ms;
        if settled && self.candidate != self.stable {
            self.stable = self.candidate;
            return Some(if self.stable {
                self.pressed_at = now_ms;
                self.long_sent = false;
                ButtonEvent::Press
            } else {
                ButtonEvent::Release {
                    long: self.long_sent,
                }
            });
        }
        if self.stable
            && !self.long_sent
            && self.long_press_ms > 0
            && now_ms.saturating_sub(self.pressed_at) >= self.long_press_ms
        {
            self.long_sent = true;
            return Some(ButtonEvent::LongPress);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(d: &mut Debouncer, samples: &[(bool, u64)]) -> Vec<(u64, ButtonEvent)> {
        samples
            .iter()
            .filter_map(|&(a, t)| d.sample(a, t).map(|e| (t, e)))
            .collect()
    }

    #[test]
    fn bounces_are_ignored_and_a_clean_press_counts() {
        let mut d = Debouncer::new(20, 0);
        // Contact bounce: flips every 5 ms for 15 ms, then settles down.
        let samples = [
            (true, 0),
            (false, 5),
            (true, 10),
            (false, 15),
            (true, 20),
            (true, 30),
            (true, 40),
            (false, 100),
            (true, 105),
            (false, 110),
            (false, 125),
            (false, 131),
        ];
        assert_eq!(
            run(&mut d, &samples),
            [
                (40, ButtonEvent::Press),
                (131, ButtonEvent::Release { long: false })
            ]
        );
    }

    #[test]
    fn a_held_button_is_one_long_press() {
        let mut d = Debouncer::new(10, 500);
        let mut samples: Vec<(bool, u64)> = (0..=70).map(|i| (true, i * 10)).collect();
        samples.push((false, 710));
        samples.push((false, 720));
        assert_eq!(
            run(&mut d, &samples),
            [
                (10, ButtonEvent::Press),
                (510, ButtonEvent::LongPress),
                (720, ButtonEvent::Release { long: true })
            ]
        );
    }
}
