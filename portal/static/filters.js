/* The list's filter panel (portal/templates/portal/search_widget.html).

   The page carries, in <script type="application/json" id="portal-filter-data">, the fields this
   user may filter on (with their operators as [index, name, arg]) and the filters applied now.
   Each filter is a row whose inputs are named _flt_<operator index>_<field>, as Flask-AppBuilder
   reads them, so the same filters reach the list, its export and the REST API:
   - choice: 等于 / 不等于 and a drop-down of the options' labels;
   - boolean: a 是/否 drop-down;
   - range (dates, months, numbers): 从 … 到 …, either end may stay empty;
   - link: 关联 / 不关联 / 含下级 and a search box fed by /lookup/<register>;
   - text: Flask-AppBuilder's text operators and a text box. */
$(function () {
  var data = document.getElementById("portal-filter-data");
  var $form = $("#filter_form.portal-filters");
  if (!data || !$form.length) { return; }
  var panel = JSON.parse(data.textContent);
  var text = panel.text;
  var columns = {};
  panel.columns.forEach(function (column) { columns[column.name] = column; });
  var $body = $form.find("table.filters tbody");

  function opIndex(column, arg) {
    for (var i = 0; i < column.operators.length; i++) {
      if (column.operators[i][2] === arg) { return column.operators[i][0]; }
    }
    return null;
  }

  function fieldName(column, index) { return "_flt_" + index + "_" + column.name; }

  /* The operators the row offers: the panel's own for the kind, or every operator of the field when the
     address holds another one (an API-style filter such as 大于 keeps showing what it is). */
  function offered(column, arg) {
    var own = column.operators.filter(function (op) { return column.panel.indexOf(op[2]) >= 0; });
    if (!own.length || (arg && column.panel.indexOf(arg) < 0)) { return column.operators; }
    return own;
  }

  function operatorCell(column, ops, arg, $value) {
    var $cell = $('<td class="filter portal-filter-op"/>');
    if (ops.length === 1) {
      $cell.append($('<span class="form-control-static"/>').text(ops[0][1]));
      $value.attr("name", fieldName(column, ops[0][0]));
      return $cell;
    }
    var $select = $('<select class="form-control input-sm filter-op"/>').attr("aria-label", column.label);
    ops.forEach(function (op) {
      var $option = $("<option/>").attr("value", op[0]).text(op[1]);
      if (op[2] === arg) { $option.prop("selected", true); }
      $select.append($option);
    });
    $value.attr("name", fieldName(column, $select.val()));
    $select.on("change", function () { $value.attr("name", fieldName(column, $select.val())); });
    return $cell.append($select);
  }

  function choiceBox(column, value) {
    var $select = $('<select class="form-control input-sm filter_val"/>').attr("aria-label", column.label);
    $select.append($('<option value=""/>').text(text.choose));
    column.choices.forEach(function (choice) {
      $select.append($("<option/>").attr("value", choice[0]).text(choice[1]));
    });
    if (value !== undefined) {
      if (!$select.find("option").filter(function () { return this.value === value; }).length) {
        $select.append($("<option/>").attr("value", value).text(value));  // an alias typed in the address
      }
      $select.val(value);
    }
    return $select;
  }

  function linkBox(column, value, title) {
    var $select = $('<select class="form-control input-sm filter_val portal-filter-link"/>')
      .attr("data-lookup", column.lookup).attr("aria-label", column.label);
    $select.append('<option value=""></option>');
    if (value) { $select.append($('<option selected/>').attr("value", value).text(title || value)); }
    return $select;
  }

  function activateLink($select) {
    $select.select2({
      theme: "bootstrap", allowClear: true, placeholder: text.search, minimumInputLength: 0, width: "100%",
      language: {
        searching: function () { return portalText("searching"); },
        noResults: function () { return portalText("no_results"); },
        errorLoading: function () { return portalText("error_loading"); }
      },
      ajax: {
        url: $select.data("lookup"), dataType: "json", delay: 250,
        data: function (params) { return {q: params.term || ""}; },
        processResults: function (result) { return {results: result.results}; }
      }
    });
  }

  function textBox(column, value) {
    var $input = $('<input type="text" class="form-control input-sm filter_val"/>').attr("aria-label", column.label);
    if (column.type === "date") {
      $input.attr("placeholder", "2020-01-05").addClass("portal-filter-date");
    } else if (column.type === "month") {
      $input.attr("placeholder", "2020-01");
    }
    if (value !== undefined) { $input.val(value); }
    return $input;
  }

  function removeCell(column) {
    var $link = $('<a href="#" class="btn remove-filter"/>').attr("title", text.remove)
      .append('<span class="close-icon" aria-hidden="true">&times;</span>')
      .append(document.createTextNode("\u00a0" + column.label));
    $link.on("click", function (event) {
      event.preventDefault();
      $(this).closest("tr").remove();
    });
    return $("<td/>").append($link);
  }

  /* One range row: 从 [ ] 到 [ ]; each box is its own filter (ge / le), an empty one is left out. */
  function rangeRow(column, from, to) {
    var $row = $('<tr class="portal-filter-range"/>').attr("data-field", column.name);
    var $from = textBox(column, from).attr("name", fieldName(column, opIndex(column, "ge")))
      .attr("aria-label", column.label + " " + text.from);
    var $to = textBox(column, to).attr("name", fieldName(column, opIndex(column, "le")))
      .attr("aria-label", column.label + " " + text.to);
    var $boxes = $('<div class="portal-filter-range-boxes"/>')
      .append($('<span class="portal-filter-word"/>').text(text.from)).append($from)
      .append($('<span class="portal-filter-word"/>').text(text.to)).append($to);
    $row.append(removeCell(column)).append($('<td class="filter portal-filter-op"/>')).append($('<td class="filter"/>').append($boxes));
    $body.append($row);
    activateDates($row);
    return $row;
  }

  function activateDates($row) {
    if ($.fn.datepicker) {
      $row.find("input.portal-filter-date").datepicker({format: "yyyy-mm-dd", autoclose: true, forceParse: false});
    }
  }

  function addRow(column, arg, value, title) {
    if (column.kind === "range" && (!arg || arg === "ge" || arg === "le")) {
      return rangeRow(column, arg === "ge" ? value : undefined, arg === "le" ? value : undefined);
    }
    var $value;
    if (column.kind === "choice" || column.kind === "boolean") {
      $value = choiceBox(column, value);
    } else if (column.kind === "link") {
      $value = linkBox(column, value, title);
    } else {
      $value = textBox(column, value);
    }
    var $row = $("<tr/>").attr("data-field", column.name);
    $row.append(removeCell(column)).append(operatorCell(column, offered(column, arg), arg, $value))
      .append($('<td class="filter"/>').append($value));
    $body.append($row);
    if (column.kind === "link") { activateLink($value); }
    return $row;
  }

  /* Filters applied now: a field's 从 and 到 share one row. */
  var ranges = {};
  panel.active.forEach(function (entry) {
    var column = columns[entry.name];
    if (!column) { return; }
    if (column.kind === "range" && (entry.arg === "ge" || entry.arg === "le")) {
      var $row = ranges[entry.name];
      var $box = $row ? $row.find('input[name="' + fieldName(column, entry.index) + '"]') : null;
      if ($box && $box.length && !$box.val()) {
        $box.val(entry.value);
      } else {
        ranges[entry.name] = rangeRow(column, entry.arg === "ge" ? entry.value : undefined,
                                      entry.arg === "le" ? entry.value : undefined);
      }
      return;
    }
    addRow(column, entry.arg, entry.value, entry.text);
  });

  $form.on("click", "a.filter", function (event) {
    event.preventDefault();
    var column = columns[$(this).attr("name")];
    if (column) { addRow(column); }
  });

  /* An empty box is no filter (an empty 到 leaves the range open), not an error. */
  $form.on("submit", function () {
    $form.find(".filter_val").each(function () {
      if (!$(this).val()) { $(this).removeAttr("name"); }
    });
  });
});
