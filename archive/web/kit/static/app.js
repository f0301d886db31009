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
  });
})();
