// The coach's Mini App: plain JavaScript, nothing fetched from elsewhere.
// Telegram opens the page with its launch parameters in the fragment (#tgWebAppData=...&tgWebAppThemeParams=...);
// every API request carries that initData ("Authorization: tma ...") and the server checks its signature.
// Without Telegram, `coach web --login` prints a link with #login=TOKEN, traded once for a session.
"use strict";

const state = { auth: null, me: null, mode: "month", anchor: null, cal: null, athleteId: null, open: null, tab: "plan" };
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// ------------------------------------------------------------------ dates (plain YYYY-MM-DD, no time zones)

function parseDay(text) { const [y, m, d] = text.split("-").map(Number); return new Date(Date.UTC(y, m - 1, d)); }
function iso(date) { return date.toISOString().slice(0, 10); }
function addDays(date, n) { return new Date(date.getTime() + n * 86400000); }
function monday(date) { return addDays(date, -((date.getUTCDay() + 6) % 7)); }
const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function label(date) { return `${DAY_NAMES[(date.getUTCDay() + 6) % 7]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`; }

// ------------------------------------------------------------------ launch parameters, theme, auth

function launchParams() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const search = new URLSearchParams(window.location.search);
  for (const key of ["tgWebAppData", "tgWebAppThemeParams"]) if (!params.has(key) && search.has(key)) params.set(key, search.get(key));
  return params;
}

function applyTheme(raw) {
  if (!raw) return;
  let theme;
  try { theme = JSON.parse(raw); } catch (e) { return; }
  const names = { bg_color: "--tg-bg", text_color: "--tg-text", hint_color: "--tg-hint", link_color: "--tg-link",
    button_color: "--tg-button", button_text_color: "--tg-button-text", secondary_bg_color: "--tg-secondary-bg" };
  const root = document.documentElement;
  for (const [key, variable] of Object.entries(names)) {
    if (typeof theme[key] === "string" && /^#[0-9a-fA-F]{3,8}$/.test(theme[key])) root.style.setProperty(variable, theme[key]);
  }
  root.classList.add("tg-theme");
}

async function signIn() {
  const params = launchParams();
  applyTheme(params.get("tgWebAppThemeParams") || sessionStorage.getItem("coach.theme"));
  if (params.get("tgWebAppThemeParams")) sessionStorage.setItem("coach.theme", params.get("tgWebAppThemeParams"));
  if (params.get("tgWebAppData")) {
    state.auth = "tma " + params.get("tgWebAppData");
    sessionStorage.setItem("coach.auth", state.auth);
    return;
  }
  if (params.get("login")) {
    history.replaceState(null, "", window.location.pathname);  // the one-time token leaves the address bar
    const response = await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: params.get("login") }) });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || "This login link doesn't work any more.");
    state.auth = "Session " + data.session;
    localStorage.setItem("coach.auth", state.auth);
    return;
  }
  state.auth = sessionStorage.getItem("coach.auth") || localStorage.getItem("coach.auth");
}

