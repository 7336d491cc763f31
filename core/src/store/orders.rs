//! Patients, orders, specimens, the instrument work list (host queries, order download) and
//! the outbox for the HIS.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::decode::At;
use super::{audit_log, ms, ts, Store};
use crate::error::StoreError;
use crate::model::{
    Actor, AssigningAuthority, NewOrder, NewPatient, Order, OrderId, OrderStatus, OrderedTest,
    OrderedTestId, OrderedTestStatus, Patient, PatientId, PersonName, Priority, RequestedTest,
    ResultId, Sex, Specimen, TestOrigin,
};
use crate::name_search;

/// The columns [`patient_row`] reads, in its order.
pub(super) const PATIENT_COLUMNS: &str = "id, his_id, name, sex, birth_date, name_family, \
    name_given, name_middle, his_id_authority, his_id_authority_uid, his_id_authority_uid_type, \
    his_id_type";

/// A patient from [`PATIENT_COLUMNS`] starting at column `at`.
pub(super) fn patient_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Patient> {
    let family: Option<String> = r.get(at + 5)?;
    let name_parts = match family {
        Some(family) => Some(PersonName {
            family,
            given: r.get::<_, Option<String>>(at + 6)?.unwrap_or_default(),
            middle: r.get::<_, Option<String>>(at + 7)?.unwrap_or_default(),
        }),
        None => None,
    };
    let id: i64 = r.get(at)?;
    let column = |name| At::new("patients", id, name);
    Ok(Patient {
        id,
        his_id: r.get(at + 1)?,
        his_id_authority: AssigningAuthority {
            namespace_id: r.get(at + 8)?,
            universal_id: r.get(at + 9)?,
            universal_id_type: r.get(at + 10)?,
        },
        his_id_type: r.get(at + 11)?,
        name: r.get(at + 2)?,
        name_parts,
        // A stored sex or birth date that cannot be read is an error, never "unknown".
        sex: column("sex").exact(&r.get::<_, String>(at + 3)?, Sex::parse, Sex::code)?,
        birth_date: column("birth_date").date(r.get(at + 4)?)?,
    })
}

/// Inserts or updates a patient by HIS id, auditing a change. The name parts are written with
/// the name (none when only a full name was given); the identifier's authority and type are
/// kept when the new details do not name them.
pub(crate) fn upsert_patient(
    conn: &Connection,
    p: &NewPatient,
    actor: &Actor,
) -> Result<PatientId, StoreError> {
    if p.his_id.trim().is_empty() {
        return Err(StoreError::invalid("patient HIS id is empty"));
    }
    let birth = p.birth_date.map(|d| d.to_string());
    let existing: Option<Patient> = conn
        .prepare_cached(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients WHERE his_id = ?1"
        ))?
        .query_row([&p.his_id], |r| patient_row(r, 0))
        .optional()?;
    let now = ms(Timestamp::now());
    let authority = match &existing {
        Some(old) if p.his_id_authority.is_empty() => old.his_id_authority.clone(),
        _ => p.his_id_authority.clone(),
    };
    let id_type = match &existing {
        Some(old) if p.his_id_type.is_empty() => old.his_id_type.clone(),
        _ => p.his_id_type.clone(),
    };
    let parts = p.name_parts.as_ref();
    let values = params![
        p.his_id,
        p.name,
        p.sex.code(),
        birth,
        now,
        parts.map(|n| n.family.as_str()),
        parts.map(|n| n.given.as_str()),
        parts.map(|n| n.middle.as_str()),
        authority.namespace_id,
        authority.universal_id,
        authority.universal_id_type,
        id_type,
    ];
    let new_json = json!({
        "his_id": p.his_id, "name": p.name, "sex": p.sex.code(), "birth_date": birth,
        "name_parts": p.name_parts, "his_id_authority": authority, "his_id_type": id_type,
    });
    match existing {
        Some(old) => {
            let changed = old.name != p.name
                || old.sex != p.sex
                || old.birth_date != p.birth_date
                || old.name_parts != p.name_parts
                || old.his_id_authority != authority
                || old.his_id_type != id_type;
            if changed {
                conn.execute(
                    "UPDATE patients SET name = ?2, sex = ?3, birth_date = ?4, updated_at = ?5, \
                     name_family = ?6, name_given = ?7, name_middle = ?8, his_id_authority = ?9, \
                     his_id_authority_uid = ?10, his_id_authority_uid_type = ?11, \
                     his_id_type = ?12 WHERE his_id = ?1",
                    values,
                )?;
                if old.name != p.name {
                    write_name_keys(conn, old.id, &p.name)?;
                }
                audit_log::append(
                    conn,
                    actor,
                    "patient.update",
                    "patient",
                    old.id,
                    Some(&json!({
                        "name": old.name, "sex": old.sex.code(),
                        "birth_date": old.birth_date.map(|d| d.to_string()),
                        "name_parts": old.name_parts, "his_id_authority": old.his_id_authority,
                        "his_id_type": old.his_id_type,
                    })),
                    Some(&new_json),
                    None,
                )?;
            }
            Ok(old.id)
        }
        None => {
            conn.execute(
                "INSERT INTO patients (his_id, name, sex, birth_date, created_at, updated_at, \
                 name_family, name_given, name_middle, his_id_authority, his_id_authority_uid, \
                 his_id_authority_uid_type, his_id_type) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                values,
            )?;
            let id = conn.last_insert_rowid();
            write_name_keys(conn, id, &p.name)?;
            audit_log::append(
                conn,
                actor,
                "patient.create",
                "patient",
                id,
                None,
                Some(&new_json),
                None,
            )?;
            Ok(id)
        }
    }
}

