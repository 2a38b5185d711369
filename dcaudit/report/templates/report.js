// Progressive enhancement only: the report is complete without JavaScript.
(function () {
  "use strict";
  // Print every collapsed section, then restore what the reader had open.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  // Filter the interaction tables by any text in a row (text only, never markup).
  var box = document.getElementById("ix-filter");
  var status = document.getElementById("ix-filter-status");
  if (!box || !status) { return; }
  box.parentNode.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-ix]"));
  box.addEventListener("input", function () {
    var needle = box.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var match = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    document.querySelectorAll("#interactions details").forEach(function (d) {
      if (needle) { d.open = true; }
    });
    status.textContent = needle ? shown + " of " + rows.length + " interactions shown" : "";
  });
})();
