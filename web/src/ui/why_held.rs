//! Why a result waits for a person, in the user's language.
//!
//! Core stores each reason as an English sentence with a stable code
//! ([`lis_core::model::ReasonCode`]). The page never translates that sentence: it builds its own
//! from the code and the result's values (the value, the reference range that applied, the
//! flags that say which side, the catalog's limits, the delta), and falls back to the stored
//! sentence only for a reason this version does not know.

use jiff::tz::TimeZone;
use lis_core::config::TestDef;
use lis_core::model::{ReasonCode, ReviewResult, WaitReason};
use lis_core::validation::Flag;

use super::dates;
use super::i18n::{Lang, Msg, Text};
use super::result_texts::ResultMsg;

/// One reason of `r` in words: `test` is the result's catalog entry (its limits and unit), none
/// when the test left the catalog.
pub fn reason_words(
    r: &ReviewResult,
    reason: &WaitReason,
    test: Option<&TestDef>,
    lang: Lang,
    tz: &TimeZone,
) -> String {
    let has = |flag: Flag| r.flags.contains(&flag);
    let value = r.value.as_str();
    let fill = |msg: ResultMsg, args: &[(&str, &str)]| {
        let mut all = vec![("value", value)];
        all.extend_from_slice(args);
        msg.fill(lang, &all)
    };
    match reason.code {
        ReasonCode::ValuePresent => ResultMsg::WhyNoValue.text(lang).to_owned(),
        ReasonCode::Unit => {
            let unit = test.map_or(r.unit.as_str(), |t| t.unit.as_str());
            fill(ResultMsg::WhyUnit, &[("unit", unit)])
        }
        ReasonCode::SpecimenAcceptable => ResultMsg::WhySpecimen.text(lang).to_owned(),
        ReasonCode::ReferenceRange => match &r.range {
            None => ResultMsg::WhyNoRange.text(lang).to_owned(),
            Some(range) => {
                let msg = if has(Flag::High) || has(Flag::CriticalHigh) {
                    ResultMsg::WhyAboveRange
                } else if has(Flag::Low) || has(Flag::CriticalLow) {
                    ResultMsg::WhyBelowRange
                } else {
                    ResultMsg::WhyOutsideRange
                };
                fill(msg, &[("range", &range.text)])
            }
        },
        ReasonCode::Critical => {
            let limit = |l: Option<f64>| l.map(|l| l.to_string());
            match (
                has(Flag::CriticalHigh),
                has(Flag::CriticalLow),
                test.and_then(|t| limit(t.critical_high)),
                test.and_then(|t| limit(t.critical_low)),
            ) {
                (true, _, Some(high), _) => fill(ResultMsg::WhyCriticalHigh, &[("limit", &high)]),
                (_, true, _, Some(low)) => fill(ResultMsg::WhyCriticalLow, &[("limit", &low)]),
                _ => fill(ResultMsg::WhyCritical, &[]),
            }
        }
        ReasonCode::MeasurementRange => {
            let msg = if has(Flag::AboveMeasurementRange) {
                ResultMsg::WhyAboveMeasuring
            } else if has(Flag::BelowMeasurementRange) {
                ResultMsg::WhyBelowMeasuring
            } else {
                ResultMsg::WhyOutsideMeasuring
            };
            fill(msg, &[])
        }
        ReasonCode::Delta => match &r.delta {
            Some(d) => {
                let detail = Msg::DeltaDetail.fill(
                    lang,
                    &[
                        ("previous", &d.previous_value),
                        ("date", &dates::date_time(d.previous_at, tz)),
                        ("change", &format!("{:+}", d.change)),
                    ],
                );
                ResultMsg::WhyDelta.fill(lang, &[("detail", &detail)])
            }
            None => ResultMsg::WhyDeltaNoDetail.text(lang).to_owned(),
        },
        ReasonCode::InstrumentFlags => {
            ResultMsg::WhyInstrumentFlags.fill(lang, &[("flags", &r.instrument_flags.join(", "))])
        }
        ReasonCode::Qc => ResultMsg::WhyQc.text(lang).to_owned(),
        ReasonCode::AutoverificationOff => Msg::ReasonAutoverifyOff.text(lang).to_owned(),
        ReasonCode::ReleasedVersionExists => Msg::ReasonReleasedVersionExists.text(lang).to_owned(),
        ReasonCode::Other => reason.text.clone(),
    }
}

#[cfg(test)]
mod tests;
