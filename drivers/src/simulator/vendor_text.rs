//! The simulator's side of the vendor text framings, written the way each model does:
//!
//! - ADVIA 2120: one `R` block per specimen (SID padded with zeros, the analyzer's clock as the
//!   aspiration time, one 9-column cell per parameter, no units), acknowledged by its toggle;
//!   then an `S` block hands the line to the LIS, whose own `S` block is acknowledged with its
//!   toggle, as the ADVIA does.
//! - mini VIDAS: a session per specimen, ENQ (ACK awaited), one message per assay (ACK awaited
//!   for each), EOT.
//! - Spotchem EL: the printout, written to the port; nothing comes back (a printer port), so
//!   written and flushed is all that is known.
//! - Urine strip reader: the same, its printout numbered from 1; a result whose value is a grade
//!   (`-`, `+-`, `+2`) is printed as the pad's grade with no concentration, any other value with
//!   its unit.

use std::time::Duration;

use lis_vendor::measurement::LocalTime;
use lis_vendor::{advia, spotchem, urine_strip, vidas};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::build::SimResult;
use super::session::Delivery;
use super::{SimClock, SimError};
use crate::profile::{Framing, Profile};

/// A simulated analyzer on a vendor text line.
pub(crate) struct VendorTextAnalyzer<Io> {
    io: Io,
    framing: Framing,
    /// ADVIA: the toggle of the next block.
    toggle: u8,
    input: Vec<u8>,
    /// Urine strip reader: the number of the last printout.
    printouts: u32,
}

