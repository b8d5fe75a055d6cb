/* Background jobs: poll the job's status URL and move the progress bar; reload when it is finished. */
$(function () {
  var $job = $("#portal-job");
  if (!$job.length) { return; }
  var url = $job.data("status-url");
  var phases = ["queued", "start", "read", "validate", "check", "write", "end", "rows", "forms"];
  function show(state) {
    var percent = state.percent || 0;
    var $bar = $("#portal-job-bar");
    $bar.css("width", percent + "%").attr("aria-valuenow", percent).text(percent + "%");
    var text = portalText(phases.indexOf(state.phase) >= 0 ? "job_" + state.phase : "job_working");
    if (state.total) {
      text += " " + state.done.toLocaleString() + " / " + state.total.toLocaleString() + " " + portalText(state.phase === "forms" ? "job_unit_forms" : "job_unit_rows");
    }
    $("#portal-job-phase").text(text);
    if (state.eta !== null && state.eta !== undefined) {
      $("#portal-job-eta").text(portalText("job_eta", {seconds: state.eta}));
    }
  }
  function poll() {
    $.getJSON(url).done(function (state) {
      if (state.status === "queued" || state.status === "running") {
        show(state);
        setTimeout(poll, 500);
      } else {
        window.location.reload();
      }
    }).fail(function () { setTimeout(poll, 2000); });
  }
  poll();
});
