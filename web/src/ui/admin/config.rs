//! `GET /admin/config`: the lab configuration the LIS runs with, read-only, so a supervisor
//! can check what the LIS believes: the lab, review and session settings, every test with its
//! ranges, limits, rules and turnaround target, every instrument with its link and test map,
//! and the HIS link. Values that look like secrets (a key naming a password, secret or token)
//! are hidden.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use lis_core::config::{DeltaKind, LabConfig, RangeDef, RangeSex, ReviewSteps, TestDef};
use lis_core::permissions::Permission;
use lis_core::presentation::range_text;

use super::{run, AdminMsg};
use crate::state::AppState;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav};
use crate::ui::session::CurrentUser;
use crate::ui::turnaround::section_msg;

/// The page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_config.html")]
pub struct ConfigPage {
    /// The frame.
    pub layout: Layout,
    /// Where the config was read from, in a sentence.
    pub explained: String,
    /// The lab's settings: label and value.
    pub settings: Vec<(&'static str, String)>,
    /// The tests heading with the count.
    pub tests_heading: String,
    /// One row per test.
    pub tests: Vec<TestRow>,
    /// The instruments heading with the count.
    pub instruments_heading: String,
    /// One row per instrument.
    pub instruments: Vec<InstrumentRow>,
    /// The HIS link's settings (`key = value`).
    pub his: Vec<String>,
}

/// A test as the page shows it.
#[derive(Debug, Clone)]
pub struct TestRow {
    /// Code.
    pub code: String,
    /// Name in the page's language, with LOINC when known.
    pub name: String,
    /// Section in words.
    pub section: &'static str,
    /// Unit and decimals.
    pub unit: String,
    /// Specimen type.
    pub specimen: String,
    /// One line per range.
    pub ranges: Vec<String>,
    /// Critical limits (`< 2.5, > 25`), or empty.
    pub critical: String,
    /// Measurement range and dilution, or empty.
    pub measurement: String,
    /// Delta rule, or empty.
    pub delta: String,
    /// Autoverify / auto-release in words.
    pub auto: String,
    /// Turnaround target.
    pub tat: String,
    /// Reflex rules, or empty.
    pub reflex: String,
}

/// An instrument and its link.
#[derive(Debug, Clone)]
pub struct InstrumentRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Profile.
    pub profile: String,
    /// Connection settings, `key = value`.
    pub connection: Vec<String>,
    /// Test map, `code → test`.
    pub test_map: Vec<String>,
}

impl ConfigPage {
    /// A text of the administration catalog in the page's language.
    pub fn a(&self, msg: AdminMsg) -> &'static str {
        msg.text(self.layout.lang)
    }
}

/// `GET /admin/config`.
pub async fn config_get(
    current: CurrentUser,
    State(state): State<AppState>,
) -> Result<ConfigPage, PageError> {
    current.require(Permission::ReadConfig)?;
    let store = Arc::clone(&state.store);
    let actor = current.actor();
    let config = run(&current, move || store.lab_config_for(&actor)).await?;
    Ok(config_page(current.layout(Nav::Admin), &config))
}

/// Whether a setting's key names something secret.
fn secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "key"]
        .iter()
        .any(|s| key.contains(s))
}

/// A TOML table as `key = value` lines, secrets hidden.
fn table_lines(table: &toml::Table, lang: Lang) -> Vec<String> {
    table
        .iter()
        .map(|(k, v)| {
            if secret(k) {
                format!("{k} = {}", AdminMsg::Hidden.text(lang))
            } else {
                format!("{k} = {v}")
            }
        })
        .collect()
}

fn yes_no(b: bool, lang: Lang) -> &'static str {
    if b {
        AdminMsg::Yes.text(lang)
    } else {
        AdminMsg::No.text(lang)
    }
}

fn range_line(r: &RangeDef, lang: Lang) -> String {
    let sex = match r.sex {
        RangeSex::Any => AdminMsg::RangeAnySex,
        RangeSex::Male => AdminMsg::RangeMale,
        RangeSex::Female => AdminMsg::RangeFemale,
    }
    .text(lang);
    let age = match r.age_max_days {
        Some(max) => AdminMsg::RangeAge.fill(
            lang,
            &[
                ("from", &r.age_min_days.to_string()),
                ("to", &max.to_string()),
            ],
        ),
        None => AdminMsg::RangeAgeFrom.fill(lang, &[("from", &r.age_min_days.to_string())]),
    };
    let values = range_text(r.low, r.high).unwrap_or_else(|| "—".to_owned());
    format!("{sex}, {age}: {values}")
}

