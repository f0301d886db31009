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
  });
})();