async function api(path, body) {
  const options = { headers: { Authorization: state.auth || "" } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: "The server sent something unreadable." }));
  if (!response.ok) {
    const error = new Error(data.error || `Error ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function say(text) { $("message").textContent = text || ""; }

// ------------------------------------------------------------------ calendar

const SPORT_LETTER = { run: "R ", ride: "B ", swim: "S ", strength: "W ", brick: "B+R ", other: "" };
const MARK = { planned: "•", done: "✓", partial: "◐", missed: "✗", moved: "→", skipped: "–" };

function sessionButton(session) {
  const what = session.type === "commitment" ? (session.description || "commitment") : `${session.sport} ${session.type}`;
  return el("button", {
    type: "button", class: "session", title: session.title,
    dataset: { date: session.date, status: session.status, intensity: session.intensity, sport: session.sport, type: session.type },
    onclick: () => openSession(session),
  }, el("span", { class: "mark" }, MARK[session.status] || "•"),
    el("span", { class: "short" }, `${SPORT_LETTER[session.sport] || ""}${session.duration_min}′`),
    el("span", { class: "what" }, `${what} · ${session.duration_min}′`,
      session.distance_km ? ` · ${session.distance_km} km` : "", session.key ? " · key" : ""));
}

function byDate() {
  const days = new Map();
  for (const session of state.cal.sessions) {
    if (!days.has(session.date)) days.set(session.date, []);
    days.get(session.date).push(session);
  }
  return days;
}

function renderCalendar() {
  const cal = state.cal;
  const box = $("calendar");
  box.replaceChildren();
  box.className = "calendar " + state.mode;
  $("who").textContent = cal.own ? "" : cal.athlete.name;
  for (const button of document.querySelectorAll("button[data-mode]")) button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode));
  if (!cal.plan) { say(cal.own ? "No plan yet: send /start to the bot." : `${cal.athlete.name} has no plan yet.`); return; }
  const days = byDate();
  const today = cal.today;
  if (state.mode === "week") {
    const start = monday(state.anchor);
    $("range").textContent = `${label(start)} – ${label(addDays(start, 6))}`;
    const week = cal.weeks.find((w) => w.start === iso(start));
    for (let i = 0; i < 7; i++) {
      const day = addDays(start, i);
      const items = days.get(iso(day)) || [];
      box.append(el("div", { class: "day" + (iso(day) === today ? " today" : ""), dataset: { day: iso(day) } },
        el("span", { class: "num" }, `${DAY_NAMES[i]} ${day.getUTCDate()}`),  // the month is in the range above
        el("div", { class: "items" }, ...(items.length ? items.map(sessionButton) : [el("span", { class: "rest" }, "rest")]))));
    }
    if (week) box.append(el("p", { class: "hint" }, `Week ${week.index} · ${week.phase}${week.cutback ? " (cutback)" : ""}` +
      (week.notes.length ? ` — ${week.notes[0]}` : "")));
    return;
  }
  const first = new Date(Date.UTC(state.anchor.getUTCFullYear(), state.anchor.getUTCMonth(), 1));
  $("range").textContent = `${MONTHS[first.getUTCMonth()]} ${first.getUTCFullYear()}`;
  for (const name of DAY_NAMES) box.append(el("div", { class: "dayname" }, name));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
  const end = addDays(monday(last), 6);
  for (let day = monday(first); day <= end; day = addDays(day, 1)) {
    const items = days.get(iso(day)) || [];
    const other = day.getUTCMonth() !== first.getUTCMonth();
    box.append(el("div", { class: "day" + (other ? " other" : "") + (iso(day) === today ? " today" : ""), dataset: { day: iso(day) } },
      el("span", { class: "num" }, String(day.getUTCDate())), ...(other ? [] : items.map(sessionButton))));
  }
}

function step(direction) {
  if (state.mode === "week") state.anchor = addDays(state.anchor, 7 * direction);
  else state.anchor = new Date(Date.UTC(state.anchor.getUTCFullYear(), state.anchor.getUTCMonth() + direction, 1));
  renderCalendar();
}

async function loadCalendar(athleteId) {
  state.athleteId = athleteId;
  state.cal = await api(`/api/athletes/${athleteId}/calendar`);
  if (!state.anchor) state.anchor = parseDay(state.cal.today);
  say("");
  renderCalendar();
  loadProgress(document.querySelector('#progress-kinds button[aria-pressed="true"]')?.dataset.kind || "pmc");
}

// ------------------------------------------------------------------ progress (coach/charts' data, drawn as SVG)
// Every chart is interactive: hovering, tapping or the arrow keys pick the nearest point, which gets a guide line
// and its date and values in #progress-readout (data-date, data-index: hooks for tests).

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

const W = 340, LEFT = 30, RIGHT = 8, TOP = 8;
function fixed(value, digits) { return value === null || value === undefined ? "–" : Number(value).toFixed(digits); }
function signed(value) { return (value > 0 ? "+" : value < 0 ? "−" : "") + Math.abs(value).toFixed(1); }
function kg(value) { return `${fixed(value, 1)} kg`; }
function lift(name) { return name.replace(/_/g, " "); }

// A plot: x positions of its points (SVG units), a y scale, axis labels. `series` draws into it.
function frame(height, values, floor) {
  const low = floor === undefined ? Math.min(0, ...values) : floor, high = Math.max(low + 1, ...values);
  const y = (v) => TOP + ((high - v) * (height - TOP - 16)) / (high - low);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", tabindex: "0" });
  chart.append(svg("text", { x: 2, y: y(high) + 4 }, String(Math.round(high))), svg("text", { x: 2, y: y(low) }, String(Math.round(low))));
  if (low < 0 && high > 0) chart.append(svg("line", { class: "zero", x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0) }));
  return { chart, y, height };
}

function spread(n) { return (i) => LEFT + (n <= 1 ? (W - LEFT - RIGHT) / 2 : (i * (W - LEFT - RIGHT)) / (n - 1)); }

function polyline(points, cls) {
  if (points.length > 1) return svg("polyline", { class: cls, points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") });
  return null;
}

// Hover / tap / keys: nearest of `xs`; `describe(i)` gives [date, text]; `marks(i)` the y values to circle.
function interactive(plot, xs, describe, marks, start) {
  const { chart, height } = plot;
  const guide = svg("line", { class: "guide", y1: TOP, y2: height - 14, x1: -10, x2: -10 });
  const dots = svg("g", { class: "marks" });
  chart.append(guide, dots, svg("rect", { class: "hit", x: 0, y: 0, width: W, height }));
  const readout = $("progress-readout");
  let current = -1;
  const pick = (i) => {
    current = Math.max(0, Math.min(xs.length - 1, i));
    const x = xs[current];
    guide.setAttribute("x1", x); guide.setAttribute("x2", x);
    dots.replaceChildren(...marks(current).map(([y, cls]) => svg("circle", { class: `mark ${cls}`, cx: x, cy: y, r: 3.5 })));
    const [date, text] = describe(current);
    readout.textContent = text;
    readout.dataset.date = date;
    readout.dataset.index = String(current);
  };
  const nearest = (event) => {
    const box = chart.getBoundingClientRect();
    const x = ((event.clientX - box.left) * W) / box.width;
    let best = 0;
    xs.forEach((value, i) => { if (Math.abs(value - x) < Math.abs(xs[best] - x)) best = i; });
    pick(best);
  };
  chart.addEventListener("pointermove", nearest);
  chart.addEventListener("pointerdown", nearest);
  chart.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      pick((current < 0 ? xs.length : current) + (event.key === "ArrowLeft" ? -1 : 1));
    }
  });
  pick(start === undefined || start < 0 ? xs.length - 1 : start);  // read out until another point is picked
  return chart;
}

function dateAxis(plot, first, last) {
  plot.chart.append(svg("text", { x: LEFT, y: plot.height - 2 }, first), svg("text", { x: W - RIGHT - 62, y: plot.height - 2 }, last));
}

function pmcChart(data) {
  const points = data.points;
  const plot = frame(170, points.flatMap((p) => [p.ctl, p.atl, p.tsb]));
  const x = spread(points.length);
  for (const name of ["ctl", "atl", "tsb"]) {
    for (const projected of [false, true]) {
      const line = polyline(points.map((p, i) => [p, i]).filter(([p]) => p.projected === projected).map(([p, i]) => [x(i), plot.y(p[name])]),
        `line ${name}${projected ? " projected" : ""}`);
      if (line) plot.chart.append(line);
    }
  }
  const todayAt = points.findIndex((p) => p.date === data.today);
  if (todayAt >= 0) plot.chart.append(svg("line", { class: "today", x1: x(todayAt), x2: x(todayAt), y1: TOP, y2: plot.height - 14 }));
  dateAxis(plot, points[0].date, points[points.length - 1].date);
  const chart = interactive(plot, points.map((_, i) => x(i)), (i) => {
    const p = points[i];
    return [p.date, `${label(parseDay(p.date))}${p.projected ? " (projected from the plan)" : ""}: ` +
      `CTL ${fixed(p.ctl, 1)} · ATL ${fixed(p.atl, 1)} · TSB ${signed(p.tsb)}`];
  }, (i) => ["ctl", "atl", "tsb"].map((name) => [plot.y(points[i][name]), name]), todayAt);
  return chart;
}

function readinessChart(data) {
  const points = data.points;
  const plot = frame(150, points.map((p) => p.readiness).concat([100]));
  const first = parseDay(points[0].date).getTime(), span = Math.max(1, parseDay(data.today).getTime() - first);
  const x = (p) => LEFT + ((parseDay(p.date).getTime() - first) * (W - LEFT - RIGHT)) / span;
  const line = polyline(points.map((p) => [x(p), plot.y(p.readiness)]), "line readiness");
  if (line) plot.chart.append(line);
  for (const p of points) plot.chart.append(svg("circle", { class: `point ${p.colour}`, cx: x(p), cy: plot.y(p.readiness), r: 2.5 }));
  dateAxis(plot, points[0].date, data.today);
  return interactive(plot, points.map(x), (i) => {
    const p = points[i];
    return [p.date, `${label(parseDay(p.date))}: readiness ${p.readiness} (${p.colour})`];
  }, (i) => [[plot.y(points[i].readiness), "readiness"]]);
}

function volumeChart(data) {
  const weeks = data.weeks, unit = data.unit, height = 150;
  const high = Math.max(1, ...weeks.flatMap((w) => [w.planned, w.done || 0]));
  const step = (W - LEFT - RIGHT) / Math.max(1, weeks.length);
  const h = (v) => ((height - 24) * v) / high;
  const plot = { chart: svg("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", tabindex: "0" }), y: (v) => height - 14 - h(v), height };
  plot.chart.append(svg("text", { x: 2, y: plot.y(high) + 4 }, String(Math.round(high))), svg("text", { x: 2, y: height - 14 }, "0"));
  weeks.forEach((w, i) => {
    const left = LEFT + i * step;
    plot.chart.append(svg("rect", { class: "bar planned" + (w.current ? " current" : ""), x: left + step * 0.1, y: plot.y(w.planned), width: step * 0.8, height: h(w.planned) }));
    if (w.done !== null) plot.chart.append(svg("rect", { class: "bar done", x: left + step * 0.3, y: plot.y(w.done), width: step * 0.4, height: h(w.done) }));
  });
  plot.chart.append(svg("text", { x: LEFT, y: height - 2 }, `W${weeks[0].index} … W${weeks[weeks.length - 1].index} · ${unit}`));
  const amount = (v) => (unit === "h" ? `${fixed(v, 1)} h` : `${fixed(v, 1)} ${unit}`);
  return interactive(plot, weeks.map((_, i) => LEFT + (i + 0.5) * step), (i) => {
    const w = weeks[i];
    const done = w.done === null ? "not started" : `${amount(w.done)} done`;
    return [w.start, `Week ${w.index} (from ${label(parseDay(w.start))}): ${done} of ${amount(w.planned)} planned`];
  }, (i) => (weeks[i].done === null ? [] : [[plot.y(weeks[i].done), "done"]]), weeks.findIndex((w) => w.current));
}

function strengthChart(data) {
  const lifts = data.lifts;
  const all = lifts.flatMap((l) => l.points);
  const dates = [...new Set(all.map((p) => p.date))].sort();
  const values = all.flatMap((p) => [p.top_set_e1rm_kg, p.estimate_kg]);
  const plot = frame(170, values, Math.floor((Math.min(...values) * 0.9) / 10) * 10);  // kilograms near the lifts, not from 0
  const y = plot.y;
  const first = parseDay(dates[0]).getTime(), span = Math.max(1, parseDay(dates[dates.length - 1]).getTime() - first);
  const x = (date) => LEFT + ((parseDay(date).getTime() - first) * (W - LEFT - RIGHT)) / span;
  lifts.forEach((l, n) => {
    const line = polyline(l.points.map((p) => [x(p.date), y(p.estimate_kg)]), `line lift lift${n % 4}`);
    if (line) plot.chart.append(line);
    for (const p of l.points) plot.chart.append(svg("circle", { class: `point lift${n % 4}`, cx: x(p.date), cy: y(p.top_set_e1rm_kg), r: 2.5 }));
  });
  dateAxis(plot, dates[0], dates[dates.length - 1]);
  $("progress-legend").replaceChildren(...lifts.map((l, n) => el("span", { class: `key lift${n % 4}` }, lift(l.exercise))));
  return interactive(plot, dates.map(x), (i) => {
    const day = dates[i];
    const parts = lifts.flatMap((l) => l.points.filter((p) => p.date === day)
      .map((p) => `${lift(l.exercise)}: top set ${kg(p.top_set_e1rm_kg)}, e1RM ${kg(p.estimate_kg)}`));
    return [day, `${label(parseDay(day))}: ${parts.join(" · ")}`];
  }, (i) => lifts.flatMap((l, n) => l.points.filter((p) => p.date === dates[i]).map((p) => [y(p.estimate_kg), `lift${n % 4}`])));
}

const LEGENDS = { pmc: [["ctl", "CTL fitness"], ["atl", "ATL fatigue"], ["tsb", "TSB form"]], readiness: [["readiness", "readiness"]],
  volume: [["planned", "planned"], ["done", "done"]] };

async function loadProgress(kind) {
  for (const button of document.querySelectorAll("#progress-kinds button")) button.setAttribute("aria-pressed", String(button.dataset.kind === kind));
  const box = $("progress");
  const ticket = (state.progressTicket = (state.progressTicket || 0) + 1);
  box.replaceChildren();
  box.dataset.kind = kind;
  const readout = $("progress-readout");
  readout.textContent = "";
  delete readout.dataset.date;
  delete readout.dataset.index;
  $("progress-legend").replaceChildren(...(LEGENDS[kind] || []).map(([cls, text]) => el("span", { class: `key ${cls}` }, text)));
  try {
    const data = await api(`/api/athletes/${state.athleteId}/progress/${kind}`);
    if (ticket !== state.progressTicket) return;  // asked again meanwhile (another chart, the same one twice): the last answer draws
    $("progress-caption").textContent = data.not_enough_data ? data.message : data.caption;
    if (data.not_enough_data) { $("progress-legend").replaceChildren(); return; }
    const draw = { pmc: pmcChart, readiness: readinessChart, volume: volumeChart, strength: strengthChart }[kind];
    box.append(draw(data));
  } catch (error) {
    if (ticket === state.progressTicket) $("progress-caption").textContent = error.message;
  }
}

// ------------------------------------------------------------------ one session

function openSession(session) {
  state.open = session;
  const cal = state.cal;
  $("sheet-title").textContent = `${label(parseDay(session.date))}: ${session.title}`;
  $("sheet-meta").textContent = `${session.status} · ${session.intensity} · week ${session.week} (${session.phase})`;
  $("sheet-steps").replaceChildren(...session.step_lines.map((line) => el("li", {}, line)));
  $("sheet-description").textContent = session.description || "";
  const week = cal.weeks.find((w) => w.index === session.week);
  $("sheet-why").textContent = week && week.notes.length ? "Why this week: " + week.notes.join(" ") : "";
  $("sheet-result").textContent = "";
  $("sheet-result").className = "result";
  const past = session.date <= cal.today;
  $("athlete-actions").hidden = !cal.own;
  $("act-done").hidden = !past || session.status === "done";
  $("act-skip").hidden = session.date < cal.today;
  $("move-to").value = "";
  $("move-to").min = cal.today;
  $("override-form").hidden = !cal.coach;
  $("note-form").hidden = !cal.coach;
  $("ov-minutes").value = session.duration_min;
  $("ov-type").value = session.type;
  $("ov-waive").value = "";
  $("ov-reason").value = "";
  $("sheet").hidden = false;
}

function closeSheet() { $("sheet").hidden = true; state.open = null; }

async function act(action, extra) {
  const session = state.open;
  const result = $("sheet-result");
  result.textContent = "…";
  try {
    const data = await api(`/api/athletes/${state.athleteId}/${action}`, { date: session.date, ...(extra || {}) });
    if (action === "why" && data.ok) {  // the explanation includes the week's notes: it takes their place, said once
      $("sheet-why").textContent = data.text;
      result.textContent = "";
      return;
    }
    result.textContent = data.text;
    result.className = data.ok ? "result" : "result refused";
    if (data.ok && action !== "why") await reloadKeepingSheet();
  } catch (error) {
    result.textContent = error.message;
    result.className = "result refused";
  }
}

async function reloadKeepingSheet() {
  const text = $("sheet-result").textContent;
  const cls = $("sheet-result").className;
  await loadCalendar(state.athleteId);
  const again = state.open && state.cal.sessions.find((s) => s.date === state.open.date && s.type === state.open.type);
  if (again) openSession(again);
  $("sheet-result").textContent = text;
  $("sheet-result").className = cls;
}

async function coachPost(action, body) {
  const result = $("sheet-result");
  try {
    const data = await api(`/api/coach/${action}`, body);
    result.textContent = data.text;
    result.className = data.ok ? "result" : "result refused";
    return data.ok;
  } catch (error) {
    result.textContent = error.message;
    result.className = "result refused";
    return false;
  }
}

// ------------------------------------------------------------------ the coach's view

function number(value, digits) { return value === null || value === undefined ? "–" : Number(value).toFixed(digits); }

async function loadCoach() {
  const data = await api("/api/coach");
  const cards = data.athletes.map((a) => {
    const c = a.compliance;
    return el("div", { class: "card", dataset: { athleteId: String(a.id) } },
      el("strong", {}, a.name),
      el("div", { class: "row" },
        el("span", {}, `compliance ${c.done_pct === null ? "–" : c.done_pct + " %"} (${c.done}/${c.due} done, ${c.partial} partial, ${c.missed} missed)`),
        el("span", {}, `readiness ${a.readiness === null ? "–" : a.readiness}${a.readiness_colour ? " " + a.readiness_colour : ""}`),
        el("span", {}, `CTL ${number(a.ctl, 1)} · ATL ${number(a.atl, 1)} · TSB ${number(a.tsb, 1)}`)),
      a.flags.length ? el("div", { class: "flags" }, a.flags.join(" · ")) : null,
      el("div", { class: "actions" }, el("button", { type: "button", onclick: () => showAthlete(a.id) }, "Calendar")));
  });
  $("athletes").replaceChildren(...(cards.length ? cards : [el("p", { class: "hint" }, "No linked athletes yet.")]));
  const reviews = data.reviews.map((r) => {
    const result = el("p", { class: "result" });
    const noteInput = el("input", { type: "text", maxlength: "1000", placeholder: "note to the athlete", "aria-label": "note" });
    return el("div", { class: "card review", dataset: { athleteId: String(r.athlete_id), week: r.week_start } },
      el("strong", {}, `${r.athlete} — week from ${r.week_start}`), el("pre", {}, r.text),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "approve", onclick: async () => {
          try { const d = await api("/api/coach/approve", { athlete_id: r.athlete_id, week_start: r.week_start }); result.textContent = d.text; }
          catch (error) { result.textContent = error.message; }
        } }, "Approve"),
        noteInput,
        el("button", { type: "button", onclick: async () => {
          try { const d = await api("/api/coach/note", { athlete_id: r.athlete_id, text: noteInput.value }); result.textContent = d.text; }
          catch (error) { result.textContent = error.message; }
        } }, "Note")),
      result);
  });
  $("reviews").replaceChildren(...(reviews.length ? reviews : [el("p", { class: "hint" }, "Nothing waiting.")]));
}

async function showAthlete(athleteId) {
  state.anchor = null;
  showTab("plan", false);
  await loadCalendar(athleteId);
}

// ------------------------------------------------------------------ tabs and start

function showTab(tab, load = true) {
  state.tab = tab;
  $("plan-view").hidden = tab !== "plan";
  $("coach-view").hidden = tab !== "coach";
  for (const button of document.querySelectorAll(".tabs button")) button.setAttribute("aria-pressed", String(button.dataset.tab === tab));
  if (!load) return Promise.resolve();
  if (tab === "coach") return loadCoach().catch((e) => say(e.message));
  if (state.me.athlete) { state.anchor = null; return loadCalendar(state.me.athlete.id).catch((e) => say(e.message)); }
  return Promise.resolve();
}

function wire() {
  $("prev").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
  for (const button of document.querySelectorAll("button[data-mode]")) button.addEventListener("click", () => { state.mode = button.dataset.mode; renderCalendar(); });
  for (const button of document.querySelectorAll(".tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  for (const button of document.querySelectorAll("#progress-kinds button")) button.addEventListener("click", () => loadProgress(button.dataset.kind));
  $("sheet-close").addEventListener("click", closeSheet);
  $("sheet").addEventListener("click", (event) => { if (event.target === $("sheet")) closeSheet(); });
  $("act-done").addEventListener("click", () => act("done"));
  $("act-why").addEventListener("click", () => act("why"));
  $("act-skip").addEventListener("click", () => act("skip"));
  $("act-move").addEventListener("click", () => {
    if (!$("move-to").value) { $("sheet-result").textContent = "Pick the day to move it to."; return; }
    act("move", { to: $("move-to").value });
  });
  $("override-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {};
    if ($("ov-minutes").value && Number($("ov-minutes").value) !== state.open.duration_min) changes.duration_min = Number($("ov-minutes").value);
    if ($("ov-type").value && $("ov-type").value !== state.open.type) changes.type = $("ov-type").value;
    const waive = $("ov-waive").value.split(/[ ,]+/).filter(Boolean);
    if (await coachPost("override", { athlete_id: state.athleteId, date: state.open.date, changes, waive, reason: $("ov-reason").value })) {
      await reloadKeepingSheet();
    }
  });
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await coachPost("note", { athlete_id: state.athleteId, text: $("note-text").value })) $("note-text").value = "";
  });
}

async function start() {
  wire();
  if (window.matchMedia("(max-width: 420px)").matches) state.mode = "week";
  try {
    await signIn();
  } catch (error) {
    say(error.message);
    return;
  }
  if (!state.auth) { say("Open this page from the coach bot in Telegram, or with a link from coach web --login."); return; }
  try {
    state.me = await api("/api/me");
  } catch (error) {
    say(error.message);
    return;
  }
  $("title").textContent = state.me.athlete ? state.me.athlete.name : state.me.name || "Coach";
  const tabs = [state.me.athlete ? "plan" : null, state.me.coach ? "coach" : null].filter(Boolean);
  $("tabs").hidden = !state.me.coach;  // a coach comes back to the dashboard from an athlete's calendar
  $("tab-plan").hidden = !state.me.athlete;
  $("tab-coach").hidden = !state.me.coach;
  if (!tabs.length) { say("I don't know you yet: send /start to the coach bot first."); return; }
  document.body.dataset.ready = "0";
  await showTab(tabs[0]);
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", start);
