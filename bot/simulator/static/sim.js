// The simulator page: shows what the bot sends (read from the LINE emulator by long-polling) the way LINE
// would, and turns what the visitor types or presses into real signed webhooks (sent by the emulator).
// Plain JS, no build step: the emulator's control API is documented in bot/emulator/README.md.
"use strict";

(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const BOT_NAME = "ささえあい";
  const HINTS = {
    resident: "ここは住民のLINEです。下の入力欄に困りごとを書くか、下のメニューを押してください。",
    group: "依頼が届くと、ここに表示されます。名前・住所・電話は出ません。下で話す人を選べます。",
    supporter: "「引き受けます」を押したサポーターにだけ、くわしい内容がここに届きます。",
    coordinators: "緊急のとき、専門の相談のとき、引き受け手がいないときに、ここに知らせが届きます。",
  };

  // What the resident's own screen shows for what they sent without typing.
  const EXTRA_SHOWN = { audio: "［音声メッセージ 0:05］", image: "［写真］", location: "［位置情報］金沢市" };

  const state = {
    clockOffsetMs: 0, cast: null, emu: "", since: 0, chats: {}, supporters: [], activeSupporter: null, lastActor: null };

  // --- Talking to the emulator ---------------------------------------------------------------------

  async function emuFetch(path, options) {
    const r = await fetch(state.emu + path, options);
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r.json();
  }

  async function sendEvent(type, args) {
    const clean = Object.fromEntries(Object.entries(args).filter(([, v]) => v != null));
    try {
      const res = await emuFetch("/_emulator/events", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type, args: clean }),
      });
      if (res.status !== 200) toast(`ボットが受け取れませんでした（${res.status}）`);
    } catch (e) {
      toast("LINEエミュレーターにつながりません。make run が動いているか確かめてください。");
    }
  }

  async function poll() {
    for (;;) {
      try {
        const res = await emuFetch(`/_emulator/messages?since=${state.since}&wait=25`);
        for (const d of res.deliveries) {
          if (d.seq <= state.since) continue;
          state.since = d.seq;
          onDelivery(d);
        }
      } catch (e) {
        await sleep(1500);
      }
    }
  }

  // --- Chats -----------------------------------------------------------------------------------------

  function makeChat(key, kind, log, column, opts) {
    const chat = { key, kind, log, column, quickItems: [], unread: 0, ...opts };
    state.chats[key] = chat;
    addHint(chat);
    return chat;
  }

  function addHint(chat) {
    chat.log.append(el("div", "hint", HINTS[chat.kind]));
  }

  function scrollDown(chat) {
    chat.log.scrollTop = chat.log.scrollHeight;
  }

  // Times as a resident in Kanazawa sees them, on the bot's clock (which the visitor may have moved).
  const TIME = new Intl.DateTimeFormat("ja-JP", { timeZone: "Asia/Tokyo", hour: "numeric", minute: "2-digit" });
  function timeOf(at) {
    return TIME.format(new Date((at ? at * 1000 : Date.now()) + state.clockOffsetMs));
  }

  function onDelivery(d) {
    const chat = state.chats[d.to] || otherPerson(d.to);
    if (!chat) return;
    for (const m of d.messages) appendBot(chat, m, d);
    const last = d.messages[d.messages.length - 1];
    chat.quickItems = (last && last.quickReply && last.quickReply.items) || [];
    renderQuick(chat);
    if (chat.kind === "supporter" && state.activeSupporter !== chat.key) {
      if (state.lastActor === chat.key) showSupporter(chat.key);
      else {
        chat.unread += d.messages.length;
        renderTabs();
      }
    }
  }

  function appendBot(chat, m, d) {
    const row = el("div", "row bot");
    row.dataset.seq = d.seq;
    row.append(el("div", "avatar", "ささ"));
    const stack = el("div", "stack");
    if (chat.kind === "group" || chat.kind === "coordinators") stack.append(el("div", "who", BOT_NAME));
    stack.append(renderMessage(m, chat));
    if (m.altText && (m.type === "flex" || m.type === "template")) {
      const alt = el("div", "alt");
      alt.append(el("b", null, "通知の文："), document.createTextNode(m.altText));
      stack.append(alt);
    }
    stack.append(el("div", "meta", `${timeOf(d.at)}・${d.via === "reply" ? "返信" : "プッシュ"}`));
    row.append(stack);
    chat.log.append(row);
    scrollDown(chat);
  }

  function appendMine(chat, node, who, shownAt) {
    const at = shownAt || timeOf();
    // Kept for this tab, so a reload redraws what the visitor said (the bot's side comes back from the emulator).
    if (!shownAt) remember({ chat: chat.key, afterSeq: state.since, cls: node.className, text: node.textContent, who, at });
    const row = el("div", "row me");
    const stack = el("div", "stack");
    if (who) stack.append(el("div", "who", who));
    stack.append(node);
    stack.append(el("div", "meta", at));
    row.append(stack);
    chat.log.append(row);
    scrollDown(chat);
  }

  function myText(chat, text) {
    appendMine(chat, el("div", "text-bubble", text), chat.kind === "group" ? speakerName(chat) : null);
  }

  function speakerName(chat) {
    const s = state.supporters.find((x) => x.id === chat.userId());
    return s ? `${s.name}さん` : null;
  }

  function clearQuick(chat) {
    chat.quickItems = [];
    renderQuick(chat);
  }

  function renderQuick(chat) {
    if (chat.kind === "supporter" && state.activeSupporter !== chat.key) return;
    const box = $(".quick", chat.column);
    box.replaceChildren();
    for (const item of chat.quickItems) {
      const a = item.action || {};
      const b = el("button", null, a.label || "");
      b.type = "button";
      b.addEventListener("click", () => act(a, chat));
      box.append(b);
    }
  }

  // --- What a press or a typed line does --------------------------------------------------------------

  async function say(chat, text) {
    text = text.trim();
    if (!text) return;
    state.lastActor = chat.userId();
    myText(chat, text);
    clearQuick(chat);
    await sendEvent("text", { user_id: chat.userId(), group_id: chat.groupId, text });
  }

  async function act(a, chat) {
    if (a.type === "uri") {
      const uri = String(a.uri || "");
      if (uri.startsWith("tel:")) toast(`☎ ${uri.slice(4)} に電話をかけます（シミュレーターなので、実際にはかけません）`);
      else window.open(uri, "_blank", "noopener");
      return;
    }
    if (chat.readOnly) {
      toast("この列は見るだけです。");
      return;
    }
    state.lastActor = chat.userId();
    const base = { user_id: chat.userId(), group_id: chat.groupId };
    if (a.type === "message") {
      myText(chat, a.text);
      clearQuick(chat);
      await sendEvent("text", { ...base, text: a.text });
    } else if (a.type === "postback") {
      const shown = a.displayText || a.text;
      if (shown) myText(chat, shown);
      clearQuick(chat);
      await sendEvent("postback", { ...base, data: a.data });
    } else if (a.type === "datetimepicker") {
      const value = await pickDate(a);
      if (value == null) return;
      clearQuick(chat);
      await sendEvent("postback", { ...base, data: a.data, params: { [a.mode || "date"]: value } });
    } else if (a.type === "clipboard") {
      toast(`コピーしました：${a.clipboardText}`);
    } else {
      toast("この操作は、シミュレーターでは使えません。");
    }
  }

  function pickDate(a) {
    const dlg = $("#picker");
    const input = $("#picker-input");
    input.type = { date: "date", time: "time", datetime: "datetime-local" }[a.mode] || "date";
    input.value = a.initial || "";
    if (a.min) input.min = a.min;
    if (a.max) input.max = a.max;
    $("#picker-label").textContent = a.label || "選んでください";
    return new Promise((resolve) => {
      dlg.addEventListener(
        "close",
        () => resolve(dlg.returnValue === "ok" && input.value ? input.value : null),
        { once: true },
      );
      dlg.showModal();
    });
  }

  let toastTimer = null;
  function toast(text) {
    const t = $("#toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), 5000);
  }

  // --- Rendering LINE messages -------------------------------------------------------------------------

  function renderMessage(m, chat) {
    switch (m.type) {
      case "text":
        return linkify(el("div", "text-bubble"), m.text);
      case "flex":
        return renderContainer(m.contents, chat);
      case "template":
        return renderTemplate(m.template, chat);
      case "sticker":
        return el("div", "sticker", "☺");
      case "image":
        return Object.assign(el("img", "fx-img"), { src: m.previewImageUrl || m.originalContentUrl, alt: "画像" });
      case "location":
        return el("div", "media", `場所：${m.title || ""}\n${m.address || ""}`);
      default:
        return el("div", "text-bubble", m.altText || `（${m.type} のメッセージ）`);
    }
  }

  // LINE turns web addresses in a text message into links (the coordinators' alerts carry dashboard links).
  function linkify(node, text) {
    const parts = String(text || "").split(/(https?:\/\/[^\s　、。」）]+)/);
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        const a = Object.assign(el("a", null, part), { href: part, target: "_blank", rel: "noopener" });
        node.append(a);
      } else if (part) node.append(document.createTextNode(part));
    });
    return node;
  }

  const TEXT_SIZE = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  const SPACE = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const BORDER = { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 };
  const RADIUS = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };

  function px(v, table) {
    if (v == null) return null;
    if (typeof v === "number") return `${v}px`;
    if (table && v in table) return `${table[v]}px`;
    if (/^-?[\d.]+(px|%)$/.test(v)) return v;
    return null;
  }

  function renderContainer(c, chat) {
    if (!c) return el("div", "text-bubble", "（空のFlex）");
    if (c.type === "carousel") {
      const wrap = el("div", "carousel");
      for (const b of c.contents || []) wrap.append(renderBubble(b, chat));
      return wrap;
    }
    return renderBubble(c, chat);
  }

  function renderBubble(b, chat) {
    const e = el("div", `bubble ${b.size || "mega"}`);
    const styles = b.styles || {};
    for (const part of ["header", "hero", "body", "footer"]) {
      const root = b[part];
      if (!root) continue;
      const blk = el("div", `block ${part}`);
      const st = styles[part] || {};
      if (st.backgroundColor) blk.style.backgroundColor = st.backgroundColor;
      if (st.separator) blk.style.borderTop = `1px solid ${st.separatorColor || "#d4d6da"}`;
      // A block's root box fills the whole block, padding included, as in LINE.
      if (root.type === "box") {
        if (root.backgroundColor) blk.style.backgroundColor = root.backgroundColor;
        const pad = px(root.paddingAll, SPACE);
        if (pad != null) blk.style.padding = pad;
      }
      blk.append(renderComponent(root, chat, "vertical", true));
      e.append(blk);
    }
    if (b.action) clickable(e, b.action, chat);
    return e;
  }

  function clickable(node, action, chat) {
    node.style.cursor = "pointer";
    node.addEventListener("click", (ev) => {
      if (ev.target.closest("button")) return;
      act(action, chat);
    });
  }

  function renderComponent(c, chat, parentLayout, isRoot) {
    let e;
    switch (c.type) {
      case "box":
        e = renderBox(c, chat, isRoot);
        break;
      case "text":
        e = renderText(c);
        break;
      case "button":
        e = renderButton(c, chat);
        break;
      case "separator":
        e = el("hr", "fx-sep");
        if (c.color) e.style.borderTopColor = c.color;
        if (parentLayout !== "vertical") {
          e.style.borderTop = "0";
          e.style.borderLeft = `1px solid ${c.color || "#d4d6da"}`;
          e.style.width = "0";
          e.style.alignSelf = "stretch";
        }
        break;
      case "filler":
        e = el("div");
        e.style.flex = String(c.flex ?? 1);
        return e;
      case "spacer":
        e = el("div");
        e.style.flex = `0 0 ${px(c.size, { xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 }) || "8px"}`;
        return e;
      case "image":
      case "icon":
        e = el("img", "fx-img");
        e.src = c.url;
        e.alt = "";
        if (c.type === "icon") e.style.height = px(c.size, TEXT_SIZE) || "16px";
        if (c.aspectRatio && c.type === "image") e.style.aspectRatio = c.aspectRatio.replace(":", " / ");
        if (c.aspectMode === "cover") e.style.objectFit = "cover";
        if (c.type === "image") e.style.width = "100%";
        if (c.action) clickable(e, c.action, chat);
        break;
      default:
        e = el("div", "fx-text", `（${c.type}）`);
    }
    if (!isRoot) flexItem(e, c, parentLayout);
    return e;
  }

  function flexItem(e, c, parentLayout) {
    const horizontal = parentLayout !== "vertical";
    const grow = c.flex ?? (horizontal ? 1 : 0);
    e.style.flex = horizontal ? `${grow} 1 0` : `${grow} 0 auto`;
    if (c.type !== "text") {
      const align = { start: "flex-start", end: "flex-end", center: "center" }[c.align];
      if (align && horizontal) e.style.justifySelf = align;
      const gravity = { top: "flex-start", bottom: "flex-end", center: "center" }[c.gravity];
      if (gravity && horizontal && parentLayout !== "baseline") e.style.alignSelf = gravity;
    }
    const pos = c.position === "absolute";
    if (pos) e.style.position = "absolute";
    for (const [k, css] of [["offsetTop", "top"], ["offsetBottom", "bottom"], ["offsetStart", "left"], ["offsetEnd", "right"]]) {
      const v = px(c[k], SPACE);
      if (v != null) e.style[css] = v;
    }
    if (!pos && c.position !== "absolute" && (c.offsetTop || c.offsetStart)) e.style.position = "relative";
  }

  function renderBox(c, chat, isRoot) {
    const layout = c.layout || "vertical";
    const e = el("div", `fx-box ${layout}`);
    if (!isRoot && c.backgroundColor) e.style.backgroundColor = c.backgroundColor;
    const bw = px(c.borderWidth, BORDER);
    if (bw) e.style.border = `${bw} solid ${c.borderColor || "#000"}`;
    const r = px(c.cornerRadius, RADIUS);
    if (r) e.style.borderRadius = r;
    if (!isRoot && c.paddingAll) e.style.padding = px(c.paddingAll, SPACE);
    for (const [k, css] of [["paddingTop", "paddingTop"], ["paddingBottom", "paddingBottom"], ["paddingStart", "paddingLeft"], ["paddingEnd", "paddingRight"]]) {
      const v = px(c[k], SPACE);
      if (v != null) e.style[css] = v;
    }
    for (const k of ["width", "maxWidth", "height", "maxHeight"]) {
      const v = px(c[k]);
      if (v != null) e.style[k] = v;
    }
    const justify = { "flex-start": "flex-start", "flex-end": "flex-end", center: "center", "space-between": "space-between", "space-around": "space-around", "space-evenly": "space-evenly" };
    if (justify[c.justifyContent]) e.style.justifyContent = justify[c.justifyContent];
    if (c.alignItems) e.style.alignItems = c.alignItems;
    if (c.contents && c.contents.some((x) => x.position === "absolute")) e.style.position = "relative";
    const spacing = px(c.spacing, SPACE);
    (c.contents || []).forEach((child, i) => {
      const node = renderComponent(child, chat, layout, false);
      const gap = child.margin != null ? px(child.margin, SPACE) : i > 0 ? spacing : null;
      if (gap && i > 0) {
        if (layout === "vertical") node.style.marginTop = gap;
        else node.style.marginLeft = gap;
      } else if (gap && child.margin != null) {
        if (layout === "vertical") node.style.marginTop = gap;
        else node.style.marginLeft = gap;
      }
      e.append(node);
    });
    if (c.action) clickable(e, c.action, chat);
    return e;
  }

  function renderText(c) {
    const e = el("div", `fx-text ${c.wrap ? "wrap" : "nowrap"}`);
    if (c.contents && c.contents.length) {
      for (const s of c.contents) {
        const span = el("span", null, s.text || "");
        styleText(span, s);
        e.append(span);
      }
    } else {
      e.textContent = c.text || "";
    }
    styleText(e, c);
    if (c.align) e.style.textAlign = { start: "left", end: "right", center: "center" }[c.align] || "left";
    if (c.maxLines) {
      e.style.display = "-webkit-box";
      e.style.webkitLineClamp = String(c.maxLines);
      e.style.webkitBoxOrient = "vertical";
      e.style.overflow = "hidden";
    }
    if (c.gravity) e.style.alignSelf = { top: "flex-start", bottom: "flex-end", center: "center" }[c.gravity] || "";
    return e;
  }

  function styleText(e, c) {
    const size = px(c.size, TEXT_SIZE);
    if (size) e.style.fontSize = size;
    else if (!c.size && e.tagName === "DIV") e.style.fontSize = `${TEXT_SIZE.md}px`;
    if (c.weight === "bold") e.style.fontWeight = "bold";
    if (c.color) e.style.color = c.color;
    if (c.style === "italic") e.style.fontStyle = "italic";
    if (c.decoration && c.decoration !== "none") e.style.textDecoration = c.decoration;
  }

  function renderButton(c, chat) {
    const a = c.action || {};
    const style = c.style || "link";
    const b = el("button", `fx-btn ${style}${c.height === "sm" ? " sm" : ""}`, a.label || "");
    b.type = "button";
    if (c.color) {
      if (style === "link") b.style.color = c.color;
      else b.style.backgroundColor = c.color;
    }
    b.addEventListener("click", () => act(a, chat));
    return b;
  }

  function renderTemplate(t, chat) {
    if (!t) return el("div", "text-bubble", "（テンプレート）");
    if (t.type === "carousel" || t.type === "image_carousel") {
      const wrap = el("div", "carousel");
      for (const col of t.columns || []) wrap.append(templateCard(col, chat, t.type));
      return wrap;
    }
    return templateCard(t, chat, t.type);
  }

  function templateCard(t, chat, kind) {
    const card = el("div", `tmpl ${kind}`);
    const img = t.thumbnailImageUrl || t.imageUrl;
    if (img) card.append(Object.assign(el("img", "fx-img"), { src: img, alt: "" }));
    if (t.title) card.append(el("div", "t-title", t.title));
    if (t.text) card.append(el("div", "t-text", t.text));
    const actions = el("div", "t-actions");
    for (const a of t.actions || (t.action ? [t.action] : [])) {
      const b = el("button", null, a.label || "");
      b.type = "button";
      b.addEventListener("click", () => act(a, chat));
      actions.append(b);
    }
    card.append(actions);
    if (t.defaultAction) clickable(card, t.defaultAction, chat);
    return card;
  }

  // --- The resident's rich menu ------------------------------------------------------------------------

  async function loadRichMenu(chat) {
    let data;
    try {
      data = await emuFetch("/_emulator/richmenus");
    } catch (e) {
      return;
    }
    const id = (data.users && data.users[chat.key]) || data.default;
    const menu = (data.richmenus || []).find((m) => m.richMenuId === id);
    const holder = $(".richmenu", chat.column);
    const bar = $(".menubar", chat.column);
    if (!menu || !menu.hasImage) {
      holder.hidden = true;
      bar.hidden = true;
      return;
    }
    holder.replaceChildren();
    const img = el("img");
    img.src = `${state.emu}/_emulator/richmenus/${id}/image`;
    img.alt = "リッチメニュー";
    holder.append(img);
    const { width, height } = menu.size;
    for (const area of menu.areas) {
      const b = area.bounds;
      const btn = el("button");
      btn.type = "button";
      btn.setAttribute("aria-label", area.action.label || area.action.text || "メニュー");
      btn.title = area.action.label || "";
      Object.assign(btn.style, {
        left: `${(b.x / width) * 100}%`,
        top: `${(b.y / height) * 100}%`,
        width: `${(b.width / width) * 100}%`,
        height: `${(b.height / height) * 100}%`,
      });
      btn.addEventListener("click", () => act(area.action, chat));
      holder.append(btn);
    }
    const toggle = $(".menu-toggle", bar);
    const label = menu.chatBarText || "メニュー";
    const sync = () => (toggle.textContent = `${label} ${holder.hidden ? "▴" : "▾"}`);
    toggle.onclick = () => {
      holder.hidden = !holder.hidden;
      sync();
    };
    bar.hidden = false;
    holder.hidden = !menu.selected;
    sync();
  }

  // Someone the cast does not name (a family member acting for a resident, a supporters' lead...):
  // their 1:1 chat gets its own tab in the third column, where the visitor can also speak as them.
  function otherPerson(id) {
    if (!id || !id.startsWith("U")) return null;
    const person = { id, name: `ほかの方（…${id.slice(-4)}）`, other: true };
    state.supporters.push(person);
    const log = el("div", "log");
    log.dataset.chat = `other:${id}`;
    log.hidden = true;
    $("#col-supporter .logs").append(log);
    const chat = makeChat(id, "supporter", log, $("#col-supporter"), { userId: () => id, groupId: null });
    renderTabs();
    return chat;
  }

  // --- Supporters' 1:1 tabs ---------------------------------------------------------------------------

  function renderTabs() {
    const tabs = $("#col-supporter .tabs");
    tabs.replaceChildren();
    for (const s of state.supporters) {
      const chat = state.chats[s.id];
      const b = el("button", s.id === state.activeSupporter ? "active" : "", s.other ? s.name : `${s.name}さん`);
      b.type = "button";
      b.dataset.supporter = s.id;
      if (chat.unread) b.append(el("span", "badge", String(chat.unread)));
      b.addEventListener("click", () => showSupporter(s.id));
      tabs.append(b);
    }
  }

  function showSupporter(id) {
    state.activeSupporter = id;
    for (const s of state.supporters) state.chats[s.id].log.hidden = s.id !== id;
    state.chats[id].unread = 0;
    renderTabs();
    renderQuick(state.chats[id]);
    scrollDown(state.chats[id]);
  }

  // --- The bot's clock (the demo's can be moved forward) ----------------------------------------------

  async function loadClock() {
    try {
      const r = await fetch("/simulator/clock", { cache: "no-store" });
      showClock(await r.json());
    } catch (e) {
      /* no clock: the control stays hidden */
    }
  }

  function showClock(c) {
    state.clockOffsetMs = Date.parse(c.now) - Date.now();
    if (Math.abs(state.clockOffsetMs) < 5000) state.clockOffsetMs = 0; // same clock: ignore the request's travel time
    $("#clock").hidden = !c.movable;
    $("#clock-now").textContent = c.text;
  }

  async function advanceClock() {
    const minutes = Number($("#clock-step").value);
    const r = await fetch("/simulator/clock", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ minutes }),
    });
    const c = await r.json();
    if (!r.ok) {
      toast(`時間をすすめられませんでした：${c.error}`);
      return;
    }
    showClock(c);
    toast(`${c.text} になりました。予定されていたお知らせがあれば、届きます。`);
  }

  // --- Start -------------------------------------------------------------------------------------------

  function wireForm(column, chatOf) {
    const form = $("form.say", column);
    if (!form) return;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const input = $("input[name=text]", form);
      const chat = chatOf();
      if (!chat) return;
      say(chat, input.value);
      input.value = "";
    });
  }

  // --- Keeping the chats across a reload (sessionStorage: this tab only) ----------------------------------

  function storageKey() {
    return `sasaeai-simulator:${state.emu}:${state.cast && state.cast.resident ? state.cast.resident.id : ""}`;
  }

  function loadSaved() {
    try {
      return JSON.parse(sessionStorage.getItem(storageKey()) || "null");
    } catch (e) {
      return null;
    }
  }

  function save(saved) {
    try {
      sessionStorage.setItem(storageKey(), JSON.stringify(saved));
    } catch (e) {
      /* storage full or off: the page still works, it only forgets on reload */
    }
  }

  function remember(entry) {
    const saved = loadSaved() || { start: state.since, mine: [] };
    saved.mine.push(entry);
    save(saved);
  }

  // Redraw the chats since the page was first opened (or cleared): the visitor's own lines in order among the
  // bot's deliveries, which the emulator still holds.
  async function restore(lastSeq) {
    const saved = loadSaved();
    if (!saved || saved.start > lastSeq) {
      save({ start: lastSeq, mine: [] });
      return lastSeq;
    }
    const res = await emuFetch(`/_emulator/messages?since=${saved.start}`);
    const mine = saved.mine.slice();
    const flush = (beforeSeq) => {
      while (mine.length && mine[0].afterSeq < beforeSeq) {
        const m = mine.shift();
        const chat = state.chats[m.chat];
        if (chat) appendMine(chat, el("div", m.cls, m.text), m.who, m.at);
      }
    };
    let since = saved.start;
    for (const d of res.deliveries) {
      flush(d.seq);
      onDelivery(d);
      since = d.seq;
    }
    flush(Infinity);
    return Math.max(since, res.last_seq || 0);
  }

  function resetView() {
    for (const chat of Object.values(state.chats)) {
      chat.log.replaceChildren();
      chat.quickItems = [];
      chat.unread = 0;
      addHint(chat);
      renderQuick(chat);
    }
    if (state.supporters.length) renderTabs();
    $("#toast").hidden = true;
    save({ start: state.since, mine: [] });
  }

  async function start() {
    const cast = await (await fetch("/simulator/cast.json", { cache: "no-store" })).json();
    state.cast = cast;
    state.emu = cast.emulator.replace(/\/$/, "");
    if (!cast.resident || !cast.group) {
      toast("データベースに、住民とサポーターのグループが登録されていません（sasaeai demo で開くと、そろっています）。");
    }
    $$(".resident-name").forEach((n) => (n.textContent = cast.resident ? cast.resident.name : "住民"));
    state.supporters = cast.supporters;

    if (cast.resident) {
      const col = $("#col-resident");
      const chat = makeChat(cast.resident.id, "resident", $(".log", col), col, { userId: () => cast.resident.id, groupId: null });
      wireForm(col, () => chat);
      const extras = $(".extras", col);
      $(".extras-btn", col).addEventListener("click", () => (extras.hidden = !extras.hidden));
      for (const b of $$("button[data-send]", extras)) {
        b.addEventListener("click", () => {
          extras.hidden = true;
          state.lastActor = chat.userId();
          const kind = b.dataset.send;
          appendMine(chat, kind === "sticker" ? el("div", "sticker", "☺") : el("div", "media", EXTRA_SHOWN[kind]));
          clearQuick(chat);
          sendEvent(kind, { user_id: chat.userId() });
        });
      }
      loadRichMenu(chat);
    }
    const speaker = $("#col-group select[name=speaker]");
    for (const s of cast.supporters) speaker.append(Object.assign(el("option", null, `${s.name}さん`), { value: s.id }));
    if (cast.group) {
      const col = $("#col-group");
      const chat = makeChat(cast.group.id, "group", $(".log", col), col, { userId: () => speaker.value, groupId: cast.group.id });
      wireForm(col, () => chat);
    }
    speaker.addEventListener("change", () => showSupporter(speaker.value));
    const supCol = $("#col-supporter");
    for (const s of cast.supporters) {
      const log = el("div", "log");
      log.dataset.chat = `supporter:${s.name}`;
      $(".logs", supCol).append(log);
      makeChat(s.id, "supporter", log, supCol, { userId: () => s.id, groupId: null });
    }
    $(".logs", supCol).style.cssText = "flex:1; display:flex; flex-direction:column; min-height:0;";
    wireForm(supCol, () => state.chats[state.activeSupporter]);
    if (cast.supporters.length) showSupporter(cast.supporters[0].id);
    if (cast.coordinators) {
      const col = $("#col-coordinators");
      makeChat(cast.coordinators.id, "coordinators", $(".log", col), col, { userId: () => null, groupId: cast.coordinators.id, readOnly: true });
    }

    $$("[data-try]").forEach((b) =>
      b.addEventListener("click", () => {
        const chat = cast.resident && state.chats[cast.resident.id];
        if (chat) say(chat, b.dataset.try);
      }),
    );
    const guide = $("#guide");
    $("#guide-toggle").addEventListener("click", () => (guide.hidden = !guide.hidden));
    $("#guide-close").addEventListener("click", () => (guide.hidden = true));
    $("#reset").addEventListener("click", resetView);
    $("#clock-go").addEventListener("click", advanceClock);
    loadClock();

    // Start from now: what happened before this page first opened (the printed story) is not replayed; after a
    // reload, what this tab showed is drawn again.
    const first = await emuFetch("/_emulator/messages?since=0");
    state.since = await restore(first.last_seq || 0);
    document.body.dataset.ready = "1";
    poll();
  }

  start().catch((e) => toast(`シミュレーターを開けませんでした：${e.message}`));
})();
