#!/usr/bin/env node
// Draws Belay's tray and app icons as PNGs with a ~40-line PNG encoder (zlib only), so
// the icons are reproducible from this file: `node scripts/make-icons.js`.
// Tray: one icon per state (guarding, paused, attention, error) — colour PNGs for
// Windows/Linux (32 px + @2x) and black/alpha template images for macOS (16 px + @2x).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** RGBA pixels (Uint8Array, width*height*4) → PNG bytes. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Shapes as coverage functions over the unit square (0..1), supersampled 4×4 for anti-aliasing.
const disc = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const segment = (ax, ay, bx, by, w) => (x, y) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
};
const any = (...fs) => (x, y) => fs.some((f) => f(x, y));

const marks = {
  // A check: guarding.
  guarding: any(segment(0.3, 0.52, 0.45, 0.67, 0.11), segment(0.45, 0.67, 0.72, 0.36, 0.11)),
  // Two bars: paused.
  paused: any(rect(0.34, 0.3, 0.44, 0.7), rect(0.56, 0.3, 0.66, 0.7)),
  // An exclamation mark: waiting for you.
  attention: any(rect(0.45, 0.24, 0.55, 0.6), disc(0.5, 0.72, 0.065)),
  // A cross: error.
  error: any(segment(0.34, 0.34, 0.66, 0.66, 0.11), segment(0.66, 0.34, 0.34, 0.66, 0.11)),
};
const colours = { guarding: [22, 128, 61], paused: [107, 114, 128], attention: [217, 119, 6], error: [200, 30, 30] };

function draw(size, paint) {
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = [0, 0, 0, 0];
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = paint((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          if (c) acc = [acc[0] + c[0] * c[3], acc[1] + c[1] * c[3], acc[2] + c[2] * c[3], acc[3] + c[3]];
        }
      }
      const i = (y * size + x) * 4;
      const a = acc[3] / (S * S);
      px[i + 3] = Math.round(a * 255);
      if (acc[3] > 0) for (let k = 0; k < 3; k++) px[i + k] = Math.round(acc[k] / acc[3]);
    }
  }
  return encodePng(size, size, px);
}

/** Colour icon: a filled disc in the state's colour with a white mark. */
const colourIcon = (state) => (x, y) => {
  if (!disc(0.5, 0.5, 0.47)(x, y)) return null;
  return marks[state](x, y) ? [255, 255, 255, 1] : [...colours[state], 1];
};
/** macOS template: black ring and mark on transparent; the menu bar tints it. */
const templateIcon = (state) => (x, y) => {
  const ring = disc(0.5, 0.5, 0.47)(x, y) && !disc(0.5, 0.5, 0.38)(x, y);
  const filled = state === 'attention' || state === 'error';
  if (filled) return disc(0.5, 0.5, 0.47)(x, y) && !marks[state](x, y) ? [0, 0, 0, 1] : null;
  return ring || marks[state](x, y) ? [0, 0, 0, 1] : null;
};
/** App icon: a rounded dark tile with the guarding mark. */
const appIcon = (x, y) => {
  const r = 0.2;
  const inside = (x > r && x < 1 - r) || (y > r && y < 1 - r) || [disc(r, r, r), disc(1 - r, r, r), disc(r, 1 - r, r), disc(1 - r, 1 - r, r)].some((f) => f(x, y));
  if (!inside) return null;
  if (disc(0.5, 0.5, 0.34)(x, y)) return marks.guarding(x, y) ? [255, 255, 255, 1] : [22, 128, 61, 1];
  return [17, 24, 39, 1];
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tray = path.join(root, 'resources', 'tray');
const icons = path.join(root, 'resources', 'icons');
mkdirSync(tray, { recursive: true });
mkdirSync(icons, { recursive: true });
for (const state of Object.keys(marks)) {
  writeFileSync(path.join(tray, `${state}.png`), draw(32, colourIcon(state)));
  writeFileSync(path.join(tray, `${state}@2x.png`), draw(64, colourIcon(state)));
  writeFileSync(path.join(tray, `${state}Template.png`), draw(16, templateIcon(state)));
  writeFileSync(path.join(tray, `${state}Template@2x.png`), draw(32, templateIcon(state)));
}
writeFileSync(path.join(icons, 'icon.png'), draw(1024, appIcon));
for (const s of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(path.join(icons, `${s}x${s}.png`), draw(s, appIcon));
process.stdout.write(`icons written to ${tray} and ${icons}\n`);
