//! Pages as a component: a widget that shows one of its pages at a time carries
//! [`Paged`], whatever its kind. The `page`, `next`, `previous` and `alert` commands
//! find pages by name in it and ask for one ([`Paged::show`], [`Paged::force`]); the
//! published state and the page events read which page is shown from it. The kind that
//! carries it serves the requests in its own systems ([`Paged::take_requests`], or
//! [`Paged::serve`] for a kind with no rotation of its own) and keeps it up to date.
//!
//! ```
//! use tinydisplay::widget::paged::{PageEntry, Paged};
//!
//! let mut tabs = Paged::new(["cpu", "net", "disk"].map(PageEntry::named).to_vec());
//! let net = tabs.find("net").expect("a page named net");
//! tabs.show(net, 7);
//! tabs.serve();
//! assert_eq!(tabs.current, Some(1));
//! let next = tabs.step(1).expect("a page to go to");
//! assert_eq!(tabs.names()[next], Some("disk"));
//! ```

use bevy_ecs::prelude::*;

/// One page as the commands see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEntry {
    /// Its `name`, for the `page` and `alert` commands.
    pub name: Option<String>,
    /// Whether the `page` command may show it now (a sequence's page whose `when` is
    /// false may not: its rotation would take it away at once).
    pub showable: bool,
    /// Whether `next` and `previous` stop at it (a sequence's alert pages they skip:
    /// those come by themselves).
    pub in_turn: bool,
}

impl PageEntry {
    /// A page named `name` that may be shown and that `next` and `previous` stop at.
    pub fn named(name: &str) -> PageEntry {
        PageEntry {
            name: Some(name.to_string()),
            showable: true,
            in_turn: true,
        }
    }
}

/// What a command asks of a widget with pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    /// Show page `index` from tick `tick` on (`page`, `next`, `previous`).
    Show {
        /// The page, by index.
        index: usize,
        /// The tick the command came at.
        tick: u64,
    },
    /// Show page `index` above everything else for `ticks` ticks from tick `tick`, then
    /// what was shown before (`alert`).
    Force {
        /// The page, by index.
        index: usize,
        /// The tick the command came at.
        tick: u64,
        /// How long it is shown.
        ticks: u64,
    },
}

/// A widget showing one of its pages at a time (see the module docs).
#[derive(Component, Debug, Clone, PartialEq, Eq, Default)]
pub struct Paged {
    /// Its pages, in order.
    pub pages: Vec<PageEntry>,
    /// The page shown now; None while none is (not yet, or none may be).
    pub current: Option<usize>,
    /// The page `next` and `previous` count from (a sequence's rotation page, also while
    /// an alert is shown above it); None counts from the first.
    pub turn: Option<usize>,
    /// True while the page shown is an alert (an `alert` command's, or an alert page).
    pub alert: bool,
    /// Requests not served yet, in the order they came.
    requests: Vec<PageRequest>,
}

impl Paged {
    /// A widget with these pages, none shown yet.
    pub fn new(pages: Vec<PageEntry>) -> Paged {
        Paged {
            pages,
            ..Paged::default()
        }
    }

    /// Each page's name, in order.
    pub fn names(&self) -> Vec<Option<&str>> {
        self.pages.iter().map(|p| p.name.as_deref()).collect()
    }

    /// The index of the page named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.name.as_deref() == Some(name))
    }

    /// Asks for page `index` from tick `tick` on; `next` and `previous` count from it at
    /// once (a later command of the same tick sees it).
    pub fn show(&mut self, index: usize, tick: u64) {
        if index < self.pages.len() {
            self.requests.push(PageRequest::Show { index, tick });
            self.turn = Some(index);
        }
    }

    /// Asks for page `index` above everything else for `ticks` ticks from tick `tick`.
    pub fn force(&mut self, index: usize, tick: u64, ticks: u64) {
        if index < self.pages.len() {
            self.requests
                .push(PageRequest::Force { index, tick, ticks });
        }
    }

    /// The page `by` steps from [`Paged::turn`] among the pages `next` and `previous` stop
    /// at, wrapping around (`turn` itself when no other is; None without pages).
    pub fn step(&self, by: i64) -> Option<usize> {
        let n = self.pages.len() as i64;
        if n == 0 {
            return None;
        }
        let from = self.turn.unwrap_or(0);
        let next = (1..=n)
            .map(|k| (from as i64 + by * k).rem_euclid(n) as usize)
            .find(|&j| self.pages[j].in_turn)
            .unwrap_or(from);
        Some(next)
    }

    /// True when requests wait to be served.
    pub fn has_requests(&self) -> bool {
        !self.requests.is_empty()
    }

    /// The requests not served yet, in order (the kind serves them).
    pub fn take_requests(&mut self) -> Vec<PageRequest> {
        std::mem::take(&mut self.requests)
    }

    /// Serves the waiting requests the simple way, for a kind with no rotation of its
    /// own: the page asked for last is the one shown, an `alert` one counting as an
    /// alert. Returns true when a request was served.
    pub fn serve(&mut self) -> bool {
        let requests = self.take_requests();
        for r in &requests {
            match *r {
                PageRequest::Show { index, .. } => {
                    self.current = Some(index);
                    self.turn = Some(index);
                    self.alert = false;
                }
                PageRequest::Force { index, .. } => {
                    self.current = Some(index);
                    self.alert = true;
                }
            }
        }
        !requests.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paged() -> Paged {
        let mut p = Paged::new(["a", "b", "c", "d"].map(PageEntry::named).to_vec());
        p.pages[2].in_turn = false;
        p
    }

    #[test]
    fn steps_skip_pages_not_in_turn_and_wrap_around() {
        let mut p = paged();
        assert_eq!(p.step(1), Some(1), "from the first when none was shown");
        p.turn = Some(1);
        assert_eq!(p.step(1), Some(3), "c is skipped");
        assert_eq!(p.step(-1), Some(0));
        p.turn = Some(3);
        assert_eq!(p.step(1), Some(0), "wraps around");
        assert_eq!(Paged::default().step(1), None);
    }

    #[test]
    fn requests_wait_in_order_and_show_counts_at_once() {
        let mut p = paged();
        p.show(3, 5);
        assert_eq!(p.turn, Some(3), "a later next counts from here");
        p.force(1, 6, 60);
        p.show(9, 7);
        assert_eq!(
            p.take_requests(),
            [
                PageRequest::Show { index: 3, tick: 5 },
                PageRequest::Force {
                    index: 1,
                    tick: 6,
                    ticks: 60
                },
            ],
            "an index past the pages is not asked for"
        );
        assert!(!p.has_requests());
    }

    #[test]
    fn serve_shows_the_page_asked_for_last() {
        let mut p = paged();
        assert!(!p.serve());
        p.show(1, 0);
        p.force(3, 0, 10);
        assert!(p.serve());
        assert_eq!((p.current, p.turn, p.alert), (Some(3), Some(1), true));
    }
}
