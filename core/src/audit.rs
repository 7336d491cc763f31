//! The audit trail's hash chain.
//!
//! Every change is an [`AuditEntry`]; its hash is `SHA-256(prev_hash || canonical bytes)` where
//! the canonical bytes are the JSON array `[seq, at_ms, actor, action, entity, entity_id, old,
//! new, reason]` (with the client's address as a tenth element when the change came from a
//! person's request that recorded one, so entries written before addresses were kept verify
//! unchanged), and the first entry's `prev_hash` is 32 zero bytes. [`verify_entries`] walks
//! the entries in `seq` order and reports every entry whose hash does not match its content
//! (edited), whose `prev_hash` is not the previous entry's hash (deleted, inserted or
//! reordered), or whose `seq` skips a number (deleted). Rewriting the whole chain from some entry
//! on is not detectable from the chain alone: keep the head hash ([`AuditReport::head`]) outside
//! the database (printed or sent off-site) to detect that.
//!
//! The SQL that stores entries is in `store`; this module is pure.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in Unix milliseconds.
    pub at_ms: i64,
    /// Who (`system`, `user:3`, `instrument:DEMO-CHEM`, `his:name`).
    pub actor: String,
    /// What (`result.verify`, `order.place`, ...).
    pub action: String,
    /// Kind of thing changed (`result`, `order`, ...).
    pub entity: String,
    /// Its id.
    pub entity_id: String,
    /// Old value as JSON, if any.
    pub old: Option<String>,
    /// New value as JSON, if any.
    pub new: Option<String>,
    /// Reason given, if any.
    pub reason: Option<String>,
    /// The address of the client whose request made the change (a UI action), if recorded.
    #[serde(default)]
    pub client_address: Option<String>,
    /// The previous entry's hash (zeros for the first).
    pub prev_hash: [u8; 32],
    /// This entry's hash.
    pub hash: [u8; 32],
}

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of an entry's content chained to `prev_hash`.
#[allow(clippy::too_many_arguments)] // The audit row's columns, hashed in one place.
pub fn chain_hash(
    prev_hash: &[u8; 32],
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    old: Option<&str>,
    new: Option<&str>,
    reason: Option<&str>,
) -> [u8; 32] {
    chain_hash_from(
        prev_hash, seq, at_ms, actor, action, entity, entity_id, old, new, reason, None,
    )
}

/// The hash of an entry's content chained to `prev_hash`, with the client's address when one
/// was recorded (a tenth element of the canonical array; none: exactly [`chain_hash`]).
#[allow(clippy::too_many_arguments)] // The audit row's columns, hashed in one place.
pub fn chain_hash_from(
    prev_hash: &[u8; 32],
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    old: Option<&str>,
    new: Option<&str>,
    reason: Option<&str>,
    client_address: Option<&str>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev_hash);
    // The canonical JSON is written straight into the hash (no JSON tree, no string of it);
    // serde_json writes a tuple exactly as it writes the same array built as a value.
    // Writing into a hash cannot fail, and these values always serialize.
    let _ = match client_address {
        None => serde_json::to_writer(
            HashWriter(&mut h),
            &(
                seq, at_ms, actor, action, entity, entity_id, old, new, reason,
            ),
        ),
        Some(address) => serde_json::to_writer(
            HashWriter(&mut h),
            &(
                seq, at_ms, actor, action, entity, entity_id, old, new, reason, address,
            ),
        ),
    };
    h.finalize().into()
}

/// Feeds what is written into a SHA-256.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AuditEntry {
    /// The hash this entry's content should have.
    pub fn expected_hash(&self) -> [u8; 32] {
        chain_hash_from(
            &self.prev_hash,
            self.seq,
            self.at_ms,
            &self.actor,
            &self.action,
            &self.entity,
            &self.entity_id,
            self.old.as_deref(),
            self.new.as_deref(),
            self.reason.as_deref(),
            self.client_address.as_deref(),
        )
    }
}

/// What is wrong at one place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditProblem {
    /// The entry's content does not match its hash: it was edited.
    Edited {
        /// The entry.
        seq: i64,
    },
    /// The entry's `prev_hash` is not the previous entry's hash: an entry before it was deleted,
    /// inserted or moved.
    BrokenLink {
        /// The entry.
        seq: i64,
    },
    /// The sequence skips numbers: entries were deleted.
    Gap {
        /// The number expected.
        expected: i64,
        /// The number found.
        found: i64,
    },
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's hash, hex (write it down to detect a rewritten chain later).
    pub head: String,
    /// Every problem found, in chain order; empty when the chain is intact.
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    /// Whether the chain is intact.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first entry at which the chain breaks.
    pub fn first_broken_seq(&self) -> Option<i64> {
        self.problems.first().map(|p| match p {
            AuditProblem::Edited { seq } | AuditProblem::BrokenLink { seq } => *seq,
            AuditProblem::Gap { found, .. } => *found,
        })
    }
}

