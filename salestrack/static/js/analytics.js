/* The analytics dashboard's charts (ECharts, vendored). Each card arrives on its own (htmx,
   hx-trigger="load") with its figure as JSON next to its chart container; a card is drawn when
   it is in the page, so the first paint does not wait for every figure. Every bar, slice and
   funnel step carries the drill-down URL of its figure: a click opens the list of deals. */
(function () {
  "use strict";
  var script = document.currentScript;
  var L = script.dataset.labels.split("|");
  var charts = [];

  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }
  function delta(f) {
    if (!f || f.change_pct === null || f.change_pct === undefined) { return ""; }
    return " (" + (f.change_pct > 0 ? "+" : "") + f.change_pct + "%)";
  }
  function money() {
    var cards = document.getElementById("analytics-cards");
    return !cards || cards.dataset.money === "1";
  }

  var options = {
    // Funnel: reached per stage; the bottleneck in red; tooltip with conversion and history.
    funnel: function (data) {
      var stages = data.stages;
      return {
        tooltip: {formatter: function (p) {
          var row = stages[p.dataIndex];
          var lines = [row.name + (row.bottleneck ? " · " + L[8] : ""), L[0] + ": " + row.reached.value + delta(row.reached)];
          if (row.conversion) { lines.push(L[7] + ": " + pct(row.conversion.value) + delta(row.conversion) + " / " + pct(row.history_conversion)); }
          return lines.join("<br>");
        }},
        grid: {left: 110, right: 24, top: 16, bottom: 24},
        xAxis: {type: "value"},
        yAxis: {type: "category", inverse: true, data: stages.map(function (r) { return r.name; })},
        series: [{type: "bar", name: L[0], data: stages.map(function (r) {
          return {value: r.reached.value, url: r.url, itemStyle: {color: r.bottleneck ? "#dc2626" : "#2563eb"}};
        }), label: {show: true, position: "right"}}]
      };
    },
    stage_times: function (data) {
      var times = data.stages;
      return {
        tooltip: {trigger: "axis"},
        legend: {data: [L[1], L[2]]},
        grid: {left: 48, right: 16, top: 36, bottom: 48},
        xAxis: {type: "category", data: times.map(function (r) { return r.name; })},
        yAxis: {type: "value"},
        series: [
          {name: L[1], type: "bar", data: times.map(function (r) { return {value: r.median_days.value, url: r.url}; })},
          {name: L[2], type: "bar", data: times.map(function (r) { return {value: r.average_days.value, url: r.url}; })}
        ]
      };
    },
    breakdown: function (data) {
      var rows = data.rows.slice(0, 20);
      var first = money() ? L[3] : L[6];
      return {
        tooltip: {trigger: "axis"},
        legend: {data: [first, L[4]]},
        grid: {left: 64, right: 48, top: 36, bottom: 64},
        xAxis: {type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: {rotate: 30}},
        yAxis: [{type: "value"}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
        series: [
          {name: first, type: "bar", data: rows.map(function (r) {
            return {value: money() ? num(r.won_amount.value) : r.won.value, url: r.won_url};
          })},
          {name: L[4], type: "line", yAxisIndex: 1, data: rows.map(function (r) {
            return {value: r.win_rate.value, url: r.closed_url};
          })}
        ]
      };
    },
    sources: function (data) {
      var sources = data.rows;
      return {
        tooltip: {trigger: "axis"},
        legend: {data: [L[5], L[6], L[7]]},
        grid: {left: 48, right: 48, top: 36, bottom: 48},
        xAxis: {type: "category", data: sources.map(function (r) { return r.label; })},
        yAxis: [{type: "value"}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
        series: [
          {name: L[5], type: "bar", data: sources.map(function (r) { return {value: r.created.value, url: r.created_url}; })},
          {name: L[6], type: "bar", data: sources.map(function (r) { return {value: r.won.value, url: r.won_url}; })},
          {name: L[7], type: "line", yAxisIndex: 1, data: sources.map(function (r) { return {value: r.conversion.value, url: r.won_url}; })}
        ]
      };
    },
    industries: function (data) {
      return {
        tooltip: {trigger: "item", formatter: function (p) { return p.name + ": " + p.value + " (" + p.percent + "%)" + delta(p.data.share); }},
        series: [{type: "pie", radius: ["35%", "70%"], data: data.rows.map(function (r) {
          return {name: r.label, value: money() ? num(r.won_amount.value) : r.won.value, url: r.url, share: r.share_pct};
        })}]
      };
    }
  };

  // Draw every chart container under `root` not drawn yet (its data: the next <script>).
  function draw(root) {
    if (!root.querySelectorAll) { return; }
    var found = root.matches && root.matches("[data-chart]") ? [root] : [];
    root.querySelectorAll("[data-chart]").forEach(function (el) { found.push(el); });
    found.forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById("analytics-" + el.dataset.chart + "-data");
      if (!source || !options[el.dataset.chart]) { return; }
      el.dataset.drawn = "1";
      var c = echarts.init(el);
      c.setOption(options[el.dataset.chart](JSON.parse(source.textContent)));
      c.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
      charts.push(c);
    });
    // Charts replaced by a newer card (another breakdown) are let go.
    charts = charts.filter(function (c) {
      if (document.body.contains(c.getDom())) { return true; }
      c.dispose();
      return false;
    });
  }

  draw(document);
  document.body.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
