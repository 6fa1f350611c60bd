/**
 * The web app's build (Vite + React). `npm run app` serves it on APP_PORT (default 5173) after a local
 * node, a deployment, a short history and the indexer are up; `npm run app:build` writes app/dist/ for
 * hosting (see README: the chain, node, addresses and indexer URL come from config.json beside it).
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { port: Number(process.env.APP_PORT ?? 5173), strictPort: true },
  preview: { port: Number(process.env.APP_PORT ?? 5173), strictPort: true },
});
