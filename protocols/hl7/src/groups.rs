//! Which SPM gives the specimen of each segment of a result message, wherever that SPM stands.
//!
//! The two result messages place the SPECIMEN group differently [HL7 v2.5.1]:
//! - ORU^R01 (§7.3.1): `ORDER_OBSERVATION` is `ORC`, `OBR`, …, `OBSERVATION` (`OBX`…), …, then
//!   `SPECIMEN` (`SPM`, `OBX`…). The SPM comes *after* the OBX segments of its order, so the
//!   specimen of an OBX is the first SPM of its order group, before or after it.
//! - OUL^R22 (§7.3.5): `SPECIMEN` is `SPM`, `OBX`…, `CONTAINER`…, then its `ORDER` groups (`OBR`,
//!   `ORC`, `OBX`…). The SPM comes *before* the orders it holds: the specimen of an OBX is the
//!   last SPM before it.
//!
//! A PID starts a new patient in either message and forgets the SPM before it. An order group of
//! an ORU starts at an ORC, or at an OBR that does not follow its own ORC; a group without an SPM
//! takes one that stood before any order of its patient, else has no specimen segment (the reader
//! then falls back to SAC or OBR).

use crate::{Message, Segment};

/// For each segment of `message`, in order, the SPM that gives its specimen (None: no SPM
/// applies). The vector has one entry per segment, aligned with [`Message::segments`].
pub fn specimen_segments<'m>(message: &'m Message<'_>) -> Vec<Option<Segment<'m>>> {
    let segments: Vec<Segment<'m>> = message.segments().collect();
    if message.header().message_type().code == "OUL" {
        return specimen_before(&segments);
    }
    specimen_of_order_group(&segments)
}

/// OUL: the last SPM before each segment, forgotten at a PID.
fn specimen_before<'m>(segments: &[Segment<'m>]) -> Vec<Option<Segment<'m>>> {
    let mut current = None;
    segments
        .iter()
        .map(|seg| {
            match seg.id() {
                "PID" => current = None,
                "SPM" => current = Some(*seg),
                _ => {}
            }
            current
        })
        .collect()
}

/// ORU and the rest: the first SPM of each order group, wherever it stands in the group. An SPM
/// that stands before any order of its patient (as some analyzers write an ORU, OUL-style) gives
/// the specimen of the following orders that have none of their own.
fn specimen_of_order_group<'m>(segments: &[Segment<'m>]) -> Vec<Option<Segment<'m>>> {
    // Group number of each segment; per group its first SPM, whether it holds an order (ORC or
    // OBR), and whether a PID opened it.
    let mut group_of = Vec::with_capacity(segments.len());
    let mut groups = vec![Group::default()];
    // Whether the current group was opened by an ORC whose OBR has not come yet.
    let mut orc_waiting_for_obr = false;
    for seg in segments {
        match seg.id() {
            id @ ("PID" | "ORC") => {
                groups.push(Group {
                    opened_by_pid: id == "PID",
                    has_order: id == "ORC",
                    spm: None,
                });
                orc_waiting_for_obr = id == "ORC";
            }
            "OBR" if orc_waiting_for_obr => orc_waiting_for_obr = false,
            "OBR" => groups.push(Group {
                has_order: true,
                ..Group::default()
            }),
            "SPM" => {
                if let Some(group @ Group { spm: None, .. }) = groups.last_mut() {
                    group.spm = Some(*seg);
                }
            }
            _ => {}
        }
        group_of.push(groups.len() - 1);
    }
    let mut carried = None;
    let effective: Vec<Option<Segment<'m>>> = groups
        .iter()
        .map(|g| {
            if g.opened_by_pid {
                carried = None;
            }
            if !g.has_order && g.spm.is_some() {
                carried = g.spm;
            }
            g.spm.or(if g.has_order { carried } else { None })
        })
        .collect();
    group_of
        .into_iter()
        .map(|g| effective.get(g).copied().flatten())
        .collect()
}

