/* Date pickers in the page's language (bootstrap-datepicker ships no zh-CN file with Flask-AppBuilder). */
if ($.fn.datepicker) {
  $.fn.datepicker.dates["zh-CN"] = {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    daysMin: ["日", "一", "二", "三", "四", "五", "六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    today: "今天", clear: "清除", format: "yyyy-mm-dd", titleFormat: "yyyy年mm月", weekStart: 1
  };
  /* Keep what the clerk typed. By default the picker rewrites the box on blur with the date it read
     itself, and it reads 20200105 or "abc" as today. The server parses every format the import reads
     (20200105, 2020年1月5日, 2020.1.5 ...) and refuses the rest under the field, as for any other field. */
  $.fn.datepicker.defaults.forceParse = false;
  var localeMeta = document.querySelector('meta[name="portal-locale"]');
  if ((localeMeta ? localeMeta.content : "zh").indexOf("en") !== 0) {
    $.fn.datepicker.defaults.language = "zh-CN";
  }
}

/* Link fields: search-as-you-type against /lookup/<register>?q= (select2 4, vendored by Flask-AppBuilder). */
$(function () {
  $("select.portal-link").each(function () {
    var $el = $(this);
    $el.select2({
      theme: "bootstrap",  // same look and height as Flask-AppBuilder's own select2 boxes
      allowClear: true,
      placeholder: $el.data("placeholder") || "",
      minimumInputLength: 0,
      width: "100%",
      language: {
        searching: function () { return portalText("searching"); },
        noResults: function () { return portalText("no_results"); },
        errorLoading: function () { return portalText("error_loading"); }
      },
      ajax: {
        url: $el.data("lookup"),
        dataType: "json",
        delay: 250,
        data: function (params) { return {q: params.term || ""}; },
        processResults: function (data) { return {results: data.results}; }
      }
    });
  });
});

/* select2 4.0.13 with jQuery 3.6 no longer puts the cursor in the search box when a box opens, so
   typing right after the click went nowhere. Focus it ourselves, for every select2 on the page. */
$(document).on("select2:open", function () {
  var search = document.querySelector(".select2-container--open .select2-search__field");
  if (search) { search.focus(); }
});

/* The content policy blocks inline handlers (onclick=, onsubmit=, javascript: links): pages declare
   what they need with data attributes and classes, bound here. */

/* <form data-confirm="question?"> (rendered through the catalogue): ask before a state-changing POST (delete, undo) is sent. */
$(document).on("submit", "form[data-confirm]", function (event) {
  if (!window.confirm($(this).data("confirm"))) {
    event.preventDefault();
  }
});

/* <a class="portal-back" href="/">: back to the previous page when there is one, else the link. */
$(document).on("click", "a.portal-back", function (event) {
  if (window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

/* Add and edit forms: when the server sent the form back with errors, a summary at the top lists each
   field with its message, as a link to the field; the page scrolls to the first field in error.
   Flask-AppBuilder prints each field's messages in a .alert-danger after the input. */
$(function () {
  var $form = $("form#model_form");
  var $errors = $form.find("td .alert-danger");
  if (!$form.length || !$errors.length) { return; }
  var $list = $("<ul/>");
  var first = null;
  $errors.each(function () {
    var $row = $(this).closest("tr");
    var $label = $row.find("label[for]").first();
    var id = $label.attr("for");
    var target = id ? document.getElementById(id) : null;
    if (target && !first) { first = target; }
    var name = $.trim($label.clone().children().remove().end().text()) || $.trim($label.text());
    var message = $.trim($(this).text()).replace(/\s+/g, " ");
    var $link = $('<a class="portal-error-link"/>').attr("href", id ? "#" + id : "#").text(name ? name + "：" + message : message);
    $link.data("target", target);
    $list.append($("<li/>").append($link));
  });
  var count = $errors.length;
  var $summary = $('<div class="alert alert-danger portal-error-summary" role="alert" tabindex="-1"/>')
    .append($("<strong/>").text(count === 1 ? portalText("field_errors_one") : portalText("field_errors_many", {count: count})))
    .append($list);
  $form.before($summary);
  $summary.on("click", "a.portal-error-link", function (event) {
    var target = $(this).data("target");
    if (!target) { return; }
    event.preventDefault();
    focusField(target);
  });
  if (first) { focusField(first); }

  /* A select2 box hides its <select>: scroll to and focus what the clerk sees. */
  function focusField(target) {
    var $select2 = $(target).next(".select2-container");
    var visible = $select2.length ? $select2[0] : target;
    var row = $(visible).closest("tr")[0] || visible;
    row.scrollIntoView({block: "center"});
    if ($select2.length) {
      $select2.find(".select2-selection").trigger("focus");
    } else {
      target.focus({preventScroll: true});
    }
  }
});

/* On a phone a picker (select2 list, date picker) opens below its field with the field's label still in
   view: before it opens, the page scrolls so the label is near the top, leaving the room below for it. */
(function () {
  function keepLabel(field) {
    if (window.innerWidth >= 768) { return; }
    var label = $(field).closest("tr").find("label").get(0);
    if (!label) { return; }
    var top = label.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.3) { window.scrollBy(0, top - 8); }
  }
  $(document).on("select2:opening", "select", function () { keepLabel(this); });
  $(document).on("focusin", ".portal-form .date input", function () { keepLabel(this); });
})();
