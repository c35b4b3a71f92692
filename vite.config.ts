import { defineConfig } from 'vite';

// Builds the React dashboard into dist/renderer; served by the control API (browser)
// and loaded by the Electron windows.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