/// Writes an outbox row for the HIS.
pub(crate) fn add_outbox(
    conn: &Connection,
    order_id: OrderId,
    kind: &str,
    result_ids: &[ResultId],
    at: Timestamp,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox (order_id, kind, result_ids, created_at, state) \
         VALUES (?1, ?2, ?3, ?4, 'pending')",
    )?
    .execute(params![
        order_id,
        kind,
        serde_json::to_string(result_ids).unwrap_or_default(),
        ms(at)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// An order's tests that are not cancelled: how many, how many have a reported result, how
/// many of those are released.
pub(super) const ORDER_PROGRESS_SQL: &str = "SELECT COUNT(*), \
     COALESCE(SUM(r.id IS NOT NULL), 0), \
     COALESCE(SUM(r.state = 'released'), 0) \
     FROM ordered_tests ot LEFT JOIN results r ON r.id = ot.reported_result_id \
     WHERE ot.order_id = ?1 AND ot.status != 'cancelled'";

/// Recomputes an order's status from its tests:
/// cancelled stays cancelled; no result is `ordered`; every test's reported result released is
/// `released`; every test resulted is `resulted`; otherwise `in_progress`.
pub(crate) fn refresh_status(
    conn: &Connection,
    order_id: OrderId,
    actor: &Actor,
) -> Result<OrderStatus, StoreError> {
    let current: String = conn
        .prepare_cached("SELECT status FROM orders WHERE id = ?1")?
        .query_row([order_id], |r| r.get(0))?;
    if current == OrderStatus::Cancelled.as_str() {
        return Ok(OrderStatus::Cancelled);
    }
    let (total, resulted, released): (i64, i64, i64) = conn
        .prepare_cached(ORDER_PROGRESS_SQL)?
        .query_row([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let status = if resulted == 0 {
        OrderStatus::Ordered
    } else if released == total {
        OrderStatus::Released
    } else if resulted == total {
        OrderStatus::Resulted
    } else {
        OrderStatus::InProgress
    };
    if status.as_str() != current {
        conn.prepare_cached("UPDATE orders SET status = ?2 WHERE id = ?1")?
            .execute(params![order_id, status.as_str()])?;
        audit_log::append(
            conn,
            actor,
            "order.status",
            "order",
            order_id,
            Some(&json!({ "status": current })),
            Some(&json!({ "status": status.as_str() })),
            None,
        )?;
    }
    Ok(status)
}

/// An order by the HIS placer number, in the caller's transaction.
pub(super) fn order_by_placer_in(
    conn: &Connection,
    placer_number: &str,
) -> Result<Option<Order>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE placer_number = ?1"),
            [placer_number],
            order_from_row,
        )
        .optional()?)
}

fn order_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Order> {
    let id: OrderId = r.get(0)?;
    let at = |column| At::new("orders", id, column);
    Ok(Order {
        id,
        placer_number: r.get(1)?,
        accession: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        patient_id: r.get(3)?,
        requesting_doctor: r.get(4)?,
        department: r.get(5)?,
        priority: at("priority").exact(
            &r.get::<_, String>(6)?,
            Priority::parse,
            Priority::as_str,
        )?,
        status: at("status").code(&r.get::<_, String>(7)?, OrderStatus::parse)?,
        ordered_at: ts(r.get(8)?),
        cancel_reason: r.get(9)?,
        requesting_doctor_id: r.get(10)?,
        requesting_doctor_name: match r.get::<_, Option<String>>(11)? {
            Some(family) => Some(PersonName {
                family,
                given: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                middle: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

const ORDER_COLUMNS: &str = "id, placer_number, accession, patient_id, requesting_doctor, \
    department, priority, status, ordered_at, cancel_reason, requesting_doctor_id, \
    requesting_doctor_family, requesting_doctor_given, requesting_doctor_middle";

/// An order by row id, in the caller's connection.
pub(super) fn order(conn: &Connection, order_id: OrderId) -> Result<Order, StoreError> {
    conn.query_row(
        &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1"),
        [order_id],
        order_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::not_found("order", order_id))
}

/// The specimens of an order.
pub(super) fn specimens_for_order(
    conn: &Connection,
    order_id: OrderId,
) -> Result<Vec<Specimen>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, barcode, order_id, specimen_type, collected_at, received_at, rejected_reason \
         FROM specimens WHERE order_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(Specimen {
            id: r.get(0)?,
            barcode: r.get(1)?,
            order_id: r.get(2)?,
            specimen_type: r.get(3)?,
            collected_at: r.get::<_, Option<i64>>(4)?.map(ts),
            received_at: r.get::<_, Option<i64>>(5)?.map(ts),
            rejected_reason: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tests of an order.
pub(super) fn ordered_tests(
    conn: &Connection,
    order_id: OrderId,
) -> Result<Vec<OrderedTest>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, order_id, specimen_id, test_code, origin, status, rerun, dilution, \
                 reported_result_id FROM ordered_tests WHERE order_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        let id: i64 = r.get(0)?;
        let at = |column| At::new("ordered_tests", id, column);
        Ok(OrderedTest {
            id,
            order_id: r.get(1)?,
            specimen_id: r.get(2)?,
            test_code: r.get(3)?,
            origin: at("origin").exact(
                &r.get::<_, String>(4)?,
                TestOrigin::parse,
                TestOrigin::as_str,
            )?,
            status: at("status").exact(
                &r.get::<_, String>(5)?,
                OrderedTestStatus::parse,
                OrderedTestStatus::as_str,
            )?,
            rerun: r.get(6)?,
            dilution: r.get(7)?,
            reported_result_id: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn patient(conn: &Connection, id: PatientId) -> Result<Patient, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLUMNS} FROM patients WHERE id = ?1"
    ))?
    .query_row([id], |r| patient_row(r, 0))
    .optional()?
    .ok_or_else(|| StoreError::not_found("patient", id))
}

/// Places one order in the caller's transaction.
fn place_order(
    conn: &Connection,
    config: &crate::config::LabConfig,
    order: &NewOrder,
    actor: &Actor,
) -> Result<OrderId, StoreError> {
    if order.placer_number.trim().is_empty() {
        return Err(StoreError::invalid("placer number is empty"));
    }
    if order.specimens.iter().all(|s| s.tests.is_empty()) {
        return Err(StoreError::invalid("an order needs at least one test"));
    }
    for s in &order.specimens {
        if s.barcode.trim().is_empty() {
            return Err(StoreError::invalid("specimen barcode is empty"));
        }
        for t in &s.tests {
            if config.test(t).is_none() {
                return Err(StoreError::invalid(format!(
                    "test {t:?} is not in the catalog"
                )));
            }
        }
    }
    let exists: Option<i64> = conn
        .query_row(
            "SELECT id FROM orders WHERE placer_number = ?1",
            [&order.placer_number],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = exists {
        return Err(StoreError::conflict(format!(
            "placer number {:?} already exists (order {id})",
            order.placer_number
        )));
    }
    let patient_id = upsert_patient(conn, &order.patient, actor)?;
    conn.execute(
        "INSERT INTO orders (placer_number, patient_id, requesting_doctor, department, \
         priority, status, ordered_at, requesting_doctor_id, requesting_doctor_family, \
         requesting_doctor_given, requesting_doctor_middle) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'ordered', ?6, ?7, ?8, ?9, ?10)",
        params![
            order.placer_number,
            patient_id,
            order.requesting_doctor,
            order.department,
            order.priority.as_str(),
            ms(order.ordered_at),
            order.requesting_doctor_id,
            order
                .requesting_doctor_name
                .as_ref()
                .map(|n| n.family.as_str()),
            order
                .requesting_doctor_name
                .as_ref()
                .map(|n| n.given.as_str()),
            order
                .requesting_doctor_name
                .as_ref()
                .map(|n| n.middle.as_str()),
        ],
    )?;
    let order_id = conn.last_insert_rowid();
    let accession = format!("L{order_id:08}");
    conn.execute(
        "UPDATE orders SET accession = ?2 WHERE id = ?1",
        params![order_id, accession],
    )?;
    for s in &order.specimens {
        let taken: Option<i64> = conn
            .query_row(
                "SELECT id FROM specimens WHERE barcode = ?1",
                [&s.barcode],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Err(StoreError::conflict(format!(
                "specimen barcode {:?} is already used",
                s.barcode
            )));
        }
        conn.execute(
            "INSERT INTO specimens (barcode, order_id, specimen_type, collected_at, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                s.barcode,
                order_id,
                s.specimen_type,
                s.collected_at.map(ms),
                s.received_at.map(ms)
            ],
        )?;
        let specimen_id = conn.last_insert_rowid();
        for t in &s.tests {
            conn.execute(
                "INSERT OR IGNORE INTO ordered_tests (order_id, specimen_id, test_code, origin, status) \
                 VALUES (?1, ?2, ?3, 'ordered', 'pending')",
                params![order_id, specimen_id, t],
            )?;
        }
    }
    audit_log::append(
        conn,
        actor,
        "order.place",
        "order",
        order_id,
        None,
        Some(&serde_json::to_value(order).unwrap_or_default()),
        None,
    )?;
    Ok(order_id)
}

impl Store {
    /// Inserts or updates a patient by HIS id.
    pub fn upsert_patient(
        &self,
        patient: &NewPatient,
        actor: &Actor,
    ) -> Result<PatientId, StoreError> {
        self.write(|conn, _| upsert_patient(conn, patient, actor))
    }

    /// A patient by row id.
    pub fn patient(&self, id: PatientId) -> Result<Patient, StoreError> {
        self.read(|conn, _| patient(conn, id))
    }

    /// Places an order: upserts the patient, creates the order (accession `L` + 8-digit id),
    /// its specimens and ordered tests. Every test must be in the catalog and every barcode new.
    pub fn place_order(&self, order: NewOrder, actor: &Actor) -> Result<OrderId, StoreError> {
        self.write(|conn, lab| place_order(conn, &lab.config, &order, actor))
    }

    /// Places several orders in one transaction: all are stored or, if any is refused, none.
    pub fn place_orders(
        &self,
        orders: &[NewOrder],
        actor: &Actor,
    ) -> Result<Vec<OrderId>, StoreError> {
        self.write(|conn, lab| {
            orders
                .iter()
                .map(|o| place_order(conn, &lab.config, o, actor))
                .collect()
        })
    }

    /// An order by row id.
    pub fn order(&self, order_id: OrderId) -> Result<Order, StoreError> {
        self.read(|conn, _| order(conn, order_id))
    }

    /// An order by the HIS placer number.
    pub fn order_by_placer(&self, placer_number: &str) -> Result<Option<Order>, StoreError> {
        self.read(|conn, _| order_by_placer_in(conn, placer_number))
    }

    /// The specimens of an order.
    pub fn specimens_for_order(&self, order_id: OrderId) -> Result<Vec<Specimen>, StoreError> {
        self.read(|conn, _| specimens_for_order(conn, order_id))
    }

    /// The tests of an order.
    pub fn ordered_tests(&self, order_id: OrderId) -> Result<Vec<OrderedTest>, StoreError> {
        self.read(|conn, _| ordered_tests(conn, order_id))
    }

    /// Records that the lab received a specimen.
    pub fn receive_specimen(
        &self,
        barcode: &str,
        at: Timestamp,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|conn, _| {
            let n = conn.execute(
                "UPDATE specimens SET received_at = ?2 WHERE barcode = ?1",
                params![barcode, ms(at)],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("specimen", barcode));
            }
            audit_log::append(
                conn,
                actor,
                "specimen.receive",
                "specimen",
                barcode,
                None,
                Some(&json!({ "received_at": at.to_string() })),
                None,
            )?;
            Ok(())
        })
    }

    /// Rejects a specimen (hemolysed, clotted, wrong tube...); its results will fail the
    /// specimen rule and wait for a person.
    pub fn reject_specimen(
        &self,
        barcode: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.write(|conn, _| {
            let n = conn.execute(
                "UPDATE specimens SET rejected_at = ?2, rejected_reason = ?3 WHERE barcode = ?1",
                params![barcode, ms(Timestamp::now()), reason],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("specimen", barcode));
            }
            audit_log::append(
                conn,
                actor,
                "specimen.reject",
                "specimen",
                barcode,
                None,
                Some(&json!({ "rejected": true })),
                Some(reason),
            )?;
            Ok(())
        })
    }

    /// Tests still to run on a specimen that `instrument` performs, in the instrument's codes:
    /// new, reflex and rerun tests (with the dilution), including ones already sent but not yet
    /// resulted (an analyzer asks again when a tube is reloaded). Empty for an unknown specimen,
    /// a cancelled order or a rejected specimen.
    pub fn pending_tests_for_specimen(
        &self,
        instrument: &str,
        specimen_id: &str,
    ) -> Result<Vec<RequestedTest>, StoreError> {
        self.read(|conn, lab| {
            work_list(
                conn,
                &lab.config,
                instrument,
                Some(specimen_id),
                &["pending", "sent"],
            )
        })
    }

    /// Every test not yet sent that `instrument` performs, for batch download, STAT first.
    pub fn pending_orders_for_instrument(
        &self,
        instrument: &str,
    ) -> Result<Vec<RequestedTest>, StoreError> {
        self.read(|conn, lab| work_list(conn, &lab.config, instrument, None, &["pending"]))
    }

    /// Marks tests as sent to an instrument.
    pub fn mark_sent_to_instrument(
        &self,
        instrument: &str,
        ordered_test_ids: &[OrderedTestId],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|conn, _| {
            let mut stmt = conn.prepare_cached(
                "UPDATE ordered_tests SET status = 'sent', sent_to = ?2, sent_at = ?3 \
                 WHERE id = ?1 AND status = 'pending'",
            )?;
            let mut sent = Vec::new();
            for id in ordered_test_ids {
                if stmt.execute(params![id, instrument, ms(at)])? > 0 {
                    sent.push(*id);
                }
            }
            if !sent.is_empty() {
                audit_log::append(
                    conn,
                    &Actor::Instrument(instrument.to_owned()),
                    "ordered_tests.sent",
                    "instrument",
                    instrument,
                    None,
                    Some(&json!({ "ordered_tests": sent, "at": at.to_string() })),
                    None,
                )?;
            }
            Ok(())
        })
    }
}

fn work_list(
    conn: &Connection,
    config: &crate::config::LabConfig,
    instrument: &str,
    barcode: Option<&str>,
    statuses: &[&str],
) -> Result<Vec<RequestedTest>, StoreError> {
    if config.instrument(instrument).is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT ot.id, s.barcode, ot.test_code, s.specimen_type, o.priority, ot.rerun, \
         ot.dilution, ot.status, o.patient_id, o.id \
         FROM ordered_tests ot JOIN specimens s ON s.id = ot.specimen_id \
         JOIN orders o ON o.id = ot.order_id \
         WHERE (?1 IS NULL OR s.barcode = ?1) AND o.status != 'cancelled' \
         AND s.rejected_at IS NULL AND ot.status IN ('pending', 'sent') \
         ORDER BY o.priority = 'stat' DESC, ot.id",
    )?;
    let rows = stmt.query_map(params![barcode], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, bool>(5)?,
            r.get::<_, Option<u32>>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, OrderId>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            id,
            barcode,
            code,
            specimen_type,
            priority,
            rerun,
            dilution,
            status,
            patient_id,
            order,
        ) = row?;
        if !statuses.contains(&status.as_str()) {
            continue;
        }
        let Some(instrument_code) = config.instrument_code_for(instrument, &code) else {
            continue;
        };
        out.push(RequestedTest {
            ordered_test_id: id,
            specimen_id: barcode,
            instrument_test_code: instrument_code.to_owned(),
            test_code: code,
            specimen_type,
            priority: At::new("orders", order, "priority").exact(
                &priority,
                Priority::parse,
                Priority::as_str,
            )?,
            rerun,
            dilution,
            patient: Some(patient(conn, patient_id)?),
        });
    }
    Ok(out)
}

/// Writes the patient's folded name and search keys (replacing the old ones); the caller's
/// transaction.
pub(super) fn write_name_keys(
    conn: &Connection,
    patient_id: PatientId,
    name: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE patients SET name_fold = ?2 WHERE id = ?1")?
        .execute(params![patient_id, name_search::fold(name)])?;
    conn.prepare_cached("DELETE FROM patient_name_keys WHERE patient_id = ?1")?
        .execute([patient_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO patient_name_keys (key, patient_id) VALUES (?1, ?2)",
    )?;
    for key in name_search::search_keys(name) {
        insert.execute(params![key, patient_id])?;
    }
    Ok(())
}