impl<Io: AsyncRead + AsyncWrite + Unpin> VendorTextAnalyzer<Io> {
    pub(crate) fn new(io: Io, framing: Framing) -> Self {
        Self {
            io,
            framing,
            toggle: advia::FIRST_TOGGLE,
            input: Vec::new(),
            printouts: 0,
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        self.io.write_all(bytes).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// The next byte from the LIS, or `None` at `deadline` or when it closed.
    async fn byte(&mut self, deadline: Instant) -> Result<Option<u8>, SimError> {
        if self.input.is_empty() {
            let mut buf = [0u8; 256];
            tokio::select! {
                read = self.io.read(&mut buf) => match read? {
                    0 => return Ok(None),
                    n => self.input.extend_from_slice(buf.get(..n).unwrap_or_default()),
                },
                () = tokio::time::sleep_until(deadline) => return Ok(None),
            }
        }
        Ok(Some(self.input.remove(0)))
    }

    /// Waits for `ack` (Acknowledged) or NAK (Rejected); other bytes are skipped.
    async fn answer(&mut self, ack: u8, limit: Duration) -> Result<Delivery, SimError> {
        let deadline = Instant::now() + limit;
        while let Some(b) = self.byte(deadline).await? {
            if b == ack {
                return Ok(Delivery::Acknowledged);
            }
            if b == advia::NAK {
                return Ok(Delivery::Rejected);
            }
        }
        Ok(Delivery::TimedOut)
    }

    fn next_toggle(&mut self) -> u8 {
        let t = self.toggle;
        self.toggle = advia::next_toggle(t);
        t
    }

    /// Sends one specimen's results and says how the LIS answered.
    pub(crate) async fn results(
        &mut self,
        profile: &Profile,
        specimen: &str,
        results: &[SimResult],
        limit: Duration,
        clock: &SimClock,
    ) -> Result<Delivery, SimError> {
        let at = local_time(clock.now());
        match self.framing {
            Framing::Advia => {
                let mut cells = Vec::new();
                for r in results {
                    let number = r.code.parse::<u16>().map_err(|_| SimError::Profile {
                        profile: profile.name.clone(),
                        reason: format!("ADVIA parameter {:?} is not a number", r.code),
                    })?;
                    cells.push((number, r.value.clone()));
                }
                let toggle = self.next_toggle();
                self.write(&advia::encode_block(
                    toggle,
                    &advia::result_body(specimen, at, &cells),
                ))
                .await?;
                let delivery = self.answer(toggle, limit).await?;
                if delivery == Delivery::Acknowledged {
                    self.hand_over(limit).await?;
                }
                Ok(delivery)
            }
            Framing::Vidas => {
                self.write(&[vidas::ENQ]).await?;
                let opened = self.answer(vidas::ACK, limit).await?;
                if opened != Delivery::Acknowledged {
                    return Ok(opened);
                }
                let (date, time) = (
                    format!("{:02}/{:02}/{:02}", at.month, at.day, at.year % 100),
                    format!("{:02}:{:02}", at.hour, at.minute),
                );
                let mut delivery = Delivery::Acknowledged;
                for r in results {
                    let numeric = r.value.parse::<f64>().is_ok();
                    let (ql, qn) = if numeric {
                        ("", r.value.as_str())
                    } else {
                        (r.value.as_str(), "")
                    };
                    let packet = vidas::encode_packet(&[
                        ("mt", "rsl"),
                        ("pi", ""),
                        ("pn", ""),
                        ("si", ""),
                        ("ci", specimen),
                        ("rt", &r.code),
                        ("rn", &r.code),
                        ("tt", &time),
                        ("td", &date),
                        ("ql", ql),
                        ("qn", qn),
                        ("y3", if numeric { &r.units } else { "" }),
                    ]);
                    self.write(&packet).await?;
                    let answered = self.answer(vidas::ACK, limit).await?;
                    if answered != Delivery::Acknowledged {
                        delivery = answered;
                        break;
                    }
                }
                self.write(&[vidas::EOT]).await?;
                Ok(delivery)
            }
            Framing::Spotchem => {
                let rows: Vec<(&str, &str, &str)> = results
                    .iter()
                    .map(|r| (r.code.as_str(), r.value.as_str(), r.units.as_str()))
                    .collect();
                self.write(&spotchem::encode_printout(at, specimen, "Serum", &rows))
                    .await?;
                Ok(Delivery::Acknowledged)
            }
            Framing::UrineStrip => {
                let pads: Vec<urine_strip::PadLine> = results
                    .iter()
                    .map(|r| {
                        let grade =
                            r.value.starts_with(['+', '-']) && r.value.parse::<f64>().is_err();
                        urine_strip::PadLine {
                            abnormal: false,
                            name: r.code.clone(),
                            grade: grade.then(|| r.value.clone()),
                            value: if grade {
                                String::new()
                            } else {
                                r.value.clone()
                            },
                            unit: if grade {
                                String::new()
                            } else {
                                r.units.clone()
                            },
                        }
                    })
                    .collect();
                self.printouts += 1;
                self.write(&urine_strip::encode_printout(
                    at,
                    specimen,
                    self.printouts,
                    &pads,
                ))
                .await?;
                Ok(Delivery::Acknowledged)
            }
            Framing::E1381
            | Framing::Raw
            | Framing::Mllp
            | Framing::Dimension
            | Framing::SysmexText => Err(SimError::Profile {
                profile: profile.name.clone(),
                reason: "not a vendor text framing".to_owned(),
            }),
        }
    }

    /// ADVIA: the token transfer after a result, and the acknowledgement of the LIS's own.
    async fn hand_over(&mut self, limit: Duration) -> Result<(), SimError> {
        let toggle = self.next_toggle();
        self.write(&advia::token_transfer(toggle)).await?;
        if self.answer(toggle, limit).await? != Delivery::Acknowledged {
            return Ok(());
        }
        // The LIS's `S` block: STX, its toggle, ... ETX; acknowledged with that toggle.
        let deadline = Instant::now() + limit;
        let mut block = Vec::new();
        while let Some(b) = self.byte(deadline).await? {
            if block.is_empty() && b != advia::STX {
                continue;
            }
            block.push(b);
            if b == advia::ETX {
                break;
            }
        }
        if let Some(&their_toggle) = block.get(1) {
            self.write(&[their_toggle]).await?;
        }
        Ok(())
    }
}

/// The time the simulated analyzer's clock shows, as its printout or block writes it.
fn local_time(now: jiff::civil::DateTime) -> LocalTime {
    let part = |v: i8| u8::try_from(v).unwrap_or(0);
    LocalTime::new(
        u16::try_from(now.year()).unwrap_or(2000),
        part(now.month()),
        part(now.day()),
        part(now.hour()),
        part(now.minute()),
        part(now.second()),
    )
    .unwrap_or(LocalTime {
        year: 2000,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    })
}
