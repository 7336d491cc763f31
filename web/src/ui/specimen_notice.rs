//! What a specimen action did, carried through its redirect (Post/Redirect/Get) as a short
//! query of codes (`?done=verify&n=2&refused=17-callback`), never as free text, and shown once
//! on the page as a notice in the user's language: how many results it acted on and, for each
//! result it refused, the test and why.

use lis_core::model::ResultId;
use lis_core::StoreError;

use super::i18n::{Lang, Text};
use super::layout::{Notice, NoticeKind};
use super::result_texts::ResultMsg;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Results verified.
    Verified,
    /// Results released.
    Released,
    /// Results verified and released (one-step labs).
    VerifiedReleased,
    /// Reruns requested.
    Rerun,
    /// Results rejected.
    Rejected,
    /// Comments saved.
    Commented,
    /// A call-back recorded.
    Callback,
    /// A result entered by hand.
    Entered,
    /// A value edited (a new version).
    Edited,
    /// A released result corrected.
    Corrected,
}

impl Done {
    const ALL: [Self; 10] = [
        Self::Verified,
        Self::Released,
        Self::VerifiedReleased,
        Self::Rerun,
        Self::Rejected,
        Self::Commented,
        Self::Callback,
        Self::Entered,
        Self::Edited,
        Self::Corrected,
    ];

    /// The query code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "verify",
            Self::Released => "release",
            Self::VerifiedReleased => "verify-release",
            Self::Rerun => "rerun",
            Self::Rejected => "reject",
            Self::Commented => "comment",
            Self::Callback => "callback",
            Self::Entered => "enter",
            Self::Edited => "edit",
            Self::Corrected => "correct",
        }
    }

    fn msg(self) -> ResultMsg {
        match self {
            Self::Verified => ResultMsg::DoneVerified,
            Self::Released => ResultMsg::DoneReleased,
            Self::VerifiedReleased => ResultMsg::DoneVerifiedReleased,
            Self::Rerun => ResultMsg::DoneRerun,
            Self::Rejected => ResultMsg::DoneRejected,
            Self::Commented => ResultMsg::DoneCommented,
            Self::Callback => ResultMsg::DoneCallback,
            Self::Entered => ResultMsg::DoneEntered,
            Self::Edited => ResultMsg::DoneEdited,
            Self::Corrected => ResultMsg::DoneCorrected,
        }
    }
}

/// Why one result of a multi-result action was not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Someone changed it since the page was read.
    Stale,
    /// Critical, without a "told" call-back.
    Callback,
    /// The role or the lab's policy does not allow it.
    Forbidden,
    /// Its state does not allow the action.
    State,
    /// The QC of its instrument and test is rejected (and not overridden).
    Qc,
}

impl Refusal {
    const ALL: [Self; 5] = [
        Self::Stale,
        Self::Callback,
        Self::Forbidden,
        Self::State,
        Self::Qc,
    ];

    /// The refusal a store error is, or `None` for an error that is not a person's refusal
    /// (the database failed): that ends the whole action.
    pub fn of(error: &StoreError) -> Option<Self> {
        match error {
            StoreError::Stale { .. } => Some(Self::Stale),
            StoreError::CallbackRequired { .. } => Some(Self::Callback),
            StoreError::QcRejected { .. } => Some(Self::Qc),
            StoreError::Forbidden { .. } => Some(Self::Forbidden),
            StoreError::IllegalTransition(_)
            | StoreError::Invalid { .. }
            | StoreError::Conflict { .. } => Some(Self::State),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Stale => "stale",
            Self::Callback => "callback",
            Self::Forbidden => "forbidden",
            Self::State => "state",
            Self::Qc => "qc",
        }
    }

    fn msg(self) -> ResultMsg {
        match self {
            Self::Stale => ResultMsg::RefusedStale,
            Self::Callback => ResultMsg::RefusedCallback,
            Self::Forbidden => ResultMsg::RefusedForbidden,
            Self::State => ResultMsg::RefusedState,
            Self::Qc => ResultMsg::RefusedQc,
        }
    }
}

