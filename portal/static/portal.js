/* Link fields: search-as-you-type against /lookup/<register>?q= (select2 4, vendored by Flask-AppBuilder). */
$(function () {
  $("select.portal-link").each(function () {
    var $el = $(this);
    $el.select2({
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
