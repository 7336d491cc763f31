//! What a person does and reads on the UI's pages, for the journeys: signing in and out, a
//! worklist row, the specimen's results and history as they read, ticking results, pressing an
//! action and waiting for the page after it.

use lis_tests::browser::{screenshot_dir, Browser};
use lis_tests::server::{wait_for, TIMEOUT};
use serde_json::Value;

use super::{Bench, Person, Words};

/// Signs in at /login and lands on the worklist, their name in the header.
pub(super) fn sign_in(browser: &Browser, bench: &Bench, person: &Person, words: &Words) {
    browser.goto(&bench.url("/login"));
    browser.fill("#username", person.username);
    browser.fill("#password", person.password);
    browser.click("form.stacked button[type=submit]");
    wait_for("the worklist after signing in", TIMEOUT, || {
        (browser.url() == bench.url("/")).then_some(())
    });
    browser.wait_for_text(person.name, TIMEOUT);
    assert_eq!(
        browser.script("return document.documentElement.lang"),
        words.code
    );
    assert_eq!(browser.text("main h1"), words.worklist);
}

/// Signs out with the header's button and sees the sign-in page say so.
pub(super) fn sign_out(browser: &Browser, bench: &Bench, words: &Words) {
    assert_eq!(browser.text(".sign-out button"), words.sign_out);
    browser.click(".sign-out button");
    browser.wait_for_text(words.signed_out, TIMEOUT);
    assert!(
        browser.url().starts_with(&bench.url("/login")),
        "{}",
        browser.url()
    );
}

/// Page text as a person reads it: one line with single spaces. A flag or reason reads as its
/// symbol and its word; one without a symbol says so (a flag told by colour alone is missed).
pub(super) const SQUEEZE: &str =
    "function squeeze(e) { return e ? e.textContent.replace(/\\s+/g, ' ').trim() : ''; }
     function marked(li) {
       var sym = li.querySelector('[aria-hidden=true], .sym');
       return (sym && squeeze(sym) ? '' : 'no symbol: ') + squeeze(li);
     }";

/// The worklist row of `specimen` as it reads now, or `Null` when there is none.
pub(super) fn worklist_row(browser: &Browser, specimen: &str) -> Value {
    let id = serde_json::to_string(specimen).unwrap_or_default();
    browser.script(&format!(
        "{SQUEEZE}
         var tr = document.querySelector('tbody tr[data-href][data-id=' + JSON.stringify({id}) + ']');
         if (!tr) return null;
         var c = tr.children;
         return {{
           state: squeeze(c[0]), specimen: squeeze(c[1]), patient: squeeze(c[2]),
           sex_age: squeeze(c[3]), department: squeeze(c[4]), priority: squeeze(c[5]),
           waiting: squeeze(c[6]),
           reasons: Array.prototype.map.call(c[7].querySelectorAll('ul.reasons li'), marked),
           critical_wait: squeeze(c[7].querySelector('.critical-wait')),
           href: tr.dataset.href,
           index: Array.prototype.indexOf.call(tr.parentNode.querySelectorAll('tr[data-href]'), tr)
         }};"
    ))
}

/// The specimen page's results table, one object per result, keyed by the test's code.
pub(super) fn results_table(browser: &Browser) -> Value {
    browser.find("table.results tbody tr");
    browser.script(&format!(
        "{SQUEEZE}
         var out = {{}};
         document.querySelectorAll('table.results tbody tr').forEach(function (tr) {{
           var c = tr.children;
           var box = tr.querySelector('input[name=result]');
           out[squeeze(tr.querySelector('th .code'))] = {{
             row: tr.id, value: squeeze(c[2]), unit: squeeze(c[3]), range: squeeze(c[4]),
             flags: Array.prototype.map.call(c[5].querySelectorAll('ul.reasons li'), marked),
             state: squeeze(c[6].querySelector('.state')),
             callback: squeeze(c[6].querySelector('.callback-told, .badge-critical')),
             why: Array.prototype.map.call(c[7].querySelectorAll('li'), squeeze),
             selectable: !!box, checked: box ? box.checked : false
           }};
         }});
         return out;"
    ))
}

/// The specimen page's history table, one `[when, who, what, before, after, reason]` per row.
pub(super) fn history(browser: &Browser) -> Vec<Vec<String>> {
    let rows = browser.script(&format!(
        "{SQUEEZE}
         var tables = document.querySelectorAll('.two-cols section:last-child table tbody tr');
         return Array.prototype.map.call(tables, function (tr) {{
           return Array.prototype.map.call(tr.children, squeeze);
         }});"
    ));
    serde_json::from_value(rows).unwrap_or_default()
}

/// Ticks exactly the results of `codes` in the review form (a click on each box to change).
pub(super) fn tick_only(browser: &Browser, codes: &[&str]) {
    let table = results_table(browser);
    let Some(results) = table.as_object() else {
        panic!("no results table: {table}");
    };
    for (code, r) in results {
        let want = codes.contains(&code.as_str());
        if r["selectable"] == true && r["checked"] != want {
            let css = format!(
                "#{} input[name=result]",
                r["row"].as_str().unwrap_or_default()
            );
            // In the middle of the window, clear of the table's sticky header, as a person
            // would have it before clicking.
            browser.script(&format!(
                "document.querySelector({}).scrollIntoView({{ block: 'center' }}); return null;",
                serde_json::to_string(&css).unwrap_or_default()
            ));
            browser.click(&css);
        }
        if want {
            assert_eq!(r["selectable"], true, "{code} cannot be ticked: {table}");
        }
    }
    let now = results_table(browser);
    for code in codes {
        assert_eq!(now[code]["checked"], true, "{code} is not ticked: {now}");
    }
}

/// Does `act` (a click, a key) and waits for the page it leads to.
pub(super) fn next_page(browser: &Browser, act: impl FnOnce()) {
    browser.script("window.journeyPage = 'before'; return null;");
    act();
    wait_for("the next page", TIMEOUT, || {
        let loaded = browser.script(
            "return document.readyState === 'complete' && window.journeyPage === undefined",
        );
        (loaded == true).then_some(())
    });
}

/// Presses the action button with the given label and waits for the page after it.
pub(super) fn press(browser: &Browser, key: &str, label: &str) {
    let css = format!(".action-bar button[data-key={key}]");
    assert_eq!(browser.text(&css), label);
    next_page(browser, || browser.click(&css));
}

pub(super) fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

pub(super) fn screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(name);
    browser.screenshot(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
}
