//! A quadrature rotary encoder decoder: the two pins' Gray-code transitions become steps,
//! and every `steps_per_detent` steps in one direction is one click.

/// Steps for a transition from the previous (a, b) state to the next, indexed by
/// `prev << 2 | next`: +1 clockwise, −1 counter-clockwise, 0 for no move or a skipped
/// (invalid) transition.
const TABLE: [i8; 16] = [0, -1, 1, 0, 1, 0, 0, -1, -1, 0, 0, 1, 0, 1, -1, 0];

/// The decoder state of one encoder.
#[derive(Debug, Clone)]
pub struct Quadrature {
    state: u8,
    steps: i32,
    steps_per_detent: i32,
}

impl Quadrature {
    /// A decoder whose first sample sets the resting state.
    pub fn new(steps_per_detent: u8) -> Self {
        Self {
            state: u8::MAX,
            steps: 0,
            steps_per_detent: i32::from(steps_per_detent.max(1)),
        }
    }

    /// One sample of the two pins (after active-low inversion): +1 or −1 when a click
    /// completes, else 0.
    pub fn sample(&mut self, a: bool, b: bool) -> i32 {
        let next = (u8::from(a) << 1) | u8::from(b);
        if self.state == u8::MAX {
            self.state = next;
            return 0;
        }
        let step = TABLE[usize::from((self.state << 2) | next)];
        self.state = next;
        self.steps += i32::from(step);
        if self.steps >= self.steps_per_detent {
            self.steps = 0;
            1
        } else if self.steps <= -self.steps_per_detent {
            self.steps = 0;
            -1
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (a, b) levels of `n` full clockwise cycles (or counter-clockwise if `ccw`).
    pub fn cycles(n: usize, ccw: bool) -> Vec<(bool, bool)> {
        let mut cw = vec![(false, false), (true, false), (true, true), (false, true)];
        if ccw {
            cw = vec![(false, false), (false, true), (true, true), (true, false)];
        }
        let mut out = vec![(false, false)];
        for _ in 0..n {
            out.extend(cw.iter().skip(1).copied());
            out.push((false, false));
        }
        out
    }

    #[test]
    fn clicks_in_both_directions() {
        let mut q = Quadrature::new(4);
        let cw: i32 = cycles(3, false)
            .into_iter()
            .map(|(a, b)| q.sample(a, b))
            .sum();
        assert_eq!(cw, 3);
        let ccw: i32 = cycles(2, true)
            .into_iter()
            .map(|(a, b)| q.sample(a, b))
            .sum();
        assert_eq!(ccw, -2);
    }

    #[test]
    fn jitter_on_one_edge_is_not_a_click() {
        let mut q = Quadrature::new(4);
        let mut total = 0;
        for _ in 0..10 {
            total += q.sample(false, false);
            total += q.sample(true, false);
        }
        total += q.sample(false, false);
        assert_eq!(total, 0);
    }
}
