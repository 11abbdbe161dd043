// The KPI dashboard: logs in against the API, reads /api/v1/analytics with the token and draws
// it with Chart.js. Every figure opens the accounts behind it; every table exports. Staff also
// see the chosen portfolio's experiments and may promote a winner.
"use strict";
(function () {
  const API = "/api/v1";
  const T = JSON.parse(document.body.dataset.texts);
  const LANG = document.body.dataset.lang;
  const BUCKETS = ["current", "1-30", "31-60", "61-90", "91-180", "181+"];
  const STATES = BUCKETS.concat(["paid"]);
  const COLORS = ["#2e7d32", "#9ccc65", "#fbc02d", "#fb8c00", "#e53935", "#6a1b9a", "#1e88e5"];
  const charts = {};
  let data = null;
  let drill = null;
  let staff = false;
  const currencyOf = {}; // portfolio id -> its currency

  const $ = (id) => document.getElementById(id);
  const label = (key, fallback) => T[key] || fallback;
  const bucketName = (b) => label("bucket." + b, b);
  const month = (iso) => iso.slice(0, 7);
  const pct = (r) => (r === null || r === undefined ? "–" : (r * 100).toFixed(1) + " %");

  // How the shared formatter (CLDR through Babel, shared/i18n/formats.py) writes each currency
  // for this reader: S/ 1,150.00 in Peru, $1.150 in Colombia. Amounts stay integers throughout.
  const MONEY = JSON.parse(document.body.dataset.money);

  function money(minor, currency) {
    const style = MONEY[currency];
    const scale = style.exponent;
    const text = String(Math.abs(minor)).padStart(scale + 1, "0");
    const whole = (scale ? text.slice(0, -scale) : text).replace(/\B(?=(\d{3})+(?!\d))/g, style.group);
    const fraction = scale ? text.slice(-scale) : "";
    // CLDR's decimals, unless the amount has minor units there: an amount is never rounded.
    const shown = /[1-9]/.test(fraction.slice(style.digits)) ? scale : style.digits;
    const decimals = shown ? style.decimal + fraction.slice(0, shown) : "";
    return (minor < 0 ? "-" : "") + style.prefix + whole + decimals + style.suffix;
  }
  // For chart heights only (labels use money()).
  const major = (minor, currency) => minor / Math.pow(10, MONEY[currency].exponent);

  // --- session -------------------------------------------------------------------------------
  const store = window.sessionStorage;
  async function refresh() {
    const token = store.getItem("cobro.refresh");
    if (!token) return false;
    const answer = await fetch(API + "/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (!answer.ok) return false;
    const body = await answer.json();
    store.setItem("cobro.access", body.access_token);
    store.setItem("cobro.refresh", body.refresh_token);
    return true;
  }

  async function call(path, params, body, again) {
    const url = new URL(API + path, window.location.origin);
    Object.entries(params || {}).forEach(([k, v]) => v && url.searchParams.set(k, v));
    const headers = { Authorization: "Bearer " + store.getItem("cobro.access"), "Accept-Language": LANG };
    const init = { headers: headers };
    if (body !== undefined) {
      init.method = "POST";
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const answer = await fetch(url, init);
    if (answer.status === 401 && !again && (await refresh())) return call(path, params, body, true);
    if (answer.status === 401) {
      showLogin();
      throw new Error("unauthenticated");
    }
    if (!answer.ok) throw new Error(String(answer.status));
    return answer;
  }
  const getJson = async (path, params) => (await call(path, params)).json();

  function showLogin() {
    $("login").hidden = false;
    $("board").hidden = true;
    $("logout").hidden = true;
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new URLSearchParams({ username: $("email").value, password: $("password").value });
    const answer = await fetch(API + "/auth/token", { method: "POST", body: form });
    if (!answer.ok) {
      $("login-error").hidden = false;
      return;
    }
    const body = await answer.json();
    store.setItem("cobro.access", body.access_token);
    store.setItem("cobro.refresh", body.refresh_token || "");
    $("login-error").hidden = true;
    start();
  });

  $("logout").addEventListener("click", async () => {
    const token = store.getItem("cobro.refresh");
    store.clear();
    if (token) {
      await fetch(API + "/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
    }
    showLogin();
  });

  async function start() {
    if (!store.getItem("cobro.access")) return showLogin();
    const me = await getJson("/users/me");
    $("login").hidden = true;
    $("logout").hidden = false;
    if (!["admin", "supervisor", "creditor", "creditor_admin"].includes(me.role)) {
      $("denied").hidden = false;
      return;
    }
    $("board").hidden = false;
    $("team-note").hidden = me.role !== "supervisor";
    // A creditor's users see their portfolios, not the agency's people.
    const creditor = me.role === "creditor" || me.role === "creditor_admin";
    $("agent-filter").hidden = creditor;
    $("agents-panel").hidden = creditor;
    // Segment names and experiments are the agency's staff's (their rules, their tests).
    staff = !creditor;
    $("segment-filter").hidden = !staff;
    $("experiments-panel").hidden = !staff;
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 180 * 86400000).toISOString().slice(0, 10);
    $("f-to").value = $("f-to").value || today;
    $("f-from").value = $("f-from").value || from;
    await options();
    await load();
  }

  async function options() {
    const [creditors, portfolios] = await Promise.all([
      getJson("/creditors", { limit: "500" }),
      getJson("/portfolios", { limit: "500" }),
    ]);
    fill($("f-creditor"), creditors.items.map((c) => [c.id, c.name]));
    fill($("f-portfolio"), portfolios.items.map((p) => [p.id, p.name]));
    portfolios.items.forEach((p) => (currencyOf[p.id] = p.currency));
    await segments();
  }

  async function segments() {
    const portfolio = $("f-portfolio").value;
    const rules = staff && portfolio ? await getJson("/portfolios/" + portfolio + "/segment-rules") : [];
    const names = [...new Set(rules.map((r) => r.segment))].sort();
    fill($("f-segment"), names.map((n) => [n, n]));
    if (!names.includes($("f-segment").value)) $("f-segment").value = "";
  }
  $("f-portfolio").addEventListener("change", () => segments().catch(() => {}));

  function fill(select, pairs) {
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    pairs.forEach(([value, text]) => select.add(new Option(text, value)));
    select.value = keep;
  }

  function filters() {
    return {
      creditor_id: $("f-creditor").value,
      portfolio_id: $("f-portfolio").value,
      agent_id: $("f-agent").value,
      segment: $("f-segment").value,
      date_from: $("f-from").value,
      date_to: $("f-to").value,
    };
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("f-currency").addEventListener("change", () => data && draw());

  async function load() {
    $("status").textContent = T.loading;
    try {
      const f = filters();
      const [portfolio, agents, channels] = await Promise.all([
        getJson("/analytics/portfolio", f),
        getJson("/analytics/agents", f),
        getJson("/analytics/channels", f),
      ]);
      data = { portfolio, agents, channels };
      if (!f.agent_id) fill($("f-agent"), agents.map((a) => [a.agent_id, a.name]));
      currencies();
      draw();
      if (staff) await experiments(f.portfolio_id);
      $("status").textContent = "";
    } catch (error) {
      if (error.message !== "unauthenticated") $("status").textContent = T.failed;
    }
  }

  function currencies() {
    const p = data.portfolio;
    const found = new Set(
      [].concat(p.aging, p.collected, p.promises, p.cohorts).map((row) => row.currency)
    );
    const select = $("f-currency");
    const keep = select.value;
    select.replaceChildren(...[...found].sort().map((c) => new Option(c, c)));
    if (found.has(keep)) select.value = keep;
  }

  // --- drawing ---------------------------------------------------------------------------------
  function chart(id, config, figureOf) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    config.options.onClick = (event, elements) => {
      if (!elements.length) return;
      const figure = figureOf(elements[0].datasetIndex, elements[0].index);
      if (figure) openDrill(figure);
    };
    charts[id] = new window.Chart($(id), config);
  }

  function draw() {
    const p = data.portfolio;
    const cur = $("f-currency").value;
    drawCards(p, cur);
    const days = [...new Set(p.aging.filter((a) => a.currency === cur).map((a) => a.day))].sort();
    const byDay = (bucket) =>
      days.map((d) => {
        const row = p.aging.find((a) => a.day === d && a.bucket === bucket && a.currency === cur);
        return row ? major(row.balance_minor, cur) : 0;
      });
    chart(
      "chart-aging",
      {
        type: "bar",
        data: {
          labels: days,
          datasets: BUCKETS.map((b, i) => ({ label: bucketName(b), data: byDay(b), backgroundColor: COLORS[i] })),
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true } } },
      },
      (ds, i) => "aging:" + days[i] + ":" + BUCKETS[ds]
    );
    const cohorts = p.cohorts.filter((c) => c.currency === cur);
    const longest = Math.max(0, ...cohorts.map((c) => c.curve.length));
    chart(
      "chart-cohorts",
      {
        type: "line",
        data: {
          labels: [...Array(longest).keys()],
          datasets: cohorts.map((c, i) => ({
            label: month(c.cohort),
            data: c.curve.map((s) => (s.rate || 0) * 100),
            borderColor: COLORS[i % COLORS.length],
            backgroundColor: COLORS[i % COLORS.length],
          })),
        },
        options: { scales: { x: { title: { display: true, text: T.months_since } }, y: { min: 0, ticks: { callback: (v) => v + " %" } } } },
      },
      (ds) => "cohort:" + month(cohorts[ds].cohort)
    );
    chart(
      "chart-cure",
      {
        type: "line",
        data: {
          labels: p.cure.map((c) => month(c.month)),
          datasets: [{ label: T["card.cure"], data: p.cure.map((c) => (c.rate || 0) * 100), borderColor: COLORS[0], backgroundColor: COLORS[0] }],
        },
        options: { scales: { y: { min: 0, ticks: { callback: (v) => v + " %" } } } },
      },
      (ds, i) => "cure:" + month(p.cure[i].month)
    );
    const promise = p.promises.find((x) => x.currency === cur);
    const statuses = ["made", "kept", "partially_kept", "broken", "open"];
    chart(
      "chart-promises",
      {
        type: "bar",
        data: {
          labels: statuses.map((s) => T["status." + s]),
          datasets: [{ label: T.promises, data: statuses.map((s) => (promise ? promise[s] : 0)), backgroundColor: COLORS }],
        },
        options: { plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: (ctx) => (promise ? money(promise[statuses[ctx.dataIndex] + "_minor"], cur) : "") } } } },
      },
      (ds, i) => "promises:" + statuses[i]
    );
    chart(
      "chart-survival",
      {
        type: "bar",
        data: {
          labels: p.plan_survival.map((s) => T.instalment.replace("{n}", s.instalments)),
          datasets: [{ label: T.survival, data: p.plan_survival.map((s) => (s.rate || 0) * 100), backgroundColor: COLORS[6] }],
        },
        options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + " %" } } } },
      },
      (ds, i) => "survival:" + p.plan_survival[i].instalments + ":current"
    );
    const collected = p.collected.filter((c) => c.currency === cur);
    chart(
      "chart-collected",
      {
        type: "doughnut",
        data: {
          labels: collected.map((c) => label("channel." + c.channel, c.channel)),
          datasets: [{ data: collected.map((c) => major(c.amount_minor, cur)), backgroundColor: COLORS }],
        },
        options: { plugins: { tooltip: { callbacks: { label: (ctx) => money(collected[ctx.dataIndex].amount_minor, cur) } } } },
      },
      (ds, i) => "collected:" + collected[i].channel
    );
    drawRolls(p);
    drawAgents(data.agents, cur);
    drawChannels(data.channels);
  }

  function drawCards(p, cur) {
    const days = p.aging.filter((a) => a.currency === cur).map((a) => a.day).sort();
    const last = days[days.length - 1];
    const owed = p.aging
      .filter((a) => a.day === last && a.currency === cur && a.bucket !== "current")
      .reduce((sum, a) => sum + a.balance_minor, 0);
    const collected = p.collected.filter((c) => c.currency === cur).reduce((s, c) => s + c.amount_minor, 0);
    const promise = p.promises.find((x) => x.currency === cur);
    const cure = p.cure[p.cure.length - 1];
    $("card-balance").textContent = cur ? money(owed, cur) : "–";
    $("card-collected").textContent = cur ? money(collected, cur) : "–";
    $("card-kept").textContent = promise ? pct(promise.kept_rate) : "–";
    $("card-cure").textContent = cure ? pct(cure.rate) : "–";
  }

  function cell(text, figure) {
    const td = document.createElement("td");
    td.textContent = text;
    if (figure) {
      td.className = "link";
      td.tabIndex = 0;
      td.addEventListener("click", () => openDrill(figure));
      td.addEventListener("keydown", (e) => e.key === "Enter" && openDrill(figure));
    }
    return td;
  }

  function table(id, headers, rows) {
    const head = document.createElement("tr");
    headers.forEach((h) => {
      const th = document.createElement("th");
      th.textContent = h;
      head.appendChild(th);
    });
    const body = rows.length ? rows : [[cell(T.none)]];
    $(id).replaceChildren(head, ...body.map((cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    }));
  }

  function drawRolls(p) {
    const months = [...new Set(p.rolls.map((r) => r.month))].sort();
    const last = months[months.length - 1];
    $("rolls-month").textContent = last ? month(last) : "";
    const cells = p.rolls.filter((r) => r.month === last);
    const rows = BUCKETS.filter((b) => cells.some((r) => r.from_bucket === b)).map((from) => [
      cell(bucketName(from)),
      ...STATES.map((to) => {
        const r = cells.find((c) => c.from_bucket === from && c.to_bucket === to);
        return r ? cell(pct(r.rate), "roll:" + month(last) + ":" + from + ":" + to) : cell("");
      }),
    ]);
    table("table-rolls", [T.rolls_from].concat(STATES.map(bucketName)), rows);
  }

  function drawAgents(agents, cur) {
    const rows = agents.map((a) => {
      const id = "agent:" + a.agent_id + ":";
      const got = a.collected.find((c) => c.currency === cur);
      return [
        cell(a.name),
        cell(String(a.visits), a.visits ? id + "visits" : null),
        cell(String(a.far_visits), a.far_visits ? id + "far" : null),
        cell(pct(a.contact_rate), a.contacts ? id + "contacts" : null),
        cell(String(a.promises), a.promises ? id + "promises" : null),
        cell(pct(a.kept_rate), a.promises_kept ? id + "kept" : null),
        cell(got ? money(got.amount_minor, cur) : "–", got ? id + "collected" : null),
        cell((a.route_m / 1000).toFixed(1)),
        cell(String(a.stop_minutes)),
      ];
    });
    const cols = ["name", "visits", "far", "contact_rate", "promises", "kept_rate", "collected", "route_km", "stop_minutes"];
    table("table-agents", cols.map((c) => T["col." + c]), rows);
  }

  function drawChannels(channels) {
    const stages = [["sent", "sent"], ["delivered", "delivered"], ["read", "read"], ["replied", "replied"], ["paid_7d", "paid"], ["opt_outs", "opted_out"]];
    const rows = channels.map((c) => {
      const base = "channel:" + c.channel + ":" + (c.step || "-") + ":";
      return [cell(c.channel), cell(c.step || "–")].concat(
        stages.map(([field, code]) => cell(String(c[field]), c[field] ? base + code : null))
      );
    });
    table("table-channels", [T["col.channel"], T["col.step"]].concat(stages.map(([f]) => T["col." + f])), rows);
  }

  // --- experiments ---------------------------------------------------------------------------
  async function experiments(portfolio) {
    const box = $("experiments");
    $("experiments-note").textContent = portfolio ? "" : T.experiments_pick;
    if (!portfolio) return box.replaceChildren();
    const found = await getJson("/portfolios/" + portfolio + "/experiments");
    if (!found.length) $("experiments-note").textContent = T.experiments_none;
    box.replaceChildren(...found.map((e) => experiment(e, currencyOf[portfolio])));
  }

  function experiment(e, cur) {
    const article = document.createElement("article");
    article.className = "experiment";
    article.dataset.id = e.id;
    const title = document.createElement("h3");
    title.textContent = e.strategy + " · " + e.step;
    const how = document.createElement("p");
    how.className = e.winner ? "winner" : "muted";
    how.textContent = e.winner
      ? T.winner.replace("{key}", e.winner)
      : T["assignment." + e.assignment].replace("{n}", e.min_outcomes);
    const wrap = document.createElement("div");
    wrap.className = "scroll";
    const grid = document.createElement("table");
    wrap.appendChild(grid);
    article.append(title, how, wrap);
    const cols = ["variant", "template", "assigned", "matured", "paid_rate", "recovered", "best"];
    const head = document.createElement("tr");
    cols.concat(e.winner ? [] : [""]).forEach((c) => {
      const th = document.createElement("th");
      th.textContent = c ? T["col." + c] : "";
      head.appendChild(th);
    });
    const rows = e.results.map((r) => {
      const tr = document.createElement("tr");
      const best = document.createElement("td");
      const bar = document.createElement("span");
      bar.className = "best";
      bar.style.width = Math.round(r.probability_best * 60) + "px";
      best.append(bar, pct(r.probability_best));
      tr.append(
        cell(r.key + (e.winner === r.key ? " ★" : "")), cell(r.template), cell(String(r.assigned)),
        cell(String(r.matured)), cell(pct(r.paid_rate)), cell(cur ? money(r.recovered_minor, cur) : String(r.recovered_minor)), best
      );
      if (!e.winner) {
        const td = document.createElement("td");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "promote";
        button.dataset.variant = r.key;
        button.textContent = T.promote;
        button.addEventListener("click", () => promote(e, r.key, cur, article));
        td.appendChild(button);
        tr.appendChild(td);
      }
      return tr;
    });
    grid.replaceChildren(head, ...rows);
    return article;
  }

  async function promote(e, key, cur, article) {
    if (!window.confirm(T.promote_confirm.replace("{key}", key))) return;
    try {
      const answer = await call("/experiments/" + e.id + "/promote", {}, { variant: key });
      article.replaceWith(experiment(await answer.json(), cur));
    } catch (error) {
      if (error.message !== "unauthenticated") $("status").textContent = T.promote_failed;
    }
  }

  // --- drill-down and exports -----------------------------------------------------------------
  async function openDrill(figure) {
    drill = { figure: figure, cursor: null, rows: [] };
    $("drill").hidden = false;
    $("drill-figure").textContent = figure;
    await more();
    $("drill").scrollIntoView({ behavior: "smooth" });
  }

  async function more() {
    const page = await getJson("/analytics/accounts", Object.assign(filters(), { figure: drill.figure, cursor: drill.cursor, limit: "50" }));
    drill.rows = drill.rows.concat(page.items);
    drill.cursor = page.next_cursor;
    $("drill-more").hidden = !page.next_cursor;
    const cols = ["reference", "product", "balance", "due", "status", "segment"];
    table("table-drill", cols.map((c) => T["col." + c]), drill.rows.map((a) => [
      cell(a.external_ref), cell(a.product), cell(money(a.balance_minor, a.currency)), cell(a.due_date), cell(a.status),
      cell(a.segment || "–"),
    ]));
  }

  $("drill-more").addEventListener("click", more);
  $("drill-close").addEventListener("click", () => ($("drill").hidden = true));

  document.querySelectorAll("button.export").forEach((button) =>
    button.addEventListener("click", async () => {
      const format = button.dataset.format || "csv";
      const params = Object.assign(filters(), { report: button.dataset.report, format: format });
      if (button.dataset.report === "accounts" && drill) params.figure = drill.figure;
      const blob = await (await call("/analytics/export", params)).blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.dataset.report + "." + format;
      link.click();
      URL.revokeObjectURL(link.href);
    })
  );

  start().catch(() => showLogin());
})();
