//! `GET /qc/chart?instrument=&test=&level=&lot=`: the Levey-Jennings chart of one test on one
//! instrument at one level (one lot, or every lot with lot changes as separators), the table of
//! its points beside it, the monthly summary of each lot shown and the sigma advice.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use lis_core::config::LabConfig;
use lis_core::model::{QcChart, QcMonthlySummary, QcStanding, QcVerdict};
use lis_core::permissions::Permission;
use lis_core::presentation;
use lis_core::presentation::qc_reason::FiredRule;
use lis_core::qc::stats::Summary;
use lis_core::qc::{sigma, WestgardRule};
use serde::Deserialize;

use super::chart::{self, ChartPoint, ChartSegment, ChartWords, LeveyJennings, Svg, TableRow};
use super::overview::test_words;
use super::texts::{reason_in, rule_meanings};
use super::{verdict_badge, QcMsg};
use crate::state::AppState;
use crate::ui::dates;
use crate::ui::error_page::PageError;
use crate::ui::i18n::{Lang, Msg, Text};
use crate::ui::layout::{Layout, Nav};
use crate::ui::monitor::on_store;
use crate::ui::session::CurrentUser;
use crate::ui::worklist::Choice;

/// The chart's query.
#[derive(Debug, Default, Deserialize)]
pub struct ChartParams {
    /// The instrument's id.
    #[serde(default)]
    pub instrument: String,
    /// The LIS test code.
    #[serde(default)]
    pub test: String,
    /// The level (`1`).
    #[serde(default)]
    pub level: String,
    /// The lot; empty: every lot.
    #[serde(default)]
    pub lot: String,
}

/// One row of a monthly summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// `12/2026`.
    pub month: String,
    /// The month's n, mean, SD and CV %.
    pub month_stats: [String; 4],
    /// The cumulative n, mean, SD and CV %.
    pub cumulative: [String; 4],
    /// Target mean and SD.
    pub target: [String; 2],
    /// Bias % and SDI.
    pub bias_sdi: [String; 2],
}

/// The monthly summary of one lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryTable {
    /// The lot.
    pub lot: String,
    /// Its months, oldest first.
    pub rows: Vec<SummaryRow>,
}

/// `GET /qc/chart`.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "qc_chart.html")]
pub struct QcChartPage {
    /// The frame.
    pub layout: Layout,
    /// `GLU · Glucose · DEMO-CHEM · level 1`.
    pub heading: String,
    /// The current QC state of the instrument and test: (words, class, symbol, reason).
    pub state: (&'static str, &'static str, &'static str, String),
    /// Whether patient results are held now.
    pub holds: bool,
    /// What each rule named in the state's reason means, in words.
    pub meanings: Vec<String>,
    /// The chart; none without points.
    pub svg: Option<Svg>,
    /// The points as table rows.
    pub rows: Vec<TableRow>,
    /// The unit of the values.
    pub unit: String,
    /// The form's hidden fields.
    pub instrument: String,
    /// The test.
    pub test: String,
    /// The level choices.
    pub levels: Vec<Choice>,
    /// The lot choices (the first is "all lots").
    pub lots: Vec<Choice>,
    /// The monthly summaries.
    pub summaries: Vec<SummaryTable>,
    /// The sigma advice lines; empty when bias and TEa are not configured.
    pub sigma: Vec<String>,
}

impl QcChartPage {
    /// A text of the QC catalog.
    pub fn m(&self, msg: QcMsg) -> &'static str {
        msg.text(self.layout.lang)
    }

    /// Whether some lot shown has a month to summarise.
    pub fn has_summary(&self) -> bool {
        self.summaries.iter().any(|s| !s.rows.is_empty())
    }
}

