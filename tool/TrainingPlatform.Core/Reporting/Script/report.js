/* trainplat report: table sort and filters, chart tooltip, legend toggles, log scale.
   Hand-written, no library, no network, no code built from strings; data only ever goes through textContent and attributes.
   The DOM it reads is written by HtmlReportWriter and ChartSvg (docs/report.md). */
(function () {
  'use strict';

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function numbers(text) {
    return String(text || '').trim().split(/\s+/).map(Number);
  }

  /* ---- run table: sort by a header, filter by status and tag ---- */

  function sortKey(text, type) {
    if (text === '') {
      return null;
    }
    if (type === 'number') {
      var n = parseFloat(text);
      return isFinite(n) ? n : null;
    }
    if (type === 'time') {
      var t = Date.parse(text);
      return isFinite(t) ? t : null;
    }
    return text;
  }

  function cellText(row, index) {
    var cell = row.cells[index];
    if (!cell) {
      return '';
    }
    var raw = cell.getAttribute('data-value');
    return raw !== null ? raw : cell.textContent.trim();
  }

  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sortBy(table, headers, th) {
    var body = table.tBodies[0];
    if (!body) {
      return;
    }
    var index = th.cellIndex;
    var type = th.getAttribute('data-type') || 'text';
    var direction = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, i: i, key: sortKey(cellText(row, index), type) };
    });
    rows.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        /* missing values last, whatever the direction */
        return a.key === b.key ? a.i - b.i : a.key === null ? 1 : -1;
      }
      return direction * compare(a.key, b.key) || a.i - b.i;
    });
    rows.forEach(function (r) {
      body.appendChild(r.row);
    });
    headers.forEach(function (h) {
      if (h !== th) {
        h.removeAttribute('aria-sort');
      }
    });
    th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
  }

  function setUpTable() {
    var table = document.getElementById('runs');
    if (!table) {
      return;
    }
    var headers = all(table, 'th[data-key]');
    headers.forEach(function (th) {
      th.tabIndex = 0;
      th.style.cursor = 'pointer';
      th.addEventListener('click', function () {
        sortBy(table, headers, th);
      });
      th.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          sortBy(table, headers, th);
        }
      });
    });

    var status = document.getElementById('filter-status');
    var tag = document.getElementById('filter-tag');
    function filter() {
      var wantStatus = status ? status.value : '';
      var wantTag = tag ? tag.value : '';
      all(table, 'tbody tr').forEach(function (row) {
        var okStatus = wantStatus === '' || row.getAttribute('data-status') === wantStatus;
        var tags = (row.getAttribute('data-tags') || '').split(' ');
        var okTag = wantTag === '' || tags.indexOf(wantTag) >= 0;
        row.hidden = !(okStatus && okTag);
      });
    }
    [status, tag].forEach(function (select) {
      if (select) {
        select.addEventListener('change', filter);
      }
    });
    filter();
  }

  /* ---- charts ---- */

  function formatValue(v) {
    return String(Number(v.toPrecision(6)));
  }

  function round1(v) {
    return String(Math.round(v * 10) / 10);
  }

  function readData(figure) {
    var script = figure.querySelector('script.chart-data');
    if (!script) {
      return null;
    }
    try {
      var data = JSON.parse(script.textContent);
      return data && Array.isArray(data.series) ? data : null;
    } catch (e) {
      return null;
    }
  }

  function setUpChart(figure) {
    var svg = figure.querySelector('svg.chart-svg');
    if (!svg) {
      return;
    }
    var data = readData(figure);
    var plot = numbers(svg.getAttribute('data-plot'));
    var xDomain = numbers(svg.getAttribute('data-x'));
    var linear = numbers(svg.getAttribute('data-y-linear'));
    var log = svg.hasAttribute('data-y-log') ? numbers(svg.getAttribute('data-y-log')) : null;
    var state = { log: svg.getAttribute('data-scale') === 'log', hidden: {} };
    var ns = svg.namespaceURI;
    var labels = {};
    var buttons = all(figure, '.legend button[data-job]');
    buttons.forEach(function (b) {
      labels[b.getAttribute('data-job')] = b.textContent.trim();
    });

    function px(step) {
      return plot[0] + (step - xDomain[0]) / (xDomain[1] - xDomain[0]) * plot[2];
    }
    function py(value) {
      var d = state.log ? log : linear;
      var v = state.log ? Math.log10(value) : value;
      return plot[1] + plot[3] - (v - d[0]) / (d[1] - d[0]) * plot[3];
    }
    function drawable(value) {
      return typeof value === 'number' && isFinite(value) && (!state.log || value > 0);
    }
    function elementsOf(job) {
      return all(svg, '[data-job]').filter(function (el) {
        return el.getAttribute('data-job') === job;
      });
    }

    /* legend: each button shows or hides its job's line */
    buttons.forEach(function (button) {
      button.addEventListener('click', function () {
        var job = button.getAttribute('data-job');
        var shown = button.getAttribute('aria-pressed') === 'false';
        button.setAttribute('aria-pressed', shown ? 'true' : 'false');
        state.hidden[job] = !shown;
        elementsOf(job).forEach(function (el) {
          if (shown) {
            el.removeAttribute('display');
          } else {
            el.setAttribute('display', 'none');
          }
        });
        hideHover();
      });
      if (button.getAttribute('aria-pressed') === 'false') {
        state.hidden[button.getAttribute('data-job')] = true;
        elementsOf(button.getAttribute('data-job')).forEach(function (el) {
          el.setAttribute('display', 'none');
        });
      }
    });

    /* log scale: swap the pre-rendered y axes, redraw the lines from the chart data */
    function redraw() {
      svg.setAttribute('data-scale', state.log ? 'log' : 'linear');
      all(svg, '.axis-linear').forEach(function (g) {
        g.setAttribute('display', state.log ? 'none' : 'inline');
      });
      all(svg, '.axis-log').forEach(function (g) {
        g.setAttribute('display', state.log ? 'inline' : 'none');
      });
      data.series.forEach(function (s) {
        var d = [];
        var first = null;
        for (var i = 0; i < s.steps.length; i++) {
          if (drawable(s.values[i])) {
            var point = round1(px(s.steps[i])) + ' ' + round1(py(s.values[i]));
            d.push((d.length === 0 ? 'M' : 'L') + point);
            first = first || point.split(' ');
          }
        }
        elementsOf(s.job).forEach(function (el) {
          if (el.tagName.toLowerCase() === 'path' && d.length > 0) {
            el.setAttribute('d', d.join(''));
          } else if (el.tagName.toLowerCase() === 'circle' && first) {
            el.setAttribute('cx', first[0]);
            el.setAttribute('cy', first[1]);
          }
        });
      });
      var title = svg.querySelector('title');
      if (title && typeof data.metric === 'string') {
        title.textContent = data.metric + ' by step' + (state.log ? ' (log scale)' : '');
      }
      hideHover();
    }
    var toggle = figure.querySelector('button.log-toggle');
    if (toggle) {
      if (!log || !data) {
        toggle.disabled = true;
        toggle.setAttribute('aria-pressed', state.log ? 'true' : 'false');
      } else {
        toggle.setAttribute('aria-pressed', state.log ? 'true' : 'false');
        toggle.addEventListener('click', function () {
          state.log = !state.log;
          toggle.setAttribute('aria-pressed', state.log ? 'true' : 'false');
          redraw();
        });
      }
    }

    /* hover: the nearest point of a visible line, as job, step and value */
    var tooltip = figure.querySelector('.tooltip');
    if (!tooltip) {
      tooltip = document.createElement('div');
      tooltip.className = 'tooltip';
      tooltip.setAttribute('role', 'status');
      figure.appendChild(tooltip);
    }
    tooltip.hidden = true;
    tooltip.style.position = 'absolute';
    tooltip.style.pointerEvents = 'none';
    if (window.getComputedStyle(figure).position === 'static') {
      figure.style.position = 'relative';
    }
    var marker = document.createElementNS(ns, 'circle');
    marker.setAttribute('class', 'hover-point');
    marker.setAttribute('r', '4');
    marker.setAttribute('fill', 'currentColor');
    marker.setAttribute('display', 'none');
    marker.setAttribute('pointer-events', 'none');
    svg.appendChild(marker);

    function hideHover() {
      tooltip.hidden = true;
      marker.setAttribute('display', 'none');
    }

    function nearest(x, y) {
      var best = null;
      data.series.forEach(function (s) {
        if (state.hidden[s.job]) {
          return;
        }
        var bestX = Infinity;
        var found = -1;
        for (var i = 0; i < s.steps.length; i++) {
          if (drawable(s.values[i])) {
            var dx = Math.abs(px(s.steps[i]) - x);
            if (dx < bestX) {
              bestX = dx;
              found = i;
            }
          }
        }
        if (found < 0) {
          return;
        }
        var dy = py(s.values[found]) - y;
        var distance = bestX * bestX + dy * dy;
        if (!best || distance < best.distance) {
          best = { series: s, i: found, distance: distance };
        }
      });
      return best;
    }

    function onMove(event) {
      var ctm = svg.getScreenCTM();
      if (!ctm || !data) {
        return;
      }
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
      if (p.x < plot[0] - 8 || p.x > plot[0] + plot[2] + 8 || p.y < plot[1] - 8 || p.y > plot[1] + plot[3] + 8) {
        hideHover();
        return;
      }
      var hit = nearest(p.x, p.y);
      if (!hit) {
        hideHover();
        return;
      }
      var s = hit.series;
      var step = s.steps[hit.i];
      var value = s.values[hit.i];
      marker.setAttribute('cx', round1(px(step)));
      marker.setAttribute('cy', round1(py(value)));
      var path = elementsOf(s.job)[0];
      var color = path ? (path.getAttribute('class') || '').split(' ').filter(function (c) {
        return /^c\d$/.test(c);
      })[0] : null;
      marker.setAttribute('class', 'hover-point' + (color ? ' ' + color : ''));
      marker.removeAttribute('display');

      tooltip.textContent = '';
      [labels[s.job] || s.job, 'step ' + step, (data.metric || 'value') + ' ' + formatValue(value)].forEach(function (line, i) {
        var div = document.createElement('div');
        div.textContent = line;
        if (i === 0) {
          div.className = 'tooltip-job';
        }
        tooltip.appendChild(div);
      });
      tooltip.hidden = false;
      var box = figure.getBoundingClientRect();
      var left = event.clientX - box.left + 12;
      if (left + tooltip.offsetWidth > box.width) {
        left = Math.max(0, event.clientX - box.left - 12 - tooltip.offsetWidth);
      }
      tooltip.style.left = left + 'px';
      tooltip.style.top = (event.clientY - box.top + 12) + 'px';
    }

    svg.addEventListener('pointermove', onMove);
    svg.addEventListener('pointerleave', hideHover);
  }

  function start() {
    setUpTable();
    all(document, 'figure.chart').forEach(setUpChart);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