/// One group of segments while reading an ORU.
#[derive(Default)]
struct Group<'m> {
    opened_by_pid: bool,
    has_order: bool,
    spm: Option<Segment<'m>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SPM-2 of the SPM each OBX takes, in OBX order ("-" for none).
    fn specimens_of_obx(text: &str) -> Vec<String> {
        let (message, _) = Message::parse(text.as_bytes()).unwrap();
        let specimens = specimen_segments(&message);
        message
            .segments()
            .zip(specimens)
            .filter(|(seg, _)| seg.id() == "OBX")
            .map(|(_, spm)| {
                spm.map(|s| s.field(2).as_str().to_owned())
                    .unwrap_or_else(|| "-".to_owned())
            })
            .collect()
    }

    #[test]
    fn oru_spm_after_the_observations_of_its_order() {
        // ORU^R01 v2.5.1 §7.3.1: the SPECIMEN group closes ORDER_OBSERVATION.
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.5.1\rPID|1\r\
OBR|1||F1\rOBX|1|NM|GLU||5.5\rOBX|2|NM|CREA||90\rSPM|1|S-001\r";
        assert_eq!(specimens_of_obx(text), ["S-001", "S-001"]);
    }

    #[test]
    fn oru_spm_before_the_observations_still_counts() {
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rSPM|1|S-001\rOBX|1|NM|GLU||5.5\r";
        assert_eq!(specimens_of_obx(text), ["S-001"]);
    }

    #[test]
    fn oru_several_order_groups_each_take_their_own_spm() {
        // The second group's OBX must not take the first group's SPM, nor the first group's OBX
        // the second's; the third group has no SPM at all.
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.5.1\rPID|1\r\
ORC|RE\rOBR|1||F1\rOBX|1|NM|GLU||5.5\rSPM|1|S-001\r\
ORC|RE\rOBR|2||F2\rOBX|1|NM|HBA1C||6.1\rSPM|1|S-002\r\
OBR|3||F3\rOBX|1|NM|K||4.1\r";
        assert_eq!(specimens_of_obx(text), ["S-001", "S-002", "-"]);
    }

    #[test]
    fn oru_without_spm_has_no_specimen_segment() {
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.3.1\rPID|1\r\
OBR|1|S-9\rOBX|1|NM|WBC||8.1\r";
        assert_eq!(specimens_of_obx(text), ["-"]);
    }

    #[test]
    fn oru_spm_before_any_order_gives_the_orders_without_their_own() {
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.5\rPID|1\r\
SPM|1|S-1\rOBR|1\rOBX|1|NM|A||1\rOBR|2\rOBX|1|NM|B||2\rSPM|2|S-2\r";
        assert_eq!(specimens_of_obx(text), ["S-1", "S-2"]);
    }

    #[test]
    fn a_new_patient_forgets_the_spm() {
        let text = "MSH|^~\\&|AN||LIS||20260101||ORU^R01|1|P|2.5.1\rPID|1\r\
OBR|1\rOBX|1|NM|A||1\rSPM|1|S-1\rPID|2\rOBX|1|NM|B||2\r";
        assert_eq!(specimens_of_obx(text), ["S-1", "-"]);
    }

    #[test]
    fn oul_r22_spm_heads_the_orders_it_holds() {
        // OUL^R22 v2.5.1 §7.3.5: SPECIMEN = SPM, then its ORDER groups.
        let text = "MSH|^~\\&|AN||LIS||20260101||OUL^R22|1|P|2.5.1\rPID|1\r\
SPM|1|S-1\rOBR|1\rOBX|1|NM|A||1\rOBR|2\rOBX|1|NM|B||2\r\
SPM|2|S-2\rOBR|3\rOBX|1|NM|C||3\r";
        assert_eq!(specimens_of_obx(text), ["S-1", "S-1", "S-2"]);
    }
}
