// The failure timeline page: reads the JSON embedded in the page and draws it as lanes of
// an SVG timeline (one per peer, then one per annotation tag), with a time axis, zoom and
// tooltips. Every text from the data goes through textContent, never innerHTML.
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const ROW = 22; // height of one row of items, px
  const PAD = 4; // space above and below a lane's rows
  const AXIS = 28; // height of the time axis
  const LEFT = 12; // space before time 0
  const RIGHT = 90; // space after the end, for the result's label
  const POINT = 7; // width of a point's marker
  const MAX_ROWS = 10; // rows per lane; beyond, items overlap
  const CHAR = 6.3; // rough width of a character of the 11px font
  const COLORS = {
    leader: ["#43A047", "#2E7D32"],
    follower: ["#ECEFF1", "#CFD8DC"],
    unknown: "#E0E0E0",
    down: "#616161",
    cut: "#0277BD",
  };
  const TAG_NAMES = { "$ Failure": "failures", "$ Checker": "checkers", "$ Test Info": "test info" };

  const data = JSON.parse(document.getElementById("timeline-data").textContent);
  const T0 = data.start;
  const spanMs = Math.max((data.end - T0) / 1e6, 1);
  const rel = (ns) => (ns - T0) / 1e6; // ms since the start

  const svg = document.getElementById("timeline");
  const scroller = document.getElementById("scroller");
  const labels = document.getElementById("labels");
  const tooltip = document.getElementById("tooltip");

  function fmtTime(ms) {
    return (ms / 1000).toFixed(3) + " s";
  }
  function fmtDuration(ms) {
    return ms < 1000 ? ms.toFixed(1) + " ms" : (ms / 1000).toFixed(3) + " s";
  }
  function span(start, end) {
    if (end === null) return "at " + fmtTime(start);
    return fmtTime(start) + " \u2192 " + fmtTime(end) + " (" + fmtDuration(end - start) + ")";
  }

  // ---- the model: lanes of items, in ms since the start ----

  function peerItem(p, s, start, end) {
    let state, color, texts;
    if (!s.alive) {
      state = "down (crashed)";
      color = COLORS.down;
      texts = ["down", ""];
    } else if (s.term < 0) {
      state = "up (state not yet sampled)";
      color = COLORS.unknown;
      texts = ["up", ""];
    } else if (s.leader) {
      state = "leader";
      color = COLORS.leader[s.term % 2];
      texts = ["leader T" + s.term, "L" + s.term];
    } else {
      state = "follower or candidate";
      color = COLORS.follower[s.term % 2];
      texts = ["T" + s.term, "" + s.term];
    }
    const details = s.alive ? (s.term < 0 ? "" : "term " + s.term) : s.term < 0 ? "" : "last term " + s.term;
    return {
      start, end, color, texts, light: !s.alive || s.leader,
      tip: { title: "peer " + p + ": " + state, details, meta: span(start, end) },
    };
  }

  // The intervals in which peer p was disconnected but not crashed.
  function cuts(p) {
    const out = [];
    let from = null;
    const close = (at) => {
      if (from === null) return;
      const start = rel(from), end = rel(at);
      out.push({ start, end, tip: { title: "peer " + p + ": disconnected", details: "", meta: span(start, end) } });
      from = null;
    };
    for (const n of data.network) {
      const cut = n.connected[p] === false && n.crashed[p] !== true;
      if (cut && from === null) from = n.at;
      if (!cut) close(n.at);
    }
    close(data.end);
    // A connection change recorded right after a restart leaves an empty cut.
    return out.filter((c) => c.end - c.start >= 1);
  }

  function annotationItem(a) {
    const start = rel(a.start);
    const end = a.end === null ? null : rel(a.end);
    const details = a.details === a.description ? "" : a.details;
    return {
      start, end, color: a.color, texts: [a.description], light: false,
      tip: { title: a.description, details, meta: a.tag + " \u00b7 " + span(start, end) },
    };
  }

  function buildLanes() {
    const lanes = [];
    data.peers.forEach((samples, p) => {
      if (samples.length === 0) return;
      const items = samples.map((s, i) =>
        peerItem(p, s, rel(s.at), rel(i + 1 < samples.length ? samples[i + 1].at : data.end)));
      lanes.push({ name: "peer " + p, sub: "", kind: "peer", items, cuts: cuts(p) });
    });
    // The tester's lanes first, then the students' in the order they first appear.
    const byTag = new Map(Object.keys(TAG_NAMES).map((t) => [t, []]));
    for (const a of data.annotations) {
      if (!byTag.has(a.tag)) byTag.set(a.tag, []);
      byTag.get(a.tag).push(annotationItem(a));
    }
    for (const [tag, items] of byTag) {
      if (items.length === 0) continue;
      items.sort((a, b) => a.start - b.start);
      lanes.push({ name: TAG_NAMES[tag] || tag, sub: TAG_NAMES[tag] ? tag : "", kind: "tag", items, cuts: [] });
    }
    return lanes;
  }

  const lanes = buildLanes();

  // ---- layout at a scale (px per ms) ----

  let scale = 1;
  const X = (ms) => LEFT + ms * scale;

  // Puts each item of a lane in the first row where it does not overlap the one before,
  // then gives each the width its text may use (up to the next item of its row, or the
  // right edge at `width`).
  function layout(lane, width) {
    const rows = [];
    for (const it of lane.items) {
      const x0 = it.end === null ? X(it.start) - POINT / 2 : X(it.start);
      const x1 = it.end === null ? x0 + POINT : Math.max(X(it.end), x0 + 2);
      it.x0 = x0;
      it.x1 = x1;
      // Touching is fine: a continuous annotation starts where the one before it ended.
      let r = lane.kind === "peer" ? 0 : rows.findIndex((row) => row.end <= x0 + 0.5);
      if (r < 0 && rows.length < MAX_ROWS) r = rows.length;
      if (r < 0) r = rows.reduce((best, row, i) => (row.end < rows[best].end ? i : best), 0);
      if (!rows[r]) rows[r] = { end: -Infinity, items: [] };
      rows[r].end = Math.max(rows[r].end, x1);
      rows[r].items.push(it);
      it.row = r;
    }
    for (const row of rows) {
      row.items.forEach((it, i) => {
        const next = i + 1 < row.items.length ? row.items[i + 1].x0 : width;
        it.room = it.end === null ? Math.max(0, next - it.x1 - 3) : it.x1 - it.x0;
      });
    }
    lane.rows = Math.max(rows.length, 1);
    lane.height = lane.rows * ROW + 2 * PAD;
  }

  // ---- drawing ----

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, s, light) {
    const t = el("text", { x, y }, parent);
    if (light) t.setAttribute("class", "light");
    t.textContent = s;
    return t;
  }

  // The longest of the item's texts that fits in `room` px; else the first, cut short
  // with an ellipsis if a few characters fit; else "".
  function fitting(texts, room) {
    for (const s of texts) if (s && s.length * CHAR + 6 <= room) return s;
    const keep = Math.floor((room - 6) / CHAR) - 1;
    return keep >= 3 && texts[0] ? texts[0].slice(0, keep) + "\u2026" : "";
  }

  const tips = [];

  function drawItem(g, it, top) {
    const y = top + PAD + it.row * ROW + 2;
    const h = ROW - 4;
    const tip = tips.push(it.tip) - 1;
    const grp = el("g", { class: "hot", "data-tip": tip }, g);
    if (it.end === null) {
      el("rect", { class: "item", x: it.x0, y, width: POINT, height: h, rx: 2, fill: it.color }, grp);
      const s = fitting(it.texts, it.room);
      if (s) {
        // A nested svg clips the label to the room it has.
        const box = el("svg", { x: it.x1 + 3, y, width: it.room, height: h }, grp);
        text(box, 0, h / 2, s, false);
        // Also make the label hoverable.
        el("rect", { x: it.x1 + 3, y, width: s.length * CHAR, height: h, fill: "transparent" }, grp);
      }
      return;
    }
    const w = Math.max(it.x1 - it.x0, 1);
    el("rect", { class: "item", x: it.x0, y, width: w, height: h, rx: 2, fill: it.color }, grp);
    const s = fitting(it.texts, w);
    if (s) {
      const box = el("svg", { x: it.x0, y, width: w, height: h }, grp);
      text(box, 4, h / 2, s, it.light);
    }
  }

  function drawCut(g, c, top, height) {
    const x0 = X(c.start), x1 = Math.max(X(c.end), x0 + 2);
    const tip = tips.push(c.tip) - 1;
    el("rect", {
      class: "item hot", x: x0, y: top + height - PAD - 3, width: x1 - x0, height: 5,
      fill: "url(#cut)", "data-tip": tip,
    }, g);
  }

  // A tick step of 1, 2 or 5 times a power of ten ms, at least `px` apart.
  function tickStep(px) {
    const want = px / scale;
    let step = Math.pow(10, Math.floor(Math.log10(want)));
    for (const m of [1, 2, 5, 10]) {
      if (step * m >= want) return step * m;
    }
    return step * 10;
  }

  function drawAxis(g, width, height) {
    const step = tickStep(90);
    const decimals = Math.max(0, -Math.floor(Math.log10(step / 1000) + 1e-9));
    for (let t = 0; t <= spanMs + step / 2; t += step) {
      const x = X(t);
      el("line", { class: "grid", x1: x, x2: x, y1: AXIS, y2: height }, g);
      el("line", { class: "tick", x1: x, x2: x, y1: AXIS - 6, y2: AXIS }, g);
      const label = text(g, x + 3, AXIS / 2 - 1, (t / 1000).toFixed(decimals) + "s", false);
      label.setAttribute("class", "tick-label");
    }
    el("line", { class: "lane-rule", x1: 0, x2: width, y1: AXIS - 0.5, y2: AXIS - 0.5 }, g);
  }

  function endColor() {
    if (/fail/.test(data.result)) return "#E53935";
    if (/pass/.test(data.result)) return "#43A047";
    return "#FFA000";
  }

  function render() {
    tips.length = 0;
    tooltip.hidden = true; // it pointed at an element that is about to go
    const width = Math.max(scroller.clientWidth, Math.ceil(X(spanMs) + RIGHT));
    for (const lane of lanes) layout(lane, width);
    const height = AXIS + lanes.reduce((h, l) => h + l.height, 0);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    const frag = document.createDocumentFragment();
    const defs = el("defs", {}, frag);
    const pat = el("pattern", { id: "cut", width: 6, height: 6, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 6, height: 6, fill: "#fff" }, pat);
    el("rect", { width: 3, height: 6, fill: COLORS.cut }, pat);

    let top = AXIS;
    lanes.forEach((lane, i) => {
      lane.top = top;
      el("rect", { class: "lane-bg" + (i % 2 ? " alt" : ""), x: 0, y: top, width, height: lane.height }, frag);
      top += lane.height;
    });
    drawAxis(frag, width, height);
    for (const lane of lanes) {
      el("line", { class: "lane-rule", x1: 0, x2: width, y1: lane.top + lane.height - 0.5,
        y2: lane.top + lane.height - 0.5 }, frag);
      const g = el("g", {}, frag);
      for (const it of lane.items) drawItem(g, it, lane.top);
      for (const c of lane.cuts) drawCut(g, c, lane.top, lane.height);
    }
    const end = X(rel(data.end));
    el("line", { class: "end-line", x1: end, x2: end, y1: AXIS, y2: height,
      stroke: endColor() }, frag);
    cursor = el("line", { class: "cursor", x1: -10, x2: -10, y1: 0, y2: height }, frag);
    cursorLabel = el("text", { class: "cursor-label", x: -100, y: AXIS / 2 - 1 }, frag);
    svg.replaceChildren(frag);
    drawLabels();
  }

  function drawLabels() {
    labels.replaceChildren();
    const axis = document.createElement("div");
    axis.className = "label axis";
    axis.style.height = AXIS + "px";
    axis.textContent = "time since start";
    labels.appendChild(axis);
    for (const lane of lanes) {
      const d = document.createElement("div");
      d.className = "label" + (lane.kind === "tag" ? " group" : "");
      d.style.height = lane.height + "px";
      d.textContent = lane.name;
      d.title = lane.sub || lane.name;
      if (lane.sub) {
        const small = document.createElement("small");
        small.textContent = lane.sub;
        d.appendChild(small);
      }
      labels.appendChild(d);
    }
  }

  // ---- interaction ----

  let cursor = null, cursorLabel = null;

  function showTip(tip, ev) {
    tooltip.replaceChildren();
    const add = (cls, s) => {
      if (!s) return;
      const d = document.createElement("div");
      d.className = cls;
      d.textContent = s;
      tooltip.appendChild(d);
    };
    add("tip-title", tip.title);
    add("tip-details", tip.details);
    add("tip-meta", tip.meta);
    tooltip.hidden = false;
    const r = tooltip.getBoundingClientRect();
    let x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + r.width > window.innerWidth - 4) x = Math.max(4, ev.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 4) y = Math.max(4, ev.clientY - r.height - 14);
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }

  svg.addEventListener("mousemove", (ev) => {
    const box = svg.getBoundingClientRect();
    const x = ev.clientX - box.left;
    const ms = (x - LEFT) / scale;
    cursor.setAttribute("x1", x);
    cursor.setAttribute("x2", x);
    cursorLabel.setAttribute("x", x + 4);
    cursorLabel.textContent = ms >= 0 && ms <= spanMs ? fmtTime(ms) : "";
    const hot = ev.target.closest("[data-tip]");
    if (hot) showTip(tips[+hot.getAttribute("data-tip")], ev);
    else tooltip.hidden = true;
  });
  svg.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
    cursor.setAttribute("x1", -10);
    cursor.setAttribute("x2", -10);
    cursorLabel.textContent = "";
  });

  function fitScale() {
    return Math.max((scroller.clientWidth - LEFT - RIGHT) / spanMs, 1e-6);
  }

  // Zooms by `factor`, keeping the time under `px` (from the scroller's left) in place.
  function zoom(factor, px) {
    const ms = (scroller.scrollLeft + px - LEFT) / scale;
    scale = Math.min(Math.max(scale * factor, fitScale()), 50);
    render();
    scroller.scrollLeft = LEFT + ms * scale - px;
  }

  document.getElementById("zoom-in").addEventListener("click", () => zoom(2, scroller.clientWidth / 2));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(0.5, scroller.clientWidth / 2));
  document.getElementById("zoom-fit").addEventListener("click", () => {
    scale = fitScale();
    render();
  });
  scroller.addEventListener("wheel", (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    zoom(ev.deltaY < 0 ? 1.25 : 0.8, ev.clientX - scroller.getBoundingClientRect().left);
  }, { passive: false });
  window.addEventListener("resize", () => {
    if (scale < fitScale()) scale = fitScale();
    render();
  });

  // ---- header and legend ----

  function header() {
    document.getElementById("test-name").textContent = data.test || "(unnamed test)";
    const badge = document.getElementById("result");
    badge.textContent = data.result || "running";
    badge.className = "badge " + (/fail/.test(data.result) ? "failed" : /pass/.test(data.result) ? "passed" : "other");
    document.getElementById("description").textContent = data.description;
    const meta = [];
    if (data.servers) meta.push(data.servers + " servers");
    meta.push(fmtDuration(spanMs));
    meta.push(data.annotations.length + " annotations");
    meta.push("started " + new Date(T0 / 1e6).toLocaleString());
    document.getElementById("meta").textContent = meta.join(" \u00b7 ");
    const legend = document.getElementById("legend");
    const keys = [
      ["leader", COLORS.leader[0]], ["follower", COLORS.follower[1]], ["down", COLORS.down], ["disconnected", null],
      ["checker passed", "#C8E6C9"], ["checker failed", "#FFCDD2"], ["checker retry", "#FFECB3"],
      ["failure", "#B3E5FC"], ["info", "#FAFAFA"], ["student", "#FFF176"],
    ];
    for (const [name, color] of keys) {
      const k = document.createElement("span");
      k.className = "key";
      const sw = document.createElement("span");
      sw.className = "swatch" + (color ? "" : " cut");
      if (color) sw.style.background = color;
      k.appendChild(sw);
      k.appendChild(document.createTextNode(name));
      legend.appendChild(k);
    }
  }

  header();
  if (lanes.length === 0) {
    document.getElementById("chart").hidden = true;
    document.getElementById("empty").hidden = false;
  } else {
    scale = fitScale();
    render();
  }
})();
