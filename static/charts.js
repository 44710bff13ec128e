/* Draws each <canvas data-chart> with Chart.js (static/vendor/chartjs) from its numbers table.

The table (templates/connections/_charts_numbers.html) is the source of truth: its header
names the series and gives each a style number, its rows are the x axis, and each cell's
data-value is the number drawn (empty: nothing that day). Every style has its own point
shape, dash pattern and fill pattern as well as its colour, so a series is told apart
without colour. A file, not an inline script: the Content-Security-Policy allows no other.
*/
(function () {
  "use strict";

  // Okabe & Ito's palette, read by people with each common colour blindness.
  const STYLES = [
    { color: "#009e73", point: "circle", dash: [], pattern: "solid" },
    { color: "#0072b2", point: "triangle", dash: [6, 3], pattern: "diagonal" },
    { color: "#d55e00", point: "rectRot", dash: [2, 2], pattern: "cross" },
    { color: "#e69f00", point: "rect", dash: [8, 3, 2, 3], pattern: "dots" },
    { color: "#555555", point: "crossRot", dash: [1, 3], pattern: "horizontal" },
    { color: "#cc79a7", point: "star", dash: [12, 3], pattern: "vertical" },
  ];
  const TILE = 8;

  function style(number) {
    return STYLES[(Number(number) || 0) % STYLES.length];
  }

  // A repeating tile: the colour, lighter, under marks of the pattern in the full colour.
  function fill(look) {
    const tile = document.createElement("canvas");
    tile.width = TILE;
    tile.height = TILE;
    const pen = tile.getContext("2d");
    pen.fillStyle = look.color;
    pen.globalAlpha = look.pattern === "solid" ? 0.85 : 0.3;
    pen.fillRect(0, 0, TILE, TILE);
    pen.globalAlpha = 1;
    pen.strokeStyle = look.color;
    pen.fillStyle = look.color;
    pen.lineWidth = 2;
    const line = (x1, y1, x2, y2) => {
      pen.beginPath();
      pen.moveTo(x1, y1);
      pen.lineTo(x2, y2);
      pen.stroke();
    };
    if (look.pattern === "diagonal" || look.pattern === "cross") {
      line(0, TILE, TILE, 0);
      line(-1, 1, 1, -1);
      line(TILE - 1, TILE + 1, TILE + 1, TILE - 1);
    }
    if (look.pattern === "cross") line(0, 0, TILE, TILE);
    if (look.pattern === "dots") {
      pen.beginPath();
      pen.arc(TILE / 2, TILE / 2, 1.8, 0, 2 * Math.PI);
      pen.fill();
    }
    if (look.pattern === "horizontal") line(0, TILE / 2, TILE, TILE / 2);
    if (look.pattern === "vertical") line(TILE / 2, 0, TILE / 2, TILE);
    return pen.createPattern(tile, "repeat");
  }

  function number(cell) {
    const value = cell.dataset.value;
    return value === "" || value === undefined ? null : Number(value);
  }

  function readTable(table) {
    const heads = Array.from(table.tHead.rows[0].cells).slice(1);
    const rows = Array.from(table.tBodies[0].rows);
    return {
      labels: rows.map((row) => row.cells[0].dataset.label || row.cells[0].textContent.trim()),
      series: heads.map((head, column) => ({
        name: head.textContent.trim(),
        style: head.dataset.style,
        values: rows.map((row) => number(row.cells[column + 1])),
      })),
    };
  }

  function dataset(kind, series) {
    const look = style(series.style);
    const common = { label: series.name, data: series.values, borderColor: look.color };
    if (kind === "line") {
      return Object.assign(common, {
        backgroundColor: look.color,
        borderDash: look.dash,
        borderWidth: 2,
        pointStyle: look.point,
        pointRadius: 4,
        pointHoverRadius: 6,
        spanGaps: false,
      });
    }
    return Object.assign(common, { backgroundColor: fill(look), borderWidth: 1 });
  }

  // Grid lines that show on a light page and on the admin's dark theme alike.
  const GRID = "rgba(128, 128, 128, 0.25)";

  function axis(title, stacked, ink) {
    return {
      stacked: stacked,
      grid: { color: GRID },
      ticks: { color: ink, precision: 0 },
      title: { display: true, text: title, color: ink, font: { weight: "bold" } },
    };
  }

  function config(kind, data, table, canvas) {
    const stacked = kind === "stacked";
    const ink = getComputedStyle(canvas).color; // the page's own text colour, light or dark
    return {
      type: kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: data.series.map((series) => dataset(kind, series)) },
      options: {
        animation: false,
        color: ink,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            display: data.series.length > 1,
            position: "bottom",
            labels: { usePointStyle: kind === "line", boxWidth: 28, boxHeight: 14 },
          },
        },
        scales: {
          x: axis(table.dataset.xTitle, stacked, ink),
          y: Object.assign(axis(table.dataset.yTitle, stacked, ink), { beginAtZero: true }),
        },
      },
    };
  }

  // One connection's column as a small line with no axes: its shape, the figure is beside it.
  function sparkline(data, column) {
    const series = data.series[column];
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: series.name,
            data: series.values,
            borderColor: STYLES[1].color,
            backgroundColor: fill(Object.assign({}, STYLES[1], { pattern: "none" })),
            borderWidth: 1.5,
            fill: "origin",
            pointRadius: 0,
          },
        ],
      },
      options: {
        animation: false,
        responsive: false,
        events: [],
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: { x: { display: false }, y: { display: false, beginAtZero: true } },
      },
    };
  }

  function draw(canvas) {
    const table = document.getElementById(canvas.dataset.numbers);
    if (!table || typeof Chart === "undefined" || Chart.getChart(canvas)) return; // drawn once, however often loaded
    const data = readTable(table);
    const kind = canvas.dataset.chart;
    const settings =
      kind === "sparkline" ? sparkline(data, Number(canvas.dataset.column || 0)) : config(kind, data, table, canvas);
    new Chart(canvas, settings);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
