/* Ticked rows on a register's list (print selected, bulk changes): a tick box in front of each row (the record id
   read from its show link) and one in the header for the whole page; the forms post the ticked ids,
   unless a bulk form asks for all filtered records (scope=all), which the server works out itself. */
$(function () {
  var $forms = $("form.portal-print-selected, form.portal-bulk");
  if (!$forms.length) { return; }
  var $table = $(".table-responsive table.table").first();
  $table.find("thead tr").prepend($('<th class="portal-select"></th>').attr("data-label", portalText("select_page")).append(
    $('<input type="checkbox" id="portal-select-all">').attr("aria-label", portalText("select_page"))));
  $table.find("tbody tr, > tr").each(function () {
    var $row = $(this);
    if ($row.parent().is("thead")) { return; }
    var match = ($row.find("a[href*='/show/']").attr("href") || "").match(/\/show\/(\d+)/);
    var $cell = $('<td class="portal-select"></td>');
    if (match) {
      $cell.append($('<input type="checkbox" class="portal-select-row">').attr("aria-label", portalText("select_row")).val(match[1]));
    }
    $row.prepend($cell);
  });
  $("#portal-select-all").on("change", function () {
    $table.find("input.portal-select-row").prop("checked", this.checked);
  });
  $forms.on("submit", function (event) {
    var $form = $(this);
    $form.find("input[name=rowid]").remove();
    if ($form.find("input[name=scope]:checked").length) { return; }
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
