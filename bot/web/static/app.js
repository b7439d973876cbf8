// Progressive enhancement only: every page works without this file.
(function () {
  // Steppers: − and + beside each number.
  document.querySelectorAll("button.step").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.for);
      var value = (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10);
      input.value = Math.max(0, value);
    });
  });
  // Sortable tables: click a header; numbers by data-value, names in Vietnamese order.
  var collator = new Intl.Collator("vi");
  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th, index) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0];
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
        var order = th.dataset.sort === "num" ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  // Telegram Mini App: Telegram puts the signed launch data in the URL fragment.
  var login = document.getElementById("tg-login");
  if (login) {
    var params = new URLSearchParams(location.hash.slice(1));
    var data = params.get("tgWebAppData");
    if (data) {
      login.elements.init_data.value = data;
      login.submit();
    }
  }
})();
