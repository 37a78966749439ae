#!/usr/bin/env node
// Copy the pinned front-end libraries from node_modules/ into salestrack/static/vendor/.
// Templates load them with {% static 'vendor/<name>' %}; nothing is fetched from a CDN.
// Run after `npm ci` (./dev does both). Copies a file only when its content changed.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dest = join(root, "salestrack", "static", "vendor");

const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "Sortable.min.js": "node_modules/sortablejs/Sortable.min.js",
  "echarts.min.js": "node_modules/echarts/dist/echarts.min.js",
};

mkdirSync(dest, { recursive: true });
let copied = 0;
for (const [name, rel] of Object.entries(files)) {
  const src = join(root, rel);
  if (!existsSync(src)) {
    console.error(`copy_vendor: ${rel} is missing; run \`npm ci\` first`);
    process.exit(1);
  }
  const target = join(dest, name);
  if (existsSync(target) && readFileSync(target).equals(readFileSync(src))) continue;
  copyFileSync(src, target);
  copied += 1;
}
console.log(`copy_vendor: ${copied} file(s) updated in salestrack/static/vendor/`);