/// `GET /qc/chart`.
pub async fn qc_chart_get(
    current: CurrentUser,
    State(state): State<AppState>,
    Query(params): Query<ChartParams>,
) -> Result<QcChartPage, PageError> {
    current.require(Permission::ReadQc)?;
    let lang = current.lang;
    let config = &state.config;
    let (instrument, test) = (params.instrument.trim(), params.test.trim());
    if !config.qc.has_qc(instrument, test) {
        return Err(current
            .error_message(
                StatusCode::NOT_FOUND,
                QcMsg::BadChoice.fill(
                    lang,
                    &[
                        ("field", "instrument, test"),
                        ("value", &format!("{instrument} {test}")),
                    ],
                ),
            )
            .into());
    }
    let levels = levels_of(config, instrument, test);
    let level = params.level.trim();
    if !levels.iter().any(|l| l.to_string() == level) {
        return Err(bad_choice(&current, "level", level));
    }
    let lots = lots_of(config, instrument, test, level);
    let lot = Some(params.lot.trim()).filter(|l| !l.is_empty());
    if let Some(lot) = lot {
        if !lots.iter().any(|l| l == lot) {
            return Err(bad_choice(&current, "lot", lot));
        }
    }
    let store = Arc::clone(&state.store);
    let (i, t, lv, lo) = (
        instrument.to_owned(),
        test.to_owned(),
        level.to_owned(),
        lot.map(str::to_owned),
    );
    let (chart, standing, summaries) = on_store(&current, move || {
        let chart = store.qc_chart(&i, &t, &lv, lo.as_deref())?;
        let mut shown: Vec<String> = match &lo {
            Some(lot) => vec![lot.clone()],
            None => chart.segments.iter().map(|s| s.lot.clone()).collect(),
        };
        shown.dedup();
        let summaries = shown
            .iter()
            .map(|lot| store.qc_monthly_summary(&i, &t, lot, &lv))
            .collect::<Result<Vec<_>, _>>()?;
        let standing = store.qc_standing(&i, &t)?;
        // The parts of the state's reason, to write it in the reader's language.
        let fired = match &standing {
            Some(s) => Some(store.qc_fired_rules(s.run_id)?),
            None => None,
        };
        Ok((chart, standing.map(|s| (s, fired)), summaries))
    })
    .await?;
    let (standing, fired) = match standing {
        Some((s, fired)) => (Some(s), fired),
        None => (None, None),
    };
    let decimals = config.test(test).map_or(2, |t| usize::from(t.decimals));
    let unit = config
        .test(test)
        .map_or_else(String::new, |t| t.unit.clone());
    let heading = QcMsg::ChartOf.fill(
        lang,
        &[
            ("test", &test_words(config, test, lang)),
            ("instrument", instrument),
            ("level", level),
        ],
    );
    let lj = levey_jennings(&chart, heading.clone(), unit.clone(), decimals, config);
    let words = ChartWords {
        mean: QcMsg::MeanWord.text(lang),
        sd: QcMsg::SdWord.text(lang),
        lot: QcMsg::LotWord.text(lang),
        run: QcMsg::RunWord.text(lang),
        level: QcMsg::LevelWord.text(lang),
    };
    let (state_words, holds) = state_words(standing.as_ref(), fired.as_ref(), lang);
    let mut lot_choices = vec![Choice {
        value: String::new(),
        label: QcMsg::AllLots.text(lang).to_owned(),
        selected: lot.is_none(),
    }];
    lot_choices.extend(lots.iter().map(|l| Choice {
        value: l.clone(),
        label: l.clone(),
        selected: Some(l.as_str()) == lot,
    }));
    let mut rows = chart::table_rows(&lj);
    // The table lists the chart's points in the store's order, segment after segment.
    let points = chart
        .segments
        .iter()
        .flat_map(|s| chart.points.iter().skip(s.first).take(s.len));
    for (row, point) in rows.iter_mut().zip(points) {
        row.supplementary = point
            .supplementary
            .iter()
            .map(presentation::supplement_text)
            .collect::<Vec<_>>()
            .join("; ");
    }
    Ok(QcChartPage {
        svg: chart::render(&lj, &words),
        rows,
        meanings: standing
            .as_ref()
            .filter(|s| s.verdict != QcVerdict::Accepted)
            .map_or_else(Vec::new, |s| rule_meanings(&s.reason, lang)),
        state: state_words,
        holds,
        unit,
        instrument: instrument.to_owned(),
        test: test.to_owned(),
        levels: levels
            .iter()
            .map(|l| Choice {
                value: l.to_string(),
                label: QcMsg::LevelLink.fill(lang, &[("level", &l.to_string())]),
                selected: l.to_string() == level,
            })
            .collect(),
        lots: lot_choices,
        summaries: summaries
            .iter()
            .map(|s| summary_table(s, decimals))
            .collect(),
        sigma: sigma_lines(
            config,
            test,
            u8::try_from(levels.len()).unwrap_or(u8::MAX),
            &summaries,
            lang,
        ),
        heading,
        layout: current.layout(Nav::Qc),
    })
}

