// Progressive touches only: every page works without this script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Acceptance form: show the list of missing materials only when a
    // correction is chosen.
    var form = document.getElementById("decision-form");
    var box = document.getElementById("missing-box");
    if (form && box) {
      var sync = function () {
        var chosen = form.querySelector("input[name=decision]:checked");
        box.classList.toggle("hidden", !chosen || chosen.value !== "correct");
      };
      form.addEventListener("change", sync);
      sync();
    }
    // Decision form: before it is submitted, say what the chosen decision
    // will do (the server's words, data-confirm) and ask again.
    var panel = document.getElementById("decision-confirm");
    if (form && panel) {
      var submit = document.getElementById("decision-submit");
      var confirmed = false;
      form.addEventListener("submit", function (ev) {
        var chosen = form.querySelector("input[name=decision]:checked");
        if (confirmed || !chosen || !chosen.getAttribute("data-confirm")) {
          return;
        }
        ev.preventDefault();
        document.getElementById("decision-confirm-text").textContent = chosen.getAttribute("data-confirm");
        panel.hidden = false;
        submit.hidden = true;
        document.getElementById("decision-confirm-yes").focus();
      });
      document.getElementById("decision-confirm-yes").addEventListener("click", function () {
        confirmed = true;
      });
      var reset = function () {
        confirmed = false;
        panel.hidden = true;
        submit.hidden = false;
      };
      document.getElementById("decision-confirm-no").addEventListener("click", reset);
      form.addEventListener("change", reset);
    }
    shortcuts(form);
    // Lists with bulk actions: a select-all box in the header and the
    // count of ticked cases; without script each box is ticked by hand.
    Array.prototype.forEach.call(document.querySelectorAll("form.bulk"), function (bulk) {
      var all = bulk.querySelector("input.select-all");
      var boxes = bulk.querySelectorAll("input[name=id]");
      var count = bulk.querySelector(".selected-count");
      var sync = function () {
        var n = bulk.querySelectorAll("input[name=id]:checked").length;
        count.hidden = false;
        count.querySelector("b").textContent = String(n);
        all.checked = n === boxes.length && n > 0;
        all.indeterminate = n > 0 && n < boxes.length;
      };
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
        sync();
      });
      bulk.addEventListener("change", function (ev) {
        if (ev.target !== all) { sync(); }
      });
      sync();
    });
  });

  // Keyboard shortcuts (listed on /help): on the worklist j and k select
  // the next and previous case, Enter or o opens it, d opens it at its
  // decision form; on a case page d goes to the decision form; ? opens
  // the help page anywhere. Keys typed into a field are the field's.
  function shortcuts(form) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.worklist tbody tr"));
    var current = -1;
    var link = function (i) { return rows[i] && rows[i].querySelector("a[href]"); };
    var select = function (i) {
      if (!rows.length) {
        return;
      }
      i = Math.max(0, Math.min(rows.length - 1, i));
      if (current >= 0) {
        rows[current].classList.remove("current");
      }
      current = i;
      rows[i].classList.add("current");
      link(i).focus();
    };
    var toDecision = function () {
      var first = form.querySelector("input[name=decision]");
      form.scrollIntoView();
      if (first) {
        first.focus();
      }
    };
    rows.forEach(function (row, i) {
      link(i).addEventListener("focus", function () {
        if (current !== i) {
          select(i);
        }
      });
    });
    if (form && location.hash === "#decision-form") {
      toDecision();
    }
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      var tag = t.tagName;
      if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.defaultPrevented || t.isContentEditable ||
          /^(TEXTAREA|SELECT|BUTTON)$/.test(tag) || tag === "INPUT" && !/^(radio|checkbox)$/.test(t.type)) {
        return;
      }
      var handled = true;
      if (ev.key === "?") {
        location.href = "/help";
      } else if (ev.key === "j" && rows.length) {
        select(current + 1);
      } else if (ev.key === "k" && rows.length) {
        select(current < 0 ? 0 : current - 1);
      } else if ((ev.key === "o" || ev.key === "Enter" && tag !== "A" && tag !== "INPUT") && current >= 0) {
        location.href = link(current).href;
      } else if (ev.key === "d" && current >= 0) {
        location.href = link(current).href + "#decision-form";
      } else if (ev.key === "d" && form) {
        toDecision();
      } else {
        handled = false;
      }
      if (handled) {
        ev.preventDefault();
      }
    });
  }
})();
