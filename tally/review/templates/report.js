// tally review page: sort and filter the facts table, focus highlights reached through links. No dependencies.
(function () {
  "use strict";
  var table = document.getElementById("facts-table");

  function cellKey(row, col) {
    var cell = row.cells[col];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent || "") : "";
  }

  function compare(a, b, numeric) {
    if (numeric) {
      var x = parseFloat(a), y = parseFloat(b);
      var xn = isNaN(x), yn = isNaN(y);
      if (xn || yn) { return xn === yn ? 0 : (xn ? 1 : -1); }
      return x - y;
    }
    return a.localeCompare(b, "en", { numeric: true, sensitivity: "base" });
  }

  function sortBy(th) {
    var col = th.cellIndex;
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) { ths[i].setAttribute("aria-sort", "none"); }
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      return dir * compare(cellKey(a, col), cellKey(b, col), numeric) ||
        compare(a.getAttribute("data-fact-id"), b.getAttribute("data-fact-id"), false);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function applyFilters() {
    var ind = document.getElementById("filter-indicator").value;
    var country = document.getElementById("filter-country").value;
    var text = document.getElementById("filter-text").value.trim().toLowerCase();
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!ind || r.getAttribute("data-indicator") === ind) &&
        (!country || (" " + r.getAttribute("data-countries") + " ").indexOf(" " + country + " ") >= 0) &&
        (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    document.getElementById("facts-shown").textContent = shown + " of " + rows.length + " facts";
  }

  if (table) {
    table.tHead.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button");
      if (btn) { sortBy(btn.parentElement); }
    });
    ["filter-indicator", "filter-country", "filter-text"].forEach(function (id) {
      var el = document.getElementById(id);
      el.addEventListener(el.tagName === "SELECT" ? "change" : "input", applyFilters);
    });
  }

  // Following a link to a highlight focuses it, so its tooltip shows and Tab continues from there.
  function focusTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.classList.contains("m")) { el.focus({ preventScroll: false }); }
  }
  window.addEventListener("hashchange", focusTarget);
  focusTarget();
})();
