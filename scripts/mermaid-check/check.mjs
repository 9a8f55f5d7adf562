// Parses Mermaid diagrams with the real Mermaid parser: `node check.mjs FILE...`, one diagram
// per file. Prints `FILE: ok (TYPE) tasks=N` (N: the tasks of a gantt chart, so a caller can
// tell that no line was swallowed) or `FILE: error` for each, and exits 1 if any does not parse.
// It must sit in the folder where scripts/install-mermaid-check.sh installed `mermaid` and
// `jsdom` (the installer and the tests copy it there).
// Beyond the grammar, a gantt chart's tasks are resolved (start and end of every bar), as
// rendering would, so a bar with an unreadable time fails too.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const key of ["DOMParser", "Element", "HTMLElement", "Node", "SVGElement"]) {
  if (!(key in globalThis)) globalThis[key] = dom.window[key];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const files = process.argv.slice(2).filter((a) => a !== "--");
let failed = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  try {
    const result = await mermaid.parse(text);
    if (!result || !result.diagramType) throw new Error("not recognised as a diagram");
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    let tasks = 0;
    if (result.diagramType === "gantt") {
      const all = diagram.db.getTasks();
      tasks = all.length;
      for (const t of all) {
        const start = t.startTime?.getTime?.();
        const end = t.endTime?.getTime?.();
        if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
          throw new Error(`task ${JSON.stringify(t.task)} has no valid start/end`);
        }
      }
    }
    console.log(`${file}: ok (${result.diagramType}) tasks=${tasks}`);
  } catch (e) {
    failed += 1;
    console.log(`${file}: ${String(e && e.message ? e.message : e).replace(/\s+/g, " ")}`);
  }
}
process.exit(failed ? 1 : 0);
