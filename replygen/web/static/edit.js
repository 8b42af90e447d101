// The editor page: YAML on the left, checked as the clerk types; the printed pages on the right, re-rendered a
// moment after typing pauses; saving refuses to overwrite a version saved elsewhere meanwhile.
"use strict";
const name = document.body.dataset.name;
const url = (what) => `/api/${what}/` + name.split("/").map(encodeURIComponent).join("/");
const $ = (id) => document.getElementById(id);
const PREVIEW_PAUSE = 500;
const EDITOR = Math.random().toString(36).slice(2);   // this page's previews supersede only each other

let editor = null;
let version = null;      // sha256 of the file as last loaded or saved: the base the server checks a save against
let savedText = "";
let saving = null;
let previewTimer = null;
let previewSeq = 0;

async function call(what, method, data) {
  const response = await fetch(what, {
    method, headers: { "Content-Type": "application/json" }, body: data && JSON.stringify(data),
  });
  let answer = {};
  try { answer = await response.json(); } catch { answer = { error: `服务器错误（${response.status}）` }; }
  return { status: response.status, ok: response.ok, answer };
}

function setState(text, kind = "") {
  const state = $("state");
  state.textContent = text;
  state.className = "state " + kind;
}

const dirty = () => editor && editor.text() !== savedText;

function showProblems(problems) {
  const list = $("problems");
  list.replaceChildren(...problems.map((p) => {
    const li = document.createElement("li");
    li.textContent = (p.line ? `第 ${p.line} 行：` : "") + p.message;
    if (p.line) {
      li.tabIndex = 0;
      li.addEventListener("click", () => editor.goto(p.line, p.column || 1));
      li.addEventListener("keydown", (event) => event.key === "Enter" && editor.goto(p.line, p.column || 1));
    }
    return li;
  }));
  list.hidden = problems.length === 0;
}

async function check(text) {
  const { ok, answer } = await call(url("check"), "POST", { text });
  const problems = ok ? answer.problems : [];
  showProblems(problems);
  return problems;
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, PREVIEW_PAUSE);
}

async function preview() {
  const seq = ++previewSeq;
  const head = $("preview-state");
  head.textContent = "正在生成预览…";
  head.className = "";
  const { ok, answer } = await call(url("preview"), "POST", { text: editor.text(), editor: EDITOR });
  if (seq !== previewSeq || answer.superseded) return;   // a newer preview is on its way
  const pages = $("pages");
  if (!ok) {
    head.textContent = answer.error || "预览失败";
    head.className = "bad";
    return;
  }
  if (answer.problems.length) {
    head.textContent = `内容有 ${answer.problems.length} 处错误，预览为上一次正确的版本`;
    head.className = "bad";
    pages.classList.add("stale");
    return;
  }
  const images = answer.pages.map((src, i) => {
    const img = pages.children[i] || document.createElement("img");
    img.src = src;
    img.alt = `第 ${i + 1} 页`;
    return img;
  });
  pages.replaceChildren(...images);
  pages.classList.remove("stale");
  head.textContent = "预览与打印一致";
  $("page-count").textContent = `共 ${images.length} 页`;
}

function afterSave(problems) {
  if (problems.length) setState(`已保存为草稿（有 ${problems.length} 处错误）`, "bad");
  else setState("已保存");
}

async function save() {
  if (saving) return saving;
  saving = (async () => {
    const text = editor.text();
    setState("正在保存…");
    const { status, ok, answer } = await call(url("replies"), "PUT", { text, version });
    if (ok) {
      version = answer.version;
      savedText = text;
      $("banner").hidden = true;
      afterSave(answer.problems);
      if (dirty()) setState("有未保存的修改", "dirty");
      return true;
    }
    if (status === 409) {
      $("banner-text").textContent = answer.error;
      $("banner").hidden = false;
      setState("未保存：文件已被修改", "bad");
    } else {
      setState(answer.error || `保存失败（${status}）`, "bad");
    }
    return false;
  })();
  try { return await saving; } finally { saving = null; }
}

async function download(fmt) {
  if (dirty() && !(await save())) return;
  setState(`正在生成 ${fmt.toUpperCase()}…`);
  const response = await fetch(url(`download/${fmt}`));
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    setState(answer.error || `生成失败（${response.status}）`, "bad");
    return;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name.split("/").pop().replace(/\.yaml$/, `.${fmt}`);
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  setState(`已下载 ${link.download}`);
}

async function load() {
  const response = await fetch(url("replies"));
  const answer = await response.json();
  if (!response.ok) {
    setState(answer.error, "bad");
    return null;
  }
  version = answer.version;
  savedText = answer.text;
  return answer.text;
}

async function reload() {
  if (dirty() && !confirm("载入磁盘上的版本会放弃您在编辑器中的修改。建议先“复制我的内容”。继续吗？")) return;
  const text = await load();
  if (text === null) return;
  editor.setText(text);
  $("banner").hidden = true;
  setState("已载入最新版本");
}

async function copyMine() {
  await navigator.clipboard.writeText(editor.text());
  setState("已复制到剪贴板", "dirty");
}

(async () => {
  const text = await load();
  if (text === null) return;
  editor = ReplyEditor.create($("editor"), {
    doc: text,
    check,
    onChange: () => {
      setState(dirty() ? "有未保存的修改" : "已保存", dirty() ? "dirty" : "");
      schedulePreview();
    },
  });
  setState("已保存");
  editor.focus();
  preview();
})();

$("save").addEventListener("click", save);
$("docx").addEventListener("click", () => download("docx"));
$("pdf").addEventListener("click", () => download("pdf"));
$("reload").addEventListener("click", reload);
$("copy").addEventListener("click", copyMine);
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
    event.preventDefault();
    save();
  }
});
window.addEventListener("beforeunload", (event) => {
  if (dirty()) event.preventDefault();
});