fn bad_choice(current: &CurrentUser, field: &str, value: &str) -> PageError {
    current
        .error_message(
            StatusCode::BAD_REQUEST,
            QcMsg::BadChoice.fill(current.lang, &[("field", field), ("value", value)]),
        )
        .into()
}

/// The levels with a target for `test` on `instrument`, sorted.
pub fn levels_of(config: &LabConfig, instrument: &str, test: &str) -> Vec<u8> {
    let mut levels: Vec<u8> = config
        .qc
        .materials
        .iter()
        .filter(|m| m.instruments.iter().any(|i| i == instrument))
        .flat_map(|m| &m.lots)
        .flat_map(|l| &l.levels)
        .filter(|lv| lv.target(instrument, test).is_some())
        .map(|lv| lv.level)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    levels
}

/// The lots with a target for `test` at `level` on `instrument`, in file order.
pub fn lots_of(config: &LabConfig, instrument: &str, test: &str, level: &str) -> Vec<String> {
    config
        .qc
        .materials
        .iter()
        .filter(|m| m.instruments.iter().any(|i| i == instrument))
        .flat_map(|m| &m.lots)
        .filter(|l| {
            l.levels
                .iter()
                .any(|lv| lv.level.to_string() == level && lv.target(instrument, test).is_some())
        })
        .map(|l| l.lot.clone())
        .collect()
}

/// The state line: words, class, symbol and reason; and whether it holds results.
fn state_words(
    standing: Option<&QcStanding>,
    fired: Option<&Vec<FiredRule>>,
    lang: Lang,
) -> ((&'static str, &'static str, &'static str, String), bool) {
    let overridden = standing.is_some_and(|s| s.override_record.is_some());
    let (msg, class, symbol) = verdict_badge(standing.map(|s| s.verdict), overridden);
    let reason = standing.map_or_else(String::new, |s| {
        format!(
            "{} · {}",
            QcMsg::RunNumber.fill(lang, &[("run", &s.run_id.to_string())]),
            reason_in(s, fired, lang)
        )
    });
    (
        (msg.text(lang), class, symbol, reason),
        standing.is_some_and(QcStanding::holds),
    )
}

/// The chart's input from the store's points: one segment per lot (or target) stretch, each
/// point's rules split into rejections and warnings by the engine's rule names.
pub fn levey_jennings(
    chart: &QcChart,
    title: String,
    unit: String,
    decimals: usize,
    config: &LabConfig,
) -> LeveyJennings {
    let tz = config.time_zone();
    let segments = chart
        .segments
        .iter()
        .map(|s| ChartSegment {
            lot: s.lot.clone(),
            mean: s.mean,
            sd: s.sd,
            points: chart
                .points
                .iter()
                .skip(s.first)
                .take(s.len)
                .map(|p| {
                    let (warnings, rejections): (Vec<String>, Vec<String>) =
                        p.violations.iter().cloned().partition(|name| {
                            WestgardRule::parse(name).is_some_and(WestgardRule::is_warning)
                        });
                    ChartPoint {
                        run: p.run_id.to_string(),
                        date: p.at.to_zoned(tz.clone()).strftime("%d/%m").to_string(),
                        when: dates::date_time(p.at, tz),
                        level: chart.level.clone(),
                        shown: value_text(p.value, decimals),
                        z: p.z,
                        rejections,
                        warnings,
                    }
                })
                .collect(),
        })
        .collect();
    LeveyJennings {
        title,
        unit,
        // Targets and line values one decimal finer than results (5.50 ± 0.20 for glucose).
        decimals: decimals + 1,
        segments,
    }
}

/// A QC value as the person or analyzer gave it: every decimal it has (`6.25` for a test
/// reported with one decimal), at least the test's decimals (`5.0`).
pub fn value_text(value: f64, decimals: usize) -> String {
    let shortest = value.to_string();
    let has = shortest.split_once('.').map_or(0, |(_, f)| f.len());
    if has >= decimals {
        shortest
    } else {
        format!("{value:.decimals$}")
    }
}

fn stats(s: &Summary, decimals: usize) -> [String; 4] {
    [
        s.n.to_string(),
        format!("{:.*}", decimals + 1, s.mean),
        dash_or(s.sd, decimals + 1),
        dash_or(s.cv_percent, 1),
    ]
}

/// A figure with `decimals` decimals, or `—` when there is none.
fn dash_or(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| String::from("—"), |v| format!("{v:.decimals$}"))
}

