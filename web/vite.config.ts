/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The console is served by the Go node at / (web.Dist, see embed.go).
// `npm run dev` serves it from 127.0.0.1:4000 and proxies the node's API
// (a running `trilink demo --http 127.0.0.1:8080`).
const node = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.TRILINK_NODE ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  server: {
    host: "127.0.0.1",
    port: 4000,
    strictPort: true,
    proxy: { "/api": node, "/cap": node, "/status": node },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
    // Leaflet and uPlot change rarely: a separate chunk keeps the app's
    // own chunk small.
    rollupOptions: {
      output: {
        manualChunks: { vendor: ["leaflet", "uplot"] },
      },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
