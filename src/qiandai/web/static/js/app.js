/* 钱袋工作台: charts from JSON, SLA countdowns, keyboard review, small helpers. No inline scripts (CSP). */
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      fetch(el.dataset.chart, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (option) {
          var chart = window.echarts.init(el, null, { renderer: "canvas" });
          chart.setOption(option);
          el.classList.add("ready");
          var every = parseInt(el.dataset.refresh || "0", 10);
          if (every > 0) {
            setInterval(function () {
              fetch(el.dataset.chart, { credentials: "same-origin" })
                .then(function (r) { return r.ok ? r.json() : null; })
                .then(function (o) { if (o) { chart.setOption(o); } });
            }, every * 1000);
          }
          window.addEventListener("resize", function () { chart.resize(); });
        })
        .catch(function () { el.textContent = "图表加载失败"; el.classList.add("failed"); });
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.dataset.deadline);
      if (isNaN(due)) { return; }
      var s = Math.round((due - now) / 1000);
      var late = s < 0;
      s = Math.abs(s);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var text = (h > 0 ? h + "小时" : "") + pad(m) + "分" + pad(sec) + "秒";
      el.textContent = late ? "已超时 " + text : "剩余 " + text;
      el.classList.toggle("late", late);
      el.classList.toggle("soon", !late && s < 600);
    });
  }

  function keyboardReview() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
    if (!rows.length) { return; }
    var index = 0;
    function focus(i) {
      rows.forEach(function (r) { r.classList.remove("focused"); });
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows[index].classList.add("focused");
      rows[index].scrollIntoView({ block: "nearest" });
    }
    focus(0);
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) { return; }
      var row = rows[index];
      var box = row && row.querySelector("input[type=checkbox]");
      if (e.key === "j" || e.key === "ArrowDown") { focus(index + 1); e.preventDefault(); }
      else if (e.key === "k" || e.key === "ArrowUp") { focus(index - 1); e.preventDefault(); }
      else if (e.key === "x" && box) { box.checked = !box.checked; e.preventDefault(); }
      else if (e.key === "Enter" && row) { window.location.href = row.dataset.href; }
      else if ((e.key === "p" || e.key === "d") && box) {
        var action = document.querySelector("#bulk-action");
        if (action) { box.checked = true; action.value = e.key === "p" ? "pass" : "dismiss"; action.focus(); }
      }
    });
  }

  function wire(root) {
    drawCharts(root);
    root.querySelectorAll("[data-check-all]").forEach(function (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll(all.dataset.checkAll).forEach(function (b) { b.checked = all.checked; });
      });
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) { e.preventDefault(); } });
    });
    root.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
    root.querySelectorAll("[data-back]").forEach(function (b) { b.addEventListener("click", function (e) { e.preventDefault(); history.back(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    keyboardReview();
    tickCountdowns();
    setInterval(tickCountdowns, 1000);
  });
  document.addEventListener("htmx:afterSwap", function (e) { wire(e.target); tickCountdowns(); });
})();
