// The reports page's charts: Chart.js (vendored) drawing the figures the server put in a json_script
// block. Every chart has a table beside it with the same figures; the charts add nothing the tables lack.
(function () {
  "use strict";
  // Okabe-Ito: told apart with the common colour-vision deficiencies; lines also differ by dash and point.
  const BLUE = "#0072B2";
  const ORANGE = "#D55E00";
  const GREY = "#555555";

  function weekChart(canvas, weeks, stage) {
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: weeks,
        datasets: [
          { label: "Median", data: stage.median, borderColor: BLUE, backgroundColor: BLUE, pointStyle: "circle", spanGaps: true },
          { label: "90th percentile", data: stage.p90, borderColor: ORANGE, backgroundColor: ORANGE, pointStyle: "triangle", pointRadius: 4, spanGaps: true },
          { label: "Target", data: stage.target, borderColor: GREY, backgroundColor: GREY, borderDash: [6, 4], pointRadius: 0, spanGaps: true },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: true,
        aspectRatio: 1.6,
        plugins: { legend: { labels: { usePointStyle: true, color: "#212529" } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: "minutes" } } },
      },
    });
  }

  function reasonsChart(canvas, reasons) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: reasons.labels, datasets: [{ label: "Delay reasons given", data: reasons.counts, backgroundColor: BLUE }] },
      options: {
        animation: false,
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "count" } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("report-charts");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    const charts = [];
    document.querySelectorAll("[data-week-chart]").forEach(function (canvas) {
      charts.push(weekChart(canvas, data.weeks, data.stages[Number(canvas.dataset.weekChart)]));
    });
    const bars = document.querySelector("[data-reasons-chart]");
    if (bars && data.reasons.counts.length) charts.push(reasonsChart(bars, data.reasons));
    // Redraw at the paper's width so printed charts are not cut or stretched.
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
