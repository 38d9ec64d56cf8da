import { defineConfig } from 'vite';

// The browser library is built from src/ (elements arrive with the widget issue); the Node
// server and the engine run from source with tsx and are never bundled.
export default defineConfig({
  build: {
    outDir: 'dist',
    target: 'es2022',
    emptyOutDir: true,
  },
});
