import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const page = (name: string) => fileURLToPath(new URL(`./renderer/${name}`, import.meta.url));

// Builds the React dashboard and the tray's approval prompt into dist/renderer; served
// by the control API (browser and Electron windows alike) under a strict CSP, so the
// build must not emit inline scripts.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    rolldownOptions: { input: { index: page('index.html'), prompt: page('prompt.html') } },
  },
});