/// Checks entries given in ascending `seq` order.
pub fn verify_entries(entries: impl IntoIterator<Item = AuditEntry>) -> AuditReport {
    let mut prev = GENESIS;
    let mut expected_seq = 1;
    let mut count = 0;
    let mut problems = Vec::new();
    for e in entries {
        count += 1;
        if e.seq != expected_seq {
            problems.push(AuditProblem::Gap {
                expected: expected_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != prev {
            problems.push(AuditProblem::BrokenLink { seq: e.seq });
        }
        if e.expected_hash() != e.hash {
            problems.push(AuditProblem::Edited { seq: e.seq });
        }
        prev = e.hash;
        expected_seq = e.seq + 1;
    }
    AuditReport {
        entries: count,
        head: hex(&prev),
        problems,
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at_ms: 1_700_000_000_000 + seq,
                    actor: "user:1".into(),
                    action: "result.verify".into(),
                    entity: "result".into(),
                    entity_id: seq.to_string(),
                    old: Some(r#"{"state":"pending_review"}"#.into()),
                    new: Some(r#"{"state":"verified"}"#.into()),
                    reason: None,
                    // Entries with and without a recorded client address, in one chain.
                    client_address: (seq % 2 == 0).then(|| "192.168.1.20".to_owned()),
                    prev_hash: prev,
                    hash: [0; 32],
                };
                e.hash = e.expected_hash();
                prev = e.hash;
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let r = verify_entries(chain(5));
        assert!(r.is_intact());
        assert_eq!(r.entries, 5);
        assert_eq!(r.head.len(), 64);
        assert!(verify_entries(Vec::new()).is_intact());
    }

    #[test]
    fn a_changed_client_address_is_an_edit_and_none_hashes_as_before() {
        let mut c = chain(3);
        c[1].client_address = Some("10.0.0.9".to_owned());
        let r = verify_entries(c);
        assert_eq!(r.problems, vec![AuditProblem::Edited { seq: 2 }]);
        // Without an address, the hash is the nine-column one entries always had.
        let e = &chain(1)[0];
        assert_eq!(
            e.hash,
            chain_hash(
                &GENESIS,
                1,
                e.at_ms,
                "user:1",
                "result.verify",
                "result",
                "1",
                e.old.as_deref(),
                e.new.as_deref(),
                None
            )
        );
    }

    #[test]
    fn sha256_of_empty_input_is_the_published_value() {
        // FIPS 180-2 test vector, to pin the hash function used.
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn entry_hash_is_sha256_of_the_documented_canonical_json() {
        // Computed outside this code (Python hashlib) over 32 zero bytes followed by
        // [7,1700000000000,"user:3","result.verify","result","42",null,"{\"state\":\"verified\"}","Nguyễn đã kiểm tra"]
        // so that a change in how the canonical bytes are produced cannot go unnoticed: every
        // stored chain depends on them.
        let hash = chain_hash(
            &GENESIS,
            7,
            1_700_000_000_000,
            "user:3",
            "result.verify",
            "result",
            "42",
            None,
            Some(r#"{"state":"verified"}"#),
            Some("Nguyễn đã kiểm tra"),
        );
        assert_eq!(
            hex(&hash),
            "bb8fd91dfef6892c549e6605c21de2824cb414cf563549744f6b6f5ecd6c89bd"
        );
    }

    #[test]
    fn edit_is_detected_at_its_seq() {
        let mut c = chain(5);
        c[2].new = Some(r#"{"state":"released"}"#.into());
        let r = verify_entries(c);
        assert_eq!(r.problems, vec![AuditProblem::Edited { seq: 3 }]);
        assert_eq!(r.first_broken_seq(), Some(3));
    }

    #[test]
    fn edit_with_recomputed_hash_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].reason = Some("cover-up".into());
        c[2].hash = c[2].expected_hash();
        let r = verify_entries(c);
        assert_eq!(r.problems, vec![AuditProblem::BrokenLink { seq: 4 }]);
    }

    #[test]
    fn deletion_is_detected() {
        let mut c = chain(5);
        c.remove(1);
        let r = verify_entries(c);
        assert_eq!(
            r.problems,
            vec![
                AuditProblem::Gap {
                    expected: 2,
                    found: 3
                },
                AuditProblem::BrokenLink { seq: 3 }
            ]
        );
    }

    #[test]
    fn reordering_is_detected() {
        let mut c = chain(5);
        // Swap the contents of entries 2 and 3 but keep the seq numbers in order.
        let (a, b) = (c[1].clone(), c[2].clone());
        c[1] = AuditEntry { seq: 2, ..b };
        c[2] = AuditEntry { seq: 3, ..a };
        let r = verify_entries(c);
        assert!(!r.is_intact());
        assert_eq!(r.first_broken_seq(), Some(2));
    }
}