fn test_row(t: &TestDef, lang: Lang) -> TestRow {
    let name = match lang {
        Lang::Vi => &t.name_vi,
        Lang::En => &t.name_en,
    };
    let critical = [
        t.critical_low.map(|v| format!("< {v}")),
        t.critical_high.map(|v| format!("> {v}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let measurement = t.measurement_range.as_ref().map_or_else(String::new, |m| {
        let mut s = range_text(m.low, m.high).unwrap_or_default();
        if let Some(d) = m.dilution {
            s.push_str(", ");
            s.push_str(&AdminMsg::Dilution.fill(lang, &[("factor", &d.to_string())]));
        }
        s
    });
    let delta = t.delta.as_ref().map_or_else(String::new, |d| {
        let (kind, limit) = match d.kind {
            DeltaKind::Absolute => (AdminMsg::DeltaAbsolute, d.limit.to_string()),
            DeltaKind::Percent => (AdminMsg::DeltaPercent, format!("{} %", d.limit)),
        };
        AdminMsg::DeltaValue.fill(
            lang,
            &[
                ("kind", kind.text(lang)),
                ("limit", &limit),
                ("hours", &d.window_hours.to_string()),
            ],
        )
    });
    let tat = crate::ui::dates::duration(
        jiff::SignedDuration::from_mins(i64::from(t.tat_minutes())),
        lang,
    );
    TestRow {
        code: t.code.clone(),
        name: match &t.loinc {
            Some(loinc) => format!("{name} (LOINC {loinc})"),
            None => name.clone(),
        },
        section: section_msg(t.section).text(lang),
        unit: t.unit.clone(),
        specimen: t.specimen.clone(),
        ranges: t.ranges.iter().map(|r| range_line(r, lang)).collect(),
        critical,
        measurement,
        delta,
        auto: format!(
            "{} / {}",
            yes_no(t.autoverify, lang),
            yes_no(t.auto_release, lang)
        ),
        tat: if t.tat_minutes.is_some() {
            tat
        } else {
            AdminMsg::DefaultTat.fill(lang, &[("value", &tat)])
        },
        reflex: t
            .reflex
            .iter()
            .map(|r| format!("{:?} → {}", r.when, r.add.join(", ")).to_lowercase())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Fills the page from the configuration.
pub fn config_page(layout: Layout, config: &LabConfig) -> ConfigPage {
    let lang = layout.lang;
    let settings = vec![
        (AdminMsg::ConfigLab.text(lang), config.lab.name.clone()),
        (
            AdminMsg::ConfigTimeZone.text(lang),
            config.lab.timezone.clone(),
        ),
        (
            AdminMsg::Language.text(lang),
            config.lab.language.native_name().to_owned(),
        ),
        (
            AdminMsg::ConfigReviewSteps.text(lang),
            match config.review.steps {
                ReviewSteps::One => "1".to_owned(),
                ReviewSteps::Two => "2".to_owned(),
            },
        ),
        (
            AdminMsg::ConfigReleaseByOther.text(lang),
            yes_no(config.review.release_by_other_user, lang).to_owned(),
        ),
        (
            AdminMsg::ConfigSession.text(lang),
            AdminMsg::ConfigSessionValue.fill(
                lang,
                &[
                    ("idle", &config.ui.session_idle_minutes.to_string()),
                    ("hours", &config.ui.session_max_hours.to_string()),
                ],
            ),
        ),
        (
            AdminMsg::ConfigRules.text(lang),
            config
                .autoverification
                .rules
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            AdminMsg::ConfigQcUnknown.text(lang),
            yes_no(config.autoverification.qc_unknown_blocks, lang).to_owned(),
        ),
    ];
    ConfigPage {
        explained: AdminMsg::ConfigExplained.fill(lang, &[("source", &config.source_name)]),
        settings,
        tests_heading: AdminMsg::ConfigTests
            .fill(lang, &[("count", &config.tests.len().to_string())]),
        tests: config.tests.iter().map(|t| test_row(t, lang)).collect(),
        instruments_heading: AdminMsg::ConfigInstruments
            .fill(lang, &[("count", &config.instruments.len().to_string())]),
        instruments: config
            .instruments
            .iter()
            .map(|i| InstrumentRow {
                id: i.id.clone(),
                name: i.name.clone(),
                profile: i.profile.clone(),
                connection: table_lines(&i.connection, lang),
                test_map: i
                    .test_map
                    .iter()
                    .map(|m| {
                        let mut s = format!("{} → {}", m.code, m.test);
                        if let Some(f) = m.factor {
                            s.push_str(&format!(" ×{f}"));
                        }
                        if let Some(u) = &m.unit {
                            s.push_str(&format!(" ({u})"));
                        }
                        s
                    })
                    .collect(),
            })
            .collect(),
        his: config
            .his
            .as_ref()
            .map_or_else(Vec::new, |t| table_lines(t, lang)),
        layout,
    }
}
