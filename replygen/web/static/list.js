// The list of replies: search as you type, open one, create a new one.
"use strict";
const body = document.querySelector("#replies tbody");
const search = document.getElementById("search");
let entries = [];

const editUrl = (name) => "/edit/" + name.split("/").map(encodeURIComponent).join("/");

function cell(tr, text, extra) {
  const td = tr.insertCell();
  td.textContent = text;
  if (extra) td.append(extra);
  return td;
}

function show() {
  const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = entries.filter((e) => {
    const hay = [e.name, e.number, e.title, e.addressee, e.date].join(" ").toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  body.replaceChildren();
  for (const e of shown) {
    const tr = body.insertRow();
    tr.tabIndex = 0;
    tr.dataset.name = e.name;
    const link = document.createElement("a");
    link.href = editUrl(e.name);
    link.textContent = e.number || "（无编号）";
    const file = document.createElement("span");
    file.className = "file";
    file.textContent = e.name;
    cell(tr, "", link).append(file);
    cell(tr, e.title || "—");
    cell(tr, e.addressee || "—");
    cell(tr, e.date || "—");
    const state = cell(tr, e.valid ? "✓ 通过" : "✗ 有错误");
    state.className = e.valid ? "ok" : "bad";
    if (!e.valid) state.title = e.problems.join("\n");
  }
  document.getElementById("empty").hidden = shown.length > 0;
  document.getElementById("count").textContent = `${shown.length} / ${entries.length} 份`;
}

async function load() {
  const response = await fetch("/api/replies");
  entries = await response.json();
  show();
}

search.addEventListener("input", show);
body.addEventListener("click", (event) => {
  const tr = event.target.closest("tr");
  if (tr && !event.target.closest("a")) location.href = editUrl(tr.dataset.name);
});
body.addEventListener("keydown", (event) => {
  const tr = event.target.closest("tr");
  if (!tr) return;
  if (event.key === "Enter") location.href = editUrl(tr.dataset.name);
  if (event.key === "ArrowDown") tr.nextElementSibling?.focus();
  if (event.key === "ArrowUp") (tr.previousElementSibling || search).focus();
});
search.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown") body.rows[0]?.focus();
  if (event.key === "Enter") body.rows.length === 1 && (location.href = editUrl(body.rows[0].dataset.name));
});

const dialog = document.getElementById("new-dialog");
const form = document.getElementById("new-form");
const formError = document.getElementById("new-error");
document.getElementById("new").addEventListener("click", () => {
  formError.hidden = true;
  dialog.showModal();
});
document.getElementById("new-cancel").addEventListener("click", () => dialog.close());
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  const response = await fetch("/api/replies", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
  });
  const answer = await response.json();
  if (response.ok) {
    location.href = editUrl(answer.name);
  } else {
    formError.textContent = answer.error;
    formError.hidden = false;
  }
});

load();
