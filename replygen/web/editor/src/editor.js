// The YAML editor of the workbench: CodeMirror 6 with YAML highlighting, line numbers, search, and lint marks at
// the lines the server reports. Bundled by build.sh into ../static/editor.js as the global `ReplyEditor`.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";

const PHRASES = {
  "Find": "查找", "Replace": "替换", "next": "下一个", "previous": "上一个", "all": "全部",
  "match case": "区分大小写", "regexp": "正则", "by word": "整词", "replace": "替换", "replace all": "全部替换",
  "close": "关闭", "Go to line": "转到行", "go": "转到", "Diagnostics": "问题", "No diagnostics": "没有问题",
  "Folded lines": "已折叠", "Unfolded lines": "已展开", "Fold line": "折叠", "Unfold line": "展开",
};

function toDiagnostics(doc, problems) {
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(p.line || 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((p.column || 1) - 1, 0), line.to);
    return { from, to: Math.max(from, line.to), severity: "error", message: p.message };
  });
}

// create(parent, {doc, onChange(text), check(text) → Promise<problems>}) → the editor's handle. Ctrl+S is the
// page's: the key event bubbles up to it.
export function create(parent, { doc, onChange, check }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        yaml(),
        EditorState.phrases.of(PHRASES),
        EditorView.lineWrapping,
        keymap.of([indentWithTab]),
        lintGutter(),
        linter(async (v) => toDiagnostics(v.state.doc, await check(v.state.doc.toString())), { delay: 400 }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    relint: () => forceLinting(view),
    focus: () => view.focus(),
    goto(lineNumber, column = 1) {
      const line = view.state.doc.line(Math.min(Math.max(lineNumber, 1), view.state.doc.lines));
      const pos = Math.min(line.from + column - 1, line.to);
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
      view.focus();
    },
  };
}
