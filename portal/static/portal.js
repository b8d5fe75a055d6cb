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
        searching: function () { return "正在搜索…"; },
        noResults: function () { return "没有找到匹配的记录"; },
        errorLoading: function () { return "无法加载结果"; }
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
