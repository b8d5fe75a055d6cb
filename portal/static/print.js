/* 打印所选 on a register's list: a tick box in front of each row (the record id read from its 查看
   link) and one in the header for the whole page; the print forms post the ticked ids. */
$(function () {
  var $forms = $("form.portal-print-selected");
  if (!$forms.length) { return; }
  var $table = $(".table-responsive table.table").first();
  $table.find("thead tr").prepend('<th class="portal-select"><input type="checkbox" id="portal-select-all" aria-label="全选本页"></th>');
  $table.find("tbody tr, > tr").each(function () {
    var $row = $(this);
    if ($row.parent().is("thead")) { return; }
    var match = ($row.find("a[href*='/show/']").attr("href") || "").match(/\/show\/(\d+)/);
    var $cell = $('<td class="portal-select"></td>');
    if (match) {
      $cell.append($('<input type="checkbox" class="portal-select-row" aria-label="选择此行">').val(match[1]));
    }
    $row.prepend($cell);
  });
  $("#portal-select-all").on("change", function () {
    $table.find("input.portal-select-row").prop("checked", this.checked);
  });
  $forms.on("submit", function (event) {
    var $form = $(this);
    $form.find("input[name=rowid]").remove();
    var $ticked = $table.find("input.portal-select-row:checked");
    if (!$ticked.length) {
      event.preventDefault();
      window.alert($form.data("empty"));
      return;
    }
    $ticked.each(function () {
      $form.append($('<input type="hidden" name="rowid">').val(this.value));
    });
  });
});
