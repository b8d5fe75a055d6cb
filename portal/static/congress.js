/* The congress screens, without inline script (the content policy forbids it):
   - 应到 / 实到 / 请假 figures refresh themselves every few seconds (staff and chair screens);
   - the card-code field keeps the focus, so a USB scanner can type into it at any time;
   - an election ballot counts the names marked and written in, and warns above the seats;
   - the venue-code screen reloads itself when its 30-second window turns (the server says when). */
(function () {
  "use strict";
  var REFRESH_MS = 5000;

  var figures = document.querySelector("[data-attendance]");
  if (figures && window.fetch) {
    var refresh = function () {
      fetch(figures.getAttribute("data-attendance"), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          ["total", "present", "on_leave", "absent", "quorum"].forEach(function (name) {
            var cell = figures.querySelector('[data-figure="' + name + '"]');
            if (cell) { cell.textContent = data[name]; }
          });
          var quorum = figures.querySelector('[data-figure="quorum"]');
          if (quorum) {
            quorum.classList.toggle("text-success", data.quorum_met);
            quorum.classList.toggle("text-danger", !data.quorum_met);
          }
        })
        .catch(function () { /* the next refresh tries again */ });
    };
    window.setInterval(refresh, REFRESH_MS);
  }

  var venueReload = document.body.getAttribute("data-venue-reload-ms");
  if (venueReload) {
    window.setTimeout(function () { window.location.reload(); }, parseInt(venueReload, 10));
  }

  var code = document.getElementById("card-code");
  if (code) { code.focus(); }

  document.querySelectorAll("form[data-seats]").forEach(function (form) {
    var seats = parseInt(form.getAttribute("data-seats"), 10);
    var counter = form.querySelector("[data-count]");
    var update = function () {
      var marked = form.querySelectorAll('input[name="mark"]:checked').length;
      form.querySelectorAll('input[name="write_in"]').forEach(function (box) {
        if (box.value.trim()) { marked += 1; }
      });
      counter.classList.toggle("phone-count-over", marked > seats);
      counter.textContent = marked > seats
        ? portalText("vote_too_many", {marked: marked, seats: seats})
        : portalText("vote_marked", {marked: marked, seats: seats});
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  });
}());