/// The outcome of one specimen action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What was done.
    pub done: Done,
    /// To how many results (or comments).
    pub count: usize,
    /// The results refused, with why, in the order they were sent.
    pub refused: Vec<(ResultId, Refusal)>,
}

impl Outcome {
    /// The query that carries it: `done=verify&n=2&refused=17-callback`.
    pub fn query(&self) -> String {
        let mut q = format!("done={}&n={}", self.done.code(), self.count);
        for (id, why) in &self.refused {
            q.push_str(&format!("&refused={id}-{}", why.code()));
        }
        q
    }

    /// Reads the query of a redirect. A query without a known `done` is no outcome (the page
    /// shows no notice); a `refused` pair that does not read is left out of the notice.
    pub fn from_query(pairs: &[(String, String)]) -> Option<Self> {
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let done = Done::ALL
            .into_iter()
            .find(|d| Some(d.code()) == value("done"))?;
        let count = value("n")?.parse().ok()?;
        let refused = pairs
            .iter()
            .filter(|(k, _)| k == "refused")
            .filter_map(|(_, v)| {
                let (id, why) = v.split_once('-')?;
                let why = Refusal::ALL.into_iter().find(|r| r.code() == why)?;
                Some((id.parse().ok()?, why))
            })
            .collect();
        Some(Self {
            done,
            count,
            refused,
        })
    }

    /// The notice: what was done and, when some results were refused, which (by `name_of`)
    /// and why. A notice with refusals is a problem notice.
    pub fn notice(&self, lang: Lang, name_of: impl Fn(ResultId) -> String) -> Notice {
        let mut text = self
            .done
            .msg()
            .fill(lang, &[("count", &self.count.to_string())]);
        if !self.refused.is_empty() {
            let items: Vec<String> = self
                .refused
                .iter()
                .map(|(id, why)| format!("{} ({})", name_of(*id), why.msg().text(lang)))
                .collect();
            text.push(' ');
            text.push_str(&ResultMsg::NotDone.fill(lang, &[("items", &items.join("; "))]));
        }
        Notice {
            kind: if self.refused.is_empty() {
                NoticeKind::Done
            } else {
                NoticeKind::Problem
            },
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(query).unwrap()
    }

    #[test]
    fn an_outcome_goes_through_the_query_and_back() {
        let outcome = Outcome {
            done: Done::Released,
            count: 2,
            refused: vec![(17, Refusal::Callback), (18, Refusal::Stale)],
        };
        let query = outcome.query();
        assert_eq!(
            query,
            "done=release&n=2&refused=17-callback&refused=18-stale"
        );
        assert_eq!(Outcome::from_query(&pairs(&query)), Some(outcome));
    }

    #[test]
    fn the_notice_says_what_was_done_and_what_was_refused() {
        let name = |id: ResultId| format!("Test {id}");
        let done = Outcome {
            done: Done::Verified,
            count: 2,
            refused: Vec::new(),
        };
        let notice = done.notice(Lang::En, name);
        assert_eq!(notice.text, "Results verified: 2.");
        assert_eq!(notice.kind, NoticeKind::Done);
        assert_eq!(done.notice(Lang::Vi, name).text, "Đã xác nhận 2 kết quả.");
        let partly = Outcome {
            done: Done::Released,
            count: 1,
            refused: vec![(9, Refusal::Callback)],
        };
        let notice = partly.notice(Lang::En, name);
        assert_eq!(
            notice.text,
            "Results released: 1. Not done: Test 9 (no call-back recorded yet)."
        );
        assert_eq!(notice.kind, NoticeKind::Problem);
    }

    #[test]
    fn a_query_that_is_not_ours_shows_nothing_or_leaves_out_what_does_not_read() {
        assert_eq!(Outcome::from_query(&pairs("done=launch&n=1")), None);
        assert_eq!(Outcome::from_query(&pairs("done=verify")), None);
        assert_eq!(Outcome::from_query(&pairs("done=verify&n=x")), None);
        let odd =
            Outcome::from_query(&pairs("done=verify&n=1&refused=x-stale&refused=3-sky")).unwrap();
        assert!(odd.refused.is_empty());
    }
}
