/* Background jobs: poll the job's status URL and move the progress bar; reload when it is finished. */
$(function () {
  var $job = $("#portal-job");
  if (!$job.length) { return; }
  var url = $job.data("status-url");
  var phases = { queued: "正在排队…", start: "正在开始…", read: "正在读取文件…", validate: "正在校验数据…", check: "正在核对已有记录和链接…",
                 write: "正在写入数据库…", end: "即将完成…", rows: "正在导出…", forms: "正在排版…" };
  var units = { forms: " 份" };
  function show(state) {
    var percent = state.percent || 0;
    var $bar = $("#portal-job-bar");
    $bar.css("width", percent + "%").attr("aria-valuenow", percent).text(percent + "%");
    var text = phases[state.phase] || "正在处理…";
    if (state.total) {
      text += " " + state.done.toLocaleString() + " / " + state.total.toLocaleString() + (units[state.phase] || " 行");
    }
    $("#portal-job-phase").text(text);
    if (state.eta !== null && state.eta !== undefined) {
      $("#portal-job-eta").text("本阶段预计还需 " + state.eta + " 秒。可以离开本页，稍后回来查看结果。");
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
