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
})();
