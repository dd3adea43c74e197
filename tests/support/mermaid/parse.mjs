// Parses each mermaid diagram given as a file argument with mermaid itself; prints one line per file.
// mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom provides one outside a browser.
// Exit 0 when every diagram parses, 1 when one does not, 2 on a usage error.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node parse.mjs DIAGRAM.mmd...");
  process.exit(2);
}
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let failed = false;
for (const file of files) {
  try {
    const result = await mermaid.parse(readFileSync(file, "utf8"));
    console.log(`${file}: ok ${result.diagramType}`);
  } catch (error) {
    failed = true;
    console.log(`${file}: error ${String(error.message).split("\n").slice(0, 4).join(" | ")}`);
  }
}
process.exit(failed ? 1 : 0);
