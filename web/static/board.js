// Draws the board's trend and rankings with the vendored Apache ECharts.
// The figures come from the page's JSON data block (#board-data); the
// same figures are in the tables under each chart, so the page reads
// without this script. A click on a bar or a point opens its cases.
// Tooltips are drawn in the chart itself (richText), not as HTML with
// inline styles, which the board's Content-Security-Policy refuses.
(function () {
  'use strict';
  var data = document.getElementById('board-data');
  if (!data || !window.echarts) return;
  var specs = JSON.parse(data.textContent);
  var text = '#1d2630', muted = '#5c6b7a', line = '#d9dee4';
  var font = 'system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var narrow = function () { return window.matchMedia('(max-width: 600px)').matches; };

  // Months as "2026年3月": the year only on the first and on January.
  function monthAxis(value, index) {
    return index === 0 || /年1月$/.test(value) ? value : value.replace(/^\d+年/, '');
  }

  function trend(spec) {
    return {
      textStyle: { fontFamily: font, color: text },
      color: spec.series.map(function (s) { return s.color; }),
      tooltip: { trigger: 'axis', confine: true, renderMode: 'richText' },
      legend: { top: 4, textStyle: { color: text } },
      grid: { left: 8, right: 12, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: spec.categories, axisLabel: { color: muted, formatter: monthAxis, hideOverlap: true }, axisLine: { lineStyle: { color: line } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
      series: spec.series.map(function (s, i) {
        var base = { name: s.name, data: s.values, cursor: 'pointer', emphasis: { focus: 'series' } };
        if (i < 2) { base.type = 'bar'; base.barMaxWidth = 18; } else { base.type = 'line'; base.symbolSize = 9; base.showAllSymbol = true; base.lineStyle = { width: 2 }; }
        return base;
      })
    };
  }

  function ranking(spec) {
    var s = spec.series[0];
    return {
      textStyle: { fontFamily: font, color: text },
      color: [s.color],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, renderMode: 'richText' },
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
      yAxis: { type: 'category', inverse: true, data: spec.categories,
        axisLabel: { color: text, width: narrow() ? 110 : 180, overflow: 'truncate' }, axisLine: { lineStyle: { color: line } } },
      series: [{ type: 'bar', name: s.name, data: s.values, cursor: 'pointer', barMaxWidth: 20,
        label: { show: true, position: 'right', color: text } }]
    };
  }

  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (box) {
    var spec = specs[box.getAttribute('data-chart')];
    if (!spec) return;
    if (spec.kind === 'ranking') box.style.height = (24 + 30 * spec.categories.length) + 'px';
    var chart = echarts.init(box, null, { renderer: 'svg', locale: 'ZH' });
    chart.setOption(spec.kind === 'trend' ? trend(spec) : ranking(spec));
    chart.on('click', function (p) {
      var s = spec.series[p.seriesIndex];
      var link = s && s.links[p.dataIndex];
      if (link) window.location.href = link;
    });
    box.setAttribute('data-drawn', 'true');
    charts.push({ chart: chart, spec: spec });
  });

  // Follow the container's width (a phone turned, a window resized).
  var pending = 0;
  function resize() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      charts.forEach(function (c) {
        if (c.spec.kind === 'ranking') c.chart.setOption({ yAxis: { axisLabel: { width: narrow() ? 110 : 180 } } });
        c.chart.resize();
      });
    });
  }
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(resize);
    charts.forEach(function (c) { ro.observe(c.chart.getDom()); });
  } else {
    window.addEventListener('resize', resize);
  }
})();