fn summary_table(s: &QcMonthlySummary, decimals: usize) -> SummaryTable {
    SummaryTable {
        lot: s.lot.clone(),
        rows: s
            .months
            .iter()
            .map(|m| SummaryRow {
                month: format!("{:02}/{}", m.month.month, m.month.year),
                month_stats: stats(&m.this_month, decimals),
                cumulative: stats(&m.cumulative, decimals),
                target: [
                    dash_or(s.target_mean, decimals + 1),
                    dash_or(s.target_sd, decimals + 1),
                ],
                bias_sdi: [
                    m.vs_target
                        .as_ref()
                        .and_then(|t| t.bias_percent)
                        .map_or_else(|| String::from("—"), |v| format!("{v:+.1}")),
                    m.vs_target
                        .as_ref()
                        .map_or_else(|| String::from("—"), |t| format!("{:+.2}", t.sdi)),
                ],
            })
            .collect(),
    }
}

/// The sigma advice per level from the lab's bias and TEa and the latest cumulative CV of
/// each lot shown: none when the test has no bias and TEa configured.
fn sigma_lines(
    config: &LabConfig,
    test: &str,
    levels: u8,
    summaries: &[QcMonthlySummary],
    lang: Lang,
) -> Vec<String> {
    let Some(settings) = config.qc.test_settings(test) else {
        return Vec::new();
    };
    let (Some(bias), Some(tea)) = (settings.bias_percent, settings.tea_percent) else {
        return Vec::new();
    };
    summaries
        .iter()
        .filter_map(|s| {
            let cv = s.months.last()?.cumulative.cv_percent?;
            let sigma = sigma::sigma_metric(tea, bias, cv)?;
            let advice = sigma::advise(sigma, levels);
            let rules: Vec<&str> = advice.rules.iter().map(|r| r.name()).collect();
            Some(QcMsg::SigmaLine.fill(
                lang,
                &[
                    ("level", &format!("{} · {}", s.level, s.lot)),
                    ("sigma", &format!("{sigma:.1}")),
                    (
                        "rules",
                        &format!(
                            "{} (N = {}, R = {})",
                            rules.join(", "),
                            advice.measurements_per_run,
                            advice.runs
                        ),
                    ),
                ],
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::value_text;

    #[test]
    fn a_value_keeps_every_decimal_it_was_given_and_at_least_the_tests() {
        assert_eq!(value_text(6.25, 1), "6.25");
        assert_eq!(value_text(5.5, 1), "5.5");
        assert_eq!(value_text(5.0, 1), "5.0");
        assert_eq!(value_text(90.0, 0), "90");
        assert_eq!(value_text(452.5, 0), "452.5");
    }
}
