/* The analytics dashboard's charts (ECharts, vendored). Every bar, slice and funnel step
   carries the drill-down URL of its figure: a click opens the list of deals behind it. */
(function () {
  "use strict";
  var script = document.currentScript;
  var L = script.dataset.labels.split("|");
  var data = JSON.parse(document.getElementById("analytics-data").textContent);
  var charts = [];
  var money = data.summary.amounts_visible;

  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el);
    c.setOption(option);
    c.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    charts.push(c);
    return c;
  }
  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }
  function delta(f) {
    if (!f || f.change_pct === null || f.change_pct === undefined) { return ""; }
    return " (" + (f.change_pct > 0 ? "+" : "") + f.change_pct + "%)";
  }

  // Funnel: reached per stage; the bottleneck in red; tooltip with conversion and history.
  var stages = data.funnel.stages;
  chart("chart-funnel", {
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
  });

  var times = data.stage_times.stages;
  chart("chart-stages", {
    tooltip: {trigger: "axis"},
    legend: {data: [L[1], L[2]]},
    grid: {left: 48, right: 16, top: 36, bottom: 48},
    xAxis: {type: "category", data: times.map(function (r) { return r.name; })},
    yAxis: {type: "value"},
    series: [
      {name: L[1], type: "bar", data: times.map(function (r) { return {value: r.median_days.value, url: r.url}; })},
      {name: L[2], type: "bar", data: times.map(function (r) { return {value: r.average_days.value, url: r.url}; })}
    ]
  });

  var breakdown = chart("chart-breakdown", {});
  function showBreakdown(by) {
    var rows = (data.breakdowns[by] || {rows: []}).rows.slice(0, 20);
    var first = money ? L[3] : L[6];
    breakdown.setOption({
      tooltip: {trigger: "axis"},
      legend: {data: [first, L[4]]},
      grid: {left: 64, right: 48, top: 36, bottom: 64},
      xAxis: {type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: {rotate: 30}},
      yAxis: [{type: "value"}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
      series: [
        {name: first, type: "bar", data: rows.map(function (r) {
          return {value: money ? num(r.won_amount.value) : r.won.value, url: r.won_url};
        })},
        {name: L[4], type: "line", yAxisIndex: 1, data: rows.map(function (r) {
          return {value: r.win_rate.value, url: r.closed_url};
        })}
      ]
    }, true);
    document.querySelectorAll("[data-breakdown]").forEach(function (b) {
      b.classList.toggle("primary", b.dataset.breakdown === by);
    });
    document.querySelectorAll("[data-breakdown-table]").forEach(function (t) {
      t.hidden = t.dataset.breakdownTable !== by;
    });
  }
  document.querySelectorAll("[data-breakdown]").forEach(function (b) {
    b.addEventListener("click", function () { showBreakdown(b.dataset.breakdown); });
  });
  var firstButton = document.querySelector("[data-breakdown]");
  if (breakdown && firstButton) { showBreakdown(firstButton.dataset.breakdown); }

  var sources = data.sources.rows;
  chart("chart-sources", {
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
  });

  if (data.industries) {
    chart("chart-industries", {
      tooltip: {trigger: "item", formatter: function (p) { return p.name + ": " + p.value + " (" + p.percent + "%)" + delta(p.data.share); }},
      series: [{type: "pie", radius: ["35%", "70%"], data: data.industries.rows.map(function (r) {
        return {name: r.label, value: money ? num(r.won_amount.value) : r.won.value, url: r.url, share: r.share_pct};
      })}]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
