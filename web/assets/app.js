// The LIS page script: live worklist updates and keyboard shortcuts. Pages work without it:
// every action is a real link or form. No inline code anywhere (CSP script-src 'self').
"use strict";
(function () {
  var KEY = "lis.selected";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tbody tr[data-href]"));
  }

  function selected() {
    return document.querySelector("tbody tr.selected[data-href]");
  }

  // Marks one row as the keyboard's; remembers it so a refresh or a return keeps it.
  function select(row, scroll) {
    var old = selected();
    if (old) {
      old.classList.remove("selected");
      old.removeAttribute("aria-current");
    }
    if (!row) return;
    row.classList.add("selected");
    row.setAttribute("aria-current", "true");
    if (row.dataset.id) {
      try { sessionStorage.setItem(KEY, row.dataset.id); } catch (e) { /* storage off */ }
    }
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }

  function restoreSelection() {
    var id = null;
    try { id = sessionStorage.getItem(KEY); } catch (e) { /* storage off */ }
    if (id === null) return;
    var found = rows().filter(function (r) { return r.dataset.id === id; })[0];
    if (found) select(found, false);
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(selected());
    var next = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step));
    select(all[next], true);
  }

  // Live updates: one EventSource per visible tab; each event re-fetches the rows fragment.
  function live(body) {
    var status = document.getElementById("live-status");
    var source = null;
    var lastId = "";
    var pending = false;
    var busy = false;

    function show(on) {
      if (!status) return;
      status.hidden = false;
      status.textContent = on ? status.dataset.textOn : status.dataset.textOff;
      status.classList.toggle("live-off", !on);
    }

    function refresh() {
      if (busy) { pending = true; return; }
      busy = true;
      fetch(body.dataset.refreshUrl, {
        credentials: "same-origin",
        headers: { Accept: "text/html" }
      }).then(function (resp) {
        // A redirect (to sign-in) or an error page is not a rows fragment.
        if (!resp.ok || resp.redirected) throw new Error("status " + resp.status);
        return resp.text();
      }).then(function (html) {
        var keep = selected();
        var id = keep ? keep.dataset.id : null;
        body.innerHTML = html;
        if (id !== null) {
          var again = rows().filter(function (r) { return r.dataset.id === id; })[0];
          if (again) select(again, false);
        }
      }).catch(function () {
        show(false);
      }).then(function () {
        busy = false;
        if (pending) { pending = false; refresh(); }
      });
    }

    function onEvent(e) {
      if (e.lastEventId) lastId = e.lastEventId;
      refresh();
    }

    function open() {
      if (source || typeof EventSource === "undefined") return;
      var url = body.dataset.liveUrl;
      if (lastId) url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId);
      source = new EventSource(url);
      source.onopen = function () { show(true); };
      source.onerror = function () { show(false); };
      source.onmessage = onEvent;
      source.addEventListener("change", onEvent);
    }

    function close() {
      if (source) { source.close(); source = null; }
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) close(); else open();
    });
    window.addEventListener("pagehide", close);
    if (!document.hidden) open();
  }

  function toggleHelp(force) {
    var help = document.getElementById("keyboard-help");
    if (!help) return;
    help.hidden = force === undefined ? !help.hidden : !force;
    if (!help.hidden) {
      var close = help.querySelector("[data-help-close]");
      if (close) close.focus();
    }
  }

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function visible(el) {
    return !el.disabled && el.getClientRects().length > 0;
  }

  // v, r: press the button. e, x, c: open its panel and put the cursor in its reason
  // (the element named by data-reason, else the first text field of its form).
  function action(key) {
    var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-key="' + key + '"]'));
    var button = buttons.filter(function (b) { return !b.disabled; })[0];
    if (!button) return false;
    var details = button.closest("details");
    if (details && !details.open) details.open = true;
    var form = button.form || button.closest("form");
    var reason = button.dataset.reason ? document.getElementById(button.dataset.reason)
      : form && form.querySelector("textarea, input[type=text]");
    if (reason && key !== "v" && key !== "r") {
      reason.focus();
    } else if (visible(button)) {
      button.click();
    } else {
      button.focus();
    }
    return true;
  }

  document.addEventListener("keydown", function (e) {
    var target = e.target;
    // Ctrl+Enter in a reason sends it with its own button (Enter alone is a new line).
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && target.dataset && target.dataset.submit) {
      var send = document.getElementById(target.dataset.submit);
      if (send) { send.click(); e.preventDefault(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (e.key === "Escape") {
      var help = document.getElementById("keyboard-help");
      if (help && !help.hidden) { toggleHelp(false); return; }
      if (typing(target)) target.blur();
      return;
    }
    if (typing(target)) return;
    if (e.key === "?") { toggleHelp(); e.preventDefault(); return; }
    if (rows().length) {
      if (e.key === "j") { move(1); e.preventDefault(); return; }
      if (e.key === "k") { move(-1); e.preventDefault(); return; }
      if (e.key === "Enter") {
        var row = selected();
        var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
        if (row && tag !== "a" && tag !== "button") {
          window.location.href = row.dataset.href;
          e.preventDefault();
        }
        return;
      }
    }
    if ("vrexc".indexOf(e.key) >= 0 && e.key.length === 1 && action(e.key)) e.preventDefault();
  });

  // A click anywhere on a row opens it, unless it was on a link, button or field of its own.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.closest && t.closest("[data-help-close]")) { toggleHelp(false); return; }
    if (!t || !t.closest || t.closest("a, button, input, select, textarea, label")) return;
    var row = t.closest("tbody tr[data-href]");
    if (row) {
      select(row, false);
      window.location.href = row.dataset.href;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    restoreSelection();
    var body = document.querySelector("[data-live-url][data-refresh-url]");
    if (body) live(body);
    // After an action's redirect the server marks where the work goes on.
    var focus = document.querySelector("[data-focus]");
    if (!focus && window.location.hash.length > 1) {
      focus = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    }
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !/^(a|button|input|select|textarea)$/i.test(focus.tagName)) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
      if (focus.matches("tr[data-href]")) select(focus, true);
    }
  });
})();

// Print: [data-print] buttons; [data-autoprint] pages (after an audited Print) on load.
document.addEventListener("click", function (e) {
  if (e.target && e.target.closest && e.target.closest("[data-print]")) window.print();
});
document.addEventListener("DOMContentLoaded", function () {
  if (document.querySelector("[data-autoprint]")) window.print();
});
