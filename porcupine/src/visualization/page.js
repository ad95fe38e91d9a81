// The history page: reads the JSON embedded in the page and draws, on one time axis, a
// lane per client with its operations (coloured by what the linearizability check found),
// then state lanes (a Raft peer's role, say), then a lane per annotation tag. Clicking an
// operation shows the longest linearization found that holds it; an illegal partition
// marks where the search got stuck. Every text from the data goes through textContent.
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const ROW = 22; // height of one row of items, px
  const PAD = 4; // space above and below a lane's rows
  const AXIS = 28; // height of the time axis
  const LEFT = 12; // space before time 0
  const RIGHT = 90; // space after the end, for a last label
  const POINT = 7; // width of a point's marker
  const MAX_ROWS = 10; // rows per lane; beyond, items overlap
  const CHAR = 6.3; // rough width of a character of the 11px font
  const OP = {
    linearized: "#BBDEFB",
    later: "#ECEFF1",
    candidate: "#FFCDD2",
    first: "#E53935",
    unknown: "#E0E0E0",
  };
  const TAG_NAMES = { "$ Failure": "failures", "$ Checker": "checkers", "$ Test Info": "test info" };

  const raw = JSON.parse(document.getElementById("page-data").textContent);
  const data = raw.page;
  const wall = data.wall_clock;
  // Wall-clock pages count in ns, shown in ms; event histories count events.
  const toUnit = (t) => (wall ? t / 1e6 : t);
  const spanMs = Math.max(toUnit(data.span ? data.span[1] : 0), wall ? 1 : 1);

  const svg = document.getElementById("timeline");
  const scroller = document.getElementById("scroller");
  const labels = document.getElementById("labels");
  const tooltip = document.getElementById("tooltip");

  function fmtTime(ms) {
    return wall ? (ms / 1000).toFixed(3) + " s" : "event " + Math.round(ms);
  }
  function fmtDuration(ms) {
    if (!wall) return Math.round(ms) + " events";
    return ms < 1000 ? ms.toFixed(1) + " ms" : (ms / 1000).toFixed(3) + " s";
  }
  function span(start, end) {
    if (end === null) return "at " + fmtTime(start);
    return fmtTime(start) + " \u2192 " + fmtTime(end) + " (" + fmtDuration(end - start) + ")";
  }

  // ---- the model: partitions, then lanes of items ----

  const parts = data.partitions.map((p, pi) => {
    const inLongest = new Map(); // op -> step in the longest linearization
    const lin0 = p.linearizations[0] || [];
    lin0.forEach((s, k) => inLongest.set(s[0], k));
    const candidates = new Map();
    if (p.stuck) for (const [id, why] of p.stuck.candidates) candidates.set(id, why);
    return { p, pi, inLongest, candidates };
  });

  function opStatus(part, id) {
    const p = part.p;
    if (p.stuck && p.stuck.first === id) return "first";
    if (part.candidates.has(id)) return "candidate";
    if (p.result === "Unknown" && !part.inLongest.has(id)) return "unknown";
    return part.inLongest.has(id) || p.result === "Ok" ? "linearized" : "later";
  }

  function opTip(part, id) {
    const p = part.p;
    const op = p.ops[id];
    const lines = [];
    const who = op.client < 0 ? "the tester (client " + op.client + ")" : "client " + op.client;
    lines.push(who + " \u00b7 " + p.name + " (" + p.result + ")");
    const li = p.largest[id];
    if (li >= 0) {
      const lin = p.linearizations[li];
      const k = lin.findIndex((s) => s[0] === id);
      const before = k === 0 ? "the initial state" : lin[k - 1][1];
      const full = p.result === "Ok" && li === 0 && lin.length === p.ops.length;
      lines.push((full ? "linearized: step " : "in a longest prefix: step ") + (k + 1) + " of " + lin.length +
        (p.linearizations.length > 1 ? " (prefix " + (li + 1) + " of " + p.linearizations.length + ")" : ""));
      lines.push("state before: " + before);
      lines.push("state after: " + lin[k][1]);
    } else if (p.result === "Unknown") {
      lines.push("not reached: the check of this partition did not finish");
    } else {
      lines.push("in no linearizable prefix found");
    }
    if (p.stuck && p.stuck.first === id) {
      lines.push("");
      lines.push("The search could not get past this operation's return: after " + p.stuck.after +
        " operations (state " + p.stuck.state + "), no operation could be linearized next.");
    }
    if (part.candidates.has(id)) {
      lines.push("");
      lines.push("After the longest prefix (state " + p.stuck.state + "), this operation " + part.candidates.get(id) + ".");
    }
    return { title: op.text, details: lines.join("\n"), meta: span(toUnit(op.start), toUnit(op.end)) };
  }

  function clientName(c) {
    return c < 0 ? "tester" : "client " + c;
  }

  function annotationItem(a) {
    const start = toUnit(a.start);
    const end = a.end === a.start ? null : toUnit(a.end);
    const details = a.details === a.description ? "" : a.details;
    return {
      start, end, color: a.background_color || "#FAFAFA", textColor: a.text_color || "", texts: [a.description],
      light: false, tip: { title: a.description, details, meta: (a.tag || clientName(a.client_id)) + " \u00b7 " + span(start, end) },
    };
  }

  function laneItem(it) {
    const start = toUnit(it.start);
    const end = it.end === null ? null : toUnit(it.end);
    return {
      start, end, color: it.color, texts: it.texts, light: it.light,
      tip: { title: it.title, details: it.details, meta: span(start, end) },
    };
  }

  function buildLanes() {
    const lanes = [];
    const clients = new Map();
    const lane = (c) => {
      if (!clients.has(c)) clients.set(c, []);
      return clients.get(c);
    };
    for (const part of parts) {
      part.p.ops.forEach((op, id) => {
        lane(op.client).push({
          start: toUnit(op.start), end: toUnit(op.end), kind: "op", part, id,
          color: OP[opStatus(part, id)], texts: [op.text], light: opStatus(part, id) === "first",
          tip: null,
        });
      });
    }
    const byTag = new Map(Object.keys(TAG_NAMES).map((t) => [t, []]));
    for (const a of data.annotations) {
      if (a.tag === "") {
        lane(a.client_id).push(annotationItem(a));
        continue;
      }
      if (!byTag.has(a.tag)) byTag.set(a.tag, []);
      byTag.get(a.tag).push(annotationItem(a));
    }
    const ids = [...clients.keys()].sort((a, b) => a - b);
    for (const c of ids) {
      const items = clients.get(c).sort((a, b) => a.start - b.start);
      lanes.push({ name: clientName(c), sub: c < 0 ? "client " + c : "", kind: "client", items, cuts: [] });
    }
    for (const l of data.lanes) {
      lanes.push({ name: l.name, sub: l.sub, kind: "state", items: l.items.map(laneItem), cuts: l.cuts.map(laneItem) });
    }
    for (const [tag, items] of byTag) {
      if (items.length === 0) continue;
      items.sort((a, b) => a.start - b.start);
      lanes.push({ name: TAG_NAMES[tag] || tag, sub: TAG_NAMES[tag] ? tag : "", kind: "tag", items, cuts: [] });
    }
    lanes.forEach((l, i) => { l.key = l.kind + ":" + l.name + ":" + i; });
    return lanes;
  }

  const lanes = buildLanes();
  const folded = new Set();

  // ---- what is selected ----

  // The partition shown (-1: all), and the operation whose linearization is drawn.
  let focus = -1;
  let chosen = null; // { part, id }
  const firstBad = parts.find((x) => x.p.stuck);

  // ---- layout at a scale (px per unit) ----

  let scale = 1;
  const X = (ms) => LEFT + ms * scale;

  // Puts each item of a lane in the first row where it does not overlap the one before,
  // then gives each the width its text may use.
  function layout(lane, width) {
    const rows = [];
    const fold = folded.has(lane.key);
    for (const it of lane.items) {
      const x0 = it.end === null ? X(it.start) - POINT / 2 : X(it.start);
      const x1 = it.end === null ? x0 + POINT : Math.max(X(it.end), x0 + 2);
      it.x0 = x0;
      it.x1 = x1;
      let r = lane.kind === "state" || fold ? 0 : rows.findIndex((row) => row.end <= x0 + 0.5);
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

  function text(parent, x, y, s, light, color) {
    const t = el("text", { x, y }, parent);
    if (light) t.setAttribute("class", "light");
    if (color) t.style.fill = color;
    t.textContent = s;
    return t;
  }

  // The longest of the item's texts that fits in `room` px; else the first, cut short.
  function fitting(texts, room) {
    for (const s of texts) if (s && s.length * CHAR + 6 <= room) return s;
    const keep = Math.floor((room - 6) / CHAR) - 1;
    return keep >= 3 && texts[0] ? texts[0].slice(0, keep) + "\u2026" : "";
  }

  const tips = [];
  const opBoxes = new Map(); // "partition:op" -> { x0, x1, y }

  function drawItem(g, it, top) {
    const y = top + PAD + it.row * ROW + 2;
    const h = ROW - 4;
    const tip = tips.push(it.kind === "op" ? { op: it } : it.tip) - 1;
    let cls = "hot";
    if (it.kind === "op") {
      cls += " op";
      if (focus >= 0 && it.part.pi !== focus) cls += " dim";
      if (chosen && chosen.part === it.part && chosen.id === it.id) cls += " selected";
      opBoxes.set(it.part.pi + ":" + it.id, { x0: it.x0, x1: it.x1, y: y + h / 2 });
    }
    const grp = el("g", { class: cls, "data-tip": tip }, g);
    if (it.end === null) {
      el("rect", { class: "item", x: it.x0, y, width: POINT, height: h, rx: 2, fill: it.color }, grp);
      const s = fitting(it.texts, it.room);
      if (s) {
        const box = el("svg", { x: it.x1 + 3, y, width: it.room, height: h }, grp);
        text(box, 0, h / 2, s, false, it.textColor);
        el("rect", { x: it.x1 + 3, y, width: s.length * CHAR, height: h, fill: "transparent" }, grp);
      }
      return;
    }
    const w = Math.max(it.x1 - it.x0, 1);
    el("rect", { class: "item", x: it.x0, y, width: w, height: h, rx: 2, fill: it.color }, grp);
    const s = w > 18 ? fitting(it.texts, w) : "";
    if (s) {
      const box = el("svg", { x: it.x0, y, width: w, height: h }, grp);
      text(box, 4, h / 2, s, it.light, it.textColor);
    }
  }

  function drawCut(g, c, top, height) {
    const x0 = X(c.start), x1 = Math.max(X(c.end === null ? c.start : c.end), x0 + 2);
    const tip = tips.push(c.tip) - 1;
    el("rect", {
      class: "item hot", x: x0, y: top + height - PAD - 3, width: x1 - x0, height: 5,
      fill: "url(#cut)", "data-tip": tip,
    }, g);
  }

  // The linearization to draw: the chosen operation's, else the focused partition's
  // longest, else the first illegal partition's.
  function shownLinearization() {
    if (chosen) {
      const li = chosen.part.p.largest[chosen.id];
      return li >= 0 ? { part: chosen.part, lin: chosen.part.p.linearizations[li] } : null;
    }
    const part = focus >= 0 ? parts[focus] : firstBad;
    if (!part || part.p.linearizations.length === 0) return null;
    return { part, lin: part.p.linearizations[0] };
  }

  // Linearization points: each step placed inside its operation's interval, in order.
  function drawLinearization(g) {
    const shown = shownLinearization();
    if (!shown) return;
    const pts = [];
    let last = -Infinity;
    for (const [id] of shown.lin) {
      const b = opBoxes.get(shown.part.pi + ":" + id);
      if (!b) continue;
      const x = Math.min(Math.max(last + 3, b.x0 + 2), b.x1 - 2);
      last = Math.max(last, x);
      pts.push([x, b.y]);
    }
    if (pts.length > 1) {
      el("polyline", { class: "lp-path", points: pts.map((p) => p.join(",")).join(" ") }, g);
    }
    const numbered = pts.length <= 400 || scale * spanMs / pts.length > 20;
    pts.forEach(([x, y], k) => {
      el("circle", { class: "lp", cx: x, cy: y, r: 3 }, g);
      if (numbered) text(g, x + 4, y - 7, String(k + 1), false).setAttribute("class", "lp-label");
    });
    const p = shown.part.p;
    if (p.stuck) {
      for (const [id] of p.stuck.candidates) {
        const b = opBoxes.get(shown.part.pi + ":" + id);
        if (!b) continue;
        const x = Math.min(Math.max(last + 3, b.x0 + 2), b.x1 - 2);
        el("circle", { class: "lp bad", cx: x, cy: b.y, r: 3.5 }, g);
      }
      const f = opBoxes.get(shown.part.pi + ":" + p.stuck.first);
      if (f) {
        el("rect", { class: "error-ring", x: f.x0 - 3, y: f.y - ROW / 2 - 1, width: f.x1 - f.x0 + 6, height: ROW + 2, rx: 4 }, g);
      }
    }
  }

  // A tick step of 1, 2 or 5 times a power of ten, at least `px` apart.
  function tickStep(px) {
    const want = px / scale;
    const step = Math.pow(10, Math.floor(Math.log10(want)));
    for (const m of [1, 2, 5, 10]) {
      if (step * m >= want) return wall ? step * m : Math.max(1, Math.round(step * m));
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
      const s = wall ? (t / 1000).toFixed(decimals) + "s" : "#" + Math.round(t);
      text(g, x + 3, AXIS / 2 - 1, s, false).setAttribute("class", "tick-label");
    }
    el("line", { class: "lane-rule", x1: 0, x2: width, y1: AXIS - 0.5, y2: AXIS - 0.5 }, g);
  }

  function verdictClass(s) {
    if (/fail|illegal/i.test(s)) return "failed";
    if (/pass|^ok$/i.test(s)) return "passed";
    return "other";
  }

  function endColor() {
    return { failed: "#E53935", passed: "#43A047", other: "#FFA000" }[verdictClass(data.result)];
  }

  function render() {
    tips.length = 0;
    opBoxes.clear();
    tooltip.hidden = true;
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
    el("rect", { width: 3, height: 6, fill: "#0277BD" }, pat);

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
    drawLinearization(el("g", {}, frag));
    if (data.result) {
      const end = X(spanMs);
      el("line", { class: "end-line", x1: end, x2: end, y1: AXIS, y2: height, stroke: endColor() }, frag);
    }
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
    axis.textContent = wall ? "time since start" : "event";
    labels.appendChild(axis);
    for (const lane of lanes) {
      const d = document.createElement("div");
      const foldable = lane.rows > 1 || folded.has(lane.key);
      d.className = "label" + (lane.kind === "tag" ? " group" : "") + (foldable ? " clickable" : "");
      d.style.height = lane.height + "px";
      d.title = (lane.sub || lane.name) + (foldable ? " (click to " + (folded.has(lane.key) ? "unfold" : "fold") + ")" : "");
      const mark = document.createElement("span");
      mark.className = "fold";
      mark.textContent = foldable ? (folded.has(lane.key) ? "\u25b8" : "\u25be") : "";
      d.appendChild(mark);
      d.appendChild(document.createTextNode(lane.name));
      if (lane.sub) {
        const small = document.createElement("small");
        small.textContent = lane.sub;
        d.appendChild(small);
      }
      if (foldable) {
        d.addEventListener("click", () => {
          if (folded.has(lane.key)) folded.delete(lane.key);
          else folded.add(lane.key);
          render();
        });
      }
      labels.appendChild(d);
    }
  }

  // ---- interaction ----

  let cursor = null, cursorLabel = null;

  function showTip(tip, ev) {
    if (tip.op) tip = opTip(tip.op.part, tip.op.id);
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
  svg.addEventListener("click", (ev) => {
    const hot = ev.target.closest("[data-tip]");
    const tip = hot ? tips[+hot.getAttribute("data-tip")] : null;
    if (tip && tip.op) {
      const same = chosen && chosen.part === tip.op.part && chosen.id === tip.op.id;
      chosen = same ? null : { part: tip.op.part, id: tip.op.id };
    } else {
      chosen = null;
    }
    render();
  });

  function fitScale() {
    return Math.max((scroller.clientWidth - LEFT - RIGHT) / spanMs, 1e-9);
  }

  // Zooms by `factor`, keeping the time under `px` (from the scroller's left) in place.
  function zoom(factor, px) {
    const ms = (scroller.scrollLeft + px - LEFT) / scale;
    scale = Math.min(Math.max(scale * factor, fitScale()), wall ? 5000 : 500);
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

  // Shows the first illegal partition's stuck operation, zoomed in around it.
  function jumpToError() {
    if (!firstBad) return;
    focus = firstBad.pi;
    chosen = null;
    select.value = String(focus);
    const p = firstBad.p;
    const ids = [p.stuck.first, ...p.stuck.candidates.map((c) => c[0])];
    let lo = Infinity, hi = -Infinity;
    for (const id of ids) {
      lo = Math.min(lo, toUnit(p.ops[id].start));
      hi = Math.max(hi, toUnit(p.ops[id].end));
    }
    const lin = p.linearizations[0] || [];
    if (lin.length) lo = Math.min(lo, toUnit(p.ops[lin[lin.length - 1][0]].start));
    const want = Math.max(hi - lo, spanMs / 1e6) * 1.6;
    scale = Math.min(Math.max((scroller.clientWidth - LEFT - RIGHT) / want, fitScale()), wall ? 5000 : 500);
    render();
    scroller.scrollLeft = Math.max(0, X(lo) - (scroller.clientWidth - (hi - lo) * scale) / 2);
    const f = opBoxes.get(firstBad.pi + ":" + p.stuck.first);
    if (f) window.scrollTo({ top: Math.max(0, svg.getBoundingClientRect().top + window.scrollY + f.y - 200) });
  }

  // ---- header, partition picker and legend ----

  const select = document.getElementById("partition");

  function header() {
    document.getElementById("test-name").textContent = data.test || "history";
    const badge = document.getElementById("result");
    badge.textContent = data.result || "running";
    badge.className = "badge " + verdictClass(data.result);
    document.getElementById("description").textContent = data.description;
    const meta = [...data.meta];
    const nops = parts.reduce((n, x) => n + x.p.ops.length, 0);
    if (parts.length) meta.push(nops + " operations");
    meta.push(fmtDuration(spanMs));
    if (data.annotations.length) meta.push(data.annotations.length + " annotations");
    if (wall) meta.push("started " + new Date(Number(BigInt(raw.origin) / 1000000n)).toLocaleString());
    document.getElementById("meta").textContent = meta.join(" \u00b7 ");

    const summary = document.getElementById("summary");
    if (parts.length) {
      const count = { Ok: 0, Illegal: 0, Unknown: 0 };
      for (const x of parts) count[x.p.result] = (count[x.p.result] || 0) + 1;
      const words = Object.entries(count).filter(([, n]) => n > 0).map(([r, n]) => n + " " + r);
      summary.textContent = parts.length + (parts.length === 1 ? " partition: " : " partitions: ") + words.join(", ");
      if (firstBad) {
        const b = document.createElement("span");
        b.className = "bad";
        const st = firstBad.p.stuck;
        b.textContent = " \u2014 " + firstBad.p.name + ": " + st.after + " of " + firstBad.p.ops.length +
          " operations linearize, then none of " + st.candidates.length + " can come next";
        summary.appendChild(b);
      }
      document.getElementById("partition-box").hidden = parts.length < 2;
      const all = document.createElement("option");
      all.value = "-1";
      all.textContent = "all";
      select.appendChild(all);
      for (const x of parts) {
        const o = document.createElement("option");
        o.value = String(x.pi);
        o.textContent = x.p.name + " \u2014 " + x.p.result + " (" + x.p.ops.length + " ops)";
        select.appendChild(o);
      }
      select.addEventListener("change", () => {
        focus = +select.value;
        chosen = null;
        render();
      });
    }
    const jump = document.getElementById("jump");
    jump.hidden = !firstBad;
    jump.addEventListener("click", jumpToError);

    const legend = document.getElementById("legend");
    const keys = [];
    if (parts.length) {
      keys.push(["linearized", OP.linearized], ["not reached", OP.later], ["could not come next", OP.candidate],
        ["stuck here", OP.first], ["not decided", OP.unknown]);
    }
    for (const [name, color] of data.legend) keys.push([name, color || null]);
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
