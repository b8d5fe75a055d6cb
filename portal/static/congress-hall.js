/* The hall screen (大屏): polls the figures every second with If-None-Match, so an unchanged state costs an
   empty 304. Shows 应到 / 实到 / 请假 / 未到, the turnout (a count) of an open poll, and the counts of a
   sealed poll as bars. Never a name of a delegate: the JSON has none. No inline script (content policy). */
(function () {
  "use strict";
  var POLL_MS = 1000;
  var body = document.body;
  var url = body.getAttribute("data-hall");
  var list = document.querySelector("[data-hall-polls]");
  var status = document.querySelector("[data-hall-status]");
  var etag = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* Bars on the scale of all delegates (应到), so the threshold line sits where the rule puts it. */
  function bars(rows, threshold, elected, delegates) {
    var chart = element("div", "hall-chart");
    var top = Math.max.apply(null, rows.map(function (row) { return row[1]; }).concat([delegates, threshold || 0, 1]));
    rows.forEach(function (row, index) {
      var line = element("div", "hall-bar-row");
      line.appendChild(element("span", "hall-bar-label", row[0]));
      var track = element("span", "hall-bar-track");
      /* an item's bars are For, Against, Abstain in this order (their labels are in the reader's language) */
      var bar = element("span", "hall-bar hall-bar-" + (elected === null ? ["yes", "no", "abstain"][index] :
        (elected.indexOf(row[0]) >= 0 ? "elected" : "name")));
      bar.style.width = (100 * row[1] / top) + "%";
      if (row[1] > 0) { track.appendChild(bar); }
      if (threshold) {
        var mark = element("span", "hall-threshold");
        mark.style.left = (100 * threshold / top) + "%";
        track.appendChild(mark);
      }
      line.appendChild(track);
      line.appendChild(element("strong", "hall-bar-count", portalText("hall_votes", {count: row[1]})));
      chart.appendChild(line);
    });
    return chart;
  }

  function pollCard(poll) {
    var card = element("article", "hall-poll");
    card.setAttribute("data-hall-poll", poll.id);
    card.appendChild(element("h2", null, poll.title + " (" + poll.kind + " · " + poll.state + ")"));
    if (poll.turnout !== undefined) {
      var turnout = element("p", "hall-turnout");
      turnout.appendChild(element("strong", null, portalText("hall_turnout", {count: poll.turnout})));
      card.appendChild(turnout);
    }
    var result = poll.result;
    if (result && result.items) {
      result.items.forEach(function (item) {
        var block = element("div", "hall-item");
        block.appendChild(element("h3", null, portalText("hall_item_title", {title: item.title})));
        block.lastChild.appendChild(element("span", item.passed ? "hall-passed" : "hall-failed", item.verdict));
        block.appendChild(bars(item.bars, item.threshold, null, result.delegates));
        block.appendChild(element("p", "hall-note", portalText("hall_motion_note",
          {delegates: result.delegates, threshold: item.threshold, returned: result.returned})));
        card.appendChild(block);
      });
    } else if (result) {
      if (result.void) {
        card.appendChild(element("p", "hall-failed", result.void));
      } else {
        card.appendChild(bars(result.bars, result.threshold, result.elected, result.delegates));
        card.appendChild(element("p", "hall-note", portalText("hall_elected", {
          names: result.elected.join(portalText("list_separator")) || portalText("hall_nobody"),
          threshold: result.threshold, returned: result.returned})));
      }
    }
    return card;
  }

  function show(data) {
    ["total", "present", "on_leave", "absent"].forEach(function (name) {
      document.querySelector('[data-hall-figure="' + name + '"]').textContent = data[name];
    });
    list.textContent = "";
    data.polls.slice().reverse().forEach(function (poll) { list.appendChild(pollCard(poll)); });
  }

  function refresh() {
    var headers = {Accept: "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, {credentials: "same-origin", cache: "no-store", headers: headers})
      .then(function (answer) {
        if (answer.status === 304) { return null; }
        if (!answer.ok) { throw new Error(String(answer.status)); }
        etag = answer.headers.get("ETag");
        return answer.json();
      })
      .then(function (data) {
        status.textContent = "";
        if (data) { show(data); }
      })
      .catch(function () { status.textContent = portalText("hall_offline"); })
      .then(function () { window.setTimeout(refresh, POLL_MS); });
  }

  if (url && window.fetch) { refresh(); }
}());
